//! The measured knobs of the ranking, with the values docs/relevance.md chose (each one
//! measured on every judged set by `scripts/relevance`).

use crate::error::{Error, Result};

/// Parameters of the ranking that were measured rather than fixed by design.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// Pseudo-relevance feedback: how many of the first pass's best hits are read (0: no
    /// feedback).
    pub feedback_docs: usize,
    /// Feedback words added to the query at most.
    pub feedback_terms: usize,
    /// λ of RM3: the share of the query's weight that goes to the feedback words.
    pub feedback_weight: f32,
    /// Words in more than this share of the articles are never feedback words.
    pub feedback_max_df: f32,
    /// A feedback word is in at least this many of the feedback hits.
    pub feedback_min_docs: usize,
    /// Feedback hits score at least this share of the best hit's score.
    pub feedback_min_score: f32,
    /// Passages read from each feedback hit: those around the query's words.
    pub feedback_passages: usize,
    /// Characters of each passage.
    pub feedback_passage_chars: usize,
    /// Queries with fewer content words take no feedback.
    pub feedback_min_words: usize,
    /// No feedback when one of this many best hits holds the query as written.
    pub feedback_verbatim_check: usize,
    /// Candidates of the first pass that the feedback words rescore.
    pub feedback_window: usize,
    /// Weight of a function or question word of the query (的, 是, 哪些) relative to a
    /// content word's.
    pub function_word_weight: f32,
    /// Weight of the proximity bonus relative to the words' own scores.
    pub proximity_weight: f32,
    /// How close the query's words must stand for it (positions apart).
    pub proximity_slop: u32,
    /// BM25 of the title: its average length is taken as this many times the real one
    /// (see [`ScaledLengths`]).
    pub title_length_scale: f32,
    /// BM25 of the body: likewise. 1.25 (k1 ≈ 1.02, b ≈ 0.71) won on three sets and lost
    /// DuReader among the news articles (docs/relevance.md), so it stays 1.
    pub body_length_scale: f32,
}

impl Default for Ranking {
    fn default() -> Ranking {
        Ranking {
            feedback_docs: 10,
            feedback_terms: 20,
            feedback_weight: 0.3,
            feedback_max_df: 0.3,
            feedback_min_docs: 4,
            feedback_min_score: 0.5,
            feedback_passages: 2,
            feedback_passage_chars: 150,
            feedback_min_words: 3,
            feedback_verbatim_check: 3,
            feedback_window: 100,
            function_word_weight: 1.0,
            proximity_weight: 1.0,
            proximity_slop: 8,
            title_length_scale: 1.0,
            body_length_scale: 1.0,
        }
    }
}

/// The largest value of a ranking setting that counts (documents, words, characters).
pub const MAX_COUNT_SETTING: u32 = 1_000_000;

impl Ranking {
    /// The defaults with `key=value,…` applied (`SOUSUO_RANKING`, for relevance
    /// experiments); an unknown key or a value that is not a number is an error naming it.
    ///
    /// ```
    /// let ranking = sousuo::search::Ranking::with_settings("feedback_docs=0").unwrap();
    /// assert_eq!(ranking.feedback_docs, 0);
    /// assert!(sousuo::search::Ranking::with_settings("feedback=1").is_err());
    /// assert!(sousuo::search::Ranking::with_settings("feedback_docs=2.7").is_err());
    /// assert!(sousuo::search::Ranking::with_settings("feedback_weight=1").is_err());
    /// ```
    pub fn with_settings(settings: &str) -> Result<Ranking> {
        let mut ranking = Ranking::default();
        for setting in settings.split(',').filter(|s| !s.trim().is_empty()) {
            let (key, value) = setting.split_once('=').unwrap_or((setting, ""));
            ranking.set(key.trim(), &SettingValue { setting, value })?;
        }
        Ok(ranking)
    }

    /// Sets the setting `key` to `value`.
    fn set(&mut self, key: &str, value: &SettingValue<'_>) -> Result<()> {
        match key {
            "feedback_docs" => self.feedback_docs = value.count()?,
            "feedback_terms" => self.feedback_terms = value.count()?,
            "feedback_weight" => {
                let weight = value.number()?;
                if weight >= 1.0 {
                    return Err(value.bad("the value must be below 1 (the query's own share)"));
                }
                self.feedback_weight = weight;
            }
            "feedback_max_df" => self.feedback_max_df = value.number()?,
            "feedback_min_docs" => self.feedback_min_docs = value.count()?,
            "feedback_min_score" => self.feedback_min_score = value.number()?,
            "feedback_passages" => self.feedback_passages = value.count()?,
            "feedback_passage_chars" => self.feedback_passage_chars = value.count()?,
            "feedback_min_words" => self.feedback_min_words = value.count()?,
            "feedback_verbatim_check" => self.feedback_verbatim_check = value.count()?,
            "feedback_window" => self.feedback_window = value.count()?,
            "function_word_weight" => self.function_word_weight = value.number()?,
            "proximity_weight" => self.proximity_weight = value.number()?,
            "proximity_slop" => self.proximity_slop = value.count()? as u32,
            "title_length_scale" => self.title_length_scale = value.length_scale()?,
            "body_length_scale" => self.body_length_scale = value.length_scale()?,
            other => {
                return Err(Error::Setting(format!(
                    "unknown ranking setting `{other}`; the settings are the fields of \
                     sousuo::search::Ranking"
                )))
            }
        }
        Ok(())
    }
}

/// Index statistics for BM25 with each field's average length scaled: tantivy fixes k1 = 1.2
/// and b = 0.75, and a field's term scores are idf · tf (k1 + 1) / (tf + k1 (1 − b) +
/// k1 b · length / average). Reporting the average as s times the real one keeps k1 (1 − b)
/// and divides k1 b by s: the BM25 of k1' = k1 (1 − b) + k1 b / s and b' = (k1 b / s) / k1',
/// times (k1 + 1) / (k1' + 1). s > 1 weighs a field's length and repeated words less.
pub(super) struct ScaledLengths<'a> {
    pub(super) searcher: &'a tantivy::Searcher,
    pub(super) scales: Vec<(tantivy::schema::Field, f32)>,
}

impl tantivy::query::Bm25StatisticsProvider for ScaledLengths<'_> {
    fn total_num_tokens(&self, field: tantivy::schema::Field) -> tantivy::Result<u64> {
        let tokens =
            tantivy::query::Bm25StatisticsProvider::total_num_tokens(self.searcher, field)?;
        Ok(match self.scales.iter().find(|(f, _)| *f == field) {
            Some((_, scale)) => (tokens as f64 * f64::from(*scale)).round() as u64,
            None => tokens,
        })
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        tantivy::query::Bm25StatisticsProvider::total_num_docs(self.searcher)
    }

    fn doc_freq(&self, term: &tantivy::Term) -> tantivy::Result<u64> {
        self.searcher.doc_freq(term)
    }
}

/// The value of one ranking setting (`key=value`), read as the setting needs it.
struct SettingValue<'a> {
    /// The whole setting, for messages.
    setting: &'a str,
    value: &'a str,
}

impl SettingValue<'_> {
    fn bad(&self, what: &str) -> Error {
        Error::Setting(format!("ranking setting `{}`: {what}", self.setting))
    }

    /// A number ≥ 0.
    fn number(&self) -> Result<f32> {
        self.value
            .trim()
            .parse::<f32>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .ok_or_else(|| self.bad("the value is not a number ≥ 0"))
    }

    /// A whole number from 0 to [`MAX_COUNT_SETTING`].
    fn count(&self) -> Result<usize> {
        self.value
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= MAX_COUNT_SETTING)
            .map(|n| n as usize)
            .ok_or_else(|| {
                self.bad(&format!(
                    "the value is not a whole number from 0 to {MAX_COUNT_SETTING}"
                ))
            })
    }

    /// A number above 0 (a length is divided by it).
    fn length_scale(&self) -> Result<f32> {
        let n = self.number()?;
        (n > 0.0)
            .then_some(n)
            .ok_or_else(|| self.bad("the value must be above 0 (a length is divided by it)"))
    }
}

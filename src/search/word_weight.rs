//! How much a query word's match counts where the word stands whole and where it stands
//! inside a longer word (a sub-word, [`crate::text`]: 大会堂 in 人民大会堂, 沪宁 in 王沪宁).
//!
//! By default a match inside a longer word counts [`SUB_WORD_WEIGHT`] of a whole one: the
//! word itself is the surer match. A word that stands inside longer words in
//! [`MOSTLY_INSIDE`] times as many articles as it stands whole (each counted in the field
//! where it is highest) is read the other way: it is a piece of those words, typed in part
//! (`沪宁` for 王沪宁, `江省` for 浙江省, `三角` for 长三角), and its few whole uses are mostly
//! where the segmenter cut a longer word differently. The whole and the inside matches then score as one word held
//! by the articles holding it either way: each clause's weight turns its own idf into that
//! word's, so where the word stands no longer decides the rank — how often and where (title,
//! body) the article holds it does. Measured in docs/relevance.md (partial names 0.765 →
//! 0.884 in `scripts/forgiving`; every judged set held).

use tantivy::Term;

use crate::error::{Error, Result};
use crate::schema::IndexedField;
use crate::text::sub_word_term;

use super::build::term_for;
use super::{ArticleSearcher, SUB_WORD_WEIGHT};

/// A word standing inside longer words in this many times as many articles as it stands
/// whole is scored as one word wherever it stands. (Any ratio from 1 to 10 measured the
/// same on the partial names; equal weights for every word lost known-item 0.394 → 0.324:
/// a whole word is the surer match where it is common.)
pub const MOSTLY_INSIDE: u64 = 10;

/// The weights of a word's whole and sub-word clauses in one field, times the field's boost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WordWeights {
    /// Of the word standing whole.
    pub whole: f32,
    /// Of the word inside a longer word.
    pub inside: f32,
}

impl WordWeights {
    /// A whole match counts fully, one inside a longer word [`SUB_WORD_WEIGHT`] of it.
    pub const USUAL: WordWeights = WordWeights {
        whole: 1.0,
        inside: SUB_WORD_WEIGHT,
    };

    /// The weights that score a word held whole by `whole` and inside longer words by
    /// `inside` of `articles` as one word held by both (BM25's idf, as tantivy computes it).
    pub fn as_one_word(articles: u64, whole: u64, inside: u64) -> WordWeights {
        if inside == 0 {
            return WordWeights::USUAL;
        }
        let idf = |holding: u64| {
            let (n, holding) = (articles as f32, holding.min(articles) as f32);
            (1.0 + (n - holding + 0.5) / (holding + 0.5)).ln()
        };
        let either = idf(whole + inside);
        WordWeights {
            whole: either / idf(whole),
            inside: either / idf(inside),
        }
    }
}

/// Whether a word held whole by `whole` articles and inside longer words by `inside` is
/// mostly a piece of longer words.
pub fn mostly_inside(whole: u64, inside: u64) -> bool {
    inside > 0 && inside >= MOSTLY_INSIDE.saturating_mul(whole)
}

/// A word's weights in each text field of the index.
#[derive(Debug, Default)]
pub(crate) struct WordWeighing {
    /// The fields keeping sub-words, with their weights; any other field's are the usual.
    fields: Vec<(tantivy::schema::Field, WordWeights)>,
}

impl WordWeighing {
    /// The weights of the word in `field`.
    pub(crate) fn of(&self, field: &IndexedField) -> WordWeights {
        let found = self.fields.iter().find(|(f, _)| *f == field.field);
        found.map_or(WordWeights::USUAL, |(_, weights)| *weights)
    }
}

impl ArticleSearcher {
    /// `word`'s weights in each text field. Whether it is mostly a piece of longer words is
    /// decided over the article, from its counts in the field where each is highest (the
    /// body, as a rule); each field's weights then make its two clauses score as one word.
    pub(crate) fn word_weights(&self, word: &str) -> Result<WordWeighing> {
        let searcher = self.reader.searcher();
        let count = |term: &Term| {
            searcher
                .doc_freq(term)
                .map_err(|e| Error::reading(format!("counting the articles holding {word}"), e))
        };
        let mut counts = Vec::new();
        let sub_word = sub_word_term(word);
        for (field, _) in self.index.fields.searchable_text() {
            let Some(sub_words) = field.sub_words else {
                continue;
            };
            let inside = count(&Term::from_field_text(sub_words, &sub_word))?;
            if inside > 0 {
                counts.push((field, count(&term_for(field, word))?, inside));
            }
        }
        let whole = counts.iter().map(|c| c.1).max().unwrap_or(0);
        let inside = counts.iter().map(|c| c.2).max().unwrap_or(0);
        if !mostly_inside(whole, inside) {
            return Ok(WordWeighing::default());
        }
        let articles = searcher.num_docs();
        let fields = counts
            .into_iter()
            .map(|(field, whole, inside)| {
                let weights = WordWeights::as_one_word(articles, whole, inside);
                (field.field, weights)
            })
            .collect();
        Ok(WordWeighing { fields })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_mostly_inside_longer_words_scores_the_same_wherever_it_stands() {
        // 沪宁 whole in 45 articles, inside 王沪宁 and others in 514, of 82,832.
        assert!(mostly_inside(45, 514));
        let weights = WordWeights::as_one_word(82_832, 45, 514);
        let idf = |n: f32, df: f32| (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        let (whole, inside) = (idf(82_832.0, 45.0), idf(82_832.0, 514.0));
        assert!((weights.whole * whole - weights.inside * inside).abs() < 1e-4);
        // ... and as a word held by the articles holding it either way.
        assert!((weights.inside * inside - idf(82_832.0, 559.0)).abs() < 1e-4);
        assert!(weights.inside > SUB_WORD_WEIGHT && weights.whole < 1.0);
    }

    #[test]
    fn a_word_mostly_whole_keeps_the_usual_weights() {
        assert!(!mostly_inside(900, 300));
        assert!(!mostly_inside(100, 999));
        assert!(!mostly_inside(0, 0));
        assert!(mostly_inside(100, 1000));
        assert_eq!(WordWeights::as_one_word(82_832, 7, 0), WordWeights::USUAL);
        // Held only inside longer words (苏芮 in 杜苏芮): the inside clause scores as the word.
        let only_inside = WordWeights::as_one_word(82_832, 0, 703);
        assert!((only_inside.inside - 1.0).abs() < 1e-6);
    }
}

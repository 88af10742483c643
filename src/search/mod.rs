//! Search stage: query text → ranked [`Hit`]s with snippets.
//!
//! Clauses from [`crate::query`] are analyzed with the index's own analyzer and built into
//! one tantivy `BooleanQuery`:
//! - plain words rank: each word is a should-clause per text field, boosted by the schema,
//!   scored by BM25, plus the same word as a sub-word of longer words at a lower weight. A hit needs at least one word, never all of them (question-style
//!   queries carry words relevant documents lack); an unspaced Chinese query is segmented,
//!   never turned into a strict phrase;
//! - the query's words together form a sloppy phrase that adds to the score of documents
//!   where they stand close (proximity boost), applied by rescoring the best candidates so
//!   the word query itself stays a flat union of term scorers (one buffered pass);
//! - `"…"` phrases, `+`, `-` and `field:` clauses are strict, as written.

use std::collections::HashMap;
use std::sync::OnceLock;

use tantivy::collector::TopDocs;
use tantivy::query::{AllQuery, Query};
use tantivy::{DocAddress, IndexReader, ReloadPolicy, Searcher};

use crate::error::{Error, Result};
use crate::facets::{FacetCollector, FacetCounts};
use crate::index::{read_guarded, Depth, FileDamage, SearchIndex};
use crate::query::{parse_query, Clause, ClauseKind, Occur};
use crate::schema::ArticleField;
use crate::text::normalize_term;

mod build;
mod collect;
mod execute;
mod explain;
mod feedback;
mod fold;
pub mod inside;
mod lexicon;
pub mod limits;
pub mod matching;
mod parts;
pub mod plan;
mod proximity;
mod query_terms;
mod ranking;
mod settings;
mod similar;
mod skipping_union;
mod sounds;
mod spellings;
mod stored;
pub mod strategy;
mod types;
pub mod values;
pub mod word_weight;

pub use ranking::Ranking;
pub use settings::{SearchSettings, RANKING_VARIABLE};
pub use types::*;

use collect::Ranked;
use fold::Signatures;
pub use fold::{NearDuplicateCounts, NearDuplicates};
use strategy::MatchingReport;
/// Weight of a synonym's match relative to the query word's own.
pub const SYNONYM_WEIGHT: f32 = 0.8;
/// Keywords of an article that make the query for similar articles.
const SIMILAR_KEYWORDS: usize = 20;
/// Weight of a match as a sub-word of a longer word, relative to a whole-word match.
pub const SUB_WORD_WEIGHT: f32 = 0.35;
/// How many of the best candidates the proximity boost rescores (more when paging deeper).
const RESCORE_WINDOW: usize = 100;
/// Candidates folded beyond twice the hits wanted, so a page is full after folding.
const FOLD_EXTRA: usize = 20;
/// The most candidates a folded search reads to fill a page of groups.
const MAX_FOLD_CANDIDATES: usize = 20_000;
/// Characters of body text shown around the best match.
pub const SNIPPET_CHARS: usize = 120;

/// Which hits of the ranked list, in what order.
#[derive(Debug, Clone, Copy)]
struct Page {
    limit: usize,
    offset: usize,
    sort: SortOrder,
    /// Whether near-duplicates are folded into the best of them.
    fold: bool,
}

/// Each segment's files hold as many documents as `meta.json` says (a wrong count makes
/// reads run past the columns' ends).
fn check_document_counts(index: &SearchIndex, searcher: &Searcher) -> Result<()> {
    for segment in searcher.segment_readers() {
        let held = segment
            .fast_fields()
            .u64(crate::schema::CONTENT_HASH_FIELD)
            .map_err(|e| Error::reading("reading the index", e))?
            .num_docs();
        if held != segment.max_doc() {
            return Err(Error::Damaged {
                dir: index.dir.clone(),
                problem: format!(
                    "meta.json says segment {} holds {} documents; its files hold {held}",
                    segment.segment_id().uuid_string(),
                    segment.max_doc()
                ),
            });
        }
    }
    Ok(())
}

/// The clauses of a query; no query browses every article (the filters still apply). With
/// them, why the query was read as plain text when it was: pasted text of
/// [`limits::PASTED_TEXT_CHARS`] characters or more that the query language cannot read (a
/// quotation mark left open, `Note:` taken for a field) is text, not an error.
fn clauses_of(query: &str) -> Result<(Vec<Clause>, Option<String>)> {
    let (mut clauses, reason) = match parse_query(query) {
        Ok(clauses) => (clauses, None),
        Err(error) if query.chars().count() >= limits::PASTED_TEXT_CHARS => {
            (limits::plain_words(query), Some(error.to_string()))
        }
        Err(error) => return Err(error.into()),
    };
    if clauses.is_empty() {
        clauses.push(Clause {
            occur: Occur::Should,
            field: None,
            kind: ClauseKind::All,
        });
    }
    Ok((clauses, reason))
}

impl Hit {
    /// A hit with only its id and score (for runs that need no stored fields).
    fn bare(id: String, score: f32) -> Hit {
        Hit {
            rank: 0,
            score,
            id,
            path: String::new(),
            title: String::new(),
            date: None,
            date_without_year: None,
            categories: Vec::new(),
            author: None,
            editor: None,
            snippet: String::new(),
            highlights: Vec::new(),
            title_highlights: Vec::new(),
            more_snippets: Vec::new(),
            explanation: None,
            duplicates: Vec::new(),
            partial: false,
        }
    }
}

/// Searches one index; cheap to reuse across queries.
pub struct ArticleSearcher {
    /// Damage seen when it was opened that leaves the index searchable.
    damage: Vec<FileDamage>,
    index: SearchIndex,
    reader: IndexReader,
    /// The text fields a plain query searches: those that hold text in this commit.
    default_fields: Vec<ArticleField>,
    /// Query word → the other words of its synonym groups.
    synonyms: HashMap<String, Vec<String>>,
    /// Ids by segment and doc id, read on first need (runs without stored documents).
    ids: OnceLock<Vec<Vec<String>>>,
    /// The near-duplicate signature columns, opened on first need (a manual reader's
    /// segments never change).
    signatures: OnceLock<Signatures>,
    /// The measured knobs of the ranking.
    ranking: Ranking,
    /// The index's words for the fallbacks, read on first need, by one caller at a time
    /// (the others wait for it rather than read it too).
    lexicon: OnceLock<lexicon::Lexicon>,
    reading_lexicon: std::sync::Mutex<()>,
    /// A character → the words it begins in the most articles, as found
    /// ([`Self::words_begun_by`]).
    begun: std::sync::Mutex<HashMap<char, std::sync::Arc<[String]>>>,
}

/// A query built from text, with the terms to highlight.
struct BuiltQuery {
    /// What matches and ranks.
    query: Box<dyn Query>,
    /// The plain words as a sloppy phrase, added to the best candidates' scores.
    proximity: Option<proximity::Proximity>,
    /// `query` restricted to documents covering all, then all but one … then two of the
    /// query's concepts (see [`plan::QueryPlan::concepts`]): ranked before the rest.
    tiers: Vec<Box<dyn Query>>,
    highlight_terms: Vec<String>,
    /// Whether anything in it ranks (not only filters and exclusions).
    scored: bool,
    /// How many exactness tiers a keyword query's `query` ranks first by score offsets
    /// ([`build::EXACT_OFFSET`]); its hits are in tiers 0 to this.
    exact_tiers: usize,
    /// For a keyword query, the query by any of its words: ranked after the articles
    /// holding every part when those are too few to fill the window (not counted).
    padding: Option<Box<dyn Query>>,
    /// Whether a keyword query that no article matches will be relaxed (it has parts to
    /// drop and this is the first page): it is then searched without its padding, which
    /// the relaxed query's search reads instead.
    may_relax: bool,
    /// What it means (explanations are read off it).
    plan: plan::QueryPlan,
}

impl ArticleSearcher {
    /// Opens a searcher on the last commit of `index`.
    pub fn new(index: SearchIndex) -> Result<ArticleSearcher> {
        // Damage seen cheaply: missing and cut files are an error that says what to run
        // (tantivy's own would be a dump); changed field norms or deletions only change
        // rankings, and are warned of.
        let damage = index.damaged_files(Depth::Footers)?;
        if let Some(broken) = damage.iter().find(|d| !d.problem.contains("checksum")) {
            let more = match damage.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            return Err(Error::Damaged {
                dir: index.dir.clone(),
                problem: format!("{broken}{more}"),
            });
        }
        let reader = index
            .index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| Error::index(format!("reading index {}", index.dir.display()), e))?;
        // Load the dictionary now, not inside the first query.
        index.analyzer.load_dictionary();
        // Text fields no document fills (posts rarely have a description) are left out of
        // plain queries: each would add term lookups to every query for nothing.
        let searcher = reader.searcher();
        let mut default_fields = Vec::new();
        for (field, _) in index.fields.searchable_text() {
            let mut tokens = 0;
            for segment in searcher.segment_readers() {
                tokens += segment
                    .inverted_index(field.field)
                    .map_err(|e| Error::reading("reading the index", e))?
                    .total_num_tokens();
            }
            if tokens > 0 {
                default_fields.push(field.source);
            }
        }
        check_document_counts(&index, &searcher)?;
        Ok(ArticleSearcher {
            damage,
            index,
            reader,
            default_fields,
            synonyms: HashMap::new(),
            ids: OnceLock::new(),
            signatures: OnceLock::new(),
            lexicon: OnceLock::new(),
            reading_lexicon: std::sync::Mutex::new(()),
            begun: std::sync::Mutex::new(HashMap::new()),
            ranking: Ranking::default(),
        })
    }

    /// Expands query words with synonyms: one group of interchangeable words per line
    /// (separated by spaces or commas; `#` starts a comment line). A plain query word of a
    /// group also ranks by the group's other words, at [`SYNONYM_WEIGHT`].
    pub fn with_synonyms(mut self, groups: &str) -> ArticleSearcher {
        for line in groups.lines() {
            let line = line.trim();
            if line.starts_with('#') {
                continue;
            }
            let group: Vec<String> = line
                .split(|c: char| c.is_whitespace() || c == ',' || c == '，')
                .filter(|w| !w.is_empty())
                .filter_map(normalize_term)
                .collect();
            for word in &group {
                let others = self.synonyms.entry(word.clone()).or_default();
                for other in &group {
                    if other != word && !others.contains(other) {
                        others.push(other.clone());
                    }
                }
            }
        }
        self
    }

    /// Ranks with `ranking` instead of the defaults.
    pub fn with_ranking(mut self, ranking: Ranking) -> ArticleSearcher {
        self.ranking = ranking;
        self
    }

    /// Runs a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        read_guarded(&self.index.dir, "searching", || {
            let results = self.search_unguarded(request)?;
            self.with_words_inside(request, results)
        })
    }

    fn search_unguarded(&self, request: &SearchRequest) -> Result<SearchResults> {
        let length = request.query.chars().count();
        if length > MAX_QUERY_CHARS {
            return Err(Error::Query(format!(
                "the query is {length} characters long; the limit is {MAX_QUERY_CHARS}"
            )));
        }
        let (clauses, unreadable) = clauses_of(&request.query)?;
        let mut plan = self.plan(&clauses, &request.filters)?;
        plan.read_as_text = plan.read_as_text.take().or(unreadable);
        let asked = MatchingReport::of(plan.matching.as_ref());
        let page = Page {
            limit: request.limit,
            offset: request.offset,
            sort: request.sort,
            fold: request.fold,
        };
        loop {
            let Some(mut built) = self.build(&plan)? else {
                return Ok(SearchResults::default());
            };
            built.may_relax &= page.offset == 0;
            let mut results = self.execute(built, page, &request.output)?;
            let nothing = results.total.unwrap_or(0) == 0 && results.hits.iter().all(|h| h.partial);
            // No article holds every part of a keyword query: drop the part in most
            // articles and search again.
            if nothing && page.offset == 0 && self.relax(&mut plan) {
                continue;
            }
            // No article holds even the last part: nothing matches (the count is 0; articles
            // holding some of the words still follow, marked partial), and the report says
            // what was asked.
            results.matching = if nothing {
                asked
            } else {
                MatchingReport::of(plan.matching.as_ref())
            };
            results.matching.ignored = plan.ignored;
            results.matching.unknown_values = plan.unknown_values;
            results.matching.read_as_text = plan.read_as_text;
            return Ok(results);
        }
    }

    /// Damage found when the index was opened that leaves it searchable (field norms or
    /// deletions that no longer match their checksums): rankings may be off.
    pub fn damage(&self) -> &[FileDamage] {
        &self.damage
    }

    /// The measured knobs this searcher ranks with.
    pub fn ranking(&self) -> &Ranking {
        &self.ranking
    }

    /// The words a query marks in titles and snippets (as the index analyzed them).
    pub fn highlight_terms(&self, text: &str) -> Result<Vec<String>> {
        let clauses = parse_query(text)?;
        Ok(self.plan(&clauses, &Filters::default())?.highlight)
    }

    /// The query that `text` stands for (no proximity rescoring), or `None` when it has no
    /// searchable words.
    pub fn query_for(&self, text: &str) -> Result<Option<Box<dyn Query>>> {
        let clauses = parse_query(text)?;
        let plan = self.plan(&clauses, &Filters::default())?;
        Ok(self.build(&plan)?.map(|built| built.query))
    }

    /// BM25 statistics with the ranking's length scales.
    fn statistics<'a>(&self, searcher: &'a Searcher) -> ranking::ScaledLengths<'a> {
        let mut scales = Vec::new();
        for (source, scale) in [
            (ArticleField::Title, self.ranking.title_length_scale),
            (ArticleField::Body, self.ranking.body_length_scale),
        ] {
            if let Some(field) = self.index.fields.get(source) {
                scales.push((field.field, scale));
            }
        }
        ranking::ScaledLengths { searcher, scales }
    }

    /// The index searched.
    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// When the last ingest that added or changed an article started (microseconds since
    /// the epoch); `None` for an empty index.
    pub fn last_ingested(&self) -> Result<Option<i64>> {
        let searcher = self.reader.searcher();
        let mut last = None;
        for segment in searcher.segment_readers() {
            let column = segment
                .fast_fields()
                .date(crate::schema::INGESTED_FIELD)
                .map_err(|e| Error::reading("reading ingest times", e))?;
            if let Some(time) = column.max_value().into_timestamp_micros().into() {
                if segment.num_docs() > 0 {
                    last = last.max(Some(time));
                }
            }
        }
        Ok(last)
    }

    /// Facet counts over every document.
    pub fn facets_of_all(&self) -> Result<FacetCounts> {
        self.reader
            .searcher()
            .search(&AllQuery, &FacetCollector::new(&self.index))
            .map_err(|e| Error::reading("counting articles", e))
    }
}

/// An index of the given posts (file name, text) in a temporary folder, and a searcher on
/// it: for unit tests of the search stage.
#[cfg(test)]
pub(crate) fn searcher_over(posts: &[(&str, &str)]) -> (tempfile::TempDir, ArticleSearcher) {
    use std::sync::atomic::AtomicBool;

    use crate::ingest::{ingest, IngestOptions};

    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("posts");
    std::fs::create_dir(&folder).unwrap();
    for (name, text) in posts {
        std::fs::write(folder.join(name), text).unwrap();
    }
    let index_dir = dir.path().join("idx");
    let mut options = IngestOptions::new(vec![folder], index_dir.clone());
    options.threads = 1;
    options.memory_budget = 32 << 20;
    ingest(&options, &AtomicBool::new(false), &mut |_| {}).unwrap();
    let searcher = ArticleSearcher::new(SearchIndex::open(&index_dir).unwrap()).unwrap();
    (dir, searcher)
}

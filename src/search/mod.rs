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
use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, Query};
use tantivy::Order;
use tantivy::{DocAddress, IndexReader, ReloadPolicy, Searcher};

use crate::error::{Error, Result};
use crate::facets::{FacetCollector, FacetCounts};
use crate::index::{read_guarded, SearchIndex};
use crate::query::{parse_query, Clause, ClauseKind, Occur};
use crate::schema::ArticleField;
use crate::snippet::SnippetMaker;
use crate::text::normalize_term;

mod build;
mod explain;
pub mod plan;
mod similar;
mod stored;

use build::add_proximity_scores;
/// How close query words must stand to earn the proximity boost (positions apart).
const PROXIMITY_SLOP: u32 = 8;
/// Weight of a synonym's match relative to the query word's own.
pub const SYNONYM_WEIGHT: f32 = 0.8;
/// Keywords of an article that make the query for similar articles.
const SIMILAR_KEYWORDS: usize = 20;
/// Weight of a match as a sub-word of a longer word, relative to a whole-word match.
const SUB_WORD_WEIGHT: f32 = 0.35;
/// How many of the best candidates the proximity boost rescores (more when paging deeper).
const RESCORE_WINDOW: usize = 100;
/// Weight of the proximity clause relative to the words' own scores.
const PROXIMITY_BOOST: f32 = 0.5;
/// Characters of body text shown around the best match.
pub const SNIPPET_CHARS: usize = 120;

/// One search.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The query, in the query language.
    pub query: String,
    /// How many hits.
    pub limit: usize,
    /// How many of the best hits to skip (paging).
    pub offset: usize,
    /// Filters besides the query.
    pub filters: Filters,
    /// The order of the hits.
    pub sort: SortOrder,
    /// What to return besides the ranked hits.
    pub output: SearchOutput,
}

/// What a search returns besides the ranked hits: how it is executed, not what it asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchOutput {
    /// Whether to load stored fields and make snippets (off for batch runs).
    pub with_documents: bool,
    /// Whether to count every matching document.
    pub count_total: bool,
    /// Whether to count the matching documents per category and per month.
    pub facets: bool,
    /// Whether to explain each hit's score.
    pub explain: bool,
    /// How many passages of each hit's body to show (at least 1).
    pub snippets: usize,
}

impl Default for SearchOutput {
    /// Documents with one snippet; no count, facets or explanations.
    fn default() -> Self {
        SearchOutput {
            with_documents: true,
            count_total: false,
            facets: false,
            explain: false,
            snippets: 1,
        }
    }
}

/// Hits returned when no limit is given.
pub const DEFAULT_LIMIT: usize = 10;

/// The longest query read, in characters; a longer one is an error (analysis cost grows with
/// the length, and no search needs more).
pub const MAX_QUERY_CHARS: usize = 4096;

impl SearchRequest {
    /// The best 10 hits of `query` by relevance, with documents, no count, no facets.
    pub fn new(query: impl Into<String>) -> SearchRequest {
        SearchRequest {
            query: query.into(),
            limit: DEFAULT_LIMIT,
            offset: 0,
            filters: Filters::default(),
            sort: SortOrder::Relevance,
            output: SearchOutput::default(),
        }
    }
}

/// Filters applied to every hit, on top of the query (they do not change scores).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Only articles in one of these categories.
    pub categories: Vec<String>,
    /// Only articles by one of these authors.
    pub authors: Vec<String>,
    /// Only articles dated from the start of this date or period.
    pub since: Option<String>,
    /// Only articles dated up to the end of this date or period.
    pub until: Option<String>,
}

/// The order of hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortOrder {
    /// Best match first.
    #[default]
    Relevance,
    /// Oldest first (undated last).
    Date,
    /// Newest first (undated last).
    DateDescending,
}

/// A ranked article.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// 1-based rank, counting the skipped offset.
    pub rank: usize,
    /// BM25 score with boosts.
    pub score: f32,
    /// Document id.
    pub id: String,
    /// Source path.
    pub path: String,
    /// Title.
    pub title: String,
    /// Date, in China time.
    pub date: Option<DateTime<FixedOffset>>,
    /// Categories.
    pub categories: Vec<String>,
    /// Author.
    pub author: Option<String>,
    /// Editor.
    pub editor: Option<String>,
    /// Passage of the body around the best match.
    pub snippet: String,
    /// Character ranges of `snippet` that match the query.
    pub highlights: Vec<Range<usize>>,
    /// Character ranges of `title` that match the query.
    pub title_highlights: Vec<Range<usize>>,
    /// Further passages, when more than one was asked for (`--snippets N`).
    pub more_snippets: Vec<crate::snippet::Snippet>,
    /// Why the hit scored as it did, when asked for.
    pub explanation: Option<ScoreExplanation>,
}

/// A score and what it is made of.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScoreExplanation {
    /// The score.
    pub score: f32,
    /// What was scored: a term in a field, a sum, a boost, BM25's parts.
    pub what: String,
    /// The parts, when it is made of several (only those that scored).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<ScoreExplanation>,
}

/// The hits of one search.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// Hits, best first.
    pub hits: Vec<Hit>,
    /// How many documents matched in all, when counted.
    pub total: Option<usize>,
    /// Counts per category and month of all matching documents, when asked for.
    pub facets: Option<FacetCounts>,
    /// The order the hits are in: by relevance, or by date (when asked for, and for a
    /// query that only filters or lists, newest first), when scores mean nothing.
    pub order: SortOrder,
}

/// An article as stored in the index.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredArticle {
    /// Document id.
    pub id: String,
    /// Source path.
    pub path: String,
    /// Title.
    pub title: String,
    /// Date, in China time.
    #[serde(serialize_with = "serialize_date")]
    pub date: Option<DateTime<FixedOffset>>,
    /// Categories.
    pub categories: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Author.
    pub author: Option<String>,
    /// Editor.
    pub editor: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Cover image.
    pub image: Option<String>,
    /// Original link.
    pub link: Option<String>,
    /// The clean body, as indexed.
    pub body: String,
}

/// Where an article came from (see [`ArticleSearcher::source_record`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    /// The article's id: its path below `root`.
    pub id: String,
    /// The absolute folder it was ingested from.
    pub root: PathBuf,
    /// The xxh3 hash of the file's bytes when it was ingested.
    pub content_hash: u64,
}

/// Dates as RFC 3339 in JSON.
fn serialize_date<S: serde::Serializer>(
    date: &Option<DateTime<FixedOffset>>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    match date {
        Some(date) => serializer.serialize_str(&date.to_rfc3339()),
        None => serializer.serialize_none(),
    }
}

/// The documents a search collected (score, address), the count and the facets.
type Collected = (Vec<(f32, DocAddress)>, Option<usize>, Option<FacetCounts>);

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
            categories: Vec::new(),
            author: None,
            editor: None,
            snippet: String::new(),
            highlights: Vec::new(),
            title_highlights: Vec::new(),
            more_snippets: Vec::new(),
            explanation: None,
        }
    }
}

/// Searches one index; cheap to reuse across queries.
pub struct ArticleSearcher {
    index: SearchIndex,
    reader: IndexReader,
    /// The text fields a plain query searches: those that hold text in this commit.
    default_fields: Vec<ArticleField>,
    /// Query word → the other words of its synonym groups.
    synonyms: HashMap<String, Vec<String>>,
    /// Ids by segment and doc id, read on first need (runs without stored documents).
    ids: OnceLock<Vec<Vec<String>>>,
}

/// A query built from text, with the terms to highlight.
struct BuiltQuery {
    /// What matches and ranks.
    query: Box<dyn Query>,
    /// The plain words as a sloppy phrase, added to the best candidates' scores.
    proximity: Option<Box<dyn Query>>,
    highlight_terms: Vec<String>,
    /// Whether anything in it ranks (not only filters and exclusions).
    scored: bool,
    /// What it means (explanations are read off it).
    plan: plan::QueryPlan,
}

impl ArticleSearcher {
    /// Opens a searcher on the last commit of `index`.
    pub fn new(index: SearchIndex) -> Result<ArticleSearcher> {
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
        Ok(ArticleSearcher {
            index,
            reader,
            default_fields,
            synonyms: HashMap::new(),
            ids: OnceLock::new(),
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

    /// Runs a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        read_guarded(&self.index.dir, "searching", || {
            self.search_unguarded(request)
        })
    }

    fn search_unguarded(&self, request: &SearchRequest) -> Result<SearchResults> {
        let length = request.query.chars().count();
        if length > MAX_QUERY_CHARS {
            return Err(Error::Query(format!(
                "the query is {length} characters long; the limit is {MAX_QUERY_CHARS}"
            )));
        }
        let mut clauses = parse_query(&request.query).map_err(|e| Error::Query(e.to_string()))?;
        if clauses.is_empty() {
            // No query: browse every article (the filters still apply).
            clauses.push(Clause {
                occur: Occur::Should,
                field: None,
                kind: ClauseKind::All,
            });
        }
        let plan = self.plan(&clauses, &request.filters)?;
        let Some(built) = self.build(&plan)? else {
            return Ok(SearchResults::default());
        };
        self.execute(built, request)
    }

    /// The query that `text` stands for (no proximity rescoring), or `None` when it has no
    /// searchable words.
    pub fn query_for(&self, text: &str) -> Result<Option<Box<dyn Query>>> {
        let clauses = parse_query(text).map_err(|e| Error::Query(e.to_string()))?;
        let plan = self.plan(&clauses, &Filters::default())?;
        Ok(self.build(&plan)?.map(|built| built.query))
    }

    fn execute(&self, built: BuiltQuery, request: &SearchRequest) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        // Neither can usefully exceed the number of documents (and a huge value must not
        // become a huge allocation or an overflow).
        let documents = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        let limit = request.limit.min(documents);
        let offset = request.offset.min(documents);
        let wanted = (offset + limit).max(1);
        // With a proximity clause, rank a wider window by the words, then rescore it.
        let window = if built.proximity.is_some() {
            wanted.max(RESCORE_WINDOW)
        } else {
            wanted
        };
        let count = request.output.count_total.then_some(Count);
        let facets = request
            .output
            .facets
            .then(|| FacetCollector::new(&self.index));
        // A query with nothing to rank by (only filters, `*`, no words) lists the newest.
        let order = if built.scored {
            request.sort
        } else if request.sort == SortOrder::Relevance {
            SortOrder::DateDescending
        } else {
            request.sort
        };
        let collected = if order == SortOrder::Relevance {
            self.top_by_score(&searcher, &built, window, (count, facets))?
        } else {
            self.top_by_date(&searcher, &built, order, wanted, (count, facets))?
        };
        let (top, total, facets) = collected;
        let snippets = SnippetMaker::new(&built.highlight_terms, SNIPPET_CHARS);
        let mut hits = Vec::with_capacity(limit);
        for (score, address) in top.into_iter().skip(offset).take(limit) {
            let mut hit = if request.output.with_documents {
                let passages = request.output.snippets;
                self.load_hit(&searcher, address, score, &snippets, passages)?
            } else {
                Hit::bare(self.id_of(&searcher, address)?, score)
            };
            if request.output.explain {
                hit.explanation = Some(self.explain(&searcher, &built, address, score)?);
            }
            hits.push(hit);
        }
        if order == SortOrder::Relevance {
            // Equal scores in id order, so output is stable.
            hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        }
        for (i, hit) in hits.iter_mut().enumerate() {
            hit.rank = offset + i + 1;
        }
        Ok(SearchResults {
            hits,
            total,
            facets,
            order,
        })
    }

    /// The best `window` documents by score (the proximity bonus added), best first, with
    /// the count and facets when asked for.
    fn top_by_score(
        &self,
        searcher: &Searcher,
        built: &BuiltQuery,
        window: usize,
        extra: (Option<Count>, Option<FacetCollector>),
    ) -> Result<Collected> {
        let collector = TopDocs::with_limit(window).order_by_score();
        let (mut top, total, facets) = searcher
            .search(&built.query, &(collector, extra.0, extra.1))
            .map_err(|e| Error::reading("searching", e))?;
        if let Some(proximity) = &built.proximity {
            add_proximity_scores(searcher, proximity.as_ref(), &mut top)?;
        }
        top.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        Ok((top, total, facets))
    }

    /// The first `wanted` documents in date order (scores are not computed: 0).
    fn top_by_date(
        &self,
        searcher: &Searcher,
        built: &BuiltQuery,
        order: SortOrder,
        wanted: usize,
        extra: (Option<Count>, Option<FacetCollector>),
    ) -> Result<Collected> {
        let date_field = self
            .index
            .fields
            .get(ArticleField::Date)
            .filter(|f| f.spec.fast)
            .ok_or_else(|| {
                Error::Query("sorting by date needs a fast date field in the schema".into())
            })?;
        let direction = if order == SortOrder::Date {
            Order::Asc
        } else {
            Order::Desc
        };
        let collector = TopDocs::with_limit(wanted)
            .order_by_fast_field::<tantivy::DateTime>(&date_field.spec.name, direction);
        let (dated, total, facets) = searcher
            .search(&built.query, &(collector, extra.0, extra.1))
            .map_err(|e| Error::reading("searching", e))?;
        let top = dated
            .into_iter()
            .map(|(_, address)| (0.0, address))
            .collect();
        Ok((top, total, facets))
    }

    /// The index searched.
    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// Facet counts over every document.
    pub fn facets_of_all(&self) -> Result<FacetCounts> {
        self.reader
            .searcher()
            .search(&AllQuery, &FacetCollector::new(&self.index))
            .map_err(|e| Error::reading("counting articles", e))
    }
}

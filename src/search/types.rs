//! The types of a search: what is asked ([`SearchRequest`], [`Filters`], [`SortOrder`]),
//! what is returned besides the hits ([`SearchOutput`]), and the results ([`Hit`],
//! [`SearchResults`], [`StoredArticle`], [`ScoreExplanation`], [`SourceRecord`]).

use std::ops::Range;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset};

use crate::facets::FacetCounts;

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
    /// Whether near-duplicate hits are folded into the best of them (see
    /// [`Hit::duplicates`]).
    pub fold: bool,
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
            fold: true,
        }
    }
}

/// The longest title a hit carries, in characters (longer ones are cut, with `…`).
pub const MAX_HIT_TITLE_CHARS: usize = 200;
/// The most categories a hit lists (the first ones, as the post gives them; `get` lists
/// them all).
pub const MAX_HIT_CATEGORIES: usize = 20;

/// Filters applied to every hit, on top of the query (they do not change scores).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Only articles in one of these categories.
    pub categories: Vec<String>,
    /// Only articles by one of these authors.
    pub authors: Vec<String>,
    /// Only articles with one of these tags.
    pub tags: Vec<String>,
    /// Only articles dated from the start of this date or period.
    pub since: Option<String>,
    /// Only articles dated up to the end of this date or period.
    pub until: Option<String>,
    /// Only articles ingested after this time (microseconds since the epoch).
    pub ingested_after: Option<i64>,
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
    /// A date written without a year that nothing told (`08-02 15:25`), when `date` is
    /// `None`.
    pub date_without_year: Option<String>,
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
    /// The ids of the near-duplicate hits folded into this one, best first.
    pub duplicates: Vec<String>,
    /// A keyword query's hit that lacks some of its parts, shown after every article
    /// holding them all (those are the count) when they were too few to fill the ranking.
    pub partial: bool,
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
    /// The matching strategy applied: the parts required and those dropped.
    pub matching: super::strategy::MatchingReport,
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
    /// A date written without a year that nothing told (`08-02 15:25`), when `date` is
    /// `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_without_year: Option<String>,
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

/// Where an article came from (see [`super::ArticleSearcher::source_record`]).
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

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
use std::ops::{Bound, Range};
use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, TimeZone};
use tantivy::collector::TopDocs;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, Occur as TantivyOccur,
    PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Facet, IndexRecordOption, Value};
use tantivy::Order;
use tantivy::{DocAddress, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::article::{china_offset, parse_date_period};
use crate::error::{Error, Result};
use crate::facets::{FacetCollector, FacetCounts};
use crate::index::{read_guarded, SearchIndex};
use crate::query::{parse_query, Clause, ClauseKind, Occur, QueryField};
use crate::schema::{ArticleField, FieldType, IndexedField, SUB_WORD_FIELD_PREFIX};
use crate::snippet::SnippetMaker;
use crate::text::{normalize_term, sub_word_term, Mode, SUB_WORD_PREFIX};

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
    /// Whether to load stored fields and make snippets (off for batch runs).
    pub with_documents: bool,
    /// Whether to count every matching document (costs the early termination of ranking).
    pub count_total: bool,
    /// Whether to count the matching documents per category and per month.
    pub facets: bool,
    /// Whether to explain each hit's score.
    pub explain: bool,
    /// Filters besides the query.
    pub filters: Filters,
    /// The order of the hits.
    pub sort: SortOrder,
}

/// The longest query read, in characters; a longer one is an error (analysis cost grows with
/// the length, and no search needs more).
pub const MAX_QUERY_CHARS: usize = 4096;

impl SearchRequest {
    /// The best 10 hits of `query` by relevance, with documents, no count, no facets.
    pub fn new(query: impl Into<String>) -> SearchRequest {
        SearchRequest {
            query: query.into(),
            limit: 10,
            offset: 0,
            with_documents: true,
            count_total: false,
            facets: false,
            explain: false,
            filters: Filters::default(),
            sort: SortOrder::Relevance,
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
        let clauses = parse_query(&request.query).map_err(|e| Error::Query(e.to_string()))?;
        let Some(mut built) = self.build_query(&clauses)? else {
            return Ok(SearchResults::default());
        };
        let filters = self.filter_clauses(&request.filters)?;
        if !filters.is_empty() {
            let mut all = vec![(TantivyOccur::Must, built.query)];
            all.extend(filters);
            built.query = Box::new(BooleanQuery::new(all));
        }
        self.execute(built, request)
    }

    /// The query that `text` stands for (no proximity rescoring), or `None` when it has no
    /// searchable words.
    pub fn query_for(&self, text: &str) -> Result<Option<Box<dyn Query>>> {
        let clauses = parse_query(text).map_err(|e| Error::Query(e.to_string()))?;
        Ok(self.build_query(&clauses)?.map(|built| built.query))
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
        let count = request.count_total.then_some(tantivy::collector::Count);
        let facets = request.facets.then(|| FacetCollector::new(&self.index));
        let (top, total, facets) = if request.sort == SortOrder::Relevance {
            let collector = TopDocs::with_limit(window).order_by_score();
            let (mut top, total, facets) = searcher
                .search(&built.query, &(collector, count, facets))
                .map_err(|e| Error::reading("searching", e))?;
            if let Some(proximity) = &built.proximity {
                add_proximity_scores(&searcher, proximity.as_ref(), &mut top)?;
            }
            // Best first.
            top.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            (top, total, facets)
        } else {
            let date_field = self
                .index
                .fields
                .get(ArticleField::Date)
                .filter(|f| f.spec.fast)
                .ok_or_else(|| {
                    Error::Query("sorting by date needs a fast date field in the schema".into())
                })?;
            let order = if request.sort == SortOrder::Date {
                Order::Asc
            } else {
                Order::Desc
            };
            let collector = TopDocs::with_limit(wanted)
                .order_by_fast_field::<tantivy::DateTime>(&date_field.spec.name, order);
            let (dated, total, facets) = searcher
                .search(&built.query, &(collector, count, facets))
                .map_err(|e| Error::reading("searching", e))?;
            // Sorted by date, a hit's score is not computed.
            let top = dated
                .into_iter()
                .map(|(_, address)| (0.0, address))
                .collect();
            (top, total, facets)
        };
        let snippets = SnippetMaker::new(&built.highlight_terms, SNIPPET_CHARS);
        let mut hits = Vec::with_capacity(limit);
        for (score, address) in top.into_iter().skip(offset).take(limit) {
            let mut hit = if request.with_documents {
                self.load_hit(&searcher, address, score, &snippets)?
            } else {
                Hit {
                    rank: 0,
                    score,
                    id: self.id_of(&searcher, address)?,
                    path: String::new(),
                    title: String::new(),
                    date: None,
                    categories: Vec::new(),
                    author: None,
                    editor: None,
                    snippet: String::new(),
                    highlights: Vec::new(),
                    explanation: None,
                }
            };
            if request.explain {
                hit.explanation = Some(self.explain(&searcher, &built, address, score)?);
            }
            hits.push(hit);
        }
        if request.sort == SortOrder::Relevance {
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
        })
    }

    /// The index searched.
    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// A searcher on the commit this searcher reads.
    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Facet counts over every document.
    pub fn facets_of_all(&self) -> Result<FacetCounts> {
        self.reader
            .searcher()
            .search(&AllQuery, &FacetCollector::new(&self.index))
            .map_err(|e| Error::reading("counting articles", e))
    }

    fn build_query(&self, clauses: &[Clause]) -> Result<Option<BuiltQuery>> {
        let mut highlight_terms = Vec::new();
        let mut ranking_words = Vec::new();
        let subqueries =
            self.build_clauses(clauses, &mut highlight_terms, Some(&mut ranking_words))?;
        let proximity = if ranking_words.len() >= 2 {
            let fields = self.clause_fields(None)?;
            let positioned: Vec<(usize, String)> = ranking_words.into_iter().enumerate().collect();
            Some(phrase_in_fields(&fields, &positioned, PROXIMITY_SLOP))
        } else {
            None
        };
        Ok(boolean(subqueries).map(|query| BuiltQuery {
            query,
            proximity,
            highlight_terms,
        }))
    }

    /// The tantivy clauses for query clauses. Plain words become boosted term queries
    /// directly in the list, so that a query of words is one flat union of term scorers.
    /// `ranking_words` (top level only) collects the plain words for
    /// the proximity boost.
    fn build_clauses(
        &self,
        clauses: &[Clause],
        highlight_terms: &mut Vec<String>,
        mut ranking_words: Option<&mut Vec<String>>,
    ) -> Result<Vec<(TantivyOccur, Box<dyn Query>)>> {
        let mut subqueries: Vec<(TantivyOccur, Box<dyn Query>)> = Vec::new();
        for clause in clauses {
            let occur = match clause.occur {
                Occur::Should => TantivyOccur::Should,
                Occur::Must => TantivyOccur::Must,
                Occur::MustNot => TantivyOccur::MustNot,
            };
            if let ClauseKind::DateRange { from, to } = &clause.kind {
                // A date clause filters: required (or excluded with `-`), never scored.
                let range = self.date_range(from.as_deref(), to.as_deref())?;
                let occur = if occur == TantivyOccur::MustNot {
                    occur
                } else {
                    TantivyOccur::Must
                };
                subqueries.push((occur, range));
                continue;
            }
            if let ClauseKind::Group(inner) = &clause.kind {
                let mut group_terms = Vec::new();
                let inner = self.build_clauses(inner, &mut group_terms, None)?;
                if occur != TantivyOccur::MustNot {
                    highlight_terms.extend(group_terms);
                }
                if let Some(group) = boolean(inner) {
                    subqueries.push((occur, group));
                }
                continue;
            }
            let fields = self.clause_fields(clause.field)?;
            let terms = self.clause_terms(clause, &fields);
            if terms.is_empty() {
                continue;
            }
            if clause.occur != Occur::MustNot {
                highlight_terms.extend(terms.iter().map(|(_, t)| t.clone()));
            }
            let query: Box<dyn Query> = match (&clause.kind, clause.occur) {
                (ClauseKind::Words(_), Occur::Should) => {
                    if let (None, Some(words)) = (clause.field, ranking_words.as_deref_mut()) {
                        words.extend(terms.iter().map(|(_, t)| t.clone()));
                    }
                    for (_, term) in &terms {
                        for query in term_queries(&fields, term) {
                            subqueries.push((TantivyOccur::Should, query));
                        }
                        for synonym in self.synonyms.get(term).into_iter().flatten() {
                            for word in self.index.analyzer.words(synonym) {
                                for query in term_queries(&fields, &word) {
                                    let weighted = BoostQuery::new(query, SYNONYM_WEIGHT);
                                    subqueries.push((TantivyOccur::Should, Box::new(weighted)));
                                }
                                highlight_terms.push(word);
                            }
                        }
                    }
                    continue;
                }
                (ClauseKind::Words(_), _) => {
                    // Every word must be there, in some field, whole or inside a longer word.
                    let all: Vec<(TantivyOccur, Box<dyn Query>)> = terms
                        .iter()
                        .map(|(_, term)| {
                            let either = term_queries(&fields, term)
                                .into_iter()
                                .map(|query| (TantivyOccur::Should, query))
                                .collect();
                            (
                                TantivyOccur::Must,
                                Box::new(BooleanQuery::new(either)) as Box<dyn Query>,
                            )
                        })
                        .collect();
                    Box::new(BooleanQuery::new(all))
                }
                (ClauseKind::Phrase { slop, .. }, _) => phrase_in_fields(&fields, &terms, *slop),
                (ClauseKind::DateRange { .. } | ClauseKind::Group(_), _) => {
                    unreachable!("date and group clauses are handled above")
                }
            };
            subqueries.push((occur, query));
        }
        Ok(subqueries)
    }

    /// Documents dated from the start of `from` to the end of `to` (either open), as a
    /// filter that adds nothing to scores.
    fn date_range(&self, from: Option<&str>, to: Option<&str>) -> Result<Box<dyn Query>> {
        let Some(date_field) = self.index.fields.get(ArticleField::Date) else {
            return Err(Error::Query("this index has no date field".to_string()));
        };
        let period = |text: &str| {
            parse_date_period(text).ok_or_else(|| {
                Error::Query(format!(
                    "cannot read {text:?} as a date (write 2022-07-30, 2022-07 or 2022)"
                ))
            })
        };
        let term = |date: DateTime<FixedOffset>| {
            Term::from_field_date_for_search(date_field.field, storable_date(&date))
        };
        let lower = match from {
            Some(text) => Bound::Included(term(period(text)?.0)),
            // `date:[* TO *]`: any dated article (tantivy wants one bound).
            None if to.is_none() => Bound::Included(Term::from_field_date_for_search(
                date_field.field,
                tantivy::DateTime::MIN,
            )),
            None => Bound::Unbounded,
        };
        let upper = match to {
            Some(text) => Bound::Excluded(term(period(text)?.1)),
            None => Bound::Unbounded,
        };
        let range = RangeQuery::new(lower, upper);
        Ok(Box::new(ConstScoreQuery::new(Box::new(range), 0.0)))
    }

    /// The request's filter flags as required clauses that add nothing to scores.
    fn filter_clauses(&self, filters: &Filters) -> Result<Vec<(TantivyOccur, Box<dyn Query>)>> {
        let mut clauses: Vec<(TantivyOccur, Box<dyn Query>)> = Vec::new();
        let exact = |field: QueryField, values: &[String]| -> Result<Box<dyn Query>> {
            let fields = self.clause_fields(Some(field))?;
            let any: Vec<(TantivyOccur, Box<dyn Query>)> = values
                .iter()
                .map(|value| (TantivyOccur::Should, any_field(&fields, value)))
                .collect();
            Ok(Box::new(ConstScoreQuery::new(
                Box::new(BooleanQuery::new(any)),
                0.0,
            )))
        };
        if !filters.categories.is_empty() {
            clauses.push((
                TantivyOccur::Must,
                exact(QueryField::Category, &filters.categories)?,
            ));
        }
        if !filters.authors.is_empty() {
            clauses.push((
                TantivyOccur::Must,
                exact(QueryField::Author, &filters.authors)?,
            ));
        }
        if filters.since.is_some() || filters.until.is_some() {
            let range = self.date_range(filters.since.as_deref(), filters.until.as_deref())?;
            clauses.push((TantivyOccur::Must, range));
        }
        Ok(clauses)
    }

    /// The fields a clause searches, with their boosts.
    fn clause_fields(&self, field: Option<QueryField>) -> Result<Vec<(&IndexedField, f32)>> {
        let fields = &self.index.fields;
        let Some(named) = field else {
            return Ok(fields
                .searchable_text()
                .filter(|(f, _)| self.default_fields.contains(&f.source))
                .collect());
        };
        let source = match named {
            QueryField::Title => ArticleField::Title,
            QueryField::Body => ArticleField::Body,
            QueryField::Author => ArticleField::Author,
            QueryField::Category => ArticleField::Categories,
            QueryField::Editor => ArticleField::Editor,
            QueryField::Tag => ArticleField::Tags,
            QueryField::Description => ArticleField::Description,
            QueryField::Date => ArticleField::Date,
        };
        match fields.get(source) {
            Some(field) if field.spec.field_type != FieldType::Stored => {
                Ok(vec![(field, field.spec.boost.unwrap_or(1.0))])
            }
            _ => Err(Error::Query(format!(
                "field {named:?} is not searchable in this index (see its schema)"
            ))),
        }
    }

    /// Terms of a clause with their positions, as the field type reads them.
    fn clause_terms(
        &self,
        clause: &Clause,
        fields: &[(&IndexedField, f32)],
    ) -> Vec<(usize, String)> {
        let text = match &clause.kind {
            ClauseKind::Words(text) => text,
            ClauseKind::Phrase { text, .. } => text,
            ClauseKind::DateRange { .. } | ClauseKind::Group(_) => return Vec::new(),
        };
        let analyzed = fields
            .iter()
            .all(|(f, _)| f.spec.field_type == FieldType::Text);
        if !analyzed {
            // String and facet fields hold whole values.
            let value = text.trim();
            return if value.is_empty() {
                Vec::new()
            } else {
                vec![(0, value.to_string())]
            };
        }
        let mut tokens = Vec::new();
        self.index.analyzer.analyze(text, Mode::Query, &mut tokens);
        tokens.into_iter().map(|t| (t.position, t.text)).collect()
    }

    fn load_hit(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        score: f32,
        snippets: &SnippetMaker,
    ) -> Result<Hit> {
        let article = self.read_stored(searcher, address)?;
        let snippet = snippets.make(&article.body);
        Ok(Hit {
            rank: 0,
            score,
            id: article.id,
            path: article.path,
            title: article.title,
            date: article.date,
            categories: article.categories,
            author: article.author,
            editor: article.editor,
            snippet: snippet.text,
            highlights: snippet.highlights,
            explanation: None,
        })
    }

    /// Reads a document's stored fields.
    pub fn read_stored(&self, searcher: &Searcher, address: DocAddress) -> Result<StoredArticle> {
        let document: TantivyDocument = searcher
            .doc(address)
            .map_err(|e| Error::reading("loading a stored article", e))?;
        let fields = &self.index.fields;
        let text = |source: ArticleField| -> Option<String> {
            let field = fields.get(source)?;
            document
                .get_first(field.field)?
                .as_str()
                .map(str::to_string)
        };
        let all = |source: ArticleField| -> Vec<String> {
            let Some(field) = fields.get(source) else {
                return Vec::new();
            };
            let mut values = Vec::new();
            for value in document.get_all(field.field) {
                if let Some(text) = value.as_str() {
                    values.push(text.to_string());
                } else if let Some(encoded) = value.as_facet() {
                    values.extend(facet_parts(encoded));
                }
            }
            values
        };
        let date = fields
            .get(ArticleField::Date)
            .and_then(|f| document.get_first(f.field))
            .and_then(|v| v.as_datetime())
            .and_then(|d| {
                china_offset()
                    .timestamp_opt(d.into_timestamp_secs(), 0)
                    .single()
            });
        let id = text(ArticleField::Id).unwrap_or_default();
        Ok(StoredArticle {
            path: text(ArticleField::Path).unwrap_or_else(|| id.clone()),
            id,
            title: text(ArticleField::Title).unwrap_or_default(),
            date,
            categories: all(ArticleField::Categories),
            tags: all(ArticleField::Tags),
            author: text(ArticleField::Author),
            editor: text(ArticleField::Editor),
            description: text(ArticleField::Description),
            image: text(ArticleField::Image),
            link: text(ArticleField::Link),
            body: text(ArticleField::Body).unwrap_or_default(),
        })
    }

    /// The address of the document with this id.
    fn address_of(&self, searcher: &Searcher, id: &str) -> Result<Option<DocAddress>> {
        let query = TermQuery::new(
            Term::from_field_text(self.index.fields.id, id),
            IndexRecordOption::Basic,
        );
        let top = searcher
            .search(&query, &TopDocs::with_limit(1).order_by_score())
            .map_err(|e| Error::reading("looking up an id", e))?;
        Ok(top.first().map(|(_, address)| *address))
    }

    /// The article with this id, or whose id is a tail of this path (`data/金融/a.md` finds
    /// the id `金融/a.md` of an ingest of `data`).
    pub fn get(&self, id_or_path: &str) -> Result<Option<StoredArticle>> {
        read_guarded(&self.index.dir, "reading an article", || {
            let searcher = self.reader.searcher();
            match self.find(&searcher, id_or_path)? {
                Some(address) => Ok(Some(self.read_stored(&searcher, address)?)),
                None => Ok(None),
            }
        })
    }

    /// The address of the article with this id, or of a path ending in one.
    fn find(&self, searcher: &Searcher, id_or_path: &str) -> Result<Option<DocAddress>> {
        let normalized = id_or_path.replace('\\', "/");
        let mut candidate = normalized.trim_start_matches("./");
        loop {
            if let Some(address) = self.address_of(searcher, candidate)? {
                return Ok(Some(address));
            }
            match candidate.split_once('/') {
                Some((_, rest)) if !rest.is_empty() => candidate = rest,
                _ => return Ok(None),
            }
        }
    }

    /// Where an article came from, as recorded at ingest: its id, the absolute folder it
    /// was found under and the content hash of the file then.
    pub fn source_record(&self, id_or_path: &str) -> Result<Option<SourceRecord>> {
        let searcher = self.reader.searcher();
        let Some(address) = self.find(&searcher, id_or_path)? else {
            return Ok(None);
        };
        let segment = searcher.segment_reader(address.segment_ord);
        let context = || "reading the source record of an article".to_string();
        let fields = &self.index.fields;
        let hash = segment
            .fast_fields()
            .u64(crate::schema::CONTENT_HASH_FIELD)
            .map_err(|e| Error::index(context(), e))?
            .first(address.doc_id)
            .unwrap_or(0);
        let id = self.id_of(&searcher, address)?;
        let root = self.index.segment_strings(segment, fields.root)?;
        Ok(Some(SourceRecord {
            id,
            root: PathBuf::from(&root[address.doc_id as usize]),
            content_hash: hash,
        }))
    }

    /// Articles related to the one with this id: its weighted keywords as a query, the
    /// article itself excluded. `None` when no article has the id.
    pub fn similar(&self, id_or_path: &str, limit: usize) -> Result<Option<SearchResults>> {
        let Some(article) = self.get(id_or_path)? else {
            return Ok(None);
        };
        let text = format!("{}\n{}", article.title, article.body);
        let keywords = self.index.analyzer.keywords(&text, SIMILAR_KEYWORDS);
        let fields = self.clause_fields(None)?;
        let mut subqueries: Vec<(TantivyOccur, Box<dyn Query>)> = Vec::new();
        let mut highlight_terms = Vec::new();
        for (keyword, weight) in keywords {
            for term in self.index.analyzer.words(&keyword) {
                for query in term_queries(&fields, &term) {
                    let boosted = Box::new(BoostQuery::new(query, weight as f32));
                    subqueries.push((TantivyOccur::Should, boosted));
                }
                highlight_terms.push(term);
            }
        }
        if subqueries.is_empty() {
            return Ok(Some(SearchResults::default()));
        }
        let itself = TermQuery::new(
            Term::from_field_text(self.index.fields.id, &article.id),
            IndexRecordOption::Basic,
        );
        subqueries.push((TantivyOccur::MustNot, Box::new(itself)));
        let built = BuiltQuery {
            query: Box::new(BooleanQuery::new(subqueries)),
            proximity: None,
            highlight_terms,
        };
        let mut request = SearchRequest::new(String::new());
        request.limit = limit;
        self.execute(built, &request).map(Some)
    }

    /// tantivy's explanation of a hit's score, pruned to what scored, with field names and
    /// sub-words spelled out, plus the proximity bonus when the rescoring added one.
    fn explain(
        &self,
        searcher: &Searcher,
        built: &BuiltQuery,
        address: DocAddress,
        score: f32,
    ) -> Result<ScoreExplanation> {
        let schema = self.index.index.schema();
        let readable = |text: &str| readable(text, &schema);
        let mut tree = explain_query(built.query.as_ref(), searcher, address, &readable)
            .ok_or_else(|| Error::Query("the hit does not match its own query".to_string()))?;
        let bonus = score - tree.score;
        if built.proximity.is_some() && bonus > 1e-4 {
            let words = tree.clone();
            tree = ScoreExplanation {
                score,
                what: "sum of".to_string(),
                parts: vec![
                    words,
                    ScoreExplanation {
                        score: bonus,
                        what: format!(
                            "proximity: the query's words within {PROXIMITY_SLOP} positions (x {PROXIMITY_BOOST})"
                        ),
                        parts: Vec::new(),
                    },
                ],
            };
        }
        Ok(tree)
    }

    /// The id of a document, from the id column (no stored-document read).
    fn id_of(&self, searcher: &Searcher, address: DocAddress) -> Result<String> {
        if self.ids.get().is_none() {
            let mut all = Vec::with_capacity(searcher.segment_readers().len());
            for segment in searcher.segment_readers() {
                all.push(self.index.segment_ids(segment)?);
            }
            // Another thread may have set it meanwhile: the same ids either way.
            let _ = self.ids.set(all);
        }
        let ids = self.ids.get().expect("set above");
        Ok(ids[address.segment_ord as usize][address.doc_id as usize].clone())
    }
}

/// A stored facet (`/金融/新浪财经`) → its parts, for display.
/// `date` as tantivy keeps it, clamped to the instants it can hold: a bound beyond them
/// (`--since 2300`) then matches no stored date instead of wrapping around to another
/// century.
fn storable_date(date: &DateTime<FixedOffset>) -> tantivy::DateTime {
    let seconds = date.timestamp().clamp(
        tantivy::DateTime::MIN.into_timestamp_secs(),
        tantivy::DateTime::MAX.into_timestamp_secs(),
    );
    tantivy::DateTime::from_timestamp_secs(seconds)
}

fn facet_parts(encoded: &str) -> Vec<String> {
    match Facet::from_encoded(encoded.as_bytes().to_vec()) {
        Ok(facet) => facet.to_path().into_iter().map(str::to_string).collect(),
        Err(_) => Vec::new(),
    }
}

fn term_for(field: &IndexedField, text: &str) -> Term {
    if field.spec.field_type == FieldType::Facet {
        Term::from_facet(field.field, &Facet::from_path([text]))
    } else {
        Term::from_field_text(field.field, text)
    }
}

/// Explains a query's score for one document. Boolean queries are taken apart here, clause
/// by clause, and a clause is explained only for a document it matches: tantivy's own
/// explanations seek a fresh scorer without checking where it stands, which trips on
/// clauses that do not match (found by the property test).
fn explain_query(
    query: &dyn Query,
    searcher: &Searcher,
    address: DocAddress,
    readable: &dyn Fn(&str) -> String,
) -> Option<ScoreExplanation> {
    if let Some(boolean) = query.downcast_ref::<BooleanQuery>() {
        let parts: Vec<ScoreExplanation> = boolean
            .clauses()
            .iter()
            .filter(|(occur, _)| *occur != TantivyOccur::MustNot)
            .filter_map(|(_, clause)| explain_query(clause.as_ref(), searcher, address, readable))
            .filter(|part| part.score > 0.0)
            .collect();
        if parts.is_empty() {
            return None;
        }
        return Some(ScoreExplanation {
            score: parts.iter().map(|p| p.score).sum(),
            what: "sum of".to_string(),
            parts,
        });
    }
    // tantivy's explanations seek a fresh scorer to the document without checking that it
    // has not passed it already, so ask only about documents the query matches.
    let weight = query
        .weight(EnableScoring::enabled_from_searcher(searcher))
        .ok()?;
    let segment = searcher.segment_reader(address.segment_ord);
    let mut scorer = weight.scorer(segment, 1.0).ok()?;
    let position = scorer.doc();
    if position > address.doc_id
        || (position < address.doc_id && scorer.seek(address.doc_id) != address.doc_id)
    {
        return None;
    }
    let explanation = weight.explain(segment, address.doc_id).ok()?;
    let json = serde_json::to_value(&explanation).ok()?;
    Some(explanation_tree(&json, readable))
}

/// tantivy's explanation JSON → a tree of the parts that scored: a term query reads
/// `body: 算力`, a boost around one part is folded into it (`title: 算力 (x2)`).
fn explanation_tree(
    json: &serde_json::Value,
    readable: &dyn Fn(&str) -> String,
) -> ScoreExplanation {
    let score = json["value"].as_f64().unwrap_or(0.0) as f32;
    let description = json["description"].as_str().unwrap_or("");
    let term = json["context"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c.as_str())
        .find(|c| c.contains("Term(field="));
    let what = match term {
        Some(term) => readable(term),
        None if description.starts_with("BooleanClause") => "sum of".to_string(),
        None => readable(description),
    };
    let mut parts: Vec<ScoreExplanation> = json["details"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|part| part["value"].as_f64().unwrap_or(0.0) > 0.0)
        .map(|part| explanation_tree(part, readable))
        .collect();
    if let (Some(boost), 1) = (description.strip_prefix("Boost x"), parts.len()) {
        let boost = boost.trim_end_matches(" of ...");
        let inner = parts.pop().expect("one part");
        return ScoreExplanation {
            score,
            what: format!("{} (x{boost})", inner.what),
            parts: inner.parts,
        };
    }
    ScoreExplanation { score, what, parts }
}

/// `TermQuery(Term(field=2, type=Str, "\u{3}大会堂"))` → `body: 大会堂 (as a sub-word)`.
fn readable(description: &str, schema: &tantivy::schema::Schema) -> String {
    let Some(start) = description.find("Term(field=") else {
        return description.to_string();
    };
    let rest = &description[start + "Term(field=".len()..];
    let field_id: Option<u32> = rest.split(',').next().and_then(|id| id.trim().parse().ok());
    let value = rest
        .split_once('"')
        .and_then(|(_, after)| after.rsplit_once('"').map(|(inside, _)| inside));
    match (field_id, value) {
        (Some(id), Some(value)) => {
            let field = schema.get_field_name(tantivy::schema::Field::from_field_id(id));
            let field = field.strip_prefix(SUB_WORD_FIELD_PREFIX).unwrap_or(field);
            let value = value.replace("\\u{3}", "\u{3}");
            match value.strip_prefix(SUB_WORD_PREFIX) {
                Some(word) => format!("{field}: {word} (as a sub-word)"),
                None => format!("{field}: {value}"),
            }
        }
        _ => description.to_string(),
    }
}

/// The clauses as one boolean query (`None` when there are none). Exclusions alone match
/// everything else.
fn boolean(mut clauses: Vec<(TantivyOccur, Box<dyn Query>)>) -> Option<Box<dyn Query>> {
    if clauses.is_empty() {
        return None;
    }
    if clauses
        .iter()
        .all(|(occur, _)| *occur == TantivyOccur::MustNot)
    {
        clauses.push((TantivyOccur::Must, Box::new(AllQuery)));
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// The term in any of the fields, each with its boost (scores add up).
fn any_field(fields: &[(&IndexedField, f32)], term: &str) -> Box<dyn Query> {
    let mut per_field: Vec<(TantivyOccur, Box<dyn Query>)> = fields
        .iter()
        .map(|(field, boost)| (TantivyOccur::Should, boosted_term(field, term, *boost)))
        .collect();
    if per_field.len() == 1 {
        return per_field.pop().expect("one clause").1;
    }
    Box::new(BooleanQuery::new(per_field))
}

/// One boosted term query: tantivy hands the boost to the term scorer, so a union of them
/// stays flat.
fn boosted_term(field: &IndexedField, term: &str, boost: f32) -> Box<dyn Query> {
    boosted(term_for(field, term), boost)
}

fn boosted(term: Term, boost: f32) -> Box<dyn Query> {
    let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
    Box::new(BoostQuery::new(Box::new(query), boost))
}

/// A query word as flat term queries: the word in every field with the field's boost, and in
/// analyzed fields also as a sub-word of longer words at [`SUB_WORD_WEIGHT`] of that boost.
fn term_queries(fields: &[(&IndexedField, f32)], term: &str) -> Vec<Box<dyn Query>> {
    let mut queries = Vec::with_capacity(fields.len() * 2);
    for (field, boost) in fields {
        queries.push(boosted_term(field, term, *boost));
        if let Some(sub_words) = field.sub_words {
            let sub_word = Term::from_field_text(sub_words, &sub_word_term(term));
            queries.push(boosted(sub_word, boost * SUB_WORD_WEIGHT));
        }
    }
    queries
}

/// Adds the proximity clause's score (times [`PROXIMITY_BOOST`]) to each candidate: the
/// phrase scorer of each segment only seeks to the candidates' documents.
fn add_proximity_scores(
    searcher: &Searcher,
    proximity: &dyn Query,
    candidates: &mut [(f32, DocAddress)],
) -> Result<()> {
    let weight = proximity
        .weight(EnableScoring::enabled_from_searcher(searcher))
        .map_err(|e| Error::reading("scoring proximity", e))?;
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by_key(|&i| candidates[i].1);
    let mut segment_scorer: Option<(u32, Box<dyn tantivy::query::Scorer>)> = None;
    for i in order {
        let address = candidates[i].1;
        if segment_scorer.as_ref().map(|(ord, _)| *ord) != Some(address.segment_ord) {
            let reader = searcher.segment_reader(address.segment_ord);
            let scorer = weight
                .scorer(reader, 1.0)
                .map_err(|e| Error::reading("scoring proximity", e))?;
            segment_scorer = Some((address.segment_ord, scorer));
        }
        let (_, scorer) = segment_scorer.as_mut().expect("set above");
        let mut current = scorer.doc();
        if current < address.doc_id {
            current = scorer.seek(address.doc_id);
        }
        if current == address.doc_id {
            candidates[i].0 += PROXIMITY_BOOST * scorer.score();
        }
    }
    Ok(())
}

/// A phrase of positioned terms in any of the fields.
fn phrase_in_fields(
    fields: &[(&IndexedField, f32)],
    terms: &[(usize, String)],
    slop: u32,
) -> Box<dyn Query> {
    if terms.len() == 1 {
        return any_field(fields, &terms[0].1);
    }
    let first = terms[0].0;
    let per_field: Vec<(TantivyOccur, Box<dyn Query>)> = fields
        .iter()
        .filter(|(field, _)| field.spec.field_type == FieldType::Text)
        .map(|(field, boost)| {
            let positioned: Vec<(usize, Term)> = terms
                .iter()
                .map(|(position, text)| {
                    (position - first, Term::from_field_text(field.field, text))
                })
                .collect();
            let phrase = PhraseQuery::new_with_offset_and_slop(positioned, slop);
            (
                TantivyOccur::Should,
                Box::new(BoostQuery::new(Box::new(phrase), *boost)) as Box<dyn Query>,
            )
        })
        .collect();
    Box::new(BooleanQuery::new(per_field))
}

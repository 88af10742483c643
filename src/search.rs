//! Search stage: query text → ranked [`Hit`]s with snippets.
//!
//! Clauses from [`crate::query`] are analyzed with the index's own analyzer and built into
//! one tantivy `BooleanQuery`:
//! - plain words rank: each word is a should-clause per text field, boosted by the schema,
//!   scored by BM25, plus the same word as a sub-word of longer words at a lower weight. A hit needs at least one word, never all of them (question-style
//!   queries carry words relevant documents lack); an unspaced Chinese query is segmented,
//!   never turned into a strict phrase;
//! - the query's words together form a sloppy phrase that adds to the score of documents
//!   where they stand close (proximity boost);
//! - `"…"` phrases, `+`, `-` and `field:` clauses are strict, as written.

use std::ops::Range;

use chrono::{DateTime, FixedOffset, TimeZone};
use tantivy::collector::TopDocs;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur as TantivyOccur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{Facet, IndexRecordOption, Value};
use tantivy::{DocAddress, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::article::china_offset;
use crate::error::{Error, Result};
use crate::index::SearchIndex;
use crate::query::{parse_query, Clause, ClauseKind, Occur, QueryField};
use crate::schema::{ArticleField, FieldType, IndexedField};
use crate::snippet::SnippetMaker;
use crate::text::{sub_word_term, Mode};

/// How close query words must stand to earn the proximity boost (positions apart).
const PROXIMITY_SLOP: u32 = 8;
/// Weight of a match as a sub-word of a longer word, relative to a whole-word match.
const SUB_WORD_WEIGHT: f32 = 0.5;
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
}

/// The hits of one search.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// Hits, best first.
    pub hits: Vec<Hit>,
    /// How many documents matched in all.
    pub total: usize,
}

/// Searches one index; cheap to reuse across queries.
pub struct ArticleSearcher {
    index: SearchIndex,
    reader: IndexReader,
}

/// A query built from text, with the terms to highlight.
struct BuiltQuery {
    query: Box<dyn Query>,
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
        Ok(ArticleSearcher { index, reader })
    }

    /// Runs a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let clauses = parse_query(&request.query).map_err(|e| Error::Query(e.to_string()))?;
        let Some(built) = self.build_query(&clauses)? else {
            return Ok(SearchResults::default());
        };
        let searcher = self.reader.searcher();
        let collector = TopDocs::with_limit(request.limit.max(1))
            .and_offset(request.offset)
            .order_by_score();
        let (top, total) = searcher
            .search(&built.query, &(collector, tantivy::collector::Count))
            .map_err(|e| Error::index("searching", e))?;
        let top = if request.limit == 0 { Vec::new() } else { top };
        let snippets = SnippetMaker::new(&built.highlight_terms, SNIPPET_CHARS);
        let mut hits = Vec::with_capacity(top.len());
        for (i, (score, address)) in top.into_iter().enumerate() {
            let rank = request.offset + i + 1;
            let hit = if request.with_documents {
                self.load_hit(&searcher, address, rank, score, &snippets)?
            } else {
                Hit {
                    rank,
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
                }
            };
            hits.push(hit);
        }
        // Equal scores in id order, so output is stable.
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        for (i, hit) in hits.iter_mut().enumerate() {
            hit.rank = request.offset + i + 1;
        }
        Ok(SearchResults { hits, total })
    }

    /// The number of documents searched.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn build_query(&self, clauses: &[Clause]) -> Result<Option<BuiltQuery>> {
        let mut subqueries: Vec<(TantivyOccur, Box<dyn Query>)> = Vec::new();
        let mut highlight_terms = Vec::new();
        let mut ranking_words = Vec::new();
        for clause in clauses {
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
                    if clause.field.is_none() {
                        ranking_words.extend(terms.iter().map(|(_, t)| t.clone()));
                    }
                    for (_, term) in &terms {
                        subqueries.push((TantivyOccur::Should, any_field(&fields, term)));
                        if let Some(sub_word) = sub_word_query(&fields, term) {
                            subqueries.push((TantivyOccur::Should, sub_word));
                        }
                    }
                    continue;
                }
                (ClauseKind::Words(_), _) => {
                    // Every word must be there, whole or inside a longer word.
                    let all: Vec<(TantivyOccur, Box<dyn Query>)> = terms
                        .iter()
                        .map(|(_, term)| {
                            let mut either = vec![(TantivyOccur::Should, any_field(&fields, term))];
                            if let Some(sub_word) = sub_word_query(&fields, term) {
                                either.push((TantivyOccur::Should, sub_word));
                            }
                            (
                                TantivyOccur::Must,
                                Box::new(BooleanQuery::new(either)) as Box<dyn Query>,
                            )
                        })
                        .collect();
                    Box::new(BooleanQuery::new(all))
                }
                (ClauseKind::Phrase { slop, .. }, _) => phrase_in_fields(&fields, &terms, *slop),
            };
            let occur = match clause.occur {
                Occur::Should => TantivyOccur::Should,
                Occur::Must => TantivyOccur::Must,
                Occur::MustNot => TantivyOccur::MustNot,
            };
            subqueries.push((occur, query));
        }
        if ranking_words.len() >= 2 {
            let fields = self.clause_fields(None)?;
            let positioned: Vec<(usize, String)> = ranking_words.into_iter().enumerate().collect();
            let proximity = phrase_in_fields(&fields, &positioned, PROXIMITY_SLOP);
            subqueries.push((
                TantivyOccur::Should,
                Box::new(BoostQuery::new(proximity, PROXIMITY_BOOST)),
            ));
        }
        if subqueries.is_empty() {
            return Ok(None);
        }
        if subqueries
            .iter()
            .all(|(occur, _)| *occur == TantivyOccur::MustNot)
        {
            subqueries.push((TantivyOccur::Must, Box::new(AllQuery)));
        }
        Ok(Some(BuiltQuery {
            query: Box::new(BooleanQuery::new(subqueries)),
            highlight_terms,
        }))
    }

    /// The fields a clause searches, with their boosts.
    fn clause_fields(&self, field: Option<QueryField>) -> Result<Vec<(&IndexedField, f32)>> {
        let fields = &self.index.fields;
        let Some(named) = field else {
            return Ok(fields.searchable_text().collect());
        };
        let source = match named {
            QueryField::Title => ArticleField::Title,
            QueryField::Body => ArticleField::Body,
            QueryField::Author => ArticleField::Author,
            QueryField::Category => ArticleField::Categories,
            QueryField::Editor => ArticleField::Editor,
            QueryField::Tag => ArticleField::Tags,
            QueryField::Description => ArticleField::Description,
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
        rank: usize,
        score: f32,
        snippets: &SnippetMaker,
    ) -> Result<Hit> {
        let document: TantivyDocument = searcher
            .doc(address)
            .map_err(|e| Error::index("loading a stored article", e))?;
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
        let body = text(ArticleField::Body).unwrap_or_default();
        let snippet = snippets.make(&body);
        let id = text(ArticleField::Id).unwrap_or_default();
        Ok(Hit {
            rank,
            score,
            path: text(ArticleField::Path).unwrap_or_else(|| id.clone()),
            id,
            title: text(ArticleField::Title).unwrap_or_default(),
            date,
            categories: all(ArticleField::Categories),
            author: text(ArticleField::Author),
            editor: text(ArticleField::Editor),
            snippet: snippet.text,
            highlights: snippet.highlights,
        })
    }

    /// The id of a document, from the id column (no stored-document read).
    fn id_of(&self, searcher: &Searcher, address: DocAddress) -> Result<String> {
        let segment = searcher.segment_reader(address.segment_ord);
        let id_name = self
            .index
            .index
            .schema()
            .get_field_name(self.index.fields.id)
            .to_string();
        let column = segment
            .fast_fields()
            .str(&id_name)
            .map_err(|e| Error::index("reading document ids", e))?;
        let mut id = String::new();
        if let Some(column) = column {
            if let Some(ord) = column.term_ords(address.doc_id).next() {
                column
                    .ord_to_str(ord, &mut id)
                    .map_err(|e| Error::io(&self.index.dir, e))?;
            }
        }
        Ok(id)
    }
}

/// A stored facet (`/金融/新浪财经`) → its parts, for display.
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

/// The term in any of the fields, each with its boost (scores add up).
fn any_field(fields: &[(&IndexedField, f32)], term: &str) -> Box<dyn Query> {
    let per_field: Vec<(TantivyOccur, Box<dyn Query>)> = fields
        .iter()
        .map(|(field, boost)| {
            let query = TermQuery::new(term_for(field, term), IndexRecordOption::WithFreqs);
            (
                TantivyOccur::Should,
                Box::new(BoostQuery::new(Box::new(query), *boost)) as Box<dyn Query>,
            )
        })
        .collect();
    if per_field.len() == 1 {
        return per_field.into_iter().next().expect("one clause").1;
    }
    Box::new(BooleanQuery::new(per_field))
}

/// The word as a sub-word of longer words in the analyzed fields, at [`SUB_WORD_WEIGHT`];
/// `None` when no field is analyzed.
fn sub_word_query(fields: &[(&IndexedField, f32)], term: &str) -> Option<Box<dyn Query>> {
    let analyzed: Vec<(&IndexedField, f32)> = fields
        .iter()
        .filter(|(field, _)| field.spec.field_type == FieldType::Text)
        .copied()
        .collect();
    if analyzed.is_empty() {
        return None;
    }
    let query = any_field(&analyzed, &sub_word_term(term));
    Some(Box::new(BoostQuery::new(query, SUB_WORD_WEIGHT)))
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

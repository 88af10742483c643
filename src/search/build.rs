//! Building the tantivy query for parsed clauses: words, sub-words, synonyms, phrases,
//! groups, field clauses and date filters, with the schema's boosts; and the proximity
//! rescoring of the best candidates.

use std::ops::Bound;

use chrono::{DateTime, FixedOffset};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, Occur as TantivyOccur,
    PhraseQuery, Query, RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{DocAddress, Searcher, Term};

use crate::article::parse_date_period;
use crate::error::{Error, Result};
use crate::query::{Clause, ClauseKind, Occur, QueryField};
use crate::schema::{ArticleField, FieldType, IndexedField};
use crate::text::{normalize_term, sub_word_term, Mode};

use super::*;

impl ArticleSearcher {
    pub(super) fn build_query(&self, clauses: &[Clause]) -> Result<Option<BuiltQuery>> {
        let mut highlight_terms = Vec::new();
        let mut ranking_words = Vec::new();
        let mut filters = Vec::new();
        let scoring = self.build_clauses(
            clauses,
            &mut highlight_terms,
            Some(&mut ranking_words),
            Some(&mut filters),
        )?;
        let proximity = if ranking_words.len() >= 2 {
            let fields = self.clause_fields(None)?;
            let positioned: Vec<(usize, String)> = ranking_words.into_iter().enumerate().collect();
            Some(phrase_in_fields(&fields, &positioned, PROXIMITY_SLOP))
        } else {
            None
        };
        let scored = scoring
            .iter()
            .any(|(occur, _)| *occur != TantivyOccur::MustNot);
        // Filters restrict the hits: beside them the scoring clauses are one required
        // clause, so a hit still needs one of the query's words (a flat union otherwise).
        let query = if filters.is_empty() {
            boolean(scoring)
        } else {
            if let Some(scoring) = boolean(scoring) {
                filters.push((TantivyOccur::Must, scoring));
            }
            boolean(filters)
        };
        Ok(query.map(|query| BuiltQuery {
            query,
            proximity,
            highlight_terms,
            scored,
        }))
    }

    /// Whether a clause on `fields` filters (exact values: author, category, editor, tag)
    /// instead of ranking.
    fn is_filter(clause: &Clause, fields: &[(&IndexedField, f32)]) -> bool {
        clause.field.is_some()
            && !fields.is_empty()
            && fields.iter().all(|(field, _)| {
                matches!(
                    field.spec.field_type,
                    FieldType::String | FieldType::Facet | FieldType::Date
                )
            })
    }

    /// Words starting with `prefix` in any of the fields (constant score per field, times
    /// its boost, as Lucene scores a prefix query).
    fn prefix_query(
        &self,
        fields: &[(&IndexedField, f32)],
        prefix: &str,
    ) -> Result<Box<dyn Query>> {
        let Some(normalized) = normalize_term(prefix) else {
            return Err(Error::Query(format!(
                "`{prefix}*` needs a letter, digit or character before the `*`"
            )));
        };
        let normalized = crate::text::to_simplified(&normalized).into_owned();
        let pattern = format!("{}.*", regex_escape(&normalized));
        let mut any = Vec::new();
        for (field, boost) in fields {
            let query = RegexQuery::from_pattern(&pattern, field.field)
                .map_err(|e| Error::Query(format!("`{prefix}*`: {e}")))?;
            any.push((
                TantivyOccur::Should,
                Box::new(BoostQuery::new(Box::new(query), *boost)) as Box<dyn Query>,
            ));
        }
        Ok(Box::new(BooleanQuery::new(any)))
    }

    /// The tantivy clauses for query clauses. Plain words become boosted term queries
    /// directly in the list, so that a query of words is one flat union of term scorers.
    /// `ranking_words` (top level only) collects the plain words for
    /// the proximity boost.
    /// `filters` (top level only) takes the clauses that filter — dates, exact-value
    /// fields, `*` — as required (or excluded) clauses that add nothing to scores; inside a
    /// group they stay in place.
    pub(super) fn build_clauses(
        &self,
        clauses: &[Clause],
        highlight_terms: &mut Vec<String>,
        mut ranking_words: Option<&mut Vec<String>>,
        mut filters: Option<&mut Vec<(TantivyOccur, Box<dyn Query>)>>,
    ) -> Result<Vec<(TantivyOccur, Box<dyn Query>)>> {
        let mut subqueries: Vec<(TantivyOccur, Box<dyn Query>)> = Vec::new();
        for clause in clauses {
            let occur = match clause.occur {
                Occur::Should => TantivyOccur::Should,
                Occur::Must => TantivyOccur::Must,
                Occur::MustNot => TantivyOccur::MustNot,
            };
            // A filter is required (or excluded with `-`), never scored.
            let filter_occur = if occur == TantivyOccur::MustNot {
                occur
            } else {
                TantivyOccur::Must
            };
            let filter = match &clause.kind {
                ClauseKind::DateRange { from, to } => {
                    Some(self.date_range(from.as_deref(), to.as_deref())?)
                }
                ClauseKind::All => Some(Box::new(AllQuery) as Box<dyn Query>),
                _ => None,
            };
            if let Some(filter) = filter {
                match filters.as_deref_mut() {
                    Some(filters) => filters.push((filter_occur, filter)),
                    None => subqueries.push((filter_occur, filter)),
                }
                continue;
            }
            if let ClauseKind::Group(inner) = &clause.kind {
                let mut group_terms = Vec::new();
                let inner = self.build_clauses(inner, &mut group_terms, None, None)?;
                if occur != TantivyOccur::MustNot {
                    highlight_terms.extend(group_terms);
                }
                if let Some(group) = boolean(inner) {
                    subqueries.push((occur, group));
                }
                continue;
            }
            let fields = self.clause_fields(clause.field)?;
            if let ClauseKind::Prefix(prefix) = &clause.kind {
                subqueries.push((occur, self.prefix_query(&fields, prefix)?));
                continue;
            }
            let terms = self.clause_terms(clause, &fields);
            if terms.is_empty() {
                continue;
            }
            if let (Some(filters), true) =
                (filters.as_deref_mut(), Self::is_filter(clause, &fields))
            {
                let any: Vec<(TantivyOccur, Box<dyn Query>)> = terms
                    .iter()
                    .map(|(_, value)| (TantivyOccur::Should, any_field(&fields, value)))
                    .collect();
                let constant = ConstScoreQuery::new(Box::new(BooleanQuery::new(any)), 0.0);
                filters.push((filter_occur, Box::new(constant)));
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
                (
                    ClauseKind::DateRange { .. }
                    | ClauseKind::Group(_)
                    | ClauseKind::All
                    | ClauseKind::Prefix(_),
                    _,
                ) => unreachable!("filters, groups and prefixes are handled above"),
            };
            subqueries.push((occur, query));
        }
        Ok(subqueries)
    }

    /// Documents dated from the start of `from` to the end of `to` (either open), as a
    /// filter that adds nothing to scores.
    pub(super) fn date_range(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Box<dyn Query>> {
        let Some(date_field) = self.index.fields.get(ArticleField::Date) else {
            return Err(Error::Query("this index has no date field".to_string()));
        };
        let period = |text: &str| {
            parse_date_period(text).ok_or_else(|| {
                Error::Query(format!(
                    "cannot read {text:?} as a date (write 2022-07-30, 2022-07, 2022, or a period \
                     back from now: 7d, 2w, 3mo, 1y, today, yesterday, this week, 本周)"
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
    pub(super) fn filter_clauses(
        &self,
        filters: &Filters,
    ) -> Result<Vec<(TantivyOccur, Box<dyn Query>)>> {
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
    pub(super) fn clause_fields(
        &self,
        field: Option<QueryField>,
    ) -> Result<Vec<(&IndexedField, f32)>> {
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
    pub(super) fn clause_terms(
        &self,
        clause: &Clause,
        fields: &[(&IndexedField, f32)],
    ) -> Vec<(usize, String)> {
        let text = match &clause.kind {
            ClauseKind::Words(text) => text,
            ClauseKind::Phrase { text, .. } => text,
            ClauseKind::DateRange { .. }
            | ClauseKind::Group(_)
            | ClauseKind::All
            | ClauseKind::Prefix(_) => return Vec::new(),
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
}

/// `date` as tantivy keeps it, clamped to the instants it can hold: a bound beyond them
/// (`--since 2300`) then matches no stored date instead of wrapping around to another
/// century.
pub(super) fn storable_date(date: &DateTime<FixedOffset>) -> tantivy::DateTime {
    let seconds = date.timestamp().clamp(
        tantivy::DateTime::MIN.into_timestamp_secs(),
        tantivy::DateTime::MAX.into_timestamp_secs(),
    );
    tantivy::DateTime::from_timestamp_secs(seconds)
}

pub(super) fn term_for(field: &IndexedField, text: &str) -> Term {
    if field.spec.field_type == FieldType::Facet {
        Term::from_facet(field.field, &Facet::from_path([text]))
    } else {
        Term::from_field_text(field.field, text)
    }
}

/// The clauses as one boolean query (`None` when there are none). Exclusions alone match
/// everything else.
/// `text` with the characters that mean something in a regular expression escaped.
fn regex_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

pub(super) fn boolean(mut clauses: Vec<(TantivyOccur, Box<dyn Query>)>) -> Option<Box<dyn Query>> {
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
pub(super) fn any_field(fields: &[(&IndexedField, f32)], term: &str) -> Box<dyn Query> {
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
pub(super) fn boosted_term(field: &IndexedField, term: &str, boost: f32) -> Box<dyn Query> {
    boosted(term_for(field, term), boost)
}

pub(super) fn boosted(term: Term, boost: f32) -> Box<dyn Query> {
    let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
    Box::new(BoostQuery::new(Box::new(query), boost))
}

/// A query word as flat term queries: the word in every field with the field's boost, and in
/// analyzed fields also as a sub-word of longer words at [`SUB_WORD_WEIGHT`] of that boost.
pub(super) fn term_queries(fields: &[(&IndexedField, f32)], term: &str) -> Vec<Box<dyn Query>> {
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
pub(super) fn add_proximity_scores(
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
pub(super) fn phrase_in_fields(
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

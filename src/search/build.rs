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

use crate::error::{Error, Result};
use crate::query::Occur;

use super::plan::{FieldWeight, Node, QueryPlan};
use crate::schema::{ArticleField, FieldType, IndexedField};
use crate::text::sub_word_term;

use super::proximity::Proximity;
use super::skipping_union::SkippingUnion;

use super::*;

/// The average gap between the documents a keyword query's words are sought at from which
/// they are sought through skip lists (measured: docs/performance.md).
const SPARSE_GAP: u64 = 8;

impl ArticleSearcher {
    /// The proximity rescoring of a plan's words (two or more) in the text fields.
    fn proximity(&self, plan: &QueryPlan) -> Result<Option<Proximity>> {
        if plan.proximity_words.len() < 2 {
            return Ok(None);
        }
        let fields = self
            .clause_fields(None)?
            .into_iter()
            .filter(|(field, _)| field.spec.field_type == FieldType::Text)
            .map(|(field, boost)| (field.field, boost))
            .collect();
        Ok(Some(Proximity::new(
            fields,
            plan.proximity_words.clone(),
            self.ranking.proximity_slop,
        )))
    }

    /// What pads a keyword query's hits when fewer than asked for hold every part: its
    /// words, ranking articles that hold some of them. A query that is one letter+digit
    /// term pads with nothing but articles holding it whole: a hit holding P and 2 apart is
    /// no partial match of `P2P`. (Padding every query only with articles holding a part
    /// whole lost DuReader 0.7582 → 0.7513 and known-item 0.3735 → 0.3637: relevant
    /// articles write a part otherwise. docs/relevance.md.)
    fn holding_a_part(
        &self,
        matching: &super::strategy::Matching,
        words: Box<dyn Query>,
    ) -> Result<Box<dyn Query>> {
        let [unit] = matching.required.as_slice() else {
            return Ok(words);
        };
        if !matching.dropped.is_empty() || !is_letter_digit_term(&unit.label) {
            return Ok(words);
        }
        // Typed with a space (`Pixel 6`): articles holding its words apart pad, as they
        // would for two keywords.
        let node = match &unit.node {
            Node::Phrase { words, fields, .. } if unit.label.contains(char::is_whitespace) => {
                Node::AllWords {
                    words: words.iter().map(|(_, word)| word.clone()).collect(),
                    fields: fields.clone(),
                }
            }
            node => node.clone(),
        };
        let holding = ConstScoreQuery::new(self.node_query(&node)?, 0.0);
        Ok(Box::new(BooleanQuery::new(vec![
            (TantivyOccur::Must, words),
            (TantivyOccur::Must, Box::new(holding)),
        ])))
    }

    /// A keyword query's words (`clauses`, all optional) as a union that seeks each word
    /// through its skip list ([`SkippingUnion`]), when the rarest required part leaves
    /// gaps of [`SPARSE_GAP`] documents or more on average between the documents the
    /// union is sought at; `None` otherwise (a boolean union reads them in windows).
    fn sought_union(
        &self,
        matching: &super::strategy::Matching,
        clauses: &[(TantivyOccur, Box<dyn Query>)],
    ) -> Option<Box<dyn Query>> {
        if clauses.len() < 2 || clauses.iter().any(|(o, _)| *o != TantivyOccur::Should) {
            return None;
        }
        let searcher = self.reader.searcher();
        let rarest = matching
            .required
            .iter()
            .map(|unit| self.articles_holding(&searcher, &unit.node))
            .min()?;
        if rarest.saturating_mul(SPARSE_GAP) > searcher.num_docs() {
            return None;
        }
        let parts = clauses.iter().map(|(_, q)| q.box_clone()).collect();
        Some(Box::new(SkippingUnion::new(parts)))
    }

    /// A keyword query's ranking clauses made of its plain `clauses`: the words rank, every
    /// required part must be there, each exactness tier adds [`EXACT_OFFSET`]; with the
    /// padding (articles holding some part) and the number of tiers.
    fn keyword_clauses(
        &self,
        plan: &QueryPlan,
        matching: &super::strategy::Matching,
        clauses: Vec<(TantivyOccur, Box<dyn Query>)>,
    ) -> Result<KeywordClauses> {
        let mut padding = None;
        if let Some(all) = boolean(clauses.iter().map(|(o, q)| (*o, q.box_clone())).collect()) {
            padding = Some(self.filtered(plan, self.holding_a_part(matching, all)?)?);
        }
        // Excluded words (`-广告`) stay required apart; the others are the words.
        let (mut ranking, scoring): (Vec<_>, Vec<_>) = clauses
            .into_iter()
            .partition(|(occur, _)| *occur == TantivyOccur::MustNot);
        let sought = self.sought_union(matching, &scoring);
        let words = sought
            .or_else(|| boolean(scoring))
            .unwrap_or_else(|| Box::new(AllQuery));
        ranking.extend(self.words_and_parts(matching, words)?);
        // Each exactness tier a document is in adds EXACT_OFFSET: one pass ranks them first
        // (the offsets are taken off again, see `exact_tier`).
        for tier in &matching.exact {
            let mut all = Vec::new();
            for node in tier {
                all.push((TantivyOccur::Must, self.node_query(node)?));
            }
            let offset = EXACT_OFFSET * super::strategy::tier_levels(tier) as f32;
            let held = ConstScoreQuery::new(Box::new(BooleanQuery::new(all)), offset);
            ranking.push((TantivyOccur::Should, Box::new(held)));
        }
        Ok((ranking, padding, matching.exact_levels()))
    }

    /// A keyword query's required clauses: its `words` (which score) and each required
    /// part (which decides what matches). With several parts, one of the words is required
    /// too: a hit holding every part only in other cuts is left out, as the parts alone
    /// drive the search far slower (the bench mix's p50 0.51 → 0.69 ms, p99 1.8 → 4.9 ms;
    /// docs/performance.md). With one part, an article may hold it in another cut and none
    /// of the words as typed (科 / 创板 for 科创板): the part is required, the words are
    /// sought at its articles to score them — inside one clause, so that they are not read
    /// in windows beside the exactness tiers.
    fn words_and_parts(
        &self,
        matching: &super::strategy::Matching,
        words: Box<dyn Query>,
    ) -> Result<Vec<(TantivyOccur, Box<dyn Query>)>> {
        let mut parts = Vec::with_capacity(matching.required.len() + 1);
        for unit in &matching.required {
            let held = ConstScoreQuery::new(self.node_query(&unit.node)?, 0.0);
            parts.push((TantivyOccur::Must, Box::new(held) as Box<dyn Query>));
        }
        if parts.len() == 1 {
            parts.push((TantivyOccur::Should, words));
            return Ok(vec![(
                TantivyOccur::Must,
                Box::new(BooleanQuery::new(parts)),
            )]);
        }
        parts.push((TantivyOccur::Must, words));
        Ok(parts)
    }

    /// The tantivy query for `plan`. Plain words become boosted term queries directly in
    /// the top-level list, so that a query of words is one flat union of term scorers.
    /// Beside filters, the ranking clauses are one required clause, so a hit still needs
    /// one of the query's words.
    pub(super) fn build(&self, plan: &QueryPlan) -> Result<Option<BuiltQuery>> {
        let mut ranking = Vec::new();
        for (occur, node) in &plan.ranking {
            self.add_node(*occur, node, &mut ranking)?;
        }
        let (mut padding, mut exact_tiers) = (None, 0);
        if let Some(matching) = &plan.matching {
            let clauses = std::mem::take(&mut ranking);
            (ranking, padding, exact_tiers) = self.keyword_clauses(plan, matching, clauses)?;
        }
        let query = match boolean(ranking) {
            Some(ranking) => Some(self.filtered(plan, ranking)?),
            None => self.filters_only(plan)?,
        };
        let proximity = self.proximity(plan)?;
        let mut concepts = Vec::new();
        for node in &plan.concepts {
            concepts.push(self.node_query(node)?);
        }
        Ok(query.map(|query| BuiltQuery {
            tiers: coverage_tiers(query.as_ref(), &concepts),
            exact_tiers,
            query,
            proximity,
            highlight_terms: plan.highlight.clone(),
            scored: plan.ranks(),
            padding,
            may_relax: plan
                .matching
                .as_ref()
                .is_some_and(|matching| matching.required.len() > 1),
            plan: plan.clone(),
        }))
    }

    /// `ranking` restricted by the plan's filters (which do not score).
    fn filtered(&self, plan: &QueryPlan, ranking: Box<dyn Query>) -> Result<Box<dyn Query>> {
        let mut filters = self.filter_clauses(plan)?;
        if filters.is_empty() {
            return Ok(ranking);
        }
        filters.push((TantivyOccur::Must, ranking));
        Ok(boolean(filters).expect("not empty"))
    }

    /// The plan's filters alone (`None` when there are none).
    fn filters_only(&self, plan: &QueryPlan) -> Result<Option<Box<dyn Query>>> {
        Ok(boolean(self.filter_clauses(plan)?))
    }

    fn filter_clauses(&self, plan: &QueryPlan) -> Result<Vec<(TantivyOccur, Box<dyn Query>)>> {
        let mut filters = Vec::new();
        for (occur, node) in &plan.filters {
            let constant = ConstScoreQuery::new(self.node_query(node)?, 0.0);
            filters.push((tantivy_occur(*occur), Box::new(constant) as Box<dyn Query>));
        }
        Ok(filters)
    }

    /// Adds a node's clauses to `list`: a plain or feedback word as its term queries side
    /// by side.
    fn add_node(
        &self,
        occur: Occur,
        node: &Node,
        list: &mut Vec<(TantivyOccur, Box<dyn Query>)>,
    ) -> Result<()> {
        if let (Occur::Should, Some(queries)) = (occur, self.word_queries(node)?) {
            list.extend(queries.into_iter().map(|q| (TantivyOccur::Should, q)));
            return Ok(());
        }
        list.push((tantivy_occur(occur), self.node_query(node)?));
        Ok(())
    }

    /// One node as one tantivy query.
    pub(super) fn node_query(&self, node: &Node) -> Result<Box<dyn Query>> {
        Ok(match node {
            Node::Word { .. } | Node::Feedback { .. } => {
                let either = self.word_queries(node)?.unwrap_or_default();
                let either = either.into_iter().map(|q| (TantivyOccur::Should, q));
                Box::new(BooleanQuery::new(either.collect()))
            }
            Node::AllWords { words, fields } => {
                // Every word must be there, in some field, whole or inside a longer word.
                let fields = self.fields_of(fields);
                let mut all = Vec::with_capacity(words.len());
                for word in words {
                    let either = self.term_queries(&fields, word)?;
                    let either = either.into_iter().map(|q| (TantivyOccur::Should, q));
                    let query: Box<dyn Query> = Box::new(BooleanQuery::new(either.collect()));
                    all.push((TantivyOccur::Must, query));
                }
                Box::new(BooleanQuery::new(all))
            }
            Node::Phrase {
                words,
                slop,
                fields,
                as_typed,
            } => {
                let slop = super::plan::searched_slop(words, *slop, *as_typed);
                phrase_in_fields(&self.fields_of(fields), words, slop)
            }
            Node::Prefix { prefix, fields } => prefix_query(&self.fields_of(fields), prefix)?,
            Node::Exact { values, fields } => {
                let fields = self.fields_of(fields);
                let any = values
                    .iter()
                    .map(|value| (TantivyOccur::Should, any_field(&fields, value)))
                    .collect();
                Box::new(BooleanQuery::new(any))
            }
            Node::DateRange { from, to } => self.date_range(from.as_ref(), to.as_ref())?,
            Node::IngestedAfter(after) => {
                let field = self.index.fields.ingested;
                let after = tantivy::DateTime::from_timestamp_micros(*after);
                let lower = Term::from_field_date(field, after);
                Box::new(RangeQuery::new(Bound::Excluded(lower), Bound::Unbounded))
            }
            Node::All => Box::new(AllQuery),
            Node::Group(inner) => {
                let mut list = Vec::new();
                for (occur, node) in inner {
                    self.add_node(*occur, node, &mut list)?;
                }
                boolean(list).unwrap_or_else(|| Box::new(AllQuery))
            }
        })
    }

    /// A plain word's term queries (whole and as a sub-word, times its weight) or a feedback
    /// word's (whole words only); `None` for other nodes.
    pub(super) fn word_queries(&self, node: &Node) -> Result<Option<Vec<Box<dyn Query>>>> {
        Ok(match node {
            Node::Word {
                word,
                fields,
                weight,
            } => Some(
                self.term_queries(&self.fields_of(fields), word)?
                    .into_iter()
                    .map(|query| weighted(query, *weight))
                    .collect(),
            ),
            Node::Feedback {
                word,
                fields,
                weight,
            } => Some(
                self.fields_of(fields)
                    .into_iter()
                    .map(|(field, boost)| boosted_term(field, word, boost * weight))
                    .collect(),
            ),
            _ => None,
        })
    }

    /// A query word as flat term queries: the word in every field with the field's boost,
    /// and in analyzed fields also inside longer words, each at its
    /// [weights](super::word_weight::WordWeights).
    pub(super) fn term_queries(
        &self,
        fields: &[(&IndexedField, f32)],
        term: &str,
    ) -> Result<Vec<Box<dyn Query>>> {
        let mut queries = Vec::with_capacity(fields.len() * 2);
        let weighing = self.word_weights(term)?;
        for (field, boost) in fields {
            let weights = weighing.of(field);
            queries.push(boosted_term(field, term, boost * weights.whole));
            if let Some(sub_words) = field.sub_words {
                let sub_word = Term::from_field_text(sub_words, &sub_word_term(term));
                queries.push(boosted(sub_word, boost * weights.inside));
            }
        }
        Ok(queries)
    }

    /// The schema's fields a plan names, with their weights.
    pub(super) fn fields_of(&self, weights: &[FieldWeight]) -> Vec<(&IndexedField, f32)> {
        weights
            .iter()
            .filter_map(|weight| {
                let declared = &self.index.fields.declared;
                let field = declared.iter().find(|f| f.spec.name == weight.field)?;
                Some((field, weight.weight))
            })
            .collect()
    }

    /// Documents dated from `from` to before `to` (either open; both open: any dated one).
    fn date_range(
        &self,
        from: Option<&DateTime<FixedOffset>>,
        to: Option<&DateTime<FixedOffset>>,
    ) -> Result<Box<dyn Query>> {
        let Some(date_field) = self.index.fields.get(ArticleField::Date) else {
            return Err(Error::Refused("this index has no date field".to_string()));
        };
        let term = |date: &DateTime<FixedOffset>| {
            Term::from_field_date_for_search(date_field.field, storable_date(date))
        };
        let lower = match from {
            Some(date) => Bound::Included(term(date)),
            // `date:[* TO *]`: any dated article (tantivy wants one bound).
            None if to.is_none() => Bound::Included(Term::from_field_date_for_search(
                date_field.field,
                tantivy::DateTime::MIN,
            )),
            None => Bound::Unbounded,
        };
        let upper = match to {
            Some(date) => Bound::Excluded(term(date)),
            None => Bound::Unbounded,
        };
        Ok(Box::new(RangeQuery::new(lower, upper)))
    }
}

fn tantivy_occur(occur: Occur) -> TantivyOccur {
    match occur {
        Occur::Should => TantivyOccur::Should,
        Occur::Must => TantivyOccur::Must,
        Occur::MustNot => TantivyOccur::MustNot,
    }
}

/// `query` with its score times `weight` (as it is when the weight is 1).
fn weighted(query: Box<dyn Query>, weight: f32) -> Box<dyn Query> {
    if weight == 1.0 {
        query
    } else {
        Box::new(BoostQuery::new(query, weight))
    }
}

/// For each number of concepts from all of them down to two, `query` restricted to the
/// documents covering at least that many (with the same scores): the tiers of the words
/// rule, best first. Empty for fewer than two concepts.
fn coverage_tiers(query: &dyn Query, concepts: &[Box<dyn Query>]) -> Vec<Box<dyn Query>> {
    if concepts.len() < 2 {
        return Vec::new();
    }
    (2..=concepts.len())
        .rev()
        .map(|covered| {
            let covering = BooleanQuery::union_with_minimum_required_clauses(
                concepts.iter().map(|concept| concept.box_clone()).collect(),
                covered,
            );
            let covering: Box<dyn Query> = Box::new(ConstScoreQuery::new(Box::new(covering), 0.0));
            let tier: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
                (TantivyOccur::Must, query.box_clone()),
                (TantivyOccur::Must, covering),
            ]));
            tier
        })
        .collect()
}

/// What one exactness level adds to a document's score in a keyword query's pass: more
/// than any score of words (BM25 of a few words stays in the hundreds), and small enough
/// that an f32 keeps the words' score to about 0.004 at the most levels a query has (six:
/// [`super::strategy::tier_levels`]).
pub(super) const EXACT_OFFSET: f32 = 10_000.0;

/// The exactness tier of a keyword query's hit (0 is the best; `tiers` when it holds no
/// part as typed) and its score without the offsets.
pub(super) fn exact_tier(score: f32, tiers: usize) -> (usize, f32) {
    let offsets = ((score / EXACT_OFFSET).floor() as usize).min(tiers);
    (tiers - offsets, score - offsets as f32 * EXACT_OFFSET)
}

/// Words starting with `prefix` in any of the fields (constant score per field, times its
/// boost, as Lucene scores a prefix query).
pub(super) fn prefix_query(
    fields: &[(&IndexedField, f32)],
    prefix: &str,
) -> Result<Box<dyn Query>> {
    let pattern = format!("{}.*", regex_escape(prefix));
    let mut any = Vec::new();
    for (field, boost) in fields {
        let query = RegexQuery::from_pattern(&pattern, field.field)
            .map_err(|e| Error::Query(format!("`{prefix}*`: {e}")))?;
        let boosted: Box<dyn Query> = Box::new(BoostQuery::new(Box::new(query), *boost));
        any.push((TantivyOccur::Should, boosted));
    }
    Ok(Box::new(BooleanQuery::new(any)))
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

/// A keyword query's ranking clauses, its padding and its number of exactness tiers.
type KeywordClauses = (
    Vec<(TantivyOccur, Box<dyn Query>)>,
    Option<Box<dyn Query>>,
    usize,
);

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

/// Adds `query`'s score (times `weight`) to each candidate's (the proximity phrase, the
/// feedback words): the scorer of each segment only seeks to the candidates' documents.
pub(super) fn add_scores(
    searcher: &Searcher,
    stats: &dyn tantivy::query::Bm25StatisticsProvider,
    query: &dyn Query,
    weight: f32,
    candidates: &mut [(f32, DocAddress)],
) -> Result<()> {
    let scoring = query
        .weight(EnableScoring::enabled_from_statistics_provider(
            stats, searcher,
        ))
        .map_err(|e| Error::reading("rescoring", e))?;
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by_key(|&i| candidates[i].1);
    let mut segment_scorer: Option<(u32, Box<dyn tantivy::query::Scorer>)> = None;
    for i in order {
        let address = candidates[i].1;
        if segment_scorer.as_ref().map(|(ord, _)| *ord) != Some(address.segment_ord) {
            let reader = searcher.segment_reader(address.segment_ord);
            let scorer = scoring
                .scorer(reader, 1.0)
                .map_err(|e| Error::reading("rescoring", e))?;
            segment_scorer = Some((address.segment_ord, scorer));
        }
        let (_, scorer) = segment_scorer.as_mut().expect("set above");
        let mut current = scorer.doc();
        if current < address.doc_id {
            current = scorer.seek(address.doc_id);
        }
        if current == address.doc_id {
            candidates[i].0 += weight * scorer.score();
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

/// A model number or a term of letters and digits as typed (`P2P`, `GPT-4`, `COVID-19`,
/// `双11`, `95后`, `iPhone 15`): letters or digits, at most two Chinese characters, at most
/// 10 characters in all. A longer run (a piece of a link, `0301VIDESL7MTrv2`) is found in
/// the padding by its pieces: the article holds it inside a longer run, cut otherwise.
fn is_letter_digit_term(label: &str) -> bool {
    let chars = label.chars().count();
    let chinese = label
        .chars()
        .filter(|&c| crate::text::is_cjk_ideograph(c))
        .count();
    chars <= 10 && chinese <= 2 && label.chars().any(|c| c.is_ascii_alphanumeric())
}

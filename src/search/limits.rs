//! The bounds on what one query may cost, applied to every plan (CLI, API, saved searches,
//! batch runs), like Elasticsearch's `max_clause_count` and Google's 32 words:
//!
//! - a query ranks by at most [`MAX_QUERY_WORDS`] distinct words. A longer one (a pasted
//!   paragraph) is searched by its most distinctive words, the ones rarest in the archive
//!   and most repeated in the query (as Lucene's More Like This keeps its `maxQueryTerms`); the words left out are
//!   reported ([`QueryPlan::ignored`]);
//! - at most [`MAX_QUERY_PARTS`] phrases, prefixes, groups and `+`/`-` parts: a query with
//!   more (a pasted paragraph full of quotation marks and signs) is read as plain text, and
//!   the results say so ([`QueryPlan::read_as_text`]);
//! - articles covering more of the spaced parts rank first (the words rule) only for at
//!   most [`MAX_COVERAGE_CONCEPTS`] parts, as Meilisearch reads the first ten words: the
//!   tiers cost grows with the square of the parts.
//!
//! With the query's length capped too ([`super::MAX_QUERY_CHARS`]), the cost of any query is
//! bounded by a fixed number of postings lists; docs/reliability.md gives the figures.

use std::collections::HashMap;

use crate::query::{Clause, ClauseKind, Occur};

use super::plan::{FieldWeight, Node, QueryPlan};
use super::ArticleSearcher;

/// The most distinct words a query ranks by.
pub const MAX_QUERY_WORDS: usize = 32;
/// The most phrases, prefixes, groups and required or excluded parts in one query (the
/// words of a phrase or group each count).
pub const MAX_QUERY_PARTS: usize = 64;
/// A query this long or longer that the query language cannot read is pasted text: read
/// as plain text ([`plain_words`]) rather than refused.
pub const PASTED_TEXT_CHARS: usize = 64;

/// The most spaced parts whose coverage ranks (the words rule).
pub const MAX_COVERAGE_CONCEPTS: usize = 10;

impl ArticleSearcher {
    /// How many phrases, prefixes, groups and required or excluded words `plan` has when
    /// they are more than [`MAX_QUERY_PARTS`]: such a query is read as plain text
    /// ([`plain_text`]).
    pub(super) fn too_many_parts(plan: &QueryPlan) -> Option<usize> {
        let parts: usize = plan
            .ranking
            .iter()
            .filter(|(occur, node)| *occur != Occur::Should || !matches!(node, Node::Word { .. }))
            .map(|(_, node)| parts_of(node))
            .sum();
        (parts > MAX_QUERY_PARTS).then_some(parts)
    }

    /// Applies the bounds to `plan`: coverage only for a few parts, the rarest words kept
    /// of too many.
    pub(super) fn bound(&self, plan: &mut QueryPlan) {
        if plan.concepts.len() > MAX_COVERAGE_CONCEPTS {
            plan.concepts.clear();
        }
        self.keep_rarest_words(plan);
    }

    /// The query's words (`order`: each with its fields, as first met) best first, by
    /// their worth as Lucene's More Like This weighs it: the word's count in the query
    /// times its rarity in the archive. Words no article holds cannot match: worth 0.
    fn by_worth<'w>(
        &self,
        order: &'w [(String, Vec<FieldWeight>)],
        counts: &HashMap<String, usize>,
    ) -> Vec<(f64, usize, &'w String)> {
        let searcher = self.reader.searcher();
        let articles = searcher.num_docs().max(1) as f64;
        let mut ranked: Vec<(f64, usize, &String)> = order
            .iter()
            .enumerate()
            .map(|(at, (word, fields))| {
                let alone = Node::AllWords {
                    words: vec![word.clone()],
                    fields: fields.clone(),
                };
                let holding = self.articles_holding(&searcher, &alone);
                let worth = if holding == 0 {
                    0.0
                } else {
                    counts[word] as f64 * (1.0 + articles / holding as f64).ln()
                };
                (worth, at, word)
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked
    }

    /// Keeps the top level's plain words to the [`MAX_QUERY_WORDS`] most distinctive (a
    /// repeated word is one node, at its highest weight).
    fn keep_rarest_words(&self, plan: &mut QueryPlan) {
        let mut weights: HashMap<String, f32> = HashMap::new();
        let mut counts: HashMap<String, usize> = HashMap::new();
        let mut order = Vec::new();
        for (occur, node) in &plan.ranking {
            if let (
                Occur::Should,
                Node::Word {
                    word,
                    weight,
                    fields,
                },
            ) = (occur, node)
            {
                let best = weights.entry(word.clone()).or_insert_with(|| {
                    order.push((word.clone(), fields.clone()));
                    *weight
                });
                *best = best.max(*weight);
                *counts.entry(word.clone()).or_default() += 1;
            }
        }
        if weights.len() <= MAX_QUERY_WORDS {
            return;
        }
        let ranked = self.by_worth(&order, &counts);
        let searched = ranked
            .iter()
            .take(MAX_QUERY_WORDS)
            .filter(|(worth, _, _)| *worth > 0.0)
            .count()
            .max(1);
        let kept: Vec<String> = ranked
            .iter()
            .take(searched)
            .map(|(_, _, word)| (*word).clone())
            .collect();
        plan.ignored = ranked
            .iter()
            .skip(searched)
            .map(|(_, _, word)| (*word).clone())
            .collect();
        let mut placed = std::collections::HashSet::new();
        plan.ranking
            .retain_mut(|(occur, node)| match (occur, node) {
                (Occur::Should, Node::Word { word, weight, .. }) => {
                    *weight = weights[word.as_str()];
                    kept.contains(word) && placed.insert(word.clone())
                }
                _ => true,
            });
        plan.proximity_words.retain(|word| kept.contains(word));
        plan.proximity_words.dedup();
        if plan.proximity_words.len() > MAX_QUERY_WORDS {
            plan.proximity_words.truncate(MAX_QUERY_WORDS);
        }
        plan.highlight.retain(|word| !plan.ignored.contains(word));
    }
}

/// The clauses of a query past [`MAX_QUERY_PARTS`] as plain text: a pasted paragraph full
/// of quotation marks, signs and brackets is text, not syntax. Its words, phrases, prefixes
/// and groups become words to rank by, whatever their `+`, `-` or field; filters stay.
pub(super) fn plain_text(clauses: &[Clause]) -> Vec<Clause> {
    fn text_of(clause: &Clause, out: &mut Vec<Clause>) {
        let text = match &clause.kind {
            ClauseKind::Words(text) | ClauseKind::Prefix(text) => text.clone(),
            ClauseKind::Phrase { text, .. } => text.clone(),
            ClauseKind::Group(inner) => {
                inner.iter().for_each(|clause| text_of(clause, out));
                return;
            }
            ClauseKind::All | ClauseKind::DateRange { .. } => {
                out.push(clause.clone());
                return;
            }
        };
        out.push(words_clause(text));
    }
    let mut out = Vec::with_capacity(clauses.len());
    clauses.iter().for_each(|clause| text_of(clause, &mut out));
    out
}

/// Text as words to rank by, every character of the query language plain text.
pub(super) fn plain_words(text: &str) -> Vec<Clause> {
    text.split_whitespace()
        .map(|word| words_clause(word.to_string()))
        .collect()
}

/// Words that rank, in the default fields.
fn words_clause(text: String) -> Clause {
    Clause {
        occur: Occur::Should,
        field: None,
        kind: ClauseKind::Words(text),
    }
}

/// What a node counts toward [`MAX_QUERY_PARTS`].
fn parts_of(node: &Node) -> usize {
    match node {
        Node::AllWords { words, .. } => words.len(),
        Node::Phrase { words, .. } => words.len(),
        Node::Group(inner) => inner.iter().map(|(_, node)| parts_of(node)).sum(),
        _ => 1,
    }
}

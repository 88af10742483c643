//! `--explain`: why a hit scored as it did, read off the query plan: each word, phrase and
//! prefix of the plan in each of its fields is one part, labelled from the plan
//! (`title: 算力 (x2)`, `body: 大会堂 (as a sub-word) (x0.35)`), with tantivy's BM25
//! arithmetic for that part beneath it; the proximity bonus is the rest of the score.
//! Filters add nothing to scores and have no part.

use tantivy::query::{Bm25StatisticsProvider, EnableScoring, Query};
use tantivy::{DocAddress, Searcher, Term};

use crate::error::Result;
use crate::query::Occur;
use crate::schema::IndexedField;
use crate::text::sub_word_term;

use super::build::{boosted, boosted_term, phrase_in_fields, prefix_query};
use super::plan::{FieldWeight, Node, QueryPlan};
use super::*;

impl ArticleSearcher {
    /// The parts of a hit's score: its words, the feedback words that rescored it, and the
    /// proximity bonus when the rescoring added one.
    pub(super) fn explain(
        &self,
        searcher: &Searcher,
        (built, feedback): (&BuiltQuery, Option<&QueryPlan>),
        (address, score, tier): (DocAddress, f32, usize),
    ) -> Result<ScoreExplanation> {
        let stats = self.statistics(searcher);
        let at: At = (searcher, &stats, address);
        let mut parts = Vec::new();
        for (occur, node) in &built.plan.ranking {
            if *occur != Occur::MustNot {
                self.explain_node(node, at, &mut parts)?;
            }
        }
        let words = ScoreExplanation {
            score: parts.iter().map(|p| p.score).sum(),
            what: if parts.is_empty() {
                "filters only: no score".to_string()
            } else {
                "sum of".to_string()
            },
            parts,
        };
        let mut sum = vec![words];
        let mut shared = Vec::new();
        for (_, node) in feedback.map_or(&[][..], |plan| &plan.ranking[..]) {
            self.explain_node(node, at, &mut shared)?;
        }
        if !shared.is_empty() {
            sum.push(ScoreExplanation {
                score: shared.iter().map(|p| p.score).sum(),
                what: "feedback words (shared by the best hits)".to_string(),
                parts: shared,
            });
        }
        let bonus = score - sum.iter().map(|p| p.score).sum::<f32>();
        if built.proximity.is_some() && bonus > 1e-4 {
            sum.push(ScoreExplanation {
                score: bonus,
                what: format!(
                    "proximity: the query's words within {} positions (x {})",
                    self.ranking.proximity_slop, self.ranking.proximity_weight
                ),
                parts: Vec::new(),
            });
        }
        if let Some(matching) = &built.plan.matching {
            sum.push(matching_part(matching, tier));
        }
        if super::feedback::is_passage(&built.plan) {
            let article = self.read_stored(searcher, address)?;
            if super::feedback::holds_verbatim(&built.plan, &article) {
                sum.push(ScoreExplanation {
                    score: 0.0,
                    what: "passage: holds the query as written, punctuation and spaces aside \
                           (its sources rank first)"
                        .to_string(),
                    parts: Vec::new(),
                });
            }
        }
        if sum.len() == 1 {
            return Ok(sum.pop().expect("one part"));
        }
        Ok(ScoreExplanation {
            score,
            what: "sum of".to_string(),
            parts: sum,
        })
    }

    /// A phrase's part of the score, in each of its fields.
    fn explain_phrase(
        &self,
        words: &[(usize, String)],
        slop: u32,
        fields: &[FieldWeight],
        at: At,
        parts: &mut Vec<ScoreExplanation>,
    ) {
        let text: Vec<&str> = words.iter().map(|(_, w)| w.as_str()).collect();
        for (field, boost) in self.fields_of(fields) {
            let label = format!(
                "{}: \"{}\"~{slop} (x{boost})",
                field.spec.name,
                text.join(" ")
            );
            let query = phrase_in_fields(&[(field, boost)], words, slop);
            parts.extend(explain_part(label, query.as_ref(), at));
        }
    }

    /// The parts one plan node adds to a document's score.
    fn explain_node(&self, node: &Node, at: At, parts: &mut Vec<ScoreExplanation>) -> Result<()> {
        match node {
            Node::Word {
                word,
                fields,
                weight,
            } => self.explain_word(word, &self.fields_of(fields), *weight, at, parts)?,
            Node::Feedback {
                word,
                fields,
                weight,
            } => {
                for (field, boost) in self.fields_of(fields) {
                    let boost = boost * weight;
                    let label = format!("{}: {word} (x{boost})", field.spec.name);
                    let query = boosted_term(field, word, boost);
                    parts.extend(explain_part(label, query.as_ref(), at));
                }
            }
            Node::AllWords { words, fields } => {
                for word in words {
                    self.explain_word(word, &self.fields_of(fields), 1.0, at, parts)?;
                }
            }
            Node::Phrase {
                words,
                slop,
                fields,
                as_typed,
            } => {
                let slop = super::plan::searched_slop(words, *slop, *as_typed);
                self.explain_phrase(words, slop, fields, at, parts)
            }
            Node::Prefix { prefix, fields } => {
                for (field, boost) in self.fields_of(fields) {
                    let label = format!("{}: {prefix}* (x{boost})", field.spec.name);
                    let query = prefix_query(&[(field, boost)], prefix)?;
                    parts.extend(explain_part(label, query.as_ref(), at));
                }
            }
            Node::Group(inner) => {
                let mut group = Vec::new();
                for (occur, node) in inner {
                    if *occur != Occur::MustNot {
                        self.explain_node(node, at, &mut group)?;
                    }
                }
                parts.extend(sum_of("group", group));
            }
            Node::Exact { .. } | Node::DateRange { .. } | Node::IngestedAfter(_) | Node::All => {}
        }
        Ok(())
    }

    /// A word's parts: whole in each field, and as a sub-word of longer words.
    fn explain_word(
        &self,
        word: &str,
        fields: &[(&IndexedField, f32)],
        weight: f32,
        at: At,
        parts: &mut Vec<ScoreExplanation>,
    ) -> Result<()> {
        let weighing = self.word_weights(word)?;
        for (field, field_boost) in fields {
            let weights = weighing.of(field);
            let boost = field_boost * weight * weights.whole;
            let name = &field.spec.name;
            let whole = boosted_term(field, word, boost);
            parts.extend(explain_part(
                format!("{name}: {word} (x{boost})"),
                whole.as_ref(),
                at,
            ));
            if let Some(sub_words) = field.sub_words {
                let boost = field_boost * weight * weights.inside;
                let term = Term::from_field_text(sub_words, &sub_word_term(word));
                let label = format!("{name}: {word} (as a sub-word) (x{boost})");
                parts.extend(explain_part(label, boosted(term, boost).as_ref(), at));
            }
        }
        Ok(())
    }
}

/// Where a part is explained: the searcher, the statistics the ranking scores with, the
/// document.
type At<'a> = (&'a Searcher, &'a dyn Bm25StatisticsProvider, DocAddress);

/// One part: `query`'s score for the document, labelled, with tantivy's arithmetic beneath;
/// `None` when the query does not match it. (tantivy's explanations seek a fresh scorer
/// without checking where it stands, so only documents the query matches are asked about:
/// found by the property test.)
fn explain_part(
    label: String,
    query: &dyn Query,
    (searcher, stats, address): At,
) -> Option<ScoreExplanation> {
    let weight = query
        .weight(EnableScoring::enabled_from_statistics_provider(
            stats, searcher,
        ))
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
    let score = json["value"].as_f64().unwrap_or(0.0) as f32;
    (score > 0.0).then(|| ScoreExplanation {
        score,
        what: label,
        parts: arithmetic(&json),
    })
}

/// tantivy's explanation JSON below its top: the BM25 arithmetic, parts that scored.
fn arithmetic(json: &serde_json::Value) -> Vec<ScoreExplanation> {
    json["details"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|part| part["value"].as_f64().unwrap_or(0.0) > 0.0)
        .map(|part| ScoreExplanation {
            score: part["value"].as_f64().unwrap_or(0.0) as f32,
            what: part["description"].as_str().unwrap_or("").to_string(),
            parts: arithmetic(part),
        })
        .collect()
}

/// The matching strategy as a part of no score: what every hit holds, what was dropped, and
/// whether this hit holds the query as typed (its exactness tier).
fn matching_part(matching: &super::strategy::Matching, tier: usize) -> ScoreExplanation {
    let labels = |units: &[super::strategy::Unit]| {
        units
            .iter()
            .map(|u| u.label.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut what = format!(
        "matching: every part required ({})",
        labels(&matching.required)
    );
    if !matching.dropped.is_empty() {
        what.push_str(&format!(
            "; dropped, no article held them all: {}",
            labels(&matching.dropped)
        ));
    }
    let exact = matching.exact_levels();
    what.push_str(&if tier < exact {
        format!(
            "; exactness: written as typed (tier {} of {})",
            tier + 1,
            exact + 1
        )
    } else if exact > 0 {
        format!(
            "; exactness: parts apart (tier {} of {})",
            exact + 1,
            exact + 1
        )
    } else {
        String::new()
    });
    ScoreExplanation {
        score: 0.0,
        what,
        parts: Vec::new(),
    }
}

/// Parts that scored, summed under one label (none when no part scored).
fn sum_of(what: &str, parts: Vec<ScoreExplanation>) -> Option<ScoreExplanation> {
    (!parts.is_empty()).then(|| ScoreExplanation {
        score: parts.iter().map(|p| p.score).sum(),
        what: what.to_string(),
        parts,
    })
}

#[cfg(test)]
mod tests {
    use crate::search::{searcher_over, Ranking, SearchRequest};

    /// Without the proximity bonus a hit's explained word scores are its whole score, also
    /// when the ranking scores a field with its length scaled: explain reads the same
    /// statistics as the search.
    #[test]
    fn explained_words_are_the_score_under_the_rankings_statistics() {
        let post = |body: &str| format!("---\ntitle: 城市\n---\n{body}\n");
        let posts = [
            ("a.md", post("城市道路维修，城市交通改善，道路通行。")),
            (
                "b.md",
                post("乡村道路很长，乡村的路边种满了树，夏天很凉快。"),
            ),
        ];
        let posts: Vec<(&str, &str)> = posts.iter().map(|(n, t)| (*n, t.as_str())).collect();
        for settings in [
            "proximity_weight=0",
            "proximity_weight=0,body_length_scale=3",
        ] {
            let (_dir, searcher) = searcher_over(&posts);
            let searcher = searcher.with_ranking(Ranking::with_settings(settings).unwrap());
            let mut request = SearchRequest::new("城市道路");
            request.output.explain = true;
            let results = searcher.search(&request).unwrap();
            assert!(!results.hits.is_empty(), "{settings}");
            for hit in &results.hits {
                let explained = hit.explanation.as_ref().expect("asked for").score;
                assert!(
                    (explained - hit.score).abs() < 1e-4 * hit.score.max(1.0),
                    "{settings}: {} explained as {explained}, scored {}",
                    hit.id,
                    hit.score
                );
            }
        }
    }
}

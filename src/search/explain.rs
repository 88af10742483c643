//! `--explain`: why a hit scored as it did, clause by clause.

use tantivy::query::{BooleanQuery, EnableScoring, Occur as TantivyOccur, Query};
use tantivy::{DocAddress, Searcher};

use crate::error::{Error, Result};
use crate::schema::SUB_WORD_FIELD_PREFIX;
use crate::text::SUB_WORD_PREFIX;

use super::*;

impl ArticleSearcher {
    /// tantivy's explanation of a hit's score, pruned to what scored, with field names and
    /// sub-words spelled out, plus the proximity bonus when the rescoring added one.
    pub(super) fn explain(
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
}

/// Explains a query's score for one document. Boolean queries are taken apart here, clause
/// by clause, and a clause is explained only for a document it matches: tantivy's own
/// explanations seek a fresh scorer without checking where it stands, which trips on
/// clauses that do not match (found by the property test).
pub(super) fn explain_query(
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
pub(super) fn explanation_tree(
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
pub(super) fn readable(description: &str, schema: &tantivy::schema::Schema) -> String {
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

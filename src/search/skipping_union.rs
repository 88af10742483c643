//! A union of queries whose scores add up, for a union that is sought rather than walked:
//! a keyword query's words, intersected with its required parts when the rarest part is
//! rare ([`super::build`]).
//!
//! tantivy's boolean union buffers a window of 4,096 documents: on every seek past its
//! window it scores every document of every part within the next window. That is the right
//! trade for a union walked from start to end, but inside an intersection led by a rare
//! part it decodes and scores nearly every posting of a common word. This union seeks each
//! part through its skip list instead and scores only the documents asked for.

use std::fmt;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TantivyError, Term, TERMINATED};

/// The documents that match any of the parts, scored by the sum of the matching parts'
/// scores (as a boolean query of `Should` clauses scores them).
pub(super) struct SkippingUnion {
    parts: Vec<Box<dyn Query>>,
}

impl SkippingUnion {
    pub(super) fn new(parts: Vec<Box<dyn Query>>) -> SkippingUnion {
        SkippingUnion { parts }
    }
}

impl Clone for SkippingUnion {
    fn clone(&self) -> Self {
        SkippingUnion {
            parts: self.parts.iter().map(|part| part.box_clone()).collect(),
        }
    }
}

impl fmt::Debug for SkippingUnion {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_list().entries(&self.parts).finish()
    }
}

impl Query for SkippingUnion {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let parts = self
            .parts
            .iter()
            .map(|part| part.weight(enable_scoring))
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(SkippingUnionWeight { parts }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for part in &self.parts {
            part.query_terms(visitor);
        }
    }
}

struct SkippingUnionWeight {
    parts: Vec<Box<dyn Weight>>,
}

impl Weight for SkippingUnionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut parts = Vec::with_capacity(self.parts.len());
        for weight in &self.parts {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                parts.push(scorer);
            }
        }
        Ok(Box::new(SkippingUnionScorer::new(parts)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let details: Vec<Explanation> = self
            .parts
            .iter()
            .filter_map(|weight| weight.explain(reader, doc).ok())
            .collect();
        if details.is_empty() {
            return Err(TantivyError::InvalidArgument(format!(
                "Document #({doc}) does not match"
            )));
        }
        let score = details.iter().map(Explanation::value).sum();
        let mut explanation = Explanation::new("sum of", score);
        for detail in details {
            explanation.add_detail(detail);
        }
        Ok(explanation)
    }
}

/// Every part stands on its own next document at or after `doc`; `doc` is the smallest.
struct SkippingUnionScorer {
    parts: Vec<Box<dyn Scorer>>,
    doc: DocId,
}

impl SkippingUnionScorer {
    fn new(parts: Vec<Box<dyn Scorer>>) -> SkippingUnionScorer {
        let doc = parts
            .iter()
            .map(|part| part.doc())
            .min()
            .unwrap_or(TERMINATED);
        SkippingUnionScorer { parts, doc }
    }

    fn settle(&mut self) -> DocId {
        self.parts.retain(|part| part.doc() != TERMINATED);
        self.doc = self
            .parts
            .iter()
            .map(|part| part.doc())
            .min()
            .unwrap_or(TERMINATED);
        self.doc
    }
}

impl DocSet for SkippingUnionScorer {
    fn advance(&mut self) -> DocId {
        let doc = self.doc;
        for part in &mut self.parts {
            if part.doc() == doc {
                part.advance();
            }
        }
        self.settle()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for part in &mut self.parts {
            if part.doc() < target {
                part.seek(target);
            }
        }
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.parts
            .iter()
            .map(|part| part.size_hint())
            .fold(0u32, u32::saturating_add)
    }

    fn cost(&self) -> u64 {
        self.parts.iter().map(|part| part.cost()).sum()
    }
}

impl Scorer for SkippingUnionScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        self.parts
            .iter_mut()
            .filter(|part| part.doc() == doc)
            .map(|part| part.score())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, DocAddress, Index, IndexWriter};

    use super::*;

    /// 3,000 documents: `rare` in every 97th, `common` in every 2nd, `other` in every 5th
    /// (a union sought far apart and walked through windows).
    fn index() -> (Index, tantivy::schema::Field) {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for i in 0..3000u32 {
            let mut words = vec!["filler"];
            for (word, every) in [("rare", 97), ("common", 2), ("other", 5)] {
                if i % every == 0 {
                    words.extend(std::iter::repeat_n(word, 1 + (i % 3) as usize));
                }
            }
            writer.add_document(doc!(text => words.join(" "))).unwrap();
        }
        writer.commit().unwrap();
        (index, text)
    }

    fn term(field: tantivy::schema::Field, word: &str) -> Box<dyn Query> {
        let term = Term::from_field_text(field, word);
        Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
    }

    fn ranked(index: &Index, query: &dyn Query) -> Vec<(f32, DocAddress)> {
        let searcher = index.reader().unwrap().searcher();
        let top = TopDocs::with_limit(5000).order_by_score();
        searcher.search(query, &top).unwrap()
    }

    #[test]
    fn matches_and_scores_as_a_boolean_union_does_when_sought_and_when_walked() {
        let (index, text) = index();
        let parts = || vec![term(text, "common"), term(text, "other")];
        let boolean_union = || -> Box<dyn Query> {
            Box::new(BooleanQuery::new(
                parts().into_iter().map(|q| (Occur::Should, q)).collect(),
            ))
        };
        let skipping: Box<dyn Query> = Box::new(SkippingUnion::new(parts()));
        // Walked on its own.
        let (expected, found) = (
            ranked(&index, &*boolean_union()),
            ranked(&index, &*skipping),
        );
        assert_eq!(found.len(), 1800, "every 2nd or 5th of 3,000");
        assert_eq!(found.len(), expected.len());
        for ((a, da), (b, db)) in expected.iter().zip(&found) {
            assert_eq!(da, db);
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
        // Sought by a rare required word.
        let within = |union: Box<dyn Query>| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, term(text, "rare")),
                (Occur::Must, union),
            ]))
        };
        let expected = ranked(&index, &*within(boolean_union()));
        let found = ranked(&index, &*within(skipping.box_clone()));
        // Multiples of 97 below 3,000 that are even or multiples of 5.
        let holding = (0..3000).filter(|i| i % 97 == 0 && (i % 2 == 0 || i % 5 == 0));
        assert_eq!(found.len(), holding.count());
        assert_eq!(found.len(), expected.len());
        for ((a, da), (b, db)) in expected.iter().zip(&found) {
            assert_eq!(da, db);
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
    }

    #[test]
    fn explains_the_parts_that_match_and_refuses_a_document_that_does_not() {
        let (index, text) = index();
        let searcher = index.reader().unwrap().searcher();
        let union = SkippingUnion::new(vec![term(text, "common"), term(text, "other")]);
        // Document 10 holds both, 4 only `common`, 3 neither.
        let both = union.explain(&searcher, DocAddress::new(0, 10)).unwrap();
        let one = union.explain(&searcher, DocAddress::new(0, 4)).unwrap();
        assert!(both.value() > one.value() && one.value() > 0.0);
        let scored = ranked(&index, &union);
        let ten = scored.iter().find(|(_, d)| d.doc_id == 10).unwrap().0;
        assert!((ten - both.value()).abs() < 1e-4);
        assert!(union.explain(&searcher, DocAddress::new(0, 3)).is_err());
    }
}

//! A large segment searched in parts, one thread each. tantivy's executor searches
//! segments side by side, never the parts of one, and an ingest merges a large run into one
//! segment: a million-article archive searched its densest queries (记者8日, 中国经济: every
//! part in a tenth of the articles or more) on one core. Each part is a range of document
//! numbers with a scorer of its own, sought to the range's start; the collectors' fruits
//! are merged as the segments' are.

use rayon::prelude::*;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{Bm25StatisticsProvider, EnableScoring, Query, Weight};
use tantivy::{DocId, DocSet, Searcher, SegmentReader, TERMINATED};

/// A segment is cut in parts of at least this many documents; smaller ones are searched
/// whole (tantivy's executor searching two segments of the 82,832 posts side by side was
/// slower than one thread: docs/performance.md).
pub(super) const PART_DOCS: u32 = 1 << 18;

/// `searcher.search_with_statistics_provider`, each segment of [`PART_DOCS`] or more cut in
/// up to as many parts as there are threads.
pub(super) fn search<C: Collector>(
    searcher: &Searcher,
    query: &dyn Query,
    collector: &C,
    stats: &dyn Bm25StatisticsProvider,
) -> tantivy::Result<C::Fruit> {
    // rayon's pool is started only for an index large enough to be cut.
    if searcher
        .segment_readers()
        .iter()
        .all(|s| s.max_doc() < 2 * PART_DOCS)
    {
        return searcher.search_with_statistics_provider(query, collector, stats);
    }
    let threads = rayon::current_num_threads() as u32;
    search_in_parts(searcher, query, collector, stats, (PART_DOCS, threads))
}

/// [`search`] with parts of at least `part_docs`, at most `threads` per segment.
fn search_in_parts<C: Collector>(
    searcher: &Searcher,
    query: &dyn Query,
    collector: &C,
    stats: &dyn Bm25StatisticsProvider,
    (part_docs, threads): (u32, u32),
) -> tantivy::Result<C::Fruit> {
    let segments = searcher.segment_readers();
    if threads < 2 || segments.iter().all(|s| s.max_doc() < 2 * part_docs) {
        return searcher.search_with_statistics_provider(query, collector, stats);
    }
    let scoring = collector.requires_scoring();
    let weight = query.weight(if scoring {
        EnableScoring::enabled_from_statistics_provider(stats, searcher)
    } else {
        EnableScoring::disabled_from_searcher(searcher)
    })?;
    let mut ranges = Vec::new();
    for (ord, segment) in segments.iter().enumerate() {
        let max = segment.max_doc();
        let parts = (max / part_docs).clamp(1, threads);
        for part in 0..parts {
            let at = |i: u32| (u64::from(max) * u64::from(i) / u64::from(parts)) as DocId;
            ranges.push((ord as u32, segment, at(part)..at(part + 1)));
        }
    }
    let fruits = ranges
        .into_par_iter()
        .map(|(ord, segment, range)| {
            collect_range(collector, weight.as_ref(), (ord, segment), range, scoring)
        })
        .collect::<tantivy::Result<Vec<_>>>()?;
    collector.merge_fruits(fruits)
}

/// The fruit of `collector` over the documents of `range` of one segment.
fn collect_range<C: Collector>(
    collector: &C,
    weight: &dyn Weight,
    (ord, segment): (u32, &SegmentReader),
    range: std::ops::Range<DocId>,
    scoring: bool,
) -> tantivy::Result<<C::Child as SegmentCollector>::Fruit> {
    let mut child = collector.for_segment(ord, segment)?;
    let mut scorer = weight.scorer(segment, 1.0)?;
    let alive = segment.alive_bitset();
    // A scorer starts on its first document; it may only be sought forward.
    let mut doc = scorer.doc();
    if doc < range.start {
        doc = scorer.seek(range.start);
    }
    while doc != TERMINATED && doc < range.end {
        if alive.is_none_or(|alive| alive.is_alive(doc)) {
            child.collect(doc, if scoring { scorer.score() } else { 0.0 });
        }
        doc = scorer.advance();
    }
    Ok(child.harvest())
}

#[cfg(test)]
mod tests {
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::QueryParser;
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{doc, Index, Term};

    #[test]
    fn a_segment_searched_in_parts_finds_what_it_finds_whole() {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for i in 0..1000u32 {
            let late = if i >= 550 { "late" } else { "" };
            let words = format!("a{} b{} c{} a{} {late}", i % 7, i % 11, i % 3, i % 5);
            writer.add_document(doc!(text => words)).unwrap();
        }
        writer.commit().unwrap();
        // A deleted document is left out of every part.
        writer.delete_term(Term::from_field_text(text, "b3"));
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 1);
        let parser = QueryParser::for_index(&index, vec![text]);
        // `+late +a1` starts past the start of a part: its scorer is never sought back.
        for query in ["a1 OR c2", "+a1 +c2", "a3 b4", "+late +a1"] {
            let query = parser.parse_query(query).unwrap();
            let collector = (TopDocs::with_limit(20).order_by_score(), Count);
            let whole = searcher.search(&query, &collector).unwrap();
            for (part_docs, threads) in [(100, 3), (100, 2), (400, 8), (2000, 2)] {
                let parts = super::search_in_parts(
                    &searcher,
                    &query,
                    &collector,
                    &searcher,
                    (part_docs, threads),
                )
                .unwrap();
                assert_eq!(parts, whole, "{query:?} in parts of {part_docs}");
            }
            assert!(whole.1 > 20, "{query:?}: {}", whole.1);
        }
    }
}

//! Merging the index's segments after an ingest's final commit: every segment costs each
//! query its own term lookups and scorers.

use tantivy::indexer::{LogMergePolicy, MergePolicy};
use tantivy::IndexWriter;

use super::IngestReport;
use crate::document::ArticleDocument;
use crate::index::SearchIndex;

/// Merges segments after the commit (the writer itself merges nothing: see
/// [`super::open_writer`]). Each segment costs every query its own term lookups and
/// scorers: the bench's queries on the 82,832 posts take 0.59 ms at p50 in one segment,
/// 0.78 ms in three, 0.68 ms in six (docs/performance.md, "Segments").
/// - A run that wrote at least 1 / [`MERGE_SHARE`] of the articles (a first build, a
///   rebuild, a large batch) merges the whole index into one segment: 3.4 s for the 82,832
///   posts, a first build's CPU ×1.16.
/// - Smaller runs merge segments of a size with each other, tantivy's log-size levels with
///   two to a level (every segment under 10,000 articles is of one level): a run of a few
///   posts merges small segments only, and the number of segments grows with the log of the
///   archive's size.
///
/// Returns how many segments were merged.
pub(super) fn merge_segments(
    index: &SearchIndex,
    writer: &mut IndexWriter<ArticleDocument>,
    report: &IngestReport,
) -> tantivy::Result<usize> {
    let segments = index.index.searchable_segment_metas()?;
    let articles: u64 = segments.iter().map(|s| u64::from(s.num_docs())).sum();
    let written = (report.added + report.updated) as u64;
    let merges: Vec<Vec<_>> = if segments.len() < 2 {
        Vec::new()
    } else if written.saturating_mul(MERGE_SHARE) >= articles {
        vec![segments.iter().map(|s| s.id()).collect()]
    } else {
        let mut levels = LogMergePolicy::default();
        levels.set_min_num_segments(2);
        let candidates = levels.compute_merge_candidates(&segments);
        candidates
            .into_iter()
            .map(|candidate| candidate.0)
            .collect()
    };
    // A segment's files are kept while anything holds its metadata.
    drop(segments);
    if merges.is_empty() {
        return Ok(0);
    }
    let merged = merges
        .iter()
        .try_for_each(|ids| writer.merge(ids).wait().map(|_| ()));
    // The merged segments' files, or a failed merge's (a full disk), are no part of any
    // commit: they take space.
    let collected = writer.garbage_collect_files().wait();
    merged.and(collected)?;
    Ok(merges.iter().map(Vec::len).sum())
}

/// See [`merge_segments`].
const MERGE_SHARE: u64 = 4;

//! What an index holds: documents, fields, dates, categories, size, how it was built.

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::facets::FacetCounts;
use crate::index::AnalyzerSettings;
use crate::schema::FieldSpec;
use crate::search::ArticleSearcher;

/// Statistics of an index.
#[derive(Debug, Clone, Serialize)]
pub struct IndexStats {
    /// The index folder.
    pub index: String,
    /// Articles.
    pub documents: u64,
    /// tantivy segments.
    pub segments: usize,
    /// Bytes on disk.
    pub size_bytes: u64,
    /// When the last commit was written (RFC 3339 to the second, in local time).
    pub last_ingest: Option<String>,
    /// The sousuo version that created the index.
    pub sousuo_version: String,
    /// Analyzer settings (dictionary, HMM).
    pub analyzer: AnalyzerSettings,
    /// The schema's fields.
    pub fields: Vec<FieldSpec>,
    /// Categories (the `top` most frequent), months, the date range.
    pub facets: FacetCounts,
    /// How many categories there are in all.
    pub category_count: usize,
    /// Near-duplicate articles: how many pairs, in how many groups, of how many articles.
    pub near_duplicates: NearDuplicateCounts,
}

/// How many near-duplicates an index holds (see [`crate::signature`]).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct NearDuplicateCounts {
    /// Pairs of near-duplicate articles.
    pub pairs: usize,
    /// Groups of articles linked by pairs.
    pub groups: usize,
    /// Articles in a group.
    pub articles: usize,
}

/// Gathers the statistics of the index `searcher` reads; `top` categories are listed.
pub fn index_stats(searcher: &ArticleSearcher, top: usize) -> Result<IndexStats> {
    let index = searcher.index();
    let (documents, segments) = searcher.size();
    let mut facets = searcher.facets_of_all()?;
    let category_count = facets.categories.len();
    facets.categories.truncate(top);
    let meta_json = index.dir.join("meta.json");
    let last_ingest = std::fs::metadata(&meta_json)
        .and_then(|m| m.modified())
        .ok()
        .map(|time| {
            chrono::DateTime::<chrono::Local>::from(time)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
        });
    let near = searcher.near_duplicates()?;
    let near_duplicates = NearDuplicateCounts {
        pairs: near.pairs.len(),
        groups: near.groups,
        articles: near.articles,
    };
    Ok(IndexStats {
        index: index.dir.display().to_string(),
        documents,
        segments,
        size_bytes: folder_size(&index.dir)?,
        last_ingest,
        sousuo_version: index.meta.sousuo_version.clone(),
        analyzer: index.meta.analyzer.clone(),
        fields: index.meta.schema.fields.clone(),
        facets,
        category_count,
        near_duplicates,
    })
}

fn folder_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let metadata = entry.metadata().map_err(|e| Error::io(entry.path(), e))?;
        total += if metadata.is_dir() {
            folder_size(&entry.path())?
        } else {
            metadata.len()
        };
    }
    Ok(total)
}

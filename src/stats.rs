//! What an index holds: documents, fields, dates, categories, size, how it was built.

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::facets::FacetCounts;
use crate::index::AnalyzerSettings;
use crate::schema::FieldSpec;
use crate::search::{ArticleSearcher, NearDuplicateCounts};

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
    /// How many articles are dated, have a date without a year, or none (when the schema's
    /// date is a fast field, as in the default schema).
    pub dates: Option<DateCounts>,
}

/// How completely the articles are dated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DateCounts {
    /// With a full date.
    pub dated: usize,
    /// With a date written without a year that nothing told (left out of date filters).
    pub year_unknown: usize,
    /// Without a date (none written, or unreadable).
    pub undated: usize,
}

/// Gathers the statistics of the index `searcher` reads; `top` categories are listed.
pub fn index_stats(searcher: &ArticleSearcher, top: usize) -> Result<IndexStats> {
    let index = searcher.index();
    let (documents, segments) = searcher.size();
    let mut facets = searcher.facets_of_all()?;
    let category_count = facets.categories.values.len();
    facets.keep_most(top);
    let meta_json = index.dir.join("meta.json");
    let last_ingest = std::fs::metadata(&meta_json)
        .and_then(|m| m.modified())
        .ok()
        .map(|time| {
            chrono::DateTime::<chrono::Local>::from(time)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
        });
    let dates = date_counts(index)?;
    let near_duplicates = searcher.near_duplicate_counts()?;
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
        dates,
    })
}

/// Counts the articles with a full date, a date without a year and none; `None` when the
/// schema's date is not a fast field.
fn date_counts(index: &crate::index::SearchIndex) -> Result<Option<DateCounts>> {
    let Some(date_field) = index
        .fields
        .get(crate::schema::ArticleField::Date)
        .filter(|f| f.spec.fast)
        .map(|f| f.spec.name.clone())
    else {
        return Ok(None);
    };
    let context = || format!("counting the dates of {}", index.dir.display());
    let reader = index
        .index
        .reader()
        .map_err(|e| Error::index(context(), e))?;
    let searcher = reader.searcher();
    let mut counts = DateCounts::default();
    for segment in searcher.segment_readers() {
        let fast = segment.fast_fields();
        let dates = fast
            .date(&date_field)
            .map_err(|e| Error::index(context(), e))?;
        let year_less = fast
            .str(crate::schema::YEAR_LESS_DATE_FIELD)
            .map_err(|e| Error::index(context(), e))?;
        for doc in segment.doc_ids_alive() {
            if dates.first(doc).is_some() {
                counts.dated += 1;
            } else if year_less
                .as_ref()
                .is_some_and(|c| c.term_ords(doc).next().is_some())
            {
                counts.year_unknown += 1;
            } else {
                counts.undated += 1;
            }
        }
    }
    Ok(Some(counts))
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

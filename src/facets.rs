//! Facet counts: how many matching articles per category and per month, read from the
//! categories and date columns (no stored documents are loaded).

use std::collections::BTreeMap;

use chrono::TimeZone;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::article::china_offset;
use crate::index::SearchIndex;
use crate::schema::{ArticleField, FieldType};

/// Counts of the matching articles.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct FacetCounts {
    /// Articles per category, most first (ties by name).
    pub categories: Vec<(String, u64)>,
    /// Articles per month (`2022-07`, China time), oldest first.
    pub months: Vec<(String, u64)>,
    /// Articles without a date.
    pub undated: u64,
    /// Earliest and latest date (RFC 3339), if any article has one.
    pub date_range: Option<(String, String)>,
    /// Categories not listed (a search lists the [`MAX_FACET_CATEGORIES`] with most
    /// articles).
    pub more_categories: usize,
}

/// The most categories a search's facets list.
pub const MAX_FACET_CATEGORIES: usize = 100;

impl FacetCounts {
    /// Keeps the `most` categories with most articles; the rest are counted in
    /// `more_categories`.
    pub fn keep_categories(&mut self, most: usize) {
        if self.categories.len() > most {
            self.more_categories += self.categories.len() - most;
            self.categories.truncate(most);
        }
    }
}

/// Counts categories and months of the documents it is given.
pub struct FacetCollector {
    categories: Option<String>,
    date: Option<String>,
}

impl FacetCollector {
    /// A collector for the fast category and date fields of `index` (either may be absent
    /// from the schema, or not fast: it then counts nothing for it).
    pub fn new(index: &SearchIndex) -> FacetCollector {
        let fast_field = |source: ArticleField, field_type: FieldType| {
            index
                .fields
                .get(source)
                .filter(|f| f.spec.fast && f.spec.field_type == field_type)
                .map(|f| f.spec.name.clone())
        };
        FacetCollector {
            categories: fast_field(ArticleField::Categories, FieldType::String),
            date: fast_field(ArticleField::Date, FieldType::Date),
        }
    }
}

/// Per-segment counts, by term ordinal and by month.
pub struct SegmentFacets {
    categories: Option<StrColumn>,
    category_counts: Vec<u64>,
    dates: Option<Column<tantivy::DateTime>>,
    month_counts: BTreeMap<i64, u64>,
    undated: u64,
    min_max: Option<(i64, i64)>,
}

impl Collector for FacetCollector {
    type Fruit = FacetCounts;
    type Child = SegmentFacets;

    fn for_segment(
        &self,
        _segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacets> {
        let fast = segment.fast_fields();
        let categories = match &self.categories {
            Some(name) => fast.str(name)?,
            None => None,
        };
        let dates = match &self.date {
            Some(name) => Some(fast.date(name)?),
            None => None,
        };
        let category_counts = vec![0; categories.as_ref().map_or(0, |c| c.num_terms())];
        Ok(SegmentFacets {
            categories,
            category_counts,
            dates,
            month_counts: BTreeMap::new(),
            undated: 0,
            min_max: None,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<FacetCounts>) -> tantivy::Result<FacetCounts> {
        let mut categories: BTreeMap<String, u64> = BTreeMap::new();
        let mut months: BTreeMap<String, u64> = BTreeMap::new();
        let mut undated = 0;
        let mut range: Option<(String, String)> = None;
        for segment in segments {
            for (name, count) in segment.categories {
                *categories.entry(name).or_default() += count;
            }
            for (month, count) in segment.months {
                *months.entry(month).or_default() += count;
            }
            undated += segment.undated;
            if let Some((low, high)) = segment.date_range {
                range = Some(match range {
                    // RFC 3339 in one offset sorts as text.
                    Some((l, h)) => (l.min(low), h.max(high)),
                    None => (low, high),
                });
            }
        }
        let mut categories: Vec<(String, u64)> = categories.into_iter().collect();
        categories.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(FacetCounts {
            categories,
            months: months.into_iter().collect(),
            undated,
            date_range: range,
            more_categories: 0,
        })
    }
}

impl SegmentCollector for SegmentFacets {
    type Fruit = FacetCounts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(categories) = &self.categories {
            for ord in categories.term_ords(doc) {
                self.category_counts[ord as usize] += 1;
            }
        }
        if let Some(dates) = &self.dates {
            match dates.first(doc) {
                Some(date) => {
                    let seconds = date.into_timestamp_secs();
                    let (low, high) = self.min_max.unwrap_or((seconds, seconds));
                    self.min_max = Some((low.min(seconds), high.max(seconds)));
                    // Months in China time; `month_key` below turns them back to text.
                    *self.month_counts.entry(month_key(seconds)).or_default() += 1;
                }
                None => self.undated += 1,
            }
        }
    }

    fn harvest(self) -> FacetCounts {
        let mut categories = Vec::new();
        if let Some(column) = &self.categories {
            let mut name = String::new();
            for (ord, &count) in self.category_counts.iter().enumerate() {
                if count > 0 && column.ord_to_str(ord as u64, &mut name).unwrap_or(false) {
                    categories.push((name.clone(), count));
                }
            }
        }
        let months = self
            .month_counts
            .into_iter()
            .map(|(key, count)| (format!("{:04}-{:02}", key / 100, key % 100), count))
            .collect();
        let rfc3339 = |seconds: i64| {
            china_offset()
                .timestamp_opt(seconds, 0)
                .single()
                .map(|d| d.to_rfc3339())
                .unwrap_or_default()
        };
        FacetCounts {
            categories,
            months,
            undated: self.undated,
            date_range: self
                .min_max
                .map(|(low, high)| (rfc3339(low), rfc3339(high))),
            more_categories: 0,
        }
    }
}

/// `yyyymm` of a timestamp in China time.
fn month_key(seconds: i64) -> i64 {
    use chrono::Datelike;
    match china_offset().timestamp_opt(seconds, 0).single() {
        Some(date) => i64::from(date.year()) * 100 + i64::from(date.month()),
        None => 0,
    }
}

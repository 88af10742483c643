//! Facet counts: how many matching articles per category, tag, author and month, read from
//! the fast columns of those fields (no stored documents are loaded).

use std::collections::BTreeMap;

use chrono::TimeZone;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::article::china_offset;
use crate::index::SearchIndex;
use crate::schema::{ArticleField, FieldType};

/// Articles per value of one field (categories, tags or authors); serialised as its list of
/// `[value, count]` pairs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValueCounts {
    /// Articles per value, most first (ties by name).
    pub values: Vec<(String, u64)>,
    /// Values not listed (a search lists the [`MAX_FACET_VALUES`] with most articles).
    pub more: usize,
}

impl serde::Serialize for ValueCounts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.values.serialize(serializer)
    }
}

impl ValueCounts {
    /// Keeps the `most` values with most articles; the rest are counted in `more`.
    pub fn keep_most(&mut self, most: usize) {
        if self.values.len() > most {
            self.more += self.values.len() - most;
            self.values.truncate(most);
        }
    }
}

/// Counts of the matching articles.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct FacetCounts {
    /// Articles per category.
    pub categories: ValueCounts,
    /// Articles per tag (when the index keeps tags as a fast field, as the default schema
    /// does).
    pub tags: ValueCounts,
    /// Articles per author.
    pub authors: ValueCounts,
    /// Articles per month (`2022-07`, China time), oldest first.
    pub months: Vec<(String, u64)>,
    /// Articles without a date.
    pub undated: u64,
    /// Earliest and latest date (RFC 3339), if any article has one.
    pub date_range: Option<(String, String)>,
}

/// The most values of each field a search's facets list.
pub const MAX_FACET_VALUES: usize = 100;

/// The fields counted by value, in the order of [`FacetCounts`]' lists.
const VALUE_FIELDS: [ArticleField; 3] = [
    ArticleField::Categories,
    ArticleField::Tags,
    ArticleField::Author,
];

impl FacetCounts {
    /// Keeps the `most` values with most articles of each field.
    pub fn keep_most(&mut self, most: usize) {
        for counts in self.value_counts_mut() {
            counts.keep_most(most);
        }
    }

    fn value_counts_mut(&mut self) -> [&mut ValueCounts; 3] {
        [&mut self.categories, &mut self.tags, &mut self.authors]
    }
}

/// Counts values and months of the documents it is given.
pub struct FacetCollector {
    values: [Option<String>; 3],
    date: Option<String>,
}

impl FacetCollector {
    /// A collector for the fast value and date fields of `index` (any may be absent from the
    /// schema, or not fast: it then counts nothing for it).
    pub fn new(index: &SearchIndex) -> FacetCollector {
        let fast_field = |source: ArticleField, field_type: FieldType| {
            index
                .fields
                .get(source)
                .filter(|f| f.spec.fast && f.spec.field_type == field_type)
                .map(|f| f.spec.name.clone())
        };
        FacetCollector {
            values: VALUE_FIELDS.map(|source| fast_field(source, FieldType::String)),
            date: fast_field(ArticleField::Date, FieldType::Date),
        }
    }
}

/// Per-segment counts, by term ordinal and by month.
pub struct SegmentFacets {
    columns: [Option<StrColumn>; 3],
    value_counts: [Vec<u64>; 3],
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
        let mut columns = [None, None, None];
        for (column, name) in columns.iter_mut().zip(&self.values) {
            if let Some(name) = name {
                *column = fast.str(name)?;
            }
        }
        let dates = match &self.date {
            Some(name) => Some(fast.date(name)?),
            None => None,
        };
        let value_counts = std::array::from_fn(|i| {
            vec![0; columns[i].as_ref().map_or(0, |c: &StrColumn| c.num_terms())]
        });
        Ok(SegmentFacets {
            columns,
            value_counts,
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
        let mut values: [BTreeMap<String, u64>; 3] = Default::default();
        let mut months: BTreeMap<String, u64> = BTreeMap::new();
        let mut undated = 0;
        let mut range: Option<(String, String)> = None;
        for mut segment in segments {
            for (merged, counts) in values.iter_mut().zip(segment.value_counts_mut()) {
                for (name, count) in std::mem::take(&mut counts.values) {
                    *merged.entry(name).or_default() += count;
                }
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
        let [categories, tags, authors] = values.map(most_first);
        Ok(FacetCounts {
            categories,
            tags,
            authors,
            months: months.into_iter().collect(),
            undated,
            date_range: range,
        })
    }
}

/// Counts by value, most first (ties by name).
fn most_first(counts: BTreeMap<String, u64>) -> ValueCounts {
    let mut values: Vec<(String, u64)> = counts.into_iter().collect();
    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ValueCounts { values, more: 0 }
}

impl SegmentCollector for SegmentFacets {
    type Fruit = FacetCounts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for (column, counts) in self.columns.iter().zip(self.value_counts.iter_mut()) {
            if let Some(column) = column {
                for ord in column.term_ords(doc) {
                    counts[ord as usize] += 1;
                }
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
        let [categories, tags, authors] = [0, 1, 2].map(|i| ValueCounts {
            values: named_counts(self.columns[i].as_ref(), &self.value_counts[i]),
            more: 0,
        });
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
            tags,
            authors,
            months,
            undated: self.undated,
            date_range: self
                .min_max
                .map(|(low, high)| (rfc3339(low), rfc3339(high))),
        }
    }
}

/// The counted values of a segment's column by name.
fn named_counts(column: Option<&StrColumn>, counts: &[u64]) -> Vec<(String, u64)> {
    let Some(column) = column else {
        return Vec::new();
    };
    let mut named = Vec::new();
    let mut name = String::new();
    for (ord, &count) in counts.iter().enumerate() {
        if count > 0 && column.ord_to_str(ord as u64, &mut name).unwrap_or(false) {
            named.push((name.clone(), count));
        }
    }
    named
}

/// `yyyymm` of a timestamp in China time.
fn month_key(seconds: i64) -> i64 {
    use chrono::Datelike;
    match china_offset().timestamp_opt(seconds, 0).single() {
        Some(date) => i64::from(date.year()) * 100 + i64::from(date.month()),
        None => 0,
    }
}

//! Reports for people: an article (`get`), index statistics, `check`'s findings, the
//! ingest summary and warning kinds.

use std::io::{self, Write};

use crate::check::CheckReport;
use crate::ingest::IngestReport;
use crate::search::StoredArticle;
use crate::stats::IndexStats;
use crate::visible::{visible, visible_line};

use super::thousands;

/// One stored article for people: metadata, then the cleaned body.
pub fn write_article_human(out: &mut dyn Write, article: &StoredArticle) -> io::Result<()> {
    writeln!(out, "id:          {}", visible_line(&article.id))?;
    writeln!(out, "path:        {}", visible_line(&article.path))?;
    writeln!(out, "title:       {}", visible_line(&article.title))?;
    let date = match (&article.date, &article.date_without_year) {
        (Some(date), _) => date.to_rfc3339(),
        (None, Some(date)) => format!("{} (year unknown)", visible_line(date)),
        (None, None) => "-".into(),
    };
    writeln!(out, "date:        {date}")?;
    let categories = article.categories.join(" › ");
    writeln!(out, "categories:  {}", visible_line(&categories))?;
    if !article.tags.is_empty() {
        writeln!(
            out,
            "tags:        {}",
            visible_line(&article.tags.join(", "))
        )?;
    }
    for (label, value) in [
        ("author:     ", &article.author),
        ("editor:     ", &article.editor),
        ("description:", &article.description),
        ("image:      ", &article.image),
        ("link:       ", &article.link),
    ] {
        if let Some(value) = value {
            writeln!(out, "{label} {}", visible_line(value))?;
        }
    }
    writeln!(out)?;
    writeln!(out, "{}", visible(&article.body))
}

/// `1 segment`, `3 segments`.
fn segments(count: usize) -> String {
    match count {
        1 => "1 segment".to_string(),
        n => format!("{n} segments"),
    }
}

/// Index statistics for people.
pub fn write_stats_human(out: &mut dyn Write, stats: &IndexStats) -> io::Result<()> {
    writeln!(out, "index:        {}", visible_line(&stats.index))?;
    writeln!(out, "articles:     {}", stats.documents)?;
    writeln!(
        out,
        "size:         {:.1} MB in {}",
        stats.size_bytes as f64 / 1e6,
        segments(stats.segments)
    )?;
    if let Some(last) = &stats.last_ingest {
        writeln!(out, "last ingest:  {last}")?;
    }
    if let Some((first, last)) = &stats.facets.date_range {
        writeln!(out, "dates:        {first} … {last}")?;
    }
    if let Some(dates) = &stats.dates {
        if dates.year_unknown + dates.undated > 0 {
            writeln!(
                out,
                "not dated:    {} with a date without a year (left out of date filters), {} \
                 without a date",
                thousands(dates.year_unknown),
                thousands(dates.undated)
            )?;
        }
    }
    let near = &stats.near_duplicates;
    writeln!(
        out,
        "near-duplicates: {} articles in {} groups ({} pairs; `stats --duplicates` lists them)",
        near.articles, near.groups, near.pairs
    )?;
    writeln!(
        out,
        "built by:     sousuo {}, dictionary {}, HMM {}",
        stats.sousuo_version,
        stats.analyzer.dictionary,
        if stats.analyzer.hmm { "on" } else { "off" }
    )?;
    writeln!(out, "fields:")?;
    for field in &stats.fields {
        writeln!(out, "  {:<12} {}", field.name, field_options(field))?;
    }
    write_stats_counts(out, stats)
}

/// A field's type and options: `text, stored, boost 2`.
fn field_options(field: &crate::schema::FieldSpec) -> String {
    let mut options = vec![format!("{:?}", field.field_type).to_lowercase()];
    if field.stored && field.field_type != crate::schema::FieldType::Stored {
        options.push("stored".into());
    }
    if field.fast {
        options.push("fast".into());
    }
    if let Some(boost) = field.boost {
        options.push(format!("boost {boost}"));
    }
    options.join(", ")
}

/// The largest categories and the articles per month.
fn write_stats_counts(out: &mut dyn Write, stats: &IndexStats) -> io::Result<()> {
    writeln!(
        out,
        "categories:   {} in all, the {} largest:",
        stats.category_count,
        stats.facets.categories.values.len()
    )?;
    for (category, count) in &stats.facets.categories.values {
        writeln!(out, "  {count:>7}  {}", visible_line(category))?;
    }
    writeln!(
        out,
        "articles per month (Jan–Dec; --json lists every month):"
    )?;
    for line in month_table(&stats.facets.months) {
        writeln!(out, "  {line}")?;
    }
    if stats.facets.undated > 0 {
        writeln!(
            out,
            "  (no date) {:>8}",
            thousands(stats.facets.undated as usize)
        )?;
    }
    Ok(())
}

/// One line per year: a bar per month (Jan–Dec, heights relative to the busiest month)
/// and the year's total: `2023 ▁▁▁▁▁▁▆█▁▁▁▁   12,345`.
fn month_table(months: &[(String, u64)]) -> Vec<String> {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let busiest = months.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let mut years: Vec<(String, [u64; 12])> = Vec::new();
    for (month, count) in months {
        let Some((year, number)) = month.split_once('-') else {
            continue;
        };
        let Some(index) = number
            .parse::<usize>()
            .ok()
            .filter(|m| (1..=12).contains(m))
        else {
            continue;
        };
        if years.last().is_none_or(|(y, _)| y != year) {
            years.push((year.to_string(), [0; 12]));
        }
        if let Some((_, counts)) = years.last_mut() {
            counts[index - 1] += count;
        }
    }
    years
        .iter()
        .map(|(year, counts)| {
            let bars: String = counts
                .iter()
                .map(|&n| match n {
                    0 => ' ',
                    n => BARS[((n * 8).div_ceil(busiest) as usize).clamp(1, 8) - 1],
                })
                .collect();
            let total: u64 = counts.iter().sum();
            format!("{year} {bars} {:>9}", thousands(total as usize))
        })
        .collect()
}

/// What `check` found (and repaired), for people.
pub fn write_check_human(out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
    writeln!(
        out,
        "{}: {} articles in {}",
        visible_line(&report.index),
        report.documents,
        segments(report.segments)
    )?;
    for file in &report.damaged_files {
        writeln!(out, "damaged: {}", visible_line(file))?;
    }
    for file in &report.stray_files {
        writeln!(
            out,
            "stray: {} (its segment is not listed in meta.json: its articles are not searched)",
            visible_line(file)
        )?;
    }
    for segment in &report.unreadable_segments {
        writeln!(out, "unreadable segment: {}", visible_line(segment))?;
    }
    for id in &report.duplicate_ids {
        writeln!(out, "duplicate id: {}", visible_line(id))?;
    }
    if report.documents_without_id > 0 {
        writeln!(out, "{} articles have no id", report.documents_without_id)?;
    }
    for done in &report.repaired {
        writeln!(out, "repaired: {done}")?;
    }
    if report.is_sound() {
        writeln!(out, "the index is sound")?;
    } else if report.repaired.is_empty() {
        writeln!(
            out,
            "the index is damaged: `sousuo check --repair` removes the damage (the next ingest \
             restores those articles), or ingest again with --rebuild"
        )?;
    }
    Ok(())
}

/// The kind of a warning, for counting warnings by kind: the message with quoted values
/// and numbers left out, up to its first `;` (`date: cannot read "…" as a date`).
///
/// ```
/// use sousuo::output::warning_kind;
/// assert_eq!(
///     warning_kind("date: cannot read \"07-20 22:43\" as a date; left empty"),
///     warning_kind("date: cannot read \"Invalid Date\" as a date; left empty"),
/// );
/// ```
pub fn warning_kind(message: &str) -> String {
    let head = message.split(';').next().unwrap_or(message);
    let mut kind = String::with_capacity(head.len());
    let mut quoted = false;
    for c in head.chars() {
        match c {
            '"' if quoted => {
                quoted = false;
                kind.push_str("…\"");
            }
            '"' => {
                quoted = true;
                kind.push('"');
            }
            _ if quoted => {}
            c if c.is_ascii_digit() => {
                if !kind.ends_with('#') {
                    kind.push('#');
                }
            }
            c => kind.push(c),
        }
    }
    kind
}

/// The closing summary of an ingest, for people.
pub fn ingest_summary(report: &IngestReport) -> String {
    let (action, removed) = if report.dry_run {
        ("checked (nothing written):", "would be removed")
    } else {
        ("indexed", "removed")
    };
    let mut summary = format!(
        "{action} {} new, {} updated, {} unchanged, {} failed",
        report.added, report.updated, report.unchanged, report.failed
    );
    if report.damaged > 0 {
        summary.push_str(&format!(", {} partly unreadable", report.damaged));
    }
    if report.skipped > 0 {
        summary.push_str(&format!(", {} skipped", report.skipped));
    }
    if report.removed > 0 {
        summary.push_str(&format!(", {} {removed}", report.removed));
    }
    if report.warnings > 0 {
        summary.push_str(&format!(", {} warnings", report.warnings));
    }
    summary.push_str(&format!(
        " in {:.2} s ({:.1} MB, {:.1} MB/s)",
        report.seconds,
        report.bytes as f64 / 1e6,
        report.megabytes_per_second()
    ));
    if report.segments_merged > 0 {
        summary.push_str(&format!(
            ", {} segments merged in {:.2} s",
            report.segments_merged, report.merge_seconds
        ));
    }
    if !report.dry_run {
        summary.push_str(&format!("; {} articles in the index", report.documents));
    }
    summary
}

/// An article's near-duplicates, for people (nothing when it has none).
pub fn write_duplicates_human(out: &mut dyn Write, duplicates: &[String]) -> io::Result<()> {
    if duplicates.is_empty() {
        return Ok(());
    }
    writeln!(out, "near-duplicates ({}):", duplicates.len())?;
    for id in duplicates {
        writeln!(out, "  {}", visible_line(id))?;
    }
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_a_table_of_years() {
        let months = [
            ("2022-12".to_string(), 5),
            ("2023-01".to_string(), 10),
            ("2023-07".to_string(), 1),
        ];
        let table = month_table(&months);
        assert_eq!(table.len(), 2);
        assert_eq!(table[0], format!("2022 {}▄ {:>9}", " ".repeat(11), 5));
        assert!(table[1].starts_with("2023 █     ▁      "), "{table:?}");
        assert!(table[1].ends_with("       11"), "{table:?}");
    }
}

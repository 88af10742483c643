//! Output stage: hits and reports as text for people, JSON Lines for scripts, TREC run
//! lines for evaluation. Writes to any `io::Write`; knows nothing of how hits were found.

use std::io::{self, Write};
use std::ops::Range;
use std::time::Duration;

use serde::Serialize;

use crate::facets::FacetCounts;
use crate::search::{Hit, ScoreExplanation, SearchRequest, SearchResults, SortOrder};
use crate::visible::{push_visible, visible_line};

mod reports;

pub use reports::{
    ingest_summary, warning_kind, write_article_human, write_check_human, write_duplicates_human,
    write_stats_human,
};

/// How hits are shown to people.
#[derive(Debug, Clone, Copy)]
pub struct HumanStyle {
    /// ANSI colours (only on a terminal, never with `NO_COLOR`).
    pub color: bool,
    /// Whether scores mean something (not when hits are in date order).
    pub scores: bool,
}

const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";
const GREEN: &str = "\x1b[32m";
const MAGENTA: &str = "\x1b[35m";
const DIM: &str = "\x1b[2m";
const MATCH: &str = "\x1b[1;31m";

/// A hit's date, categories, author (and score): `2023-08-02 15:25 · 财经 › 国内 · 新浪`.
fn meta_line(hit: &Hit, scores: bool) -> String {
    let mut meta = Vec::new();
    if let Some(date) = hit.date {
        meta.push(date.format("%Y-%m-%d %H:%M").to_string());
    } else if let Some(date) = &hit.date_without_year {
        meta.push(format!("{} (year unknown)", visible_line(date)));
    }
    if !hit.categories.is_empty() {
        meta.push(visible_line(&hit.categories.join(" › ")).into_owned());
    }
    if let Some(author) = &hit.author {
        meta.push(visible_line(author).into_owned());
    }
    if scores {
        meta.push(format!("score {:.2}", hit.score));
    }
    meta.join(" · ")
}

/// `+3 similar: news/b.md and 2 more`, for a hit with folded tellings.
fn similar_line(duplicates: &[String]) -> Option<String> {
    let first = duplicates.first()?;
    let more = match duplicates.len() - 1 {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    Some(format!(
        "+{} similar: {}{more}",
        duplicates.len(),
        visible_line(first)
    ))
}

/// Writes hits for people: rank, title, date, categories, score, path, snippet.
pub fn write_human(out: &mut dyn Write, hits: &[Hit], style: HumanStyle) -> io::Result<()> {
    let paint = |code: &str, text: &str| {
        if style.color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    for (i, hit) in hits.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        if hit.partial && (i == 0 || !hits[i - 1].partial) {
            let line = "── not counted: articles holding only some of the words ──";
            writeln!(out, "{}\n", paint(DIM, line))?;
        }
        let title = if hit.title.trim().is_empty() {
            "(untitled)"
        } else {
            hit.title.as_str()
        };
        let title = if style.color {
            let marked = marked_text(title, &hit.title_highlights, (MATCH, RESET));
            format!("{BOLD}{marked}{RESET}")
        } else {
            marked_text(title, &hit.title_highlights, ("【", "】"))
        };
        writeln!(out, "{:>2}. {title}", hit.rank)?;
        writeln!(out, "    {}", paint(GREEN, &meta_line(hit, style.scores)))?;
        writeln!(out, "    {}", paint(MAGENTA, &visible_line(&hit.path)))?;
        let marks = if style.color {
            (MATCH, RESET)
        } else {
            ("【", "】")
        };
        if !hit.snippet.is_empty() {
            writeln!(
                out,
                "    {}",
                marked_text(&hit.snippet, &hit.highlights, marks)
            )?;
        }
        for passage in &hit.more_snippets {
            let text = marked_text(&passage.text, &passage.highlights, marks);
            writeln!(out, "    {text}")?;
        }
        if let Some(line) = similar_line(&hit.duplicates) {
            writeln!(out, "    {}", paint(DIM, &line))?;
        }
        if let Some(explanation) = &hit.explanation {
            write_explanation(out, explanation, 2)?;
        }
    }
    Ok(())
}

/// A score's parts, indented; BM25's inner arithmetic is left out (it is in `--json`).
fn write_explanation(out: &mut dyn Write, node: &ScoreExplanation, depth: usize) -> io::Result<()> {
    writeln!(
        out,
        "{:indent$}{:>8.3}  {}",
        "",
        node.score,
        visible_line(&node.what),
        indent = depth * 2
    )?;
    let is_term = node.what.contains(": ");
    if !is_term {
        for part in &node.parts {
            write_explanation(out, part, depth + 1)?;
        }
    }
    Ok(())
}

/// `text` on one line with the character ranges `highlights` between `open` and `close`,
/// control characters made visible.
fn marked_text(text: &str, highlights: &[Range<usize>], (open, close): (&str, &str)) -> String {
    let mut marked = String::with_capacity(text.len() + highlights.len() * 8);
    let mut highlights = highlights.iter().peekable();
    for (i, c) in text.chars().enumerate() {
        if highlights.peek().is_some_and(|r| r.start == i) {
            marked.push_str(open);
        }
        if c == '\n' || c == '\t' {
            marked.push(' ');
        } else {
            push_visible(&mut marked, c);
        }
        if let Some(range) = highlights.peek() {
            if range.end == i + 1 {
                marked.push_str(close);
                highlights.next();
            }
        }
    }
    marked
}

/// The JSON form of a hit (keys are stable: add, never rename).
#[derive(Serialize)]
struct JsonHit<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    query_id: Option<&'a str>,
    rank: usize,
    id: &'a str,
    path: &'a str,
    title: &'a str,
    date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_without_year: Option<&'a str>,
    categories: &'a [String],
    author: Option<&'a str>,
    editor: Option<&'a str>,
    score: f32,
    snippet: &'a str,
    highlights: Vec<[usize; 2]>,
    title_highlights: Vec<[usize; 2]>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    snippets: Vec<JsonPassage<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<&'a ScoreExplanation>,
    duplicates: &'a [String],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    partial: bool,
}

/// One passage of `--snippets N` in JSON.
#[derive(Serialize)]
struct JsonPassage<'a> {
    text: &'a str,
    highlights: Vec<[usize; 2]>,
}

fn ranges(ranges: &[Range<usize>]) -> Vec<[usize; 2]> {
    ranges.iter().map(|r| [r.start, r.end]).collect()
}

/// One hit as `query --json` writes it (and the HTTP API returns it); with `query_id`
/// (batch runs) it carries the id first.
pub fn json_hit<'a>(hit: &'a Hit, query_id: Option<&'a str>) -> impl Serialize + 'a {
    JsonHit {
        query_id,
        rank: hit.rank,
        id: &hit.id,
        path: &hit.path,
        title: &hit.title,
        date: hit.date.map(|d| d.to_rfc3339()),
        date_without_year: hit.date_without_year.as_deref(),
        categories: &hit.categories,
        author: hit.author.as_deref(),
        editor: hit.editor.as_deref(),
        score: hit.score,
        snippet: &hit.snippet,
        highlights: ranges(&hit.highlights),
        title_highlights: ranges(&hit.title_highlights),
        snippets: if hit.more_snippets.is_empty() {
            Vec::new()
        } else {
            let first = JsonPassage {
                text: &hit.snippet,
                highlights: ranges(&hit.highlights),
            };
            let more = hit.more_snippets.iter().map(|p| JsonPassage {
                text: &p.text,
                highlights: ranges(&p.highlights),
            });
            std::iter::once(first).chain(more).collect()
        },
        explanation: hit.explanation.as_ref(),
        duplicates: &hit.duplicates,
        partial: hit.partial,
    }
}

/// Writes one JSON object per hit per line; with `query_id` (batch runs) each object
/// carries it first.
pub fn write_json(out: &mut dyn Write, query_id: Option<&str>, hits: &[Hit]) -> io::Result<()> {
    for hit in hits {
        serde_json::to_writer(&mut *out, &json_hit(hit, query_id))?;
        writeln!(out)?;
    }
    Ok(())
}

/// The closing line of `query --json`: what the hits are part of.
#[derive(Debug, Clone, Serialize)]
pub struct QuerySummary {
    /// Articles matching in all.
    pub total: usize,
    /// Hits skipped (`--offset`).
    pub offset: usize,
    /// Hits asked for (`--limit`).
    pub limit: usize,
    /// Hits printed.
    pub returned: usize,
    /// `relevance`, `date` (oldest first) or `-date` (newest first).
    pub order: &'static str,
    /// Time of the search, snippets included, in milliseconds.
    pub took_ms: f64,
    /// The matching strategy: `all` parts required (with those dropped when no article held
    /// them all) or `any` word (questions).
    pub matching: crate::search::strategy::MatchingReport,
}

impl QuerySummary {
    /// The summary of `results`, found for `request` in `took`.
    pub fn new(request: &SearchRequest, results: &SearchResults, took: Duration) -> QuerySummary {
        QuerySummary {
            total: results.total.unwrap_or(results.hits.len()),
            offset: request.offset,
            limit: request.limit,
            returned: results.hits.len(),
            order: match results.order {
                SortOrder::Relevance => "relevance",
                SortOrder::Date => "date",
                SortOrder::DateDescending => "-date",
            },
            took_ms: took.as_secs_f64() * 1e3,
            matching: results.matching.clone(),
        }
    }
}

/// Writes `{"summary": {…}}` on one line.
pub fn write_summary_json(out: &mut dyn Write, summary: &QuerySummary) -> io::Result<()> {
    #[derive(Serialize)]
    struct Line<'a> {
        summary: &'a QuerySummary,
    }
    serde_json::to_writer(&mut *out, &Line { summary })?;
    writeln!(out)
}

/// `11–13 of 3,049 matching articles` (or `3,049 matching articles` with no hits shown;
/// `no matching articles` when nothing matches).
pub fn count_line(offset: usize, shown: usize, total: usize) -> String {
    if total == 0 {
        return "no matching articles".to_string();
    }
    match shown {
        0 => format!("{} matching articles", thousands(total)),
        1 => format!(
            "{} of {} matching articles",
            thousands(offset + 1),
            thousands(total)
        ),
        _ => format!(
            "{}–{} of {} matching articles",
            thousands(offset + 1),
            thousands(offset + shown),
            thousands(total)
        ),
    }
}

/// `3049` → `3,049`.
pub fn thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// Writes TREC run lines: `qid Q0 docid rank score sousuo`.
pub fn write_trec(out: &mut dyn Write, query_id: &str, hits: &[Hit]) -> io::Result<()> {
    for hit in hits {
        writeln!(
            out,
            "{} Q0 {} {} {:.6} sousuo",
            trec_field(query_id),
            trec_field(&hit.id),
            hit.rank,
            hit.score
        )?;
    }
    Ok(())
}

/// TREC run lines are split on whitespace and ended by newlines: in ids, `%`, whitespace
/// and control characters are percent-encoded (`a b` → `a%20b`, a tab `%09`, NUL `%00`).
fn trec_field(id: &str) -> String {
    let mut escaped = String::with_capacity(id.len());
    for c in id.chars() {
        if c == '%' || c.is_whitespace() || c.is_control() {
            let mut bytes = [0; 4];
            for byte in c.encode_utf8(&mut bytes).bytes() {
                escaped.push_str(&format!("%{byte:02X}"));
            }
        } else {
            escaped.push(c);
        }
    }
    escaped
}

/// Facet counts for people, after the hits (a field with no values is left out).
pub fn write_facets_human(out: &mut dyn Write, facets: &FacetCounts) -> io::Result<()> {
    writeln!(out)?;
    for (name, counts) in [
        ("categories", &facets.categories),
        ("tags", &facets.tags),
        ("authors", &facets.authors),
    ] {
        if counts.values.is_empty() && name != "categories" {
            continue;
        }
        writeln!(out, "{name}:")?;
        for (value, count) in &counts.values {
            writeln!(out, "  {count:>7}  {}", visible_line(value))?;
        }
        if counts.more > 0 {
            writeln!(out, "  (and {} more)", counts.more)?;
        }
    }
    writeln!(out, "months:")?;
    for (month, count) in &facets.months {
        writeln!(out, "  {count:>7}  {month}")?;
    }
    if facets.undated > 0 {
        writeln!(out, "  {:>7}  (no date)", facets.undated)?;
    }
    Ok(())
}

/// Facet counts as `query --json` writes them under `facets` (and the HTTP API returns
/// them): categories, tags, authors and months with their counts, and the undated articles.
pub fn json_facets(facets: &FacetCounts) -> impl Serialize + '_ {
    #[derive(Serialize)]
    struct FacetJson<'a> {
        categories: Vec<Count<'a>>,
        tags: Vec<Count<'a>>,
        authors: Vec<Count<'a>>,
        months: Vec<Count<'a>>,
        undated: u64,
        #[serde(skip_serializing_if = "is_zero")]
        more_categories: usize,
        #[serde(skip_serializing_if = "is_zero")]
        more_tags: usize,
        #[serde(skip_serializing_if = "is_zero")]
        more_authors: usize,
    }
    fn is_zero(n: &usize) -> bool {
        *n == 0
    }
    #[derive(Serialize)]
    struct Count<'a> {
        value: &'a str,
        count: u64,
    }
    fn counts(pairs: &[(String, u64)]) -> Vec<Count<'_>> {
        pairs
            .iter()
            .map(|(value, count)| Count {
                value,
                count: *count,
            })
            .collect()
    }
    FacetJson {
        categories: counts(&facets.categories.values),
        tags: counts(&facets.tags.values),
        authors: counts(&facets.authors.values),
        months: counts(&facets.months),
        undated: facets.undated,
        more_categories: facets.categories.more,
        more_tags: facets.tags.more,
        more_authors: facets.authors.more,
    }
}

/// Facet counts as the final JSON line of a query: `{"facets": {...}}`.
pub fn write_facets_json(out: &mut dyn Write, facets: &FacetCounts) -> io::Result<()> {
    serde_json::to_writer(
        &mut *out,
        &serde_json::json!({ "facets": json_facets(facets) }),
    )?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit() -> Hit {
        Hit {
            rank: 1,
            score: 3.5,
            id: "a b.md".into(),
            path: "data/a b.md".into(),
            title: "算力标题".into(),
            date: None,
            date_without_year: None,
            categories: vec!["金融".into()],
            author: None,
            editor: Some("郭建".into()),
            snippet: "中国算力规模".into(),
            highlights: std::iter::once(2..4).collect(),
            title_highlights: std::iter::once(0..2).collect(),
            more_snippets: Vec::new(),
            explanation: None,
            duplicates: vec!["b.md".into(), "c.md".into()],
            partial: false,
        }
    }

    #[test]
    fn human_output_marks_highlights_without_colour() {
        let mut out = Vec::new();
        let style = HumanStyle {
            color: false,
            scores: false,
        };
        write_human(&mut out, &[hit()], style).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("中国【算力】规模"), "{text}");
        assert!(
            text.contains("1. 【算力】标题"),
            "the title is marked too: {text}"
        );
        assert!(!text.contains("score"), "no scores in date order: {text}");
        assert!(text.contains("+2 similar: b.md and 1 more"), "{text}");
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn counts_say_which_hits_of_how_many() {
        assert_eq!(count_line(10, 3, 3049), "11–13 of 3,049 matching articles");
        assert_eq!(count_line(0, 0, 1_234_567), "1,234,567 matching articles");
        assert_eq!(count_line(4, 1, 56), "5 of 56 matching articles");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn json_lines_have_the_documented_keys() {
        let mut out = Vec::new();
        write_json(&mut out, None, &[hit()]).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert!(value.get("query_id").is_none());
        for key in [
            "id",
            "path",
            "title",
            "date",
            "categories",
            "author",
            "editor",
            "score",
            "snippet",
            "highlights",
            "title_highlights",
            "duplicates",
        ] {
            assert!(value.get(key).is_some(), "missing {key}");
        }
        assert_eq!(value["highlights"], serde_json::json!([[2, 4]]));
        assert_eq!(value["duplicates"], serde_json::json!(["b.md", "c.md"]));
        assert!(value["date"].is_null());
    }

    #[test]
    fn trec_ids_have_no_spaces() {
        let mut out = Vec::new();
        write_trec(&mut out, "q1", &[hit()]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "q1 Q0 a%20b.md 1 3.500000 sousuo\n"
        );
        let mut out = Vec::new();
        write_trec(&mut out, "q\t1\n2\0%", &[hit()]).unwrap();
        assert!(
            String::from_utf8(out)
                .unwrap()
                .starts_with("q%091%0A2%00%25 Q0 "),
            "control characters and % in a query id are percent-encoded"
        );
    }
}

//! `sousuo query`: one query (hits for people, JSON, paths, ids, a count, a translation for
//! another engine) or a batch of them.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;

use sousuo::batch::BatchReader;
use sousuo::output::{self, HumanStyle, QuerySummary};
use sousuo::search::{
    ArticleSearcher, Hit, SearchRequest, SearchResults, SortOrder, DEFAULT_LIMIT,
};
use sousuo::visible::visible_line;

use super::{settled_searcher, shorten_paths, use_color, EXIT_OK, EXIT_PARTIAL};
use crate::cli::options::search_request;
use crate::cli::QueryArgs;

/// Lists name the matching articles only, not a keyword query's partial matches. Piped,
/// the names are written as they are (for `xargs`, `get`, `cat`), each ended by a newline
/// or with -0 a NUL; on a terminal, control and bidi characters are shown escaped (as `ls`
/// does).
fn write_list(out: &mut impl Write, hits: &[Hit], ids: bool, null: bool) -> io::Result<()> {
    let terminal = io::stdout().is_terminal();
    let end = if null { '\0' } else { '\n' };
    for hit in hits.iter().filter(|hit| !hit.partial) {
        let name = if ids { &hit.id } else { &hit.path };
        if terminal {
            write!(out, "{}{end}", visible_line(name))?;
        } else {
            write!(out, "{name}{end}")?;
        }
    }
    Ok(())
}

/// Warnings and how the query was matched, on stderr (for every output but JSON, whose
/// summary carries them): a count or a list on stdout stays clean for scripts.
fn warn_about(results: &SearchResults) {
    for warning in &results.matching.unknown_values {
        eprintln!("warning: {}", visible_line(warning));
    }
    let notes = [
        results.matching.read_as_text_note(),
        results.matching.relaxed_note(),
        results.matching.ignored_note(),
        results.matching.suggestion_note(),
    ];
    for note in notes.into_iter().flatten() {
        eprintln!("sousuo: {}", visible_line(&note));
    }
}

/// What people see on stderr after the hits: warnings, how the query was matched, and the
/// count — for no hits while an ingest writes to the index (its first build, or a cron
/// ingest), that what it reads is not searchable yet.
fn tell_about(results: &SearchResults, offset: usize, index: &Path) {
    warn_about(results);
    let total = results.total.unwrap_or(results.hits.len());
    if total == 0 && results.hits.is_empty() {
        if sousuo::index::ingest_running(index) {
            eprintln!(
                "no hits (an ingest is writing to this index: what it reads is searchable \
                 from its next commit)"
            );
        } else {
            eprintln!("no hits");
        }
    } else {
        let partial = results.hits.iter().filter(|hit| hit.partial).count();
        let shown = results.hits.len() - partial;
        let mut line = output::count_line(offset, shown, total);
        if partial > 0 {
            line.push_str(&format!(", then {partial} holding only some of the words"));
        }
        eprintln!("{line}");
    }
}

pub(crate) fn run_query(args: QueryArgs) -> anyhow::Result<u8> {
    let searcher = settled_searcher(&args.index, &args.settings)?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let listing = args.files_with_matches || args.ids;
    if let Some(batch) = &args.batch {
        let limit = args.limit.unwrap_or(DEFAULT_LIMIT);
        return run_batch(&searcher, batch, limit, args.json, &mut out);
    }
    let request = search_request(&args);
    if let Some(engine) = args.for_engine {
        return super::handoff::print_translation(&searcher, &request, engine, args.json);
    }
    let started = Instant::now();
    let mut results = searcher.search(&request)?;
    let took = started.elapsed();
    shorten_paths(&mut results.hits);
    let total = results.total.unwrap_or(results.hits.len());
    if args.count {
        writeln!(out, "{total}")?;
        warn_about(&results);
    } else if listing {
        write_list(&mut out, &results.hits, args.ids, args.null)?;
        warn_about(&results);
    } else if args.json {
        output::write_json(&mut out, None, &results.hits)?;
        if let Some(facets) = &results.facets {
            output::write_facets_json(&mut out, facets)?;
        }
        let summary = QuerySummary::new(&request, &results, took);
        output::write_summary_json(&mut out, &summary)?;
    } else {
        let style = HumanStyle {
            color: use_color(args.color),
            scores: results.order == SortOrder::Relevance,
        };
        output::write_human(&mut out, &results.hits, style)?;
        if let Some(facets) = &results.facets {
            output::write_facets_human(&mut out, facets)?;
        }
        // The hits first, then the count, also when both go to one terminal.
        out.flush()?;
        tell_about(&results, request.offset, searcher.index().dir());
    }
    out.flush()?;
    Ok(if total == 0 { EXIT_PARTIAL } else { EXIT_OK })
}

fn run_batch(
    searcher: &ArticleSearcher,
    path: &Path,
    limit: usize,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let mut bad_lines = 0;
    let mut latencies = Vec::new();
    for item in BatchReader::new(io::BufReader::new(file)) {
        let (number, query) = item.with_context(|| format!("{}", path.display()))?;
        let query = match query {
            Ok(query) => query,
            Err(reason) => {
                eprintln!("error: {}:{number}: {reason}", path.display());
                bad_lines += 1;
                continue;
            }
        };
        let mut request = SearchRequest::new(query.text);
        request.limit = limit;
        // Runs are judged per article: every article is ranked, none folded.
        request.fold = false;
        request.output.with_documents = json;
        let started = Instant::now();
        let searched = searcher.search(&request);
        latencies.push(started.elapsed());
        match searched {
            Ok(results) if json => output::write_json(out, Some(&query.id), &results.hits)?,
            Ok(results) => output::write_trec(out, &query.id, &results.hits)?,
            Err(err) => {
                eprintln!("error: {}:{number}: {err}", path.display());
                bad_lines += 1;
            }
        }
    }
    out.flush()?;
    eprintln!("{}", latency_summary(&mut latencies));
    Ok(if bad_lines > 0 { EXIT_PARTIAL } else { EXIT_OK })
}

/// `N queries, latency p50 … p95 … p99 … max … ms` (each query's search, snippets and
/// stored fields; not the output).
fn latency_summary(latencies: &mut [Duration]) -> String {
    if latencies.is_empty() {
        return "0 queries".to_string();
    }
    latencies.sort();
    let at = |fraction: f64| {
        let index = ((latencies.len() - 1) as f64 * fraction).round() as usize;
        latencies[index].as_secs_f64() * 1e3
    };
    format!(
        "{} queries, latency p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        latencies.len(),
        at(0.50),
        at(0.95),
        at(0.99),
        at(1.0)
    )
}

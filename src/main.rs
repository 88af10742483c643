//! The `sousuo` binary: arguments in, library calls, output and exit code out. The only
//! place that prints or exits.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use sousuo::batch::BatchReader;
use sousuo::check::{check, repair};
use sousuo::index::{SearchIndex, WriterLock};
use sousuo::output::{self, HumanStyle, QuerySummary};
use sousuo::search::{ArticleSearcher, SearchRequest, SearchSettings, SortOrder, DEFAULT_LIMIT};
use sousuo::signature::LANES;
use sousuo::source::read_ingested;
use sousuo::stats::index_stats;
use sousuo::visible::visible_line;

mod cli;
mod commands;

/// Segmentation allocates a string per token; mimalloc's thread-local pools are much cheaper
/// for that than the system allocator (measured in BENCHMARKS.md).
#[global_allocator]
static GLOBAL: sousuo::memory::Guarded<mimalloc::MiMalloc> =
    sousuo::memory::Guarded(mimalloc::MiMalloc);

use cli::argv::query_words_last;
use cli::options::{index_dir, search_request};
use cli::{
    CheckArgs, Cli, ColorChoice, Command, GetArgs, IndexArgs, QueryArgs, SettingsArgs, SimilarArgs,
    StatsArgs,
};

/// The most `get --raw` reads of a source file.
const RAW_MAX_BYTES: u64 = 1 << 30;

/// Exit code for success (query: hits found).
pub(crate) const EXIT_OK: u8 = 0;
/// Exit code for a partial result (ingest: some files failed; query: no hits).
pub(crate) const EXIT_PARTIAL: u8 = 1;
/// Exit code for a fatal error.
pub(crate) const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    sousuo::memory::install_panic_hook();
    let cli = Cli::parse_from(query_words_last(std::env::args_os().collect()));
    let result = match cli.command {
        Command::Ingest(args) => commands::ingest::run(args),
        Command::Query(args) => run_query(args),
        Command::Stats(args) => run_stats(args),
        Command::Get(args) => run_get(args),
        Command::Similar(args) => run_similar(args),
        Command::Export(args) => commands::handoff::run_export(args),
        Command::Analyze(args) => commands::handoff::run_analyze(args),
        Command::Check(args) => run_check(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Saved(command) => commands::saved::run(command),
        Command::Completions(args) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            // Written whole, then copied out: a closed pipe (`| head -1`) is an error to
            // handle here, not a panic inside the generator.
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut command, "sousuo", &mut script);
            io::stdout()
                .lock()
                .write_all(&script)
                .map(|()| EXIT_OK)
                .map_err(anyhow::Error::from)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) if is_broken_pipe(&err) => ExitCode::from(EXIT_OK),
        Err(err) => {
            eprintln!("error: {}", visible_line(&error_message(&err)));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// `error: PATH: message` (or `warning: …`) on stderr, control characters made visible.
pub(crate) fn diagnose(kind: &str, path: &Path, message: &str) {
    let line = format!("{}: {message}", path.display());
    eprintln!("{kind}: {}", visible_line(&line));
}

/// The error and its causes on one line, each said once: a cause whose text the message
/// already holds is not repeated (a library error names its cause in its own message).
fn error_message(err: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run_query(args: QueryArgs) -> anyhow::Result<u8> {
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
        return commands::handoff::print_translation(&searcher, &request, engine, args.json);
    }
    let started = Instant::now();
    let mut results = searcher.search(&request)?;
    let took = started.elapsed();
    shorten_paths(&mut results.hits);
    let total = results.total.unwrap_or(results.hits.len());
    if args.count {
        writeln!(out, "{total}")?;
    } else if listing {
        // Lists name the matching articles only, not a keyword query's partial matches.
        // Piped, the names are written as they are (for `xargs`, `get`, `cat`), each ended
        // by a newline or with -0 a NUL; on a terminal, control and bidi characters are
        // shown escaped (as `ls` does).
        let terminal = io::stdout().is_terminal();
        let end = if args.null { '\0' } else { '\n' };
        for hit in results.hits.iter().filter(|hit| !hit.partial) {
            let name = if args.ids { &hit.id } else { &hit.path };
            if terminal {
                write!(out, "{}{end}", visible_line(name))?;
            } else {
                write!(out, "{name}{end}")?;
            }
        }
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
        for warning in &results.matching.unknown_values {
            eprintln!("warning: {}", visible_line(warning));
        }
        let notes = [
            results.matching.relaxed_note(),
            results.matching.ignored_note(),
            results.matching.suggestion_note(),
        ];
        for note in notes.into_iter().flatten() {
            eprintln!("sousuo: {}", visible_line(&note));
        }
        if total == 0 && results.hits.is_empty() {
            eprintln!("no hits");
        } else {
            let partial = results.hits.iter().filter(|hit| hit.partial).count();
            let shown = results.hits.len() - partial;
            let mut line = output::count_line(request.offset, shown, total);
            if partial > 0 {
                line.push_str(&format!(", then {partial} holding only some of the words"));
            }
            eprintln!("{line}");
        }
    }
    out.flush()?;
    Ok(if total == 0 { EXIT_PARTIAL } else { EXIT_OK })
}

/// The index keeps absolute paths; people and scripts get them relative to the current
/// folder when they lie under it (`data/…`), so they open from here and from anywhere.
fn shown_path(path: &str) -> String {
    let relative = std::env::current_dir().ok().and_then(|cwd| {
        Path::new(path)
            .strip_prefix(cwd)
            .ok()
            .map(Path::to_path_buf)
    });
    match relative {
        Some(relative) if !relative.as_os_str().is_empty() => relative.display().to_string(),
        _ => path.to_string(),
    }
}

fn shorten_paths(hits: &mut [sousuo::search::Hit]) {
    for hit in hits {
        hit.path = shown_path(&hit.path);
    }
}

/// Colour on a terminal unless `NO_COLOR` is set, or as `--color` says.
fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// The searcher of `index` with the process's search settings (ranking, synonyms).
pub(crate) fn settled_searcher(
    index: &IndexArgs,
    settings: &SettingsArgs,
) -> anyhow::Result<ArticleSearcher> {
    let settings = SearchSettings::resolve(settings.synonyms.as_deref())?;
    Ok(settings.apply(open_searcher(index)?))
}

pub(crate) fn open_searcher(args: &IndexArgs) -> anyhow::Result<ArticleSearcher> {
    let searcher = ArticleSearcher::new(SearchIndex::open(&index_dir(args))?)?;
    for damage in searcher.damage() {
        eprintln!(
            "warning: {}: {}; rankings may be off until `sousuo check --repair` and an ingest",
            searcher.index().dir().display(),
            visible_line(&damage.to_string())
        );
    }
    Ok(searcher)
}

fn run_stats(args: StatsArgs) -> anyhow::Result<u8> {
    let searcher = open_searcher(&args.index)?;
    let mut out = BufWriter::new(io::stdout().lock());
    if args.duplicates {
        for (a, b, agreement) in searcher.near_duplicates()?.pairs {
            let similarity = agreement as f64 / LANES as f64;
            if args.json {
                let pair = serde_json::json!({ "a": a, "b": b, "similarity": similarity });
                serde_json::to_writer(&mut out, &pair)?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "{}\t{}\t{similarity:.2}",
                    visible_line(&a),
                    visible_line(&b)
                )?;
            }
        }
        out.flush()?;
        return Ok(EXIT_OK);
    }
    let stats = index_stats(&searcher, args.top)?;
    if args.json {
        serde_json::to_writer(&mut out, &stats)?;
        writeln!(out)?;
    } else {
        output::write_stats_human(&mut out, &stats)?;
    }
    out.flush()?;
    Ok(EXIT_OK)
}

fn run_get(args: GetArgs) -> anyhow::Result<u8> {
    let searcher = open_searcher(&args.index)?;
    let Some(mut article) = searcher.get(&args.id)? else {
        eprintln!("no article with id {:?}", args.id);
        return Ok(EXIT_PARTIAL);
    };
    let mut out = BufWriter::new(io::stdout().lock());
    if args.raw {
        let source = searcher
            .source_record(&article.id)?
            .context("the article disappeared while it was read")?;
        let raw = read_ingested(&source.root, &source.id, source.content_hash, RAW_MAX_BYTES)?;
        out.write_all(&raw)?;
    } else {
        article.path = shown_path(&article.path);
        let duplicates = searcher.duplicates(&article.id)?.unwrap_or_default();
        if args.json {
            let mut value = serde_json::to_value(&article)?;
            value["duplicates"] = serde_json::json!(duplicates);
            serde_json::to_writer(&mut out, &value)?;
            writeln!(out)?;
        } else {
            output::write_article_human(&mut out, &article)?;
            output::write_duplicates_human(&mut out, &duplicates)?;
        }
    }
    out.flush()?;
    Ok(EXIT_OK)
}

fn run_similar(args: SimilarArgs) -> anyhow::Result<u8> {
    let searcher = settled_searcher(&args.index, &args.settings)?;
    let Some(mut results) = searcher.similar(&args.id, args.limit)? else {
        eprintln!("no article with id {:?}", args.id);
        return Ok(EXIT_PARTIAL);
    };
    shorten_paths(&mut results.hits);
    let duplicates = searcher.duplicates(&args.id)?.unwrap_or_default();
    let mut out = BufWriter::new(io::stdout().lock());
    if args.json {
        output::write_json(&mut out, None, &results.hits)?;
        serde_json::to_writer(&mut out, &serde_json::json!({ "duplicates": duplicates }))?;
        writeln!(out)?;
    } else {
        output::write_duplicates_human(&mut out, &duplicates)?;
        let color = use_color(args.color);
        let style = HumanStyle {
            color,
            scores: true,
        };
        output::write_human(&mut out, &results.hits, style)?;
    }
    out.flush()?;
    Ok(if results.hits.is_empty() {
        EXIT_PARTIAL
    } else {
        EXIT_OK
    })
}

fn run_check(args: CheckArgs) -> anyhow::Result<u8> {
    let _lock = args
        .repair
        .then(|| WriterLock::acquire(&index_dir(&args.index)))
        .transpose()?;
    let index = SearchIndex::open(&index_dir(&args.index))?;
    let mut report = check(&index)?;
    let sound = report.is_sound();
    if args.repair && !sound {
        repair(&index, &mut report)?;
    }
    let mut out = BufWriter::new(io::stdout().lock());
    if args.json {
        serde_json::to_writer(&mut out, &report)?;
        writeln!(out)?;
    } else {
        output::write_check_human(&mut out, &report)?;
    }
    out.flush()?;
    Ok(if sound || !report.repaired.is_empty() {
        EXIT_OK
    } else {
        EXIT_PARTIAL
    })
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

//! The hand-off to another engine: `export`, `analyze`, and `query --for`.

use std::io::{self, BufWriter, Write};

use sousuo::export::{export, DateFallback, ExportFormat, ExportOptions, ExportSink};
use sousuo::search::SearchRequest;
use sousuo::text::Analyzer;
use sousuo::translate::Engine;

use super::{open_searcher, EXIT_OK};
use crate::cli::options::index_dir;
use crate::cli::{AnalyzeArgs, DateFallbackArg, EngineArg, ExportArgs, ExportFormatArg};

pub fn run_export(args: ExportArgs) -> anyhow::Result<u8> {
    let searcher = open_searcher(&args.index)?;
    let options = ExportOptions {
        query: args.query.as_deref(),
        format: match args.format {
            ExportFormatArg::Ndjson => ExportFormat::Ndjson,
            ExportFormatArg::OpensearchBulk => ExportFormat::OpenSearchBulk,
        },
        date_fallback: args.date_fallback.map(|fallback| match fallback {
            DateFallbackArg::Ingest => DateFallback::Ingest,
            DateFallbackArg::Epoch => DateFallback::Epoch,
        }),
    };
    let report = match &args.out {
        Some(dir) => {
            let sink = ExportSink::Chunks {
                dir: dir.clone(),
                max_bytes: args.chunk_bytes.unwrap_or(u64::MAX),
                replace: args.force,
            };
            export(&searcher, options, sink)?
        }
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            export(&searcher, options, ExportSink::Stream(&mut out))?
        }
    };
    let mut summary = format!("exported {} articles", report.articles);
    if !report.files.is_empty() {
        summary.push_str(&format!(" in {} files", report.files.len()));
    }
    if options.date_fallback.is_some() {
        summary.push_str(&format!(
            "; {} undated ones given the fallback date",
            report.dated_by_fallback
        ));
    }
    eprintln!("{summary}");
    Ok(EXIT_OK)
}

pub fn run_analyze(args: AnalyzeArgs) -> anyhow::Result<u8> {
    let dir = index_dir(&args.index);
    // With no index named and none in the current folder, the text is analyzed as a new
    // index would analyze it (as Elasticsearch's `_analyze` needs no index).
    let analyzer = if args.index.index.is_none() && !dir.exists() {
        eprintln!(
            "sousuo: no index at {}: analyzed with jieba's dictionary alone (an index's --dict \
             words would be added)",
            dir.display()
        );
        Analyzer::default()
    } else {
        open_searcher(&args.index)?.index().analyzer().clone()
    };
    let text = args.text.join(" ");
    let (words, sub_words) = analyzer.indexed_terms(&text);
    // As a keyword query reads the text: terms written together kept whole (`p2p`, 消费券).
    let query_words = sousuo::search::matching::query_words(&analyzer, &text);
    let mut out = BufWriter::new(io::stdout().lock());
    if args.json {
        let value = serde_json::json!({
            "words": words,
            "sub_words": sub_words,
            "query_words": query_words,
        });
        serde_json::to_writer(&mut out, &value)?;
        writeln!(out)?;
    } else {
        writeln!(out, "words:       {}", words.join(" "))?;
        writeln!(out, "sub-words:   {}", sub_words.join(" "))?;
        writeln!(out, "query words: {}", query_words.join(" "))?;
    }
    out.flush()?;
    Ok(EXIT_OK)
}

/// `query --for ENGINE`: the translated request instead of hits.
pub fn print_translation(
    searcher: &sousuo::search::ArticleSearcher,
    request: &SearchRequest,
    engine: EngineArg,
    json: bool,
) -> anyhow::Result<u8> {
    let engine = match engine {
        EngineArg::Quickwit => Engine::Quickwit,
        EngineArg::Opensearch => Engine::OpenSearch,
    };
    let translation = searcher.translate(request, engine)?;
    let mut out = BufWriter::new(io::stdout().lock());
    if json {
        serde_json::to_writer(&mut out, &translation.body)?;
        writeln!(out)?;
    } else {
        if let Some(text) = &translation.query_string {
            writeln!(out, "query string:\n{text}\n")?;
            writeln!(out, "request body (POST /api/v1/INDEX/search):")?;
        } else {
            writeln!(out, "request body (POST /INDEX/_search):")?;
        }
        serde_json::to_writer_pretty(&mut out, &translation.body)?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(EXIT_OK)
}

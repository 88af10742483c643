//! The commands that read an index: `stats`, `get`, `similar`, `check`.

use std::io::{self, BufWriter, Write};

use anyhow::Context;

use sousuo::check::{check, repair};
use sousuo::index::{SearchIndex, WriterLock};
use sousuo::output::{self, HumanStyle};
use sousuo::signature::LANES;
use sousuo::source::read_ingested;
use sousuo::stats::index_stats;
use sousuo::visible::visible_line;

use super::{
    open_searcher, settled_searcher, shorten_paths, shown_path, use_color, EXIT_OK, EXIT_PARTIAL,
};
use crate::cli::options::index_dir;
use crate::cli::{CheckArgs, GetArgs, SimilarArgs, StatsArgs};

/// The most `get --raw` reads of a source file.
const RAW_MAX_BYTES: u64 = 1 << 30;

pub(crate) fn run_stats(args: StatsArgs) -> anyhow::Result<u8> {
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

pub(crate) fn run_get(args: GetArgs) -> anyhow::Result<u8> {
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

pub(crate) fn run_similar(args: SimilarArgs) -> anyhow::Result<u8> {
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

pub(crate) fn run_check(args: CheckArgs) -> anyhow::Result<u8> {
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

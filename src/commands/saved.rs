//! `sousuo saved add|list|rm|run`.

use std::io::{self, BufWriter, Write};

use sousuo::output::{self, HumanStyle};
use sousuo::saved::{SavedSearch, SavedSearches};
use sousuo::visible::visible_line;

use super::{open_searcher, settled_searcher, EXIT_ERROR, EXIT_OK, EXIT_PARTIAL};
use crate::cli::options::index_dir;
use crate::cli::{SavedAddArgs, SavedCommand, SavedRunArgs};

pub fn run(command: SavedCommand) -> anyhow::Result<u8> {
    let mut out = BufWriter::new(io::stdout().lock());
    match command {
        SavedCommand::Add(args) => add(args)?,
        SavedCommand::List(args) => {
            for search in &SavedSearches::read(&index_dir(&args.index))? {
                if args.json {
                    serde_json::to_writer(&mut out, search)?;
                    writeln!(out)?;
                } else {
                    writeln!(out, "{}\t{}", search.name, search.query)?;
                }
            }
        }
        SavedCommand::Rm(args) => {
            let mut saved = SavedSearches::open(&index_dir(&args.index))?;
            if !saved.remove(&args.name)? {
                anyhow::bail!("no saved search is called {:?}", args.name);
            }
        }
        SavedCommand::Run(args) => return run_saved(args, &mut out),
    }
    out.flush()?;
    Ok(EXIT_OK)
}

fn add(args: SavedAddArgs) -> anyhow::Result<()> {
    let searcher = open_searcher(&args.index)?;
    let mut saved = SavedSearches::open(&index_dir(&args.index))?;
    let search = SavedSearch {
        name: args.name.clone(),
        query: args.query.join(" "),
        categories: args.filters.category,
        authors: args.filters.author,
        tags: args.filters.tag,
        since: args.filters.since,
        until: args.filters.until,
        watermark: None,
    };
    saved.add(&searcher, search)?;
    eprintln!(
        "saved {:?}: `sousuo saved run {}` prints what arrives from now on",
        args.name, args.name
    );
    Ok(())
}

/// Runs the saved searches and prints what is new to each: exit 0 when something is, 1
/// when nothing is, 2 when a search failed (the others still ran).
fn run_saved(args: SavedRunArgs, out: &mut impl Write) -> anyhow::Result<u8> {
    // The lock first: a run that started later cannot have moved a watermark past what
    // this searcher holds.
    let mut saved = SavedSearches::open(&index_dir(&args.index))?;
    let searcher = settled_searcher(&args.index, &args.settings)?;
    let ran = saved.run(&searcher, &args.names, args.limit)?;
    let mut any = false;
    let mut failed = false;
    for (search, results) in &ran {
        let results = match results {
            Ok(results) => results,
            Err(error) => {
                out.flush()?;
                let error = error.to_string();
                let error = visible_line(&error);
                eprintln!("error: saved search {:?}: {error}", search.name);
                failed = true;
                continue;
            }
        };
        let new = results.total.unwrap_or(results.hits.len());
        any |= new > 0;
        if args.json {
            output::write_json(&mut *out, None, &results.hits)?;
            let line = serde_json::json!({ "saved": { "name": search.name, "new": new } });
            serde_json::to_writer(&mut *out, &line)?;
            writeln!(out)?;
        } else {
            writeln!(out, "== {}: {new} new", search.name)?;
            let style = HumanStyle {
                color: false,
                scores: true,
            };
            output::write_human(&mut *out, &results.hits, style)?;
        }
    }
    out.flush()?;
    Ok(if failed {
        EXIT_ERROR
    } else if any {
        EXIT_OK
    } else {
        EXIT_PARTIAL
    })
}

//! `sousuo ingest`: the ingest with progress and warnings on a terminal, its summary,
//! and `--watch`.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use sousuo::ingest::{ingest, FileOutcome, IngestEvent, Round};
use sousuo::output;
use sousuo::visible::visible_line;

use super::{diagnose, EXIT_OK, EXIT_PARTIAL};
use crate::cli::options::ingest_options;
use crate::cli::warnings::{WarningDetail, WarningLog};
use crate::cli::IngestArgs;

pub fn run(args: IngestArgs) -> anyhow::Result<u8> {
    let options = ingest_options(&args)?;
    let stop = stop_on_ctrl_c()?;
    let detail = if args.quiet {
        WarningDetail::None
    } else if args.verbose {
        WarningDetail::All
    } else {
        WarningDetail::Examples(3)
    };
    let mut display = IngestDisplay::new(args.quiet, detail);
    let report = ingest(&options, &stop, &mut |event| display.show(event))?;
    display.finish();
    let found = report.added + report.updated + report.unchanged + report.failed + report.skipped;
    if found == 0 {
        let roots: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        eprintln!(
            "warning: no posts under {} (sousuo reads .md, .markdown, .html and .htm files)",
            visible_line(&roots.join(", "))
        );
    }
    let interrupted = stop.load(Ordering::SeqCst);
    if interrupted {
        eprintln!("interrupted: committed the articles handled so far");
    }
    show_index_problems(&report);
    for root in &report.not_pruned {
        let why = "was not walked completely; --prune removed nothing under it";
        diagnose("warning", Path::new(root), why);
    }
    if args.json {
        let mut stdout = io::stdout().lock();
        serde_json::to_writer(&mut stdout, &report)?;
        writeln!(stdout)?;
    }
    if !args.quiet {
        eprintln!("{}", output::ingest_summary(&report));
    }
    let partial = report.failed > 0 || report.damaged > 0 || found == 0 || interrupted;
    if args.watch && !interrupted {
        let on_event = &mut |event: &IngestEvent| display.show(event);
        return follow(&options, &stop, on_event, &|| {}, (args.json, args.quiet));
    }
    Ok(if partial { EXIT_PARTIAL } else { EXIT_OK })
}

/// `ingest --watch` after the first ingest: a line per round that changed something (JSON
/// with --json), until Ctrl-C. `committed` is called after each round that committed.
pub(crate) fn follow(
    options: &sousuo::ingest::IngestOptions,
    stop: &AtomicBool,
    on_event: &mut dyn FnMut(&IngestEvent),
    committed: &dyn Fn(),
    (json, quiet): (bool, bool),
) -> anyhow::Result<u8> {
    if !quiet {
        eprintln!("watching for changes (Ctrl-C stops)");
    }
    let mut on_round = |round: Round<'_>| {
        let report = match round {
            Round::Done(report) => report,
            Round::Failed { error, retry_in } => {
                eprintln!(
                    "warning: {}; trying again in {} s (the watch goes on)",
                    visible_line(&error.to_string()),
                    retry_in.as_secs()
                );
                return;
            }
        };
        committed();
        let changed = report.added + report.updated + report.removed + report.failed > 0;
        if json && changed {
            let mut stdout = io::stdout().lock();
            let _ = serde_json::to_writer(&mut stdout, report);
            let _ = writeln!(stdout);
            let _ = stdout.flush();
        } else if changed && !quiet {
            show_index_problems(report);
            eprintln!("{}", output::ingest_summary(report));
        }
    };
    sousuo::ingest::watch(options, stop, on_event, &mut on_round)?;
    eprintln!("stopped watching: everything ingested so far is committed");
    Ok(EXIT_OK)
}

/// What went wrong with the index after the commit (merging segments, keeping the commit
/// times read): the commit stands, each is an error line (files' problems were shown as
/// they came).
fn show_index_problems(report: &sousuo::ingest::IngestReport) {
    for problem in report.problems.iter().filter(|p| p.kind == "index") {
        diagnose("error", Path::new(&problem.path), &problem.reason);
    }
}

/// A flag the first Ctrl-C sets (the run stops and commits); a second one leaves at once.
pub(crate) fn stop_on_ctrl_c() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let installed = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            // A second Ctrl-C: leave at once; the index keeps its last commit.
            std::process::exit(130);
        }
    });
    installed.context("installing the Ctrl-C handler")?;
    Ok(stop)
}

/// What ingest shows while it runs: progress, errors, warnings by kind.
pub(crate) struct IngestDisplay {
    progress: ProgressBar,
    warnings: WarningLog,
    bytes: u64,
}

impl IngestDisplay {
    /// Progress on a terminal (none when `quiet`), warnings shown as `detail` says.
    pub(crate) fn new(quiet: bool, detail: WarningDetail) -> IngestDisplay {
        IngestDisplay {
            progress: progress_bar(quiet),
            warnings: WarningLog::new(detail),
            bytes: 0,
        }
    }

    /// Ends the progress line and prints the warnings' summary.
    pub(crate) fn finish(&mut self) {
        self.progress.finish_and_clear();
        self.warnings.summarise();
    }

    pub(crate) fn show(&mut self, event: &IngestEvent) {
        let progress = &self.progress;
        match event {
            IngestEvent::File {
                path,
                bytes,
                outcome,
                warnings,
                damage,
            } => {
                progress.inc(1);
                self.bytes += bytes;
                if progress.position().is_multiple_of(64) {
                    progress.set_message(format!("{:.1} MB", self.bytes as f64 / 1e6));
                }
                for warning in warnings {
                    if let Some(shown) = self.warnings.note(warning) {
                        progress.suspend(|| diagnose("warning", path, shown));
                    }
                }
                if let FileOutcome::Failed(error) = outcome {
                    progress.suspend(|| diagnose("error", path, &error.to_string()));
                }
                if let Some(lost) = damage {
                    progress.suspend(|| diagnose("error", path, lost));
                }
            }
            IngestEvent::WalkError { path, reason } => {
                progress.suspend(|| diagnose("error", path, reason));
            }
            IngestEvent::Skipped { path, reason, .. } => {
                if let Some(shown) = self.warnings.note(reason) {
                    progress.suspend(|| diagnose("warning", path, shown));
                }
            }
            IngestEvent::Note { path, message } => {
                progress.suspend(|| diagnose("note", path, message));
            }
            IngestEvent::Walked { files } => {
                progress.set_message(format!("of {}", output::thousands(*files)));
            }
            IngestEvent::Committing => progress.set_message("committing"),
        }
    }
}

/// A spinner with the count of files and megabytes on a terminal; nothing elsewhere or with
/// `--quiet`.
pub(crate) fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {pos} files {msg}")
            .expect("the progress template is valid"),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

//! The `sousuo` binary: parses the arguments and dispatches to a command's runner
//! (`commands/`, where output is printed); the error line and the exit code come out here.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use sousuo::visible::visible_line;

mod cli;
mod commands;

use commands::{EXIT_ERROR, EXIT_OK};

/// Segmentation allocates a string per token; mimalloc's thread-local pools are much cheaper
/// for that than the system allocator (measured in BENCHMARKS.md).
#[global_allocator]
static GLOBAL: sousuo::memory::Guarded<mimalloc::MiMalloc> =
    sousuo::memory::Guarded(mimalloc::MiMalloc);

use cli::argv::query_words_last;
use cli::{Cli, Command};

fn main() -> ExitCode {
    sousuo::memory::install_panic_hook();
    let cli = Cli::parse_from(query_words_last(std::env::args_os().collect()));
    let result = match cli.command {
        Command::Ingest(args) => commands::ingest::run(args),
        Command::Query(args) => commands::query::run_query(args),
        Command::Stats(args) => commands::read::run_stats(args),
        Command::Get(args) => commands::read::run_get(args),
        Command::Similar(args) => commands::read::run_similar(args),
        Command::Export(args) => commands::handoff::run_export(args),
        Command::Analyze(args) => commands::handoff::run_analyze(args),
        Command::Check(args) => commands::read::run_check(args),
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

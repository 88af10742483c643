//! The integration tests, in one binary: each module runs `sousuo` (the binary cargo
//! builds for them) the way a user does and checks what it printed, wrote or served.
//! Shared helpers live in `common`.

mod common;

mod bounds;
mod browser;
mod cli;
mod commands;
mod crash;
mod dates;
mod fold;
mod forgiving;
mod handoff;
mod harness;
mod hostile;
mod ingest;
mod matching;
mod query_language;
mod reliability;
mod safety;
mod saved;
mod serve;
mod sites;
mod watch;
mod watch_lives;
mod word_cuts;

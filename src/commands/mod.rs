//! The runners of `ingest`, `serve`, `saved` and the hand-off (`export`, `analyze`,
//! `query --for`) (the other commands run in `main.rs`): arguments in,
//! the library called, output printed, an exit code out.

pub mod handoff;
pub mod ingest;
pub mod saved;
pub mod serve;

//! The runners of `ingest`, `serve` and `saved` (the other commands run in `main.rs`): arguments in,
//! the library called, output printed, an exit code out.

pub mod ingest;
pub mod saved;
pub mod serve;

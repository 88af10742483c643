//! sousuo (搜索): a search engine for archives of Chinese articles.
//!
//! The pipeline, one module per stage, dependencies pointing one way:
//!
//! ```text
//! ingest:  ingest (walk, workers; source reads files) → decode → article (parse + clean)
//!          → document → index (tantivy, schema; text analyzed by the registered
//!          tokenizer) → commit
//! query:   query (syntax) → search (plan → tantivy query → rank, snippets, explain;
//!          facets) → output
//! around:  stats, export, check (verify, repair), batch (query files), visible (text
//!          for a terminal)
//! ```
#![warn(missing_docs)]

pub mod article;
pub mod batch;
pub mod check;
pub mod decode;
pub mod document;
pub mod error;
pub mod export;
pub mod facets;
pub mod index;
pub mod ingest;
pub mod memory;
pub mod output;
pub mod query;
pub mod saved;
pub mod schema;
pub mod search;
pub mod serve;
pub mod signature;
pub mod snippet;
pub mod source;
pub mod stats;
pub mod stored;
pub mod text;
pub mod translate;
pub mod visible;

pub use error::{Error, Result};

//! The library's error type. Messages are lowercase, name the file or field at fault and
//! say what was expected; the binary prints them as `error: …`.

use std::path::PathBuf;

use crate::schema::SchemaError;

/// Everything that can stop a whole command (a single bad article is not an `Error`: it is
/// reported and the run goes on).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The schema file is invalid.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// No index where one was expected.
    #[error("no sousuo index at {dir} (create one with `sousuo ingest PATH --index {dir}`)")]
    NoIndex {
        /// The index folder.
        dir: PathBuf,
    },
    /// The index was built differently from what this run asks for.
    #[error("{dir}: {difference}; re-run the ingest with --rebuild to rebuild the index")]
    Incompatible {
        /// The index folder.
        dir: PathBuf,
        /// What differs.
        difference: String,
    },
    /// Another process is writing the index.
    #[error("{dir}: index is being written by another sousuo process{holder}")]
    Locked {
        /// The index folder.
        dir: PathBuf,
        /// ` (pid N)` when known.
        holder: String,
    },
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// tantivy failed.
    #[error("{context}: {source}")]
    Index {
        /// What sousuo was doing.
        context: String,
        /// The cause.
        source: tantivy::TantivyError,
    },
    /// The index is damaged: its record, a file, or its contents.
    #[error(
        "{dir}: the index is damaged: {problem}; `sousuo check` shows the damage, \
         `sousuo check --repair` removes it, or ingest again with --rebuild"
    )]
    Damaged {
        /// The index folder.
        dir: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// Reading the index failed in a way only damage explains.
    #[error(
        "{context}: {detail} (the index may be damaged: `sousuo check` verifies it, and \
         ingest with --rebuild rebuilds it)"
    )]
    DamagedRead {
        /// What sousuo was doing.
        context: String,
        /// tantivy's account, on one line.
        detail: String,
    },
    /// sousuo's own code failed (a panic outside tantivy's readers): a bug, not damage.
    #[error(
        "{context}: sousuo failed at {location} ({detail}); this is a bug in sousuo, not \
         damage to the index: please report it"
    )]
    Bug {
        /// What sousuo was doing.
        context: String,
        /// Where the panic was raised (`src/search/mod.rs:42:7`).
        location: String,
        /// The panic's message, on one line.
        detail: String,
    },
    /// The query cannot be read: what is wrong and where.
    #[error("query: {0}")]
    QuerySyntax(#[from] crate::query::QuerySyntaxError),
    /// The query reads but asks for something out of bounds or unknown (a field this
    /// index does not search, a date that is no date, too many parts).
    #[error("query: {0}")]
    Query(String),
    /// A setting (`SOUSUO_RANKING`, a saved search's name) has a value it cannot take.
    #[error("{0}")]
    Setting(String),
    /// The request is valid but this index or configuration cannot serve it (sorting by
    /// date without a fast date field, listening beyond this machine without a token).
    #[error("{0}")]
    Refused(String),
    /// The machine could not give what the run needs (a thread).
    #[error("{what}: {source}")]
    Resources {
        /// What could not be had.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Bad input to a command (arguments, batch file lines).
    #[error("{0}")]
    Usage(String),
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Wraps a tantivy error met while reading an index: data that cannot be read is
    /// reported as possible damage, with what to do about it.
    pub fn reading(context: impl Into<String>, source: tantivy::TantivyError) -> Error {
        use tantivy::TantivyError;
        match &source {
            TantivyError::DataCorruption(_)
            | TantivyError::IoError(_)
            | TantivyError::OpenReadError(_) => Error::DamagedRead {
                context: context.into(),
                detail: source
                    .to_string()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            },
            _ => Error::index(context, source),
        }
    }

    /// Wraps a tantivy error with what was being done.
    pub fn index(context: impl Into<String>, source: tantivy::TantivyError) -> Error {
        Error::Index {
            context: context.into(),
            source,
        }
    }
}

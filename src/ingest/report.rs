//! What an ingest run reports: an event per file as it happens, and the summary.

use std::path::{Path, PathBuf};

/// What happened to one file, reported as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum FileOutcome {
    /// A new article was indexed.
    Added,
    /// An article already in the index was replaced with the file's new content.
    Updated,
    /// The file has not changed since it was indexed.
    Unchanged,
    /// The file could not be indexed.
    Failed(FileError),
}

/// Why a file could not be indexed. [`FileError::code`] is the stable name of each kind
/// (the `code` of `--json` problems); the message is for people.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FileError {
    /// It could not be read (permissions, gone since the walk, an I/O error).
    #[error("{0}")]
    Unreadable(String),
    /// A FIFO, socket or device.
    #[error("not a regular file (a FIFO, socket or device); skipped")]
    NotRegular,
    /// Over `--max-file-size`.
    #[error(
        "file is {megabytes:.1} MB, over the {limit} MB limit (raise it with --max-file-size)"
    )]
    TooLarge {
        /// Its size, in MiB.
        megabytes: f64,
        /// The limit, in MiB.
        limit: u64,
    },
    /// No bytes.
    #[error("empty file")]
    Empty,
    /// Only whitespace.
    #[error("file holds only whitespace")]
    OnlyWhitespace,
    /// Not text (a NUL byte: an image or archive renamed).
    #[error("{0}")]
    NotText(String),
    /// Front matter that cannot be read.
    #[error("{0}")]
    FrontMatter(String),
    /// A body the index cannot keep (over 4 GiB).
    #[error("its body cannot be stored: {0}")]
    Unstorable(String),
    /// Another root of the run holds a file with the same id.
    #[error("has the same id {id:?} as a file under {other_root}; skipped")]
    DuplicateId {
        /// The id.
        id: String,
        /// The root it was first found under.
        other_root: String,
    },
}

impl FileError {
    /// The kind's stable name: `unreadable`, `not_regular`, `too_large`, `empty`,
    /// `only_whitespace`, `not_text`, `front_matter`, `unstorable`, `duplicate_id`.
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Unreadable(_) => "unreadable",
            FileError::NotRegular => "not_regular",
            FileError::TooLarge { .. } => "too_large",
            FileError::Empty => "empty",
            FileError::OnlyWhitespace => "only_whitespace",
            FileError::NotText(_) => "not_text",
            FileError::FrontMatter(_) => "front_matter",
            FileError::Unstorable(_) => "unstorable",
            FileError::DuplicateId { .. } => "duplicate_id",
        }
    }
}

/// One event of a run, for progress display and diagnostics.
#[derive(Debug, Clone)]
pub enum IngestEvent {
    /// A file was handled.
    File {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        bytes: u64,
        /// What happened.
        outcome: FileOutcome,
        /// Problems that did not stop it from being indexed.
        warnings: Vec<String>,
        /// Part of the file could not be read: what was lost (the rest is indexed).
        damage: Option<String>,
    },
    /// Something under a root could not be walked (a loop, a folder without permission).
    WalkError {
        /// Where.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A file or link under a root that was left alone on purpose (a link leaving the
    /// root, a FIFO): reported, not counted as a failure.
    Skipped {
        /// Where.
        path: PathBuf,
        /// Why.
        reason: String,
        /// The stable name of the reason: `link_leaves_root` or `not_regular`.
        code: &'static str,
    },
    /// Something a person should know about how a root is read (a site layout
    /// recognised): neither a warning nor a failure.
    Note {
        /// The root.
        path: PathBuf,
        /// What was noted.
        message: String,
    },
    /// The walk is over: how many article files it found (the run handles that many).
    Walked {
        /// Article files found.
        files: usize,
    },
    /// The index is being committed.
    Committing,
}

impl IngestEvent {
    /// A file that could not be indexed, for `reason`.
    pub(super) fn failed(path: &Path, reason: FileError) -> IngestEvent {
        IngestEvent::File {
            path: path.to_path_buf(),
            bytes: 0,
            outcome: FileOutcome::Failed(reason),
            warnings: Vec::new(),
            damage: None,
        }
    }
}

/// The summary of a run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct IngestReport {
    /// New articles indexed.
    pub added: usize,
    /// Articles replaced by a changed file.
    pub updated: usize,
    /// Files unchanged since the last ingest.
    pub unchanged: usize,
    /// Files (or folders) that could not be indexed.
    pub failed: usize,
    /// Articles removed by `--prune` (with `--dry-run`: that would be removed).
    pub removed: usize,
    /// Files and links left alone on purpose (links leaving a root, FIFOs, devices).
    pub skipped: usize,
    /// Roots under which `--prune` removed nothing because they were not walked completely.
    pub not_pruned: Vec<String>,
    /// Files indexed with a part that could not be read (bytes not valid in any encoding).
    pub damaged: usize,
    /// Warnings on indexed files.
    pub warnings: usize,
    /// Bytes of the files read.
    pub bytes: u64,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Of which the final commit (flushing the last segments, merges) took this long.
    pub commit_seconds: f64,
    /// Segments merged after the final commit (0: none).
    pub segments_merged: usize,
    /// How long merging took (part of `commit_seconds`).
    pub merge_seconds: f64,
    /// Documents in the index after the run.
    pub documents: u64,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Every file that failed or was only partly readable, with the reason.
    pub problems: Vec<FileProblem>,
}

/// A file the run could not index, or not whole.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileProblem {
    /// The file (or folder).
    pub path: String,
    /// `failed` (not indexed), `damaged` (indexed without the unreadable part),
    /// `skipped` (left alone on purpose: a link leaving the root, a FIFO) or `warning`
    /// (indexed; something was odd, as a date without a year).
    pub kind: &'static str,
    /// The stable name of the reason: for failed files [`FileError::code`], `walk` for a
    /// folder that could not be walked; `partly_undecodable`; `link_leaves_root` or
    /// `not_regular`; `warning`; `merge` (a merge after the commit failed).
    pub code: &'static str,
    /// Why, on one line.
    pub reason: String,
}

impl FileProblem {
    pub(super) fn new(
        path: &Path,
        reason: &str,
        kind: &'static str,
        code: &'static str,
    ) -> FileProblem {
        FileProblem {
            path: path.display().to_string(),
            kind,
            code,
            reason: reason.to_string(),
        }
    }
}

impl IngestReport {
    pub(super) fn count(&mut self, event: &IngestEvent) {
        match event {
            IngestEvent::File {
                path,
                bytes,
                outcome,
                warnings,
                damage,
            } => {
                self.bytes += bytes;
                self.warnings += warnings.len();
                for warning in warnings {
                    let problem = FileProblem::new(path, warning, "warning", "warning");
                    self.problems.push(problem);
                }
                if let Some(lost) = damage {
                    self.damaged += 1;
                    let problem = FileProblem::new(path, lost, "damaged", "partly_undecodable");
                    self.problems.push(problem);
                }
                match outcome {
                    FileOutcome::Added => self.added += 1,
                    FileOutcome::Updated => self.updated += 1,
                    FileOutcome::Unchanged => self.unchanged += 1,
                    FileOutcome::Failed(error) => {
                        self.failed += 1;
                        let reason = error.to_string();
                        let problem = FileProblem::new(path, &reason, "failed", error.code());
                        self.problems.push(problem);
                    }
                }
            }
            IngestEvent::WalkError { path, reason } => {
                self.failed += 1;
                self.problems
                    .push(FileProblem::new(path, reason, "failed", "walk"));
            }
            IngestEvent::Skipped { path, reason, code } => {
                self.skipped += 1;
                self.problems
                    .push(FileProblem::new(path, reason, "skipped", code));
            }
            IngestEvent::Note { .. } | IngestEvent::Walked { .. } | IngestEvent::Committing => {}
        }
    }

    /// Throughput over the bytes read.
    pub fn megabytes_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.bytes as f64 / 1e6 / self.seconds
        } else {
            0.0
        }
    }
}

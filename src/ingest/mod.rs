//! Ingest pipeline: walk → read → parse → analyze → one IndexWriter → commit.
//!
//! ```text
//! walker thread ──paths (bounded)──▶ N workers: read, hash, parse, analyze, add_document
//!                                        │
//!                                        └──events──▶ caller (progress, diagnostics)
//! ```
//! Invariants:
//! - the index itself is the manifest: every document carries its source's content hash,
//!   size and mtime, so a re-ingest skips unchanged files and replaces changed ones
//!   (delete by id, then add) — never a duplicate, and always consistent with the last
//!   commit, even after a crash;
//! - a file that cannot be read or parsed is reported and skipped; the run goes on;
//! - memory is bounded: paths and documents flow through bounded queues.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Instant, UNIX_EPOCH};

use crossbeam_channel::bounded;
use tantivy::{IndexWriter, Term};

use crate::article::{parse_article_at, BodyFormat};
use crate::decode::decode;
use crate::document::{build_document, ArticleDocument, SourceFile};
use crate::error::{Error, Result};
use crate::index::{read_guarded, SearchIndex, WriterLock};
use crate::schema::{Fields, IndexSchema, CONTENT_HASH_FIELD, MTIME_FIELD, SIZE_FIELD};
use crate::source::read_regular_file;
use crate::text::{Analyzer, Mode, TokenBuffer};

mod walk;

pub use crate::source::document_id;
pub use walk::{article_format, Root};
use walk::{walk, WalkOptions, Walked};

/// What an ingest run does.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Files and folders to ingest.
    pub roots: Vec<PathBuf>,
    /// The index folder.
    pub index_dir: PathBuf,
    /// The schema to build a new index with (an existing one must match it).
    pub schema: IndexSchema,
    /// The text of a user dictionary (jieba format) to build a new index with.
    pub user_dictionary: Option<String>,
    /// Delete the existing index first.
    pub rebuild: bool,
    /// Parse, clean and segment everything, write nothing.
    pub dry_run: bool,
    /// Remove articles whose files were not found in this run.
    pub prune: bool,
    /// Worker threads for parsing and analysis.
    pub threads: usize,
    /// Index writer memory budget, in bytes.
    pub memory_budget: usize,
    /// Files larger than this are refused.
    pub max_file_size: u64,
    /// Commit after this many added documents (besides the final commit).
    pub commit_every: usize,
    /// Follow symbolic links that leave the folder being ingested.
    pub follow: bool,
}

impl IngestOptions {
    /// Defaults for `roots` into `index_dir`.
    pub fn new(roots: Vec<PathBuf>, index_dir: PathBuf) -> IngestOptions {
        IngestOptions {
            roots,
            index_dir,
            schema: IndexSchema::default_schema(),
            user_dictionary: None,
            rebuild: false,
            dry_run: false,
            prune: false,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            memory_budget: 256 << 20,
            max_file_size: 64 << 20,
            commit_every: 100_000,
            follow: false,
        }
    }
}

/// What happened to one file, reported as it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileOutcome {
    /// A new article was indexed.
    Added,
    /// An article already in the index was replaced with the file's new content.
    Updated,
    /// The file has not changed since it was indexed.
    Unchanged,
    /// The file could not be indexed.
    Failed(String),
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
    },
    /// The index is being committed.
    Committing,
}

impl IngestEvent {
    /// A file that could not be indexed, for `reason`.
    fn failed(path: &Path, reason: String) -> IngestEvent {
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
    /// Why, on one line.
    pub reason: String,
}

impl FileProblem {
    fn new(path: &Path, reason: &str, kind: &'static str) -> FileProblem {
        FileProblem {
            path: path.display().to_string(),
            kind,
            reason: reason.to_string(),
        }
    }
}

impl IngestReport {
    fn count(&mut self, event: &IngestEvent) {
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
                    self.problems
                        .push(FileProblem::new(path, warning, "warning"));
                }
                if let Some(lost) = damage {
                    self.damaged += 1;
                    self.problems.push(FileProblem::new(path, lost, "damaged"));
                }
                match outcome {
                    FileOutcome::Added => self.added += 1,
                    FileOutcome::Updated => self.updated += 1,
                    FileOutcome::Unchanged => self.unchanged += 1,
                    FileOutcome::Failed(reason) => {
                        self.failed += 1;
                        self.problems.push(FileProblem::new(path, reason, "failed"));
                    }
                }
            }
            IngestEvent::WalkError { path, reason } => {
                self.failed += 1;
                self.problems.push(FileProblem::new(path, reason, "failed"));
            }
            IngestEvent::Skipped { path, reason } => {
                self.skipped += 1;
                self.problems
                    .push(FileProblem::new(path, reason, "skipped"));
            }
            IngestEvent::Committing => {}
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

/// What the index knows of a source file.
#[derive(Debug, Clone)]
struct Recorded {
    content_hash: u64,
    mtime: u64,
    size: u64,
    /// The folder it was ingested from.
    root: Arc<str>,
}

/// What the index records of its articles: the index is its own manifest.
#[derive(Debug, Default)]
struct Manifest {
    /// By id.
    records: HashMap<String, Recorded>,
    /// The id of the article of each absolute path, so a file ingested again through
    /// another root (a sub-folder, the file alone) updates its article instead of adding a
    /// second one under another id. Made when a file is first not found by its id.
    ids_by_path: OnceLock<HashMap<PathBuf, String>>,
}

impl Manifest {
    /// The recorded id and root of the file at `root`/`id`, if it was ingested before,
    /// through this root or another.
    fn article_of<'a>(&'a self, root: &'a Arc<str>, id: &'a str) -> (&'a str, &'a Arc<str>) {
        if self.records.get(id).is_some_and(|r| r.root == *root) {
            return (id, root);
        }
        let ids_by_path = self.ids_by_path.get_or_init(|| {
            self.records
                .iter()
                .map(|(id, record)| (Path::new(&*record.root).join(id), id.clone()))
                .collect()
        });
        match ids_by_path.get(&Path::new(&**root).join(id)) {
            Some(known) => (known.as_str(), &self.records[known].root),
            None => (id, root),
        }
    }
}

/// A file to ingest.
pub(crate) struct Job {
    path: PathBuf,
    id: String,
    /// The absolute folder `id` is relative to.
    root: Arc<str>,
    format: BodyFormat,
    /// Found by the walk (a file name that is not UTF-8).
    warnings: Vec<String>,
}

/// Runs an ingest. `on_event` sees every event on the calling thread; it can stop the run
/// early (committing what is done) by setting `stop`.
pub fn ingest(
    options: &IngestOptions,
    stop: &AtomicBool,
    on_event: &mut dyn FnMut(&IngestEvent),
) -> Result<IngestReport> {
    let started = Instant::now();
    let roots = options
        .roots
        .iter()
        .map(|root| Root::resolve(root))
        .collect::<Result<Vec<Root>>>()?;
    let mut report = IngestReport {
        dry_run: options.dry_run,
        ..IngestReport::default()
    };
    if options.dry_run {
        check_corpus(options, &roots, stop, on_event, &mut report)?;
        report.seconds = started.elapsed().as_secs_f64();
        return Ok(report);
    }

    let _lock = WriterLock::acquire(&options.index_dir)?;
    let index = SearchIndex::open_for_ingest(
        &options.index_dir,
        &options.schema,
        options.user_dictionary.as_deref(),
        options.rebuild,
    )?;
    index.verify_in_background();
    let recorded = match load_recorded(&index) {
        Ok(recorded) => recorded,
        Err(err) => {
            // Name the damaged file, when that is what made the records unreadable.
            index.confirm_integrity()?;
            return Err(err);
        }
    };
    let threads = options.threads.clamp(1, 8);
    let writer_threads = threads.min(4);
    let per_thread = (options.memory_budget / writer_threads).max(15 << 20);
    let mut writer: IndexWriter<ArticleDocument> = index
        .index
        .writer_with_num_threads(writer_threads, per_thread * writer_threads)
        .map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => Error::Locked {
                dir: index.dir.clone(),
                holder: String::new(),
            },
            other => Error::index(
                "starting the index writer (it needs memory and threads: a lower --memory \
                 or --threads may fit)",
                other,
            ),
        })?;
    // Files a killed or failed run left behind take space and are no part of any commit.
    writer
        .garbage_collect_files()
        .wait()
        .map_err(|e| Error::index("removing files no commit uses", e))?;
    let pipeline = Pipeline {
        options,
        roots: &roots,
        fields: &index.fields,
        analyzer: &index.analyzer,
        recorded: &recorded,
        stop,
    };
    let commit_started =
        match write_and_commit(&pipeline, &index, &mut writer, on_event, &mut report) {
            Ok(started) => started,
            Err(err) => {
                drop(writer);
                index.discard_uncommitted();
                return Err(err);
            }
        };
    // The commit stands: what fails from here on is reported, not fatal.
    if let Err(err) = writer.wait_merging_threads() {
        report.failed += 1;
        let reason = format!("merging segments: {err}; the commit stands");
        let problem = FileProblem::new(&index.dir, &reason, "index");
        report.problems.push(problem);
    }
    report.documents = index
        .index
        .reader()
        .map(|reader| reader.searcher().num_docs())
        .map_err(|e| Error::index("reading the index", e))?;
    index.publish()?;
    report.commit_seconds = commit_started.elapsed().as_secs_f64();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Runs the pipeline into `writer`, prunes, and commits; returns when the final commit
/// started.
fn write_and_commit(
    pipeline: &Pipeline<'_>,
    index: &SearchIndex,
    writer: &mut IndexWriter<ArticleDocument>,
    on_event: &mut dyn FnMut(&IngestEvent),
    report: &mut IngestReport,
) -> Result<Instant> {
    let sink = Sink::Index {
        index,
        writer,
        added_since_commit: 0,
    };
    let walked = pipeline.run(sink, on_event, report)?;
    if pipeline.options.prune && !pipeline.stop.load(Ordering::Relaxed) {
        let recorded = pipeline.recorded;
        for id in prunable(pipeline.roots, recorded, &walked, report) {
            writer.delete_term(Term::from_field_text(index.fields.id, id));
        }
    }
    on_event(&IngestEvent::Committing);
    let commit_started = Instant::now();
    index.commit(writer)?;
    Ok(commit_started)
}

/// A dry run: parses, cleans and segments everything, and compares it with the index when
/// there is one (new, changed, unchanged, and with `--prune` what would be removed).
fn check_corpus(
    options: &IngestOptions,
    roots: &[Root],
    stop: &AtomicBool,
    on_event: &mut dyn FnMut(&IngestEvent),
    report: &mut IngestReport,
) -> Result<()> {
    let (_, fields) = options.schema.build();
    let analyzer = match &options.user_dictionary {
        Some(words) => Analyzer::with_user_words(words)
            .map_err(|problem| Error::Usage(format!("user dictionary: {problem}")))?,
        None => Analyzer::default(),
    };
    let recorded = match SearchIndex::open(&options.index_dir) {
        Ok(index) if !options.rebuild => load_recorded(&index)?,
        Ok(_) | Err(Error::NoIndex { .. }) => Manifest::default(),
        Err(err) => return Err(err),
    };
    let pipeline = Pipeline {
        options,
        roots,
        fields: &fields,
        analyzer: &analyzer,
        recorded: &recorded,
        stop,
    };
    let walked = pipeline.run(Sink::Check, on_event, report)?;
    if options.prune && !stop.load(Ordering::Relaxed) {
        prunable(roots, &recorded, &walked, report);
    }
    Ok(())
}

/// The recorded articles `--prune` removes: those ingested from one of this run's roots
/// (for a root that is a file: that file's article only) that the walk did not find, under
/// roots that were walked completely. Counts them in `report`, and lists the roots left
/// alone.
fn prunable<'a>(
    roots: &[Root],
    recorded: &'a Manifest,
    walked: &Walked,
    report: &mut IngestReport,
) -> Vec<&'a str> {
    let mut removed = Vec::new();
    for (number, root) in roots.iter().enumerate() {
        if !walked.complete[number] {
            report.not_pruned.push(root.given.display().to_string());
            continue;
        }
        for (id, record) in &recorded.records {
            let in_scope = *record.root == *root.folder_text
                && root.file_id.as_ref().is_none_or(|file| file == id);
            // Another root of this run with the same folder may have found it.
            let found = roots.iter().enumerate().any(|(other, other_root)| {
                other_root.folder_text == root.folder_text
                    && walked.seen.contains(&(other, id.clone()))
            });
            if in_scope && !found && !removed.contains(&id.as_str()) {
                removed.push(id.as_str());
            }
        }
    }
    report.removed = removed.len();
    removed
}

/// A document ready for the writer.
pub(crate) struct Write {
    id: String,
    document: ArticleDocument,
    replaces: bool,
}

/// Where prepared documents go.
enum Sink<'a> {
    /// Nowhere: a dry run.
    Check,
    /// Into the index, committed every so often.
    Index {
        index: &'a SearchIndex,
        writer: &'a mut IndexWriter<ArticleDocument>,
        added_since_commit: usize,
    },
}

impl Sink<'_> {
    /// Takes a prepared document (if the file gave one); commits after `commit_every`.
    /// An error means the writer cannot go on.
    fn take(
        &mut self,
        write: Option<Write>,
        commit_every: usize,
        on_event: &mut dyn FnMut(&IngestEvent),
    ) -> Result<()> {
        let (
            Sink::Index {
                index,
                writer,
                added_since_commit,
            },
            Some(write),
        ) = (self, write)
        else {
            return Ok(());
        };
        if write.replaces {
            writer.delete_term(Term::from_field_text(index.fields.id, &write.id));
        }
        writer
            .add_document(write.document)
            .map_err(|e| Error::index("writing the index", e))?;
        *added_since_commit += 1;
        if *added_since_commit >= commit_every {
            *added_since_commit = 0;
            on_event(&IngestEvent::Committing);
            index.commit(writer)?;
        }
        Ok(())
    }
}

/// What every stage of a run shares.
struct Pipeline<'a> {
    options: &'a IngestOptions,
    roots: &'a [Root],
    fields: &'a Fields,
    analyzer: &'a Analyzer,
    recorded: &'a Manifest,
    stop: &'a AtomicBool,
}

impl Pipeline<'_> {
    /// Walks, reads and indexes (or, without a writer, only checks); returns what the walk
    /// found. Workers parse and analyze; this thread owns the writer, so it can add, delete
    /// and commit between documents without locking.
    fn run(
        &self,
        mut sink: Sink<'_>,
        on_event: &mut dyn FnMut(&IngestEvent),
        report: &mut IngestReport,
    ) -> Result<Walked> {
        let (options, stop) = (self.options, self.stop);
        let threads = options.threads.max(1);
        let dry_run = matches!(sink, Sink::Check);
        let (job_sender, job_receiver) = bounded::<Job>(threads * 64);
        let (done_sender, done_receiver) = bounded::<(IngestEvent, Option<Write>)>(threads * 16);
        std::thread::scope(|scope| -> Result<Walked> {
            let walker_events = done_sender.clone();
            let walk_options = WalkOptions {
                track_ids: options.prune || self.roots.len() > 1,
                follow: options.follow,
            };
            let roots = self.roots;
            let walker = std::thread::Builder::new()
                .name("sousuo-walk".into())
                .spawn_scoped(scope, move || {
                    walk(roots, walk_options, job_sender, walker_events, stop)
                })
                .map_err(|e| Error::Usage(format!("cannot start the walker thread: {e}")))?;
            for number in 0..threads {
                let jobs = job_receiver.clone();
                let done = done_sender.clone();
                let worker = Worker {
                    options,
                    dry_run,
                    fields: self.fields,
                    analyzer: self.analyzer,
                    recorded: self.recorded,
                };
                let started = std::thread::Builder::new()
                    .name(format!("sousuo-read-{number}"))
                    .spawn_scoped(scope, move || {
                        for job in jobs {
                            if stop.load(Ordering::Relaxed) {
                                continue;
                            }
                            if done.send(worker.handle(job)).is_err() {
                                break;
                            }
                        }
                    });
                if let Err(err) = started {
                    // Fewer workers than asked for still finish the run; none cannot.
                    if number == 0 {
                        stop.store(true, Ordering::Relaxed);
                        return Err(Error::Usage(format!("cannot start a reader thread: {err}")));
                    }
                    break;
                }
            }
            drop(done_sender);
            drop(job_receiver);
            let mut failure = None;
            for (event, write) in done_receiver.iter() {
                if failure.is_some() {
                    // The writer is gone: the files after it are not to blame.
                    continue;
                }
                if let Err(err) = sink.take(write, options.commit_every, on_event) {
                    failure = Some(err);
                    stop.store(true, Ordering::Relaxed);
                    continue;
                }
                report.count(&event);
                on_event(&event);
            }
            let walked = walker.join().expect("the walker thread does not panic");
            match failure {
                Some(err) => Err(err),
                None => Ok(walked),
            }
        })
    }
}

/// Reads the id, hash, mtime, size and root of every live document. An id found twice
/// (a damaged index) is left out, so the file is indexed again and replaces every copy.
fn load_recorded(index: &SearchIndex) -> Result<Manifest> {
    read_guarded(&index.dir, "reading the file records", || {
        load_recorded_unguarded(index)
    })
}

fn load_recorded_unguarded(index: &SearchIndex) -> Result<Manifest> {
    let reader = index
        .index
        .reader()
        .map_err(|e| Error::index("reading the index", e))?;
    let searcher = reader.searcher();
    let mut recorded = HashMap::with_capacity(searcher.num_docs() as usize);
    let mut duplicated = HashSet::new();
    let context = || format!("reading the file records of {}", index.dir.display());
    for segment in searcher.segment_readers() {
        let ids = index.segment_strings(segment, index.fields.id)?;
        let roots: Vec<Arc<str>> = index
            .segment_strings(segment, index.fields.root)?
            .into_iter()
            .map(Arc::from)
            .collect();
        let fast = segment.fast_fields();
        let hashes = fast
            .u64(CONTENT_HASH_FIELD)
            .map_err(|e| Error::index(context(), e))?;
        let mtimes = fast
            .u64(MTIME_FIELD)
            .map_err(|e| Error::index(context(), e))?;
        let sizes = fast
            .u64(SIZE_FIELD)
            .map_err(|e| Error::index(context(), e))?;
        for doc in segment.doc_ids_alive() {
            let id = &ids[doc as usize];
            if id.is_empty() {
                continue;
            }
            let record = Recorded {
                content_hash: hashes.first(doc).unwrap_or(0),
                mtime: mtimes.first(doc).unwrap_or(0),
                size: sizes.first(doc).unwrap_or(0),
                root: roots[doc as usize].clone(),
            };
            if recorded.insert(id.clone(), record).is_some() {
                duplicated.insert(id.clone());
            }
        }
    }
    for id in &duplicated {
        // Changed as far as ingest knows: re-read, and added once after deleting them all.
        if let Some(record) = recorded.get_mut(id) {
            record.content_hash = 0;
            record.mtime = 0;
        }
    }
    Ok(Manifest {
        records: recorded,
        ids_by_path: OnceLock::new(),
    })
}

/// What one worker thread needs.
struct Worker<'a> {
    options: &'a IngestOptions,
    dry_run: bool,
    fields: &'a Fields,
    analyzer: &'a Analyzer,
    recorded: &'a Manifest,
}

impl Worker<'_> {
    fn handle(&self, job: Job) -> (IngestEvent, Option<Write>) {
        let mut warnings = job.warnings.clone();
        let mut damage = None;
        let mut bytes = 0;
        let (outcome, write) = match self.prepare(&job, &mut bytes, &mut warnings, &mut damage) {
            Ok(Some(write)) => {
                let outcome = if write.replaces {
                    FileOutcome::Updated
                } else {
                    FileOutcome::Added
                };
                (outcome, Some(write))
            }
            Ok(None) => (FileOutcome::Unchanged, None),
            Err(reason) => (FileOutcome::Failed(reason), None),
        };
        let event = IngestEvent::File {
            path: job.path,
            bytes,
            outcome,
            warnings,
            damage,
        };
        (event, write)
    }

    /// Reads, parses and analyzes a file; `None` when it is unchanged since the last
    /// ingest.
    fn prepare(
        &self,
        job: &Job,
        bytes_read: &mut u64,
        warnings: &mut Vec<String>,
        damage: &mut Option<String>,
    ) -> std::result::Result<Option<Write>, String> {
        let metadata = fs::metadata(&job.path).map_err(|e| e.to_string())?;
        if !metadata.is_file() {
            return Err("not a regular file (a FIFO, socket or device); skipped".to_string());
        }
        let size = metadata.len();
        let mtime = metadata
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64);
        // The article this file already is, if it was ingested through another root.
        let (id, root) = self.recorded.article_of(&job.root, &job.id);
        let previous = self.recorded.records.get(id);
        let same_root = previous.is_some_and(|p| p.root == *root);
        if let Some(previous) = previous.filter(|_| same_root) {
            if previous.size == size && previous.mtime == mtime && mtime != 0 {
                return Ok(None);
            }
        }
        if size > self.options.max_file_size {
            return Err(format!(
                "file is {:.1} MB, over the {} MB limit (raise it with --max-file-size)",
                size as f64 / f64::from(1 << 20),
                self.options.max_file_size >> 20
            ));
        }
        let bytes =
            read_regular_file(&job.path, self.options.max_file_size).map_err(|e| e.to_string())?;
        *bytes_read = bytes.len() as u64;
        let content_hash = xxhash_rust::xxh3::xxh3_64(&bytes);
        if same_root && previous.is_some_and(|p| p.content_hash == content_hash) {
            return Ok(None);
        }
        let decoded = decode(&bytes).map_err(|e| e.to_string())?;
        if let Some(encoding) = decoded.assumed_encoding {
            warnings.push(format!("not UTF-8: decoded as {encoding}"));
        }
        if let Some(lost) = decoded.damage {
            *damage = Some(format!(
                "{} byte sequences could not be decoded (the first at byte {}); indexed the rest",
                lost.replaced, lost.first_offset
            ));
        }
        let text = decoded.text.as_ref();
        if text.trim().is_empty() {
            let reason = if bytes.is_empty() {
                "empty file"
            } else {
                "file holds only whitespace"
            };
            return Err(reason.to_string());
        }
        let stem = file_stem(&job.path);
        let modified = metadata
            .modified()
            .ok()
            .map(|time| chrono::DateTime::<chrono::Utc>::from(time).fixed_offset());
        let parsed =
            parse_article_at(text, &stem, job.format, modified).map_err(|e| e.to_string())?;
        warnings.extend(parsed.warnings);
        let source = SourceFile {
            id: id.to_string(),
            root: root.to_string(),
            path: Path::new(&*job.root).join(&job.id).display().to_string(),
            content_hash,
            mtime,
            size,
        };
        let document = build_document(self.fields, &parsed.article, &source);
        if self.dry_run {
            // What the writer's tokenizer would do, so a dry run costs what an ingest costs
            // short of building the index.
            let mut buffer = TokenBuffer::default();
            for (field, _) in self.fields.searchable_text() {
                for text in document.texts(field.field) {
                    self.analyzer.analyze_into(text, Mode::Index, &mut buffer);
                }
            }
        }
        Ok(Some(Write {
            id: source.id,
            document,
            replaces: previous.is_some(),
        }))
    }
}

fn file_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    match name.rsplit_once('.') {
        Some((stem, _)) => stem.to_string(),
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker_result(options: &IngestOptions, path: PathBuf) -> IngestEvent {
        let (_, fields) = options.schema.build();
        let analyzer = Analyzer::default();
        let recorded = Manifest::default();
        let worker = Worker {
            options,
            dry_run: false,
            fields: &fields,
            analyzer: &analyzer,
            recorded: &recorded,
        };
        let job = Job {
            id: "x.md".to_string(),
            format: BodyFormat::Markdown,
            root: Arc::from("/"),
            warnings: Vec::new(),
            path,
        };
        worker.handle(job).0
    }

    #[test]
    fn a_file_deleted_after_the_walk_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let options = IngestOptions::new(vec![dir.path().to_path_buf()], dir.path().join("i"));
        let event = worker_result(&options, dir.path().join("gone.md"));
        let IngestEvent::File { outcome, .. } = event else {
            panic!("not a file event");
        };
        let FileOutcome::Failed(reason) = outcome else {
            panic!("not failed: {outcome:?}");
        };
        assert!(reason.contains("No such file"), "{reason}");
    }
}

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

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{bounded, Receiver, Sender};
use tantivy::indexer::NoMergePolicy;
use tantivy::{IndexWriter, Term};

use crate::article::BodyFormat;
use crate::document::ArticleDocument;
use crate::error::{Error, Result};
use crate::index::{SearchIndex, WriterLock};
use crate::schema::{Fields, IndexSchema};
use crate::text::Analyzer;

mod evidence;
mod manifest;
mod merge;
mod report;
mod site;
mod walk;
mod watch;
mod worker;

pub use crate::source::document_id;
use evidence::DateEvidence;
pub use evidence::{BURST_FILES, GIT_TIMES_FILE};
use manifest::{load_recorded, prunable, Manifest};
pub use report::{FileError, FileOutcome, FileProblem, IngestEvent, IngestReport};
pub use site::SiteLayout;
pub use walk::{article_format, Root};
use walk::{walk, WalkOptions, Walked};
pub use watch::{watch, Round};
use worker::Worker;

/// The index writer's memory budget unless one is given, in MiB.
pub const DEFAULT_MEMORY_MB: usize = 256;
/// The smallest memory budget the writer works with, in MiB.
pub const MIN_MEMORY_MB: usize = 16;
/// The largest memory budget, in MiB: 4 writer threads of at most [`MAX_THREAD_MEMORY_MB`].
pub const MAX_MEMORY_MB: usize = 4 * MAX_THREAD_MEMORY_MB;
/// The most memory one writer thread takes, in MiB (tantivy's arenas stop below 4 GiB).
pub const MAX_THREAD_MEMORY_MB: usize = 4000;
/// The most parser threads.
pub const MAX_THREADS: usize = 1024;
/// The largest file size limit, in MiB (1 TiB).
pub const MAX_FILE_MB: u64 = 1 << 20;
/// Files larger than this are refused unless a larger limit is given, in MiB.
pub const DEFAULT_MAX_FILE_MB: u64 = 64;
/// Articles between commits unless another number is given.
pub const DEFAULT_COMMIT_EVERY: usize = 100_000;

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
    /// Merge segments after the final commit ([`merge::merge_segments`]).
    pub merge: bool,
    /// Follow symbolic links that leave the folder being ingested.
    pub follow: bool,
    /// In a Jekyll or Hexo site root, read the drafts folder too.
    pub drafts: bool,
    /// Walk only these paths under the roots (files, or folders walked whole), as a watch
    /// round after file-system events does; with `prune`, only articles at or under them
    /// are removed. `None` walks the roots whole.
    pub only: Option<Vec<PathBuf>>,
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
            memory_budget: DEFAULT_MEMORY_MB << 20,
            max_file_size: DEFAULT_MAX_FILE_MB << 20,
            commit_every: DEFAULT_COMMIT_EVERY,
            merge: true,
            follow: false,
            drafts: false,
            only: None,
        }
    }

    /// These options with every value in the range the pipeline works with: 1 to
    /// [`MAX_THREADS`] threads, [`MIN_MEMORY_MB`] to [`MAX_MEMORY_MB`] of writer memory, files up
    /// to [`MAX_FILE_MB`], a commit at least every article (the CLI refuses values outside).
    pub fn within_limits(mut self) -> IngestOptions {
        self.threads = self.threads.clamp(1, MAX_THREADS);
        self.memory_budget = self
            .memory_budget
            .clamp(MIN_MEMORY_MB << 20, MAX_MEMORY_MB << 20);
        self.max_file_size = self.max_file_size.min(MAX_FILE_MB << 20);
        self.commit_every = self.commit_every.max(1);
        self
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
    let roots = resolve_roots(options)?;
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
    let (index, recorded, earlier) = open_index(options)?;
    let mut writer = open_writer(&index, options)?;
    let evidence = DateEvidence::new(root_folders(&roots), Some(index.dir.clone()));
    let pipeline = Pipeline {
        options,
        roots: &roots,
        fields: &index.fields,
        analyzer: &index.analyzer,
        recorded: &recorded,
        signature_seed: index.meta().signature_seed,
        evidence: &evidence,
        stop,
    };
    let commit_started = match write_and_commit(
        &pipeline,
        (&index, &earlier),
        &mut writer,
        on_event,
        &mut report,
    ) {
        Ok(started) => started,
        Err(err) => {
            drop(writer);
            index.discard_uncommitted();
            return Err(err);
        }
    };
    // The commit stands (a rebuild's once it is published): what fails from here on is
    // reported, not fatal.
    if !options.rebuild {
        crate::memory::mark_committed();
    }
    after_commit(&index, (writer, options.merge), &evidence, &mut report)?;
    report.commit_seconds = commit_started.elapsed().as_secs_f64();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The index to write (created, or a new one beside it for a rebuild; its checksums are
/// verified beside the run), the records of the files it holds, and for a rebuild the
/// records of the index it replaces: an article unchanged since keeps its ingest time, so
/// a saved search reports only what is new ([`Sink::take`]). An index it cannot read
/// (another format, damage) keeps none.
fn open_index(options: &IngestOptions) -> Result<(SearchIndex, Manifest, Manifest)> {
    let index = SearchIndex::open_for_ingest(
        &options.index_dir,
        &options.schema,
        options.user_dictionary.as_deref(),
        options.rebuild,
    )?;
    index.verify_in_background();
    let earlier = match options.rebuild {
        true => SearchIndex::open(&options.index_dir)
            .and_then(|old| load_recorded(&old))
            .unwrap_or_default(),
        false => Manifest::default(),
    };
    match load_recorded(&index) {
        Ok(recorded) => Ok((index, recorded, earlier)),
        Err(err) => {
            // Name the damaged file, when that is what made the records unreadable.
            index.confirm_integrity()?;
            Err(err)
        }
    }
}

/// The roots of `options`, each narrowed to `options.only` when a watch names the paths.
fn resolve_roots(options: &IngestOptions) -> Result<Vec<Root>> {
    options
        .roots
        .iter()
        .map(|root| {
            let mut root = Root::resolve(root)?;
            if let Some(paths) = &options.only {
                root.only(paths);
            }
            Ok(root)
        })
        .collect()
}

/// After the commit: keeps the commit times read, merges segments (when `merge`), counts
/// the articles and publishes a rebuilt index. A failure to keep the times or to merge is
/// reported in `report` (the commit stands); one to count or publish is an error.
fn after_commit(
    index: &SearchIndex,
    (mut writer, merge): (IndexWriter<ArticleDocument>, bool),
    evidence: &DateEvidence,
    report: &mut IngestReport,
) -> Result<()> {
    if let Err(err) = evidence.save() {
        report.failed += 1;
        let reason = format!("keeping the commit times read: {err}; they are read again next time");
        let problem = FileProblem::new(&index.dir, &reason, "index", "git-times");
        report.problems.push(problem);
    }
    let merge_started = Instant::now();
    let merged = match merge {
        true => merge::merge_segments(index, &mut writer, report),
        false => Ok(0),
    };
    report.merge_seconds = merge_started.elapsed().as_secs_f64();
    if let Ok(segments) = merged {
        report.segments_merged = segments;
    }
    let waited = writer.wait_merging_threads();
    for err in [merged.err(), waited.err()].into_iter().flatten() {
        report.failed += 1;
        let reason = format!("merging segments: {err}; the commit stands");
        let problem = FileProblem::new(&index.dir, &reason, "index", "merge");
        report.problems.push(problem);
    }
    report.documents = index
        .index
        .reader()
        .map(|reader| reader.searcher().num_docs())
        .map_err(|e| Error::index("reading the index", e))?;
    // Merges rewrote tantivy's list files since the commit.
    index.share_like_record();
    index.publish()?;
    crate::memory::mark_committed();
    Ok(())
}

/// The folders of the roots (the years of dates without one are looked for there).
fn root_folders(roots: &[Root]) -> Vec<PathBuf> {
    roots.iter().map(|root| root.folder.clone()).collect()
}

/// The index writer: up to 4 threads sharing the memory budget. Files a killed or failed
/// run left behind (no part of any commit) are removed first: they take space.
fn open_writer(
    index: &SearchIndex,
    options: &IngestOptions,
) -> Result<IndexWriter<ArticleDocument>> {
    let writer_threads = options.threads.clamp(1, 4);
    let per_thread =
        (options.memory_budget / writer_threads).clamp(15 << 20, MAX_THREAD_MEMORY_MB << 20);
    let writer = index
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
    // Segments are merged after the final commit ([`merge::merge_segments`]), not while
    // indexing (a merge beside the writer's threads would compete for the same cores).
    writer.set_merge_policy(Box::new(NoMergePolicy));
    writer
        .garbage_collect_files()
        .wait()
        .map_err(|e| Error::index("removing files no commit uses", e))?;
    Ok(writer)
}

/// Runs the pipeline into `writer`, prunes, and commits; returns when the final commit
/// started.
fn write_and_commit(
    pipeline: &Pipeline<'_>,
    (index, earlier): (&SearchIndex, &Manifest),
    writer: &mut IndexWriter<ArticleDocument>,
    on_event: &mut dyn FnMut(&IngestEvent),
    report: &mut IngestReport,
) -> Result<Instant> {
    let sink = Sink::Index {
        index,
        earlier,
        writer,
        added_since_commit: 0,
        stamp: next_stamp(0),
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
    let evidence = DateEvidence::new(root_folders(roots), None);
    let pipeline = Pipeline {
        options,
        roots,
        fields: &fields,
        analyzer: &analyzer,
        recorded: &recorded,
        signature_seed: 0,
        evidence: &evidence,
        stop,
    };
    let walked = pipeline.run(Sink::Check, on_event, report)?;
    if options.prune && !stop.load(Ordering::Relaxed) {
        prunable(roots, &recorded, &walked, report);
    }
    Ok(())
}

/// A document ready for the writer.
pub(crate) struct Write {
    id: String,
    /// The hash of the file's bytes.
    content_hash: u64,
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
        /// For a rebuild, the records of the index it replaces.
        earlier: &'a Manifest,
        writer: &'a mut IndexWriter<ArticleDocument>,
        added_since_commit: usize,
        /// The ingest time of the articles until the next commit (microseconds since the
        /// epoch): later than every article committed before, so a saved search that ran
        /// between two commits of one run misses none of the second.
        stamp: i64,
    },
}

/// The ingest time of the articles after a commit whose articles had `previous`: the
/// clock's time, and always later than `previous`.
fn next_stamp(previous: i64) -> i64 {
    chrono::Utc::now()
        .timestamp_micros()
        .max(previous.saturating_add(1))
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
                earlier,
                writer,
                added_since_commit,
                stamp,
            },
            Some(mut write),
        ) = (self, write)
        else {
            return Ok(());
        };
        if write.replaces {
            writer.delete_term(Term::from_field_text(index.fields.id, &write.id));
        }
        // Rebuilt, an article unchanged since keeps the time it was first ingested.
        let kept = earlier.records.get(&write.id).filter(|r| {
            r.content_hash == write.content_hash && r.content_hash != 0 && r.ingested > 0
        });
        let ingested = kept.map_or(*stamp, |record| record.ingested);
        write.document.set_date(index.fields.ingested, ingested);
        if let Err(killed) = writer.add_document(write.document) {
            // The writer's threads stopped (a full disk, memory): their cause comes out of
            // the commit that joins them; "the writer was killed" says nothing.
            index.commit(writer)?;
            return Err(Error::index("writing the index", killed));
        }
        *added_since_commit += 1;
        if *added_since_commit >= commit_every {
            *added_since_commit = 0;
            on_event(&IngestEvent::Committing);
            index.commit(writer)?;
            *stamp = next_stamp(*stamp);
        }
        Ok(())
    }
}

/// What a worker sends the writer's thread: the event of one file, and what to write.
type Done = (IngestEvent, Option<Write>);

/// What every stage of a run shares.
struct Pipeline<'a> {
    options: &'a IngestOptions,
    roots: &'a [Root],
    fields: &'a Fields,
    analyzer: &'a Analyzer,
    recorded: &'a Manifest,
    /// The index's seed of near-duplicate signatures.
    signature_seed: u64,
    /// Where the years of dates written without one come from.
    evidence: &'a DateEvidence,
    stop: &'a AtomicBool,
}

impl Pipeline<'_> {
    /// Walks, reads and indexes (or, without a writer, only checks); returns what the walk
    /// found. Workers parse and analyze; this thread owns the writer, so it can add, delete
    /// and commit between documents without locking.
    fn run(
        &self,
        sink: Sink<'_>,
        on_event: &mut dyn FnMut(&IngestEvent),
        report: &mut IngestReport,
    ) -> Result<Walked> {
        let (options, stop) = (self.options, self.stop);
        let threads = options.threads.max(1);
        let dry_run = matches!(sink, Sink::Check);
        let (job_sender, job_receiver) = bounded::<Job>(threads * 64);
        let (done_sender, done_receiver) = bounded::<Done>(threads * 16);
        std::thread::scope(|scope| -> Result<Walked> {
            let walker_events = done_sender.clone();
            let walk_options = WalkOptions {
                track_ids: options.prune || self.roots.len() > 1,
                follow: options.follow,
                drafts: options.drafts,
            };
            let roots = self.roots;
            let walker = std::thread::Builder::new()
                .name("sousuo-walk".into())
                .spawn_scoped(scope, move || {
                    walk(roots, walk_options, job_sender, walker_events, stop)
                })
                .map_err(|source| Error::Resources {
                    what: "cannot start the walker thread".into(),
                    source,
                })?;
            self.start_workers(scope, dry_run, (&job_receiver, &done_sender))?;
            drop(done_sender);
            drop(job_receiver);
            let failure = self.drain(sink, done_receiver, on_event, report);
            let walked = walker.join().expect("the walker thread does not panic");
            match failure {
                Some(err) => Err(err),
                None => Ok(walked),
            }
        })
    }

    /// Starts `options.threads` workers that read the jobs and send what they made; fewer
    /// than asked for still finish the run, none cannot.
    fn start_workers<'scope>(
        &'scope self,
        scope: &'scope std::thread::Scope<'scope, '_>,
        dry_run: bool,
        (jobs, done): (&Receiver<Job>, &Sender<Done>),
    ) -> Result<()> {
        let (options, stop) = (self.options, self.stop);
        let ingested = chrono::Utc::now().timestamp_micros();
        for number in 0..options.threads.max(1) {
            let jobs = jobs.clone();
            let done = done.clone();
            let worker = Worker {
                options,
                dry_run,
                fields: self.fields,
                analyzer: self.analyzer,
                recorded: self.recorded,
                ingested,
                signature_seed: self.signature_seed,
                evidence: self.evidence,
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
                if number == 0 {
                    stop.store(true, Ordering::Relaxed);
                    return Err(Error::Resources {
                        what: "cannot start a reader thread".into(),
                        source: err,
                    });
                }
                break;
            }
        }
        Ok(())
    }

    /// Takes what the workers made into `sink`, in the order it comes; the first failure of
    /// the sink stops the run and is returned.
    fn drain(
        &self,
        mut sink: Sink<'_>,
        done: Receiver<Done>,
        on_event: &mut dyn FnMut(&IngestEvent),
        report: &mut IngestReport,
    ) -> Option<Error> {
        let mut failure = None;
        for (event, write) in done.iter() {
            if failure.is_some() {
                // The writer is gone: the files after it are not to blame.
                continue;
            }
            if let Err(err) = sink.take(write, self.options.commit_every, on_event) {
                failure = Some(err);
                self.stop.store(true, Ordering::Relaxed);
                continue;
            }
            report.count(&event);
            on_event(&event);
        }
        failure
    }
}

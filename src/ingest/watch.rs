//! `ingest --watch`: after the ingest, follow the roots and ingest again whenever posts
//! change — on file-system events (notify), debounced, once the changed files have stopped
//! growing, and every [`RESCAN_EVERY`] in any case (events can be lost). Each round is an
//! ordinary incremental ingest with pruning: unchanged files are skipped by their record,
//! deleted ones removed, a renamed one moved (removed under its old id, added under the new).
//! A round after events walks only the changed paths (an archive of 80,000 posts takes
//! about a second to walk whole); the periodic round, and a round after the events
//! overflowed or said a rescan is needed, walks the roots whole.
//!
//! A watch lives through ordinary days:
//! - events no round would read never count: hidden folders (`.git/index.lock`), files
//!   that are not posts (a bot's log), and the index folder itself, wherever it is;
//! - constant churn cannot starve a change: a round starts at most [`MAX_WAIT`] after the
//!   first change it waits for, quiet or not;
//! - a failed round (another process writing the index, a root gone missing, a full disk)
//!   is reported and tried again after a growing pause, up to [`MAX_RETRY_PAUSE`]; the
//!   watch never ends on one;
//! - a root replaced by another folder of its name (`mv posts posts.old && mv new posts`)
//!   is watched again, and walked whole.

use std::collections::{HashMap, HashSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use crate::error::{Error, Result};

use super::{article_format, ingest, IngestEvent, IngestOptions, IngestReport, Root};

/// Quiet time after the last event before a round starts.
const DEBOUNCE: Duration = Duration::from_millis(300);
/// The longest a change waits for quiet (or for its files to stop growing).
pub const MAX_WAIT: Duration = Duration::from_secs(10);
/// A round walks the roots whole at least this often, events or not (a whole walk of
/// 80,000 posts costs about a CPU-second).
const RESCAN_EVERY: Duration = Duration::from_secs(300);
/// Changed paths whose size and time are checked before a round (beyond: the debounce only).
const MAX_SETTLE_CHECKS: usize = 10_000;
/// How long a changed file must keep its size and time to count as written.
const SETTLE: Duration = Duration::from_millis(250);
/// How often the roots are looked at for having been replaced or removed.
const ROOT_CHECK_EVERY: Duration = Duration::from_secs(1);
/// The pause after a first failed round; it doubles with each failure after.
const FIRST_RETRY_PAUSE: Duration = Duration::from_secs(1);
/// The longest pause between tries of a failing round.
pub const MAX_RETRY_PAUSE: Duration = Duration::from_secs(60);

/// What a watch round came to.
#[derive(Debug)]
pub enum Round<'a> {
    /// It ran: what it ingested.
    Done(&'a IngestReport),
    /// It failed; it is tried again in `retry_in`.
    Failed {
        /// Why.
        error: &'a Error,
        /// When it is tried again.
        retry_in: Duration,
    },
}

/// One root being watched: the path notify follows, and the folder it was when the
/// watch was set (a replaced root is another folder at the same path).
struct WatchedRoot {
    given: PathBuf,
    path: PathBuf,
    identity: Option<(u64, u64)>,
}

impl WatchedRoot {
    fn current_identity(&self) -> Option<(u64, u64)> {
        let meta = std::fs::metadata(&self.given).ok()?;
        Some((meta.dev(), meta.ino()))
    }
}

/// Follows `options.roots` until `stop` is set, running an incremental ingest (with
/// pruning) after each burst of changes; `on_round` hears how each round went.
pub fn watch(
    options: &IngestOptions,
    stop: &AtomicBool,
    on_event: &mut dyn FnMut(&IngestEvent),
    on_round: &mut dyn FnMut(Round<'_>),
) -> Result<()> {
    let (sender, events) = crossbeam_channel::unbounded();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let _ = sender.send(event);
    })
    .map_err(|e| Error::Usage(format!("cannot watch the posts: {e}")))?;
    let (mut roots, relevant) = watch_roots(&mut watcher, options)?;
    let mut round = options.clone();
    round.prune = true;
    round.rebuild = false;
    let mut pending = Pending::new();
    let mut problems = FileProblems::default();
    while !stop.load(Ordering::Relaxed) {
        match events.recv_timeout(Duration::from_millis(100)) {
            Ok(event) => {
                pending.note(event, &relevant);
                continue;
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
        }
        if pending.last_root_check.elapsed() >= ROOT_CHECK_EVERY {
            pending.last_root_check = Instant::now();
            if rewatch_replaced(&mut watcher, &mut roots) {
                pending.walk_whole();
            }
        }
        let Some(only) = pending.next_round() else {
            continue;
        };
        round.only = only;
        let mut still_written = Vec::new();
        let mut shown = |event: &IngestEvent| {
            if problems.shows(event, &mut still_written) {
                on_event(event);
            }
        };
        let ran = ingest(&round, stop, &mut shown);
        pending.read_again(still_written);
        match ran {
            Ok(report) => {
                pending.succeeded();
                on_round(Round::Done(&report));
            }
            Err(error) => {
                let retry_in = pending.failed();
                on_round(Round::Failed {
                    error: &error,
                    retry_in,
                });
            }
        }
    }
    Ok(())
}

/// Sets a watch on each root (a root gone now is watched when it comes back); returns the
/// roots and which events concern them.
fn watch_roots(
    watcher: &mut RecommendedWatcher,
    options: &IngestOptions,
) -> Result<(Vec<WatchedRoot>, Relevance)> {
    let mut roots = Vec::new();
    let mut folders = Vec::new();
    for given in &options.roots {
        let mut watched = WatchedRoot {
            given: given.clone(),
            path: std::path::absolute(given).unwrap_or_else(|_| given.clone()),
            identity: None,
        };
        // A root gone since the ingest before (or going while the watch is set) is
        // watched when it comes back.
        match Root::resolve(given) {
            Ok(root) => {
                if root.file_id.is_none() {
                    // Folders are watched by their absolute path, so events name paths
                    // under it.
                    watched.path = root.folder.clone();
                }
                match watcher.watch(&watched.path, RecursiveMode::Recursive) {
                    Ok(()) => watched.identity = watched.current_identity(),
                    Err(_) if !given.exists() => {}
                    Err(e) => {
                        let message = format!("cannot watch {}: {e}", given.display());
                        return Err(Error::Usage(message));
                    }
                }
                folders.push(root.folder);
            }
            Err(_) if !given.exists() => folders.push(watched.path.clone()),
            Err(e) => return Err(e),
        }
        roots.push(watched);
    }
    let index = &options.index_dir;
    let relevant = Relevance {
        folders,
        index: [
            index.clone(),
            index.canonicalize().unwrap_or_else(|_| index.clone()),
        ],
    };
    Ok((roots, relevant))
}

/// What the next round waits for, and when it is due.
struct Pending {
    /// The paths changed since the last round.
    changed: HashSet<PathBuf>,
    /// Whether the next round must walk the roots whole (events were lost or too many).
    whole: bool,
    /// When the first change the next round waits for came.
    first: Option<Instant>,
    last_event: Instant,
    last_round: Instant,
    last_root_check: Instant,
    /// Rounds failed in a row, and when the next try is.
    failures: u32,
    retry_at: Option<Instant>,
}

impl Pending {
    /// The first round walks whole, at once: it catches up with what changed between the
    /// ingest before and the watches being set.
    fn new() -> Pending {
        let now = Instant::now();
        Pending {
            changed: HashSet::new(),
            whole: true,
            first: Some(now),
            last_event: now.checked_sub(DEBOUNCE).unwrap_or(now),
            last_round: now,
            last_root_check: now,
            failures: 0,
            retry_at: None,
        }
    }

    /// Counts an event that concerns the posts.
    fn note(&mut self, event: notify::Result<notify::Event>, relevant: &Relevance) {
        match event {
            Ok(event) if !relevant.changes_posts(&event) => return,
            Ok(event)
                if !event.need_rescan()
                    && !event.paths.is_empty()
                    && self.changed.len() < MAX_SETTLE_CHECKS =>
            {
                self.changed.extend(event.paths);
            }
            _ => self.whole = true,
        }
        self.first.get_or_insert_with(Instant::now);
        self.last_event = Instant::now();
    }

    /// The next round walks the roots whole.
    fn walk_whole(&mut self) {
        self.whole = true;
        self.first.get_or_insert_with(Instant::now);
    }

    /// `Some` when a round is due, with the paths it reads (`None` inside: walk whole).
    fn next_round(&mut self) -> Option<Option<Vec<PathBuf>>> {
        if self.retry_at.is_some_and(|at| Instant::now() < at) {
            return None;
        }
        let waited_long = self.first.is_some_and(|first| first.elapsed() >= MAX_WAIT);
        let due = self.first.is_some() && (self.last_event.elapsed() >= DEBOUNCE || waited_long);
        let periodic = self.last_round.elapsed() >= RESCAN_EVERY;
        if !(due || periodic) {
            return None;
        }
        if !waited_long && !settled(&self.changed) {
            self.last_event = Instant::now();
            return None;
        }
        let only = (!(self.whole || periodic)).then(|| self.changed.drain().collect());
        self.changed.clear();
        self.last_round = Instant::now();
        Some(only)
    }

    /// Files a round found still being written: read again once they are whole.
    fn read_again(&mut self, still_written: Vec<PathBuf>) {
        if !still_written.is_empty() {
            self.changed.extend(still_written);
            self.first.get_or_insert_with(Instant::now);
            self.last_event = Instant::now();
        }
    }

    fn succeeded(&mut self) {
        self.whole = false;
        self.first = None;
        self.failures = 0;
        self.retry_at = None;
    }

    /// A failed round is tried again, walking whole (what changed meanwhile is in the
    /// walk), after a pause that grows with each failure: returns the pause.
    fn failed(&mut self) -> Duration {
        self.walk_whole();
        let retry_in = retry_pause(self.failures);
        self.failures = self.failures.saturating_add(1);
        self.retry_at = Some(Instant::now() + retry_in);
        retry_in
    }
}

/// The files whose problems a watch has shown, so each is shown once until the file
/// changes; and files that fail while still being written, which are read again instead.
#[derive(Default)]
struct FileProblems {
    shown: HashMap<PathBuf, (u64, Option<SystemTime>)>,
}

/// A file changed this recently and failing (or read in part) is taken to be still
/// being written.
const STILL_WRITTEN: Duration = Duration::from_secs(3);

impl FileProblems {
    /// Whether `event` is to be shown: not a failure of a file still being written (that
    /// one goes to `again`), nor one shown before for the file as it is.
    fn shows(&mut self, event: &IngestEvent, again: &mut Vec<PathBuf>) -> bool {
        let IngestEvent::File {
            path,
            outcome,
            damage,
            ..
        } = event
        else {
            return true;
        };
        let failed = matches!(outcome, super::FileOutcome::Failed(_)) || damage.is_some();
        if !failed {
            self.shown.remove(path);
            return true;
        }
        let Ok(meta) = std::fs::metadata(path) else {
            return true;
        };
        let modified = meta.modified().ok();
        let recent = modified
            .and_then(|time| time.elapsed().ok())
            .is_some_and(|age| age < STILL_WRITTEN);
        if recent {
            again.push(path.clone());
            return false;
        }
        self.shown.insert(path.clone(), (meta.len(), modified)) != Some((meta.len(), modified))
    }
}

/// The pause after `failures` earlier failures in a row: 1 s, 2 s, 4 s … up to
/// [`MAX_RETRY_PAUSE`].
fn retry_pause(failures: u32) -> Duration {
    FIRST_RETRY_PAUSE
        .saturating_mul(1u32 << failures.min(16))
        .min(MAX_RETRY_PAUSE)
}

/// Watches again the roots that another folder replaced since they were watched (or that
/// came back after being removed); whether any did.
fn rewatch_replaced(watcher: &mut RecommendedWatcher, roots: &mut [WatchedRoot]) -> bool {
    let mut replaced = false;
    for root in roots.iter_mut() {
        let now = root.current_identity();
        if now == root.identity {
            continue;
        }
        let _ = watcher.unwatch(&root.path);
        if now.is_some() {
            if let Ok(resolved) = Root::resolve(&root.given) {
                if resolved.file_id.is_none() {
                    root.path = resolved.folder;
                }
            }
            if watcher.watch(&root.path, RecursiveMode::Recursive).is_err() {
                // Tried again at the next check.
                continue;
            }
        }
        root.identity = now;
        replaced = true;
    }
    replaced
}

/// Files that change which posts a walk takes.
const IGNORE_FILES: [&str; 3] = [".sousuoignore", ".gitignore", ".ignore"];

/// Which events can change what a round ingests.
struct Relevance {
    /// The roots' folders (absolute).
    folders: Vec<PathBuf>,
    /// The index folder, as given and absolute.
    index: [PathBuf; 2],
}

impl Relevance {
    /// Whether `event` may change a post: reading changes nothing; a path in the index
    /// folder, in a hidden folder or that names a file no round reads (`bot.log`) neither.
    /// An event without paths, or asking for a rescan, may.
    fn changes_posts(&self, event: &notify::Event) -> bool {
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return false;
        }
        if event.need_rescan() || event.paths.is_empty() {
            return true;
        }
        event.paths.iter().any(|path| self.may_hold_posts(path))
    }

    fn may_hold_posts(&self, path: &Path) -> bool {
        if self.index.iter().any(|index| path.starts_with(index)) {
            return false;
        }
        let below = self
            .folders
            .iter()
            .find_map(|folder| path.strip_prefix(folder).ok())
            .unwrap_or(path);
        let hidden_folder = below
            .parent()
            .into_iter()
            .flat_map(Path::components)
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
        if hidden_folder {
            return false;
        }
        let Some(name) = path.file_name() else {
            return true;
        };
        if IGNORE_FILES.iter().any(|ignore| name == *ignore) {
            return true;
        }
        // A post, a folder (it may hold posts), or a name without an extension (a folder
        // that is gone can no longer be asked).
        article_format(name).is_some() || path.is_dir() || !name.to_string_lossy().contains('.')
    }
}

/// Whether the changed files keep their size and modification time for [`SETTLE`]
/// (a file still being written is read once it is whole).
fn settled(paths: &HashSet<PathBuf>) -> bool {
    let look = |path: &PathBuf| {
        std::fs::symlink_metadata(path)
            .ok()
            .map(|m| (m.len(), m.modified().ok()))
    };
    let before: Vec<_> = paths.iter().map(look).collect();
    if paths.is_empty() {
        return true;
    }
    std::thread::sleep(SETTLE);
    paths.iter().map(look).eq(before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_pause_longer_each_time_up_to_the_most() {
        assert_eq!(retry_pause(0), Duration::from_secs(1));
        assert_eq!(retry_pause(3), Duration::from_secs(8));
        assert_eq!(retry_pause(40), MAX_RETRY_PAUSE);
    }

    #[test]
    fn only_events_that_may_change_a_post_count() {
        let relevant = Relevance {
            folders: vec![PathBuf::from("/blog/posts")],
            index: [
                PathBuf::from("/blog/posts/.sousuo"),
                PathBuf::from("/blog/posts/.sousuo"),
            ],
        };
        let event = |path: &str| {
            notify::Event::new(notify::EventKind::Modify(notify::event::ModifyKind::Any))
                .add_path(PathBuf::from(path))
        };
        for path in [
            "/blog/posts/2023/a.md",
            "/blog/posts/.md",
            "/blog/posts/2023",
            "/blog/posts/news.html",
        ] {
            assert!(relevant.changes_posts(&event(path)), "{path}");
        }
        for path in [
            "/blog/posts/.sousuo/meta.json",
            "/blog/posts/.git/index.lock",
            "/blog/posts/bot.log",
            "/blog/posts/.cache/a.md",
        ] {
            assert!(!relevant.changes_posts(&event(path)), "{path}");
        }
        let read = notify::Event::new(notify::EventKind::Access(notify::event::AccessKind::Any))
            .add_path(PathBuf::from("/blog/posts/a.md"));
        assert!(!relevant.changes_posts(&read));
    }
}

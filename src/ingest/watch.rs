//! `ingest --watch`: after the ingest, follow the roots and ingest again whenever posts
//! change — on file-system events (notify), debounced, once the changed files have stopped
//! growing, and every [`RESCAN_EVERY`] in any case (events can be lost). Each round is an
//! ordinary incremental ingest with pruning: unchanged files are skipped by their record,
//! deleted ones removed, a renamed one moved (removed under its old id, added under the new).
//! A round after events walks only the changed paths (an archive of 80,000 posts takes
//! about a second to walk whole); the periodic round, and a round after the events
//! overflowed or said a rescan is needed, walks the roots whole.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use crate::error::{Error, Result};

use super::{ingest, IngestEvent, IngestOptions, IngestReport, Root};

/// Quiet time after the last event before a round starts.
const DEBOUNCE: Duration = Duration::from_millis(300);
/// A round walks the roots whole at least this often, events or not (a whole walk of
/// 80,000 posts costs about a CPU-second).
const RESCAN_EVERY: Duration = Duration::from_secs(300);
/// Changed paths whose size and time are checked before a round (beyond: the debounce only).
const MAX_SETTLE_CHECKS: usize = 10_000;
/// How long a changed file must keep its size and time to count as written.
const SETTLE: Duration = Duration::from_millis(250);

/// Follows `options.roots` until `stop` is set, running an incremental ingest (with
/// pruning) after each burst of changes; `on_round` hears each round's report.
pub fn watch(
    options: &IngestOptions,
    stop: &AtomicBool,
    on_event: &mut dyn FnMut(&IngestEvent),
    on_round: &mut dyn FnMut(&IngestReport),
) -> Result<()> {
    let (sender, events) = crossbeam_channel::unbounded();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let _ = sender.send(event);
    })
    .map_err(|e| Error::Usage(format!("cannot watch the posts: {e}")))?;
    for given in &options.roots {
        // Folders are watched by their absolute path, so events name paths under it.
        let root = Root::resolve(given)?;
        let watched = if root.file_id.is_some() {
            given
        } else {
            &root.folder
        };
        watcher
            .watch(watched, RecursiveMode::Recursive)
            .map_err(|e| Error::Usage(format!("cannot watch {}: {e}", given.display())))?;
    }
    let mut round = options.clone();
    round.prune = true;
    round.rebuild = false;
    let mut changed: HashSet<PathBuf> = HashSet::new();
    // Whether the next round must walk the roots whole (events were lost or too many).
    // The first round does, at once: it catches up with what changed between the ingest
    // before and the watches being set.
    let mut whole = true;
    let mut dirty = true;
    let mut last_round = Instant::now();
    let mut last_event = Instant::now()
        .checked_sub(DEBOUNCE)
        .unwrap_or_else(Instant::now);
    while !stop.load(Ordering::Relaxed) {
        match events.recv_timeout(Duration::from_millis(100)) {
            Ok(event) => {
                match event {
                    // Reading a file or a folder (this watcher's own rounds do) changes
                    // nothing.
                    Ok(event) if matches!(event.kind, notify::EventKind::Access(_)) => continue,
                    Ok(event)
                        if !event.need_rescan()
                            && !event.paths.is_empty()
                            && changed.len() < MAX_SETTLE_CHECKS =>
                    {
                        changed.extend(event.paths)
                    }
                    _ => whole = true,
                }
                dirty = true;
                last_event = Instant::now();
                continue;
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
        }
        let due = dirty && last_event.elapsed() >= DEBOUNCE;
        let periodic = last_round.elapsed() >= RESCAN_EVERY;
        if !(due || periodic) {
            continue;
        }
        if !settled(&changed) {
            last_event = Instant::now();
            continue;
        }
        round.only = (!(whole || periodic)).then(|| changed.drain().collect());
        changed.clear();
        whole = false;
        dirty = false;
        last_round = Instant::now();
        let report = ingest(&round, stop, on_event)?;
        on_round(&report);
    }
    Ok(())
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

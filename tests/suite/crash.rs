//! Crash consistency: `kill -9` at random points of a normal ingest, of `--prune` and of
//! `--rebuild`, 20 times each (`SOUSUO_CRASH_ROUNDS` sets how many; the points are spread
//! over the whole run, one in each of as many equal slices, so few rounds still kill at
//! every stage); every time, the next complete run ends with the same articles as a clean
//! run (no loss, no duplicate), and a killed rebuild leaves the old index whole.

use crate::common;

use std::fs;
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{documents, write_posts, Workspace};

const POSTS: usize = 1500;
/// Kills per test, unless `SOUSUO_CRASH_ROUNDS` says.
const KILLS: u64 = 20;

fn rounds() -> u64 {
    std::env::var("SOUSUO_CRASH_ROUNDS")
        .ok()
        .map(|n| n.parse().expect("SOUSUO_CRASH_ROUNDS is a number"))
        .unwrap_or(KILLS)
}

/// A small pseudo-random sequence (the seed is printed, so a failure can be replayed).
struct Delays(u64);

impl Delays {
    fn new() -> Delays {
        let seed = std::env::var("SOUSUO_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("SOUSUO_CRASH_SEED={seed}");
        Delays(seed | 1)
    }

    /// A delay in the `round`th of `rounds` equal slices of 0 to `max_ms` milliseconds.
    fn next(&mut self, round: u64, rounds: u64, max_ms: u64) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let slice = (max_ms + 1).div_ceil(rounds);
        Duration::from_millis(round * slice + self.0 % slice)
    }
}

/// Starts sousuo with `args` and kills it with SIGKILL after `delay`.
fn kill_after(workspace: &Workspace, args: &[&str], delay: Duration) {
    let mut child = workspace.spawn(args, Stdio::null);
    std::thread::sleep(delay);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Runs `args` to the end and checks the index holds `expected` articles, each once.
fn complete(workspace: &Workspace, args: &[&str], expected: u64, what: &str) {
    let run = workspace.run(args);
    assert_eq!(run.code, 0, "{what}: {run:?}");
    let check = workspace.run(&["check", "--json"]);
    assert_eq!(check.code, 0, "{what}: {check:?}");
    let report: serde_json::Value = serde_json::from_str(check.stdout.trim()).unwrap();
    assert_eq!(report["documents"], expected, "{what}: {report}");
    assert_eq!(report["duplicate_ids"], serde_json::json!([]), "{what}");
}

const INGEST: &[&str] = &["ingest", "posts", "--commit-every", "200", "--threads", "2"];

#[test]
fn kill_9_during_an_ingest_loses_and_duplicates_nothing() {
    let workspace = Workspace::with_fixtures(&[]);
    write_posts(workspace.path(), POSTS);
    let mut delays = Delays::new();
    let rounds = rounds();
    for round in 0..rounds {
        let _ = fs::remove_dir_all(workspace.path().join(".sousuo"));
        let delay = delays.next(round, rounds, 700);
        kill_after(&workspace, INGEST, delay);
        let what = format!("ingest killed after {delay:?} (round {round})");
        complete(&workspace, INGEST, POSTS as u64, &what);
    }
}

#[test]
fn kill_9_during_a_prune_removes_exactly_the_gone_articles() {
    let workspace = Workspace::with_fixtures(&[]);
    write_posts(workspace.path(), POSTS);
    let gone = workspace.posts().join("gen");
    let kept = workspace.posts().join("kept");
    fs::create_dir_all(&kept).unwrap();
    // 1,200 posts stay, 300 go in every round.
    for post in 0..1200 {
        let name = format!("post-{post:05}.md");
        fs::rename(gone.join(&name), kept.join(&name)).unwrap();
    }
    let mut delays = Delays::new();
    let prune = [INGEST, &["--prune"]].concat();
    let rounds = rounds();
    for round in 0..rounds {
        complete(&workspace, INGEST, POSTS as u64, "setting up");
        let aside = workspace.path().join("aside");
        fs::rename(&gone, &aside).unwrap();
        let delay = delays.next(round, rounds, 25);
        kill_after(&workspace, &prune, delay);
        let what = format!("prune killed after {delay:?} (round {round})");
        complete(&workspace, &prune, 1200, &what);
        fs::rename(&aside, &gone).unwrap();
    }
}

#[test]
fn kill_9_during_a_rebuild_keeps_the_old_index_whole() {
    let workspace = Workspace::with_fixtures(&[]);
    write_posts(workspace.path(), POSTS);
    complete(&workspace, INGEST, POSTS as u64, "setting up");
    let rebuild = [INGEST, &["--rebuild"]].concat();
    let mut delays = Delays::new();
    let rounds = rounds();
    for round in 0..rounds {
        let delay = delays.next(round, rounds, 500);
        kill_after(&workspace, &rebuild, delay);
        let what = format!("rebuild killed after {delay:?} (round {round})");
        assert_eq!(
            documents(&workspace),
            POSTS as u64,
            "{what}: old index whole"
        );
        complete(&workspace, &rebuild, POSTS as u64, &what);
    }
    let leftovers: Vec<String> = fs::read_dir(workspace.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".creating-") || name.contains(".old-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

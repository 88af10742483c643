//! A running `ingest --watch`, and waiting for what it should do.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::Workspace;

pub struct Watching(pub Child);

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn start(workspace: &Workspace) -> Watching {
    let child = workspace.spawn(&["ingest", "posts", "--watch", "--json"], Stdio::null);
    // The first ingest is done when the index answers.
    let deadline = Instant::now() + Duration::from_secs(30);
    while workspace.run(&["stats", "--json"]).code != 0 {
        assert!(Instant::now() < deadline, "the first ingest did not finish");
        std::thread::sleep(Duration::from_millis(100));
    }
    Watching(child)
}

pub fn count(workspace: &Workspace, query: &str) -> String {
    workspace
        .run(&["query", "-c", query])
        .stdout
        .trim()
        .to_string()
}

/// How long until `done` holds (a 60 s deadline, then the test fails with what it last
/// saw: how fast it holds is measured by `scripts/bench`, not here).
pub fn eventually(done: impl FnMut() -> Result<(), String>) -> Duration {
    eventually_within(Duration::from_secs(60), done)
}

/// How long until `done` holds (`limit` at most, then the test fails with what it last saw).
pub fn eventually_within(
    limit: Duration,
    mut done: impl FnMut() -> Result<(), String>,
) -> Duration {
    let started = Instant::now();
    loop {
        match done() {
            Ok(()) => return started.elapsed(),
            Err(seen) => assert!(started.elapsed() < limit, "{seen}"),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// How long until `query` counts `expected`.
pub fn until_count(workspace: &Workspace, query: &str, expected: &str) -> Duration {
    eventually(|| {
        let counted = count(workspace, query);
        (counted == expected)
            .then_some(())
            .ok_or(format!("{query}: {counted} (expected {expected})"))
    })
}

pub fn post(title: &str, body: &str) -> String {
    format!("---\ntitle: {title}\n---\n{body}\n")
}

//! Saved searches against the real binary: each reports the articles ingested since it last
//! ran, exactly once, also when two runs start together; cron-friendly exit codes.

use crate::common;

use std::fs;
use std::process::Stdio;

use common::Workspace;

fn post(workspace: &Workspace, name: &str, title: &str, body: &str) {
    let folder = workspace.posts().join("news");
    fs::create_dir_all(&folder).unwrap();
    fs::write(
        folder.join(name),
        format!("---\ntitle: {title}\n---\n{body}\n"),
    )
    .unwrap();
}

fn ingest(workspace: &Workspace) {
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
}

/// The ids a `saved run --json` reported, and its exit code.
fn run_saved(workspace: &Workspace, names: &[&str]) -> (Vec<String>, i32) {
    let mut args = vec!["saved", "run", "--json"];
    args.extend_from_slice(names);
    let run = workspace.run(&args);
    assert!(run.code <= 1, "{run:?}");
    let ids = run
        .json_lines()
        .iter()
        .filter_map(|line| line["id"].as_str().map(str::to_string))
        .collect();
    (ids, run.code)
}

#[test]
fn a_saved_search_reports_each_new_match_once() {
    let workspace = Workspace::with_fixtures(&[]);
    post(&workspace, "old.md", "暴雨来袭", "南方暴雨。");
    ingest(&workspace);
    let added = workspace.run(&["saved", "add", "rain", "暴雨", "--category", "新闻"]);
    assert_eq!(added.code, 0, "{added:?}");
    let added = workspace.run(&["saved", "add", "storm", "暴雨"]);
    assert_eq!(added.code, 0, "{added:?}");
    // What was there before it was saved is not new.
    assert_eq!(run_saved(&workspace, &["storm"]), (vec![], 1));
    post(&workspace, "new.md", "暴雨再袭", "北方暴雨。");
    post(&workspace, "other.md", "晴天", "晴天少云。");
    ingest(&workspace);
    assert_eq!(
        run_saved(&workspace, &["storm"]),
        (vec!["news/new.md".to_string()], 0)
    );
    let listed = workspace.run(&["saved", "list", "--json"]).stdout;
    assert_eq!(
        run_saved(&workspace, &["storm"]),
        (vec![], 1),
        "once only: {listed}"
    );
    // The filters are the search's: no article of this archive is in 新闻.
    assert_eq!(run_saved(&workspace, &["rain"]), (vec![], 1));
    let listed = workspace.run(&["saved", "list"]);
    assert_eq!(listed.stdout, "rain\t暴雨\nstorm\t暴雨\n");
    // Two runs at once take turns: the new article is reported by one of them.
    post(&workspace, "third.md", "暴雨三袭", "西部暴雨。");
    ingest(&workspace);
    let runs: Vec<_> = (0..2)
        .map(|_| workspace.spawn(&["saved", "run", "storm", "--json"], Stdio::piped))
        .collect();
    let mut reported = 0;
    for child in runs {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        reported += stdout
            .lines()
            .filter(|l| l.contains("\"id\":\"news/third.md\""))
            .count();
    }
    assert_eq!(reported, 1);
}

#[test]
fn saved_searches_refuse_what_they_cannot_keep() {
    let workspace = Workspace::with_fixtures(&[]);
    post(&workspace, "a.md", "暴雨", "暴雨。");
    ingest(&workspace);
    workspace
        .run(&["saved", "add", "bad name", "暴雨"])
        .assert_error(2, "cannot name a saved search");
    workspace
        .run(&["saved", "add", "broken", "\"暴雨"])
        .assert_error(2, "unclosed quote");
    assert_eq!(workspace.run(&["saved", "add", "rain", "暴雨"]).code, 0);
    workspace
        .run(&["saved", "add", "rain", "台风"])
        .assert_error(2, "already called \"rain\"");
    workspace
        .run(&["saved", "run", "nothing"])
        .assert_error(2, "no saved search is called \"nothing\"");
    assert_eq!(workspace.run(&["saved", "rm", "rain"]).code, 0);
    workspace
        .run(&["saved", "rm", "rain"])
        .assert_error(2, "no saved search is called \"rain\"");
    assert_eq!(workspace.run(&["saved", "list"]).stdout, "");
    // Where there is no index, each says so (not a lock file's error, not an empty list),
    // and leaves nothing behind.
    let nowhere = workspace.path().join("no-index");
    std::fs::create_dir(&nowhere).unwrap();
    let nowhere_arg = nowhere.to_str().unwrap();
    for args in [
        &["run"][..],
        &["list"],
        &["rm", "rain"],
        &["add", "rain", "暴雨"],
    ] {
        let args: Vec<&str> = [&["saved"], args, &["--index", nowhere_arg]].concat();
        workspace
            .run(&args)
            .assert_error(2, &format!("no sousuo index at {nowhere_arg}"));
    }
    assert_eq!(std::fs::read_dir(&nowhere).unwrap().count(), 0);
}

#[test]
fn a_saved_run_between_two_commits_of_one_ingest_misses_none_of_the_second() {
    let workspace = Workspace::with_fixtures(&[]);
    post(&workspace, "first.md", "开始", "暴雨。");
    ingest(&workspace);
    assert_eq!(workspace.run(&["saved", "add", "all", "谈到"]).code, 0);
    common::write_posts(workspace.path(), 3000);
    let meta = workspace.path().join(".sousuo/meta.json");
    let modified = || fs::metadata(&meta).and_then(|m| m.modified()).ok();
    let before = modified();
    let mut child = workspace.spawn(
        &[
            "ingest",
            "posts",
            "--threads",
            "1",
            "--commit-every",
            "100",
            "--quiet",
        ],
        Stdio::null,
    );
    // Stopped right after its first commit along the way, a saved run sees part of it.
    let started = std::time::Instant::now();
    while modified() == before {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the ingest ended first"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(60));
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let stop = |signal: &str| {
        let sent = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    };
    // How many articles a run counts as new.
    let new = || {
        let run = workspace.run(&["saved", "run", "all", "--json", "-n", "0"]);
        assert!(run.code <= 1, "{run:?}");
        let lines = run.json_lines();
        let saved = lines.iter().find(|line| line.get("saved").is_some());
        saved.expect("a saved line")["saved"]["new"]
            .as_u64()
            .unwrap()
    };
    stop("-STOP");
    let early = new();
    stop("-CONT");
    assert!(child.wait().unwrap().success());
    let late = new();
    assert!(early > 0 && early < 3000, "{early}");
    assert_eq!(
        early + late,
        3000,
        "every article reported, once: {early} + {late}"
    );
}

#[test]
fn a_broken_saved_search_is_named_and_the_others_still_run() {
    let workspace = Workspace::with_fixtures(&[]);
    post(&workspace, "a.md", "暴雨", "暴雨。");
    ingest(&workspace);
    assert_eq!(workspace.run(&["saved", "add", "rain", "暴雨"]).code, 0);
    assert_eq!(workspace.run(&["saved", "add", "wind", "台风"]).code, 0);
    // An entry this version cannot run, written by hand or by another version.
    let file = workspace.path().join(".sousuo/saved-searches.json");
    let mut searches: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&file).unwrap()).unwrap();
    searches[0]["query"] = "title:".into();
    fs::write(&file, searches.to_string()).unwrap();
    post(&workspace, "b.md", "台风", "台风登陆。");
    ingest(&workspace);
    let run = workspace.run(&["saved", "run", "--json", "-n", "100"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("saved search \"rain\""), "{run:?}");
    let ids: Vec<String> = run
        .json_lines()
        .iter()
        .filter_map(|line| line["id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(ids, ["news/b.md"], "{run:?}");
    // The one that ran moved on; the broken one keeps its place.
    let (again, code) = run_saved(&workspace, &["wind"]);
    assert!(again.is_empty() && code == 1);
}

#[test]
fn a_saved_run_waiting_for_another_reads_the_index_after_its_turn() {
    let workspace = Workspace::with_fixtures(&[]);
    post(&workspace, "a.md", "暴雨", "暴雨。");
    ingest(&workspace);
    assert_eq!(workspace.run(&["saved", "add", "rain", "暴雨"]).code, 0);
    // Another run holds the saved searches (this test takes their lock).
    let lock = fs::OpenOptions::new()
        .write(true)
        .open(workspace.path().join(".sousuo/saved-searches.lock"))
        .unwrap();
    lock.lock().unwrap();
    let waiting = workspace.spawn(&["saved", "run", "--json"], Stdio::piped);
    // Until it waits for the lock (the kernel lists it as a blocked flock).
    let started = std::time::Instant::now();
    let blocked = format!(" {} ", waiting.id());
    while !fs::read_to_string("/proc/locks")
        .unwrap()
        .lines()
        .any(|line| line.contains("-> FLOCK") && line.contains(&blocked))
    {
        assert!(started.elapsed() < std::time::Duration::from_secs(60));
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // Articles that arrive while it waits are read by it once its turn comes, never by a
    // searcher opened before (which would report them late, or move the watermark back).
    post(&workspace, "b.md", "暴雨再来", "暴雨又来。");
    ingest(&workspace);
    drop(lock);
    let output = waiting.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("news/b.md"), "{stdout}");
    let (again, code) = run_saved(&workspace, &["rain"]);
    assert!(again.is_empty() && code == 1, "reported once: {again:?}");
}

/// A rebuild (a new dictionary, a new sousuo) keeps the saved searches, and what they saw
/// stays seen: an article unchanged since keeps its ingest time, a new or changed one is
/// reported once.
#[test]
fn a_rebuild_keeps_the_saved_searches_and_what_they_saw() {
    let workspace = Workspace::with_fixtures(&[]);
    post(&workspace, "old.md", "暴雨来袭", "南方暴雨。");
    post(&workspace, "edited.md", "暴雨预警", "东部暴雨。");
    ingest(&workspace);
    let added = workspace.run(&["saved", "add", "storm", "暴雨"]);
    assert_eq!(added.code, 0, "{added:?}");
    assert_eq!(run_saved(&workspace, &["storm"]), (vec![], 1));
    post(&workspace, "new.md", "暴雨再袭", "北方暴雨。");
    post(&workspace, "edited.md", "暴雨预警", "东部暴雨，西部大风。");
    let rebuilt = workspace.run(&["ingest", "posts", "--rebuild"]);
    assert_eq!(rebuilt.code, 0, "{rebuilt:?}");
    let (mut ids, code) = run_saved(&workspace, &["storm"]);
    ids.sort();
    assert_eq!(
        (ids, code),
        (
            vec!["news/edited.md".to_string(), "news/new.md".to_string()],
            0
        )
    );
    assert_eq!(run_saved(&workspace, &["storm"]), (vec![], 1));
}

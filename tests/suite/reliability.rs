//! Bad input, crashes and concurrent use, against the real binary.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{
    documents, fixtures, is_root, sousuo, sousuo_with_permissions, write_posts, Workspace,
};

#[test]
fn every_bad_file_is_reported_and_every_good_one_indexed() {
    let workspace = Workspace::with_fixtures(&["bad", "real"]);
    let posts = workspace.posts();
    // Not articles: skipped without a word.
    fs::write(posts.join("bad/.DS_Store"), b"\0\0\x01Bud1").unwrap();
    fs::write(posts.join("bad/cover.png"), b"\x89PNG\r\n\x1a\n").unwrap();
    let (run, summary) = workspace.ingest();
    assert_eq!(run.code, 1, "{run:?}");
    let failed = [
        ("binary.md", "binary file (NUL byte at offset 0)"),
        ("empty.md", "empty file"),
        ("whitespace.md", "only whitespace"),
        ("unclosed-front-matter.md", "front matter is not closed"),
        ("front-matter-list.md", "front matter is a list"),
        ("alias-bomb.md", "repetition limit exceeded"),
    ];
    // Front matter YAML cannot read is read line by line, with a warning naming the lines.
    let warned = [
        ("invalid-yaml.md", "not valid YAML"),
        ("yaml-tabs.md", "read line by line: title (line"),
        (
            "duplicate-keys.md",
            "duplicate entry with key \"title\"); read line by line",
        ),
        ("gbk.md", "decoded as GB18030"),
        ("utf16.md", "decoded as UTF-16LE"),
        ("categories-map.md", "`categories` holds a mapping"),
    ];
    let line_for = |file: &str| -> String {
        run.stderr
            .lines()
            .find(|l| l.contains(&format!("bad/{file}")))
            .unwrap_or_else(|| panic!("{file} not reported:\n{}", run.stderr))
            .to_string()
    };
    for (file, reason) in failed {
        let line = line_for(file);
        assert!(
            line.starts_with("error: ") && line.contains(reason),
            "{line}"
        );
    }
    for (file, reason) in warned {
        let line = line_for(file);
        assert!(
            line.starts_with("warning: ") && line.contains(reason),
            "{line}"
        );
    }
    let damaged = line_for("broken-utf8.md");
    assert!(
        damaged.contains("3 byte sequences could not be decoded (the first at byte"),
        "{damaged}"
    );
    assert!(!run.stderr.contains("DS_Store") && !run.stderr.contains("cover.png"));
    assert_eq!(summary["failed"], failed.len());
    assert_eq!(summary["damaged"], 1);
    // The --json summary lists the same files with the same reasons.
    let problems: Vec<&serde_json::Value> = summary["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] != "warning")
        .collect();
    assert_eq!(problems.len(), failed.len() + 1);
    let warnings = summary["problems"].as_array().unwrap().len() - problems.len();
    assert_eq!(summary["warnings"], warnings, "every warning is listed too");
    for (file, reason) in failed
        .iter()
        .chain([&("broken-utf8.md", "could not be decoded")])
    {
        let problem = problems
            .iter()
            .find(|p| {
                p["path"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("bad/{file}"))
            })
            .unwrap_or_else(|| panic!("{file} not in {problems:?}"));
        assert!(
            problem["reason"].as_str().unwrap().contains(reason),
            "{problem}"
        );
    }
    // real/ (6) + gbk, utf16, bom-utf8, title-number, categories-map, broken-utf8, long-line,
    // nested-divs, and the salvaged invalid-yaml, yaml-tabs, duplicate-keys.
    assert_eq!(summary["added"], 17, "{summary}");

    let found = |query: &str| workspace.query(query).hit_ids();
    assert_eq!(found("GBK编码")[0], "bad/gbk.md");
    assert_eq!(found("UTF-16")[0], "bad/utf16.md");
    assert_eq!(found("带BOM"), ["bad/bom-utf8.md"]);
    assert_eq!(found("深处"), ["bad/nested-divs.html"]);
    assert_eq!(found("坏字节")[0], "bad/broken-utf8.md");
    assert!(found("没有空格的长行").contains(&"bad/long-line.md".to_string()));
    let hits = workspace.query("标题是数字").hits();
    assert_eq!(hits[0]["title"], "2022");
    assert_eq!(hits[0]["categories"], serde_json::json!(["42"]));
}

#[test]
fn the_bad_folder_stays_within_a_memory_limit() {
    // 2 GiB of address space: mimalloc reserves its arenas and tantivy maps files, so the
    // address space runs well above the resident size (a few hundred MB here); an alias
    // bomb or a runaway parse would still break through it.
    let workspace = Workspace::with_fixtures(&["bad"]);
    let output = Command::new("prlimit")
        .arg(format!("--as={}", 2u64 << 30))
        .arg(env!("CARGO_BIN_EXE_sousuo"))
        .args(["ingest", "posts", "--json"])
        .current_dir(workspace.path())
        .output()
        .expect("prlimit (util-linux) is installed");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{:?}: {stderr}",
        output.status
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["added"], 11, "{stderr}");
}

#[test]
fn oversized_files_are_refused_unless_the_limit_is_raised() {
    let workspace = Workspace::with_fixtures(&["handmade"]);
    let huge = fs::File::create(workspace.posts().join("huge.md")).unwrap();
    huge.set_len(200 << 20).unwrap();
    let mut big = String::from("---\ntitle: 两兆字节\n---\n");
    big.push_str(&"<p>很长的文章。</p>\n".repeat(80_000));
    fs::write(workspace.posts().join("big.md"), &big).unwrap();
    let run = workspace.run(&["ingest", "posts", "--max-file-size", "1"]);
    assert_eq!(run.code, 1);
    let line = run.stderr.lines().find(|l| l.contains("huge.md")).unwrap();
    assert!(
        line.contains("file is 200.0 MB, over the 1 MB limit (raise it with --max-file-size)"),
        "{line}"
    );
    assert!(
        run.stderr
            .contains("big.md: file is 2.0 MB, over the 1 MB limit"),
        "{}",
        run.stderr
    );
    let run = workspace.run(&["ingest", "posts"]);
    assert!(!run.stderr.contains("big.md"), "{}", run.stderr);
    assert!(run
        .stderr
        .contains("huge.md: file is 200.0 MB, over the 64 MB limit"));
    assert_eq!(workspace.query("两兆字节").hit_ids(), ["big.md"]);
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_unreadable_files_are_reported() {
    let workspace = Workspace::with_fixtures(&["handmade"]);
    std::os::unix::fs::symlink("..", workspace.posts().join("handmade/loop")).unwrap();
    let locked = workspace.posts().join("handmade/locked.md");
    fs::write(&locked, "---\ntitle: 锁住\n---\n正文").unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads every file whatever its mode: run as nobody to see the permission check.
    if is_root() {
        for dir in [
            workspace.path().to_path_buf(),
            workspace.posts(),
            workspace.posts().join("handmade"),
        ] {
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        }
    }
    let mut command = sousuo_with_permissions();
    let output = command
        .args(["ingest", "posts"])
        .env_remove("SOUSUO_INDEX")
        .current_dir(workspace.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("handmade/loop: symbolic link loop back to"),
        "{stderr}"
    );
    assert!(stderr.contains("locked.md: Permission denied"), "{stderr}");
    assert_eq!(
        workspace.query("大会堂").hit_ids(),
        ["handmade/人大会议.md"]
    );
}

#[test]
fn killing_an_ingest_at_any_point_loses_and_duplicates_nothing() {
    let workspace = Workspace::with_fixtures(&[]);
    let total = 3000;
    write_posts(workspace.path(), total);
    for delay_ms in [30, 150, 400, 800, 1500] {
        let mut child = workspace.spawn(
            &[
                "ingest",
                "posts",
                "--commit-every",
                "500",
                "--threads",
                "1",
                "--quiet",
            ],
            Stdio::null,
        );
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        // The index opens at its last commit (hits, or none yet), or was never created.
        let query = workspace.run(&["query", "算力", "--json"]);
        assert!(
            query.code <= 1 || query.stderr.starts_with("error: no sousuo index"),
            "after kill at {delay_ms} ms: {query:?}"
        );
    }
    let run = workspace.run(&["ingest", "posts", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(documents(&workspace), total as u64);
    let again = workspace.run(&["ingest", "posts", "--json"]);
    let summary: serde_json::Value = serde_json::from_str(again.stdout.trim()).unwrap();
    assert_eq!(summary["unchanged"], total);
    assert_eq!(summary["added"], 0);
    // Every article once: a query matching all of them counts each exactly once.
    let all = workspace.run(&["query", "新闻", "--json", "--limit", "5000", "--no-fold"]);
    let ids = all.hit_ids();
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), total);
    assert_eq!(unique.len(), total);
}

/// Sends `kill SIGNAL` to a child.
fn signal(child: &std::process::Child, signal: &str) {
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill {signal}");
}

/// Whether another process holds an flock on `path` (it does not exist: no).
fn holds_lock(path: &Path) -> bool {
    let Ok(file) = std::fs::OpenOptions::new().write(true).open(path) else {
        return false;
    };
    // Taken here, the lock is released when `file` is closed.
    matches!(file.try_lock(), Err(std::fs::TryLockError::WouldBlock))
}

/// Waits until an ingest holds the lock `lock` (and has written its pid in it), then stops
/// it (SIGSTOP) while it is still running; the test sends SIGCONT.
fn pause_when_locked(child: &mut std::process::Child, lock: &Path) {
    let started = Instant::now();
    let pid = child.id().to_string();
    while !(holds_lock(lock) && std::fs::read_to_string(lock).is_ok_and(|held| held == pid)) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the ingest ended first"
        );
        assert!(started.elapsed() < Duration::from_secs(30), "no lock");
        std::thread::sleep(Duration::from_millis(1));
    }
    signal(child, "-STOP");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the ingest ended first"
    );
}

#[test]
fn a_second_ingest_is_refused_while_one_runs_and_queries_see_the_last_commit() {
    let workspace = Workspace::with_fixtures(&["handmade"]);
    assert_eq!(workspace.run(&["ingest", "posts/handmade"]).code, 0);
    write_posts(workspace.path(), 4000);
    let mut child = workspace.spawn(
        &["ingest", "posts", "--threads", "1", "--quiet"],
        Stdio::null,
    );
    let lock = workspace.path().join(".sousuo/ingest.lock");
    // Frozen while it holds the lock, the first ingest is surely running.
    pause_when_locked(&mut child, &lock);
    let second = workspace.run(&["ingest", "posts/handmade"]);
    assert_eq!(second.code, 2, "{second:?}");
    assert!(
        second.stderr.contains(&format!(
            "index is being written by another sousuo process (pid {})",
            child.id()
        )),
        "{}",
        second.stderr
    );
    // Readers see the last commit: the first ingest's articles, none of the new ones. (A
    // reader waits for tantivy's meta lock, which a writer holds for moments while it opens
    // the index or commits: frozen in such a moment, it is let run a little further.)
    let meta_lock = workspace.path().join(".sousuo/.tantivy-meta.lock");
    let started = Instant::now();
    while holds_lock(&meta_lock) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "meta lock held"
        );
        signal(&child, "-CONT");
        std::thread::sleep(Duration::from_millis(2));
        signal(&child, "-STOP");
    }
    let query = workspace.query("大会堂");
    assert_eq!(query.hit_ids(), ["人大会议.md"]);
    signal(&child, "-CONT");
    assert!(child.wait().unwrap().success());
    assert!(!lock.exists(), "the lock is released");
}

#[cfg(unix)]
#[test]
fn ctrl_c_commits_what_was_done_and_exits_cleanly() {
    let workspace = Workspace::with_fixtures(&[]);
    write_posts(workspace.path(), 4000);
    let mut child = workspace.spawn(
        &["ingest", "posts", "--threads", "1", "--json"],
        Stdio::piped,
    );
    // Frozen while it holds the lock, it is surely running when Ctrl-C arrives.
    pause_when_locked(&mut child, &workspace.path().join(".sousuo/ingest.lock"));
    signal(&child, "-INT");
    signal(&child, "-CONT");
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("interrupted: committed the articles handled so far"),
        "{stderr}"
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let committed = summary["documents"].as_u64().unwrap();
    assert!(committed < 4000, "{summary}");
    assert_eq!(documents(&workspace), committed);
    // The next run completes it.
    assert_eq!(workspace.run(&["ingest", "posts"]).code, 0);
    assert_eq!(documents(&workspace), 4000);
}

#[test]
fn an_index_from_another_format_is_refused_with_rebuild_advice() {
    let workspace = Workspace::with_fixtures(&["handmade"]);
    assert_eq!(workspace.run(&["ingest", "posts"]).code, 0);
    let meta_path = workspace.path().join(".sousuo/sousuo-index.json");
    let mut meta: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&meta_path).unwrap()).unwrap();
    assert!(meta["format"].is_u64(), "{meta}");
    meta["format"] = 99.into();
    fs::write(&meta_path, meta.to_string()).unwrap();
    for args in [&["query", "算力"][..], &["ingest", "posts"][..]] {
        let run = workspace.run(args);
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains("index format 99"), "{}", run.stderr);
        assert!(run.stderr.contains("--rebuild"), "{}", run.stderr);
    }
    // A server watching the posts says so too and exits, rather than watching on with no
    // server answering.
    let args = ["serve", "--watch", "posts", "--listen", "127.0.0.1:0"];
    let mut server = workspace.spawn(&args, Stdio::piped);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            server.kill().unwrap();
            panic!("serve --watch over an index of another format still runs after 20 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut server.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("index format 99"), "{stderr}");
    assert!(stderr.contains("--rebuild"), "{stderr}");
    assert_eq!(workspace.run(&["ingest", "posts", "--rebuild"]).code, 0);
}

#[test]
fn hostile_queries_get_hits_none_or_an_error_quickly() {
    let workspace = Workspace::with_fixtures(&["real"]);
    assert_eq!(workspace.ingest().0.code, 0);
    let long: String = "算力".repeat(5000);
    // Each with the outcome it must have: an error naming the problem (exit 2), no hits
    // (exit 1), or hits (exit 0: `-算力` and an empty query list the articles).
    let queries: [(&str, i32, &str); 14] = [
        (long.as_str(), 2, "the limit is 4096"),
        ("\"unbalanced", 2, "unclosed quote (at character 1)"),
        ("((((", 2, "unclosed parenthesis"),
        (")]}", 1, ""),
        ("nosuchfield:值", 2, "unknown field `nosuchfield:`"),
        ("title:", 2, "needs a value right after the colon"),
        ("+ - + -", 1, ""),
        ("\"\"~99999999999", 2, "needs a number of moves"),
        (
            "date:[2022-13-99 TO yesterday]",
            2,
            "cannot read \"2022-13-99\" as a date",
        ),
        ("\u{1}\u{7f}\u{feff}", 1, ""),
        ("🦀🦀🦀", 1, ""),
        ("-算力", 0, ""),
        ("", 0, ""),
        ("   ", 0, ""),
    ];
    for (query, code, message) in queries {
        let started = Instant::now();
        let run = sousuo(workspace.path(), &["query", query, "--json"]);
        assert_eq!(run.code, code, "{query:?}: {run:?}");
        assert!(run.stderr.contains(message), "{query:?}: {}", run.stderr);
        assert!(
            !run.stderr.contains("panicked"),
            "{query:?}: {}",
            run.stderr
        );
        if code == 0 {
            assert!(!run.hits().is_empty(), "{query:?}: exit 0 without hits");
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{query:?} took too long"
        );
    }
}

#[test]
fn encoding_fixtures_stay_in_their_encodings() {
    // Guards against an editor or a git setting rewriting the fixtures as UTF-8.
    let gbk = fs::read(fixtures().join("bad/gbk.md")).unwrap();
    assert!(std::str::from_utf8(&gbk).is_err(), "gbk.md must stay GBK");
    let utf16 = fs::read(fixtures().join("bad/utf16.md")).unwrap();
    assert_eq!(&utf16[..2], b"\xff\xfe", "utf16.md must keep its BOM");
}

mod query_properties {
    use std::sync::atomic::AtomicBool;
    use std::sync::OnceLock;

    use proptest::prelude::*;
    use sousuo::index::SearchIndex;
    use sousuo::ingest::{ingest, IngestOptions};
    use sousuo::search::{ArticleSearcher, SearchRequest};
    use sousuo::Error;

    use super::common::fixtures;

    /// One index of the real posts, shared by every case.
    fn searcher() -> &'static ArticleSearcher {
        static SEARCHER: OnceLock<(tempfile::TempDir, ArticleSearcher)> = OnceLock::new();
        &SEARCHER
            .get_or_init(|| {
                let dir = tempfile::tempdir().unwrap();
                let index_dir = dir.path().join("index");
                let mut options =
                    IngestOptions::new(vec![fixtures().join("real")], index_dir.clone());
                options.threads = 1;
                options.memory_budget = 32 << 20;
                ingest(&options, &AtomicBool::new(false), &mut |_| {}).unwrap();
                let searcher =
                    ArticleSearcher::new(SearchIndex::open(&index_dir).unwrap()).unwrap();
                (dir, searcher)
            })
            .1
    }

    fn search(query: &str) -> Result<usize, Error> {
        let mut request = SearchRequest::new(query);
        request.output.count_total = true;
        request.output.facets = true;
        request.output.explain = true;
        request.output.snippets = 2;
        searcher().search(&request).map(|results| {
            for hit in &results.hits {
                let length = hit.snippet.chars().count();
                assert!(hit
                    .highlights
                    .iter()
                    .all(|r| r.start < r.end && r.end <= length));
            }
            results.hits.len()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn any_text_gives_hits_none_or_a_query_error(query in "\\PC{0,40}") {
            match search(&query) {
                Ok(_) | Err(Error::Query(_) | Error::QuerySyntax(_)) => {}
                Err(other) => prop_assert!(false, "{query:?}: {other}"),
            }
        }

        #[test]
        fn query_syntax_soup_never_panics(
            query in r#"[算力东数西算规模a-z0-9 "~+\-():\[\]]{0,30}"#
        ) {
            match search(&query) {
                Ok(_) | Err(Error::Query(_) | Error::QuerySyntax(_)) => {}
                Err(other) => prop_assert!(false, "{query:?}: {other}"),
            }
        }
    }
}

/// The number of segments of the workspace's index (`stats --json`).
fn segments(workspace: &Workspace) -> u64 {
    let run = workspace.run(&["stats", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let stats: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    stats["segments"].as_u64().unwrap()
}

#[test]
fn a_large_run_leaves_one_segment_and_small_runs_keep_few() {
    let workspace = Workspace::with_fixtures(&[]);
    write_posts(workspace.path(), 600);
    // Three commits write three segments or more; the run wrote every article: one.
    let run = workspace.run(&["ingest", "posts", "--commit-every", "200"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(segments(&workspace), 1);
    assert!(run.stderr.contains(" segments merged in "), "{run:?}");
    let stats = workspace.run(&["stats"]);
    assert!(stats.stdout.contains(" MB in 1 segment\n"), "{stats:?}");
    // The merged segments' files are gone.
    assert_eq!(
        segment_files(&workspace).len(),
        1,
        "{:?}",
        segment_files(&workspace)
    );
    // An hourly bot's runs: a few posts, a commit after each; small segments merge.
    for total in [603, 606, 609, 612] {
        write_posts(workspace.path(), total);
        let run = workspace.run(&["ingest", "posts", "--commit-every", "1"]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            segments(&workspace) <= 2,
            "after {total}: {}",
            segments(&workspace)
        );
        assert_eq!(documents(&workspace), total as u64);
    }
    // Asked not to, a run leaves what it wrote: a segment per commit.
    let before = segments(&workspace);
    write_posts(workspace.path(), 615);
    let run = workspace.run(&["ingest", "posts", "--commit-every", "1", "--no-merge"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stderr.contains("merged"), "{run:?}");
    assert!(
        segments(&workspace) >= before + 3,
        "{}",
        segments(&workspace)
    );
    assert_eq!(documents(&workspace), 615);
}

/// The segments whose files are in the workspace's index folder.
fn segment_files(workspace: &Workspace) -> std::collections::BTreeSet<String> {
    let segment_kinds = ["idx", "pos", "term", "store", "fast", "fieldnorm"];
    fs::read_dir(workspace.path().join(".sousuo"))
        .unwrap()
        .filter_map(|entry| {
            let path = entry.unwrap().path();
            let kind = path.extension()?.to_str()?;
            segment_kinds
                .contains(&kind)
                .then(|| path.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect()
}

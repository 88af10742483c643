//! What posts may reach, and queries that crashed or lied: terminal escapes, links and
//! special files in the corpus, file names that are not UTF-8, `get --raw`, and the query
//! and batch inputs that panicked, overflowed or answered everything. Against the real
//! binary.

use crate::common;

use std::fs;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{sousuo, Workspace};

const HOSTILE_POST: &str = "---\ntitle: \"\\e]0;pwned\\a标题\\u202e反转\"\nauthor: \"作者\\e[2J\"\ncategories:\n - \"分类\\r覆盖\"\ndate: 23-07-25 06:07\n---\n<p>正文 &#27;]52;c;aGk=&#7; 紫色 &#x1b;[35m 算力</p>\n";

fn hostile_workspace() -> Workspace {
    let workspace = Workspace::with_fixtures(&["handmade"]);
    fs::write(workspace.posts().join("evil.md"), HOSTILE_POST).unwrap();
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    workspace
}

/// `text` without the SGR colour sequences sousuo writes (`ESC [ digits/; m`); any other
/// escape character is left in.
fn without_colour_codes(text: &str) -> String {
    let mut kept = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("\x1b[") {
        kept.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let digits = after
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(after.len());
        if after[digits..].starts_with('m') {
            rest = &after[digits + 1..];
        } else {
            kept.push('\x1b');
            rest = &rest[start + 1..];
        }
    }
    kept.push_str(rest);
    kept
}

fn assert_no_raw_controls(what: &str, text: &str) {
    for c in text.chars() {
        let bad = (c.is_control() && c != '\n' && c != '\t') || c == '\u{202e}';
        assert!(!bad, "{what}: raw {c:?} in {text:?}");
    }
}

#[test]
fn control_characters_in_posts_never_reach_the_terminal_raw() {
    let workspace = hostile_workspace();
    for args in [
        &["query", "紫色", "--color", "never"][..],
        &["query", "紫色", "--color", "always"],
        &["query", "紫色", "--explain"],
        &["query", "紫色", "--facets"],
        &["get", "evil.md"],
        &["similar", "handmade/春耕贷款.md"],
        &["stats"],
    ] {
        let run = workspace.run(args);
        assert!(run.code <= 1, "{args:?}: {run:?}");
        // Colour codes are sousuo's own; everything else must be escaped.
        assert_no_raw_controls(&format!("{args:?}"), &without_colour_codes(&run.stdout));
        assert_no_raw_controls(&format!("{args:?} stderr"), &run.stderr);
    }
    let shown = workspace.run(&["get", "evil.md"]).stdout;
    assert!(shown.contains(r"\x1b]0;pwned\x07"), "{shown}");
    assert!(shown.contains(r"\u{202e}"), "{shown}");
    // JSON stays exact.
    let json = workspace.run(&["get", "evil.md", "--json"]);
    let article: serde_json::Value = serde_json::from_str(json.stdout.trim()).unwrap();
    assert_eq!(article["title"], "\x1b]0;pwned\x07标题\u{202e}反转");
    assert!(article["body"].as_str().unwrap().contains("\x1b]52;c;"));
    // A two-digit year is read in its century, not as the year 23.
    assert_eq!(article["date"], "2023-07-25T06:07:00+08:00");
}

#[test]
fn get_raw_reads_only_the_file_that_was_ingested() {
    let workspace = hostile_workspace();
    let elsewhere = tempfile::tempdir().unwrap();
    let index = workspace.path().join(".sousuo");
    let index = index.to_str().unwrap();
    // From another folder it reads the ingested file, not one at the same relative path.
    fs::create_dir_all(elsewhere.path().join("posts/handmade")).unwrap();
    fs::write(elsewhere.path().join("posts/handmade/春耕贷款.md"), "other").unwrap();
    let raw = sousuo(
        elsewhere.path(),
        &["get", "handmade/春耕贷款.md", "--raw", "--index", index],
    );
    assert_eq!(raw.code, 0, "{raw:?}");
    let source = fs::read_to_string(workspace.posts().join("handmade/春耕贷款.md")).unwrap();
    assert_eq!(raw.stdout, source);
    // Replaced by a link out of the corpus: refused.
    let post = workspace.posts().join("handmade/春耕贷款.md");
    fs::remove_file(&post).unwrap();
    fs::write(workspace.path().join("secret"), "secret").unwrap();
    symlink(workspace.path().join("secret"), &post).unwrap();
    let run = workspace.run(&["get", "handmade/春耕贷款.md", "--raw"]);
    run.assert_error(2, "outside the ingested folder");
    assert!(!run.stdout.contains("secret"));
    // Changed since: refused, saying so.
    fs::remove_file(&post).unwrap();
    fs::write(&post, "changed").unwrap();
    let run = workspace.run(&["get", "handmade/春耕贷款.md", "--raw"]);
    run.assert_error(2, "has changed since it was ingested");
}

#[test]
fn links_out_of_the_corpus_fifos_and_devices_are_reported_not_read() {
    let workspace = Workspace::with_fixtures(&["handmade"]);
    let posts = workspace.posts();
    fs::write(
        workspace.path().join("outside.md"),
        "---\ntitle: 外面\n---\n外部秘密\n",
    )
    .unwrap();
    symlink(workspace.path().join("outside.md"), posts.join("passwd.md")).unwrap();
    symlink("/dev/zero", posts.join("zero.md")).unwrap();
    let fifo = posts.join("fifo.md");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let started = Instant::now();
    let mut child = workspace.spawn(&["ingest", "posts", "--json"], Stdio::piped);
    while child.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < Duration::from_secs(60), "ingest hangs");
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("passwd.md: symbolic link to"), "{stderr}");
    assert!(stderr.contains("fifo.md: not a regular file"), "{stderr}");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["skipped"], 3, "{summary}");
    let code_of = |name: &str| {
        let problems = summary["problems"].as_array().unwrap();
        let problem = problems
            .iter()
            .find(|p| p["path"].as_str().unwrap().ends_with(name));
        problem.map(|p| p["code"].as_str().unwrap().to_string())
    };
    assert_eq!(code_of("fifo.md").as_deref(), Some("not_regular"));
    assert_eq!(code_of("passwd.md").as_deref(), Some("link_leaves_root"));
    assert_eq!(workspace.query("外部秘密").code, 1);
    // --follow opts in to links out of the root; devices are never read.
    let run = workspace.run(&["ingest", "posts", "--follow", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("zero.md: not a regular file"),
        "{run:?}"
    );
    assert_eq!(workspace.query("外部秘密").code, 0);
}

#[test]
fn file_names_that_are_not_utf8_are_indexed_and_said_so() {
    let workspace = Workspace::with_fixtures(&[]);
    fs::create_dir_all(workspace.posts()).unwrap();
    let raw_name = std::ffi::OsStr::from_bytes(b"\xff\xfe-x.md");
    let gbk_name = std::ffi::OsStr::from_bytes(b"\xd0\xc2\xce\xc5.md");
    fs::write(
        workspace.posts().join(raw_name),
        "---\ntitle: 原始\n---\n字节名\n",
    )
    .unwrap();
    fs::write(
        workspace.posts().join(gbk_name),
        "---\ntitle: 国标\n---\n国标名\n",
    )
    .unwrap();
    let (run, summary) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(summary["added"], 2);
    assert!(run.stderr.contains("its id is \"%FF%FE-x.md\""), "{run:?}");
    assert!(
        run.stderr.contains("read as GBK; its id is \"新闻.md\""),
        "{run:?}"
    );
    let raw = workspace.run(&["get", "%FF%FE-x.md", "--raw"]);
    assert_eq!(raw.code, 0, "{raw:?}");
    assert!(raw.stdout.contains("字节名"));
}

#[test]
fn queries_that_crashed_or_answered_everything() {
    let workspace = hostile_workspace();
    let all = workspace.run(&["query", "date:[* TO *]", "--limit", "0"]);
    assert_eq!(all.code, 0, "{all:?}");
    assert!(all.stderr.contains("matching articles"), "{all:?}");
    for limit in ["1099511627776", "18446744073709551615"] {
        let run = workspace.run(&["query", "春耕", "--limit", limit, "--offset", "3", "--json"]);
        assert!(run.code <= 1, "--limit {limit}: {run:?}");
    }
    let counted = workspace.run(&["query", "春耕", "--limit", "0"]);
    assert_eq!(counted.code, 0, "{counted:?}");
    assert!(counted.stdout.is_empty());
    assert!(
        counted.stderr.contains("1 matching articles"),
        "{counted:?}"
    );
    for out_of_range in [
        &["query", "算力", "--since", "2263"][..],
        &["query", "算力", "--until", "1600"],
        &["query", "算力 date:[3000 TO *]"],
    ] {
        let run = workspace.run(out_of_range);
        assert_eq!(run.code, 1, "{out_of_range:?} matches nothing: {run:?}");
    }
    let long = "算".repeat(5000);
    workspace
        .run(&["query", &long])
        .assert_error(2, "the limit is 4096");
}

#[test]
fn a_batch_reports_bad_lines_by_number_and_goes_on() {
    let workspace = hostile_workspace();
    let mut batch = Vec::new();
    writeln!(batch, r#"{{"id": "q1", "text": "春耕"}}"#).unwrap();
    batch.extend_from_slice(b"{\"id\": \"q2\", \"text\": \"\xff\"}\n");
    writeln!(batch, r#"{{"id": "q1", "text": "算力"}}"#).unwrap();
    writeln!(batch, r#"{{"id": "q3", "text": "date:[* TO *]"}}"#).unwrap();
    writeln!(
        batch,
        r#"{{"id": "q4", "text": "{}"}}"#,
        "a".repeat(340_000)
    )
    .unwrap();
    writeln!(
        batch,
        r#"{{"id": "q5", "text": "{}"}}"#,
        "算".repeat(400_000)
    )
    .unwrap();
    writeln!(batch, r#"{{"id": "q\t6", "text": "春耕"}}"#).unwrap();
    fs::write(workspace.path().join("batch.jsonl"), batch).unwrap();
    let run = workspace.run(&["query", "--batch", "batch.jsonl"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("batch.jsonl:2: not valid UTF-8"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("batch.jsonl:3: query id \"q1\" was used on line 1"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("batch.jsonl:5: query: the query is 340000 characters"),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("batch.jsonl:6: line is over 1 MiB"),
        "{run:?}"
    );
    let query_ids: Vec<&str> = run
        .stdout
        .lines()
        .map(|line| line.split(' ').next().unwrap())
        .collect();
    assert!(
        query_ids.contains(&"q1") && query_ids.contains(&"q3"),
        "{run:?}"
    );
    assert!(query_ids.contains(&"q%096"), "{run:?}");
    for line in run.stdout.lines() {
        assert_eq!(line.split(' ').count(), 6, "{line:?}");
    }
}

#[test]
fn completions_into_a_closed_pipe_are_quiet() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sousuo"))
        .args(["completions", "bash"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(output.stderr.is_empty(), "{output:?}");
}

/// Pages carry invisible characters inside words and numbers (a zero-width space in
/// 估值达到60\u{200B}0亿, a soft hyphen, a byte-order mark, a control character): they do not
/// cut the word, in an article or in a query pasted with them.
#[test]
fn invisible_characters_inside_a_word_do_not_cut_it() {
    let workspace = common::news_archive(&[
        (
            "zwsp.md",
            "财经",
            "2023-08-09",
            "\u{FEFF}科\u{200B}创板开市四周年",
            "估值达到60\u{200B}0亿，科\u{AD}创板公司数量持续增长。",
        ),
        (
            "plain.md",
            "财经",
            "2023-08-10",
            "主板公司",
            "估值约60亿，新三板创新层的公司。",
        ),
    ]);
    for query in ["科创板", "600亿", "科\u{200B}创板", "科\u{7}创板"] {
        let run = workspace.query(query);
        let ids: Vec<String> = run
            .hits()
            .iter()
            .map(|hit| hit["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, ["news/zwsp.md"], "{query:?}");
        assert_eq!(run.summary()["total"], 1, "{query:?}");
    }
}

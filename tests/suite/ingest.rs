//! End-to-end tests of `sousuo ingest` over folders: files without front matter, re-ingest
//! and pruning, broken files, a changed schema or dictionary, dry runs, ids and names
//! across folders and blogs.

use crate::common;

use std::fs;

use common::Workspace;

use crate::cli::{indexed, SEED};

#[test]
fn files_without_front_matter_and_dates_in_other_forms() {
    let workspace = indexed();
    let hits = workspace.query("front matter").hits();
    assert_eq!(hits[0]["title"], "没有前言的页面");
    assert!(hits[0]["date"].is_null());
    let hits = workspace.query("春耕").hits();
    assert_eq!(hits[0]["date"], "2023-03-06T10:30:00+08:00");
    let hits = workspace.query("MetaMask").hits();
    assert!(hits[0]["date"].is_null(), "Invalid Date is no date");
}

#[test]
fn reingest_updates_in_place_and_prunes() {
    let workspace = indexed();
    let (_, again) = workspace.ingest();
    assert_eq!(
        (again["added"].as_u64(), again["updated"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(again["unchanged"], 10);
    assert_eq!(again["documents"], 10);

    let changed = workspace.posts().join("handmade/人大会议.md");
    let text = fs::read_to_string(&changed)
        .unwrap()
        .replace("近三千名代表", "近三千名代表和列席人员");
    fs::write(&changed, text).unwrap();
    let (_, update) = workspace.ingest();
    assert_eq!(update["updated"], 1, "{update}");
    assert_eq!(update["documents"], 10);
    assert_eq!(workspace.query("列席").hit_ids(), ["handmade/人大会议.md"]);
    assert_eq!(
        workspace.query("大会堂").hit_ids(),
        ["handmade/人大会议.md"]
    );

    fs::remove_file(workspace.posts().join("handmade/春耕贷款.md")).unwrap();
    let run = workspace.run(&["ingest", "posts", "--json", "--prune"]);
    let pruned: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(pruned["removed"], 1);
    assert_eq!(pruned["documents"], 9);
    assert_eq!(workspace.query("春耕").code, 1);
}

/// The real posts plus three broken ones.
fn real_and_broken() -> Workspace {
    let workspace = Workspace::with_fixtures(&["real"]);
    let broken = workspace.posts().join("broken");
    fs::create_dir_all(&broken).unwrap();
    fs::write(broken.join("unclosed.md"), "---\ntitle: 没有结束\n\n正文\n").unwrap();
    fs::write(broken.join("list.md"), "---\n- 一\n- 二\n---\n正文\n").unwrap();
    fs::write(broken.join("binary.md"), [0u8; 64]).unwrap();
    workspace
}

#[test]
fn bad_files_are_reported_and_the_rest_indexed() {
    let workspace = real_and_broken();
    let (run, summary) = workspace.ingest();
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(summary["failed"], 3, "{summary}");
    assert_eq!(summary["added"], 6);
    for (file, reason) in [
        ("unclosed.md", "front matter is not closed"),
        ("list.md", "front matter is a list"),
        ("binary.md", "binary file"),
    ] {
        let line = run
            .stderr
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("{file} not reported: {}", run.stderr));
        assert!(line.starts_with("error: "), "{line}");
        assert!(line.contains(reason), "{line}");
    }
    assert_eq!(workspace.query("算力").hit_ids()[0], SEED);
}

#[test]
fn a_changed_schema_is_refused_until_rebuild() {
    let workspace = indexed();
    let schema = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/index-schema.json"))
        .unwrap()
        .replace("\"boost\": 2.0", "\"boost\": 5.0");
    fs::write(workspace.path().join("changed.json"), schema).unwrap();
    let run = workspace.run(&["ingest", "posts", "--schema", "changed.json"]);
    run.assert_error(2, "--rebuild");
    let run = workspace.run(&["ingest", "posts", "--schema", "changed.json", "--rebuild"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(workspace.query("算力").hit_ids()[0], SEED);
}

#[test]
fn dry_run_checks_without_writing() {
    let workspace = real_and_broken();
    let run = workspace.run(&["ingest", "posts", "--dry-run", "--json"]);
    assert_eq!(run.code, 1);
    let summary: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(summary["added"], 6);
    assert_eq!(summary["failed"], 3);
    assert!(!workspace.path().join(".sousuo").exists());
}

#[test]
fn the_same_id_under_two_folders_is_kept_apart_and_reported() {
    let workspace = Workspace::with_fixtures(&["handmade"]);
    let other = workspace.path().join("other");
    fs::create_dir_all(&other).unwrap();
    let text = fs::read_to_string(workspace.posts().join("handmade/人大会议.md")).unwrap();
    fs::write(
        other.join("人大会议.md"),
        text.replace("大会堂", "大会堂 另一篇"),
    )
    .unwrap();
    let run = workspace.run(&["ingest", "posts/handmade", "other", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains(
            "has the same id \"人大会议.md\" as a file under posts/handmade; \
             indexed as \"other/人大会议.md\""
        ),
        "{}",
        run.stderr
    );
    let mut ids = workspace.query("大会堂").hit_ids();
    ids.sort();
    assert_eq!(ids, ["other/人大会议.md", "人大会议.md"]);
}

#[test]
fn two_blogs_with_the_same_paths_ingested_apart_never_replace_each_other() {
    let workspace = Workspace::with_fixtures(&[]);
    let post = |blog: &str, body: &str| {
        let folder = workspace.path().join(blog).join("_posts");
        fs::create_dir_all(&folder).unwrap();
        let text = format!("---\ntitle: hello\ndate: 2023-01-01\n---\n{body}\n");
        fs::write(folder.join("2023-01-01-hello.md"), text).unwrap();
    };
    post("blogA", "甲博客的暴雨。");
    post("blogB", "乙博客的台风。");
    let ingest = |root: &str, extra: &[&str]| {
        let mut args = vec!["ingest", root, "--json"];
        args.extend_from_slice(extra);
        let run = workspace.run(&args);
        assert_eq!(run.code, 0, "{run:?}");
        run
    };
    ingest("blogA", &[]);
    let second = ingest("blogB", &[]);
    assert!(
        second
            .stderr
            .contains("indexed as \"blogB/_posts/2023-01-01-hello.md\""),
        "{}",
        second.stderr
    );
    let both = || {
        let (rain, wind) = (workspace.query("暴雨"), workspace.query("台风"));
        (rain.hit_ids(), wind.hit_ids())
    };
    let expected = (
        vec!["_posts/2023-01-01-hello.md".to_string()],
        vec!["blogB/_posts/2023-01-01-hello.md".to_string()],
    );
    assert_eq!(both(), expected);
    // Later runs, in either order, change nothing.
    for root in ["blogA", "blogB", "blogA"] {
        let run = ingest(root, &[]);
        let report: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        assert_eq!(
            (report["added"].clone(), report["updated"].clone()),
            (0.into(), 0.into())
        );
        assert_eq!(both(), expected);
    }
    // The file kept apart goes when its own folder is pruned; the other stays.
    fs::remove_file(workspace.path().join("blogB/_posts/2023-01-01-hello.md")).unwrap();
    let pruned = workspace.run(&["ingest", "blogB", "--prune", "--json"]);
    assert!(pruned.stdout.contains("\"removed\":1"), "{pruned:?}");
    assert_eq!(both(), (expected.0.clone(), vec![]));
}

#[test]
fn a_user_dictionary_is_kept_with_the_index_and_changing_it_needs_rebuild() {
    let workspace = Workspace::with_fixtures(&["real"]);
    fs::write(
        workspace.path().join("words.txt"),
        "# 新词\n东数西算 100 n\n算力规模\n",
    )
    .unwrap();
    let run = workspace.run(&["ingest", "posts", "--dict", "words.txt"]);
    assert_eq!(run.code, 0, "{run:?}");
    // The dictionary word is one token in the index ...
    let export = workspace.run(&["export", "--query", "东数西算"]);
    let records = export.json_lines();
    assert_eq!(records.len(), 1);
    let tokens: Vec<&str> = records[0]["body_tokens"]
        .as_str()
        .unwrap()
        .split(' ')
        .collect();
    assert!(
        tokens.contains(&"东数西算") && tokens.contains(&"算力规模"),
        "{tokens:?}"
    );
    // ... and the query, segmented with the index's dictionary, matches it as one word.
    assert_eq!(workspace.query("东数西算").hit_ids(), [SEED]);
    let stats = workspace.run(&["stats", "--json"]);
    assert!(
        stats.stdout.contains("jieba-default + user dictionary"),
        "{}",
        stats.stdout
    );
    // Ingesting again without --dict keeps the index's dictionary.
    assert_eq!(workspace.run(&["ingest", "posts"]).code, 0);
    fs::write(workspace.path().join("other.txt"), "算力 5\n").unwrap();
    let refused = workspace.run(&["ingest", "posts", "--dict", "other.txt"]);
    assert_eq!(refused.code, 2);
    assert!(
        refused
            .stderr
            .contains("index was built with the dictionary"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("--rebuild"), "{}", refused.stderr);
    let rebuilt = workspace.run(&["ingest", "posts", "--dict", "other.txt", "--rebuild"]);
    assert_eq!(rebuilt.code, 0, "{rebuilt:?}");
    fs::write(workspace.path().join("bad.txt"), "词 很多\n").unwrap();
    let bad = workspace.run(&["ingest", "posts", "--dict", "bad.txt"]);
    bad.assert_error(
        2,
        "bad.txt: line 1: frequency \"很多\" is not a whole number",
    );
}

#[test]
fn lists_print_names_as_they_are_and_end_them_with_nul_when_asked() {
    let workspace = common::news_archive(&[
        (
            "tab\there.md",
            "新闻",
            "2023-07-20 10:00",
            "暴雨一",
            "暴雨。",
        ),
        (
            "rtl\u{202e}dm.md",
            "新闻",
            "2023-07-21 10:00",
            "暴雨二",
            "暴雨。",
        ),
    ]);
    // Piped (to xargs, get, cat), the names are the files' own: tabs and bidi marks kept.
    let listed = workspace.run(&["query", "暴雨", "-l", "--sort", "date"]);
    assert_eq!(
        listed.stdout,
        "posts/news/tab\there.md\nposts/news/rtl\u{202e}dm.md\n"
    );
    for name in listed.stdout.lines() {
        assert!(
            workspace.path().join(name).is_file(),
            "{name:?} names the file"
        );
    }
    let ids = workspace.run(&["query", "暴雨", "--ids", "-0", "--sort", "date"]);
    assert_eq!(ids.stdout, "news/tab\there.md\0news/rtl\u{202e}dm.md\0");
    let got = workspace.run(&["get", "news/tab\there.md", "--json"]);
    assert_eq!(got.code, 0, "{got:?}");
}

#[test]
fn a_name_that_is_not_utf8_never_replaces_the_file_whose_name_its_id_spells() {
    use std::os::unix::ffi::OsStrExt;
    let workspace = Workspace::with_fixtures(&[]);
    let posts = workspace.posts();
    fs::create_dir_all(&posts).unwrap();
    fs::write(
        posts.join("%FF%FE-x.md"),
        "---\ntitle: 字面\n---\n字面的名字。\n",
    )
    .unwrap();
    let raw = posts.join(std::ffi::OsStr::from_bytes(b"\xff\xfe-x.md"));
    fs::write(&raw, "---\ntitle: 字节\n---\n字节的名字。\n").unwrap();
    for round in 0..2 {
        let run = workspace.run(&["ingest", "posts", "--json"]);
        assert_eq!(run.code, 1, "{run:?}");
        assert!(
            run.stderr.contains("has the same id \"%FF%FE-x.md\""),
            "{run:?}"
        );
        let report: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        let changed = report["added"].as_u64().unwrap() + report["updated"].as_u64().unwrap();
        assert_eq!(changed, if round == 0 { 1 } else { 0 }, "{report}");
        assert_eq!(workspace.query("字面").hit_ids(), ["%FF%FE-x.md"]);
    }
}

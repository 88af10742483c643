//! Saved searches against the real binary: each reports the articles ingested since it last
//! ran, exactly once, also when two runs start together; cron-friendly exit codes.

mod common;

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
}

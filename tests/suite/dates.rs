//! Dates written without a year (`08-02 15:25`): the year comes from evidence — the post,
//! the git commit that added the file, a modification time that can be a publication
//! time — or stays unknown; it is never the year the files were copied.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::Workspace;
use serde_json::Value;

/// A post as an RSSHub feed writes it: a date without a year, nothing else dated.
fn post(title: &str, date: &str) -> String {
    format!(
        "---\ntitle: {title}\ndate: {date}\ncategories:\n  - 新闻\n---\n<p>{title}的正文。</p>\n"
    )
}

/// Runs git in `dir` with the commit times set to `when` (author and committer).
fn git(dir: &Path, args: &[&str], when: Option<&str>) {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=bot", "-c", "user.email=bot@example.com"])
        .args(args);
    if let Some(when) = when {
        command
            .env("GIT_COMMITTER_DATE", when)
            .env("GIT_AUTHOR_DATE", when);
    }
    let output = command.output().expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn commit_all(dir: &Path, when: &str) {
    git(dir, &["add", "-A"], None);
    git(dir, &["commit", "-q", "-m", "hourly posts"], Some(when));
}

fn article(workspace: &Workspace, id: &str) -> Value {
    let run = workspace.run(&["get", id, "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    serde_json::from_str(run.stdout.trim()).unwrap()
}

fn date(workspace: &Workspace, id: &str) -> String {
    article(workspace, id)["date"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn stats_dates(workspace: &Workspace) -> Value {
    let run = workspace.run(&["stats", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let stats: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    stats["dates"].clone()
}

#[test]
fn the_commit_that_added_a_post_gives_its_year() {
    // Every file written just now (as a clone leaves them); the history says 2021 and 2022.
    let workspace = Workspace::with_fixtures(&[]);
    let posts = workspace.posts();
    fs::create_dir_all(&posts).unwrap();
    git(&posts, &["init", "-q"], None);
    for i in 0..6 {
        fs::write(posts.join(format!("a{i}.md")), post("春季", "03-02 10:15")).unwrap();
    }
    commit_all(&posts, "2021-03-02T11:00:00+08:00");
    // A post written on New Year's Eve in China, committed an hour later (2022 in UTC+8).
    fs::write(posts.join("eve.md"), post("除夕", "12-31 23:30")).unwrap();
    commit_all(&posts, "2022-01-01T00:30:00+08:00");
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(date(&workspace, "a0.md"), "2021-03-02T10:15:00+08:00");
    assert_eq!(date(&workspace, "eve.md"), "2021-12-31T23:30:00+08:00");
    assert!(
        run.stderr
            .contains("the year from the git commit that added the file"),
        "{run:?}"
    );
    assert!(workspace.path().join(".sousuo/git-times.json").is_file());

    // The bot writes the next post; an ingest runs before its commit: the file's time is
    // one of seven written in the same minute, so its year is unknown, not guessed.
    fs::write(posts.join("next.md"), post("下一篇", "05-06 07:08")).unwrap();
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    let next = article(&workspace, "next.md");
    assert!(next["date"].is_null(), "{next}");
    assert_eq!(next["date_without_year"], "05-06 07:08");
    assert!(
        run.stderr.contains("has no year and nothing tells it"),
        "{run:?}"
    );
    // Once committed, the next ingest reads it again and dates it.
    commit_all(&posts, "2022-05-06T08:00:00+08:00");
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(date(&workspace, "next.md"), "2022-05-06T07:08:00+08:00");
    assert_eq!(stats_dates(&workspace)["year_unknown"], 0);
}

#[test]
fn a_copied_archive_keeps_month_and_day_and_no_invented_year() {
    let workspace = Workspace::with_fixtures(&[]);
    let posts = workspace.posts();
    fs::create_dir_all(&posts).unwrap();
    for i in 0..8 {
        fs::write(posts.join(format!("p{i}.md")), post("暴雨", "08-02 15:25")).unwrap();
    }
    fs::write(
        posts.join("dated.md"),
        "---\ntitle: 暴雨预警\ndate: 2023-08-02 15:25\n---\n<p>暴雨的正文。</p>\n",
    )
    .unwrap();
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    let copied = article(&workspace, "p0.md");
    assert!(copied["date"].is_null(), "{copied}");
    assert_eq!(copied["date_without_year"], "08-02 15:25");
    let human = workspace.run(&["get", "p0.md"]);
    assert!(
        human.stdout.contains("08-02 15:25 (year unknown)"),
        "{human:?}"
    );
    assert!(
        run.stderr
            .contains("shared by 9 files modified in the same minute"),
        "{run:?}"
    );
    let dates = stats_dates(&workspace);
    assert_eq!(dates["year_unknown"], 8, "{dates}");
    assert_eq!(dates["dated"], 1, "{dates}");
    assert_eq!(dates["undated"], 0, "{dates}");
    let human = workspace.run(&["stats"]);
    assert!(
        human.stdout.contains("8 with a date without a year"),
        "{human:?}"
    );
    // Date filters and newest-first lists hold only what is dated.
    let since = workspace.run(&["query", "暴雨", "--since", "2000", "--json"]);
    assert_eq!(since.hit_ids(), ["dated.md"], "{since:?}");
    let hits = workspace.query("暴雨").hits();
    assert_eq!(hits.len(), 9);
    let shown = hits.iter().find(|hit| hit["id"] == "p3.md").unwrap();
    assert_eq!(shown["date_without_year"], "08-02 15:25", "{shown}");
}

#[test]
fn a_shallow_clone_does_not_date_what_its_cut_commit_holds() {
    let workspace = Workspace::with_fixtures(&[]);
    let origin = workspace.path().join("origin");
    fs::create_dir_all(&origin).unwrap();
    git(&origin, &["init", "-q"], None);
    for i in 0..3 {
        fs::write(
            origin.join(format!("old{i}.md")),
            post("旧闻", "01-05 09:00"),
        )
        .unwrap();
    }
    commit_all(&origin, "2019-01-05T10:00:00+08:00");
    fs::write(origin.join("new.md"), post("新闻", "06-07 09:00")).unwrap();
    commit_all(&origin, "2020-06-07T10:00:00+08:00");
    let url = format!("file://{}", origin.display());
    let clone = workspace.posts();
    let cloned = Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url])
        .arg(&clone)
        .status()
        .unwrap();
    assert!(cloned.success());
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    // The one commit of the clone "adds" every file: no evidence for any of them.
    assert!(article(&workspace, "old0.md")["date"].is_null());
    assert!(article(&workspace, "new.md")["date"].is_null());
}

#[test]
fn an_archive_imported_in_one_commit_gets_no_year_from_it() {
    // 200 posts added by one commit (an import, a project's sample posts): that commit's
    // time is the import's, not theirs. A post the bot commits after is dated by its commit.
    let workspace = Workspace::with_fixtures(&[]);
    let posts = workspace.posts();
    fs::create_dir_all(&posts).unwrap();
    git(&posts, &["init", "-q"], None);
    for i in 0..200 {
        fs::write(
            posts.join(format!("old{i:03}.md")),
            post("旧闻", "07-20 10:15"),
        )
        .unwrap();
    }
    commit_all(&posts, "2026-11-01T11:00:00+08:00");
    fs::write(posts.join("new.md"), post("新闻", "11-02 09:00")).unwrap();
    commit_all(&posts, "2026-11-02T10:00:00+08:00");
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    let old = article(&workspace, "old000.md");
    assert!(old["date"].is_null(), "{old}");
    assert_eq!(old["date_without_year"], "07-20 10:15");
    assert_eq!(date(&workspace, "new.md"), "2026-11-02T09:00:00+08:00");
    assert_eq!(stats_dates(&workspace)["year_unknown"], 200);
}

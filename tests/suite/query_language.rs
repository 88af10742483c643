//! The query language and the CLI do what they say: filters filter, operators and prefixes
//! work or are refused with the working form, dates are right, and the output switches
//! give people and scripts what they ask for. Against the real binary.

use crate::common;

use std::fs;
use std::process::Command;

use common::Workspace;

/// Four posts: two by 央视网 (one about 暴雨), one by 新浪财经 about 暴雨, one undated.
fn news() -> Workspace {
    let workspace = Workspace::with_fixtures(&[]);
    let posts = workspace.posts().join("news");
    fs::create_dir_all(&posts).unwrap();
    let post = |name: &str, author: &str, date: &str, title: &str, body: &str| {
        let date = if date.is_empty() {
            String::new()
        } else {
            format!("date: {date}\n")
        };
        let text = format!(
            "---\ntitle: {title}\nauthor: {author}\ncategories:\n - 新闻\n{date}---\n{body}\n"
        );
        fs::write(posts.join(name), text).unwrap();
    };
    post(
        "a.md",
        "央视网",
        "2023-07-20 10:00",
        "暴雨来袭",
        "南方多地暴雨，城市内涝。",
    );
    post(
        "b.md",
        "新浪财经",
        "2023-07-21 10:00",
        "暴雨与保险",
        "暴雨带来保险理赔。",
    );
    post(
        "c.md",
        "央视网",
        "2023-07-22 10:00",
        "晴天",
        "北方晴天，气温升高。",
    );
    post(
        "d.md",
        "央视网",
        "2022-01-05 09:00",
        "新能源汽车补贴",
        "新能源汽车补贴政策延续。",
    );
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    workspace
}

fn ids(workspace: &Workspace, args: &[&str]) -> Vec<String> {
    let mut all = vec!["query"];
    all.extend_from_slice(args);
    all.push("--json");
    let run = workspace.run(&all);
    assert!(run.code <= 1, "{args:?}: {run:?}");
    run.hit_ids()
}

#[test]
fn field_clauses_filter_and_the_words_still_count() {
    let workspace = news();
    // Before: author: was one more ranking word, and 晴天 (c.md, by 央视网) came back.
    assert_eq!(ids(&workspace, &["author:央视网 暴雨"]), ["news/a.md"]);
    assert_eq!(
        ids(&workspace, &["暴雨", "--author", "央视网"]),
        ["news/a.md"],
        "the clause and the flag agree"
    );
    // Before: date: made the words optional, and c.md matched with score 0.
    let mut july = ids(&workspace, &["暴雨 date:2023-07"]);
    july.sort();
    assert_eq!(july, ["news/a.md", "news/b.md"]);
    // A field clause alone lists its articles, newest first.
    assert_eq!(
        ids(&workspace, &["author:央视网"]),
        ["news/c.md", "news/a.md", "news/d.md"]
    );
    let listed = workspace.run(&["query", "author:央视网"]);
    assert!(!listed.stdout.contains("score"), "{listed:?}");
}

#[test]
fn operators_prefixes_and_unknown_fields() {
    let workspace = news();
    assert_eq!(ids(&workspace, &["暴雨 AND 保险"]), ["news/b.md"]);
    assert_eq!(ids(&workspace, &["暴雨 && 城市"]), ["news/a.md"]);
    assert_eq!(ids(&workspace, &["暴雨 NOT 保险"]), ["news/a.md"]);
    let mut either = ids(&workspace, &["晴天 || 保险"]);
    either.sort();
    assert_eq!(either, ["news/b.md", "news/c.md"]);
    // Prefixes on Chinese and Latin words.
    assert_eq!(ids(&workspace, &["新能源*"]), ["news/d.md"]);
    let run = workspace.run(&["query", "foo:bar"]);
    run.assert_error(
        2,
        "unknown field `foo:`; the fields are title:, body:, author:",
    );
    let run = workspace.run(&["query", "暴雨 AND"]);
    run.assert_error(2, "`AND` needs a clause on each side");
}

#[test]
fn words_need_no_quotes_and_a_leading_minus_is_explained() {
    let workspace = news();
    assert_eq!(ids(&workspace, &["新能源汽车", "补贴"]), ["news/d.md"]);
    // A word with a leading minus cannot be an option: it is read as the query's.
    let unquoted = workspace.run(&["query", "-保险", "暴雨", "--json", "-n", "5"]);
    assert_eq!(unquoted.hit_ids(), ["news/a.md"], "{unquoted:?}");
    // An ASCII one could be a mistyped option: the parser's error shows the `--` form.
    let run = workspace.run(&["query", "-ad", "暴雨"]);
    run.assert_error(2, "to pass '-a' as a value, use '-- -a'");
    let after_dashes = workspace.run(&["query", "--json", "--", "-保险", "暴雨"]);
    assert_eq!(after_dashes.hit_ids(), ["news/a.md"], "{after_dashes:?}");
    assert_eq!(ids(&workspace, &["-保险 暴雨"]), ["news/a.md"]);
}

#[test]
fn browsing_counting_and_listing() {
    let workspace = news();
    // No query: every article, newest first.
    assert_eq!(
        ids(&workspace, &["--sort", "-date"]),
        ["news/c.md", "news/b.md", "news/a.md", "news/d.md"]
    );
    assert_eq!(ids(&workspace, &["*", "--since", "2023"]).len(), 3);
    let count = workspace.run(&["query", "暴雨", "-c"]);
    assert_eq!((count.code, count.stdout.as_str()), (0, "2\n"), "{count:?}");
    let none = workspace.run(&["query", "台风", "-c"]);
    assert_eq!((none.code, none.stdout.as_str()), (1, "0\n"), "{none:?}");
    let listed = workspace.run(&["query", "暴雨", "-l"]);
    let mut paths: Vec<&str> = listed.stdout.lines().collect();
    paths.sort();
    assert_eq!(paths, ["posts/news/a.md", "posts/news/b.md"], "{listed:?}");
    for path in paths {
        assert!(
            workspace.path().join(path).is_file(),
            "{path} opens from here"
        );
    }
    let listed = workspace.run(&["query", "暴雨", "--ids", "--sort", "date"]);
    assert_eq!(listed.stdout, "news/a.md\nnews/b.md\n");
    // Paging says which hits of how many.
    let paged = workspace.run(&["query", "*", "--offset", "1", "-n", "2"]);
    assert!(
        paged.stderr.contains("2–3 of 4 matching articles"),
        "{paged:?}"
    );
    let zero = workspace.run(&["query", "暴雨", "--limit", "0"]);
    assert_eq!(zero.code, 0);
    assert!(zero.stdout.is_empty() && zero.stderr.contains("2 matching articles"));
    // JSON: the summary line, titles highlighted.
    let json = workspace.run(&["query", "暴雨", "--json", "--offset", "1"]);
    let summary = json.summary();
    assert_eq!(summary["total"], 2);
    assert_eq!(summary["offset"], 1);
    assert_eq!(summary["returned"], 1);
    assert_eq!(summary["order"], "relevance");
    assert!(summary["took_ms"].as_f64().unwrap() >= 0.0);
    let hits = json.hits();
    let title: Vec<char> = hits[0]["title"].as_str().unwrap().chars().collect();
    let range = &hits[0]["title_highlights"][0];
    let (start, end) = (
        range[0].as_u64().unwrap() as usize,
        range[1].as_u64().unwrap() as usize,
    );
    assert_eq!(title[start..end].iter().collect::<String>(), "暴雨");
    let dated = workspace.run(&["query", "暴雨", "--sort", "date"]);
    assert!(!dated.stdout.contains("score"), "{dated:?}");
    assert!(
        dated.stdout.contains("【暴雨】来袭"),
        "titles are marked: {dated:?}"
    );
}

#[test]
fn more_passages_when_asked() {
    let workspace = Workspace::with_fixtures(&["real"]);
    workspace.ingest();
    let run = workspace.run(&["query", "算力", "--json", "--snippets", "3", "-n", "1"]);
    let hit = &run.hits()[0];
    let passages = hit["snippets"].as_array().unwrap();
    assert!(passages.len() >= 2, "{hit}");
    assert_eq!(passages[0]["text"], hit["snippet"]);
    assert_ne!(passages[0]["text"], passages[1]["text"]);
    for passage in passages {
        assert!(
            !passage["highlights"].as_array().unwrap().is_empty(),
            "{passage}"
        );
    }
}

#[test]
fn dates_from_file_names_and_dates_without_a_year() {
    let workspace = Workspace::with_fixtures(&[]);
    let posts = workspace.posts();
    fs::create_dir_all(&posts).unwrap();
    fs::write(
        posts.join("2019-04-04-jekyll.md"),
        "---\ntitle: 杰基尔\n---\n正文\n",
    )
    .unwrap();
    let with_url = "---\ntitle: 有图\ndate: 7-25 19:09\nimage: https://n.sinaimg.cn/20230725/a.jpg\n---\n正文\n";
    fs::write(posts.join("url.md"), with_url).unwrap();
    fs::write(
        posts.join("mtime.md"),
        "---\ntitle: 无图\ndate: 08/05\n---\n正文\n",
    )
    .unwrap();
    let touched = Command::new("touch")
        .args(["-d", "2024-01-03 08:00:00"])
        .arg(posts.join("mtime.md"))
        .status()
        .unwrap();
    assert!(touched.success());
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("the year from a date with the same month and day in the post"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("the year from the file's modification time"),
        "{run:?}"
    );
    let date = |id: &str| {
        let got = workspace.run(&["get", id, "--json"]);
        let article: serde_json::Value = serde_json::from_str(got.stdout.trim()).unwrap();
        article["date"].as_str().unwrap_or_default().to_string()
    };
    assert_eq!(date("2019-04-04-jekyll.md"), "2019-04-04T00:00:00+08:00");
    assert_eq!(date("url.md"), "2023-07-25T19:09:00+08:00");
    assert_eq!(
        date("mtime.md"),
        "2023-08-05T00:00:00+08:00",
        "not after the file's time"
    );
}

#[test]
fn ingest_warnings_are_summarised_and_quiet_means_errors_only() {
    let workspace = Workspace::with_fixtures(&[]);
    let posts = workspace.posts();
    fs::create_dir_all(&posts).unwrap();
    for i in 0..7 {
        fs::write(
            posts.join(format!("{i}.md")),
            "---\ntitle: 坏日期\ndate: Invalid Date\n---\n正文\n",
        )
        .unwrap();
    }
    fs::write(posts.join("empty.md"), "").unwrap();
    let run = workspace.run(&["ingest", "posts"]);
    let warnings = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .count();
    assert_eq!(warnings, 4, "three examples and a count: {run:?}");
    assert!(
        run.stderr
            .contains("4 more like `date: cannot read \"…\" as a date` (7 in all"),
        "{run:?}"
    );
    let verbose = workspace.run(&["ingest", "posts", "--rebuild", "--verbose"]);
    let warnings = verbose
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .count();
    assert_eq!(warnings, 7, "{verbose:?}");
    let quiet = workspace.run(&["ingest", "posts", "--rebuild", "-q", "--json"]);
    assert!(!quiet.stderr.contains("warning"), "{quiet:?}");
    assert!(
        quiet.stderr.contains("error: posts/empty.md: empty file"),
        "{quiet:?}"
    );
    let summary: serde_json::Value = serde_json::from_str(quiet.stdout.trim()).unwrap();
    let listed = summary["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "warning")
        .count();
    assert_eq!(listed, 7, "--json lists every warning");
    let empty = summary["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "failed")
        .unwrap();
    assert_eq!(empty["code"], "empty", "{empty}");
    // Nothing to ingest: a warning and exit 1.
    fs::create_dir_all(workspace.path().join("notes")).unwrap();
    fs::write(workspace.path().join("notes/a.txt"), "text").unwrap();
    let run = workspace.run(&["ingest", "notes"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("no posts under notes (sousuo reads .md"),
        "{run:?}"
    );
    // An error is said once.
    let run = workspace.run(&["ingest", "nowhere"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.matches("No such file").count(), 1, "{run:?}");
}

#[test]
fn stats_are_compact_and_exact() {
    let workspace = news();
    let run = workspace.run(&["stats"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stdout.contains("stored, stored"), "{}", run.stdout);
    let last = run
        .stdout
        .lines()
        .find(|l| l.starts_with("last ingest:"))
        .unwrap();
    let stamp = last.trim_start_matches("last ingest:").trim();
    assert!(
        chrono::DateTime::parse_from_rfc3339(stamp).is_ok(),
        "{stamp}"
    );
    assert!(!stamp.contains('.'), "no fractions of a second: {stamp}");
    // A line per year, not one per month.
    assert!(
        run.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("2023 ")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("2022 ")),
        "{}",
        run.stdout
    );
    let json = workspace.run(&["stats", "--json"]);
    let stats: serde_json::Value = serde_json::from_str(json.stdout.trim()).unwrap();
    assert_eq!(stats["facets"]["months"].as_array().unwrap().len(), 2);
}

#[test]
fn help_shows_every_syntax_with_an_example() {
    let help = common::sousuo(std::path::Path::new("."), &["help", "query"]);
    for syntax in [
        "\"东数西算\"",
        "~2",
        "+算力 -广告",
        "AND",
        "OR",
        "NOT",
        "算*",
        "title:",
        "author:",
        "category:",
        "date:[",
        "7d",
        "本周",
        "-l",
        "-c",
        "--ids",
        "--snippets",
        "-- -广告",
    ] {
        assert!(help.stdout.contains(syntax), "help lacks {syntax}");
    }
}

#[test]
fn spaced_words_rank_articles_holding_all_of_them_first() {
    let workspace = Workspace::with_fixtures(&[]);
    let posts = workspace.posts().join("words");
    fs::create_dir_all(&posts).unwrap();
    let filler = "市场人士表示，今年以来行业整体运行平稳，企业经营持续改善。".repeat(12);
    let post = |name: &str, title: &str, body: &str| {
        let text = format!("---\ntitle: {title}\n---\n{body}\n");
        fs::write(posts.join(name), text).unwrap();
    };
    // One word many times, short: BM25's favourite for the word alone.
    post("subsidy.md", "补贴发放", "补贴补贴，补贴到位，补贴政策。");
    post("subsidy-2.md", "补贴资金", "补贴资金下达，补贴标准提高。");
    // The other word alone, in several articles (so it is not rare).
    for i in 0..3 {
        post(
            &format!("cars-{i}.md"),
            "新能源汽车",
            "新能源汽车销量增长。",
        );
    }
    // Both words, once each, in a long article.
    post(
        "both.md",
        "行业观察",
        &format!("{filler}新能源汽车购置补贴延续。{filler}"),
    );
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    let ranked = ids(&workspace, &["新能源汽车 补贴"]);
    assert_eq!(
        ranked.first().map(String::as_str),
        Some("words/both.md"),
        "{ranked:?}"
    );
    assert_eq!(ranked.len(), 6, "the others still match: {ranked:?}");
    // Unspaced, a keyword query needs its words just the same (it used to be an OR of them,
    // in BM25 order, which put the one-word articles first); the one article holding both
    // is the only one counted.
    let unspaced = ids(&workspace, &["新能源汽车补贴"]);
    assert_eq!(
        unspaced.first().map(String::as_str),
        Some("words/both.md"),
        "{unspaced:?}"
    );
    let count = workspace.run(&["query", "-c", "新能源汽车补贴"]);
    assert_eq!(count.stdout.trim(), "1", "{count:?}");
}

//! `sousuo serve` against the real binary on a free port: the API's hits, facets, errors
//! and limits, the token, posts that carry HTML, ids that look like paths, slow clients,
//! and an ingest beside the server becoming visible without a restart.

use crate::common;

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::server::Server;
use common::{blog_archive, news_archive, Workspace};

/// Three posts: two about 暴雨 in two categories, one whose title is HTML.
fn archive() -> Workspace {
    news_archive(&[
        (
            "a.md",
            "天气",
            "2023-07-20 10:00",
            "暴雨来袭",
            "南方多地暴雨，城市内涝。",
        ),
        (
            "b.md",
            "保险",
            "2023-08-21 10:00",
            "暴雨与保险",
            "暴雨带来保险理赔。",
        ),
        (
            "c.md",
            "天气",
            "2023-08-22 10:00",
            "<img src=x onerror=alert(1)>",
            "<script>alert(2)</script>晴天。",
        ),
    ])
}

#[test]
fn search_returns_hits_facets_and_the_summary_of_query_json() {
    let workspace = archive();
    let server = Server::start(&workspace, &[]);
    let reply = server.search(&[("q", "暴雨"), ("facets", "1")]);
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.content_type, "application/json");
    let body = reply.json();
    let hits = body["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 2, "{body}");
    for key in [
        "rank",
        "id",
        "title",
        "date",
        "categories",
        "score",
        "snippet",
        "highlights",
    ] {
        assert!(hits[0].get(key).is_some(), "{key} in {}", hits[0]);
    }
    assert!(!hits[0]["highlights"].as_array().unwrap().is_empty());
    assert_eq!(body["summary"]["total"], 2);
    let categories = body["facets"]["categories"].as_array().unwrap();
    assert!(
        categories
            .iter()
            .any(|c| c["value"] == "保险" && c["count"] == 1),
        "{body}"
    );
    // Filters, sort and paging as the CLI's.
    let insured = server.search(&[("q", "暴雨"), ("category", "保险")]).json();
    assert_eq!(insured["hits"].as_array().unwrap().len(), 1, "{insured}");
    let newest = server.search(&[("sort", "newest"), ("limit", "1")]).json();
    assert!(
        newest["hits"][0]["id"].as_str().unwrap().ends_with("c.md"),
        "{newest}"
    );
    let second = server
        .search(&[("q", "暴雨"), ("limit", "1"), ("offset", "1")])
        .json();
    assert_eq!(second["hits"][0]["rank"], 2, "{second}");
    let july = server
        .search(&[("q", "暴雨"), ("since", "2023-07"), ("until", "2023-07")])
        .json();
    assert_eq!(july["summary"]["total"], 1, "{july}");
    // The article, its marks, similar articles, stats, health.
    let id = hits[0]["id"].as_str().unwrap();
    let encoded = serde_urlencoded::to_string([("q", "暴雨")]).unwrap();
    let path_id: String = serde_urlencoded::to_string([("x", id)]).unwrap()[2..].to_string();
    let article = server.get(&format!("/api/articles/{path_id}?{encoded}"));
    assert_eq!(article.status, 200, "{article:?}");
    let article = article.json();
    assert_eq!(article["id"], id);
    assert!(
        !article["body_highlights"].as_array().unwrap().is_empty(),
        "{article}"
    );
    let similar = server.get(&format!("/api/articles/{path_id}/similar"));
    assert_eq!(similar.status, 200, "{similar:?}");
    assert!(similar.json()["hits"].is_array());
    assert_eq!(server.get("/api/stats").json()["documents"], 3);
    assert_eq!(server.get("/healthz").json()["articles"], 3);
}

/// The count of `value` in a facet list of `/api/search` (`None` if not listed).
fn facet_count(body: &serde_json::Value, facet: &str, value: &str) -> Option<u64> {
    body["facets"][facet]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["value"] == value)
        .map(|c| c["count"].as_u64().unwrap())
}

#[test]
fn tags_and_authors_are_facets_and_filters_in_the_api_and_the_cli() {
    let workspace = blog_archive();
    let server = Server::start(&workspace, &[]);
    let body = server.search(&[("q", "暴雨"), ("facets", "1")]).json();
    assert_eq!(facet_count(&body, "tags", "天气"), Some(12), "{body}");
    assert_eq!(facet_count(&body, "tags", "城市"), Some(6), "{body}");
    assert_eq!(body["facets"]["tags"].as_array().unwrap().len(), 10);
    assert_eq!(facet_count(&body, "authors", "张三"), Some(4), "{body}");
    // Filters of one field are alternatives; of two fields, both apply.
    let city = server.search(&[("q", "暴雨"), ("tag", "城市")]).json();
    assert_eq!(city["summary"]["total"], 6, "{city}");
    let either = server
        .search(&[("tag", "标签1"), ("tag", "标签2"), ("limit", "0")])
        .json();
    assert_eq!(either["summary"]["total"], 2, "{either}");
    let both = server
        .search(&[
            ("q", "暴雨"),
            ("tag", "城市"),
            ("author", "张三"),
            ("facets", "1"),
        ])
        .json();
    assert_eq!(both["summary"]["total"], 2, "{both}");
    assert_eq!(facet_count(&both, "authors", "李四"), None, "{both}");
    // The CLI's flags and its facets: the same counts.
    let run = workspace.run(&["query", "暴雨", "--tag", "城市", "--author", "张三", "-c"]);
    assert_eq!(run.stdout.trim(), "2", "{run:?}");
    let run = workspace.run(&["query", "暴雨", "--facets"]);
    assert!(run.stdout.contains("tags:"), "{run:?}");
    assert!(run.stdout.contains("      6  城市"), "{run:?}");
    assert!(run.stdout.contains("authors:"), "{run:?}");
}

#[test]
fn bad_requests_get_the_status_that_fits_and_a_message() {
    let workspace = archive();
    let server = Server::start(&workspace, &[]);
    let unclosed = server.search(&[("q", "\"暴雨")]);
    assert_eq!(unclosed.status, 400, "{unclosed:?}");
    let error = unclosed.json();
    assert!(
        error["error"].as_str().unwrap().contains("unclosed quote"),
        "{error}"
    );
    assert_eq!(error["position"], 1);
    for (name, value, says) in [
        ("limit", "1000", "the most is 100"),
        ("offset", "20000", "the most is 10000"),
        ("limit", "ten", "whole number"),
        ("sort", "sideways", "relevance, newest or oldest"),
        ("colour", "red", "unknown parameter `colour`"),
    ] {
        let reply = server.search(&[("q", "暴雨"), (name, value)]);
        assert_eq!(reply.status, 400, "{name}={value}: {reply:?}");
        assert!(
            reply.json()["error"].as_str().unwrap().contains(says),
            "{reply:?}"
        );
    }
    let long = "暴".repeat(5000);
    assert_eq!(server.search(&[("q", &long)]).status, 400);
    let missing = server.get("/api/articles/nothing.md");
    assert_eq!(missing.status, 404, "{missing:?}");
    assert!(missing.json()["error"]
        .as_str()
        .unwrap()
        .contains("no article"));
    // An id is looked up in the index, never opened as a file.
    for path in [
        "/api/articles/..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/articles/%2Fetc%2Fpasswd",
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 404, "{path}: {reply:?}");
        assert!(!reply.body.contains("root:"), "{reply:?}");
    }
    let unknown = server.get("/admin");
    assert_eq!(unknown.status, 404);
    assert!(unknown.json()["error"].is_string());
}

#[test]
fn the_page_has_no_inline_script_and_post_html_stays_data() {
    let workspace = archive();
    let server = Server::start(&workspace, &[]);
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"), "{page:?}");
    assert!(page.csp.contains("script-src 'self'") && !page.csp.contains("unsafe-inline"));
    assert!(
        !page.body.contains("<script>"),
        "only <script src=…>: {}",
        page.body
    );
    assert!(page.body.contains("<script src=\"/app.js\""));
    let script = server.get("/app.js");
    assert!(
        script.content_type.starts_with("text/javascript"),
        "{script:?}"
    );
    assert!(
        !script.body.contains("innerHTML"),
        "the page sets text, never HTML"
    );
    // The API hands the title over as a JSON string (the page sets it as text: see the
    // browser test), in a response a browser will not render as HTML.
    let reply = server.search(&[("q", "晴天")]);
    assert_eq!(reply.content_type, "application/json");
    assert_eq!(
        reply.json()["hits"][0]["title"],
        "<img src=x onerror=alert(1)>"
    );
    assert!(reply.csp.contains("default-src 'none'"), "{reply:?}");
}

#[test]
fn a_token_guards_every_page_and_api_call() {
    let workspace = archive();
    let server = Server::start(&workspace, &["--token", "s3cret"]);
    for path in [
        "/",
        "/api/search?q=%E6%9A%B4%E9%9B%A8",
        "/api/stats",
        "/healthz",
    ] {
        assert_eq!(server.get(path).status, 401, "{path} without the token");
        assert_eq!(server.get_with(path, Some("wrong")).status, 401, "{path}");
        assert_eq!(server.get_with(path, Some("s3cret")).status, 200, "{path}");
    }
    assert_eq!(
        server.get("/?token=s3cret").status,
        200,
        "the page's link form"
    );
    assert_eq!(server.get("/api/stats?token=s3cre").status, 401);
    // Beyond this machine only with a token, or when told so.
    let run = workspace.run(&["serve", "--listen", "0.0.0.0:0"]);
    run.assert_error(2, "give --token TOKEN, or --no-auth");
}

#[test]
fn a_client_that_sends_nothing_is_disconnected() {
    let workspace = archive();
    let server = Server::start(&workspace, &[]);
    let mut stream = TcpStream::connect(server.base.trim_start_matches("http://")).unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let read = stream.read_to_end(&mut rest);
    assert!(
        read.is_ok(),
        "closed by the server, not by the test's timeout: {read:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "{:?}",
        started.elapsed()
    );
    // Others are still served.
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn an_ingest_or_a_rebuild_beside_the_server_shows_after_its_commit() {
    let workspace = archive();
    let server = Server::start(&workspace, &[]);
    let seen = |want: u64, articles: u64| {
        let started = Instant::now();
        loop {
            let total = server.search(&[("q", "台风")]).json()["summary"]["total"].clone();
            let held = server.get("/healthz").json()["articles"].clone();
            if total == want && held == articles {
                return;
            }
            // A deadline, not a latency bound (scripts/bench measures how soon).
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{total} {held}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    seen(0, 3);
    let typhoon = |name: &str| {
        fs::write(
            workspace.posts().join("news").join(name),
            "---\ntitle: 台风登陆\ndate: 2023-09-01 10:00\n---\n台风杜苏芮登陆福建。\n",
        )
        .unwrap()
    };
    typhoon("d.md");
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    seen(1, 4);
    // A rebuild swaps a new index in: the server follows it too.
    typhoon("e.md");
    let rebuilt = workspace.run(&["ingest", "posts", "--rebuild", "--quiet"]);
    assert_eq!(rebuilt.code, 0, "{rebuilt:?}");
    seen(2, 5);
}

#[test]
fn serve_watch_ingests_first_then_follows_the_folder_until_ctrl_c() {
    let workspace = Workspace::with_fixtures(&[]);
    let news = workspace.posts().join("news");
    fs::create_dir_all(&news).unwrap();
    fs::write(
        news.join("a.md"),
        "---\ntitle: 降息落地\n---\n央行宣布下调存款准备金率。\n",
    )
    .unwrap();
    // No index yet: the server answers at once, the first round builds it beside.
    let mut server = Server::start(&workspace, &["--watch", "posts"]);
    assert_eq!(server.wait_until_built()["articles"], 1);
    let total = |server: &Server, q: &str| {
        server.search(&[("q", q)]).json()["summary"]["total"]
            .as_u64()
            .unwrap()
    };
    let within = |server: &Server, q: &str, want: u64| {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if total(server, q) == want {
                return started.elapsed();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{q}: never {want}");
    };
    fs::write(
        news.join("b.md"),
        "---\ntitle: 台风登陆\n---\n台风杜苏芮登陆福建。\n",
    )
    .unwrap();
    // A new post becomes searchable, a deleted one goes (how soon: scripts/bench).
    within(&server, "台风", 1);
    fs::remove_file(news.join("b.md")).unwrap();
    within(&server, "台风", 0);
    assert_eq!(server.interrupt(), 0, "Ctrl-C stops serving and watching");
    // What the watcher did is committed: the index holds the one post left.
    let stats = workspace.run(&["stats", "--json"]);
    assert_eq!(stats.json_lines()[0]["documents"], 1, "{stats:?}");
}

#[test]
fn a_query_ranks_the_same_through_the_cli_and_the_api_with_the_same_settings() {
    let workspace = Workspace::with_fixtures(&["real"]);
    assert_eq!(workspace.ingest().0.code, 0);
    // A synonym group that changes what 算力 finds, and ranking knobs off their defaults.
    fs::write(workspace.path().join("synonyms.txt"), "电脑 计算机 中国\n").unwrap();
    let ranking = ("SOUSUO_RANKING", "feedback_docs=0,proximity_weight=3");
    let cli = |synonyms: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_sousuo"));
        command.args(["query", "电脑", "--json", "-n", "20"]);
        if synonyms {
            command.args(["--synonyms", "synonyms.txt"]);
        }
        let output = command
            .env(ranking.0, ranking.1)
            .current_dir(workspace.path())
            .output()
            .unwrap();
        assert!(output.status.code().is_some_and(|c| c <= 1), "{output:?}");
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter_map(|hit| hit["id"].as_str().map(str::to_string))
            .collect::<Vec<_>>()
    };
    let with_synonyms = cli(true);
    assert!(with_synonyms.len() > 1, "{with_synonyms:?}");
    assert_ne!(with_synonyms, cli(false), "the synonyms change the answer");
    let server = Server::start_with_env(&workspace, &["--synonyms", "synonyms.txt"], &[ranking]);
    let api: Vec<String> = server.search(&[("q", "电脑"), ("limit", "20")]).json()["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(api, with_synonyms);
    // A bad setting stops the server from starting, as it stops `query`.
    let refused = workspace.run(&["serve", "--listen", "127.0.0.1:0", "--synonyms", "none.txt"]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.stderr.contains("none.txt"), "{refused:?}");
}

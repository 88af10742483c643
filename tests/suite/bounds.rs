//! What one query or request may cost, and who may ask: a long query is searched by its
//! most distinctive words and says so, too many parts is an error, facets and titles in
//! answers are capped, the server answers only for its own host names, and its token works
//! in any characters without being printed.

use crate::common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::server::Server;
use common::{news_archive, Workspace};

/// 40 posts, post `i` holding the words `word(0)` … `word(i)`: the first is in every post,
/// the last in one.
fn archive_of_words() -> Workspace {
    let posts: Vec<(String, String)> = (0..40)
        .map(|i| {
            let words: Vec<String> = (0..=i).map(word).collect();
            (format!("p{i:02}.md"), words.join("，"))
        })
        .collect();
    let list: Vec<(&str, &str, &str, &str, &str)> = posts
        .iter()
        .map(|(name, body)| {
            (
                name.as_str(),
                "新闻",
                "2023-07-20 10:00",
                "报道",
                body.as_str(),
            )
        })
        .collect();
    news_archive(&list)
}

/// Words the analyzer keeps whole: `zqaa`, `zqab`, …
fn word(i: usize) -> String {
    let letter = |n: usize| char::from(b'a' + n as u8);
    format!("zq{}{}", letter(i / 26), letter(i % 26))
}

#[test]
fn a_long_query_is_searched_by_its_most_distinctive_words_and_says_which_it_left_out() {
    let workspace = archive_of_words();
    // 40 distinct words, each twice: the search keeps the 32 rarest.
    let words: Vec<String> = (0..40).chain(0..40).map(word).collect();
    let query = words.join(" ");
    let run = workspace.run(&["query", &query, "--json", "-n", "50"]);
    assert_eq!(run.code, 0, "{run:?}");
    let summary = run.summary();
    let ignored: Vec<&str> = summary["matching"]["ignored"]
        .as_array()
        .unwrap_or_else(|| panic!("the words left out are reported: {summary}"))
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(ignored.len(), 40 - 32, "{ignored:?}");
    // The most common words are the ones left out: the first eight.
    for i in 0..8 {
        assert!(
            ignored.contains(&word(i).as_str()),
            "{} in {ignored:?}",
            word(i)
        );
    }
    // Posts holding only the words left out (p00 … p07) no longer match.
    assert_eq!(summary["total"], 32, "{summary}");
    let all = workspace.run(&["query", &query, "--ids", "--no-fold", "-n", "50"]);
    assert!(
        !all.stdout.contains("p07.md") && all.stdout.contains("p08.md"),
        "{all:?}"
    );
    // People are told too.
    let human = workspace.run(&["query", &query]);
    assert!(
        human.stderr.contains("more than 32 distinct words") && human.stderr.contains("8 left out"),
        "{human:?}"
    );
}

/// A query past the limit of phrases, prefixes, groups and `+`/`-` words (a pasted
/// paragraph full of quotation marks and signs) is read as plain text, and says so.
#[test]
fn too_many_phrases_prefixes_or_required_words_are_read_as_plain_text() {
    let workspace = archive_of_words();
    let phrases: Vec<String> = (0..33).map(|i| format!("\"{} 报道\"", word(i))).collect();
    let prefixes: Vec<String> = (0..65).map(|i| format!("{}*", word(i % 40))).collect();
    let excluded: Vec<String> = (0..65).map(|i| format!("-{}", word(i % 40))).collect();
    let excluded = format!("报道 {}", excluded.join(" "));
    for (query, parts) in [
        (phrases.join(" "), 66),
        (prefixes.join(" "), 65),
        (excluded, 65),
    ] {
        let run = workspace.run(&["query", &query, "--ids"]);
        assert_eq!(run.code, 0, "{run:?}");
        let note = format!(
            "read as plain text (its quotation marks, signs and brackets as text): the query \
             has {parts} phrases, prefixes, groups and required or excluded words, more than 64"
        );
        assert!(run.stderr.contains(&note), "{run:?}");
        // As text, an excluded word is a word: the post holding every one is found.
        assert!(run.stdout.contains("p39.md"), "{run:?}");
    }
    // At the limit it is read as written.
    let allowed: Vec<String> = (0..32).map(|i| format!("\"{} 报道\"", word(i))).collect();
    let run = workspace.run(&["query", &allowed.join(" ")]);
    assert!(
        run.code != 2 && !run.stderr.contains("plain text"),
        "{run:?}"
    );
    // The API answers, and says so in the summary.
    let server = Server::start(&workspace, &[]);
    let reply = server.search(&[("q", &phrases.join(" "))]);
    assert_eq!(reply.status, 200, "{reply:?}");
    let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    let reason = body["summary"]["matching"]["read_as_text"]
        .as_str()
        .unwrap();
    assert!(reason.starts_with("the query has 66 phrases"), "{body}");
}

/// Pasted text the query language cannot read — a quotation mark left open, `Note:` taken
/// for a field — is read as plain text; typed short, it is still an error that says where.
#[test]
fn pasted_text_the_query_language_cannot_read_is_read_as_plain_text() {
    let workspace = archive_of_words();
    let words: Vec<String> = (20..40).map(word).collect();
    for broken in ["\"", "Note:"] {
        let pasted = format!(
            "{} {broken} {}",
            words[..5].join("，"),
            words[5..].join("，")
        );
        assert!(pasted.chars().count() >= 64, "{pasted}");
        let run = workspace.run(&["query", &pasted, "--ids"]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stderr.contains("read as plain text"), "{run:?}");
        assert!(run.stdout.contains("p39.md"), "{run:?}");
    }
    workspace
        .run(&["query", "\"报道"])
        .assert_error(2, "unclosed quote");
}

#[test]
fn facets_list_at_most_100_categories_and_hits_cut_long_titles_and_category_lists() {
    let workspace = Workspace::with_fixtures(&[]);
    let folder = workspace.posts().join("news");
    std::fs::create_dir_all(&folder).unwrap();
    let categories: String = (0..300).map(|i| format!(" - 类别{i:03}\n")).collect();
    let title = "长".repeat(5000);
    let post = format!("---\ntitle: {title}\ncategories:\n{categories}---\n暴雨来袭。\n");
    std::fs::write(folder.join("many.md"), post).unwrap();
    assert_eq!(workspace.ingest().0.code, 0);
    let server = Server::start(&workspace, &[]);
    let body = server.search(&[("q", "暴雨"), ("facets", "1")]).json();
    assert_eq!(
        body["facets"]["categories"].as_array().unwrap().len(),
        100,
        "{body}"
    );
    assert_eq!(body["facets"]["more_categories"], 200);
    assert_eq!(body["hits"][0]["categories"].as_array().unwrap().len(), 20);
    let shown = body["hits"][0]["title"].as_str().unwrap();
    assert_eq!(shown.chars().count(), 201, "200 characters and …");
    assert!(shown.ends_with('…'));
    // The article itself keeps its whole title.
    let id = body["hits"][0]["id"].as_str().unwrap();
    let id = serde_urlencoded::to_string([("x", id)]).unwrap()[2..].to_string();
    let article = server.get(&format!("/api/articles/{id}")).json();
    assert_eq!(article["title"].as_str().unwrap().chars().count(), 5000);
}

/// A raw HTTP/1.1 GET naming `host`; the status code.
fn status_for_host(server: &Server, host: &str, path: &str) -> u16 {
    raw_status(server, path, &format!("Host: {host}\r\n"))
}

/// A raw HTTP/1.1 GET with these header lines (each ending in CRLF); the status code.
fn raw_status(server: &Server, path: &str, headers: &str) -> u16 {
    let address = server.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let headers = if headers.starts_with("Host:") {
        headers.to_string()
    } else {
        format!("Host: {address}\r\n{headers}")
    };
    let request = format!("GET {path} HTTP/1.1\r\n{headers}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("{answer:?}"))
}

#[test]
fn only_requests_naming_this_server_are_answered() {
    let workspace = archive_of_words();
    let server = Server::start(&workspace, &["--allow-host", "Search.LAN"]);
    let port = server.base.rsplit(':').next().unwrap().to_string();
    for path in ["/api/search?q=%E6%8A%A5%E9%81%93", "/", "/api/stats"] {
        // A page that rebinds its own name to 127.0.0.1 (DNS rebinding) is refused.
        for host in [
            format!("evil.example.com:{port}"),
            "evil.example.com".into(),
        ] {
            assert_eq!(status_for_host(&server, &host, path), 403, "{host} {path}");
        }
        for host in [
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
            "search.lan".to_string(),
            format!("search.lan:{port}"),
        ] {
            assert_eq!(status_for_host(&server, &host, path), 200, "{host} {path}");
        }
    }
}

#[test]
fn a_token_in_any_characters_works_from_the_page_and_is_never_printed() {
    let workspace = archive_of_words();
    let token = "a+b &c=密钥";
    let server = Server::start_with_env(&workspace, &[], &[("SOUSUO_TOKEN", token)]);
    assert!(
        !server.banner.contains("密钥") && !server.banner.contains("a+b"),
        "the token from the environment is not printed: {}",
        server.banner
    );
    // As the page sends it: URL-encoded.
    let encoded = serde_urlencoded::to_string([("token", token)]).unwrap();
    assert_eq!(server.get(&format!("/api/stats?{encoded}")).status, 200);
    assert_eq!(server.get(&format!("/?{encoded}")).status, 200);
    // As a header, in UTF-8.
    let bearer = |token: &str| format!("Authorization: Bearer {token}\r\n");
    assert_eq!(raw_status(&server, "/api/stats", &bearer(token)), 200);
    assert_eq!(raw_status(&server, "/api/stats", &bearer("a+b &c=")), 401);
    assert_eq!(server.get("/api/stats?token=a%2Bb").status, 401);
}

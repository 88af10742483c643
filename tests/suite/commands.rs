//! stats, get, similar, query --facets, export, completions and help, against the real
//! binary.

use crate::common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::Workspace;
use serde_json::Value;
use sousuo::index::SearchIndex;
use sousuo::text::SUB_WORD_PREFIX;

const SEED: &str = "real/工信部副部长张云明：中国算力规模排名全球第二.md";

fn indexed() -> Workspace {
    let workspace = Workspace::with_fixtures(&["real", "handmade"]);
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    workspace
}

fn json(run: &common::Run) -> Value {
    assert_eq!(run.code, 0, "{run:?}");
    serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

#[test]
fn stats_count_articles_categories_and_months() {
    let workspace = indexed();
    let stats = json(&workspace.run(&["stats", "--json", "--top", "3"]));
    assert_eq!(stats["documents"], 10);
    assert!(stats["size_bytes"].as_u64().unwrap() > 0);
    let categories = stats["facets"]["categories"].as_array().unwrap();
    assert_eq!(categories.len(), 3);
    // Four real 新浪财经 posts... and 春耕 (金融): 金融 is the largest category.
    assert_eq!(categories[0], serde_json::json!(["金融", 4]));
    assert!(stats["category_count"].as_u64().unwrap() > 3);
    let months = stats["facets"]["months"].as_array().unwrap();
    assert!(
        months.contains(&serde_json::json!(["2022-07", 1])),
        "{months:?}"
    );
    assert_eq!(
        stats["facets"]["undated"], 3,
        "Invalid Date ×2, no front matter ×1"
    );
    assert_eq!(
        stats["facets"]["date_range"],
        serde_json::json!(["2021-04-25T07:23:17+08:00", "2023-03-07T08:00:00+08:00"])
    );
    let names: Vec<&str> = stats["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"title") && names.contains(&"body"));
    let human = workspace.run(&["stats"]);
    assert!(
        human.stdout.contains("articles:     10"),
        "{}",
        human.stdout
    );
}

#[test]
fn get_shows_the_article_as_indexed_by_id_or_path() {
    let workspace = indexed();
    let by_id = json(&workspace.run(&["get", SEED, "--json"]));
    assert_eq!(
        by_id["title"],
        "工信部副部长张云明：中国算力规模排名全球第二"
    );
    assert_eq!(by_id["editor"], "郭建");
    let body = by_id["body"].as_str().unwrap();
    assert!(body.starts_with("本报记者 裴昱 济南报道"));
    assert!(!body.contains("金麒麟") && !body.contains("责任编辑"));
    let by_path = json(&workspace.run(&["get", &format!("posts/{SEED}"), "--json"]));
    assert_eq!(by_path, by_id);
    let raw = workspace.run(&["get", SEED, "--raw"]);
    let original = std::fs::read_to_string(workspace.posts().join(SEED)).unwrap();
    assert_eq!(raw.stdout, original);
    let human = workspace.run(&["get", SEED]);
    assert!(
        human.stdout.contains("editor:      郭建"),
        "{}",
        human.stdout
    );
    let missing = workspace.run(&["get", "no/such.md"]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("no article with id"));
}

#[test]
fn similar_finds_related_articles_but_not_itself() {
    let workspace = indexed();
    let run = workspace.run(&["similar", "handmade/算力网络.markdown", "--json"]);
    let ids = run.hit_ids();
    assert!(!ids.contains(&"handmade/算力网络.markdown".to_string()));
    assert_eq!(
        ids[0], SEED,
        "the other article about 算力 comes first: {ids:?}"
    );
    let missing = workspace.run(&["similar", "nope.md"]);
    assert_eq!(missing.code, 1);
}

#[test]
fn query_facets_count_the_matching_set() {
    let workspace = indexed();
    let run = workspace.run(&["query", "算力", "--json", "--facets"]);
    let lines = run.json_lines();
    let (summary, rest) = lines.split_last().unwrap();
    let (facets, hits) = rest.split_last().unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(summary["summary"]["total"], 2, "{summary}");
    let categories = facets["facets"]["categories"].as_array().unwrap();
    assert!(categories.contains(&serde_json::json!({"value": "金融", "count": 1})));
    let months = facets["facets"]["months"].as_array().unwrap();
    let dated: u64 = months.iter().map(|m| m["count"].as_u64().unwrap()).sum();
    assert_eq!(dated + facets["facets"]["undated"].as_u64().unwrap(), 2);
    let human = workspace.run(&["query", "算力", "--facets"]);
    assert!(human.stdout.contains("categories:") && human.stdout.contains("months:"));
}

#[test]
fn export_writes_fields_and_the_indexed_segmentation() {
    let workspace = indexed();
    let run = workspace.run(&["export"]);
    assert_eq!(run.code, 0, "{run:?}");
    let records = run.json_lines();
    assert_eq!(records.len(), 10);
    // The exported words are exactly the terms the index holds, field by field.
    let index = SearchIndex::open(&workspace.path().join(".sousuo")).unwrap();
    let searcher = index.tantivy().reader().unwrap().searcher();
    for field in ["title", "body"] {
        for (suffix, indexed_field) in [
            ("tokens", field.to_string()),
            ("subwords", format!("_sub.{field}")),
        ] {
            let exported: BTreeSet<String> = records
                .iter()
                .flat_map(|r| {
                    let words = r[format!("{field}_{suffix}")].as_str().unwrap().to_string();
                    words
                        .split(' ')
                        .filter(|w| !w.is_empty())
                        .map(str::to_string)
                        .collect::<Vec<_>>()
                })
                .collect();
            let handle = index.tantivy().schema().get_field(&indexed_field).unwrap();
            let mut indexed = BTreeSet::new();
            for segment in searcher.segment_readers() {
                let terms = segment.inverted_index(handle).unwrap();
                let mut stream = terms.terms().stream().unwrap();
                while stream.advance() {
                    let term = String::from_utf8(stream.key().to_vec()).unwrap();
                    indexed.insert(term.trim_start_matches(SUB_WORD_PREFIX).to_string());
                }
            }
            assert_eq!(exported, indexed, "{field}_{suffix}");
        }
    }
    let seed = records.iter().find(|r| r["id"] == SEED).unwrap();
    assert!(seed["body_tokens"].as_str().unwrap().contains("算力 规模"));
    assert_eq!(seed["date"], "2022-07-30T15:56:36+08:00");

    let bulk = workspace.run(&["export", "--format", "opensearch-bulk", "--query", "算力"]);
    let lines = bulk.json_lines();
    assert_eq!(lines.len(), 4, "two action/source pairs");
    for pair in lines.chunks(2) {
        assert_eq!(pair[0]["index"]["_id"], pair[1]["id"]);
        assert!(pair[1]["body_tokens"].as_str().unwrap().contains("算力"));
    }
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    // The bundled sample exports megabytes: far more than a pipe holds, so the writer does
    // meet the closed pipe.
    let workspace = Workspace::with_fixtures(&[]);
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
    assert!(workspace.run(&["ingest", data, "--quiet"]).code <= 1);
    let mut child = workspace.spawn(&["export"], Stdio::piped);
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is dropped here, as `| head -1` would.
    let output = child.wait_with_output().unwrap();
    assert!(first.starts_with('{'));
    assert_eq!(output.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("error"));
}

#[test]
fn completions_and_help_with_examples_for_every_command() {
    let workspace = Workspace::with_fixtures(&[]);
    for shell in ["bash", "zsh", "fish"] {
        let run = workspace.run(&["completions", shell]);
        assert_eq!(run.code, 0);
        assert!(
            run.stdout.contains("sousuo") && run.stdout.contains("similar"),
            "{shell}"
        );
    }
    for command in [
        "ingest",
        "query",
        "stats",
        "get",
        "similar",
        "export",
        "completions",
    ] {
        let run = workspace.run(&[command, "--help"]);
        assert_eq!(run.code, 0);
        assert!(
            run.stdout.contains("Examples:"),
            "{command} --help lacks examples"
        );
    }
}

//! The hand-off to another engine, without one: `analyze` says what the index holds,
//! `query --for opensearch` is query DSL over the documented mapping (every clause checked),
//! `query --for quickwit` names only fields of the documented index config, and `export`
//! splits files at whole documents and dates every article when asked.

use crate::common;

use std::collections::{BTreeSet, HashSet};
use std::fs;

use common::{news_archive, Workspace};
use serde_json::Value;

fn archive() -> Workspace {
    let workspace = news_archive(&[
        (
            "a.md",
            "金融",
            "2022-07-30 10:00",
            "新能源汽车补贴延续",
            "新能源汽车购置补贴政策延续到年底，东数西算工程同步推进。",
        ),
        (
            "b.md",
            "新闻",
            "2022-08-02 09:00",
            "人民大会堂举行新闻发布会",
            "人民大会堂举行新闻发布会，介绍算力网络建设。",
        ),
        (
            "c.md",
            "金融",
            "2023-01-05 08:00",
            "电力市场改革",
            "电力市场化改革提速，广告推广费用下降。",
        ),
    ]);
    // One post without a date.
    fs::write(
        workspace.posts().join("news/undated.md"),
        "---\ntitle: 没有日期的文章\n---\n这篇文章没有日期，算力规模仍在增长。\n",
    )
    .unwrap();
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    workspace
}

fn json_of(run: &common::Run) -> Value {
    assert_eq!(run.code, 0, "{run:?}");
    serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {run:?}"))
}

#[test]
fn analyze_prints_the_words_and_sub_words_the_index_holds() {
    let workspace = archive();
    let analyzed = json_of(&workspace.run(&["analyze", "人民大会堂举行新闻发布会", "--json"]));
    assert_eq!(
        analyzed["words"],
        serde_json::json!(["人民大会堂", "举行", "新闻", "发布会"])
    );
    let sub_words: Vec<&str> = analyzed["sub_words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(sub_words.contains(&"大会堂"), "{sub_words:?}");
    // What analyze says of a body is what export wrote for it.
    let export = workspace.run(&["export"]);
    let record: Value = export
        .stdout
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|record| record["id"] == "news/b.md")
        .unwrap();
    let body = record["body"].as_str().unwrap();
    let analyzed = json_of(&workspace.run(&["analyze", "--json", body]));
    let words: Vec<&str> = analyzed["words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(words.join(" "), record["body_tokens"].as_str().unwrap());
    let human = workspace.run(&["analyze", "人民大会堂"]);
    assert!(
        human.stdout.contains("words:       人民大会堂"),
        "{human:?}"
    );
}

#[test]
fn analyze_without_an_index_uses_the_dictionary_a_new_index_starts_with() {
    let folder = tempfile::tempdir().unwrap();
    let run = common::sousuo(
        folder.path(),
        &["analyze", "人民大会堂举行新闻发布会", "--json"],
    );
    assert_eq!(
        json_of(&run)["words"],
        serde_json::json!(["人民大会堂", "举行", "新闻", "发布会"])
    );
    assert!(run.stderr.contains("no index at .sousuo"), "{run:?}");
    // An index that is named but not there is still an error naming it.
    let named = common::sousuo(folder.path(), &["analyze", "--index", "nowhere", "新闻"]);
    assert_eq!(named.code, 2, "{named:?}");
    assert!(
        named
            .stderr
            .starts_with("error: no sousuo index at nowhere"),
        "{named:?}"
    );
    assert!(named.stdout.is_empty(), "{named:?}");
}

/// The documented OpenSearch mapping's fields: name → (type, indexed, positions).
fn mapping() -> Vec<(String, String, bool, bool)> {
    let text = fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/scale-out/opensearch-mapping.json"),
    )
    .unwrap();
    let mapping: Value = serde_json::from_str(&text).unwrap();
    mapping["mappings"]["properties"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, spec)| {
            let indexed = spec.get("index") != Some(&Value::Bool(false));
            let positions = spec["type"] == "text" && spec.get("index_options").is_none();
            (
                name.clone(),
                spec["type"].as_str().unwrap().to_string(),
                indexed,
                positions,
            )
        })
        .collect()
}

/// Checks every clause of an OpenSearch query against the mapping; returns the leaves
/// as (kind, field, value).
fn check_dsl(
    query: &Value,
    fields: &[(String, String, bool, bool)],
    leaves: &mut Vec<(String, String, String)>,
) {
    let object = query
        .as_object()
        .unwrap_or_else(|| panic!("a clause is an object: {query}"));
    assert_eq!(object.len(), 1, "one query kind per clause: {query}");
    let (kind, body) = object.iter().next().unwrap();
    let field_of = |name: &str| {
        fields
            .iter()
            .find(|(field, ..)| field == name)
            .unwrap_or_else(|| panic!("{name} is not in the mapping: {query}"))
            .clone()
    };
    match kind.as_str() {
        "bool" => {
            for (key, value) in body.as_object().unwrap() {
                match key.as_str() {
                    "must" | "should" | "must_not" | "filter" => {
                        let list = value.as_array().unwrap();
                        assert!(!list.is_empty(), "{query}");
                        for clause in list {
                            check_dsl(clause, fields, leaves);
                        }
                    }
                    "minimum_should_match" => assert!(value.as_u64().unwrap() >= 1),
                    other => panic!("bool has no {other}: {query}"),
                }
            }
        }
        "constant_score" => {
            assert!(body["boost"].as_f64().unwrap() > 0.0);
            check_dsl(&body["filter"], fields, leaves);
        }
        "match_all" => assert_eq!(body, &serde_json::json!({})),
        "term" | "prefix" | "match_phrase" | "range" => {
            let (name, spec) = body.as_object().unwrap().iter().next().unwrap();
            let (_, field_type, indexed, positions) = field_of(name);
            assert!(indexed, "{name} is not indexed: {query}");
            let value = match kind.as_str() {
                "range" => {
                    assert_eq!(field_type, "date", "{query}");
                    for (bound, date) in spec.as_object().unwrap() {
                        assert!(["gte", "lt"].contains(&bound.as_str()), "{query}");
                        chrono::DateTime::parse_from_rfc3339(date.as_str().unwrap()).unwrap();
                    }
                    spec.to_string()
                }
                "match_phrase" => {
                    assert!(positions, "{name} keeps no positions: {query}");
                    assert!(spec["slop"].as_u64().is_some(), "{query}");
                    spec["query"].as_str().unwrap().to_string()
                }
                _ => {
                    let value = spec["value"].as_str().unwrap();
                    if field_type == "text" {
                        assert!(!value.contains(' '), "one token per term: {query}");
                    }
                    value.to_string()
                }
            };
            if kind != "range" {
                assert!(spec["boost"].as_f64().unwrap() >= 0.0, "{query}");
            }
            leaves.push((kind.clone(), name.clone(), value));
        }
        other => panic!("{other} is not a query sousuo writes: {query}"),
    }
}

fn translate(workspace: &Workspace, query: &str, engine: &str, extra: &[&str]) -> Value {
    let mut args = vec!["query", query, "--for", engine, "--json"];
    args.extend_from_slice(extra);
    json_of(&workspace.run(&args))
}

#[test]
fn opensearch_query_dsl_uses_only_mapped_fields_and_means_the_query() {
    let workspace = archive();
    let fields = mapping();
    for query in [
        "新能源汽车 补贴",
        "人民大会堂举行新闻发布会的时候介绍了什么",
        "\"东数西算\" -广告 category:金融 date:2022-07",
        "算* title:算力",
        "+(算力 OR 电力) -(广告 推广)",
        "算力 -广告",
    ] {
        let body = translate(
            &workspace,
            query,
            "opensearch",
            &["--facets", "--limit", "5"],
        );
        assert_eq!(body["size"], 5);
        assert_eq!(body["from"], 0);
        assert_eq!(
            body["aggs"]["months"]["date_histogram"]["calendar_interval"],
            "month"
        );
        let mut leaves = Vec::new();
        check_dsl(&body["query"], &fields, &mut leaves);
        let values: BTreeSet<(String, String, String)> = leaves.into_iter().collect();
        let has = |kind: &str, field: &str, value: &str| {
            values.contains(&(kind.to_string(), field.to_string(), value.to_string()))
        };
        match query {
            "新能源汽车 补贴" => {
                assert!(
                    has("term", "title_tokens", "补贴") && has("term", "body_subwords", "汽车")
                );
                assert!(
                    has("match_phrase", "body_tokens", "新能源 汽车 补贴"),
                    "{values:?}"
                );
                let text = body["query"].to_string();
                assert!(text.contains("constant_score"), "the coverage tier: {text}");
            }
            "\"东数西算\" -广告 category:金融 date:2022-07" => {
                assert!(
                    has("match_phrase", "body_tokens", "东数 西算"),
                    "{values:?}"
                );
                assert!(has("term", "categories", "金融"));
                let filter = &body["query"]["bool"]["filter"];
                assert!(
                    filter.to_string().contains("2022-07-01T00:00:00+08:00"),
                    "{filter}"
                );
                let excluded = body["query"]["bool"]["must"][0]["bool"]["must_not"].to_string();
                assert!(excluded.contains("广告"), "{body}");
            }
            "算* title:算力" => {
                assert!(has("prefix", "body_tokens", "算"), "{values:?}");
                assert!(has("term", "title_tokens", "算力"));
                assert!(!has("term", "body_tokens", "算力"), "title: only the title");
            }
            "算力 -广告" => {
                // One part decides, as in sousuo: required as a filter, the words only
                // score (an article may hold the part in another cut and none of the
                // words), the excluded word stays excluded.
                let top = &body["query"]["bool"];
                assert!(top.get("must").is_none(), "{top}");
                assert!(top["filter"].to_string().contains("算力"), "{top}");
                assert!(top["should"].to_string().contains("算力"), "{top}");
                assert!(top["must_not"].to_string().contains("广告"), "{top}");
            }
            _ => assert!(!values.is_empty()),
        }
    }
}

#[test]
fn quickwit_requests_name_only_fields_of_the_documented_index_config() {
    let workspace = archive();
    let config = fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scale-out/quickwit-index.yaml"),
    )
    .unwrap();
    let known: HashSet<&str> = config
        .lines()
        .filter_map(|line| line.split("name: ").nth(1))
        .map(|rest| rest.split(',').next().unwrap().trim())
        .collect();
    assert!(known.contains("body_tokens") && known.contains("date"));
    for query in [
        "新能源汽车 补贴",
        "\"东数西算\" -广告 category:金融 date:2022-07",
        "算* 电力",
    ] {
        let body = translate(
            &workspace,
            query,
            "quickwit",
            &["--facets", "--offset", "10"],
        );
        assert_eq!(body["sort_by"], "_score");
        assert_eq!(body["start_offset"], 10);
        let text = body["query"].as_str().unwrap();
        // Quickwit reads its query strings with tantivy's grammar.
        if let Err(error) = tantivy::query_grammar::parse_query(text) {
            panic!("{error:?}: {text}");
        }
        let mut depth = 0i32;
        let mut quoted = false;
        let mut escaped = false;
        let mut range = false;
        let mut word = String::new();
        for c in text.chars() {
            if range {
                range = c != ']' && c != '}';
                continue;
            }
            if quoted {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => quoted = false,
                    _ => escaped = false,
                }
                continue;
            }
            match c {
                '"' => quoted = true,
                '[' => range = true,
                '(' => depth += 1,
                ')' => depth -= 1,
                ':' => {
                    let field = word.trim_start_matches(['(', '+', '-']);
                    assert!(
                        known.contains(field),
                        "{field} is not in the index config: {text}"
                    );
                }
                _ => {}
            }
            assert!(depth >= 0, "{text}");
            if c.is_alphanumeric() || c == '_' {
                word.push(c);
            } else {
                word.clear();
            }
        }
        assert_eq!(depth, 0, "balanced: {text}");
        assert!(!quoted, "quotes closed: {text}");
        // Monthly facets as ranges, one per month, continuous.
        let ranges = body["aggs"]["months"]["range"]["ranges"]
            .as_array()
            .unwrap();
        assert!(ranges.len() >= 7, "2022-07 to 2023-01: {ranges:?}");
        assert_eq!(ranges[0]["key"], "2022-07");
        for pair in ranges.windows(2) {
            assert_eq!(pair[0]["to"], pair[1]["from"]);
        }
        assert_eq!(body["aggs"]["categories"]["terms"]["field"], "categories");
    }
    // Both engines refuse more than 10,000 hits at once: a huge limit asks for that many.
    let huge = translate(&workspace, "算力", "quickwit", &["--limit", "99999999"]);
    assert_eq!(huge["max_hits"], 10_000);
    let huge = translate(&workspace, "算力", "opensearch", &["--limit", "99999999"]);
    assert_eq!(huge["size"], 10_000);
    let human = workspace.run(&["query", "算力", "--for", "quickwit"]);
    assert!(human.stdout.starts_with("query string:\n"), "{human:?}");
}

#[test]
fn export_chunks_split_at_whole_documents_and_dates_fill_in_when_asked() {
    let workspace = archive();
    for (format, per_document) in [("ndjson", 1), ("opensearch-bulk", 2)] {
        let out = workspace.path().join(format!("chunks-{format}"));
        let out_text = out.to_str().unwrap();
        let run = workspace.run(&[
            "export",
            "--format",
            format,
            "--out",
            out_text,
            "--chunk-bytes",
            "900",
        ]);
        assert_eq!(run.code, 0, "{run:?}");
        let mut names: Vec<_> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        assert!(names.len() >= 2, "several files: {names:?}");
        let mut ids = Vec::new();
        for (i, name) in names.iter().enumerate() {
            assert!(
                name.ends_with(format!("articles-{:05}.ndjson", i + 1)),
                "{name:?}"
            );
            let text = fs::read_to_string(name).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len() % per_document, 0, "whole documents: {name:?}");
            let documents = lines.len() / per_document;
            assert!(documents >= 1);
            assert!(
                text.len() <= 900 || documents == 1,
                "{name:?}: {} bytes in {documents} documents",
                text.len()
            );
            for chunk in lines.chunks(per_document) {
                let record: Value = serde_json::from_str(chunk[per_document - 1]).unwrap();
                if per_document == 2 {
                    let action: Value = serde_json::from_str(chunk[0]).unwrap();
                    assert_eq!(action["index"]["_id"], record["id"]);
                }
                ids.push(record["id"].as_str().unwrap().to_string());
            }
        }
        let unique: HashSet<&String> = ids.iter().collect();
        assert_eq!(
            (ids.len(), unique.len()),
            (4, 4),
            "each article once: {ids:?}"
        );
    }
    let date_of_undated = |extra: &[&str]| {
        let mut args = vec!["export"];
        args.extend_from_slice(extra);
        let run = workspace.run(&args);
        assert_eq!(run.code, 0, "{run:?}");
        let record: Value = run
            .stdout
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap())
            .find(|record| record["id"] == "news/undated.md")
            .unwrap();
        (record["date"].clone(), run.stderr)
    };
    assert_eq!(date_of_undated(&[]).0, Value::Null);
    let (epoch, said) = date_of_undated(&["--date-fallback", "epoch"]);
    assert_eq!(epoch, "1970-01-01T00:00:00+00:00");
    assert!(
        said.contains("1 undated ones given the fallback date"),
        "{said}"
    );
    let (ingested, _) = date_of_undated(&["--date-fallback", "ingest"]);
    let ingested = chrono::DateTime::parse_from_rfc3339(ingested.as_str().unwrap()).unwrap();
    let age = chrono::Utc::now().signed_duration_since(ingested);
    assert!(
        age.num_seconds() >= 0 && age.num_minutes() < 10,
        "{ingested}"
    );
    // A chunk size needs a folder to write to.
    let refused = workspace.run(&["export", "--chunk-bytes", "100"]);
    assert_eq!(refused.code, 2, "{refused:?}");
}

#[test]
fn export_refuses_a_folder_in_use_and_with_force_replaces_only_its_own_chunks() {
    let workspace = archive();
    let out = workspace.path().join("export");
    let out_text = out.to_str().unwrap();
    let chunked = |extra: &[&str]| {
        let mut args = vec!["export", "--out", out_text, "--chunk-bytes", "900"];
        args.extend_from_slice(extra);
        workspace.run(&args)
    };
    assert_eq!(chunked(&[]).code, 0);
    let first = fs::read_dir(&out).unwrap().count();
    assert!(first >= 2);
    // Again into the same folder: refused, nothing changed.
    chunked(&[]).assert_error(2, "folder is not empty; give --force");
    // A link planted under a chunk's name, a file of the user's beside the chunks.
    fs::write(workspace.path().join("secret.txt"), "keep").unwrap();
    fs::remove_file(out.join("articles-00001.ndjson")).unwrap();
    std::os::unix::fs::symlink(
        workspace.path().join("secret.txt"),
        out.join("articles-00001.ndjson"),
    )
    .unwrap();
    fs::write(out.join("README"), "mine").unwrap();
    // One big chunk this time: the earlier, smaller chunks must all go.
    let run = workspace.run(&["export", "--out", out_text, "--force"]);
    assert_eq!(run.code, 0, "{run:?}");
    let mut names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["README", "articles-00001.ndjson"]);
    assert_eq!(
        fs::read_to_string(workspace.path().join("secret.txt")).unwrap(),
        "keep"
    );
    let chunk = out.join("articles-00001.ndjson");
    assert!(!chunk.symlink_metadata().unwrap().file_type().is_symlink());
    let ids: Vec<Value> = fs::read_to_string(&chunk)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap()["id"].clone())
        .collect();
    let unique: HashSet<String> = ids.iter().map(|id| id.to_string()).collect();
    assert_eq!((ids.len(), unique.len()), (4, 4), "{ids:?}");
}

//! End-to-end tests of the `sousuo` binary: ingest fixtures into a temp folder, query,
//! read the JSON.

use crate::common;

use std::fs;

use common::{marked, Workspace};

pub(crate) const SEED: &str = "real/工信部副部长张云明：中国算力规模排名全球第二.md";

pub(crate) fn indexed() -> Workspace {
    let workspace = Workspace::with_fixtures(&["real", "handmade"]);
    let (run, summary) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(summary["added"], 10, "{summary}");
    workspace
}

#[test]
fn seed_post_is_found_with_metadata_snippet_and_highlights() {
    let workspace = indexed();
    let run = workspace.query("算力");
    assert_eq!(run.code, 0, "{run:?}");
    let hits = run.hits();
    assert_eq!(hits[0]["id"], SEED);
    let seed = &hits[0];
    assert_eq!(
        seed["title"],
        "工信部副部长张云明：中国算力规模排名全球第二"
    );
    assert_eq!(seed["date"], "2022-07-30T15:56:36+08:00");
    assert_eq!(
        seed["categories"],
        serde_json::json!(["金融", "新浪财经", "新浪财经－国內"])
    );
    assert_eq!(seed["author"], "新浪财经");
    assert_eq!(seed["editor"], "郭建");
    assert!(seed["path"].as_str().unwrap().ends_with(".md"));
    let marked = marked(seed);
    assert!(!marked.is_empty());
    assert!(marked.iter().all(|m| m == "算力"), "{marked:?}");
}

#[test]
fn boilerplate_never_matches() {
    let workspace = indexed();
    for word in [
        "金麒麟",
        "海量资讯",
        "开户",
        "责任编辑",
        "appendQr",
        "article_adlist",
    ] {
        let run = workspace.query(word);
        assert_eq!(run.code, 1, "{word} matched: {}", run.stdout);
        assert!(run.hits().is_empty());
    }
}

#[test]
fn sub_words_match_inside_longer_words() {
    let workspace = indexed();
    for (query, id) in [
        ("大会堂", "handmade/人大会议.md"),
        ("农业", "handmade/春耕贷款.md"),
        ("算力", "handmade/算力网络.markdown"),
    ] {
        let ids = workspace.query(query).hit_ids();
        assert!(ids.contains(&id.to_string()), "{query} → {ids:?}");
    }
}

#[test]
fn phrases_match_words_in_order_with_slop() {
    let workspace = indexed();
    let ids = workspace.query("\"东数西算\"").hit_ids();
    assert_eq!(ids, [SEED]);
    // 中国算力产业规模: one word stands between 算力 and 规模.
    let exact = workspace.query("\"算力 规模\"").hit_ids();
    let sloppy = workspace.query("\"算力 规模\"~2").hit_ids();
    assert!(
        !exact.contains(&"handmade/算力网络.markdown".to_string()),
        "{exact:?}"
    );
    assert!(
        sloppy.contains(&"handmade/算力网络.markdown".to_string()),
        "{sloppy:?}"
    );
    assert!(sloppy.contains(&SEED.to_string()), "{sloppy:?}");
    // Reversed order is further than two moves away.
    let reversed = workspace.query("\"规模 产业 算力\"~1").hit_ids();
    assert!(!reversed.contains(&"handmade/算力网络.markdown".to_string()));
}

#[test]
fn unspaced_query_is_not_a_strict_phrase() {
    let workspace = indexed();
    // These words occur in the seed post, but never side by side in this order.
    let ids = workspace.query("算力大会堂张云明").hit_ids();
    assert!(ids.contains(&SEED.to_string()), "{ids:?}");
    assert!(ids.contains(&"handmade/人大会议.md".to_string()), "{ids:?}");
}

#[test]
fn title_matches_rank_above_passing_mentions() {
    let workspace = indexed();
    let ids = workspace.query("乒乓外交").hit_ids();
    assert!(ids[0].contains("乒乓外交"), "{ids:?}");
    let ids = workspace.query("春耕贷款").hit_ids();
    assert_eq!(ids[0], "handmade/春耕贷款.md");
}

#[test]
fn required_excluded_and_field_clauses() {
    let workspace = indexed();
    let ids = workspace.query("算力 -东数西算").hit_ids();
    assert!(!ids.contains(&SEED.to_string()), "{ids:?}");
    assert!(ids.contains(&"handmade/算力网络.markdown".to_string()));
    let ids = workspace.query("算力 +开幕").hit_ids();
    assert_eq!(ids, ["handmade/人大会议.md"]);
    let ids = workspace.query("author:新华社").hit_ids();
    assert_eq!(ids, ["handmade/人大会议.md"]);
    let ids = workspace.query("category:时政").hit_ids();
    assert_eq!(ids, ["handmade/人大会议.md"]);
    let ids = workspace.query("editor:王涵").hit_ids();
    assert_eq!(ids, ["handmade/春耕贷款.md"]);
    let ids = workspace.query("title:算力").hit_ids();
    assert_eq!(ids, [SEED]);
}

#[test]
fn width_and_case_fold_at_index_and_query_time() {
    let workspace = indexed();
    for query in ["abc123", "ＡＢＣ１２３", "ABC123"] {
        let ids = workspace.query(query).hit_ids();
        assert_eq!(ids, ["handmade/no-front-matter.html"], "{query}");
    }
}

#[test]
fn batch_mode_prints_trec_run_lines() {
    let workspace = indexed();
    let queries = workspace.path().join("queries.jsonl");
    fs::write(
        &queries,
        "{\"id\": \"q1\", \"text\": \"算力\"}\n{\"id\": 7, \"text\": \"春耕\"}\n",
    )
    .unwrap();
    let run = workspace.run(&["query", "--batch", "queries.jsonl", "--limit", "3"]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<Vec<&str>> = run.stdout.lines().map(|l| l.split(' ').collect()).collect();
    assert!(lines.len() >= 2 && lines.len() <= 6, "{}", run.stdout);
    for fields in &lines {
        assert_eq!(fields.len(), 6, "{fields:?}");
        assert_eq!(fields[1], "Q0");
        assert_eq!(fields[5], "sousuo");
        fields[4].parse::<f32>().unwrap();
    }
    assert_eq!(lines[0][0], "q1");
    assert_eq!(lines[0][3], "1");
    assert!(lines
        .iter()
        .any(|f| f[0] == "7" && f[2] == "handmade/春耕贷款.md"));
}

#[test]
fn human_output_marks_matches_and_exit_codes_tell_hits() {
    let workspace = indexed();
    let run = workspace.run(&["query", "东数西算", "--limit", "1"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("“【东数西算】”"), "{}", run.stdout);
    assert!(
        run.stdout.starts_with(" 1. 工信部副部长张云明"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains('\x1b'), "NO_COLOR is respected");
    let none = workspace.run(&["query", "zzqxvw"]);
    assert_eq!(none.code, 1);
    assert!(none.stdout.is_empty());
}

#[test]
fn errors_exit_2_with_a_clear_message() {
    let workspace = Workspace::with_fixtures(&["handmade"]);
    let run = workspace.run(&["query", "算力", "--index", "nowhere"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with("error: no sousuo index at nowhere"),
        "{}",
        run.stderr
    );

    fs::write(
        workspace.path().join("bad-schema.json"),
        r#"{"fields": [{"name": "id", "type": "date"}]}"#,
    )
    .unwrap();
    let run = workspace.run(&["ingest", "posts", "--schema", "bad-schema.json"]);
    run.assert_error(2, "bad-schema.json: field \"id\": type \"date\"");
}

#[test]
fn malformed_query_is_an_error_that_says_where() {
    let workspace = indexed();
    let run = workspace.run(&["query", "算力 \"东数西算", "--json"]);
    run.assert_error(2, "unclosed quote (at character 4)");
}

#[test]
fn filters_date_ranges_and_sorting() {
    let workspace = indexed();
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["query"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--json", "--limit", "20"]);
        workspace.run(&all).hit_ids()
    };
    // 中国 matches the seed (2022-07-30), 春耕 (2023-03-06) and 算力网络 (2023-03-07).
    let all = ids(&["中国"]);
    assert!(all.len() >= 3, "{all:?}");
    assert_eq!(
        ids(&["中国", "--since", "2023-03-06"]),
        ["handmade/春耕贷款.md", "handmade/算力网络.markdown"]
    );
    assert_eq!(
        ids(&["中国", "--since", "2023-03-07"]),
        ["handmade/算力网络.markdown"]
    );
    assert_eq!(
        ids(&["中国", "--since", "2023", "--until", "2023-03-06"]),
        ["handmade/春耕贷款.md"]
    );
    assert_eq!(
        ids(&["中国 date:[2023-03-06 TO 2023-03-06]"]),
        ["handmade/春耕贷款.md"]
    );
    assert!(!ids(&["中国 -date:2023"])
        .iter()
        .any(|id| id.starts_with("handmade/")));
    assert_eq!(
        ids(&[
            "中国",
            "--category",
            "金融",
            "--since",
            "2022",
            "--until",
            "2022"
        ]),
        [SEED]
    );
    assert_eq!(
        ids(&["开幕", "--author", "新华社"]),
        ["handmade/人大会议.md"]
    );
    assert!(ids(&["开幕", "--author", "新浪财经"]).is_empty());

    let dated = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["query"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--json", "--since", "2022"]);
        workspace
            .run(&all)
            .hits()
            .iter()
            .map(|hit| hit["date"].as_str().unwrap().to_string())
            .collect()
    };
    let oldest_first = dated(&["中国", "--sort", "date"]);
    let newest_first = dated(&["中国", "--sort", "-date"]);
    assert!(oldest_first.len() >= 3);
    assert!(
        oldest_first.windows(2).all(|w| w[0] <= w[1]),
        "{oldest_first:?}"
    );
    let mut reversed = newest_first.clone();
    reversed.reverse();
    assert_eq!(reversed, oldest_first);

    let bad = workspace.run(&["query", "中国", "--since", "someday"]);
    bad.assert_error(2, "cannot read \"someday\" as a date (write 2022-07-30");
    // Relative periods: nothing in the fixtures is from the last week.
    let recent = workspace.run(&["query", "中国", "--since", "1w", "--json"]);
    assert_eq!(recent.summary()["total"], 0, "{recent:?}");
    let all = workspace.run(&["query", "中国", "--since", "100y", "--json"]);
    assert!(all.summary()["total"].as_u64().unwrap() > 0, "{all:?}");
    let bad = workspace.run(&["query", "date:[2022 TO"]);
    bad.assert_error(2, "unclosed date range");
}

#[test]
fn traditional_and_simplified_find_each_other() {
    let workspace = indexed();
    // The 金色财经 flash writes 用戶 (traditional) in simplified text.
    let metamask = "real/【安全公司：iCloud 用戶的MetaMask钱包遭遇钓鱼攻击是由于自身的安全意识不足】据官方消息，慢雾发布iCloud 用戶的MetaMask钱包遭遇钓鱼攻击简析，首先用户遭遇.md";
    for query in ["用户 iCloud", "用戶 iCloud"] {
        assert_eq!(workspace.query(query).hit_ids()[0], metamask, "{query}");
    }
    // 數字經濟 (traditional) finds the seed's 数字经济, and the snippet marks its words.
    let hits = workspace.query("\"數字經濟\"").hits();
    assert_eq!(hits[0]["id"], SEED);
    let marked = marked(&hits[0]);
    for word in ["数字", "经济"] {
        assert!(marked.iter().any(|m| m.contains(word)), "{marked:?}");
    }
}

#[test]
fn synonyms_expand_query_words() {
    let workspace = indexed();
    // 电脑 is nowhere in the fixtures; the seed speaks of 超级计算机.
    assert_eq!(workspace.query("电脑").code, 1);
    fs::write(
        workspace.path().join("synonyms.txt"),
        "# groups\n电脑, 计算机 微机\n",
    )
    .unwrap();
    let run = workspace.run(&["query", "电脑", "--synonyms", "synonyms.txt", "--json"]);
    assert_eq!(run.hit_ids(), [SEED]);
    // A match in full, counted (not a partial one padding an empty page).
    assert_eq!(run.summary()["total"], 1, "{run:?}");
    assert!(run.hits()[0].get("partial").is_none(), "{run:?}");
    let marked = marked(&run.hits()[0]);
    assert!(marked.iter().any(|m| m == "计算机"), "{marked:?}");
}

#[test]
fn groups_with_or_require_one_of_their_words() {
    let workspace = indexed();
    let mut both = workspace.query("+(开幕 OR 春耕)").hit_ids();
    both.sort();
    assert_eq!(both, ["handmade/人大会议.md", "handmade/春耕贷款.md"]);
    assert_eq!(
        workspace.query("+(开幕 OR 春耕) -(贷款 银行)").hit_ids(),
        ["handmade/人大会议.md"]
    );
    let run = workspace.run(&["query", "(开幕 OR", "--json"]);
    run.assert_error(2, "unclosed parenthesis: `(` without `)` (at character 1)");
}

#[test]
fn explain_shows_terms_fields_and_the_proximity_bonus() {
    let workspace = indexed();
    let run = workspace.run(&["query", "算力规模", "--json", "--explain", "--limit", "1"]);
    let hit = &run.hits()[0];
    assert_eq!(hit["id"], SEED);
    let explanation = &hit["explanation"];
    let score = hit["score"].as_f64().unwrap();
    assert!((explanation["score"].as_f64().unwrap() - score).abs() < 1e-3);
    let text = explanation.to_string();
    for part in [
        "title: 算力 (x2)",
        "body: 算力 (x1)",
        "title: 规模 (x2)",
        "proximity: the query's words",
    ] {
        assert!(text.contains(part), "{part} missing from {text}");
    }
    let parts_sum: f64 = explanation["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["score"].as_f64().unwrap())
        .sum();
    assert!((parts_sum - score).abs() < 1e-2, "{parts_sum} vs {score}");
    let human = workspace.run(&["query", "算力规模", "--explain", "--limit", "1"]);
    assert!(
        human.stdout.contains("title: 算力 (x2)"),
        "{}",
        human.stdout
    );
    assert!(
        !human.stdout.contains("avgdl"),
        "BM25 arithmetic stays in --json"
    );
}

#[test]
fn explain_names_a_sub_word_match_by_its_field() {
    let workspace = indexed();
    let run = workspace.run(&["query", "大会堂", "--json", "--explain", "--limit", "1"]);
    let hit = &run.hits()[0];
    let text = hit["explanation"].to_string();
    assert!(
        text.contains("body: 大会堂 (as a sub-word)"),
        "sub-word match missing from {text}"
    );
    assert!(!text.contains("_sub."), "internal field name shown: {text}");
}

#[test]
fn numeric_flags_out_of_range_are_refused_with_the_range() {
    let workspace = Workspace::with_fixtures(&["handmade"]);
    for (flag, value, range) in [
        ("--threads", "288230376151711744", "1..=1024"),
        ("--threads", "100000000", "1..=1024"),
        ("--threads", "0", "1..=1024"),
        ("--memory", "1", "16..=16000"),
        ("--memory", "99999999", "16..=16000"),
        ("--max-file-size", "17592186044416", "1..=1048576"),
        ("--commit-every", "0", "1.."),
    ] {
        let run = workspace.run(&["ingest", "posts", flag, value]);
        assert_eq!(run.code, 2, "{flag} {value}: {run:?}");
        assert!(
            run.stderr.contains(&format!("for '{flag}")) && run.stderr.contains(range),
            "{flag} {value}: {}",
            run.stderr
        );
    }
    assert!(!workspace.path().join(".sousuo").exists(), "nothing ran");
    // The largest budget one writer thread cannot hold is shared out, not refused by tantivy.
    let run = workspace.run(&["ingest", "posts", "--memory", "16000", "--threads", "1"]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn ranking_settings_that_count_take_whole_numbers_only() {
    let workspace = indexed();
    for (setting, problem) in [
        ("feedback_docs=2.7", "not a whole number"),
        ("feedback_docs=99999999999", "not a whole number"),
        ("feedback_weight=1", "below 1"),
        ("title_length_scale=0", "above 0"),
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_sousuo"))
            .args(["query", "算力"])
            .env("SOUSUO_RANKING", setting)
            .current_dir(workspace.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{setting}: {stderr}");
        assert!(
            stderr.contains(setting) && stderr.contains(problem),
            "{setting}: {stderr}"
        );
    }
}

#[test]
fn a_pasted_paragraph_finds_the_article_it_was_copied_from_first() {
    // The source is a long round-up of unrelated items; four shorter articles hold nearly
    // every word of the paragraph, numbers included, and rank above it by them; none holds
    // it as written.
    let paragraph = "欧盟统计局13日发布的预估数据显示，2024年12月，经季节性调整的欧元区工业生产值环比下降1.1%，同比下降2.0%，降幅超预期。";
    let items = [
        "日本央行宣布维持政策利率不变，市场反应平淡，日元汇率小幅波动。",
        "澳大利亚多地遭遇高温天气，部分地区气温超过四十摄氏度，当局发布火灾预警。",
        "巴西政府公布新一轮基础设施投资计划，涉及铁路、港口和电力项目。",
        "印度尼西亚火山喷发，附近机场暂时关闭，数千名居民被疏散。",
        "加拿大央行发布报告称，通胀压力有所缓解，但劳动力市场依然紧张。",
    ]
    .repeat(3)
    .join("\n\n");
    let roundup = format!("{items}\n\n{paragraph}\n\n{items}");
    let near = [
        "欧盟统计局13日发布数据显示，欧元区工业生产值同比下降1.1%，环比下降2.0%，2024年12月数据显示降幅超预期，经季节性调整后欧元区工业生产值下降。",
        "欧元区工业生产值环比下降2.0%，欧盟统计局13日预估数据显示同比下降1.1%，季节性调整后的2024年12月数据显示欧元区工业生产值下降超预期。",
        "统计局13日发布预估数据：2024年12月欧元区工业生产值同比下降2.0%、环比下降1.1%，经季节性调整，降幅超预期，欧盟数据显示工业生产值下降。",
        "欧盟统计局数据显示欧元区工业生产值2024年12月下降，同比下降1.1%，环比下降2.0%，13日预估降幅超预期，季节性调整数据显示欧元区工业生产值下降。",
    ];
    // Other news, so that the paragraph's words are rare.
    let other = [
        "今年夏粮收购工作有序推进，各地粮食部门做好仓容准备。",
        "多地文旅部门推出暑期优惠活动，游客数量明显增加。",
        "新学期开学在即，教育部门部署校园安全检查工作。",
        "城市轨道交通新线路开通运营，市民出行更加便利。",
        "科研团队在新材料领域取得突破，相关成果发表在国际期刊。",
    ];
    let names: Vec<String> = (0..near.len() + 40)
        .map(|i| format!("post-{i}.md"))
        .collect();
    let mut posts = vec![(
        "roundup.md",
        "新闻",
        "2025-02-14",
        "国际联播快讯",
        roundup.as_str(),
    )];
    for (i, name) in names.iter().enumerate() {
        let post = match near.get(i) {
            Some(body) => (
                name.as_str(),
                "财经",
                "2023-08-01",
                "欧元区工业生产值数据",
                *body,
            ),
            None => (
                name.as_str(),
                "社会",
                "2023-08-02",
                "其他新闻",
                other[i % other.len()],
            ),
        };
        posts.push(post);
    }
    let workspace = common::news_archive(&posts);
    let run = workspace.query(paragraph);
    assert!(
        run.hit_ids()[0].ends_with("roundup.md"),
        "{:?}",
        run.hit_ids()
    );
}

#[test]
fn a_phrase_typed_from_memory_without_its_punctuation_finds_its_article_first() {
    // Typed from the middle of a sentence, cut inside words at both ends, its 、 left out;
    // the source is long, the other articles repeat its words.
    let sentence =
        "德州市围绕食品调味品、医药化工、体育五金、汽车及零部件四大主导产业，推动产业链延链补链。";
    let filler = "会议强调，要坚持稳中求进工作总基调，扎实推进各项工作，确保全年目标任务圆满完成。";
    let source = format!("{}\n\n{sentence}\n\n{}", filler.repeat(6), filler.repeat(6));
    let others = [
        "汽车及零部件产业是支柱产业，汽车及零部件企业加快转型，医药化工和体育五金同步发展。",
        "体育五金行业订单回暖，医药化工项目开工，汽车零部件出口增长，化工园区扩容。",
        "医药化工企业加大研发投入，体育五金产品远销海外，汽车及零部件配套能力提升。",
    ];
    let names: Vec<String> = (0..others.len()).map(|i| format!("other-{i}.md")).collect();
    let mut posts = vec![(
        "source.md",
        "新闻",
        "2023-07-27",
        "德州实践",
        source.as_str(),
    )];
    for (name, body) in names.iter().zip(others) {
        posts.push((name.as_str(), "财经", "2023-07-28", "产业观察", body));
    }
    let workspace = common::news_archive(&posts);
    let run = workspace.query("药化工体育五金汽车及零部");
    assert!(
        run.hit_ids()[0].ends_with("source.md"),
        "{:?}",
        run.hit_ids()
    );
}

//! Keyword queries mean what people type: every part is required (compounds, names,
//! letter+digit terms kept whole), the text as typed ranks first, the count is the number
//! of articles holding every part, and when none does the dropped parts are named.
//! Questions keep the ranking by any word. Against the real binary.

use crate::common;

use std::collections::BTreeSet;

use serde_json::Value;

use common::{news_archive, Workspace};

/// Posts that hold each term as written, and posts that hold only its pieces (which an
/// OR of the pieces would match, and rank high: they repeat them).
fn archive() -> Workspace {
    news_archive(&[
        (
            "p2p.md",
            "金融",
            "2023-07-01",
            "网贷整治",
            "P2P网贷平台全部退出经营。",
        ),
        (
            "p-and-2.md",
            "金融",
            "2023-07-02",
            "P大某物业2号楼",
            "P大某物业的2号楼和P区2号门，P大2号。",
        ),
        (
            "double11.md",
            "消费",
            "2023-07-03",
            "电商大促",
            "今年双11预售提前开始。",
        ),
        (
            "double-and-11.md",
            "消费",
            "2023-07-04",
            "双方会谈",
            "双方11日会谈，双方同意11项共识，双方再谈。",
        ),
        (
            "gpt-4.md",
            "科技",
            "2023-07-05",
            "新模型",
            "OpenAI发布GPT-4模型。",
        ),
        (
            "gpt4.md",
            "科技",
            "2023-07-06",
            "模型评测",
            "评测显示GPT4表现更好。",
        ),
        (
            "gpt-and-4.md",
            "科技",
            "2023-07-07",
            "GPT的历史",
            "GPT系列始于2018年，4月发布了GPT更新，GPT用户增长，4个版本。",
        ),
        (
            "covid.md",
            "健康",
            "2023-07-08",
            "疫情回顾",
            "COVID-19疫情已经结束。",
        ),
        (
            "covid-and-19.md",
            "健康",
            "2023-07-09",
            "4月19日会议",
            "COVID检测点4月19日关闭，COVID话题19日结束。",
        ),
        (
            "jjj-rain.md",
            "天气",
            "2023-07-31",
            "京津冀暴雨",
            "京津冀暴雨持续，多地停课。",
        ),
        (
            "jjj-apart.md",
            "天气",
            "2023-08-01",
            "京津冀天气",
            "京津冀今日多云，南方局地暴雨。",
        ),
        (
            "rain-only.md",
            "天气",
            "2023-08-02",
            "南方暴雨",
            "暴雨暴雨暴雨，南方暴雨成灾。",
        ),
        (
            "jjj-only.md",
            "经济",
            "2023-08-03",
            "京津冀协同",
            "京津冀协同发展，京津冀产业合作。",
        ),
        (
            "law.md",
            "法治",
            "2023-08-04",
            "修例风波",
            "2019年修订逃犯条例引发风波。",
        ),
        (
            "fugitive.md",
            "法治",
            "2023-08-05",
            "逃犯落网",
            "一名逃犯落网，逃犯已被收押。",
        ),
        (
            "rules.md",
            "法治",
            "2023-08-06",
            "新条例",
            "新条例实施，条例细则公布，条例全文。",
        ),
        (
            "tax-term.md",
            "财税",
            "2023-08-07",
            "个税新规",
            "个税专项附加扣除标准提高，个税专项附加扣除新规实施。",
        ),
        (
            "tax-apart.md",
            "财税",
            "2023-08-08",
            "个税改革",
            "个税改革后，专项资金与附加费用的扣除办法公布。",
        ),
        (
            "tax-piece.md",
            "财税",
            "2023-08-09",
            "地方债",
            "专项债发行提速，专项债规模扩大。",
        ),
        (
            "summit.md",
            "会议",
            "2023-08-10",
            "乌镇峰会开幕",
            "乌镇峰会今日开幕，峰会举办地乌镇迎来各方嘉宾。",
        ),
    ])
}

#[test]
fn a_model_number_typed_with_a_space_is_one_term() {
    // A word ending in letters and a number typed after it with a space (iPhone 15, Mate 60)
    // is the term, as GPT 4 is GPT4: an article holding the word and the number apart does
    // not hold it. A year after a word is a keyword of its own.
    let workspace = news_archive(&[
        (
            "spaced.md",
            "科技",
            "2023-08-01",
            "新机发布",
            "苹果发布iPhone 15系列，起售价不变。",
        ),
        (
            "glued.md",
            "科技",
            "2023-08-02",
            "新机销量",
            "iPhone15首周销量公布。",
        ),
        (
            "apart.md",
            "科技",
            "2023-08-03",
            "手机市场",
            "iPhone销量下滑15%，iPhone用户15日起可以换新，iPhone降价。",
        ),
        (
            "gdp.md",
            "经济",
            "2023-08-04",
            "经济数据",
            "2023年上半年GDP同比增长5.5%。",
        ),
    ]);
    for query in ["iPhone 15", "iPhone15", "iphone 15", "\"iPhone 15\""] {
        assert_matches_exactly(&workspace, query, &["spaced.md", "glued.md"]);
    }
    // Typed with a space, its words apart pad the page after the articles holding it, not
    // counted (two keywords would have matched them); typed whole, nothing pads (P2P).
    let padded = workspace.query("iPhone 15").hits();
    assert_eq!(ids(&padded[2..]), ["apart.md"]);
    assert!(padded[2].get("partial").is_some());
    assert_eq!(workspace.query("iPhone15").hits().len(), 2);
    assert_matches_exactly(&workspace, "GDP 2023", &["gdp.md"]);
}

#[test]
fn words_of_letters_typed_apart_find_the_word_they_make_together() {
    // `Chat GPT` is ChatGPT to its reader: articles writing it as one word match (and rank
    // by it), as do those holding both words apart.
    let workspace = news_archive(&[
        (
            "joined.md",
            "科技",
            "2023-08-01",
            "新版本",
            "OpenAI发布ChatGPT新版本。",
        ),
        (
            "apart.md",
            "科技",
            "2023-08-02",
            "接入",
            "聊天功能chat接入GPT模型。",
        ),
        (
            "neither.md",
            "科技",
            "2023-08-03",
            "人工智能",
            "人工智能聊天机器人。",
        ),
    ]);
    assert_matches_exactly(&workspace, "Chat GPT", &["joined.md", "apart.md"]);
    let run = workspace.query("Chat GPT");
    let joined = run
        .hits()
        .into_iter()
        .find(|h| h["id"].as_str().unwrap().ends_with("joined.md"));
    assert!(joined.unwrap()["score"].as_f64().unwrap() > 0.0);
}

fn ids(hits: &[Value]) -> Vec<String> {
    hits.iter()
        .map(|hit| {
            let id = hit["id"].as_str().unwrap();
            id.rsplit('/').next().unwrap().to_string()
        })
        .collect()
}

/// The hits that hold every part (not the padding after them), and the count.
pub(crate) fn matches(workspace: &Workspace, query: &str) -> (Vec<String>, u64) {
    let run = workspace.query(query);
    let hits: Vec<Value> = run
        .hits()
        .into_iter()
        .filter(|hit| hit.get("partial").is_none())
        .collect();
    let total = run.summary()["total"].as_u64().unwrap();
    (ids(&hits), total)
}

pub(crate) fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|id| id.to_string()).collect()
}

/// Asserts that `query` matches exactly the articles `expected`, and counts them.
pub(crate) fn assert_matches_exactly(workspace: &Workspace, query: &str, expected: &[&str]) {
    let (hits, total) = matches(workspace, query);
    assert_eq!(total, expected.len() as u64, "{query}: {hits:?}");
    assert_eq!(
        hits.into_iter().collect::<BTreeSet<_>>(),
        set(expected),
        "{query}"
    );
}

#[test]
fn p2p_is_not_p_and_2() {
    let workspace = archive();
    let (hits, total) = matches(&workspace, "P2P");
    assert_eq!(hits, ["p2p.md"]);
    assert_eq!(total, 1);
}

/// Nor is P and 2 apart a partial match to pad the page with: every hit holds P2P.
#[test]
fn p2p_pads_with_nothing_that_holds_only_its_pieces() {
    let workspace = archive();
    let run = workspace.query("P2P");
    assert_eq!(ids(&run.hits()), ["p2p.md"], "{run:?}");
}

#[test]
fn double_11_is_not_double_and_11() {
    let workspace = archive();
    let (hits, total) = matches(&workspace, "双11");
    assert_eq!(hits, ["double11.md"]);
    assert_eq!(total, 1);
}

#[test]
fn gpt_4_finds_its_written_variants_and_not_its_pieces() {
    let workspace = archive();
    for query in ["GPT-4", "GPT4", "gpt 4"] {
        let (hits, total) = matches(&workspace, query);
        let found: BTreeSet<String> = hits.into_iter().collect();
        if query == "gpt 4" {
            // Spaced: two parts, each required anywhere; the adjacent ones first.
            assert!(
                found.contains("gpt-4.md") && found.contains("gpt4.md"),
                "{found:?}"
            );
            continue;
        }
        assert_eq!(found, set(&["gpt-4.md", "gpt4.md"]), "{query}");
        assert_eq!(total, 2, "{query}");
    }
}

#[test]
fn covid_19_is_not_april_19() {
    let workspace = archive();
    let (hits, total) = matches(&workspace, "COVID-19");
    assert_eq!(hits, ["covid.md"]);
    assert_eq!(total, 1);
}

#[test]
fn a_compound_needs_both_words_and_ranks_as_typed_first() {
    let workspace = archive();
    let (hits, total) = matches(&workspace, "京津冀暴雨");
    assert_eq!(hits, ["jjj-rain.md", "jjj-apart.md"], "as typed first");
    assert_eq!(total, 2, "only the articles holding both words are counted");
}

#[test]
fn a_term_one_article_holds_matches_one_article() {
    let workspace = archive();
    let (hits, total) = matches(&workspace, "逃犯条例");
    assert_eq!(hits, ["law.md"]);
    assert_eq!(total, 1);
    // Only the article holding both is counted; the others follow as partial matches.
    let run = workspace.query("逃犯条例");
    let all = run.hits();
    assert_eq!(
        all[0]["id"].as_str().unwrap().rsplit('/').next(),
        Some("law.md")
    );
    assert!(all[1..].iter().all(|hit| hit["partial"] == true), "{all:?}");
    assert_eq!(run.summary()["matching"]["strategy"], "all");
}

#[test]
fn counts_and_lists_use_the_same_strategy() {
    let workspace = archive();
    let count = workspace.run(&["query", "-c", "京津冀暴雨"]);
    assert_eq!(count.stdout.trim(), "2", "{count:?}");
    let ids = workspace.run(&["query", "--ids", "京津冀暴雨"]);
    let listed: Vec<&str> = ids.stdout.lines().collect();
    assert_eq!(listed.len(), 2, "{ids:?}");
}

#[test]
fn when_no_article_holds_every_part_the_dropped_part_is_named() {
    let workspace = archive();
    let run = workspace.query("逃犯条例 火星");
    let matching = &run.summary()["matching"];
    assert_eq!(matching["dropped"], serde_json::json!(["火星"]), "{run:?}");
    assert_eq!(ids(&run.hits())[0], "law.md");
    let human = workspace.run(&["query", "逃犯条例 火星"]);
    assert_eq!(human.code, 0, "{human:?}");
    assert!(
        human.stderr.contains("no article holds every one of") && human.stderr.contains("火星"),
        "{human:?}"
    );
    let explained = workspace.run(&["query", "逃犯条例 火星", "--explain"]);
    assert!(explained.stdout.contains("dropped"), "{explained:?}");
}

#[test]
fn or_between_words_is_one_part_either_word_holds() {
    let workspace = archive();
    let (hits, _) = matches(&workspace, "逃犯 OR 暴雨 京津冀");
    let found: BTreeSet<String> = hits.into_iter().collect();
    assert_eq!(found, set(&["jjj-rain.md", "jjj-apart.md"]));
}

#[test]
fn questions_rank_by_any_word() {
    let workspace = archive();
    let run = workspace.query("京津冀暴雨是什么情况");
    assert_eq!(run.summary()["matching"]["strategy"], "any", "{run:?}");
    let found = ids(&run.hits());
    assert!(found.contains(&"rain-only.md".to_string()), "{found:?}");
}

#[test]
fn a_saved_search_alerts_only_on_articles_holding_every_part() {
    let workspace = archive();
    let added = workspace.run(&["saved", "add", "storm", "京津冀暴雨"]);
    assert_eq!(added.code, 0, "{added:?}");
    let folder = workspace.posts().join("news");
    let post = |name: &str, title: &str, body: &str| {
        let text = format!("---\ntitle: {title}\ndate: 2023-08-10\n---\n{body}\n");
        std::fs::write(folder.join(name), text).unwrap();
    };
    post("new-storm.md", "京津冀暴雨再袭", "京津冀暴雨再次来袭。");
    post("new-rain.md", "华南暴雨", "华南暴雨持续，暴雨预警。");
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    let saved = workspace.run(&["saved", "run", "storm", "--json"]);
    assert_eq!(saved.code, 0, "{saved:?}");
    let hits: Vec<Value> = saved
        .hits()
        .into_iter()
        .filter(|line| line.get("id").is_some())
        .collect();
    let reported: Vec<String> = ids(&hits);
    assert_eq!(reported, ["new-storm.md"], "{saved:?}");
}

#[test]
fn the_api_matches_as_the_cli_does() {
    let workspace = archive();
    let server = common::server::Server::start(&workspace, &[]);
    for query in ["P2P", "京津冀暴雨", "逃犯条例 火星"] {
        let cli = workspace.query(query);
        let reply = server.search(&[("q", query), ("limit", "20")]);
        assert_eq!(reply.status, 200, "{reply:?}");
        let api = reply.json();
        let api_hits: Vec<Value> = api["hits"].as_array().unwrap().clone();
        assert_eq!(ids(&api_hits), ids(&cli.hits()), "{query}");
        let partial = |hits: &[Value]| -> Vec<bool> {
            hits.iter().map(|hit| hit["partial"] == true).collect()
        };
        assert_eq!(partial(&api_hits), partial(&cli.hits()), "{query}");
        assert_eq!(api["summary"]["total"], cli.summary()["total"], "{query}");
        assert_eq!(
            api["summary"]["matching"],
            cli.summary()["matching"],
            "{query}"
        );
    }
}

#[test]
fn a_made_up_run_of_letters_and_digits_is_read_as_a_passage() {
    let workspace = archive();
    // Not a term: a phrase of 100 pieces would read positions in every article with one.
    let run = workspace.query(&"P2".repeat(50));
    assert_eq!(run.summary()["matching"]["strategy"], "any", "{run:?}");
    // A real term of a few pieces is still one required part: no article holds GPT-3.5, so
    // nothing matches (exit 1, count 0), and GPT … 3 … 5 apart is only listed as partial.
    let run = workspace.run(&["query", "GPT-3.5", "--json"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.summary()["matching"]["strategy"], "all", "{run:?}");
    assert_eq!(run.summary()["total"], 0, "{run:?}");
    assert!(
        run.hits().iter().all(|hit| hit["partial"] == true),
        "{run:?}"
    );
}

/// An unspaced run of more than three words that an article holds as typed is a term: every
/// word required, counted as such. One that no article holds as typed reads as a question
/// (乌镇峰会举办时间: the answer need not say 时间) and keeps the ranking by any word.
#[test]
fn a_long_term_held_as_typed_is_a_keyword_query_and_a_question_is_not() {
    let workspace = archive();
    let run = workspace.query("个税专项附加扣除");
    let summary = run.summary();
    assert_eq!(summary["matching"]["strategy"], "all", "{summary}");
    assert_eq!(summary["total"], 2, "{summary}");
    let (hits, _) = matches(&workspace, "个税专项附加扣除");
    assert_eq!(hits, ["tax-term.md", "tax-apart.md"]);
    let question = workspace.query("乌镇峰会举办时间");
    assert_eq!(question.summary()["matching"]["strategy"], "any");
    assert_eq!(ids(&question.hits())[0], "summit.md");
}

/// Keywords set apart with spaces or listed with commas are a keyword query beyond three
/// words: each is required (a typed list of keywords means each one). A part of more words
/// is a question's phrase, or a pasted sentence, and the query keeps the ranking by any word.
#[test]
fn four_keywords_typed_apart_are_each_required() {
    let workspace = news_archive(&[
        (
            "all.md",
            "房产",
            "2023-07-01",
            "上海房价下跌",
            "分析人士解释上海房价下跌的原因。",
        ),
        (
            "three.md",
            "房产",
            "2023-07-02",
            "上海房价",
            "上海房价下跌，成交放缓。",
        ),
        (
            "other.md",
            "社会",
            "2023-07-03",
            "事故",
            "上海一处事故的原因查明。",
        ),
    ]);
    // Typed with spaces, or listed with commas.
    for query in [
        "上海 房价 下跌 原因",
        "上海，房价，下跌，原因",
        "上海、房价、下跌、原因",
    ] {
        let run = workspace.query(query);
        let summary = run.summary();
        assert_eq!(summary["matching"]["strategy"], "all", "{query}: {summary}");
        assert_eq!(summary["total"], 1, "{query}: {summary}");
        assert_eq!(matches(&workspace, query).0, ["all.md"], "{query}");
    }
    for question in [
        "上海房价下跌了 原因",
        "分析人士称，上海房价下跌的原因在于成交放缓",
    ] {
        let run = workspace.query(question);
        assert_eq!(run.summary()["matching"]["strategy"], "any", "{question}");
    }
}

/// An abbreviation typed as people type it (`专项债`: 专项 / 债 to the segmenter) is in most
/// articles the start of a longer word (专项 / 债券, 专项 / 债务): those match too, and an
/// article holding the pieces apart does not.
#[test]
fn an_abbreviation_matches_where_its_last_character_begins_a_longer_word() {
    let workspace = news_archive(&[
        (
            "typed.md",
            "财经",
            "2023-07-01",
            "发行",
            "今年专项债发行提速。",
        ),
        (
            "bond.md",
            "财经",
            "2023-07-02",
            "规模",
            "地方政府专项债券发行规模扩大。",
        ),
        (
            "debt.md",
            "财经",
            "2023-07-03",
            "置换",
            "新一轮专项债务置换。",
        ),
        (
            "apart.md",
            "财经",
            "2023-07-04",
            "资金",
            "专项资金用于债务偿还。",
        ),
        (
            "city-typed.md",
            "财经",
            "2023-07-05",
            "风险",
            "部分城投债出现风险。",
        ),
        (
            "city-bond.md",
            "财经",
            "2023-07-06",
            "融资",
            "城投债券融资收紧。",
        ),
        (
            "city-apart.md",
            "财经",
            "2023-07-07",
            "投资",
            "城投公司的债务问题。",
        ),
    ]);
    assert_matches_exactly(&workspace, "专项债", &["typed.md", "bond.md", "debt.md"]);
    // Cut 城 / 投债 when typed alone, 城投 / 债券 in the text: its characters but the last
    // are a word of the index, and that character begins the longer word.
    assert_matches_exactly(&workspace, "城投债", &["city-typed.md", "city-bond.md"]);
}

#[test]
fn a_term_written_as_typed_ranks_before_the_same_term_spaced() {
    // Many sites put a space where Chinese meets letters or digits (荣耀 Magic5, M3 芯片);
    // the spaced articles say the term more often, so they rank first by their words.
    let workspace = news_archive(&[
        (
            "spaced.md",
            "科技",
            "2023-08-01",
            "荣耀 Magic5 与 M3 芯片",
            "荣耀 Magic5 系列发布，荣耀 Magic5 Pro 热销。M3 芯片量产，M3 芯片性能提升。",
        ),
        (
            "glued.md",
            "科技",
            "2023-08-02",
            "新品评测一览",
            "本周评测了多款新品，其中包括荣耀Magic5手机，以及搭载M3芯片的电脑，另有多款耳机。",
        ),
        (
            "rocket-spaced.md",
            "航天",
            "2023-08-03",
            "长征 五号 长征 五号",
            "长征 五号 发射，长征 五号 成功。",
        ),
        (
            "rocket.md",
            "航天",
            "2023-08-04",
            "发射任务圆满成功",
            "文昌发射场今天用长征五号运载火箭发射了一颗卫星，任务圆满成功。",
        ),
        (
            "mate-typed.md",
            "科技",
            "2023-08-05",
            "手机市场观察",
            "本周新机不少，华为Mate 60系列销量回升，市场关注度上升。",
        ),
        (
            "whole-spaced.md",
            "科技",
            "2023-08-06",
            "华为 Mate 60 华为 Mate 60",
            "华为 Mate 60 上市，华为 Mate 60 热销。",
        ),
    ]);
    for (query, typed, spaced) in [
        ("荣耀Magic5", "glued.md", "spaced.md"),
        ("M3芯片", "glued.md", "spaced.md"),
        ("长征五号", "rocket.md", "rocket-spaced.md"),
        // As typed (华为Mate 60) before the whole with spaces it has not.
        ("华为Mate 60", "mate-typed.md", "whole-spaced.md"),
    ] {
        let (hits, total) = matches(&workspace, query);
        assert_eq!(hits, [typed, spaced], "{query}: as typed first");
        assert_eq!(total, 2, "{query}: both hold it");
    }
    // Typed with the space, or as a phrase, the term is the same term.
    assert_matches_exactly(&workspace, "荣耀 Magic5", &["glued.md", "spaced.md"]);
    assert_matches_exactly(&workspace, "\"荣耀Magic5\"", &["glued.md", "spaced.md"]);
}

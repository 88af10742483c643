//! Near-duplicate folding against the real binary: the same story told three times is one
//! hit with two duplicates, in every order and on every page; other stories, also on the
//! same topic and with the same words, stay apart; short bodies are never folded.

use crate::common;

use std::collections::BTreeSet;

use common::{news_archive, Workspace};
use serde_json::Value;

const STORY: &str = "新华社北京11月15日电 国家统计局15日发布数据显示，10月份全国规模以上工业增加值同比实际增长4.6%，比上月加快0.1个百分点。从环比看，10月份规模以上工业增加值比上月增长0.39%。1至10月份，规模以上工业增加值同比增长4.1%。分三大门类看，10月份采矿业增加值同比增长2.1%，制造业增长5.1%，电力、热力、燃气及水生产和供应业增长1.3%。国家统计局新闻发言人表示，工业生产稳中有升，市场需求逐步恢复。";

const OTHER_STORY: &str = "本报讯 记者从省统计局获悉，今年前三季度全省规模以上工业增加值增长6.2%，高于全国平均水平。其中高技术制造业增加值增长11.5%，占规模以上工业的比重达到15.8%。省统计局相关负责人介绍，全省新能源汽车、集成电路、工业机器人等新产品产量快速增长，工业结构持续优化，企业利润由降转升，工业增加值对经济增长的贡献率明显提高。";

fn archive() -> Workspace {
    let retold = format!(
        "原标题：规上工业增加值增速加快 {}（责任编辑：王一）",
        STORY.replace('，', ",").replace('。', ". ")
    );
    let reflowed = STORY.replace('。', "。\n\n");
    news_archive(&[
        (
            "a1.md",
            "财经",
            "2026-11-15 10:00",
            "10月工业增加值增长4.6%",
            STORY,
        ),
        (
            "a2.md",
            "财经",
            "2026-11-15 11:00",
            "统计局：工业生产稳中有升",
            &retold,
        ),
        (
            "a3.md",
            "要闻",
            "2026-11-15 12:00",
            "国家统计局发布10月份工业数据",
            &reflowed,
        ),
        (
            "b.md",
            "地方",
            "2026-11-14 09:00",
            "全省工业增加值增长6.2%",
            OTHER_STORY,
        ),
        (
            "c1.md",
            "图片",
            "2026-11-13 09:00",
            "工业增加值图解",
            "工业增加值图解。",
        ),
        (
            "c2.md",
            "图片",
            "2026-11-13 10:00",
            "工业增加值图解（二）",
            "工业增加值图解。",
        ),
    ])
}

fn ids(values: &[Value]) -> BTreeSet<String> {
    values
        .iter()
        .map(|v| v.as_str().expect("an id").to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn story(id: &str) -> bool {
    id.starts_with("news/a")
}

/// Every hit of a JSON run: id and the ids folded into it.
fn groups(run: &common::Run) -> Vec<(String, BTreeSet<String>)> {
    run.hits()
        .iter()
        .map(|hit| {
            let duplicates = hit["duplicates"].as_array().expect("duplicates listed");
            (hit["id"].as_str().unwrap().to_string(), ids(duplicates))
        })
        .collect()
}

#[test]
fn the_same_story_is_one_hit_and_other_stories_stay_apart() {
    let workspace = archive();
    for sort in ["relevance", "-date", "date"] {
        let run = workspace.run(&["query", "工业增加值", "--json", "--sort", sort]);
        assert_eq!(run.code, 0, "{run:?}");
        let groups = groups(&run);
        let told: Vec<_> = groups.iter().filter(|(id, _)| story(id)).collect();
        assert_eq!(told.len(), 1, "{sort}: one telling shown: {groups:?}");
        let (leader, duplicates) = told[0];
        let mut all = duplicates.clone();
        all.insert(leader.clone());
        assert_eq!(
            all,
            set(&["news/a1.md", "news/a2.md", "news/a3.md"]),
            "{sort}"
        );
        for (id, duplicates) in &groups {
            if !story(id) {
                assert!(duplicates.is_empty(), "{sort}: {id} folded {duplicates:?}");
            }
        }
        let shown: BTreeSet<String> = groups.iter().map(|(id, _)| id.clone()).collect();
        for apart in ["news/b.md", "news/c1.md", "news/c2.md"] {
            assert!(shown.contains(apart), "{sort}: {apart} missing: {groups:?}");
        }
        assert_eq!(groups.len(), 4, "{sort}: {groups:?}");
        // The count is of matching articles, folded or not.
        assert_eq!(run.summary()["total"], 6, "{run:?}");
    }
    // The leader is the best-ranked telling: the first of the three without folding.
    let unfolded = workspace.run(&["query", "工业增加值", "--json", "--no-fold"]);
    let first = unfolded.hit_ids().into_iter().find(|id| story(id)).unwrap();
    let folded = workspace.run(&["query", "工业增加值", "--json"]);
    assert!(folded.hit_ids().contains(&first), "{folded:?}");
}

#[test]
fn no_fold_shows_every_telling() {
    let workspace = archive();
    let run = workspace.run(&["query", "工业增加值", "--json", "--no-fold"]);
    let groups = groups(&run);
    assert_eq!(groups.len(), 6, "{groups:?}");
    assert!(groups.iter().all(|(_, duplicates)| duplicates.is_empty()));
    // Lists never fold: every matching file is listed.
    let listed = workspace.run(&["query", "工业增加值", "-l"]);
    assert_eq!(listed.stdout.lines().count(), 6, "{listed:?}");
}

#[test]
fn pages_of_folded_hits_neither_repeat_nor_skip_a_story() {
    let workspace = archive();
    let whole = workspace.run(&["query", "工业增加值", "--json"]).hit_ids();
    let mut paged = Vec::new();
    for offset in 0..whole.len() + 1 {
        let offset = offset.to_string();
        let run = workspace.run(&[
            "query",
            "工业增加值",
            "--json",
            "-n",
            "1",
            "--offset",
            &offset,
        ]);
        paged.extend(run.hit_ids());
    }
    assert_eq!(paged, whole);
}

#[test]
fn people_see_how_many_similar_were_folded() {
    let workspace = archive();
    let run = workspace.run(&["query", "工业增加值"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout.matches("+2 similar: news/a").count(),
        1,
        "{run:?}"
    );
}

#[test]
fn get_and_similar_list_an_articles_duplicates() {
    let workspace = archive();
    let get = workspace.run(&["get", "news/a2.md", "--json"]);
    assert_eq!(get.code, 0, "{get:?}");
    let article = &get.json_lines()[0];
    assert_eq!(
        ids(article["duplicates"].as_array().unwrap()),
        set(&["news/a1.md", "news/a3.md"])
    );
    let human = workspace.run(&["get", "news/a2.md"]);
    assert!(human.stdout.contains("near-duplicates (2):"), "{human:?}");
    let other = workspace.run(&["get", "news/b.md", "--json"]);
    assert_eq!(other.json_lines()[0]["duplicates"], serde_json::json!([]));

    let similar = workspace.run(&["similar", "news/a1.md", "--json"]);
    assert_eq!(similar.code, 0, "{similar:?}");
    let lines = similar.json_lines();
    let last = lines.last().unwrap();
    assert_eq!(
        ids(last["duplicates"].as_array().unwrap()),
        set(&["news/a2.md", "news/a3.md"])
    );
    for hit in &lines[..lines.len() - 1] {
        let id = hit["id"].as_str().unwrap();
        assert!(
            !story(id),
            "a duplicate is listed, not ranked as similar: {id}"
        );
    }
    assert!(lines[..lines.len() - 1]
        .iter()
        .any(|hit| hit["id"] == "news/b.md"));
}

#[test]
fn stats_count_the_groups_and_list_the_pairs() {
    let workspace = archive();
    let stats = workspace.run(&["stats", "--json"]);
    let near = &stats.json_lines()[0]["near_duplicates"];
    assert_eq!(near["groups"], 1, "{stats:?}");
    assert_eq!(near["articles"], 3, "{stats:?}");
    assert_eq!(near["pairs"], 3, "{stats:?}");
    let pairs = workspace.run(&["stats", "--duplicates"]);
    let lines: Vec<&str> = pairs.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{pairs:?}");
    for line in lines {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 3, "{line}");
        assert!(story(fields[0]) && story(fields[1]), "{line}");
        assert!(fields[2].parse::<f64>().unwrap() >= 0.5, "{line}");
    }
    // A deleted telling leaves the group.
    std::fs::remove_file(workspace.posts().join("news/a3.md")).unwrap();
    let run = workspace.run(&["ingest", "posts", "--prune", "--quiet"]);
    assert_eq!(run.code, 0, "{run:?}");
    let stats = workspace.run(&["stats", "--json"]);
    let near = &stats.json_lines()[0]["near_duplicates"];
    assert_eq!(
        (near["articles"].clone(), near["pairs"].clone()),
        (2.into(), 1.into())
    );
}

/// A story without digits (so only its text lanes count).
const VICTIM: &str = "国家统计局新闻发言人表示，工业生产稳中有升，市场需求逐步恢复，企业预期持续改善。从行业看，装备制造业增势较好，新能源汽车、太阳能电池等绿色产品产量快速增长，高技术制造业投资保持较快增长。从地区看，东部地区工业生产保持稳定，中西部地区增势良好，东北地区继续恢复。下阶段，要加大宏观政策调控力度，着力扩大有效需求，推动工业经济持续回升向好，为实现全年目标任务打下坚实基础。";

/// The public, unseeded hash of a shingle: its lane (of 64) and its value there.
fn public_hash(shingle: &[char]) -> (usize, u64) {
    let key = shingle.iter().fold(0u128, |key, &c| key << 32 | c as u128);
    let hash = xxhash_rust::xxh3::xxh3_64_with_seed(&key.to_le_bytes(), 0);
    ((hash >> 58) as usize, hash & (u64::MAX >> 6))
}

/// A forgery of `body` as an attacker who knows the public hash builds it: the shingle of
/// least hash of each lane, joined by fillers chosen so that the shingles across a join
/// never undercut a lane.
fn forge(body: &str) -> String {
    let chars: Vec<char> = body
        .chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let mut least: Vec<Option<(u64, Vec<char>)>> = vec![None; 64];
    for window in chars.windows(4) {
        let (lane, value) = public_hash(window);
        if least[lane].as_ref().is_none_or(|(v, _)| value < *v) {
            least[lane] = Some((value, window.to_vec()));
        }
    }
    let floor: Vec<u64> = least
        .iter()
        .map(|l| l.as_ref().map_or(0, |(v, _)| *v))
        .collect();
    let shingles: Vec<Vec<char>> = least
        .into_iter()
        .flatten()
        .map(|(_, shingle)| shingle)
        .filter(|shingle| !shingle.iter().any(char::is_ascii_digit))
        .collect();
    let fillers: Vec<char> = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严".chars().collect();
    let mut forged: Vec<char> = Vec::new();
    for shingle in shingles {
        if forged.is_empty() {
            forged.extend(&shingle);
            continue;
        }
        // The filler whose shingles across the join hash above every lane's least.
        let safe = fillers.iter().find(|&&filler| {
            let mut joined: Vec<char> = forged[forged.len() - 3..].to_vec();
            joined.push(filler);
            joined.extend(&shingle);
            joined.windows(4).take(4).all(|w| {
                let (lane, value) = public_hash(w);
                value > floor[lane]
            })
        });
        if let Some(&filler) = safe {
            forged.push(filler);
            forged.extend(&shingle);
        }
    }
    forged.into_iter().collect()
}

#[test]
fn a_page_forged_from_an_articles_minimal_shingles_does_not_fold_it_away() {
    use sousuo::signature::{shingle_similarity, Signature};
    // A long article (its lanes' least hashes are small, so the forgery's own shingles
    // across the joins rarely undercut them).
    let victim = format!("{VICTIM}{STORY}{OTHER_STORY}{VICTIM}")
        .replace(VICTIM, &VICTIM.chars().rev().collect::<String>());
    let forged = forge(&victim);
    // It is a forgery against the public hash: judged near, with little really shared.
    assert!(Signature::of(&forged, 0).near(&Signature::of(&victim, 0)));
    assert!(shingle_similarity(&forged, &victim) < 0.2);
    let workspace = news_archive(&[
        (
            "victim.md",
            "财经",
            "2026-11-15 10:00",
            "工业生产稳中有升",
            &victim,
        ),
        (
            "spam.md",
            "广告",
            "2026-11-15 11:00",
            "工业生产 工业 生产 推广",
            &forged,
        ),
    ]);
    // Neither is folded under the other: two hits, no duplicates.
    let run = workspace.run(&["query", "工业生产", "--json"]);
    let found = groups(&run);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found.iter().all(|(_, duplicates)| duplicates.is_empty()),
        "{found:?}"
    );
    let listed = workspace.run(&["get", "news/victim.md", "--json"]);
    assert!(!listed.stdout.contains("spam.md"), "{listed:?}");
}

//! A word found however the segmenter cut it: in an article's sentences (碳中和 as 碳中 / 和
//! or 碳 / 中 / 和), typed against a lone character (消费券), as a date (8月8日), glued to a
//! neighbour (猴痘 in 例猴 / 痘) or as an amount whose unit begins a longer word (3000亿元).
//! Against the real binary.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::{news_archive, Workspace};
use crate::matching::{assert_matches_exactly, matches, set};

/// A word the segmenter cuts differently by its neighbours, and articles holding only its
/// characters apart.
fn cut_archive() -> Workspace {
    news_archive(&[
        (
            "c1.md",
            "环境",
            "2023-07-01",
            "论坛",
            "生态文明、碳中和与可持续发展论坛举行。",
        ),
        (
            "c2.md",
            "金融",
            "2023-07-02",
            "基金",
            "上海环交所碳中和ETF最新净值上涨。",
        ),
        (
            "c3.md",
            "环境",
            "2023-07-03",
            "案件",
            "干扰碳达峰碳中和，破坏生态。",
        ),
        (
            "c4.md",
            "化学",
            "2023-07-04",
            "实验",
            "碳排放下降，酸碱中和反应完成。",
        ),
        (
            "x1.md",
            "消费",
            "2023-07-05",
            "发放",
            "开始了新一轮的消费券发放。",
        ),
        (
            "x2.md",
            "消费",
            "2023-07-06",
            "面值",
            "居民消费增长，每张券面值五十元。",
        ),
    ])
}

#[test]
fn a_word_is_found_however_a_sentence_cut_it() {
    let workspace = cut_archive();
    // 碳中和 is 碳中 / 和 in c1 and 碳 / 中 / 和 in c2 and c3; c4 holds the characters apart.
    let (hits, total) = matches(&workspace, "碳中和");
    assert_eq!(
        hits.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        ["c1.md", "c2.md", "c3.md"].into_iter().collect(),
        "{hits:?}"
    );
    assert_eq!(total, 3);
}

#[test]
fn a_character_typed_against_a_word_is_part_of_it() {
    let workspace = cut_archive();
    // 消费券 is cut 消费 / 券: x2 holds 消费 and 券 apart, not 消费券.
    let (hits, total) = matches(&workspace, "消费券");
    assert_eq!(hits, ["x1.md"]);
    assert_eq!(total, 1);
    let analyzed = workspace.run(&["analyze", "--json", "消费券"]);
    let value: Value = serde_json::from_str(&analyzed.stdout).unwrap();
    assert_eq!(value["query_words"], serde_json::json!(["消费券"]));
}

/// A date is one term however common its pieces: the articles holding 8月8日 as typed,
/// also where the segmenter glued its last unit to the next word (a dateline's 日电), and
/// not those holding an 8, a 月 and a 日 apart.
#[test]
fn a_date_matches_the_articles_holding_it_as_typed() {
    let workspace = news_archive(&[
        (
            "rain.md",
            "天气",
            "2023-08-08",
            "北京暴雨",
            "8月8日，北京遭遇暴雨。",
        ),
        (
            "dateline.md",
            "时政",
            "2023-08-08",
            "会议召开",
            "中新网北京8月8日电 会议今日召开。",
        ),
        (
            "full.md",
            "时政",
            "2023-08-09",
            "回顾",
            "2023年8月8日，会议闭幕。",
        ),
        (
            "apart.md",
            "财经",
            "2023-08-18",
            "8月数据",
            "8月18日公布的数据显示，8日前后成交活跃，本月增长。",
        ),
    ]);
    assert_matches_exactly(&workspace, "8月8日", &["rain.md", "dateline.md", "full.md"]);
    let (hits, total) = matches(&workspace, "2023年8月");
    assert_eq!((hits, total), (vec!["full.md".to_string()], 1));
    // With a word: both required.
    let (hits, _) = matches(&workspace, "8月8日 暴雨");
    assert_eq!(hits, ["rain.md"]);
}

/// The segmenter cuts 科创板 as 科 / 创板 in 其中大部分是科创板公司: that article holds the word
/// although it holds none of the query's words as typed — also for a one-word query, and
/// for the word a typo or pinyin is taken for.
#[test]
fn a_one_word_query_matches_the_word_however_an_article_cut_it() {
    let workspace = news_archive(&[
        (
            "whole.md",
            "财经",
            "2023-08-09",
            "科创板开市四周年",
            "科创板开市四周年，上市公司数量持续增长。",
        ),
        (
            "cut.md",
            "财经",
            "2023-08-10",
            "回购潮",
            "两天有超40家上市公司公告将回购股份，其中大部分是科创板公司。",
        ),
        (
            "apart.md",
            "财经",
            "2023-08-11",
            "创板与科技",
            "新三板创新层的科技公司。",
        ),
    ]);
    let (hits, total) = matches(&workspace, "科创板");
    assert_eq!(total, 2, "{hits:?}");
    assert_eq!(
        hits.iter().cloned().collect::<BTreeSet<_>>(),
        set(&["whole.md", "cut.md"])
    );
    // The article holding the word as the query cut it ranks first.
    assert_eq!(hits[0], "whole.md");
    // Typed with a same-sounding character or as pinyin, the word the archive holds is
    // matched as if typed: both articles.
    for typed in ["科创版", "kechuangban"] {
        let (hits, total) = matches(&workspace, typed);
        assert_eq!(total, 2, "{typed}: {hits:?}");
        assert_eq!(hits, ["whole.md", "cut.md"], "{typed}");
    }
}

/// jieba's HMM glues the first character of a word it does not know to the one before it
/// (491例猴痘 is 例猴 / 痘, 局地有特大暴雨 is 有特 / 大暴雨), or a word's last character to the
/// character after it (核污染水将排海 is 核污染 / 水将 / 排海): the article still holds the word as
/// written, and a query for it finds it.
#[test]
fn a_word_whose_first_character_the_segmenter_glued_to_its_neighbour_is_found() {
    let workspace = news_archive(&[
        (
            "cases.md",
            "健康",
            "2023-08-09",
            "疫情通报",
            "截至目前，全国累计报告491例猴痘病例。",
        ),
        (
            "storm.md",
            "天气",
            "2023-08-10",
            "天气预报",
            "预计今天夜间，局地有特大暴雨，请注意防范。",
        ),
        (
            "monkey.md",
            "动物",
            "2023-08-11",
            "动物园",
            "动物园里的猴子很受欢迎，春痘不是病。",
        ),
        (
            "water.md",
            "国际",
            "2023-08-12",
            "排海计划",
            "日本福岛核污染水将排海，多国表示反对。",
        ),
        (
            "release.md",
            "国际",
            "2023-08-13",
            "排放",
            "福岛核污染水排放引发担忧。",
        ),
        (
            "pollution.md",
            "环境",
            "2023-08-14",
            "环境监测",
            "核污染的水平和水质监测结果公布。",
        ),
    ]);
    assert_eq!(
        matches(&workspace, "猴痘"),
        (vec!["cases.md".to_string()], 1)
    );
    assert_eq!(
        matches(&workspace, "特大暴雨"),
        (vec!["storm.md".to_string()], 1)
    );
    assert_matches_exactly(&workspace, "福岛 核污染水", &["water.md", "release.md"]);
}

/// An amount as typed (`3000亿`) is held where the dictionary reads its unit into the next
/// word (突破3000亿元 is 3000 / 亿元), and never in a larger number (13000亿) or apart.
#[test]
fn an_amount_matches_where_its_unit_begins_a_longer_word() {
    let workspace = news_archive(&[
        (
            "yuan.md",
            "财经",
            "2023-08-09",
            "进出口规模",
            "区进出口规模首次突破3000亿元。",
        ),
        (
            "plain.md",
            "财经",
            "2023-08-10",
            "规模",
            "总规模达到3000亿。",
        ),
        (
            "larger.md",
            "财经",
            "2023-08-11",
            "规模",
            "总规模达到13000亿元，其中3个项目。",
        ),
        (
            "decimal.md",
            "财经",
            "2023-08-12",
            "营收",
            "公司营收3.5亿元。",
        ),
        (
            "apart.md",
            "财经",
            "2023-08-13",
            "投资",
            "评分3.5，投资1亿。",
        ),
    ]);
    assert_matches_exactly(&workspace, "3000亿", &["yuan.md", "plain.md"]);
    // A decimal number likewise (营收3.5亿元 is 3.5 / 亿元), never its pieces apart.
    assert_matches_exactly(&workspace, "3.5亿", &["decimal.md"]);
}

#[test]
fn letters_written_against_a_character_are_one_term() {
    // B站, QQ群, 村BA: the segmenter cuts the character into the next word in one sentence
    // (B / 站上, QQ / 群等) and leaves it alone in another; the letters and the character
    // apart are no match.
    let workspace = news_archive(&[
        (
            "b1.md",
            "科技",
            "2023-07-01",
            "视频平台",
            "这段视频在B站上很火。",
        ),
        (
            "b2.md",
            "科技",
            "2023-07-02",
            "财报",
            "B站发布第二季度财报。",
        ),
        (
            "b-apart.md",
            "体育",
            "2023-07-03",
            "比赛",
            "B组选手在站台集合，B组第一站比赛开始，站点设在B区。",
        ),
        (
            "qq.md",
            "科技",
            "2023-07-04",
            "社群",
            "用户可以加入QQ群等社群交流。",
        ),
        (
            "qq-apart.md",
            "科技",
            "2023-07-05",
            "音乐",
            "QQ音乐用户群扩大，QQ会员群体增长，群众喜欢QQ。",
        ),
        (
            "cba.md",
            "体育",
            "2023-07-06",
            "乡村篮球",
            "贵州台盘村BA火了。",
        ),
        (
            "ba-apart.md",
            "体育",
            "2023-07-07",
            "航空",
            "BA航空公司在村口设点，村民和BA员工交流。",
        ),
    ]);
    assert_matches_exactly(&workspace, "B站", &["b1.md", "b2.md"]);
    assert_matches_exactly(&workspace, "QQ群", &["qq.md"]);
    assert_matches_exactly(&workspace, "村BA", &["cba.md"]);
}

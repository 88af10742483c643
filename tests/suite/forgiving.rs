//! Forgiving search against the real binary: a name typed in part, with a same-sounding
//! character or as pinyin finds the words it meant and names them (`did you mean`), the
//! hits matching as typed first; filter values fold as the text does.

use crate::common;

use common::Workspace;

/// Two articles about typhoon 杜苏芮 (name, category, date, title, body).
const DOKSURI: [(&str, &str, &str, &str, &str); 2] = [
    (
        "a.md",
        "天气",
        "2023-07-28 10:00",
        "台风杜苏芮登陆福建",
        "台风杜苏芮在福建晋江沿海登陆。",
    ),
    (
        "b.md",
        "天气",
        "2023-07-29 10:00",
        "杜苏芮北上",
        "杜苏芮残余环流北上，华北暴雨。",
    ),
];

/// Posts (file name, body) under one category, date and title, as `news_archive` rows.
fn same_kind<'a>(
    bodies: &'a [(String, String)],
    (category, date, title): (&'a str, &'a str, &'a str),
) -> Vec<(&'a str, &'a str, &'a str, &'a str, &'a str)> {
    bodies
        .iter()
        .map(|(name, body)| (name.as_str(), category, date, title, body.as_str()))
        .collect()
}

#[test]
fn a_name_typed_in_part_finds_the_words_holding_it_and_says_so() {
    let workspace = common::news_archive(&[
        DOKSURI[0],
        DOKSURI[1],
        (
            "c.md",
            "天气",
            "2023-07-30 10:00",
            "华北暴雨",
            "华北多地暴雨，城市内涝。",
        ),
        (
            "d.md",
            "财经",
            "2023-07-30 10:00",
            "迪士尼财报",
            "迪士尼公布第三季度财报。",
        ),
    ]);
    let run = workspace.run(&["query", "苏芮", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let mut ids = run.hit_ids();
    ids.sort();
    assert_eq!(ids, ["news/a.md", "news/b.md"]);
    assert_eq!(
        run.summary()["matching"]["suggestions"],
        serde_json::json!(["杜苏芮"])
    );
    let human = workspace.run(&["query", "苏芮"]);
    assert!(human.stderr.contains("did you mean: 杜苏芮?"), "{human:?}");
    // With another word: each part still required.
    let run = workspace.run(&["query", "士尼 财报", "--json"]);
    assert_eq!(run.hit_ids(), ["news/d.md"]);
    // A query that finds articles as typed is left alone.
    let exact = workspace.run(&["query", "暴雨", "--json"]);
    assert!(
        exact.summary()["matching"].get("suggestions").is_none(),
        "{exact:?}"
    );
    assert_eq!(exact.hits().len(), 2);
}

#[test]
fn a_name_typed_with_a_same_sounding_character_or_as_pinyin_is_found_and_named() {
    let workspace = common::news_archive(&[
        DOKSURI[0],
        DOKSURI[1],
        (
            "c.md",
            "科技",
            "2023-07-30 10:00",
            "Tesla降价",
            "Tesla宣布在华降价，杜邦股份上涨。",
        ),
        (
            "d.md",
            "科技",
            "2023-07-31 10:00",
            "Tesla交付",
            "Tesla二季度交付量创新高。",
        ),
        (
            "e.md",
            "科技",
            "2023-08-01 10:00",
            "Tesla工厂",
            "Tesla上海工厂扩产。",
        ),
        (
            "f.md",
            "健康",
            "2023-08-02 10:00",
            "广东出现登革热",
            "广东出现登革热，注意防蚊。",
        ),
        (
            "g.md",
            "天气",
            "2023-08-03 10:00",
            "今天很热",
            "今天很热，注意防暑。",
        ),
    ]);
    // 登格热 is 登格 + 热 to the segmenter, and no article holds 登格: the query as typed
    // found nothing (the page would show articles holding only 热); 登革热 sounds the same.
    let dengue = workspace.run(&["query", "登格热", "--json"]);
    assert_eq!(dengue.hit_ids(), ["news/f.md"], "{dengue:?}");
    assert_eq!(
        dengue.summary()["matching"]["suggestions"],
        serde_json::json!(["登革热"])
    );
    // 瑞 for 芮 (both rui), the pinyin in one word or in syllables: 杜苏芮's two articles.
    for typed in ["杜苏瑞", "dusurui", "du su rui", "DuSuRui"] {
        let run = workspace.run(&["query", typed, "--json"]);
        assert_eq!(run.code, 0, "{typed}: {run:?}");
        let mut ids = run.hit_ids();
        ids.sort();
        assert_eq!(ids, ["news/a.md", "news/b.md"], "{typed}");
        assert_eq!(
            run.summary()["matching"]["suggestions"],
            serde_json::json!(["杜苏芮"]),
            "{typed}"
        );
    }
    let human = workspace.run(&["query", "dusurui"]);
    assert!(human.stderr.contains("did you mean: 杜苏芮?"), "{human:?}");
    // An English word the archive holds keeps its meaning; a word that sounds like nothing
    // stays unmatched.
    let tesla = workspace.run(&["query", "Tesla", "--json"]);
    assert_eq!(tesla.hits().len(), 3, "{tesla:?}");
    assert!(tesla.summary()["matching"].get("suggestions").is_none());
    let nothing = workspace.run(&["query", "qwxz", "--json"]);
    assert!(nothing.hits().is_empty(), "{nothing:?}");
}

#[test]
fn filter_values_fold_as_the_text_does_and_unknown_ones_are_named() {
    let workspace = Workspace::with_fixtures(&["real"]);
    assert_eq!(workspace.ingest().0.code, 0);
    // Stored as 新浪财经－国內 (a traditional 內); typed in simplified form.
    let stored = workspace.run(&["query", "算力", "--category", "新浪财经－国內", "--json"]);
    let typed = workspace.run(&["query", "算力", "--category", "新浪财经－国内", "--json"]);
    assert!(!stored.hit_ids().is_empty(), "{stored:?}");
    assert_eq!(typed.hit_ids(), stored.hit_ids());
    let in_query = workspace.run(&["query", "算力 category:新浪财经－国内", "--json"]);
    assert_eq!(in_query.hit_ids(), stored.hit_ids());
    // A value no article has: no hits, and a warning naming the closest values.
    let unknown = workspace.run(&["query", "算力", "--category", "新浪财经－国外"]);
    assert_eq!(unknown.code, 1, "{unknown:?}");
    assert!(
        unknown
            .stderr
            .contains("warning: no article has the categories \"新浪财经－国外\"; the closest: \"新浪财经－国內\""),
        "{unknown:?}"
    );
    // A count or a list says it on stderr too, its stdout left clean.
    for flag in ["-c", "-l", "--ids"] {
        let run = workspace.run(&["query", "算力", "--category", "新浪财经－国外", flag]);
        assert!(
            run.stderr
                .contains("warning: no article has the categories \"新浪财经－国外\""),
            "{flag}: {run:?}"
        );
        assert!(!run.stdout.contains("warning"), "{flag}: {run:?}");
    }
}

#[test]
fn a_part_found_in_a_few_articles_is_widened_by_a_far_more_common_word_holding_it() {
    // 林省 as typed: three articles hold it as a word (代号：林省), fewer than a page; 吉林省
    // holds it and is in 61, over 20 times as many (in 21, it is left alone: below, where
    // the three holding it whole also rank first: 21 is under ten times 3).
    let mut posts: Vec<(String, String, String, String)> = (0..3)
        .map(|i| {
            (
                format!("odd{i}.md"),
                format!("2023-06-{:02} 10:00", i + 1),
                format!("行动{i}"),
                format!("行动代号：林省。第{i}号。"),
            )
        })
        .collect();
    for i in 0..61 {
        posts.push((
            format!("jilin{i}.md"),
            format!("2023-07-{:02} 10:00", i % 28 + 1),
            format!("吉林省新闻{i}"),
            format!("吉林省长春市第{i}次会议召开。"),
        ));
    }
    let rows: Vec<(&str, &str, &str, &str, &str)> = posts
        .iter()
        .map(|(name, date, title, body)| {
            (
                name.as_str(),
                "新闻",
                date.as_str(),
                title.as_str(),
                body.as_str(),
            )
        })
        .collect();
    let workspace = common::news_archive(&rows);
    let run = workspace.run(&["query", "林省", "--json", "-n", "5"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.summary()["matching"]["suggestions"],
        serde_json::json!(["吉林省"]),
        "{run:?}"
    );
    assert_eq!(run.summary()["total"], 64, "{run:?}");
    // 林省 stands inside 吉林省 in over ten times as many articles as it stands whole:
    // both score as one word, and the articles holding it in title and body come first.
    let ids = run.hit_ids();
    assert_eq!(ids.len(), 5);
    assert!(ids.iter().all(|id| id.contains("jilin")), "{run:?}");
    // Fewer times as common: no suggestion; the articles holding it inside 吉林省 still
    // match (its pieces are sub-words), below the three holding it whole.
    let few = common::news_archive(&rows[..24]);
    let run = few.run(&["query", "林省", "--json"]);
    assert!(
        run.summary()["matching"].get("suggestions").is_none(),
        "{run:?}"
    );
    assert_eq!(run.summary()["total"], 24, "{run:?}");
    let ids = run.hit_ids();
    let mut first: Vec<&str> = ids[..3].iter().map(String::as_str).collect();
    first.sort();
    assert_eq!(first, ["news/odd0.md", "news/odd1.md", "news/odd2.md"]);
}

/// A query for a piece of a word the segmenter keeps whole (安卓 of 安卓端, 梅西 of 女梅西)
/// finds it as it would a word the dictionary splits, and counts it — also when enough
/// articles hold the query word whole that no fallback is tried.
#[test]
fn a_piece_of_a_word_the_segmenter_keeps_whole_finds_it() {
    let bodies: Vec<(String, String)> = (0..10)
        .map(|i| {
            (
                format!("phone{i}.md"),
                format!("安卓手机第{i}季度销量上升。"),
            )
        })
        .collect();
    let mut rows = same_kind(&bodies, ("科技", "2023-08-02 10:00", "手机销量"));
    rows.push((
        "app.md",
        "科技",
        "2023-08-01 10:00",
        "应用更新",
        "这款应用的安卓端也更新了。",
    ));
    rows.push((
        "c.md",
        "体育",
        "2023-08-03 10:00",
        "女足",
        "王霜被称为女梅西。",
    ));
    let workspace = common::news_archive(&rows);
    let run = workspace.run(&["query", "安卓", "--json", "-n", "20"]);
    assert_eq!(run.code, 0, "{run:?}");
    let ids = run.hit_ids();
    assert_eq!(ids.len(), 11, "{run:?}");
    assert!(ids.iter().any(|id| id == "news/app.md"), "{run:?}");
    let count = workspace.run(&["query", "安卓", "-c"]);
    assert_eq!(count.stdout.trim(), "11", "{count:?}");
    assert_eq!(
        workspace.run(&["query", "梅西", "--json"]).hit_ids(),
        ["news/c.md"]
    );
}

#[test]
fn a_word_mostly_inside_a_longer_one_ranks_where_the_articles_hold_it_most() {
    // 沪宁 stands inside 王沪宁 in ten articles, whole (沪宁 / 沿江 / 高铁) in one. Scored as
    // a sub-word, the ten held it at a third of the weight and the one whole use ranked
    // first although it holds 沪宁 once, in its body; read as one word, the articles holding
    // it in their titles and twice in their bodies rank first.
    let bodies: Vec<(String, String)> = (0..10)
        .map(|i| {
            let body = format!("王沪宁第{i}次会见代表团。王沪宁指出，要加强合作。");
            (format!("meeting{i}.md"), body)
        })
        .collect();
    let mut rows = same_kind(&bodies, ("时政", "2023-08-02 10:00", "王沪宁会见代表团"));
    rows.push((
        "rail.md",
        "交通",
        "2023-08-16 10:00",
        "高铁试运行",
        "沪宁沿江高铁今日开始试运行，预计九月开通。",
    ));
    let workspace = common::news_archive(&rows);
    let run = workspace.run(&["query", "沪宁", "--json", "-n", "20"]);
    assert_eq!(run.code, 0, "{run:?}");
    let ids = run.hit_ids();
    assert_eq!(ids.len(), 11, "every article holding 沪宁 matches: {run:?}");
    assert_eq!(
        ids.last().map(String::as_str),
        Some("news/rail.md"),
        "{run:?}"
    );
    // A word mostly standing whole keeps the whole word first: 高铁 is whole in the rail
    // article and inside no word of the others.
    let whole = workspace.run(&["query", "高铁", "--json"]);
    assert_eq!(whole.hit_ids(), ["news/rail.md"], "{whole:?}");
    // --explain shows the weights the ranking used: the inside match at more than the
    // usual third.
    let explained = workspace.run(&["query", "沪宁", "--explain", "-n", "1"]);
    assert!(explained.stdout.contains("as a sub-word"), "{explained:?}");
    assert!(!explained.stdout.contains("(x0.35)"), "{explained:?}");
}

#[test]
fn a_near_sounding_character_gives_way_to_a_same_sounding_one_unless_far_rarer() {
    // 书 (shu) for 苏 (su): the z/zh, c/ch, s/sh confusion of many speakers.
    let workspace = common::news_archive(&DOKSURI);
    let run = workspace.run(&["query", "杜书芮", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let mut ids = run.hit_ids();
    ids.sort();
    assert_eq!(ids, ["news/a.md", "news/b.md"], "{run:?}");
    assert_eq!(
        run.summary()["matching"]["suggestions"],
        serde_json::json!(["杜苏芮"])
    );
    // The API answers the same.
    let server = common::server::Server::start(&workspace, &[]);
    let body = server.search(&[("q", "杜书芮")]).json();
    assert_eq!(body["hits"].as_array().map(Vec::len), Some(2), "{body}");
    assert_eq!(
        body["summary"]["matching"]["suggestions"],
        serde_json::json!(["杜苏芮"]),
        "{body}"
    );
    drop(server);
    // A word that reads exactly as typed (杜树瑞: du shu rui) is the only one tried.
    let workspace = common::news_archive(&[
        DOKSURI[0],
        DOKSURI[1],
        (
            "c.md",
            "人物",
            "2023-08-01 10:00",
            "杜树瑞获奖",
            "工程师杜树瑞获得科技奖。",
        ),
    ]);
    let run = workspace.run(&["query", "杜书芮", "--json"]);
    assert_eq!(run.hit_ids(), ["news/c.md"], "{run:?}");
    assert_eq!(
        run.summary()["matching"]["suggestions"],
        serde_json::json!(["杜树瑞"])
    );
    // Unless the near one is in 20 times as many articles as the exact one (1).
    let bodies: Vec<(String, String)> = (0..20)
        .map(|i| (format!("d{i}.md"), format!("台风杜苏芮第{i}次预报。")))
        .collect();
    let mut rows = same_kind(&bodies, ("天气", "2023-07-30 10:00", "台风预报"));
    rows.push((
        "c.md",
        "人物",
        "2023-08-01 10:00",
        "获奖",
        "工程师杜树瑞获得科技奖。",
    ));
    let workspace = common::news_archive(&rows);
    let run = workspace.run(&["query", "杜书芮", "--json"]);
    assert_eq!(
        run.summary()["matching"]["suggestions"],
        serde_json::json!(["杜苏芮", "杜树瑞"]),
        "{run:?}"
    );
}

/// Asserts that `typed` finds exactly the posts `expected` and names `meant` (did you mean).
fn assert_found_and_named(workspace: &Workspace, typed: &str, meant: &str, expected: &[&str]) {
    let run = workspace.run(&["query", typed, "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let mut ids = run.hit_ids();
    ids.sort();
    assert_eq!(ids, expected, "{typed}: {run:?}");
    let summary = run.summary();
    let suggestions = &summary["matching"]["suggestions"];
    assert_eq!(
        suggestions,
        &serde_json::json!([meant]),
        "{typed}: {summary}"
    );
}

/// A name or a compound the segmenter cuts in two (马克龙 is 马克 + 龙, 泽连斯基 泽 + 连斯基,
/// 新能源汽车 新能源 + 汽车) is no word of the index, so no word sounds like it: a typo in it
/// is found by reading its pieces apart, and only where more articles hold that spelling
/// than hold a word sounding like the whole (王旅士 is 王女士, a word of its own, not 王律师).
#[test]
fn a_typo_in_a_name_the_segmenter_cuts_in_two_is_found() {
    let workspace = common::news_archive(&[
        (
            "m1.md",
            "国际",
            "2023-07-01",
            "访问",
            "法国总统马克龙访问中国。",
        ),
        (
            "m2.md",
            "国际",
            "2023-07-02",
            "讲话",
            "马克龙在巴黎发表讲话。",
        ),
        (
            "m3.md",
            "体育",
            "2023-07-03",
            "比赛",
            "马克在龙舟比赛中获胜。",
        ),
        (
            "z1.md",
            "国际",
            "2023-07-04",
            "视频",
            "乌克兰总统泽连斯基发表视频讲话。",
        ),
        ("w1.md", "社会", "2023-07-05", "报警", "王女士报警。"),
        ("w2.md", "社会", "2023-07-06", "求助", "王女士求助。"),
        ("w3.md", "法治", "2023-07-07", "出庭", "王律师出庭。"),
        (
            "c1.md",
            "汽车",
            "2023-07-08",
            "普及",
            "新能源汽车在城市普及。",
        ),
        ("v1.md", "农业", "2023-07-09", "战略", "乡村振兴战略实施。"),
        ("v2.md", "农业", "2023-07-10", "人才", "人才推进乡村振兴。"),
    ]);
    for (typed, meant, expected) in [
        ("马克笼", "马克龙", vec!["news/m1.md", "news/m2.md"]),
        ("泽连斯鸡", "泽连斯基", vec!["news/z1.md"]),
        ("王旅士", "王女士", vec!["news/w1.md", "news/w2.md"]),
        // Cut where one piece is a word as typed; 心 (xin) nearly reads as 兴 (xing).
        ("新能源气车", "新能源汽车", vec!["news/c1.md"]),
        ("乡村振心", "乡村振兴", vec!["news/v1.md", "news/v2.md"]),
        // Typed as pinyin: cut where both pieces are syllables of the index's words.
        ("makelong", "马克龙", vec!["news/m1.md", "news/m2.md"]),
        ("zeliansiji", "泽连斯基", vec!["news/z1.md"]),
        (
            "xiangcunzhenxing",
            "乡村振兴",
            vec!["news/v1.md", "news/v2.md"],
        ),
        // Pinyin glued to a word, a control character or a zero-width space inside.
        ("zeliansiji乌克兰", "泽连斯基", vec!["news/z1.md"]),
        ("马克\u{7}笼", "马克龙", vec!["news/m1.md", "news/m2.md"]),
        ("泽连\u{200B}斯鸡", "泽连斯基", vec!["news/z1.md"]),
    ] {
        assert_found_and_named(&workspace, typed, meant, &expected);
    }
}

/// A word and one character typed after it that no article writes so — an abbreviation
/// (`专项债`, where the articles write 专项债券) or a word typed in part (`王沪宁参`) — is
/// widened by the words that character begins in the most articles, as the fallbacks widen
/// a word by the words holding it, and says so.
#[test]
fn a_word_typed_in_part_finds_the_words_its_last_character_begins() {
    let workspace = common::news_archive(&[
        (
            "b1.md",
            "财经",
            "2023-07-01",
            "发行",
            "地方政府专项债券发行提速。",
        ),
        (
            "b2.md",
            "财经",
            "2023-07-02",
            "规模",
            "新增专项债券规模扩大。",
        ),
        ("p1.md", "时政", "2023-07-03", "会议", "王沪宁参加会议。"),
        (
            "o1.md",
            "财经",
            "2023-07-04",
            "资金",
            "专项资金用于偿还债券。",
        ),
    ]);
    for (typed, meant, expected) in [
        ("专项债", "专项债券", vec!["news/b1.md", "news/b2.md"]),
        ("王沪宁参", "王沪宁参加", vec!["news/p1.md"]),
    ] {
        assert_found_and_named(&workspace, typed, meant, &expected);
    }
}

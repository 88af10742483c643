//! The query language's cases: each form, its errors and where they point.

use proptest::prelude::*;

use super::*;

fn words(occur: Occur, field: Option<QueryField>, text: &str) -> Clause {
    Clause {
        occur,
        field,
        kind: ClauseKind::Words(text.to_string()),
    }
}

fn phrase(field: Option<QueryField>, text: &str, slop: u32) -> Clause {
    Clause {
        occur: Occur::Should,
        field,
        kind: ClauseKind::Phrase {
            text: text.to_string(),
            slop,
        },
    }
}

#[test]
fn a_number_typed_after_a_word_ending_in_letters_is_part_of_it() {
    let parsed = |query: &str| parse_query(query).unwrap();
    assert_eq!(
        parsed("iPhone 15 价格"),
        [
            words(Occur::Should, None, "iPhone 15"),
            words(Occur::Should, None, "价格")
        ]
    );
    assert_eq!(
        parsed("-华为Mate  60 title:GPT 3.5"),
        [
            words(Occur::MustNot, None, "华为Mate 60"),
            words(Occur::Should, Some(QueryField::Title), "GPT 3.5"),
        ]
    );
    // Typed in full width, as a Chinese input method may.
    assert_eq!(
        parsed("Ｍａｔｅ　６０"),
        [words(Occur::Should, None, "Ｍａｔｅ ６０")]
    );
    // A zero-width space pasted after the word is nothing.
    assert_eq!(parsed("iPhone\u{200B} 15").len(), 1);
    // A year, a number with a sign, a number after Chinese: keywords of their own.
    for query in ["GDP 2023", "GDP 5%", "华为 60", "iPhone 1.2.3"] {
        assert_eq!(parsed(query).len(), 2, "{query}");
    }
}

#[test]
fn plain_words() {
    assert_eq!(
        parse_query("  算力  规模 ").unwrap(),
        vec![
            words(Occur::Should, None, "算力"),
            words(Occur::Should, None, "规模")
        ]
    );
    assert!(parse_query("").unwrap().is_empty());
}

#[test]
fn operators_fields_and_phrases() {
    let clauses = parse_query("+算力 -广告 title:\"中国 算力\"~2 author:新浪财经").unwrap();
    assert_eq!(clauses[0], words(Occur::Must, None, "算力"));
    assert_eq!(clauses[1], words(Occur::MustNot, None, "广告"));
    assert_eq!(clauses[2], phrase(Some(QueryField::Title), "中国 算力", 2));
    assert_eq!(
        clauses[3],
        words(Occur::Should, Some(QueryField::Author), "新浪财经")
    );
}

#[test]
fn unknown_prefixes_and_lone_signs_are_text() {
    let clauses = parse_query("http://a.cn 10:30 - x").unwrap();
    assert_eq!(clauses[0], words(Occur::Should, None, "http://a.cn"));
    assert_eq!(clauses[1], words(Occur::Should, None, "10:30"));
    assert_eq!(clauses[2], words(Occur::Should, None, "-"));
}

#[test]
fn lucene_operators_prefixes_and_everything() {
    assert_eq!(
        parse_query("算力 AND 规模 NOT 广告 电力 || 电网").unwrap(),
        vec![
            words(Occur::Must, None, "算力"),
            words(Occur::Must, None, "规模"),
            words(Occur::MustNot, None, "广告"),
            Clause {
                occur: Occur::Should,
                field: None,
                kind: ClauseKind::Group(vec![
                    words(Occur::Should, None, "电力"),
                    words(Occur::Should, None, "电网"),
                ]),
            },
        ]
    );
    assert_eq!(
        parse_query("a && -b").unwrap(),
        vec![
            words(Occur::Must, None, "a"),
            words(Occur::MustNot, None, "b")
        ]
    );
    for (dangling, word) in [
        ("AND 算力", "AND"),
        ("算力 OR", "OR"),
        ("算力 NOT", "NOT"),
        ("a AND OR b", "AND"),
    ] {
        let err = parse_query(dangling).unwrap_err().to_string();
        assert!(err.contains("needs a clause"), "{dangling}: {err}");
        assert!(
            err.contains(&format!("quote it: \"{word}\"")),
            "{dangling}: {err}"
        );
    }
    // Quoted, the operators are words.
    assert!(matches!(
        &parse_query("\"AND\"").unwrap()[0].kind,
        ClauseKind::Phrase { text, .. } if text == "AND"
    ));
    let clauses = parse_query("算* title:gpt* * a*b").unwrap();
    assert_eq!(clauses[0].kind, ClauseKind::Prefix("算".into()));
    assert_eq!(clauses[1].field, Some(QueryField::Title));
    assert_eq!(clauses[1].kind, ClauseKind::Prefix("gpt".into()));
    assert_eq!(clauses[2].kind, ClauseKind::All);
    assert_eq!(clauses[3].kind, ClauseKind::Words("a*b".into()));
}

#[test]
fn unknown_fields_are_errors_that_list_the_fields() {
    let err = parse_query("算力 foo:bar").unwrap_err();
    assert_eq!(err.position, 3);
    assert!(err.message.contains("unknown field `foo:`"), "{err}");
    assert!(err.message.contains("author:"), "{err}");
}

#[test]
fn groups_and_or() {
    let clauses = parse_query("+(算力 OR 电力) 规模 -(广告 推广)").unwrap();
    assert_eq!(clauses.len(), 3);
    assert_eq!(clauses[0].occur, Occur::Must);
    assert_eq!(
        clauses[0].kind,
        ClauseKind::Group(vec![
            words(Occur::Should, None, "算力"),
            words(Occur::Should, None, "电力")
        ])
    );
    assert_eq!(clauses[2].occur, Occur::MustNot);
    // Parentheses inside a word outside a group are text.
    let clauses = parse_query("保利发展(14450 OR 算力").unwrap();
    assert_eq!(
        clauses,
        vec![Clause {
            occur: Occur::Should,
            field: None,
            kind: ClauseKind::Group(vec![
                words(Occur::Should, None, "保利发展(14450"),
                words(Occur::Should, None, "算力")
            ]),
        }]
    );
    let nested = parse_query("(a (b c))").unwrap();
    assert!(matches!(&nested[0].kind, ClauseKind::Group(inner) if inner.len() == 2));
}

#[test]
fn unbalanced_parentheses_are_errors() {
    let err = parse_query("(a OR").unwrap_err();
    assert_eq!(
        err.to_string(),
        "unclosed parenthesis: `(` without `)` (at character 1)"
    );
    let deep = format!("{}a{}", "(".repeat(40), ")".repeat(40));
    assert!(parse_query(&deep)
        .unwrap_err()
        .message
        .contains("nested deeper"));
    // A stray `)` outside any group is text.
    assert_eq!(
        parse_query("a)").unwrap(),
        vec![words(Occur::Should, None, "a)")]
    );
}

#[test]
fn date_ranges_and_periods() {
    let clauses = parse_query("算力 date:[2022-01-01 TO *] -date:2022-03").unwrap();
    assert_eq!(
        clauses[1].kind,
        ClauseKind::DateRange {
            from: Some("2022-01-01".into()),
            to: None
        }
    );
    assert_eq!(clauses[2].occur, Occur::MustNot);
    assert_eq!(
        clauses[2].kind,
        ClauseKind::DateRange {
            from: Some("2022-03".into()),
            to: Some("2022-03".into())
        }
    );
    assert!(parse_query("date:[2022")
        .unwrap_err()
        .message
        .contains("unclosed date range"));
    assert!(parse_query("date:[2022 2023]")
        .unwrap_err()
        .message
        .contains("[FROM TO UNTIL]"));
}

#[test]
fn malformed_queries_say_what_and_where() {
    let err = parse_query("算力 \"东数西算").unwrap_err();
    assert_eq!(err.to_string(), "unclosed quote (at character 4)");
    let err = parse_query("title:").unwrap_err();
    assert!(err.message.contains("`title:` needs a value"), "{err}");
    let err = parse_query("\"a b\"~x").unwrap_err();
    assert!(err.message.contains("number of moves"), "{err}");
}

proptest! {
    #[test]
    fn never_panics(query in "\\PC{0,80}") {
        let _ = parse_query(&query);
    }
}

#[test]
fn chinese_quotation_marks_quote_a_whole_clause_only() {
    assert_eq!(
        parse_query("“京津冀暴雨”").unwrap(),
        [phrase(None, "京津冀暴雨", 0)]
    );
    assert_eq!(
        parse_query("＂东数西算＂").unwrap(),
        [phrase(None, "东数西算", 0)]
    );
    assert_eq!(
        parse_query("“算力 规模”~2 电力").unwrap(),
        [
            phrase(None, "算力 规模", 2),
            words(Occur::Should, None, "电力")
        ]
    );
    // Quoted inside a sentence, or never closed: text, as pasted.
    for text in ["台风“杜苏芮”登陆", "“双碳”目标", "“未完"] {
        assert_eq!(
            parse_query(text).unwrap(),
            [words(Occur::Should, None, text)],
            "{text}"
        );
    }
}

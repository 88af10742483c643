//! The matching's unit cases: what a query's parts become for the index at hand.

use super::*;

fn fields() -> Vec<FieldWeight> {
    ["title", "body"]
        .into_iter()
        .map(|field| FieldWeight {
            field: field.into(),
            weight: 1.0,
        })
        .collect()
}

#[test]
fn letters_and_a_character_are_one_sub_word_or_else_also_a_phrase() {
    let post = "---\ntitle: 视频\n---\n这段视频在B站上很火。\n";
    let (_dir, mut searcher) = super::super::searcher_over(&[("a.md", post)]);
    let clauses = crate::query::parse_query("B站").unwrap();
    let required = |searcher: &ArticleSearcher| {
        let matching = searcher.keyword_matching(&clauses, &fields()).unwrap();
        assert_eq!(matching.required.len(), 1);
        matching.required[0].node.clone()
    };
    assert_eq!(required(&searcher), held_word("b站", &fields()));
    // An index made before holds no such sub-word: the pair is also read as a phrase.
    searcher.index.meta.letters_with_characters = false;
    let Node::Group(alternatives) = required(&searcher) else {
        panic!("a group of the phrase and the sub-word");
    };
    assert!(matches!(alternatives[0].1, Node::Phrase { .. }));
    assert_eq!(alternatives[1].1, held_word("b站", &fields()));
}

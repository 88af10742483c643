//! The matching strategy a keyword query ends with: the parts an article must hold, those
//! dropped because no article held them all (the least informative first), the tiers of
//! exactness, and the report of it the outputs show.
//!
//! Invariants: dropping never removes the last part; a part no article holds is dropped
//! before any other.

use crate::query::Occur;

use super::plan::{FieldWeight, Node};

/// One part of a keyword query that a matching article holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// The part as typed (for messages).
    pub label: String,
    /// What a document must match to hold it.
    pub node: Node,
}

/// How a keyword query's parts must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matching {
    /// The parts every hit holds, in query order.
    pub required: Vec<Unit>,
    /// Parts dropped because no article held them all, in the order dropped.
    pub dropped: Vec<Unit>,
    /// Exactness tiers, best first: hits matching every node of a tier rank before the
    /// others (the whole query as typed, then each unspaced part as typed); a hit ranks by
    /// the levels of the tiers it is in ([`tier_levels`]).
    pub exact: Vec<Vec<Node>>,
    /// Words the query's spaced words make written together (`chatgpt` of `Chat GPT`): they
    /// rank and are marked as the query's own words are.
    pub joined: Vec<String>,
}

/// The levels a hit in `tier` gains: two for a tier of phrases with the query's own
/// spacing ([`as_typed`]), one for the others. The tiers are
/// nested but for one pair: an article writing each part as typed (华为Mate … 60) and one
/// writing the whole query with a space beside a Chinese word (华为 Mate 60) are each in two
/// tiers; at two levels, the first ranks first.
pub fn tier_levels(tier: &[Node]) -> usize {
    let typed = |node: &Node| matches!(node, Node::Phrase { as_typed: true, .. });
    match tier.iter().any(typed) {
        true => 2,
        false => 1,
    }
}

impl Matching {
    /// The levels of all the exactness tiers: a hit in none is at this level, one in every
    /// tier at 0.
    pub fn exact_levels(&self) -> usize {
        self.exact.iter().map(|tier| tier_levels(tier)).sum()
    }
}

impl Matching {
    /// Drops a required unit: one that no article holds (it can never match), else the
    /// one in most articles (`frequency` counts them), the last of equals. `false` when one
    /// is left: a query of which no article holds even one part matches nothing (`P2P` is
    /// never a `P` here and a `2` there).
    pub fn drop_least_informative(&mut self, frequency: impl Fn(&Node) -> u64) -> bool {
        if self.required.len() <= 1 {
            return false;
        }
        let frequencies: Vec<u64> = self.required.iter().map(|u| frequency(&u.node)).collect();
        let most = match frequencies.iter().position(|&f| f == 0) {
            Some(held_by_none) => held_by_none,
            None => {
                let highest = frequencies.iter().copied().max().unwrap_or(0);
                frequencies.iter().rposition(|&f| f == highest).unwrap_or(0)
            }
        };
        self.dropped.push(self.required.remove(most));
        // What held the query as typed held every part: no tier can match now.
        self.exact.clear();
        true
    }
}

/// Which strategy a search applied, for the output (`matching` in a JSON summary).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MatchingReport {
    /// `all` (every part required), or `any` (a question: ranked by any word).
    pub strategy: &'static str,
    /// The parts required, as typed.
    pub required: Vec<String>,
    /// The parts dropped because no article held them all.
    pub dropped: Vec<String>,
    /// The words of a long query left out (only the
    /// [`super::limits::MAX_QUERY_WORDS`] most distinctive are searched).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
    /// Words of the index that hold a word of the query inside them (`杜苏芮` for `苏芮`),
    /// searched too because the query as typed found few articles
    /// ([`super::inside`]): what the reader may have meant.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
    /// Filter values no article has (`no article has the categories "新闻"; the closest:
    /// …`): the filter keeps them as typed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_values: Vec<String>,
    /// Why the query was read as plain text: more than [`super::limits::MAX_QUERY_PARTS`]
    /// phrases, prefixes, groups and `+`/`-` parts, or pasted text the query language
    /// cannot read (`unclosed quote (at character 812)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_as_text: Option<String>,
}

impl MatchingReport {
    /// For people, when words inside words were searched: `did you mean: 杜苏芮, 杜苏芮台风?
    /// (words holding a word of the query; searched too)`.
    pub fn suggestion_note(&self) -> Option<String> {
        if self.suggestions.is_empty() {
            return None;
        }
        Some(format!(
            "did you mean: {}? (words of the archive holding a word of the query; searched too)",
            self.suggestions.join(", ")
        ))
    }

    /// For people, when parts were dropped: `no article holds every one of 逃犯, 条例, 修订;
    /// showing those holding 逃犯 (without 条例, 修订)`.
    pub fn relaxed_note(&self) -> Option<String> {
        if self.dropped.is_empty() {
            return None;
        }
        let every: Vec<&str> = self
            .required
            .iter()
            .chain(&self.dropped)
            .map(String::as_str)
            .collect();
        Some(format!(
            "no article holds every one of {}; showing those holding {} (without {})",
            every.join(", "),
            self.required.join(", "),
            self.dropped.join(", ")
        ))
    }

    /// For people, when a long query's words were left out: `the query has 812 distinct
    /// words; searched by the 32 most distinctive (780 left out: 中国, 人民, …)`.
    pub fn ignored_note(&self) -> Option<String> {
        if self.ignored.is_empty() {
            return None;
        }
        let limit = super::limits::MAX_QUERY_WORDS;
        let shown: Vec<&str> = self.ignored.iter().take(8).map(String::as_str).collect();
        let more = if self.ignored.len() > shown.len() {
            ", …"
        } else {
            ""
        };
        Some(format!(
            "the query has more than {limit} distinct words; searched by the {limit} most \
             distinctive ({} left out: {}{more})",
            self.ignored.len(),
            shown.join(", ")
        ))
    }

    /// For people, when a query was read as plain text: `read as plain text (its quotation
    /// marks, signs and brackets as text): the query has 220 phrases, …, more than 64`.
    pub fn read_as_text_note(&self) -> Option<String> {
        let reason = self.read_as_text.as_ref()?;
        Some(format!(
            "read as plain text (its quotation marks, signs and brackets as text): {reason}"
        ))
    }

    /// The report of a plan's matching (`None`: any word).
    pub fn of(matching: Option<&Matching>) -> MatchingReport {
        match matching {
            Some(matching) => MatchingReport {
                strategy: "all",
                required: matching.required.iter().map(|u| u.label.clone()).collect(),
                dropped: matching.dropped.iter().map(|u| u.label.clone()).collect(),
                ..MatchingReport::default()
            },
            None => MatchingReport {
                strategy: "any",
                ..MatchingReport::default()
            },
        }
    }
}

/// Ranks and marks the words a keyword query's spaced words make written together
/// ([`Matching::joined`]) as its own words: an article writing `ChatGPT` for `Chat GPT`
/// holds neither word apart, and would otherwise rank by nothing.
pub(super) fn rank_joined_words(plan: &mut super::plan::QueryPlan, fields: &[FieldWeight]) {
    let Some(matching) = &plan.matching else {
        return;
    };
    for word in &matching.joined {
        let node = Node::Word {
            word: word.clone(),
            fields: fields.to_vec(),
            weight: 1.0,
        };
        plan.ranking.push((Occur::Should, node));
        plan.highlight.push(word.clone());
    }
}

/// The phrases of an exactness tier as typed — `荣耀Magic5` not in the text 荣耀 Magic5,
/// which its phrase also matches — or `None` when no phrase of the tier can tell them apart.
pub(super) fn as_typed(tier: &[Node]) -> Option<Vec<Node>> {
    let spans_spaces = |node: &Node| match node {
        Node::Phrase { words, .. } => crate::text::spacing_slop(words) > 0,
        _ => false,
    };
    if !tier.iter().any(spans_spaces) {
        return None;
    }
    let typed = tier.iter().map(|node| match node.clone() {
        Node::Phrase {
            words,
            slop,
            fields,
            ..
        } => Node::Phrase {
            words,
            slop,
            fields,
            as_typed: true,
        },
        other => other,
    });
    Some(typed.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropping_takes_the_most_frequent_part_and_keeps_the_last() {
        let unit = |label: &str| Unit {
            label: label.into(),
            node: Node::AllWords {
                words: vec![label.into()],
                fields: Vec::new(),
            },
        };
        let mut matching = Matching {
            required: vec![unit("逃犯"), unit("条例"), unit("修订")],
            dropped: Vec::new(),
            exact: vec![Vec::new()],
            joined: Vec::new(),
        };
        let frequency = |node: &Node| match node {
            Node::AllWords { words, .. } if words[0] == "条例" => 900,
            Node::AllWords { words, .. } if words[0] == "修订" => 300,
            Node::AllWords { words, .. } if words[0] == "火星" => 0,
            _ => 10,
        };
        // A part no article holds goes first, whatever the others' frequencies.
        let mut with_unheld = matching.clone();
        with_unheld.required.push(unit("火星"));
        assert!(with_unheld.drop_least_informative(frequency));
        assert_eq!(with_unheld.dropped[0].label, "火星");
        assert!(matching.drop_least_informative(frequency));
        assert_eq!(matching.dropped[0].label, "条例");
        assert!(matching.exact.is_empty());
        assert!(matching.drop_least_informative(frequency));
        assert_eq!(matching.dropped[1].label, "修订");
        assert!(!matching.drop_least_informative(frequency));
        assert_eq!(matching.required.len(), 1, "the last part stays");
    }
}

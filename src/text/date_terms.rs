//! Dates written as numbers with their units (`8月8日`, `2023年8月`). The segmenter cuts
//! them into a number and a character each (8 / 月 / 8 / 日): pieces that nearly every news
//! article holds, so a query for a date matched any article with an 8, a 月 and a 日
//! anywhere (32,901 of 82,832 for `8月8日`), and requiring the pieces side by side read
//! their positions in most of the archive. A run of two or more number+unit pairs written
//! together is therefore also indexed whole, as sub-words at the run's position: every span
//! of two to [`MAX_PAIRS`] pairs (2023年8月8日 → 2023年8月, 8月8日, 2023年8月8日), and a query
//! for a date looks up one term ([`is_date_term`]).

use super::{TokenBuffer, SUB_WORD_PREFIX};

/// The units a date's numbers are written with.
const UNITS: [char; 4] = ['年', '月', '日', '号'];

/// The most pairs of a date term (year, month, day).
pub const MAX_PAIRS: usize = 3;

/// The most digits of a date's number (a year).
const MAX_DIGITS: usize = 4;

/// A number and its unit, written together: its text and byte offsets.
struct Pair {
    text: String,
    from: usize,
    to: usize,
    position: usize,
}

/// Whether `text` (normalised: ASCII digits) is a number of a date followed by its unit
/// (`8月`), or, with `unit` false, a number alone.
fn is_pair(text: &str, unit: bool) -> bool {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=MAX_DIGITS).contains(&digits) {
        return false;
    }
    let mut rest = text[digits..].chars();
    match (unit, rest.next(), rest.next()) {
        (true, Some(c), None) => UNITS.contains(&c),
        (false, None, _) => true,
        _ => false,
    }
}

/// Whether a query word (normalised) is a date of two to [`MAX_PAIRS`] pairs, as indexed.
pub fn is_date_term(word: &str) -> bool {
    let mut pairs = 0;
    let mut rest = word;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let Some(unit) = rest[digits..].chars().next() else {
            return false;
        };
        let end = digits + unit.len_utf8();
        if !is_pair(&rest[..end], true) {
            return false;
        }
        pairs += 1;
        rest = &rest[end..];
    }
    (2..=MAX_PAIRS).contains(&pairs)
}

/// Adds the date terms of the words in `buffer` (sub-words skipped) as sub-words.
pub(super) fn push_date_terms(buffer: &mut TokenBuffer) {
    let tokens = buffer.tokens();
    // Most titles hold no number: nothing to gather.
    if !tokens
        .iter()
        .any(|t| t.text.starts_with(|c: char| c.is_ascii_digit()))
    {
        return;
    }
    let words: Vec<&tantivy::tokenizer::Token> = tokens
        .iter()
        .filter(|t| !t.text.starts_with(SUB_WORD_PREFIX))
        .collect();
    let (mut pairs, mut terms) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        // A number and its unit: one word (2023年) or two written together (8 / 月), the
        // unit perhaps the first character of a longer word (8月8日电: 8 / 日电), which
        // then ends the date.
        let unit = words.get(i + 1).filter(|unit| {
            is_pair(&word.text, false)
                && unit.offset_from == word.offset_to
                && unit.text.chars().next().is_some_and(|c| UNITS.contains(&c))
        });
        let (text, to, ends) = if is_pair(&word.text, true) {
            (word.text.clone(), word.offset_to, false)
        } else if let Some(unit) = unit {
            let first = unit.text.chars().next().expect("a unit");
            let ends = unit.text.len() > first.len_utf8();
            // The unit's bytes in the original text (a CJK character: 3).
            let to = if ends {
                unit.offset_from + 3
            } else {
                unit.offset_to
            };
            (format!("{}{first}", word.text), to, ends)
        } else {
            take_runs(&mut pairs, &mut terms);
            i += 1;
            continue;
        };
        if pairs
            .last()
            .is_some_and(|last: &Pair| last.to != word.offset_from)
        {
            take_runs(&mut pairs, &mut terms);
        }
        pairs.push(Pair {
            text,
            from: word.offset_from,
            to,
            position: word.position,
        });
        i += if unit.is_some() { 2 } else { 1 };
        if ends {
            take_runs(&mut pairs, &mut terms);
        }
    }
    take_runs(&mut pairs, &mut terms);
    for term in terms {
        let token = buffer.next_slot();
        token.text.push(SUB_WORD_PREFIX);
        token.text.push_str(&term.text);
        token.offset_from = term.from;
        token.offset_to = term.to;
        token.position = term.position;
    }
}

/// Moves the date terms of a run of pairs written together into `terms`, and clears it.
fn take_runs(pairs: &mut Vec<Pair>, terms: &mut Vec<Pair>) {
    for start in 0..pairs.len() {
        for end in start + 2..=(start + MAX_PAIRS).min(pairs.len()) {
            let span = &pairs[start..end];
            terms.push(Pair {
                text: span.iter().map(|p| p.text.as_str()).collect(),
                from: span[0].from,
                to: span[span.len() - 1].to,
                position: span[0].position,
            });
        }
    }
    pairs.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_is_two_or_three_numbers_with_their_units() {
        assert!(is_date_term("8月8日"));
        assert!(is_date_term("2023年8月"));
        assert!(is_date_term("2023年8月8日"));
        assert!(is_date_term("10月1号"));
        assert!(!is_date_term("8月"), "one pair is its pieces' business");
        assert!(!is_date_term("2023年8月8日9时"), "时 is no unit of a date");
        assert!(!is_date_term("12345年8月"), "five digits are no year");
        assert!(!is_date_term("8月8"));
        assert!(!is_date_term("1年2月3日4年"));
        assert!(!is_date_term("p2p"));
    }

    /// The date terms of `text` as the index has them, with their positions.
    fn date_terms(text: &str) -> Vec<(String, usize)> {
        let mut buffer = TokenBuffer::default();
        let analyzer = crate::text::Analyzer::default();
        analyzer.analyze_into(text, crate::text::Mode::Index, &mut buffer);
        buffer
            .tokens()
            .iter()
            .filter(|t| t.text.starts_with(SUB_WORD_PREFIX))
            .map(|t| (t.text[SUB_WORD_PREFIX.len_utf8()..].to_string(), t.position))
            .filter(|(text, _)| text.chars().any(|c| c.is_ascii_digit()))
            // A number with the first character of the word after it (8日 in 8 / 日电) is a
            // sub-word of another kind (`sub_words::push_glued`).
            .filter(|(text, _)| !is_pair(text, true))
            .collect()
    }

    #[test]
    fn dates_written_together_are_indexed_whole_at_their_position() {
        let terms = date_terms("2023年8月8日，北京暴雨。");
        let texts: Vec<&str> = terms.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, ["2023年8月", "2023年8月8日", "8月8日"]);
        assert_eq!(
            terms[0].1, terms[1].1,
            "stacked at the run's first position"
        );
        assert!(terms[2].1 > terms[0].1);
        // Full-width digits fold; a single pair, a gap or another unit makes no date term.
        assert_eq!(date_terms("８月８日")[0].0, "8月8日");
        assert!(date_terms("8月，8日").is_empty());
        assert!(date_terms("今年8月出口增长").is_empty());
        assert!(date_terms("8点8分").is_empty());
        // The last unit inside the next word (日电 in a dateline) still ends the date.
        let dateline: Vec<String> = date_terms("中新网三明8月8日电")
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(dateline, ["8月8日"]);
        // Up to three pairs: a run of four gives its spans of two and three.
        let long: Vec<String> = date_terms("2023年8月8日9号")
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert!(
            long.contains(&"8月8日9号".to_string()) && !long.iter().any(|t| t == "2023年8月8日9号")
        );
    }
}

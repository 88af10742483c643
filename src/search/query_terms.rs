//! How a keyword query's text becomes the terms its matching requires: tokens written
//! together as one term (`P2P`, `GPT-4`, `双11`, a number and its unit `3000亿`) are one run;
//! lone Chinese characters join the word they were typed against (消费 / 券 → 消费券).
//!
//! Invariants: runs partition the tokens in order; a run is never empty.

use tantivy::tokenizer::Token;

use crate::query::is_spaced_model_number;
use crate::text::{is_function_word, Mode};

/// Whether two tokens of one text were written together as one term: letters or digits
/// glued to letters or digits (`GPT-4` apart, `iPhone-15`), a word ending in letters and a
/// number typed after it with a space (`iPhone 15`, [`is_spaced_model_number`]), a number
/// glued to one Chinese character (`双11`, `95后`), or a short run of letters glued to one
/// (`B站`, `C罗`, `QQ群`, `村BA`: the index holds each pair as a sub-word, wherever the
/// segmenter cut the character). Letters beside a longer word (`AI大模型`) are not, nor are
/// two Chinese words (京津冀暴雨: each word on its own). Lone Chinese characters are joined
/// after ([`join_lone_characters`]).
pub(super) fn glued(text: &str, left: &Token, right: &Token) -> bool {
    let Some(between) = text.get(left.offset_to..right.offset_from) else {
        return false;
    };
    let (a, b) = (left.text.as_str(), right.text.as_str());
    if !between.is_empty() && between.chars().all(char::is_whitespace) {
        let word_start = text[..left.offset_from]
            .rfind(char::is_whitespace)
            .map_or(0, |at| at + 1);
        let word_end = text[right.offset_to..]
            .find(char::is_whitespace)
            .map_or(text.len(), |at| right.offset_to + at);
        return is_spaced_model_number(
            &text[word_start..left.offset_to],
            &text[right.offset_from..word_end],
        );
    }
    if !between.chars().all(|c| matches!(c, '-' | '.' | '_' | '－')) || between.len() > 3 {
        return false;
    }
    let alnum = |word: &str| word.chars().any(|c| c.is_ascii_alphanumeric());
    let digits = crate::text::is_number;
    let single = |word: &str| word.chars().count() == 1 && !alnum(word);
    (alnum(a) && alnum(b))
        || (between.is_empty() && (digits(a) && single(b) || single(a) && digits(b)))
        || (between.is_empty() && (letters_beside(a, b) || letters_beside(b, a)))
}

/// Whether `letters` is a short run of letters and `character` one Chinese character held
/// with it ([`crate::text::holds_letters`]).
fn letters_beside(letters: &str, character: &str) -> bool {
    let mut chars = character.chars();
    crate::text::is_short_letter_run(letters)
        && chars.next().is_some_and(crate::text::holds_letters)
        && chars.next().is_none()
}

/// Whether a run of tokens is a short run of letters and one Chinese character written
/// against it (`b` `站`, `村` `ba`): the pair as one sub-word of the index.
pub(super) fn is_letters_and_character(run: &[Token]) -> bool {
    match run {
        [a, b] => letters_beside(&a.text, &b.text) || letters_beside(&b.text, &a.text),
        _ => false,
    }
}

/// Whether a run of tokens is a number and its unit, one Chinese character (3000亿, 95后).
pub(super) fn is_number_and_unit(run: &[Token]) -> bool {
    let [number, unit] = run else {
        return false;
    };
    let mut chars = unit.text.chars();
    crate::text::is_number(&number.text)
        && chars.next().is_some_and(crate::text::is_cjk_ideograph)
        && chars.next().is_none()
}

/// Whether a run of tokens is all Chinese characters.
pub(super) fn is_chinese(run: &[Token]) -> bool {
    run.iter()
        .all(|t| t.text.chars().all(crate::text::is_cjk_ideograph))
}

/// Whether tokens are a Chinese word that is not a function word (可 joins 持续, not 与).
fn is_chinese_word(run: &[Token]) -> bool {
    is_chinese(run) && !(run.len() == 1 && is_function_word(&run[0].text))
}

/// Joins the lone Chinese characters (one character, not a function word) the segmenter
/// left of a word typed whole: side by side they are a word of their own (个 / 税 → 个税);
/// one alone belongs to the Chinese word it was typed against, before it or else after it
/// (消费 / 券 → 消费券, 专项 / 债, 比亚迪 / 汉: 券 on its own would also be 券商).
fn join_lone_characters(
    tokens: &[Token],
    runs: Vec<std::ops::Range<usize>>,
) -> Vec<std::ops::Range<usize>> {
    let lone = |run: &std::ops::Range<usize>| {
        run.len() == 1
            && tokens[run.start].text.chars().count() == 1
            && is_chinese(&tokens[run.clone()])
            && !is_function_word(&tokens[run.start].text)
    };
    // Written with nothing between.
    let touching = |left: &std::ops::Range<usize>, right: &std::ops::Range<usize>| {
        tokens[left.end - 1].offset_to == tokens[right.start].offset_from
    };
    // Lone characters side by side as one run.
    let mut grouped: Vec<(std::ops::Range<usize>, bool)> = Vec::new();
    for run in runs {
        let is_lone = lone(&run);
        match grouped.last_mut() {
            Some((last, true)) if is_lone && touching(last, &run) => last.end = run.end,
            _ => grouped.push((run, is_lone)),
        }
    }
    // One lone character joins the Chinese word it touches.
    let mut joined: Vec<std::ops::Range<usize>> = Vec::new();
    let mut i = 0;
    while i < grouped.len() {
        let (run, is_lone) = grouped[i].clone();
        let one = is_lone && run.len() == 1;
        let chinese_word = |r: &std::ops::Range<usize>| is_chinese_word(&tokens[r.clone()]);
        match joined.last_mut() {
            Some(last) if one && chinese_word(last) && touching(last, &run) => {
                last.end = run.end;
            }
            _ if one
                && grouped
                    .get(i + 1)
                    .is_some_and(|(next, _)| chinese_word(next) && touching(&run, next)) =>
            {
                joined.push(run.start..grouped[i + 1].0.end);
                i += 1;
            }
            _ => joined.push(run),
        }
        i += 1;
    }
    joined
}

/// A query's words as a keyword query requires them: each run of tokens written together
/// as one term joined as typed (`P2P`, `GPT-4`, `消费券`, lowercased), the other words as
/// the analyzer makes them (`京津冀`, `暴雨`).
pub fn query_words(analyzer: &crate::text::Analyzer, text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    analyzer.analyze(text, Mode::Query, &mut tokens);
    glued_runs(text, &tokens)
        .into_iter()
        .map(|run| {
            let run = &tokens[run];
            let typed = &text[run[0].offset_from..run[run.len() - 1].offset_to];
            match run {
                [one] => one.text.clone(),
                // Typed with a space (`Mate 60`): one term, as the index holds it.
                _ if typed.contains(char::is_whitespace) => {
                    run.iter().map(|t| t.text.as_str()).collect()
                }
                _ => crate::text::normalize_term(typed).unwrap_or_else(|| typed.to_string()),
            }
        })
        .collect()
}

/// Whether the tokens `i - 1` and `i` are letters and a character whose character touches
/// a Chinese word on its other side: it is a piece of that word (`AI大模型` cut ai / 大 /
/// 模型 is ai and 大模型), joined to it after ([`join_lone_characters`]).
fn joins_a_chinese_word(tokens: &[Token], i: usize) -> bool {
    if !is_letters_and_character(&tokens[i - 1..=i]) {
        return false;
    }
    let word = |t: &Token| is_chinese_word(std::slice::from_ref(t));
    let touching = |left: &Token, right: &Token| left.offset_to == right.offset_from;
    if is_chinese(&tokens[i..=i]) {
        tokens
            .get(i + 1)
            .is_some_and(|next| word(next) && touching(&tokens[i], next))
    } else {
        i >= 2 && word(&tokens[i - 2]) && touching(&tokens[i - 2], &tokens[i - 1])
    }
}

/// The tokens of `text` in runs written together as one term (most runs are one word).
pub(super) fn glued_runs(text: &str, tokens: &[Token]) -> Vec<std::ops::Range<usize>> {
    let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
    for i in 0..tokens.len() {
        match runs.last_mut() {
            Some(run)
                if glued(text, &tokens[i - 1], &tokens[i]) && !joins_a_chinese_word(tokens, i) =>
            {
                run.end = i + 1
            }
            _ => runs.push(i..i + 1),
        }
    }
    join_lone_characters(tokens, runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(text: &str, from: usize, to: usize) -> Token {
        Token {
            text: text.into(),
            offset_from: from,
            offset_to: to,
            ..Token::default()
        }
    }

    #[test]
    fn letters_and_digits_written_together_are_one_term() {
        let p2p = "P2P";
        let tokens = [token("p", 0, 1), token("2", 1, 2), token("p", 2, 3)];
        let runs = glued_runs(p2p, &tokens);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0], 0..3);
        let gpt = "GPT-4 发布";
        let tokens = [token("gpt", 0, 3), token("4", 4, 5), token("发布", 6, 12)];
        assert_eq!(glued_runs(gpt, &tokens), [0..2, 2..3]);
        // 双11 and 95后: digits glued to one character.
        let double = "双11";
        let runs = glued_runs(double, &[token("双", 0, 3), token("11", 3, 5)]);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0], 0..2);
        // A two-character word beside digits is a word of its own (小米 14).
        let phone = "小米14";
        assert_eq!(
            glued_runs(phone, &[token("小米", 0, 6), token("14", 6, 8)]),
            [0..1, 1..2]
        );
        // Chinese words glued together stay separate words (each required on its own).
        let rain = "京津冀暴雨";
        assert_eq!(
            glued_runs(rain, &[token("京津冀", 0, 9), token("暴雨", 9, 15)]),
            [0..1, 1..2]
        );
    }

    #[test]
    fn lone_characters_join_the_word_they_were_typed_against() {
        let analyzer = crate::text::Analyzer::default();
        let words = |text: &str| query_words(&analyzer, text).join(" ");
        // 消费券 is cut 消费 / 券: one word to its reader.
        assert_eq!(words("消费券"), "消费券");
        // Lone characters side by side are a word of their own.
        assert_eq!(words("个税专项附加扣除"), "个税 专项 附加 扣除");
        // Words stay words; function words never join.
        assert_eq!(words("京津冀暴雨"), "京津冀 暴雨");
        assert_eq!(words("中国的经济"), "中国 的 经济");
        assert_eq!(words("与可持续发展"), "与 可持续 发展");
        // Spaces keep characters apart; letters and digits keep their own rule.
        assert_eq!(words("消费 券"), "消费 券");
        assert_eq!(words("P2P 双11"), "p2p 双11");
        // A short run of letters and one character written against it are one term; a
        // longer word beside letters, a function word, a space are not.
        assert_eq!(words("B站 村BA"), "b站 村ba");
        assert_eq!(words("AI大模型 的AI B 站"), "ai 大模型 的 ai b 站");
        // A number typed after a word ending in letters is one term with it.
        assert_eq!(words("iPhone 15 Mate 60"), "iphone15 mate60");
        assert_eq!(words("GDP 2023"), "gdp 2023");
    }

    #[test]
    fn a_number_and_one_character_is_a_number_and_its_unit() {
        let run = |a: &str, b: &str| [token(a, 0, a.len()), token(b, a.len(), a.len() + b.len())];
        assert!(is_number_and_unit(&run("3000", "亿")));
        assert!(is_number_and_unit(&run("95", "后")));
        assert!(is_number_and_unit(&run("3.5", "亿")));
        assert!(!is_number_and_unit(&run("双", "11")));
        assert!(!is_number_and_unit(&run("3000", "亿元")));
        assert!(!is_number_and_unit(&run("gpt", "4")));
    }
}

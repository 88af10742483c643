//! The sub-words of the index: what a query word matches inside a longer word, at a lower
//! weight than a whole word, each stacked at the position of a word holding it: the
//! dictionary's (jieba's `cut_for_search`: 大会堂 in 人民大会堂), the [pieces](push_pieces)
//! of a Chinese word (安卓 in 安卓端, 苏芮 in 杜苏芮), what the segmenter cut across
//! ([`push_glued`]: 猴痘 in 例猴 / 痘, 3000亿 in 3000 / 亿元) and a short run of letters with
//! the character written against it ([`push_letters_beside_characters`]: b站 in B / 站上).

use super::normalize::{is_cjk_ideograph, is_indexable, is_number, normalize_into, FoldedText};
use super::{TokenBuffer, SUB_WORD_PREFIX};

/// Which of jieba's `cut_for_search` tokens are sub-words: it emits the dictionary
/// sub-words of a word just before the word itself. Walking backwards, a token inside the
/// span of the last whole word seen is one of its sub-words; whole words partition the text.
pub(super) fn sub_word_marks(words: &[jieba_rs::Token<'_>]) -> Vec<bool> {
    let mut is_sub_word = vec![false; words.len()];
    let mut word_span = (usize::MAX, usize::MAX);
    for (i, word) in words.iter().enumerate().rev() {
        let span = (word.byte_start, word.byte_end);
        if span.0 >= word_span.0 && span.1 <= word_span.1 && span != word_span {
            is_sub_word[i] = true;
        } else {
            word_span = span;
        }
    }
    is_sub_word
}

/// The sub-words of the word at `position`, marked, at its position; each once: the
/// dictionary's, then the [pieces](push_pieces) of a Chinese word.
pub(super) fn push_sub_words(
    buffer: &mut TokenBuffer,
    (sub_words, word, pieces): (&[jieba_rs::Token<'_>], &jieba_rs::Token<'_>, bool),
    folded: &FoldedText<'_>,
    position: usize,
) {
    let first_of_word = buffer.len;
    for sub_word in sub_words {
        if !is_indexable(sub_word.word) {
            continue;
        }
        push_sub_word(buffer, sub_word.word, sub_word.byte_start, folded, position);
        // A word like 哈哈哈哈 holds the same sub-word several times: keep one.
        if buffer.is_repeat(first_of_word) {
            buffer.len -= 1;
        }
    }
    if pieces {
        push_pieces(buffer, word, folded, position, first_of_word);
    }
}

/// The Chinese words whose pieces are sub-words: three characters to this many.
const LONGEST_IN_PIECES: usize = 8;

/// Every two characters of a Chinese word of three to eight, as sub-words (those the
/// dictionary gave already once): a word the segmenter left whole is found by a query
/// for a piece of it — 安卓 in 安卓端, 梅西 in 女梅西, 苏芮 in 杜苏芮 — where the dictionary
/// knows no sub-word. Pieces of three as well measured the same for more index and ingest
/// time (docs/relevance.md, "Pieces of words").
fn push_pieces(
    buffer: &mut TokenBuffer,
    word: &jieba_rs::Token<'_>,
    folded: &FoldedText<'_>,
    position: usize,
    first_of_word: usize,
) {
    // Where each character starts, and the word's end.
    let mut bounds = [0usize; LONGEST_IN_PIECES + 1];
    let mut chars = 0;
    for (at, c) in word.word.char_indices() {
        if chars == LONGEST_IN_PIECES || !is_cjk_ideograph(c) {
            return;
        }
        bounds[chars] = at;
        chars += 1;
    }
    if chars < 3 {
        return;
    }
    bounds[chars] = word.word.len();
    for start in 0..chars - 1 {
        let (from, to) = (bounds[start], bounds[start + 2]);
        let piece = &word.word[from..to];
        push_sub_word(buffer, piece, word.byte_start + from, folded, position);
        if buffer.is_repeat(first_of_word) {
            buffer.len -= 1;
        }
    }
}

/// What may begin in one word and end in the next: the second character of a word jieba's
/// HMM made up (two Chinese characters the dictionary does not hold) — it often glues the
/// first character of a word to the one before it: 例猴 / 痘 in 491例猴痘, 有特 / 大暴雨 in
/// 局地有特大暴雨, 好科 / 创板 in 其中大部分是好科创板公司 — or a number, whose unit the
/// dictionary reads into the next word: 3000 / 亿元, 600 / 亿美元, 1000 / 万吨.
pub(super) fn glue_of(word: &jieba_rs::Token<'_>, jieba: &jieba_rs::Jieba) -> Option<Glue> {
    if word.word.len() <= MAX_NUMBER_CHARS && is_number(word.word) {
        return Some(Glue::Number {
            from: word.byte_start,
        });
    }
    // Two CJK ideographs are six bytes in UTF-8: the length test skips most words cheaply.
    if word.word.len() != 6 {
        return None;
    }
    let mut chars = word.word.char_indices();
    let (Some((_, first)), Some((second_at, second))) = (chars.next(), chars.next()) else {
        return None;
    };
    if !is_cjk_ideograph(first) || !is_cjk_ideograph(second) || jieba.has_word(word.word) {
        return None;
    }
    Some(Glue::Tail {
        from: word.byte_start + second_at,
    })
}

/// Numbers of at most this many characters (digits and a decimal point) are read with
/// their unit.
const MAX_NUMBER_CHARS: usize = 13;

/// Where what [`glue_of`] found starts in the text.
#[derive(Clone, Copy, Debug)]
pub(super) enum Glue {
    /// The second character of a made-up word.
    Tail { from: usize },
    /// A number.
    Number { from: usize },
}

/// What a [`Glue`] and the Chinese `word` right after it hold as written, as one sub-word at
/// the word's position: a made-up word's second character with the whole word (猴痘,
/// 特大暴雨, 科创板), a number with the word's first character, its unit (3000亿, 1000万) —
/// where the word is longer than its unit (3000 / 亿 is matched as the words it is). The
/// text holds them although the segmenter cut across them, and a query for one matches it
/// as it matches a word inside a longer one.
pub(super) fn push_glued(
    buffer: &mut TokenBuffer,
    (text, glue, ends_at, word): (&str, Glue, usize, &jieba_rs::Token<'_>),
    folded: &FoldedText<'_>,
    position: usize,
) {
    let Some(first) = word.word.chars().next() else {
        return;
    };
    if word.byte_start != ends_at || !is_cjk_ideograph(first) {
        return;
    }
    let (from, to) = match glue {
        Glue::Tail { from } => (from, word.byte_end),
        Glue::Number { .. } if word.word.len() == first.len_utf8() => return,
        Glue::Number { from } => (from, word.byte_start + first.len_utf8()),
    };
    push_sub_word(buffer, &text[from..to], from, folded, position);
}

/// The Chinese word before a word jieba's HMM made up and the made-up word's first
/// character, as one sub-word at the made-up word's position: that character often ends the
/// word before it (核污染水将排海 is 核污染 / 水将 / 排海, and holds 核污染水), as its second
/// begins the word after ([`push_glued`]). Not after a function word (的水 says nothing).
pub(super) fn push_word_and_first_character(
    buffer: &mut TokenBuffer,
    (text, before, word): (&str, &jieba_rs::Token<'_>, &jieba_rs::Token<'_>),
    folded: &FoldedText<'_>,
    position: usize,
) {
    let Some(first) = word.word.chars().next() else {
        return;
    };
    if before.byte_end != word.byte_start
        || !before.word.chars().all(is_cjk_ideograph)
        || super::is_function_word(before.word)
    {
        return;
    }
    let to = word.byte_start + first.len_utf8();
    push_sub_word(
        buffer,
        &text[before.byte_start..to],
        before.byte_start,
        folded,
        position,
    );
}

/// Runs of at most this many letters are held with the Chinese character beside them.
pub const MAX_LETTERS_BESIDE_CHARACTER: usize = 3;

/// Whether `word` is a short run of ASCII letters ([`MAX_LETTERS_BESIDE_CHARACTER`]): the
/// `B` of B站, the `QQ` of QQ群, the `BA` of 村BA.
pub fn is_short_letter_run(word: &str) -> bool {
    (1..=MAX_LETTERS_BESIDE_CHARACTER).contains(&word.len())
        && word.bytes().all(|b| b.is_ascii_alphabetic())
}

/// Whether `c` is a Chinese character a short run of letters is held with (one that is no
/// function word: 的 of 的AI says nothing).
pub fn holds_letters(c: char) -> bool {
    is_cjk_ideograph(c) && !super::is_function_word(c.encode_utf8(&mut [0; 4]))
}

/// A short run of letters `word` and the Chinese character written against it on either
/// side, each pair one sub-word at the word's position (b站, qq群, 村ba): the segmenter
/// cuts the character into the next word in one sentence and leaves it alone in another
/// (QQ / 群等, QQ / 群), and a query for the pair matches every article writing it as one
/// term look-up.
pub(super) fn push_letters_beside_characters(
    buffer: &mut TokenBuffer,
    (text, word): (&str, &jieba_rs::Token<'_>),
    folded: &FoldedText<'_>,
    position: usize,
) {
    if !is_short_letter_run(word.word) {
        return;
    }
    if let Some(before) = text[..word.byte_start].chars().next_back() {
        if holds_letters(before) {
            let from = word.byte_start - before.len_utf8();
            push_sub_word(buffer, &text[from..word.byte_end], from, folded, position);
        }
    }
    if let Some(after) = text[word.byte_end..].chars().next() {
        if holds_letters(after) {
            let to = word.byte_end + after.len_utf8();
            let pair = &text[word.byte_start..to];
            push_sub_word(buffer, pair, word.byte_start, folded, position);
        }
    }
}

/// One sub-word token: `text` (at byte `start` of the segmented text), marked.
fn push_sub_word(
    buffer: &mut TokenBuffer,
    text: &str,
    start: usize,
    folded: &FoldedText<'_>,
    position: usize,
) {
    let token = buffer.next_slot();
    token.text.push(SUB_WORD_PREFIX);
    normalize_into(text, &mut token.text);
    token.offset_from = folded.original(start);
    token.offset_to = folded.original(start + text.len());
    token.position = position;
}

#[cfg(test)]
mod tests {
    use crate::text::{sub_word_term, Analyzer, Mode};

    fn sub_words(text: &str, mode: Mode) -> Vec<String> {
        let mut tokens = Vec::new();
        Analyzer::default().analyze(text, mode, &mut tokens);
        let marked: Vec<String> = tokens
            .into_iter()
            .filter(|t| t.text.starts_with(super::SUB_WORD_PREFIX))
            .map(|t| t.text)
            .collect();
        marked
    }

    #[test]
    fn a_made_up_word_s_first_character_is_held_with_the_word_before_it() {
        // 水将 is made up: 水 ends 核污染水.
        let found = sub_words("核污染水将排海", Mode::Index);
        assert!(found.contains(&sub_word_term("核污染水")), "{found:?}");
        // Not after a function word, and not where the word before is in the dictionary
        // with the next (核污染 / 水 / 排放: no word made up).
        for (text, not) in [("他的例猴痘病例", "的例"), ("核污染水排放", "核污染水")]
        {
            let found = sub_words(text, Mode::Index);
            assert!(!found.contains(&sub_word_term(not)), "{text}: {found:?}");
        }
    }

    #[test]
    fn a_short_run_of_letters_is_held_with_the_character_on_either_side() {
        let found = sub_words("加入QQ群等社群，在B站上看乡村BA", Mode::Index);
        for pair in ["qq群", "b站", "村ba"] {
            assert!(found.contains(&sub_word_term(pair)), "{pair} in {found:?}");
        }
        // Not a function word, not a longer run, not digits, not in a query's analysis.
        for text in ["的AI", "ChatGPT的", "5G手机"] {
            let found = sub_words(text, Mode::Index);
            assert!(!found.iter().any(|t| t.is_ascii()), "{text}: {found:?}");
            assert!(found.is_empty(), "{text}: {found:?}");
        }
        assert!(sub_words("B站", Mode::Query).is_empty());
    }

    #[test]
    fn a_chinese_word_of_three_to_eight_has_its_two_character_pieces_once() {
        let found = sub_words("安卓端也更新了", Mode::Index);
        assert_eq!(found, [sub_word_term("安卓"), sub_word_term("卓端")]);
        // The two-character pieces of a longer word beside its dictionary sub-words, each
        // once.
        let found = sub_words("人民大会堂", Mode::Index);
        assert!(!found.contains(&sub_word_term("人民大")), "{found:?}");
        for piece in ["人民", "民大", "大会", "会堂", "大会堂"] {
            let count = found.iter().filter(|t| **t == sub_word_term(piece)).count();
            assert_eq!(count, 1, "{piece} in {found:?}");
        }
        assert!(!found.contains(&sub_word_term("人民大会堂")));
    }

    #[test]
    fn no_pieces_for_queries_two_character_words_letters_or_across_words() {
        assert!(sub_words("安卓端也更新了", Mode::Query).is_empty());
        assert!(sub_words("暴雨", Mode::Index).is_empty());
        // Pieces never run from one word into the next (中华人民共和国 | 国务院).
        let two = sub_words("中华人民共和国国务院", Mode::Index);
        assert!(two.contains(&sub_word_term("共和")), "{two:?}");
        assert!(!two.contains(&sub_word_term("国国")), "{two:?}");
        let mixed = sub_words("iPhone15", Mode::Index);
        assert!(mixed.is_empty(), "{mixed:?}");
    }

    /// What begins in one word and ends in the next is read whole: a character jieba's HMM
    /// glued to the word before (491例猴痘 is 491 / 例猴 / 痘; 局地有特大暴雨 is 局地 / 有特 /
    /// 大暴雨), a number whose unit the dictionary read into the next word (突破3000亿元 is
    /// 3000 / 亿元) — only after a word the dictionary does not hold (金融 / 创新: no 融创),
    /// only where the next word follows at once, and never for a query.
    #[test]
    fn what_the_segmenter_cut_across_is_read_whole() {
        for (text, term, indexed) in [
            ("491例猴痘", "猴痘", true),
            ("局地有特大暴雨", "特大暴雨", true),
            ("突破3000亿元", "3000亿", true),
            ("超过600亿美元", "600亿", true),
            ("营收3.5亿元", "3.5亿", true),
            ("金融创新", "融创", false),
            ("491例猴，痘", "猴痘", false),
            ("突破3000亿。", "3000亿", false),
            ("3000 亿元", "3000亿", false),
        ] {
            let found = sub_words(text, Mode::Index);
            assert_eq!(
                found.contains(&sub_word_term(term)),
                indexed,
                "{text}: {found:?}"
            );
        }
        assert!(sub_words("491例猴痘", Mode::Query).is_empty());
    }
}

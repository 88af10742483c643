//! Chinese text analysis: the one analyzer used to index and to search.
//!
//! Segmentation is jieba-rs, on text whose traditional characters are read as simplified
//! ones; terms are width-folded and lowercased; tokens with no letter or digit are dropped. The invariants every caller relies on:
//! - token offsets are byte offsets into exactly the text that was given, on char
//!   boundaries;
//! - *positions* count whole words: the exact-mode segmentation numbers its words
//!   0, 1, 2, … (Chinese punctuation between two words leaves one number out, so a phrase
//!   does not run across it: [`is_breaking_punctuation`]; when indexing, so does a space
//!   beside a Chinese word: [`spacing_slop`]) and, when indexing, each dictionary sub-word of a longer word (大会堂 in
//!   人民大会堂) is stacked at the position of the word that holds it. A phrase query built
//!   from exact-mode words matches the same words in a document with no slop;
//! - sub-words are indexed apart from the words, behind [`SUB_WORD_PREFIX`], so a query
//!   can match them at a lower weight than whole words ([`sub_word_term`]). Mixed with the
//!   words they lowered nDCG@10 on the judged dev set from 0.751 to 0.743 (see
//!   docs/relevance.md); apart, recall is kept at no cost. In the index they go to a field
//!   of their own ([`SubWordTokenizer`]): without positions (no phrase uses them), and
//!   without lengthening the word field (BM25 lengths count words).

mod date_terms;
mod function_words;
mod normalize;
mod sub_words;
mod tokenizers;

use std::sync::{Arc, LazyLock};

use jieba_rs::Jieba;
use tantivy::tokenizer::Token;

pub use date_terms::is_date_term;
pub use function_words::is_function_word;
pub use normalize::{
    fold_for_segmentation, half_width, is_cjk_ideograph, is_invisible, is_letter_or_digit,
    is_number, normalize_term, to_simplified, FoldedText,
};
use normalize::{is_indexable, normalize_into};
use sub_words::{
    glue_of, push_glued, push_letters_beside_characters, push_sub_words,
    push_word_and_first_character, sub_word_marks, Glue,
};
pub use sub_words::{holds_letters, is_short_letter_run};
pub use tokenizers::{sub_word_fallbacks, ChineseTokenStream, ChineseTokenizer, SubWordTokenizer};

/// The name under which the analyzer is registered with tantivy and named in
/// `index-schema.json`.
pub const CHINESE_ANALYZER: &str = "chinese";

/// The name of the tokenizer of the sub-word fields ([`SubWordTokenizer`]).
pub const SUB_WORD_ANALYZER: &str = "chinese_sub_words";

/// A dictionary loaded on first use: loading jieba's takes about 0.1 s, which a re-ingest
/// of unchanged files never needs to pay.
type LazyJieba = LazyLock<Jieba, Box<dyn FnOnce() -> Jieba + Send>>;

static DEFAULT_JIEBA: LazyLock<Arc<LazyJieba>> =
    LazyLock::new(|| Arc::new(LazyLock::new(Box::new(Jieba::new))));

/// The prefix of sub-word terms: a control character no normalised word contains.
pub const SUB_WORD_PREFIX: char = '\u{3}';

/// The term under which a word is indexed when it occurs as a sub-word of a longer word.
///
/// ```
/// assert_eq!(sousuo::text::sub_word_term("大会堂"), "\u{3}大会堂");
/// ```
pub fn sub_word_term(word: &str) -> String {
    let mut term = String::with_capacity(word.len() + 1);
    term.push(SUB_WORD_PREFIX);
    term.push_str(word);
    term
}

/// How a text is segmented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Exact-mode words plus their dictionary sub-words as [`sub_word_term`]s, stacked
    /// (for indexing).
    Index,
    /// Exact-mode words only (for queries and phrases).
    Query,
}

/// jieba segmentation plus normalisation. Cheap to clone: the dictionary is shared.
#[derive(Clone)]
pub struct Analyzer {
    jieba: Arc<LazyJieba>,
    hmm: bool,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer").field("hmm", &self.hmm).finish()
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer {
            jieba: Arc::clone(&DEFAULT_JIEBA),
            hmm: true,
        }
    }
}

impl Analyzer {
    /// The default dictionary plus the words of a user dictionary in jieba's format:
    /// `word [freq] [tag]` per line (`#` starts a comment line). A word without a frequency
    /// gets the one that makes jieba keep it whole.
    ///
    /// ```
    /// use sousuo::text::Analyzer;
    /// let analyzer = Analyzer::with_user_words("东数西算 100 n\n").unwrap();
    /// assert_eq!(analyzer.words("启动东数西算工程"), ["启动", "东数西算", "工程"]);
    /// ```
    pub fn with_user_words(dictionary: &str) -> Result<Analyzer, String> {
        let mut jieba = Jieba::new();
        for (number, line) in dictionary.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let word = parts.next().expect("a non-empty line has a first word");
            let freq = match parts.next() {
                Some(freq) => Some(freq.parse::<usize>().map_err(|_| {
                    format!(
                        "line {}: frequency {freq:?} is not a whole number",
                        number + 1
                    )
                })?),
                None => None,
            };
            jieba.add_word(word, freq, parts.next());
        }
        Ok(Analyzer {
            jieba: Arc::new(LazyLock::new(Box::new(move || jieba))),
            hmm: true,
        })
    }

    /// Segments and normalises `text`, appending the tokens to `out`.
    ///
    /// ```
    /// use sousuo::text::{Analyzer, Mode};
    /// let mut tokens = Vec::new();
    /// Analyzer::default().analyze("人民大会堂", Mode::Index, &mut tokens);
    /// let terms: Vec<(&str, usize)> = tokens.iter().map(|t| (t.text.as_str(), t.position)).collect();
    /// assert!(terms.contains(&("人民大会堂", 0)));
    /// assert!(terms.contains(&("\u{3}大会堂", 0)));
    /// ```
    pub fn analyze(&self, text: &str, mode: Mode, out: &mut Vec<Token>) {
        let mut buffer = TokenBuffer::default();
        self.analyze_into(text, mode, &mut buffer);
        out.extend_from_slice(buffer.tokens());
    }

    /// Like [`Analyzer::analyze`], into a buffer whose token strings are reused from one
    /// text to the next: no allocation per token once the buffer has grown.
    pub fn analyze_into(&self, text: &str, mode: Mode, buffer: &mut TokenBuffer) {
        buffer.clear();
        let folded = fold_for_segmentation(text);
        // Same byte layout as `folded.text`, so offsets map back through `folded`.
        let simplified = to_simplified(&folded.text);
        let words = match mode {
            Mode::Index => self.jieba.cut_for_search(&simplified, self.hmm),
            Mode::Query => self.jieba.cut(&simplified, self.hmm),
        };
        let is_sub_word = sub_word_marks(&words);
        let mut next_position = 0;
        let mut first_sub_word = None;
        let mut gap = false;
        let mut glue = None;
        // The end of the last word indexed, and whether it is Chinese.
        let mut last: Option<(usize, bool)> = None;
        // The last word indexed.
        let mut before: Option<&jieba_rs::Token<'_>> = None;
        for (i, word) in words.iter().enumerate() {
            if is_sub_word[i] {
                first_sub_word.get_or_insert(i);
                continue;
            }
            let sub_words = first_sub_word.take().map_or(i..i, |first| first..i);
            if !is_indexable(word.word) {
                gap |= is_breaking_punctuation(word.word);
                continue;
            }
            let chinese = word.word.chars().any(is_cjk_ideograph);
            if let Some((end, last_chinese)) = last {
                let between = simplified.get(end..word.byte_start).unwrap_or_default();
                gap |= mode == Mode::Index
                    && (chinese || last_chinese)
                    && between.contains(char::is_whitespace);
            }
            last = Some((word.byte_end, chinese));
            let previous = before.replace(word);
            if std::mem::take(&mut gap) && next_position > 0 {
                next_position += 1;
            }
            let position = next_position;
            next_position += 1;
            let pieces = mode == Mode::Index;
            push_sub_words(buffer, (&words[sub_words], word, pieces), &folded, position);
            if pieces {
                if let Some((glue, ends_at)) = glue {
                    push_glued(
                        buffer,
                        (&simplified, glue, ends_at, word),
                        &folded,
                        position,
                    );
                }
                glue = glue_of(word, &self.jieba).map(|glue| (glue, word.byte_end));
                if let (Some((Glue::Tail { .. }, _)), Some(previous)) = (glue, previous) {
                    push_word_and_first_character(
                        buffer,
                        (&simplified, previous, word),
                        &folded,
                        position,
                    );
                }
                push_letters_beside_characters(buffer, (&simplified, word), &folded, position);
            }
            // Letters and digits glued together (CVPR2022, GPT4, MU5735) are words of their
            // own, one position each, as they are when written apart (CVPR 2022, GPT-4).
            for (i, (start, end)) in letter_digit_runs(word.word).enumerate() {
                if i > 0 {
                    next_position += 1;
                }
                let token = buffer.next_slot();
                normalize_into(&word.word[start..end], &mut token.text);
                token.offset_from = folded.original(word.byte_start + start);
                token.offset_to = folded.original(word.byte_start + end);
                token.position = position + i;
            }
        }
        if mode == Mode::Index {
            date_terms::push_date_terms(buffer);
        }
    }

    /// The words of `text` as a word field indexes them, and the dictionary sub-words as
    /// its sub-word field does (without their marker): what the index holds.
    ///
    /// ```
    /// let (words, sub_words) = sousuo::text::Analyzer::default().indexed_terms("人民大会堂");
    /// assert_eq!(words, ["人民大会堂"]);
    /// assert!(sub_words.contains(&"大会堂".to_string()));
    /// ```
    pub fn indexed_terms(&self, text: &str) -> (Vec<String>, Vec<String>) {
        let mut words = TokenBuffer::default();
        self.analyze_into(text, Mode::Index, &mut words);
        let mut sub_words = TokenBuffer::default();
        words.split_sub_words(&mut sub_words);
        let words = words.tokens().iter().map(|t| t.text.clone()).collect();
        let sub_words = sub_words
            .tokens()
            .iter()
            .map(|t| t.text.trim_start_matches(SUB_WORD_PREFIX).to_string())
            .collect();
        (words, sub_words)
    }

    /// The normalised exact-mode words of `text`.
    pub fn words(&self, text: &str) -> Vec<String> {
        let mut buffer = TokenBuffer::default();
        self.analyze_into(text, Mode::Query, &mut buffer);
        buffer.tokens().iter().map(|t| t.text.clone()).collect()
    }

    /// Loads the dictionary now rather than on first use (for timing-sensitive callers).
    pub fn load_dictionary(&self) {
        LazyLock::force(&self.jieba);
        // Builds the table of traditional characters.
        to_simplified("臺");
    }
}

/// The tokens of one text. Clearing keeps the tokens' strings, so analysing text after
/// text allocates only while the buffer grows.
#[derive(Clone, Debug, Default)]
pub struct TokenBuffer {
    slots: Vec<Token>,
    len: usize,
}

impl TokenBuffer {
    /// The tokens of the last text analysed.
    pub fn tokens(&self) -> &[Token] {
        &self.slots[..self.len]
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    /// A cleared token at the end of the buffer.
    fn next_slot(&mut self) -> &mut Token {
        if self.len == self.slots.len() {
            self.slots.push(Token::default());
        }
        let token = &mut self.slots[self.len];
        self.len += 1;
        token.text.clear();
        token.position_length = 1;
        token
    }

    /// Moves the sub-word tokens into `sub_words` (cleared first), keeping the words here,
    /// in order. Tokens are swapped, not copied: no allocation once both buffers have grown.
    fn split_sub_words(&mut self, sub_words: &mut TokenBuffer) {
        sub_words.clear();
        let mut kept = 0;
        for i in 0..self.len {
            if self.slots[i].text.starts_with(SUB_WORD_PREFIX) {
                let slot = sub_words.next_slot();
                std::mem::swap(slot, &mut self.slots[i]);
            } else {
                self.slots.swap(kept, i);
                kept += 1;
            }
        }
        self.len = kept;
    }

    /// Whether the last token repeats the text of one from `since` on.
    fn is_repeat(&self, since: usize) -> bool {
        let last = &self.slots[self.len - 1];
        self.slots[since..self.len - 1]
            .iter()
            .any(|t| t.text == last.text)
    }
}

/// Punctuation that leaves a position empty between the words around it, so that a phrase
/// (and the exactness of a query as typed) does not run across it: 台风“杜苏芮” is not the
/// text 台风杜苏芮, nor is “双碳”目标 双碳目标. Chinese punctuation only (outside ASCII once
/// widths are folded): spaces, hyphens and dots between letters and digits join the
/// written variants of one term (GPT-4, GPT 4, GPT4).
fn is_breaking_punctuation(token: &str) -> bool {
    token.chars().any(|c| !c.is_ascii() && !c.is_whitespace())
}

/// The slop a phrase of query words (`(position, word)`, positions from a query's
/// analysis, which leaves no position empty for spaces) needs to match a text that writes
/// it with spaces where Chinese meets letters or digits: one per such pair of neighbours.
/// The index leaves a position empty where a space stands beside a Chinese word, so that
/// a text written as typed (荣耀Magic5, M3芯片) can be told from one spaced as many sites
/// space it (荣耀 Magic5, M3 芯片) and ranked first; a phrase spans that space, a phrase
/// as typed does not. Between two Chinese words a space stays a break (长征 五号 is not
/// the text 长征五号); between letters and digits it is no gap at all (GPT 4, iPhone 15).
pub fn spacing_slop(words: &[(usize, String)]) -> u32 {
    let chinese = |word: &str| word.chars().any(is_cjk_ideograph);
    words
        .windows(2)
        .filter(|pair| pair[1].0 == pair[0].0 + 1 && chinese(&pair[0].1) != chinese(&pair[1].1))
        .count() as u32
}

/// The byte ranges of `word`'s runs of ASCII letters and of digits (`3.5` one number) when
/// it mixes both, with nothing else but `-` or `_` between them (`cvpr2022` → `cvpr`,
/// `2022`; `gpt-3.5` → `gpt`, `3.5`); otherwise the whole word.
fn letter_digit_runs(word: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = word.as_bytes();
    let mixed = bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && bytes.iter().any(u8::is_ascii_digit)
        && bytes.iter().any(u8::is_ascii_alphabetic);
    let mut start = 0;
    std::iter::from_fn(move || {
        if !mixed {
            let whole = (start == 0 && !bytes.is_empty()).then_some((0, bytes.len()));
            start = bytes.len();
            return whole;
        }
        // Skip separators (and a dot that is not inside a number).
        while start < bytes.len() && !bytes[start].is_ascii_alphanumeric() {
            start += 1;
        }
        if start >= bytes.len() {
            return None;
        }
        let digits = bytes[start].is_ascii_digit();
        let mut end = start + 1;
        while end < bytes.len() {
            let b = bytes[end];
            let decimal_point =
                digits && b == b'.' && bytes.get(end + 1).is_some_and(u8::is_ascii_digit);
            let same = if digits {
                b.is_ascii_digit()
            } else {
                b.is_ascii_alphabetic()
            };
            if !(same || decimal_point) {
                break;
            }
            end += 1;
        }
        let run = (start, end);
        start = end;
        Some(run)
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn analyze(text: &str, mode: Mode) -> Vec<Token> {
        let mut tokens = Vec::new();
        Analyzer::default().analyze(text, mode, &mut tokens);
        tokens
    }

    /// Checks (term, from, to, position) of every token, in order.
    fn assert_tokens(text: &str, mode: Mode, expected: &[(&str, usize, usize, usize)]) {
        let actual: Vec<(String, usize, usize, usize)> = analyze(text, mode)
            .into_iter()
            .map(|t| (t.text, t.offset_from, t.offset_to, t.position))
            .collect();
        let expected: Vec<(String, usize, usize, usize)> = expected
            .iter()
            .map(|&(w, f, t, p)| (w.to_string(), f, t, p))
            .collect();
        assert_eq!(actual, expected, "tokens of {text:?}");
    }

    #[test]
    fn letters_and_digits_glued_together_are_words_of_their_own() {
        assert_tokens(
            "CVPR2022在",
            Mode::Query,
            &[("cvpr", 0, 4, 0), ("2022", 4, 8, 1), ("在", 8, 11, 2)],
        );
        let words = |text: &str| -> Vec<String> {
            analyze(text, Mode::Query)
                .into_iter()
                .map(|t| t.text)
                .collect()
        };
        assert_eq!(words("CVPR2022"), words("CVPR 2022"));
        assert_eq!(words("GPT4"), words("GPT-4"));
        assert_eq!(words("ＭＵ５７３５航班"), ["mu", "5735", "航班"]);
        // Only letters, or only digits, or other characters: one word as before.
        assert_eq!(words("ChatGPT"), ["chatgpt"]);
        assert_eq!(words("2023"), ["2023"]);
        assert_eq!(words("GPT-3.5"), ["gpt", "3.5"]);
        assert_eq!(words("COVID-19"), words("covid19"));
    }

    #[test]
    fn chinese_words_are_numbered_in_order() {
        assert_tokens(
            "算力规模排名全球第二",
            Mode::Query,
            &[
                ("算力", 0, 6, 0),
                ("规模", 6, 12, 1),
                ("排名", 12, 18, 2),
                ("全球", 18, 24, 3),
                ("第二", 24, 30, 4),
            ],
        );
    }

    #[test]
    fn chinese_punctuation_leaves_a_position_empty_spaces_and_hyphens_do_not() {
        let positions = |text: &str| -> Vec<(String, usize)> {
            analyze(text, Mode::Query)
                .into_iter()
                .map(|t| (t.text, t.position))
                .collect()
        };
        let expect = |pairs: &[(&str, usize)]| -> Vec<(String, usize)> {
            pairs.iter().map(|&(w, p)| (w.to_string(), p)).collect()
        };
        assert_eq!(
            positions("台风“杜苏芮”登陆"),
            expect(&[("台风", 0), ("杜苏芮", 2), ("登陆", 4)])
        );
        assert_eq!(
            positions("台风杜苏芮登陆"),
            expect(&[("台风", 0), ("杜苏芮", 1), ("登陆", 2)])
        );
        assert_eq!(
            positions("“GPT-4”发布"),
            expect(&[("gpt", 0), ("4", 1), ("发布", 3)])
        );
        assert_eq!(
            positions("AI 大模型"),
            positions("AI大模型"),
            "a query leaves no position empty for a space"
        );
    }

    #[test]
    fn the_index_leaves_a_position_empty_for_a_space_beside_a_chinese_word() {
        let positions = |text: &str| -> Vec<(String, usize)> {
            analyze(text, Mode::Index)
                .into_iter()
                .filter(|t| !t.text.starts_with(SUB_WORD_PREFIX))
                .map(|t| (t.text, t.position))
                .collect()
        };
        let glued = positions("荣耀Magic5发布");
        let spaced = positions("荣耀 Magic5 发布");
        assert_eq!(
            glued.iter().map(|(_, p)| *p).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
        assert_eq!(
            spaced.iter().map(|(_, p)| *p).collect::<Vec<_>>(),
            [0, 2, 3, 5]
        );
        let rocket = positions("长征 五号");
        assert_eq!(rocket[1].1, rocket[0].1 + 2, "{rocket:?}");
        assert_eq!(
            positions("GPT 4"),
            positions("GPT4"),
            "letters and digits join"
        );
        let words = |pairs: &[(usize, &str)]| -> Vec<(usize, String)> {
            pairs.iter().map(|&(p, w)| (p, w.to_string())).collect()
        };
        assert_eq!(
            spacing_slop(&words(&[(0, "荣耀"), (1, "magic"), (2, "5")])),
            1
        );
        assert_eq!(spacing_slop(&words(&[(0, "m"), (1, "3"), (2, "芯片")])), 1);
        assert_eq!(spacing_slop(&words(&[(0, "长征"), (1, "五号")])), 0);
        assert_eq!(spacing_slop(&words(&[(0, "台风"), (2, "gpt")])), 0);
    }

    #[test]
    fn sub_words_are_stacked_on_their_word() {
        let tokens = analyze("在人民大会堂举行", Mode::Index);
        let word = tokens.iter().find(|t| t.text == "人民大会堂").unwrap();
        for sub in ["人民", "大会", "大会堂"] {
            assert!(
                !tokens.iter().any(|t| t.text == sub),
                "{sub} is not a word here"
            );
            let token = tokens
                .iter()
                .find(|t| t.text == sub_word_term(sub))
                .unwrap();
            assert_eq!(token.position, word.position, "{sub}");
            assert_eq!(&"在人民大会堂举行"[token.offset_from..token.offset_to], sub);
        }
        let after = tokens.iter().find(|t| t.text == "举行").unwrap();
        assert_eq!(after.position, word.position + 1);
    }

    #[test]
    fn mixed_script_keeps_english_words_and_numbers_whole() {
        let terms: Vec<String> = analyze("超过150 EFlops的5G与iPhone", Mode::Query)
            .into_iter()
            .map(|t| t.text)
            .collect();
        for expected in ["150", "eflops", "5", "g", "iphone"] {
            assert!(
                terms.contains(&expected.to_string()),
                "{expected} in {terms:?}"
            );
        }
    }

    #[test]
    fn full_width_is_folded_with_offsets_into_the_original() {
        let text = "ＡＢＣ１２３算力";
        assert_tokens(
            text,
            Mode::Query,
            &[("abc", 0, 9, 0), ("123", 9, 18, 1), ("算力", 18, 24, 2)],
        );
    }

    #[test]
    fn punctuation_whitespace_and_emoji_are_dropped_leaving_one_position_between_words() {
        assert_tokens(
            "算力，😀 规模！",
            Mode::Query,
            &[("算力", 0, 6, 0), ("规模", 14, 20, 2)],
        );
        assert_tokens("！算力", Mode::Query, &[("算力", 3, 9, 0)]);
        assert_tokens("", Mode::Index, &[]);
        assert_tokens(" \n\t", Mode::Index, &[]);
    }

    #[test]
    fn traditional_characters_give_simplified_terms_at_their_own_offsets() {
        let text = "臺灣與內地的經濟發展";
        let tokens = analyze(text, Mode::Query);
        let terms: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
        assert!(
            terms.contains(&"台湾") && terms.contains(&"经济"),
            "{terms:?}"
        );
        let taiwan = tokens.iter().find(|t| t.text == "台湾").unwrap();
        assert_eq!(&text[taiwan.offset_from..taiwan.offset_to], "臺灣");
    }

    proptest! {
        #[test]
        fn any_text_gives_char_boundary_offsets_and_ordered_positions(text in "\\PC{0,60}") {
            for mode in [Mode::Index, Mode::Query] {
                let tokens = analyze(&text, mode);
                let mut last_position = 0;
                let mut last_word_end = 0;
                for token in &tokens {
                    prop_assert!(text.is_char_boundary(token.offset_from));
                    prop_assert!(text.is_char_boundary(token.offset_to));
                    prop_assert!(token.offset_from < token.offset_to);
                    prop_assert!(token.position >= last_position);
                    prop_assert!(token.offset_to >= last_word_end || mode == Mode::Index);
                    last_position = token.position;
                    last_word_end = token.offset_to;
                }
            }
        }

        #[test]
        fn mixed_width_text_never_panics(text in "[ａ-ｚＡ-Ｚ０-９\u{3000}中文a-z ]{0,40}") {
            let tokens = analyze(&text, Mode::Index);
            for token in &tokens {
                prop_assert!(text.get(token.offset_from..token.offset_to).is_some());
            }
        }
    }
}

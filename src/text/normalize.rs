//! Character normalisation shared by indexing and querying.
//!
//! Two kinds of folding happen, at two moments:
//! - *before segmentation* ([`fold_for_segmentation`]): full-width letters and digits
//!   (`ＡＢＣ１２３`) become ASCII, so that jieba sees `ABC123` as one alphanumeric word, and
//!   invisible characters (zero-width spaces, soft hyphens, controls) are dropped, so that
//!   they do not cut a word. This changes byte lengths, so the folded text carries a map
//!   back to the original byte offsets. Full-width
//!   punctuation (`，！`), in nearly every Chinese text, is left alone here: jieba splits on
//!   it either way, and leaving it spares a copy of the text.
//! - *after segmentation* ([`normalize_term`]): every full-width form folded and the text
//!   lowercased. Offsets are never touched by it.

use std::borrow::Cow;
use std::sync::LazyLock;

/// Text prepared for segmentation, with a way back to the original byte offsets.
#[derive(Debug)]
pub struct FoldedText<'a> {
    /// The text to segment.
    pub text: Cow<'a, str>,
    /// For a folded text: `original_offset[i]` is the byte offset in the original text of
    /// the folded text's byte `i` (for every char boundary `i`, and `i == text.len()`).
    /// Empty when the text needed no folding, offsets are then the same.
    original_offset: Vec<u32>,
}

impl FoldedText<'_> {
    /// Maps a byte offset of the folded text (a char boundary) to the original text.
    pub fn original(&self, folded_offset: usize) -> usize {
        if self.original_offset.is_empty() {
            folded_offset
        } else {
            self.original_offset[folded_offset] as usize
        }
    }
}

/// Traditional and variant characters as their simplified forms (臺灣 → 台湾, 與 → 与),
/// char by char, so that either script finds the other. Every byte offset of the text
/// stays valid: each converted character has the same UTF-8 length as the original (a text
/// where that would not hold is returned unconverted).
///
/// ```
/// assert_eq!(sousuo::text::to_simplified("臺灣與內地"), "台湾与内地");
/// ```
pub fn to_simplified(text: &str) -> Cow<'_, str> {
    // Most texts hold no traditional character: find out with a bit test per char before
    // paying for the conversion (which looks up and copies every char).
    if text.is_ascii() || !text.chars().any(is_traditional) {
        return Cow::Borrowed(text);
    }
    let converted = fast2s::convert(text);
    if converted == text || converted.len() != text.len() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(converted)
    }
}

/// Whether `c` has a simplified form: a bit per char of the Basic Multilingual Plane, made
/// once from the conversion table itself.
fn is_traditional(c: char) -> bool {
    static TRADITIONAL: LazyLock<Vec<u64>> = LazyLock::new(|| {
        let mut bits = vec![0u64; 0x10000 / 64];
        let mut buffer = [0u8; 4];
        for code in 0x0800u32..0x10000 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            let single: &str = c.encode_utf8(&mut buffer);
            if fast2s::convert(single) != single {
                bits[code as usize / 64] |= 1 << (code % 64);
            }
        }
        bits
    });
    let code = c as usize;
    code < 0x10000 && TRADITIONAL[code / 64] & (1 << (code % 64)) != 0
}

/// Maps a full-width letter or digit to ASCII (what segmentation needs to see).
fn half_width_alphanumeric(c: char) -> Option<char> {
    match c {
        '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
            char::from_u32(c as u32 - 0xFEE0)
        }
        _ => None,
    }
}

/// Maps one char to its half-width form, if it has one that differs.
pub fn half_width(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        '\u{3000}' => Some(' '),
        _ => None,
    }
}

/// Whether `c` is dropped before segmentation: a character that shows nothing and means
/// nothing to a reader — zero-width spaces and joiners, the soft hyphen, byte-order and
/// direction marks, control characters other than whitespace. Pages carry them inside words
/// and numbers (估值在60\u{200B}0亿, 科\u{200B}创板), where they would cut the word in two.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
    ) || (c.is_control() && !c.is_whitespace())
}

/// Whether `text` holds a char that [`fold_for_segmentation`] changes, by its UTF-8 bytes
/// (several times faster than decoding chars, and most texts hold none): full-width letters
/// and digits (`EF BC 90..99`, `EF BC A1..BA`, `EF BD 81..9A`), invisible characters
/// ([`is_invisible`]: `C2 80..9F` but not `C2 85`, `C2 AD`, `E2 80 8B..8F`, `E2 80 AA..AE`,
/// `E2 81 A0..A4`, `E2 81 A6..AF`, `EF BB BF`, and the ASCII controls).
fn needs_folding(text: &str) -> bool {
    let bytes = text.as_bytes();
    // No early exit: the loop is vectorised, and nearly every text is read to its end.
    let control = bytes.iter().fold(false, |found, &b| {
        found | ((b < 0x20 && !(0x09..=0x0D).contains(&b)) || b == 0x7F)
    });
    control
        || memchr::memchr3_iter(0xC2, 0xE2, 0xEF, bytes).any(|at| {
            matches!(
                bytes[at..],
                [0xC2, 0x80..=0x84 | 0x86..=0x9F | 0xAD, ..]
                    | [0xE2, 0x80, 0x8B..=0x8F | 0xAA..=0xAE, ..]
                    | [0xE2, 0x81, 0xA0..=0xA4 | 0xA6..=0xAF, ..]
                    | [0xEF, 0xBC, 0x90..=0x99 | 0xA1..=0xBA, ..]
                    | [0xEF, 0xBD, 0x81..=0x9A, ..]
                    | [0xEF, 0xBB, 0xBF, ..]
            )
        })
}

/// Prepares text for segmentation: full-width letters and digits become ASCII, invisible
/// characters ([`is_invisible`]) are dropped.
///
/// ```
/// let folded = sousuo::text::fold_for_segmentation("ＡＢＣ１２３ 中文！");
/// assert_eq!(folded.text, "ABC123 中文！");
/// assert_eq!(folded.original(3), 9);
/// let folded = sousuo::text::fold_for_segmentation("科\u{200B}创板");
/// assert_eq!(folded.text, "科创板");
/// assert_eq!(folded.original(3), 6);
/// ```
pub fn fold_for_segmentation(text: &str) -> FoldedText<'_> {
    if !needs_folding(text) {
        return FoldedText {
            text: Cow::Borrowed(text),
            original_offset: Vec::new(),
        };
    }
    // Offsets are stored as u32; the article size limit keeps texts far below 4 GiB.
    debug_assert!(text.len() < u32::MAX as usize);
    let mut folded = String::with_capacity(text.len());
    let mut original_offset = Vec::with_capacity(text.len() + 1);
    for (offset, c) in text.char_indices() {
        // A dropped char's bytes map nowhere: the next kept char's offset starts after them.
        if is_invisible(c) {
            continue;
        }
        let out = half_width_alphanumeric(c).unwrap_or(c);
        folded.push(out);
        original_offset.resize(folded.len(), offset as u32);
    }
    original_offset.push(text.len() as u32);
    FoldedText {
        text: Cow::Owned(folded),
        original_offset,
    }
}

/// Normalises one segmented word into the term that is indexed and searched: width-folded
/// and lowercased. Returns `None` for a word with no letter or digit (punctuation, spaces,
/// symbols, emoji), which is not indexed.
///
/// ```
/// assert_eq!(sousuo::text::normalize_term("iPhone").as_deref(), Some("iphone"));
/// assert_eq!(sousuo::text::normalize_term("，"), None);
/// ```
pub fn normalize_term(word: &str) -> Option<String> {
    if !is_indexable(word) {
        return None;
    }
    let mut term = String::with_capacity(word.len());
    normalize_into(word, &mut term);
    Some(term)
}

/// Whether a word holds a letter or digit, and so is indexed.
pub(crate) fn is_indexable(word: &str) -> bool {
    if word.is_ascii() {
        return word.bytes().any(|b| b.is_ascii_alphanumeric());
    }
    word.chars()
        .any(|c| is_cjk_ideograph(c) || is_letter_or_digit(c))
}

/// Whether `c` is a letter or digit (`char::is_alphanumeric`), with the characters Chinese
/// text is mostly made of — ASCII, the CJK ideographs and the punctuation around them —
/// answered before Unicode's tables (whose look-up was 2% of an ingest's samples).
pub fn is_letter_or_digit(c: char) -> bool {
    match c {
        '\0'..='\u{7F}' => c.is_ascii_alphanumeric(),
        '\u{4E00}'..='\u{9FFF}' => true,
        // General punctuation (“ ” — …), CJK punctuation (、。《》【】, but not 々 or 〇),
        // full-width punctuation (，：；？！（）).
        '\u{2000}'..='\u{206F}'
        | '\u{3000}'..='\u{3004}'
        | '\u{3008}'..='\u{3020}'
        | '\u{FF01}'..='\u{FF0F}'
        | '\u{FF1A}'..='\u{FF20}' => false,
        _ => c.is_alphanumeric(),
    }
}

/// Appends the normalised form of `word` to `term`.
pub(crate) fn normalize_into(word: &str, term: &mut String) {
    // Fast paths for the common cases: pure ASCII, and CJK ideographs (no case to fold).
    if word.is_ascii() {
        let start = term.len();
        term.push_str(word);
        term[start..].make_ascii_lowercase();
        return;
    }
    if word.chars().all(is_cjk_ideograph) {
        term.push_str(word);
        return;
    }
    for c in word.chars() {
        let c = half_width(c).unwrap_or(c);
        if c.is_ascii() {
            term.push(c.to_ascii_lowercase());
        } else {
            term.extend(c.to_lowercase());
        }
    }
}

/// Whether `word` is a number as the segmenter leaves one: ASCII digits, with at most one
/// decimal point between them (3000, 3.5).
pub fn is_number(word: &str) -> bool {
    let (whole, fraction) = word.split_once('.').unwrap_or((word, "0"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction)
}

/// The CJK Unified Ideographs block and extension A: letters without case.
pub fn is_cjk_ideograph(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_and_digits_are_unicode_s_for_every_character() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(
                is_letter_or_digit(c),
                c.is_alphanumeric(),
                "{c:?} U+{:04X}",
                c as u32
            );
        }
        // Used in Chinese dates (二〇二三年) and repetition (人人), so indexed.
        assert!(is_indexable("〇") && is_indexable("々"));
        assert!(!is_indexable("，。、“”"));
    }

    #[test]
    fn unchanged_text_is_borrowed() {
        let folded = fold_for_segmentation("算力 abc");
        assert!(matches!(folded.text, Cow::Borrowed(_)));
        assert_eq!(folded.original(4), 4);
    }

    /// Offsets of the folded text point back to the original's char starts: Ａ中！Ｂ folds
    /// to A(0) 中(1..4) ！(4..7) B(7); 估值60\u{200B}\u{200B}0亿 drops the two zero-width
    /// spaces (original bytes 8..14) and maps 0 and 亿 past them.
    #[test]
    fn folded_offsets_point_back_to_char_starts() {
        for (text, expected, offsets) in [
            (
                "Ａ中！Ｂ",
                "A中！B",
                &[(0, 0), (1, 3), (4, 6), (7, 9), (8, 12)][..],
            ),
            (
                "估值60\u{200B}\u{200B}0亿",
                "估值600亿",
                &[(7, 7), (8, 14), (9, 15), (12, 18)],
            ),
        ] {
            let folded = fold_for_segmentation(text);
            assert_eq!(folded.text, expected);
            for &(at, original) in offsets {
                assert_eq!(folded.original(at), original, "{text:?} at {at}");
            }
        }
    }

    #[test]
    fn what_folding_changes_is_detected_by_bytes() {
        for (text, expected) in [
            ("中文。、「」，！“”—…", false),
            ("abc\n\t\r", false),
            ("ａ", true),
            ("１", true),
            ("～", false),
            ("前\u{3000}后", false),
            ("60\u{200B}0亿", true),
            ("\u{FEFF}标题", true),
            ("科\u{7}创板", true),
        ] {
            assert_eq!(needs_folding(text), expected, "{text:?}");
        }
        // Every character: the byte test says what folding does.
        let mut buffer = [0u8; 4];
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let changed = half_width_alphanumeric(c).is_some() || is_invisible(c);
            assert_eq!(
                needs_folding(c.encode_utf8(&mut buffer)),
                changed,
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn numbers_are_digits_with_at_most_one_decimal_point_between_them() {
        for (word, number) in [
            ("3000", true),
            ("3.5", true),
            ("3.", false),
            (".5", false),
            ("1.2.3", false),
            ("5g", false),
            ("", false),
        ] {
            assert_eq!(is_number(word), number, "{word:?}");
        }
    }

    #[test]
    fn terms_are_lowercased_and_width_folded() {
        assert_eq!(normalize_term("ＡＢＣ１２３").as_deref(), Some("abc123"));
        assert_eq!(normalize_term("EFlops").as_deref(), Some("eflops"));
        assert_eq!(normalize_term("算力").as_deref(), Some("算力"));
        assert_eq!(normalize_term("😀"), None);
        assert_eq!(normalize_term(" "), None);
        assert_eq!(normalize_term("“"), None);
    }
}

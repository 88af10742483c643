//! Character normalisation shared by indexing and querying.
//!
//! Two kinds of folding happen, at two moments:
//! - *before segmentation* ([`fold_width`]): full-width ASCII forms (`ＡＢＣ１２３`) and the
//!   ideographic space become their ASCII forms, so that jieba sees `abc123` as one
//!   alphanumeric word. This changes byte lengths, so the folded text carries a map back to
//!   the original byte offsets.
//! - *after segmentation* ([`normalize_term`]): lowercasing of the token text. Offsets are
//!   never touched by it.

use std::borrow::Cow;

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

/// Maps one char to its half-width form, if it has one that differs.
fn half_width(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        '\u{3000}' => Some(' '),
        _ => None,
    }
}

/// Folds full-width ASCII forms and the ideographic space to ASCII.
///
/// ```
/// let folded = sousuo::text::fold_width("ＡＢＣ１２３ 中文");
/// assert_eq!(folded.text, "ABC123 中文");
/// assert_eq!(folded.original(3), 9);
/// ```
pub fn fold_width(text: &str) -> FoldedText<'_> {
    if !text.chars().any(|c| half_width(c).is_some()) {
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
        let out = half_width(c).unwrap_or(c);
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
    if !word.chars().any(char::is_alphanumeric) {
        return None;
    }
    let mut term = String::with_capacity(word.len());
    for c in word.chars() {
        let c = half_width(c).unwrap_or(c);
        if c.is_ascii() {
            term.push(c.to_ascii_lowercase());
        } else {
            term.extend(c.to_lowercase());
        }
    }
    Some(term)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_text_is_borrowed() {
        let folded = fold_width("算力 abc");
        assert!(matches!(folded.text, Cow::Borrowed(_)));
        assert_eq!(folded.original(4), 4);
    }

    #[test]
    fn folded_offsets_point_back_to_char_starts() {
        let text = "Ａ中\u{3000}Ｂ";
        let folded = fold_width(text);
        assert_eq!(folded.text, "A中 B");
        // A(0) 中(1..4) space(4) B(5) end(6) in the folded text.
        assert_eq!(folded.original(0), 0);
        assert_eq!(folded.original(1), 3);
        assert_eq!(folded.original(4), 6);
        assert_eq!(folded.original(5), 9);
        assert_eq!(folded.original(6), text.len());
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

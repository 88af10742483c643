//! Snippets: the passage of a body that holds the most query terms, with the terms marked.
//!
//! Terms are found in the stored text by matching their normalised forms (ASCII
//! case-insensitive; ASCII words only at word boundaries), so snippets never depend on
//! tantivy's snippet generator or on overlapping sub-word offsets. Work is in byte offsets
//! on char boundaries; highlights are returned as *character* ranges of the snippet, the
//! unit a JSON consumer can use.

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '\n' | '!' | '?' | ';')
}

/// A passage with marked terms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snippet {
    /// The passage, on one line, with `…` where it was cut.
    pub text: String,
    /// Character ranges of `text` that match query terms, in order, not overlapping.
    pub highlights: Vec<Range<usize>>,
}

/// Makes snippets for one query's terms.
pub struct SnippetMaker {
    matcher: Option<AhoCorasick>,
    terms: Vec<String>,
    max_chars: usize,
}

impl SnippetMaker {
    /// A maker for `terms` (normalised, as the analyzer produced them) and passages of at
    /// most `max_chars` characters.
    pub fn new(terms: &[String], max_chars: usize) -> SnippetMaker {
        let mut unique: Vec<String> = Vec::new();
        for term in terms {
            if !term.is_empty() && !unique.contains(term) {
                unique.push(term.clone());
            }
        }
        let matcher = if unique.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .build(&unique)
                .ok()
        };
        SnippetMaker {
            matcher,
            terms: unique,
            max_chars: max_chars.max(10),
        }
    }

    /// The best passage of `body`.
    ///
    /// ```
    /// use sousuo::snippet::SnippetMaker;
    /// let maker = SnippetMaker::new(&["算力".to_string()], 20);
    /// let snippet = maker.make("今年中国算力规模排名全球第二。");
    /// let marked: String = snippet.text.chars().skip(snippet.highlights[0].start).take(2).collect();
    /// assert_eq!(marked, "算力");
    /// ```
    pub fn make(&self, body: &str) -> Snippet {
        self.make_passages(body, 1)
            .into_iter()
            .next()
            .unwrap_or_default()
    }

    /// Up to `count` passages of `body` that do not overlap, the best first: each is the
    /// best window among the matches the passages before it left out. Without any match,
    /// the start of the body.
    pub fn make_passages(&self, body: &str, count: usize) -> Vec<Snippet> {
        let mut matches = self.find(body);
        // Char starts of the body, to count and cut by characters.
        let char_starts: Vec<usize> = body.char_indices().map(|(i, _)| i).collect();
        let total_chars = char_starts.len();
        if matches.is_empty() {
            let window = (0, total_chars.min(self.max_chars));
            return vec![self.passage(body, &[], &char_starts, window)];
        }
        let byte_of =
            |char_index: usize| char_starts.get(char_index).copied().unwrap_or(body.len());
        let mut passages = Vec::new();
        while passages.len() < count.max(1) && !matches.is_empty() {
            let window = self.best_window(body, &matches, &char_starts);
            passages.push(self.passage(body, &matches, &char_starts, window));
            let (start, end) = (byte_of(window.0), byte_of(window.1));
            matches.retain(|&(s, e, _)| e <= start || s >= end);
        }
        passages
    }

    /// Character ranges of `text` where the terms stand (for a title: the whole text).
    ///
    /// ```
    /// use sousuo::snippet::SnippetMaker;
    /// let maker = SnippetMaker::new(&["算力".to_string()], 20);
    /// assert_eq!(maker.mark("中国算力规模"), vec![2..4]);
    /// ```
    pub fn mark(&self, text: &str) -> Vec<Range<usize>> {
        let char_starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        let char_at = |byte: usize| char_starts.partition_point(|&start| start < byte);
        let mut ranges: Vec<Range<usize>> = Vec::new();
        for (start, end, _) in self.find(text) {
            let range = char_at(start)..char_at(end);
            match ranges.last_mut() {
                Some(last) if last.end >= range.start => last.end = last.end.max(range.end),
                _ => ranges.push(range),
            }
        }
        ranges
    }

    /// The passage of `body` in the character window `(start, end)`, with the matches in
    /// it marked.
    fn passage(
        &self,
        body: &str,
        matches: &[(usize, usize, usize)],
        char_starts: &[usize],
        (window_start, window_end): (usize, usize),
    ) -> Snippet {
        let char_at = |byte: usize| char_starts.partition_point(|&start| start < byte);
        let total_chars = char_starts.len();
        let byte_of =
            |char_index: usize| char_starts.get(char_index).copied().unwrap_or(body.len());
        let mut text = String::new();
        let mut offset = 0;
        if window_start > 0 {
            text.push('…');
            offset = 1;
        }
        for c in body[byte_of(window_start)..byte_of(window_end)].chars() {
            text.push(if c == '\n' || c == '\r' || c == '\t' {
                ' '
            } else {
                c
            });
        }
        if window_end < total_chars {
            text.push('…');
        }
        let mut highlights: Vec<Range<usize>> = Vec::new();
        for (start, end, _) in matches {
            let (start, end) = (char_at(*start), char_at(*end));
            if start < window_start || end > window_end {
                continue;
            }
            let range = (start - window_start + offset)..(end - window_start + offset);
            match highlights.last_mut() {
                Some(last) if last.end >= range.start => last.end = last.end.max(range.end),
                _ => highlights.push(range),
            }
        }
        Snippet { text, highlights }
    }

    /// Byte ranges of term matches in `body`, with the index of the term.
    fn find(&self, body: &str) -> Vec<(usize, usize, usize)> {
        let Some(matcher) = &self.matcher else {
            return Vec::new();
        };
        // Terms are simplified; so is the text they are looked for in (same byte layout).
        let simplified = crate::text::to_simplified(body);
        let bytes = body.as_bytes();
        let is_word_byte = |b: u8| b.is_ascii_alphanumeric();
        let mut found = Vec::new();
        for m in matcher.find_iter(simplified.as_ref()) {
            let term = &self.terms[m.pattern().as_usize()];
            if term.bytes().all(|b| b.is_ascii_alphanumeric()) {
                let before = m.start().checked_sub(1).map(|i| bytes[i]);
                let after = bytes.get(m.end()).copied();
                if before.is_some_and(is_word_byte) || after.is_some_and(is_word_byte) {
                    continue;
                }
            }
            found.push((m.start(), m.end(), m.pattern().as_usize()));
            if found.len() >= 2000 {
                break;
            }
        }
        found
    }

    /// The character window with the most distinct terms (then the most matches), starting
    /// a little before its first match, preferably at a line start.
    fn best_window(
        &self,
        body: &str,
        matches: &[(usize, usize, usize)],
        char_starts: &[usize],
    ) -> (usize, usize) {
        let char_at = |byte: usize| char_starts.partition_point(|&start| start < byte);
        let total = char_starts.len();
        let lead = self.max_chars / 6;
        let mut best = (0usize, 0usize, 0usize);
        let mut best_start = 0;
        // The terms a window holds, one bit each.
        let mut seen = vec![0u64; self.terms.len().div_ceil(64)];
        for (i, &(start, _, _)) in matches.iter().enumerate() {
            let first_char = char_at(start);
            let window_end_byte = char_starts
                .get(first_char + self.max_chars - lead)
                .copied()
                .unwrap_or(body.len());
            seen.iter_mut().for_each(|word| *word = 0);
            let (mut distinct, mut count) = (0, 0);
            for &(_, end, term) in &matches[i..] {
                if end > window_end_byte {
                    break;
                }
                let (word, bit) = (term / 64, 1u64 << (term % 64));
                if seen[word] & bit == 0 {
                    seen[word] |= bit;
                    distinct += 1;
                }
                count += 1;
            }
            let score = (distinct, count, usize::MAX - i);
            if score > best {
                best = score;
                best_start = first_char;
            }
        }
        // Start at the beginning of the sentence when it is close, else a few chars before.
        let look_back = self.max_chars / 3;
        let earliest = best_start.saturating_sub(look_back);
        let sentence_start = (earliest..best_start).rev().find(|&c| {
            let byte = char_starts[c];
            body[byte..].chars().next().is_some_and(is_sentence_end)
        });
        let start = match sentence_start {
            Some(end_of_previous) => end_of_previous + 1,
            None if earliest == 0 => 0,
            None => best_start.saturating_sub(lead),
        };
        let end = (start + self.max_chars).min(total);
        let start = end.saturating_sub(self.max_chars).min(start);
        (start, end)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn marked(snippet: &Snippet) -> Vec<String> {
        snippet
            .highlights
            .iter()
            .map(|r| snippet.text.chars().skip(r.start).take(r.len()).collect())
            .collect()
    }

    #[test]
    fn passage_with_most_distinct_terms_wins() {
        let body = format!(
            "{}算力出现一次。\n{}算力规模全球第二。",
            "无关内容。".repeat(30),
            "其他。".repeat(30)
        );
        let maker = SnippetMaker::new(&["算力".into(), "规模".into()], 40);
        let snippet = maker.make(&body);
        assert_eq!(marked(&snippet), ["算力规模"]);
        // Near the end of the body the window fills up with what comes before.
        assert!(snippet.text.starts_with('…'), "{}", snippet.text);
        assert!(
            snippet.text.ends_with("算力规模全球第二。"),
            "{}",
            snippet.text
        );
        assert!(snippet.text.chars().count() <= 42);
    }

    #[test]
    fn passage_starts_at_a_sentence_start_when_close() {
        let body = format!(
            "{}前一句。这里说到算力。{}",
            "很长的开头".repeat(20),
            "后文".repeat(40)
        );
        let maker = SnippetMaker::new(&["算力".into()], 40);
        let snippet = maker.make(&body);
        assert!(
            snippet.text.starts_with("…这里说到算力。"),
            "{}",
            snippet.text
        );
    }

    #[test]
    fn ascii_terms_match_case_insensitively_at_word_boundaries() {
        let maker = SnippetMaker::new(&["5g".into(), "ai".into()], 50);
        let snippet = maker.make("email 不算，5G 与 AI 都算");
        assert_eq!(marked(&snippet), ["5G", "AI"]);
    }

    #[test]
    fn traditional_text_is_highlighted_for_simplified_terms() {
        let maker = SnippetMaker::new(&["台湾".into()], 30);
        let snippet = maker.make("新聞：臺灣的消息");
        assert_eq!(marked(&snippet), ["臺灣"]);
    }

    #[test]
    fn without_matches_the_body_start_is_shown() {
        let maker = SnippetMaker::new(&["无".into()], 10);
        let snippet = maker.make("第一行\n第二行很长很长很长");
        assert_eq!(snippet.text, "第一行 第二行很长很…");
        assert!(snippet.highlights.is_empty());
    }

    #[test]
    fn overlapping_terms_give_one_highlight() {
        let maker = SnippetMaker::new(&["人民大会堂".into(), "大会堂".into()], 30);
        let snippet = maker.make("在人民大会堂举行");
        assert_eq!(marked(&snippet), ["人民大会堂"]);
    }

    proptest! {
        #[test]
        fn highlights_are_inside_the_snippet(body in "\\PC{0,200}", term in "[a-z中文算力]{1,3}") {
            let maker = SnippetMaker::new(&[term], 30);
            let snippet = maker.make(&body);
            let length = snippet.text.chars().count();
            for range in &snippet.highlights {
                prop_assert!(range.start < range.end && range.end <= length);
            }
        }
    }
}

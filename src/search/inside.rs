//! Words inside words and words that sound the same: a fallback for a name typed in part
//! (`苏芮` for 杜苏芮, `兰布` for 兰布卡), with a same-sounding wrong character (`李文量`
//! for 李文亮) or as pinyin (`dusurui`, `du su rui` for 杜苏芮). When a keyword query finds
//! fewer than [`FEW_HITS`] articles, each of its words that few articles hold is searched
//! together with the index's words that contain it or sound like it ([`super::sounds`]) —
//! the most frequent [`MAX_CONTAINING`], found in one walk over the term dictionaries of
//! the text fields — and the results name them as suggestions (`did you mean: 杜苏芮`).
//!
//! Never mixed into an exact query's results: a query that finds [`FEW_HITS`] or more
//! articles as typed is left alone (an English word the archive holds, `Tesla`, keeps its
//! meaning), and the word as typed stays in the query (an article holding it still ranks
//! by it).

use std::collections::HashMap;

use crate::error::Result;

use super::sounds::{is_pinyin_like, reading, syllables_into, Sound};
use super::{ArticleSearcher, SearchRequest, SearchResults};

/// A query finding fewer articles than this tries words containing its words.
pub const FEW_HITS: usize = 3;

/// The most containing words a query word is widened with.
pub const MAX_CONTAINING: usize = 3;

/// Query words longer than this (in characters) are not looked for inside other words.
const MAX_PART_CHARS: usize = 8;

/// The most query words looked for inside other words (the first distinct ones): a pasted
/// list of rare words costs one walk over the dictionaries, checked against at most these.
const MAX_PARTS: usize = 4;

impl ArticleSearcher {
    /// `results` (found for `request`), or, when they are few and words of the query sit
    /// inside the index's words, the results of the query widened with those words.
    pub(super) fn with_words_inside(
        &self,
        request: &SearchRequest,
        results: SearchResults,
    ) -> Result<SearchResults> {
        // A keyword query whose parts no article holds together found nothing as typed
        // (what it shows holds only some of its parts).
        let relaxed = !results.matching.dropped.is_empty();
        let as_typed = if relaxed { Some(0) } else { results.total };
        let few = as_typed.is_some_and(|total| total < FEW_HITS);
        if !few || request.offset > 0 {
            return Ok(results);
        }
        let mut parts: Vec<&str> = request.query.split_whitespace().collect();
        // Pinyin typed with spaces (`du su rui`) is one name.
        let joined = parts.concat();
        if parts.len() > 1 && is_pinyin_like(&joined) {
            parts = vec![joined.as_str()];
        }
        let mut looked_for: Vec<&str> = Vec::new();
        for part in &parts {
            let candidate = is_chinese_word(part) || is_pinyin_like(part);
            if candidate && !looked_for.contains(part) && looked_for.len() < MAX_PARTS {
                looked_for.push(part);
            }
        }
        if looked_for.is_empty() {
            return Ok(results);
        }
        let containing = self.words_like(&looked_for)?;
        let mut widened = Vec::with_capacity(parts.len());
        let mut suggestions = Vec::new();
        for part in &parts {
            match containing.get(*part).filter(|words| !words.is_empty()) {
                Some(words) => {
                    // The part as typed stays whole (its pieces side by side, `登格热`
                    // is not 登格 or 热).
                    widened.push(format!("(\"{part}\" OR {})", words.join(" OR ")));
                    for word in words {
                        if !suggestions.contains(word) {
                            suggestions.push(word.clone());
                        }
                    }
                }
                None => widened.push((*part).to_string()),
            }
        }
        if suggestions.is_empty() {
            return Ok(results);
        }
        let mut request = request.clone();
        request.query = widened.join(" ");
        let mut wider = self.search_unguarded(&request)?;
        // Kept when it finds more articles holding every part than the query as typed.
        let whole = wider.matching.dropped.is_empty();
        if !whole || wider.total.unwrap_or(0) <= as_typed.unwrap_or(0) {
            return Ok(results);
        }
        wider.matching.suggestions = suggestions;
        Ok(wider)
    }

    /// For each of `parts`, the index's words that contain it or sound like it (not the
    /// part itself) and are in more articles than it, the most frequent first, at most
    /// [`MAX_CONTAINING`]; none for a part that is a word in [`FEW_HITS`] articles or more.
    /// One walk over the text fields' term dictionaries serves every part.
    fn words_like<'a>(&self, parts: &[&'a str]) -> Result<HashMap<&'a str, Vec<String>>> {
        let mut frequency: Vec<HashMap<Vec<u8>, u64>> = vec![HashMap::new(); parts.len()];
        let mut own = vec![0u64; parts.len()];
        let needles: Vec<String> = parts.iter().map(|part| part.to_lowercase()).collect();
        let sounds: Vec<Option<Sound>> = parts.iter().map(|part| Sound::of(part)).collect();
        let fields: Vec<_> = self
            .index
            .fields
            .searchable_text()
            .map(|(field, _)| field.field)
            .collect();
        let mut syllables = String::new();
        self.each_term(&fields, |key, doc_freq| {
            // The word's syllables, when a part may sound like it (its first one first).
            let word = std::str::from_utf8(key)
                .ok()
                .filter(|word| is_chinese_word(word));
            let first = word.and_then(|word| word.chars().next().and_then(reading));
            let sounded = first
                .is_some_and(|first| sounds.iter().flatten().any(|sound| sound.may_match(first)))
                && word.is_some_and(|word| syllables_into(word, &mut syllables));
            let chars = word.map_or(0, |word| word.chars().count());
            for (at, needle) in needles.iter().enumerate() {
                let needle = needle.as_bytes();
                let like = if key == needle {
                    own[at] += u64::from(doc_freq);
                    false
                } else {
                    let inside = key.len() > needle.len()
                        && key.windows(needle.len()).any(|window| window == needle);
                    let sounds_like = sounded
                        && sounds[at]
                            .as_ref()
                            .is_some_and(|sound| sound.matches(chars, &syllables));
                    inside || sounds_like
                };
                if like {
                    *frequency[at].entry(key.to_vec()).or_default() += u64::from(doc_freq);
                }
            }
            true
        })?;
        let mut like = HashMap::new();
        for ((part, own), frequency) in parts.iter().zip(own).zip(frequency) {
            if own >= FEW_HITS as u64 {
                continue;
            }
            let mut found: Vec<(String, u64)> = frequency
                .into_iter()
                .filter(|(_, count)| *count > own)
                .filter_map(|(key, count)| String::from_utf8(key).ok().map(|word| (word, count)))
                .collect();
            found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            found.truncate(MAX_CONTAINING);
            like.insert(*part, found.into_iter().map(|(word, _)| word).collect());
        }
        Ok(like)
    }
}

/// Two to [`MAX_PART_CHARS`] Chinese characters and nothing else (no operator, quote,
/// field or letter).
fn is_chinese_word(part: &str) -> bool {
    let count = part.chars().count();
    (2..=MAX_PART_CHARS).contains(&count)
        && part.chars().all(|c| {
            ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_chinese_words_are_looked_for_inside_others() {
        assert!(is_chinese_word("苏芮"));
        assert!(!is_chinese_word("苏"));
        assert!(!is_chinese_word("-苏芮"));
        assert!(!is_chinese_word("\"苏芮\""));
        assert!(!is_chinese_word("title:苏芮"));
        assert!(!is_chinese_word("iPhone"));
        assert!(!is_chinese_word("一二三四五六七八九"));
    }
}

//! Words inside words and words that sound the same: a fallback for a name typed in part
//! (`苏芮` for 杜苏芮, `兰布` for 兰布卡), with a same-sounding wrong character (`李文量`
//! for 李文亮) or as pinyin (`dusurui`, `du su rui` for 杜苏芮). When a keyword query finds
//! fewer than [`FEW_HITS`] articles, each of its words that few articles hold is searched
//! together with the index's words that contain it or sound like it, and its other
//! spellings ([`super::spellings`]: a name cut by the segmenter, pinyin cut between
//! syllables, a word typed in part) — the most frequent [`MAX_CONTAINING`], found in one
//! walk over the term dictionaries of the text fields — and the results name them as
//! suggestions (`did you mean: 杜苏芮`).
//!
//! Never mixed into an exact query's results: a query that finds [`FEW_HITS`] or more
//! articles as typed is left alone (an English word the archive holds, `Tesla`, keeps its
//! meaning), and the word as typed stays in the query (an article holding it still ranks
//! by it).

use std::collections::HashMap;

use crate::error::Result;

use super::sounds::is_pinyin_like;
use super::spellings::{pinyin_spellings, sounding_tiers};
use super::{ArticleSearcher, Hit, SearchRequest, SearchResults};

/// A query finding fewer articles than this tries words containing its words.
pub const FEW_HITS: usize = 3;

/// A query finding fewer articles than this (a page) tries words containing its words that
/// are held by [`MORE_COMMON`] times as many articles: `林省` finds 4 articles where 林 and
/// 省 stand side by side, 吉林省 is in 453.
pub const WIDEN_BELOW: usize = 10;

/// See [`WIDEN_BELOW`].
pub const MORE_COMMON: u64 = 20;

/// The most containing words a query word is widened with.
pub const MAX_CONTAINING: usize = 3;

/// A query that finds a page as typed names the words holding its parts only for parts
/// of at most this many characters (a name typed in part: `林省`, `苏芮`); a longer part
/// (most title starts) is not looked up.
const NAMED_CHARS: usize = 3;

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
        let typed = typed_parts(&request.query);
        let mut parts: Vec<&str> = typed.iter().map(String::as_str).collect();
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
        if looked_for.is_empty() || request.offset > 0 {
            return Ok(results);
        }
        // A keyword query whose parts no article holds together found nothing as typed
        // (what it shows holds only some of its parts).
        let relaxed = !results.matching.dropped.is_empty();
        let as_typed = if relaxed { Some(0) } else { results.total };
        let Some(as_typed) = as_typed.filter(|&total| total < WIDEN_BELOW) else {
            return self.naming_the_words_holding(&looked_for, results);
        };
        // Between FEW_HITS and a page, only words far more common than the query widen it.
        let least = if as_typed < FEW_HITS {
            0
        } else {
            MORE_COMMON * as_typed as u64
        };
        // Other spellings only for a query nothing matched as typed (a title typed in
        // part finds its article, a typo nothing).
        let containing = self.words_like(&looked_for, as_typed == 0)?;
        let mut widened = Vec::with_capacity(parts.len());
        let mut suggestions = Vec::new();
        for part in &parts {
            let words: Vec<&String> = containing
                .get(*part)
                .into_iter()
                .flatten()
                .filter(|(_, articles)| *articles >= least)
                .map(|(word, _)| word)
                .collect();
            match words.is_empty() {
                false => {
                    // The part as typed stays whole (its pieces side by side, `登格热`
                    // is not 登格 or 热).
                    // A word the analyzer cuts in pieces is a phrase (in a group, its
                    // pieces alone would each be an alternative).
                    let alternatives: Vec<String> =
                        words.iter().map(|word| self.as_alternative(word)).collect();
                    let words: Vec<&str> = words.iter().map(|word| word.as_str()).collect();
                    widened.push(format!("(\"{part}\" OR {})", alternatives.join(" OR ")));
                    for word in words {
                        if !suggestions.iter().any(|known| known == word) {
                            suggestions.push(word.to_string());
                        }
                    }
                }
                true => widened.push((*part).to_string()),
            }
        }
        if suggestions.is_empty() {
            return Ok(results);
        }
        let mut request = request.clone();
        request.query = widened.join(" ");
        let mut wider = self.search_unguarded(&request)?;
        // Kept when it finds more articles holding every part than the query as typed;
        // when it finds the same ones (the part's pieces matched them already), the words
        // holding the part are still named.
        let whole = wider.matching.dropped.is_empty();
        if !whole {
            return Ok(results);
        }
        if wider.total.unwrap_or(0) <= as_typed {
            let mut results = results;
            results.matching.suggestions = suggestions;
            return Ok(results);
        }
        wider.matching.suggestions = suggestions;
        exact_first(&mut wider, results, request.limit);
        Ok(wider)
    }

    /// `results` with suggestions when a Chinese part of the query is a whole word in fewer
    /// than [`WIDEN_BELOW`] articles and the hits hold it mostly inside longer words (its
    /// pieces are sub-words, [`crate::text`]): `林省` is found in 吉林省, and the reader is
    /// told so (`did you mean: 吉林省`). The hits are not searched again: the pieces match
    /// those articles already.
    fn naming_the_words_holding(
        &self,
        looked_for: &[&str],
        mut results: SearchResults,
    ) -> Result<SearchResults> {
        let reader = self.reader.searcher();
        let mut rare = Vec::new();
        let named = |part: &&&str| is_chinese_word(part) && part.chars().count() <= NAMED_CHARS;
        for part in looked_for.iter().filter(named) {
            let Some(term) = crate::text::normalize_term(part) else {
                continue;
            };
            let mut whole = 0;
            for (field, _) in self.index.fields.searchable_text() {
                let term = tantivy::Term::from_field_text(field.field, &term);
                whole += reader.doc_freq(&term).map_err(|e| {
                    crate::error::Error::reading("counting a word's articles".to_string(), e)
                })?;
            }
            if whole < WIDEN_BELOW as u64 {
                rare.push((*part, whole));
            }
        }
        if rare.is_empty() {
            return Ok(results);
        }
        let parts: Vec<&str> = rare.iter().map(|(part, _)| *part).collect();
        let containing = self.words_like(&parts, false)?;
        for (part, whole) in rare {
            let least = MORE_COMMON * whole.max(1);
            for (word, articles) in containing.get(part).into_iter().flatten() {
                let known = results.matching.suggestions.contains(word);
                if *articles >= least && word.contains(part) && !known {
                    results.matching.suggestions.push(word.clone());
                }
            }
        }
        Ok(results)
    }

    /// For each of `parts`, the index's words that contain it or sound like it (not the
    /// part itself) and are in more articles than it, the most frequent first, at most
    /// [`MAX_CONTAINING`]; none for a part that is a word in [`WIDEN_BELOW`] articles or more.
    /// One pass over the index's words ([`super::lexicon`]) serves every part. `respell`:
    /// also its other spellings ([`super::spellings`]), each checked as typed.
    fn words_like<'a>(
        &self,
        parts: &[&'a str],
        respell: bool,
    ) -> Result<HashMap<&'a str, Vec<(String, u64)>>> {
        let lexicon = self.lexicon()?;
        // Per part: the articles holding it as a word, and the words like it (by index in
        // the lexicon) with theirs.
        let mut own = vec![0u64; parts.len()];
        let mut frequency: Vec<HashMap<usize, u64>> = vec![HashMap::new(); parts.len()];
        let needles: Vec<String> = parts.iter().map(|part| part.to_lowercase()).collect();
        for (at, needle) in needles.iter().enumerate() {
            for (index, whole) in lexicon.holding(needle) {
                let (_, articles) = lexicon.word(index);
                if whole {
                    own[at] += articles;
                } else {
                    *frequency[at].entry(index).or_default() += articles;
                }
            }
        }
        // Words that sound like a part (and do not hold it: counted above), and their
        // near-homophones.
        sounding_tiers(lexicon, &needles, &mut frequency, false);
        // Other spellings of the parts few articles hold as a word (a part many hold is
        // left alone below).
        let respelled: Vec<&str> = (parts.iter().zip(&own))
            .map(|(part, &own)| match respell && own < WIDEN_BELOW as u64 {
                true => *part,
                false => "",
            })
            .collect();
        let mut split = self.split_sounding(lexicon, &respelled)?;
        for (at, part) in respelled.iter().enumerate() {
            split[at].extend(self.begun_spellings(part)?);
            split[at].extend(pinyin_spellings(lexicon, part));
        }
        let mut like = HashMap::new();
        for (at, ((part, own), frequency)) in parts.iter().zip(own).zip(frequency).enumerate() {
            if own >= WIDEN_BELOW as u64 {
                continue;
            }
            let mut found: Vec<(String, u64)> = frequency
                .into_iter()
                .map(|(index, count)| (lexicon.word(index).0.to_string(), count))
                .collect();
            // Another cut of the part is a better guess only where more articles hold it as
            // typed than hold any word found whole (`王旅士`: 王女士 in 135, 王律师 in 5).
            let best = found.iter().map(|(_, count)| *count).max().unwrap_or(0);
            for spelling in std::mem::take(&mut split[at]) {
                let articles = self.articles_holding_as_typed(&spelling)?;
                if articles > best {
                    found.push((spelling, articles));
                }
            }
            found.retain(|(_, count)| *count > own);
            found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            found.truncate(MAX_CONTAINING);
            like.insert(*part, found);
        }
        Ok(like)
    }

    /// `word` as an alternative of a group: quoted when the analyzer cuts it in pieces.
    fn as_alternative(&self, word: &str) -> String {
        let mut tokens = Vec::new();
        (self.index.analyzer).analyze(word, crate::text::Mode::Query, &mut tokens);
        if tokens.len() > 1 {
            format!("\"{word}\"")
        } else {
            word.to_string()
        }
    }

    /// The index's words, read on first need ([`super::lexicon`]).
    fn lexicon(&self) -> Result<&super::lexicon::Lexicon> {
        if let Some(lexicon) = self.lexicon.get() {
            return Ok(lexicon);
        }
        let _reading = self
            .reading_lexicon
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(lexicon) = self.lexicon.get() {
            return Ok(lexicon);
        }
        let read = super::lexicon::Lexicon::read(self)?;
        Ok(self.lexicon.get_or_init(|| read))
    }

    /// Reads the index's words for the fallbacks now (a server does it on a thread of its
    /// own after each reopen, so that no reader's query pays it).
    pub fn prepare_fallbacks(&self) -> Result<()> {
        self.lexicon().map(|_| ())
    }
}

/// The hits that match the query as typed stay first, in their order (an exact query's
/// hits are not reordered by the words that widened it); the widened search's hits follow.
fn exact_first(wider: &mut SearchResults, as_typed: SearchResults, limit: usize) {
    let exact: Vec<Hit> = as_typed.hits.into_iter().filter(|h| !h.partial).collect();
    if exact.is_empty() {
        return;
    }
    let shown: std::collections::HashSet<String> = exact.iter().map(|h| h.id.clone()).collect();
    let others = std::mem::take(&mut wider.hits)
        .into_iter()
        .filter(|hit| !shown.contains(&hit.id));
    wider.hits = exact.into_iter().chain(others).take(limit).collect();
    for (i, hit) in wider.hits.iter_mut().enumerate() {
        hit.rank = i + 1;
    }
}

/// The parts of a query as its fallbacks read them: set apart with spaces, or where
/// letters meet Chinese characters (`Dusurui台风` is pinyin and a word: each can be
/// respelled), without the control and invisible characters the search drops
/// (`马克\u{7}笼` is 马克笼).
fn typed_parts(query: &str) -> Vec<String> {
    let mut parts = Vec::new();
    for part in query.split_whitespace() {
        let mut current = String::new();
        let mut last: Option<char> = None;
        for c in part.chars().filter(|&c| !crate::text::is_invisible(c)) {
            let meets = last.is_some_and(|last| {
                (last.is_ascii_alphabetic() && crate::text::is_cjk_ideograph(c))
                    || (crate::text::is_cjk_ideograph(last) && c.is_ascii_alphabetic())
            });
            if meets {
                parts.push(std::mem::take(&mut current));
            }
            current.push(c);
            last = Some(c);
        }
        if !current.is_empty() {
            parts.push(current);
        }
    }
    parts
}

/// Two to [`MAX_PART_CHARS`] Chinese characters and nothing else (no operator, quote,
/// field or letter).
pub(super) fn is_chinese_word(part: &str) -> bool {
    let count = part.chars().count();
    (2..=MAX_PART_CHARS).contains(&count) && part.chars().all(crate::text::is_cjk_ideograph)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_split_where_letters_meet_chinese_and_lose_invisible_characters() {
        assert_eq!(typed_parts("Dusurui台风 登陆"), ["Dusurui", "台风", "登陆"]);
        assert_eq!(typed_parts("马克\u{7}笼"), ["马克笼"]);
        assert_eq!(typed_parts("泽连\u{200B}斯鸡"), ["泽连斯鸡"]);
        assert_eq!(
            typed_parts("双11 P2P"),
            ["双11", "P2P"],
            "digits stay with their term"
        );
        assert_eq!(typed_parts("\u{7}"), Vec::<String>::new());
    }

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

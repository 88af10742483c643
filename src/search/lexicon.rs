//! The index's words the fallbacks compare a query word with ([`super::inside`]): every
//! Chinese word and every word of Latin letters of the text fields, with the articles
//! holding it (summed over fields and segments), read in one walk over the term
//! dictionaries the first time a searcher needs them and kept while it lives (a searcher's
//! segments never change). A walk costs about 100 ms on the 82,832-post corpus; reading
//! this list instead about a millisecond.

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::termdict::TermMerger;

use crate::error::{Error, Result};

use super::ArticleSearcher;

/// The longest word kept, in characters (longer ones are phrases the segmenter left whole).
const MAX_WORD_CHARS: usize = 16;

/// The ranges of the term dictionaries read, by their first byte: Latin letters (the
/// terms are lowercased) and the lead bytes of the CJK ideographs' UTF-8 (U+3400–U+9FFF).
/// Numbers and other scripts are skipped without being visited.
const RANGES: [(&[u8], &[u8]); 2] = [(b"a", b"{"), (&[0xE3], &[0xEA])];

/// The words, each with the articles holding it, in one string (a part is looked for in
/// it with one SIMD substring search, [`Lexicon::holding`]).
#[derive(Debug, Default)]
pub(super) struct Lexicon {
    text: String,
    /// Each word's start in `text` (its end is the next one's start), in order.
    starts: Vec<u32>,
    /// Each word's articles.
    articles: Vec<u64>,
    /// The Chinese words by their first syllable (toneless): the same-sound fallback reads
    /// only the words whose first syllable may fit.
    by_first_reading: HashMap<&'static str, Vec<u32>>,
}

impl Lexicon {
    /// The words of the searcher's text fields.
    pub(super) fn read(searcher: &ArticleSearcher) -> Result<Lexicon> {
        let mut lexicon = Lexicon::default();
        for (from, to) in RANGES {
            each_word_in_range(
                searcher,
                (from, to),
                "reading the index's words",
                |word, n| {
                    if is_kept(word) {
                        lexicon.push(word, n);
                    }
                },
            )?;
        }
        lexicon.starts.push(lexicon.text.len() as u32);
        Ok(lexicon)
    }

    fn push(&mut self, word: &str, articles: u64) {
        let index = self.articles.len() as u32;
        if let Some(first) = word.chars().next().and_then(super::sounds::reading) {
            self.by_first_reading.entry(first).or_default().push(index);
        }
        self.starts.push(self.text.len() as u32);
        self.text.push_str(word);
        self.articles.push(articles);
    }

    /// Word `index` and the articles holding it.
    pub(super) fn word(&self, index: usize) -> (&str, u64) {
        let (start, end) = (self.starts[index], self.starts[index + 1]);
        (
            &self.text[start as usize..end as usize],
            self.articles[index],
        )
    }

    /// The words holding `needle`, each once, by index, each with whether it is the whole
    /// word.
    pub(super) fn holding<'a>(
        &'a self,
        needle: &'a str,
    ) -> impl Iterator<Item = (usize, bool)> + 'a {
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let text = self.text.as_bytes();
        let mut from = 0;
        std::iter::from_fn(move || {
            while let Some(found) = finder.find(text.get(from..)?) {
                let at = from + found;
                // The word the occurrence starts in; one that runs into the next word is
                // no occurrence (look again from the next byte).
                let index = self.starts.partition_point(|&start| start as usize <= at) - 1;
                let (start, end) = (self.starts[index] as usize, self.starts[index + 1] as usize);
                if at + needle.len() <= end {
                    from = end; // each word once
                    return Some((index, at == start && at + needle.len() == end));
                }
                from = at + 1;
            }
            None
        })
    }

    /// The Chinese words whose first syllable passes `fits`, by index.
    pub(super) fn first_reading_fits<'a>(
        &'a self,
        fits: impl Fn(&str) -> bool + 'a,
    ) -> impl Iterator<Item = usize> + 'a {
        self.by_first_reading
            .iter()
            .filter(move |(first, _)| fits(first))
            .flat_map(|(_, words)| words.iter().map(|&index| index as usize))
    }
}

/// Characters whose begun words a searcher keeps (then it starts over).
const MAX_BEGUN_KEPT: usize = 4096;

impl ArticleSearcher {
    /// The `limit` words `first` begins in the most articles of this index, found once per
    /// character while the searcher lives (its segments never change).
    pub(super) fn words_begun_by(&self, first: char, limit: usize) -> Result<Arc<[String]>> {
        let lock = || self.begun.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(words) = lock().get(&first).cloned() {
            return Ok(words);
        }
        let words: Arc<[String]> = words_begun_by(self, first, limit)?.into();
        let mut begun = lock();
        if begun.len() >= MAX_BEGUN_KEPT {
            begun.clear();
        }
        begun.insert(first, words.clone());
        Ok(words)
    }
}

/// The Chinese words of two characters or more that `first` begins in the searcher's text
/// fields, the `limit` held by the most articles first (债 → 债券, 债务): one walk over the
/// term dictionaries' range of that character (a few hundred words).
fn words_begun_by(searcher: &ArticleSearcher, first: char, limit: usize) -> Result<Vec<String>> {
    let mut bytes = [0u8; 4];
    let from = first.encode_utf8(&mut bytes).as_bytes().to_vec();
    let mut to = from.clone();
    // A character's UTF-8 never ends in 0xFF: the next byte string bounds the range.
    *to.last_mut().expect("a character has bytes") += 1;
    let context = format!("reading the index's words that {first} begins");
    let mut words: Vec<(u64, String)> = Vec::new();
    each_word_in_range(searcher, (&from, &to), &context, |word, articles| {
        if word.len() > from.len() && word.chars().all(crate::text::is_cjk_ideograph) {
            words.push((articles, word.to_string()));
        }
    })?;
    words.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    words.truncate(limit);
    Ok(words.into_iter().map(|(_, word)| word).collect())
}

/// Calls `each` with every word of the searcher's text fields whose bytes are in `[from,
/// to)`, once, with the articles holding it (summed over fields and segments).
fn each_word_in_range(
    searcher: &ArticleSearcher,
    (from, to): (&[u8], &[u8]),
    context: &str,
    mut each: impl FnMut(&str, u64),
) -> Result<()> {
    let reader = searcher.reader.searcher();
    let mut inverted = Vec::new();
    for segment in reader.segment_readers() {
        for (field, _) in searcher.index.fields.searchable_text() {
            let index = segment
                .inverted_index(field.field)
                .map_err(|e| Error::reading(context.to_string(), e))?;
            inverted.push(index);
        }
    }
    let mut streams = Vec::with_capacity(inverted.len());
    for index in &inverted {
        let stream = index.terms().range().ge(from).lt(to).into_stream();
        streams.push(stream.map_err(|e| Error::io(&searcher.index.dir, e))?);
    }
    let mut merger = TermMerger::new(streams);
    while merger.advance() {
        let Ok(word) = std::str::from_utf8(merger.key()) else {
            continue;
        };
        let articles = merger
            .current_segment_ords_and_term_infos()
            .map(|(_, info)| u64::from(info.doc_freq))
            .sum();
        each(word, articles);
    }
    Ok(())
}

/// A word of Chinese characters or of Latin letters, of at most [`MAX_WORD_CHARS`].
fn is_kept(word: &str) -> bool {
    let mut chars = 0;
    let (mut chinese, mut latin) = (true, true);
    for c in word.chars() {
        chars += 1;
        chinese &= crate::text::is_cjk_ideograph(c);
        latin &= c.is_ascii_alphabetic();
    }
    (chinese || latin) && (1..=MAX_WORD_CHARS).contains(&chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_is_found_in_each_word_holding_it_once_never_across_two() {
        let mut lexicon = Lexicon::default();
        for (word, articles) in [
            ("xa", 1),
            ("aab", 2),
            ("aaaa", 3),
            ("苏芮", 4),
            ("杜苏芮", 5),
        ] {
            lexicon.push(word, articles);
        }
        lexicon.starts.push(lexicon.text.len() as u32);
        let holding = |needle: &str| lexicon.holding(needle).collect::<Vec<_>>();
        // "aa" runs from xa into aab (no), then in aab and once in aaaa.
        assert_eq!(holding("aa"), [(1, false), (2, false)]);
        assert_eq!(holding("苏芮"), [(3, true), (4, false)]);
        assert_eq!(holding("ab"), [(1, false)]);
        assert!(holding("bx").is_empty());
        assert_eq!(lexicon.word(4), ("杜苏芮", 5));
        let du: Vec<usize> = lexicon.first_reading_fits(|first| first == "du").collect();
        assert_eq!(du, [4]);
        let mut s_or_d: Vec<usize> = lexicon
            .first_reading_fits(|first| "dusurui".starts_with(first) || first == "su")
            .collect();
        s_or_d.sort();
        assert_eq!(s_or_d, [3, 4]);
    }

    #[test]
    fn chinese_and_latin_words_are_kept_numbers_and_mixtures_not() {
        assert!(is_kept("杜苏芮"));
        assert!(is_kept("tesla"));
        assert!(!is_kept("2023"));
        assert!(!is_kept("p2p"));
        assert!(!is_kept("iphone手机"));
        assert!(!is_kept("一二三四五六七八九十一二三四五六七"));
    }
}

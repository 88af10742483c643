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

use super::sounds::{is_pinyin_like, is_syllable, syllables_into, Sound};
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
        let containing = self.words_like(&looked_for)?;
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
        let containing = self.words_like(&parts)?;
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
    /// One pass over the index's words ([`super::lexicon`]) serves every part.
    fn words_like<'a>(&self, parts: &[&'a str]) -> Result<HashMap<&'a str, Vec<(String, u64)>>> {
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
        let mut split = self.split_sounding(lexicon, parts)?;
        for (at, part) in parts.iter().enumerate() {
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

    /// Per part of three Chinese characters or more, other spellings of it: cut in two after
    /// its first character, before its last, or where one piece is a word of the index as
    /// typed, one piece replaced by a word of the index that sounds like it (the caller keeps
    /// those an article holds as typed). A name or a
    /// compound the segmenter cuts is no word of the index (泽连斯基 is 泽 + 连斯基, 马克龙
    /// 马克 + 龙, 乡村振兴 乡村 + 振兴), so a typo in it (`泽连斯鸡`, `马克笼`, `乡村振心`) is
    /// found only this way.
    fn split_sounding(
        &self,
        lexicon: &super::lexicon::Lexicon,
        parts: &[&str],
    ) -> Result<Vec<Vec<String>>> {
        // (part, the piece kept as typed, the piece replaced, whether the kept one is first)
        let mut cuts: Vec<(usize, &str, &str, bool)> = Vec::new();
        for (at, part) in parts.iter().enumerate() {
            if !is_chinese_word(part) || part.chars().count() < 3 {
                continue;
            }
            let chars = part.chars().count();
            for (n, (i, _)) in part.char_indices().enumerate().skip(1) {
                let (left, right) = part.split_at(i);
                // Beside the first or the last character, either piece may be the typo.
                let edge = n == 1 || n == chars - 1;
                if edge || self.is_indexed_word(left)? {
                    cuts.push((at, left, right, true));
                }
                if edge || self.is_indexed_word(right)? {
                    cuts.push((at, right, left, false));
                }
            }
        }
        let pieces: Vec<String> = cuts.iter().map(|cut| cut.2.to_string()).collect();
        let alternatives = sounding_alike(lexicon, &pieces);
        let mut split = vec![Vec::new(); parts.len()];
        for ((at, kept, _, first), words) in cuts.into_iter().zip(alternatives) {
            for word in words {
                let spelling = match first {
                    true => format!("{kept}{word}"),
                    false => format!("{word}{kept}"),
                };
                if !split[at].contains(&spelling) {
                    split[at].push(spelling);
                }
            }
        }
        Ok(split)
    }

    /// For a part of a word and one character the segmenter leaves alone after it, the word
    /// with the words that character begins in the most articles in its place: a word typed
    /// in part (`王沪宁参`: 王沪宁参加) or an abbreviation no article writes as typed
    /// (`专项债`: 专项债券). Checked as typed by the caller, beside the words holding it.
    fn begun_spellings(&self, part: &str) -> Result<Vec<String>> {
        if !is_chinese_word(part) {
            return Ok(Vec::new());
        }
        let mut tokens = Vec::new();
        (self.index.analyzer).analyze(part, crate::text::Mode::Query, &mut tokens);
        let [head, last] = tokens.as_slice() else {
            return Ok(Vec::new());
        };
        let mut chars = last.text.chars();
        let (Some(first), None) = (chars.next(), chars.next()) else {
            return Ok(Vec::new());
        };
        if head.text.chars().count() < 2 || crate::text::is_function_word(&last.text) {
            return Ok(Vec::new());
        }
        let begun = self.words_begun_by(first, super::matching::MAX_BEGUN_WORDS)?;
        Ok(begun
            .iter()
            .map(|word| format!("{}{word}", head.text))
            .collect())
    }

    /// Whether `word` is a word of a text field of the index.
    fn is_indexed_word(&self, word: &str) -> Result<bool> {
        let Some(term) = crate::text::normalize_term(word) else {
            return Ok(false);
        };
        let reader = self.reader.searcher();
        for (field, _) in self.index.fields.searchable_text() {
            let term = tantivy::Term::from_field_text(field.field, &term);
            let articles = reader.doc_freq(&term).map_err(|e| {
                crate::error::Error::reading("counting a word's articles".to_string(), e)
            })?;
            if articles > 0 {
                return Ok(true);
            }
        }
        Ok(false)
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

    /// The articles holding `text` as typed: its words side by side in a text field.
    fn articles_holding_as_typed(&self, text: &str) -> Result<u64> {
        use tantivy::query::{BooleanQuery, Occur, PhraseQuery, Query, TermQuery};
        let mut tokens = Vec::new();
        (self.index.analyzer).analyze(text, crate::text::Mode::Query, &mut tokens);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, _) in self.index.fields.searchable_text() {
            let mut terms: Vec<(usize, tantivy::Term)> = tokens
                .iter()
                .map(|t| (t.position, super::build::term_for(field, &t.text)))
                .collect();
            let query: Box<dyn Query> = match terms.len() {
                0 => continue,
                1 => Box::new(TermQuery::new(
                    terms.remove(0).1,
                    tantivy::schema::IndexRecordOption::Basic,
                )),
                _ => Box::new(PhraseQuery::new_with_offset(terms)),
            };
            clauses.push((Occur::Should, query));
        }
        let query = BooleanQuery::new(clauses);
        let count = (self.reader.searcher())
            .search(&query, &tantivy::collector::Count)
            .map_err(|e| {
                crate::error::Error::reading("counting a word's articles".to_string(), e)
            })?;
        Ok(count as u64)
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

/// Adds to `frequency` (per part, `needles` lowercased) the lexicon's Chinese words that
/// sound like each part, then its near-homophones: where nothing was found for the part, or
/// where what was found is rare and a near-homophone is in [`MORE_COMMON`] times as many
/// articles (`乡村振心`: 乡村振新, a typo of one article, reads exactly as typed; 乡村振兴, in
/// 1,832, nearly). `always`: every near-homophone, whatever was found.
fn sounding_tiers(
    lexicon: &super::lexicon::Lexicon,
    needles: &[String],
    frequency: &mut [HashMap<usize, u64>],
    always: bool,
) {
    let sounds: Vec<Option<Sound>> = needles.iter().map(|part| Sound::of(part)).collect();
    sounding(lexicon, &sounds, needles, frequency);
    let best: Vec<u64> = (frequency.iter())
        .map(|found| found.values().copied().max().unwrap_or(0))
        .collect();
    let near: Vec<Option<Sound>> = (sounds.iter().zip(&best))
        .map(|(sound, &best)| {
            sound
                .as_ref()
                .filter(|_| always || best < WIDEN_BELOW as u64)?
                .near()
        })
        .collect();
    let mut nearly = vec![HashMap::new(); needles.len()];
    sounding(lexicon, &near, needles, &mut nearly);
    for ((found, nearly), best) in frequency.iter_mut().zip(nearly).zip(best) {
        for (index, articles) in nearly {
            if always || best == 0 || articles >= MORE_COMMON * best {
                *found.entry(index).or_default() += articles;
            }
        }
    }
}

/// Adds to `frequency` (per part) the lexicon's Chinese words that sound as `sounds` say
/// (per part; `None`: not compared) and do not hold the part (`needles`), with their articles.
fn sounding(
    lexicon: &super::lexicon::Lexicon,
    sounds: &[Option<Sound>],
    needles: &[String],
    frequency: &mut [HashMap<usize, u64>],
) {
    if sounds.iter().all(Option::is_none) {
        return;
    }
    let mut syllables = String::new();
    let fits = |first: &str| sounds.iter().flatten().any(|sound| sound.may_match(first));
    for index in lexicon.first_reading_fits(fits) {
        let (word, articles) = lexicon.word(index);
        let chars = word.chars().count();
        let one_character = chars == 1 && word.chars().all(crate::text::is_cjk_ideograph);
        if !(is_chinese_word(word) || one_character) || !syllables_into(word, &mut syllables) {
            continue;
        }
        for (at, sound) in sounds.iter().enumerate() {
            let Some(sound) = sound else { continue };
            // One character is never read from typed pinyin (`xian` is 西安, not 先).
            let pinyin = matches!(sound, Sound::Letters(_));
            if !(one_character && pinyin)
                && word != needles[at]
                && !word.contains(needles[at].as_str())
                && sound.matches(chars, &syllables)
            {
                *frequency[at].entry(index).or_default() += articles;
            }
        }
    }
}

/// The longest pinyin part read in two pieces, in letters.
const MAX_PINYIN_LETTERS: usize = 24;

/// The most words each pinyin piece stands for in [`pinyin_spellings`] (one syllable reads
/// as many characters: `fei` as 非, 飞, 费, 菲, …, 霏).
const MAX_PINYIN_PIECE_WORDS: usize = 16;

/// The most spellings one cut of a pinyin part gives, those whose pieces are in the most
/// articles first.
const MAX_PINYIN_CUT_SPELLINGS: usize = 64;

/// For a part typed as pinyin: the part cut in two where each piece reads as words of the
/// index (`makelong`: 马克 | 龙, `bulinken`: 布 |
/// 林肯), the [`MAX_PINYIN_PIECE_WORDS`] of each in the most articles joined; the caller
/// keeps those an article holds as typed. A name or compound the segmenter cuts is no word
/// of the index, so its pinyin is found only this way.
fn pinyin_spellings(lexicon: &super::lexicon::Lexicon, part: &str) -> Vec<String> {
    if !is_pinyin_like(part) || part.len() > MAX_PINYIN_LETTERS {
        return Vec::new();
    }
    let letters = part.to_ascii_lowercase();
    let pieces: Vec<String> = (syllable_cuts(&letters).into_iter())
        .flat_map(|at| [letters[..at].to_string(), letters[at..].to_string()])
        .collect();
    if pieces.is_empty() {
        return Vec::new();
    }
    let sounds: Vec<Option<Sound>> = (pieces.iter())
        .map(|piece| Some(Sound::Piece(piece.clone())))
        .collect();
    let mut frequency = vec![HashMap::new(); pieces.len()];
    sounding(lexicon, &sounds, &pieces, &mut frequency);
    let most = |found: &HashMap<usize, u64>| -> Vec<(usize, u64)> {
        let mut words: Vec<(usize, u64)> = found.iter().map(|(i, n)| (*i, *n)).collect();
        words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        words.truncate(MAX_PINYIN_PIECE_WORDS);
        words
    };
    let mut spellings = Vec::new();
    for pair in frequency.chunks(2) {
        let (lefts, rights) = (most(&pair[0]), most(&pair[1]));
        let mut joined: Vec<(u64, usize, usize)> = Vec::new();
        for &(left, left_articles) in &lefts {
            for &(right, right_articles) in &rights {
                let weight = left_articles.min(right_articles);
                joined.push((weight, left, right));
            }
        }
        joined.sort_by(|a, b| b.0.cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
        for (_, left, right) in joined.into_iter().take(MAX_PINYIN_CUT_SPELLINGS) {
            spellings.push(format!("{}{}", lexicon.word(left).0, lexicon.word(right).0));
        }
    }
    spellings
}

/// The longest pinyin syllable, in letters (`zhuang`).
const MAX_SYLLABLE_LETTERS: usize = 6;

/// Where `letters` can be cut in two with both pieces whole pinyin syllables (`makelong`:
/// after `ma` and after `make`, never inside a syllable).
fn syllable_cuts(letters: &str) -> Vec<usize> {
    let n = letters.len();
    let syllable = |from: usize, to: usize| {
        to - from <= MAX_SYLLABLE_LETTERS && is_syllable(&letters[from..to])
    };
    // ends[i]: letters[..i] is syllables; starts[i]: letters[i..] is.
    let mut ends = vec![false; n + 1];
    ends[0] = true;
    for to in 1..=n {
        ends[to] = (to.saturating_sub(MAX_SYLLABLE_LETTERS)..to)
            .any(|from| ends[from] && syllable(from, to));
    }
    let mut starts = vec![false; n + 1];
    starts[n] = true;
    for from in (0..n).rev() {
        starts[from] = (from + 1..=(from + MAX_SYLLABLE_LETTERS).min(n))
            .any(|to| starts[to] && syllable(from, to));
    }
    (1..n).filter(|&at| ends[at] && starts[at]).collect()
}

/// The most words one piece of a part is replaced with ([`split_sounding`]).
const MAX_PIECE_SPELLINGS: usize = 16;

/// For each of `pieces`, the [`MAX_PIECE_SPELLINGS`] words of the index in most articles that
/// sound like it (its near-homophones when none does), one character long too.
fn sounding_alike(lexicon: &super::lexicon::Lexicon, pieces: &[String]) -> Vec<Vec<String>> {
    // Near-homophones beside exact ones too: each spelling is checked as typed (乡村振心:
    // 振心 reads as 真心, and 乡村振兴 is the one articles hold).
    let mut frequency = vec![HashMap::new(); pieces.len()];
    sounding_tiers(lexicon, pieces, &mut frequency, true);
    (frequency.into_iter())
        .map(|words| {
            let mut words: Vec<(usize, u64)> = words.into_iter().collect();
            words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            (words.into_iter().take(MAX_PIECE_SPELLINGS))
                .map(|(index, _)| lexicon.word(index).0.to_string())
                .collect()
        })
        .collect()
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

/// Two to [`MAX_PART_CHARS`] Chinese characters and nothing else (no operator, quote,
/// field or letter).
fn is_chinese_word(part: &str) -> bool {
    let count = part.chars().count();
    (2..=MAX_PART_CHARS).contains(&count) && part.chars().all(crate::text::is_cjk_ideograph)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_is_cut_only_between_whole_syllables() {
        // ma|kelong, make|long (and m|akelong: 呣 reads m); never mak|elong.
        assert_eq!(syllable_cuts("makelong"), [1, 2, 4]);
        assert_eq!(syllable_cuts("dusurui"), [2, 4]);
        assert!(syllable_cuts("qwrtz").is_empty());
        assert!(is_syllable("zhuang") && is_syllable("lv") && !is_syllable("mak"));
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

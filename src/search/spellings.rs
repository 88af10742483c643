//! Other spellings of a query word, for the fallback of a query that finds few articles
//! ([`super::inside`]): words of the index that sound like it, exactly or nearly
//! ([`super::sounds`]); the word cut in two with one piece read so, where the segmenter
//! cuts a name or a compound (`马克笼` → 马克龙, `新能源气车` → 新能源汽车); typed pinyin cut
//! between syllables (`makelong` → 马克龙); and a word with the words its last character
//! begins (`王沪宁参` → 王沪宁参加). Each spelling of more than one word is kept only where
//! articles hold it as typed.

use std::collections::HashMap;

use crate::error::Result;

use super::inside::{is_chinese_word, MORE_COMMON, WIDEN_BELOW};
use super::sounds::{is_pinyin_like, is_syllable, syllables_into, Sound};
use super::ArticleSearcher;

impl ArticleSearcher {
    /// Per part of three Chinese characters or more, other spellings of it: cut in two after
    /// its first character, before its last, or where one piece is a word of the index as
    /// typed, one piece replaced by a word of the index that sounds like it (the caller keeps
    /// those an article holds as typed). A name or a compound the segmenter cuts is no word
    /// of the index (泽连斯基 is 泽 + 连斯基, 马克龙 马克 + 龙, 乡村振兴 乡村 + 振兴), so a
    /// typo in it (`泽连斯鸡`, `马克笼`, `乡村振心`) is found only this way.
    pub(super) fn split_sounding(
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
    pub(super) fn begun_spellings(&self, part: &str) -> Result<Vec<String>> {
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
    pub(super) fn is_indexed_word(&self, word: &str) -> Result<bool> {
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

    /// The articles holding `text` as typed: its words side by side in a text field.
    pub(super) fn articles_holding_as_typed(&self, text: &str) -> Result<u64> {
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
}

/// Adds to `frequency` (per part, `needles` lowercased) the lexicon's Chinese words that
/// sound like each part, then its near-homophones: where nothing was found for the part, or
/// where what was found is rare and a near-homophone is in [`MORE_COMMON`] times as many
/// articles (`乡村振心`: 乡村振新, a typo of one article, reads exactly as typed; 乡村振兴, in
/// 1,832, nearly). `always`: every near-homophone, whatever was found.
pub(super) fn sounding_tiers(
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
    // Words of one character are read only for a sound that may be one.
    let any_one = sounds.iter().flatten().any(Sound::may_be_one_character);
    for index in lexicon.first_reading_fits(fits) {
        let (word, articles) = lexicon.word(index);
        let chars = word.chars().count();
        let one_character = chars == 1 && word.chars().all(crate::text::is_cjk_ideograph);
        if !(is_chinese_word(word) || one_character && any_one)
            || !syllables_into(word, &mut syllables)
        {
            continue;
        }
        for (at, sound) in sounds.iter().enumerate() {
            let Some(sound) = sound else { continue };
            // One character is never read from typed pinyin (`xian` is 西安, not 先).
            let pinyin = matches!(sound, Sound::Letters(_));
            if !(one_character && pinyin)
                && sound.matches(chars, &syllables)
                && word != needles[at]
                && !word.contains(needles[at].as_str())
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

/// For a part typed as pinyin: the part cut in two between whole syllables where each
/// piece reads as words of the index (`makelong`: 马克 | 龙, `bulinken`: 布 | 林肯), the
/// [`MAX_PINYIN_PIECE_WORDS`] of each in the most articles joined, at most
/// [`MAX_PINYIN_CUT_SPELLINGS`] per cut; the caller keeps those an article holds as typed.
/// A name or compound the segmenter cuts is no word of the index, so its pinyin is found
/// only this way.
pub(super) fn pinyin_spellings(lexicon: &super::lexicon::Lexicon, part: &str) -> Vec<String> {
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

/// The most words one piece of a part is replaced with ([`ArticleSearcher::split_sounding`]).
const MAX_PIECE_SPELLINGS: usize = 16;

/// For each of `pieces`, the [`MAX_PIECE_SPELLINGS`] words of the index in most articles that
/// sound like it, exactly or nearly, one character long too.
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
}

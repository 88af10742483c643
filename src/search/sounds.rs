//! How words sound, for the fallback of a query that finds few articles: a word typed with
//! a same-sounding wrong character (`李文量` for 李文亮) and a name typed as pinyin
//! (`dusurui`, `du su rui` for 杜苏芮). Readings are toneless pinyin from the `pinyin`
//! crate (the pinyin-data tables of python-pinyin's authors), each character's most common
//! reading only. Near-homophones (z/zh, c/ch, s/sh, n/l, in/ing, en/eng, an/ang: what many
//! speakers and their pinyin typing confuse, `张` typed `zang`) are a second tier: a Chinese
//! word is compared by [`Sound::near`] only when no word reads exactly as it does (folded
//! in the first place, they widened a two-character word from 3.0 to 4.8 words on average;
//! docs/relevance.md).

use pinyin::ToPinyin;

/// Query words of pinyin are at least this many letters (`xian` → 西安, 先; shorter ones
/// match too many words to mean one).
const MIN_PINYIN_LETTERS: usize = 4;

/// The toneless pinyin of `word` into `out`, its syllables apart (`du su rui`); `false`
/// (and `out` unusable) when a character has no reading.
pub(super) fn syllables_into(word: &str, out: &mut String) -> bool {
    out.clear();
    for reading in word.to_pinyin() {
        let Some(reading) = reading else {
            return false;
        };
        if !out.is_empty() {
            out.push(' ');
        }
        push_typed(reading.plain(), out);
    }
    !out.is_empty()
}

/// A reading as a pinyin keyboard types it: ü is v (律 lü → lv, 女 nü → nv).
fn push_typed(reading: &str, out: &mut String) {
    for c in reading.chars() {
        out.push(if c == 'ü' { 'v' } else { c });
    }
}

/// The toneless reading of `c` as typed (ü as v; `None` for a character that has none).
pub(super) fn reading(c: char) -> Option<&'static str> {
    c.to_pinyin().map(|pinyin| {
        let plain = pinyin.plain();
        match plain {
            "lü" => "lv",
            "nü" => "nv",
            "lüe" => "lve",
            "nüe" => "nve",
            _ => plain,
        }
    })
}

/// Whether `letters` is a toneless pinyin syllable as typed (`ma`, `long`, `lv`): a
/// reading of some CJK ideograph (U+4E00–U+9FFF, read once).
pub(super) fn is_syllable(letters: &str) -> bool {
    static SYLLABLES: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    SYLLABLES
        .get_or_init(|| ('\u{4e00}'..='\u{9fff}').filter_map(reading).collect())
        .contains(letters)
}

/// Whether `part` can be pinyin typed for Chinese words: ASCII letters only, at least
/// [`MIN_PINYIN_LETTERS`].
pub(super) fn is_pinyin_like(part: &str) -> bool {
    part.len() >= MIN_PINYIN_LETTERS && part.bytes().all(|b| b.is_ascii_alphabetic())
}

/// A syllable with its near-homophones folded together: zh, ch, sh as z, c, s and n as l
/// at the start; a final -ng as -n (xing → xin, zhang → zan, neng → len).
fn near_syllable(syllable: &str, out: &mut String) {
    let rest = match syllable.as_bytes() {
        [first @ (b'z' | b'c' | b's'), b'h', ..] => {
            out.push(*first as char);
            &syllable[2..]
        }
        [b'n', _, ..] => {
            out.push('l');
            &syllable[1..]
        }
        _ => syllable,
    };
    out.push_str(
        rest.strip_suffix('g')
            .filter(|r| r.ends_with('n'))
            .unwrap_or(rest),
    );
}

/// Syllables (space-separated) with each [folded](near_syllable).
fn near_syllables(syllables: &str) -> String {
    let mut out = String::with_capacity(syllables.len());
    for (i, syllable) in syllables.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        near_syllable(syllable, &mut out);
    }
    out
}

/// What a query word sounds like, to compare with the index's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Sound {
    /// A Chinese word: words of as many characters with these syllables sound the same.
    Syllables { chars: usize, syllables: String },
    /// A Chinese word's near-homophones: words of as many characters whose syllables,
    /// [folded](near_syllable), are these.
    Near { chars: usize, folded: String },
    /// Pinyin typed as letters: words whose syllables, joined, are these letters.
    Letters(String),
    /// A piece of pinyin typed as letters (`long` of `makelong`): as [`Sound::Letters`],
    /// one character too.
    Piece(String),
}

impl Sound {
    /// The sound of a query word: a Chinese word's syllables, or pinyin letters
    /// (lowercased); `None` for anything else.
    pub(super) fn of(part: &str) -> Option<Sound> {
        if is_pinyin_like(part) {
            return Some(Sound::Letters(part.to_ascii_lowercase()));
        }
        let mut syllables = String::new();
        syllables_into(part, &mut syllables).then(|| Sound::Syllables {
            chars: part.chars().count(),
            syllables,
        })
    }

    /// The near-homophones of a Chinese word's sound; `None` for typed pinyin (its
    /// syllables are not known apart).
    pub(super) fn near(&self) -> Option<Sound> {
        match self {
            Sound::Syllables { chars, syllables } => Some(Sound::Near {
                chars: *chars,
                folded: near_syllables(syllables),
            }),
            _ => None,
        }
    }

    /// Whether a word of one character may sound like this (a one-character piece, or a
    /// piece of typed pinyin); typed pinyin as a whole is never one character.
    pub(super) fn may_be_one_character(&self) -> bool {
        match self {
            Sound::Syllables { chars, .. } | Sound::Near { chars, .. } => *chars == 1,
            Sound::Letters(_) => false,
            Sound::Piece(_) => true,
        }
    }

    /// Whether a word whose first syllable is `first` may sound like this (a cheap test
    /// before its other syllables are read).
    pub(super) fn may_match(&self, first: &str) -> bool {
        match self {
            Sound::Syllables { syllables, .. } => syllables.split(' ').next() == Some(first),
            Sound::Near { folded, .. } => {
                let mut own = String::new();
                near_syllable(first, &mut own);
                folded.split(' ').next() == Some(own.as_str())
            }
            Sound::Letters(letters) | Sound::Piece(letters) => letters.starts_with(first),
        }
    }

    /// Whether a word of `chars` characters whose syllables are `syllables` sounds like this.
    pub(super) fn matches(&self, chars: usize, syllables: &str) -> bool {
        match self {
            Sound::Syllables {
                chars: own,
                syllables: own_syllables,
            } => *own == chars && own_syllables == syllables,
            Sound::Near { chars: own, folded } => {
                *own == chars && *folded == near_syllables(syllables)
            }
            Sound::Letters(letters) | Sound::Piece(letters) => {
                syllables.len() >= letters.len()
                    && syllables.bytes().filter(|b| *b != b' ').eq(letters.bytes())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syllables(word: &str) -> String {
        let mut out = String::new();
        assert!(syllables_into(word, &mut out), "{word}");
        out
    }

    #[test]
    fn same_sounding_words_and_typed_pinyin_match_and_others_do_not() {
        let typo = Sound::of("李文量").unwrap();
        assert!(typo.matches(3, &syllables("李文亮")));
        assert!(!typo.matches(3, &syllables("李文明")));
        assert!(!typo.matches(4, &syllables("李文亮")), "another length");
        let typed = Sound::of("DuSuRui").unwrap();
        assert_eq!(typed, Sound::Letters("dusurui".into()));
        assert!(typed.matches(3, &syllables("杜苏芮")));
        assert!(!typed.matches(3, &syllables("杜苏")));
        assert!(typed.may_match("du") && !typed.may_match("su"));
        assert!(typo.may_match("li") && !typo.may_match("lin"));
        assert_eq!(reading('芮'), Some("rui"));
        // ü typed as v, as pinyin keyboards take it.
        assert_eq!(reading('律'), Some("lv"));
        assert!(Sound::of("feilvbin")
            .unwrap()
            .matches(3, &syllables("菲律宾")));
        assert!(Sound::of("wangnvshi")
            .unwrap()
            .matches(3, &syllables("王女士")));
        assert!(Sound::of("GPT").is_none(), "too short to be pinyin");
        assert!(Sound::of("iPhone15").is_none());
        let mut out = String::new();
        assert!(
            !syllables_into("杜苏芮X", &mut out),
            "a letter has no reading"
        );
    }

    #[test]
    fn near_homophones_fold_the_initials_and_finals_speakers_confuse() {
        assert_eq!(near_syllables("zhang san"), "zan san");
        assert_eq!(near_syllables("chi shi"), "ci si");
        assert_eq!(near_syllables("neng ling"), "len lin");
        assert_eq!(near_syllables("xiong huang"), "xion huan");
        // Not folded: g that is no -ng final, n that is the whole syllable's start of ng.
        assert_eq!(near_syllables("ge ni"), "ge li");
        let near = Sound::of("脏三").unwrap().near().unwrap();
        assert!(near.matches(2, &syllables("张三")), "zang ~ zhang");
        assert!(near.may_match("zhang") && near.may_match("zan") && !near.may_match("zhi"));
        assert!(!near.matches(2, &syllables("李四")));
        assert!(
            !Sound::of("脏三").unwrap().matches(2, &syllables("张三")),
            "not the same"
        );
        let near = Sound::of("李文量").unwrap().near().unwrap();
        assert!(near.matches(3, &syllables("李文亮")) && !near.matches(3, &syllables("李文明")));
        assert!(Sound::of("dusurui").unwrap().near().is_none());
    }
}

//! How words sound, for the fallback of a query that finds few articles: a word typed with
//! a same-sounding wrong character (`李文量` for 李文亮) and a name typed as pinyin
//! (`dusurui`, `du su rui` for 杜苏芮). Readings are toneless pinyin from the `pinyin`
//! crate (the pinyin-data tables of python-pinyin's authors), each character's most common
//! reading only. Near-homophones (z/zh, n/l, in/ing) are not folded: they widen a name to
//! too many words, and the words-inside fallback already catches most partial names.

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

/// Whether `part` can be pinyin typed for Chinese words: ASCII letters only, at least
/// [`MIN_PINYIN_LETTERS`].
pub(super) fn is_pinyin_like(part: &str) -> bool {
    part.len() >= MIN_PINYIN_LETTERS && part.bytes().all(|b| b.is_ascii_alphabetic())
}

/// What a query word sounds like, to compare with the index's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Sound {
    /// A Chinese word: words of as many characters with these syllables sound the same.
    Syllables { chars: usize, syllables: String },
    /// Pinyin typed as letters: words whose syllables, joined, are these letters.
    Letters(String),
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

    /// Whether a word whose first syllable is `first` may sound like this (a cheap test
    /// before its other syllables are read).
    pub(super) fn may_match(&self, first: &str) -> bool {
        match self {
            Sound::Syllables { syllables, .. } => syllables.split(' ').next() == Some(first),
            Sound::Letters(letters) => letters.starts_with(first),
        }
    }

    /// Whether a word of `chars` characters whose syllables are `syllables` sounds like this.
    pub(super) fn matches(&self, chars: usize, syllables: &str) -> bool {
        match self {
            Sound::Syllables {
                chars: own,
                syllables: own_syllables,
            } => *own == chars && own_syllables == syllables,
            Sound::Letters(letters) => {
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
}

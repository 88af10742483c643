//! The analyzer as tantivy's tokenizers: one for word fields, one for sub-word fields,
//! which share one segmentation of each text ([`ChineseTokenizer`] hands its sub-words
//! over to the [`SubWordTokenizer`] of the same thread).

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::{Analyzer, Mode, TokenBuffer};

/// The analyzer as a tantivy tokenizer for word fields (index mode, whole words only),
/// registered on every index open so that tantivy and sousuo always agree on terms.
/// tantivy's writer threads call it while indexing: this is where ingest segments, once per
/// text. The sub-words found on the way are kept for the [`SubWordTokenizer`] of the same
/// thread, which the writer calls next on the same text.
#[derive(Clone, Debug, Default)]
pub struct ChineseTokenizer {
    analyzer: Analyzer,
    buffer: TokenBuffer,
}

impl ChineseTokenizer {
    /// A tokenizer over `analyzer`.
    pub fn new(analyzer: Analyzer) -> Self {
        ChineseTokenizer {
            analyzer,
            buffer: TokenBuffer::default(),
        }
    }
}

/// The sub-word tokens of the texts a thread's [`ChineseTokenizer`] segmented last, for its
/// [`SubWordTokenizer`]: a text is segmented once although two fields index it.
mod handover {
    use std::cell::RefCell;

    use super::TokenBuffer;

    /// A text as seen by both tokenizers: the same string slice, checked by content hash.
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub struct TextKey {
        address: usize,
        len: usize,
        hash: u64,
    }

    impl TextKey {
        pub fn of(text: &str) -> TextKey {
            TextKey {
                address: text.as_ptr() as usize,
                len: text.len(),
                hash: xxhash_rust::xxh3::xxh3_64(text.as_bytes()),
            }
        }
    }

    /// More than the text fields of one document; older entries are dropped.
    const CAPACITY: usize = 8;

    thread_local! {
        static PENDING: RefCell<Vec<(TextKey, TokenBuffer)>> = const { RefCell::new(Vec::new()) };
        static SPARE: RefCell<Vec<TokenBuffer>> = const { RefCell::new(Vec::new()) };
    }

    /// An empty buffer, reused when one is free.
    pub fn spare_buffer() -> TokenBuffer {
        SPARE.with_borrow_mut(|spare| spare.pop().unwrap_or_default())
    }

    /// Leaves the sub-words of `key`'s text for the sub-word tokenizer.
    pub fn leave(key: TextKey, sub_words: TokenBuffer) {
        PENDING.with_borrow_mut(|pending| {
            if pending.len() == CAPACITY {
                let (_, dropped) = pending.remove(0);
                recycle(dropped);
            }
            pending.push((key, sub_words));
        });
    }

    /// The sub-words left for `key`'s text, if any.
    pub fn take(key: TextKey) -> Option<TokenBuffer> {
        PENDING.with_borrow_mut(|pending| {
            let found = pending.iter().rposition(|(k, _)| *k == key)?;
            Some(pending.remove(found).1)
        })
    }

    /// Returns a buffer for reuse.
    pub fn recycle(buffer: TokenBuffer) {
        SPARE.with_borrow_mut(|spare| {
            if spare.len() < CAPACITY {
                spare.push(buffer);
            }
        });
    }
}

/// The token stream of [`ChineseTokenizer`] and [`SubWordTokenizer`].
pub struct ChineseTokenStream<'a> {
    buffer: &'a mut TokenBuffer,
    next: usize,
}

impl Tokenizer for ChineseTokenizer {
    type TokenStream<'a> = ChineseTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ChineseTokenStream<'a> {
        self.analyzer
            .analyze_into(text, Mode::Index, &mut self.buffer);
        let mut sub_words = handover::spare_buffer();
        self.buffer.split_sub_words(&mut sub_words);
        handover::leave(handover::TextKey::of(text), sub_words);
        ChineseTokenStream {
            buffer: &mut self.buffer,
            next: 0,
        }
    }
}

/// Texts the [`SubWordTokenizer`] had to segment itself because no [`ChineseTokenizer`]
/// on its thread had just done it.
static SUB_WORD_FALLBACKS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many texts the [`SubWordTokenizer`] has segmented itself in this process. The
/// hand-over contract: tantivy's writer visits a document's word field before its sub-word
/// field on the same thread, so while indexing this does not grow and every text is
/// segmented once. A tantivy version that visits fields in another order makes it grow
/// (and ingest slower), which a test watches for.
pub fn sub_word_fallbacks() -> usize {
    SUB_WORD_FALLBACKS.load(std::sync::atomic::Ordering::Relaxed)
}

/// The tokenizer of sub-word fields: the dictionary sub-words of longer words
/// ([`super::sub_word_term`]s), taken from the [`ChineseTokenizer`] that just segmented the same
/// text on this thread, or segmented here when it did not.
#[derive(Clone, Debug, Default)]
pub struct SubWordTokenizer {
    analyzer: Analyzer,
    buffer: TokenBuffer,
}

impl SubWordTokenizer {
    /// A tokenizer over `analyzer`.
    pub fn new(analyzer: Analyzer) -> Self {
        SubWordTokenizer {
            analyzer,
            buffer: TokenBuffer::default(),
        }
    }
}

impl Tokenizer for SubWordTokenizer {
    type TokenStream<'a> = ChineseTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ChineseTokenStream<'a> {
        match handover::take(handover::TextKey::of(text)) {
            Some(sub_words) => {
                let used = std::mem::replace(&mut self.buffer, sub_words);
                handover::recycle(used);
            }
            None => {
                SUB_WORD_FALLBACKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let mut words = handover::spare_buffer();
                self.analyzer.analyze_into(text, Mode::Index, &mut words);
                words.split_sub_words(&mut self.buffer);
                handover::recycle(words);
            }
        }
        ChineseTokenStream {
            buffer: &mut self.buffer,
            next: 0,
        }
    }
}

impl TokenStream for ChineseTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.buffer.len
    }

    fn token(&self) -> &Token {
        &self.buffer.slots[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.buffer.slots[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::super::{sub_word_term, SUB_WORD_PREFIX};
    use super::*;

    fn stream_terms(stream: &mut ChineseTokenStream) -> Vec<String> {
        let mut terms = Vec::new();
        while stream.advance() {
            terms.push(stream.token().text.clone());
        }
        terms
    }

    #[test]
    fn word_and_sub_word_tokenizers_split_the_index_tokens() {
        let text = "在人民大会堂举行";
        let mut words = ChineseTokenizer::default();
        let mut sub_words = SubWordTokenizer::default();
        let word_terms = stream_terms(&mut words.token_stream(text));
        assert_eq!(word_terms, ["在", "人民大会堂", "举行"]);
        // Handed over from the word tokenizer, and segmented afresh: the same sub-words.
        let handed_over = stream_terms(&mut sub_words.token_stream(text));
        let afresh = stream_terms(&mut sub_words.token_stream(text));
        assert!(
            handed_over.contains(&sub_word_term("大会堂")),
            "{handed_over:?}"
        );
        assert!(handed_over.iter().all(|t| t.starts_with(SUB_WORD_PREFIX)));
        assert_eq!(handed_over, afresh);
        let mut all = Vec::new();
        Analyzer::default().analyze(text, Mode::Index, &mut all);
        assert_eq!(all.len(), word_terms.len() + handed_over.len());
    }

    #[test]
    fn sub_word_tokenizer_never_takes_another_texts_sub_words() {
        let mut words = ChineseTokenizer::default();
        let mut sub_words = SubWordTokenizer::default();
        stream_terms(&mut words.token_stream("中国人民银行"));
        // A different text of the same length at another address: segmented afresh.
        let other = String::from("北京大学生物");
        let terms = stream_terms(&mut sub_words.token_stream(&other));
        assert!(!terms.contains(&sub_word_term("银行")), "{terms:?}");
        assert!(terms.contains(&sub_word_term("北京")), "{terms:?}");
    }
}

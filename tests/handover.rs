//! The tokenizer hand-over is a contract with tantivy's writer: it visits a document's word
//! field and then its sub-word field on the same thread, so the sub-word tokenizer takes
//! the sub-words the word tokenizer found and a text is segmented once. This runs a real
//! ingest (a real IndexWriter with several threads) and counts the texts the sub-word
//! tokenizer had to segment itself: a tantivy that changes the order fails here, instead
//! of silently making ingest slower. (Its own test binary, apart from `tests/suite`: the
//! count is process-wide, and the suite also searches in-process.)

#[path = "suite/common/mod.rs"]
mod common;

use std::sync::atomic::AtomicBool;

use tantivy::tokenizer::{TokenStream, Tokenizer};

use sousuo::ingest::{ingest, IngestOptions};
use sousuo::text::{sub_word_fallbacks, Analyzer, SubWordTokenizer};

#[test]
fn indexing_segments_each_text_once() {
    let dir = tempfile::tempdir().unwrap();
    common::write_posts(dir.path(), 400);
    let mut options = IngestOptions::new(vec![dir.path().join("posts")], dir.path().join("idx"));
    options.threads = 4;
    options.memory_budget = 64 << 20;
    let before = sub_word_fallbacks();
    let report = ingest(&options, &AtomicBool::new(false), &mut |_| {}).unwrap();
    assert_eq!(report.added, 400);
    assert_eq!(
        sub_word_fallbacks() - before,
        0,
        "the sub-word tokenizer segmented texts again: tantivy no longer visits the word \
         field before the sub-word field on one thread"
    );
    // The count is real: a text the word tokenizer did not see is segmented here.
    let mut alone = SubWordTokenizer::new(Analyzer::default());
    let mut stream = alone.token_stream("人民大会堂举行会议");
    let mut sub_words = 0;
    while stream.advance() {
        sub_words += 1;
    }
    assert!(sub_words > 0);
    assert_eq!(sub_word_fallbacks() - before, 1);
}

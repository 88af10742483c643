//! Any bytes, as a file: decoding, front matter, HTML or Markdown cleaning and analysis
//! must return an article or an error, never panic, and keep the analyzer's invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sousuo::article::{parse_article, BodyFormat};
use sousuo::decode::decode;
use sousuo::text::{Analyzer, Mode};

fuzz_target!(|bytes: &[u8]| {
    let Ok(decoded) = decode(bytes) else {
        return;
    };
    for format in [BodyFormat::Markdown, BodyFormat::Html] {
        let Ok(parsed) = parse_article(&decoded.text, "fuzz", format) else {
            continue;
        };
        let body = &parsed.article.body;
        let mut tokens = Vec::new();
        Analyzer::default().analyze(body, Mode::Index, &mut tokens);
        for token in &tokens {
            assert!(body.is_char_boundary(token.offset_from));
            assert!(body.is_char_boundary(token.offset_to));
            assert!(token.offset_from < token.offset_to);
        }
    }
});

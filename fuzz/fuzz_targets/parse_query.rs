//! Any query string: the query language and the analyzer must read it or refuse it with an
//! error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sousuo::query::{parse_query, ClauseKind};
use sousuo::text::{Analyzer, Mode};

fuzz_target!(|query: &str| {
    let Ok(clauses) = parse_query(query) else {
        return;
    };
    let analyzer = Analyzer::default();
    let mut pending = clauses;
    while let Some(clause) = pending.pop() {
        let text = match clause.kind {
            ClauseKind::Words(text) => text,
            ClauseKind::Phrase { text, .. } => text,
            ClauseKind::Group(inner) => {
                pending.extend(inner);
                continue;
            }
            ClauseKind::DateRange { .. } => continue,
        };
        let mut tokens = Vec::new();
        analyzer.analyze(&text, Mode::Query, &mut tokens);
        for token in &tokens {
            assert!(text.is_char_boundary(token.offset_from));
            assert!(text.is_char_boundary(token.offset_to));
        }
    }
});

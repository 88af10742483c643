//! The matching strategy: which of a query's words an article must hold.
//!
//! A *keyword query* — at most [`MAX_KEYWORD_WORDS`] content words (or
//! [`MAX_SPACED_WORDS`] keywords set apart with spaces), no question word, no `+word` —
//! needs every one of its parts: each content word (whole, or inside a longer word
//! as a sub-word: `招商 公司` finds 招商证券股份有限公司), each letter+digit term as written
//! (`P2P`, `GPT-4`, `双11`, `iPhone 15`: its pieces adjacent, never apart; `B站` one term),
//! each quoted phrase, prefix and group (`a OR b` is one). Articles holding each unspaced
//! part as typed (`京津冀暴雨` contiguous) rank first (exactness). When no article holds
//! every part, parts are dropped one at a time — one no article holds first, then the one
//! in most articles — and the results say so.
//!
//! Questions and pasted passages (`北京冬奥会吉祥物叫什么`) keep the ranking by any word,
//! with pseudo-relevance feedback: relevant articles often answer in other words.
//!
//! Invariants: the strategy is a function of the query, the analyzer and the index's
//! document frequencies (which phrases are too common to require, which part to drop); a
//! unit is one node a document must match; dropping never removes the last unit.

use tantivy::tokenizer::Token;
use tantivy::Searcher;

use crate::query::{Clause, ClauseKind, Occur};
use crate::text::{is_function_word, sub_word_term, Mode};

use super::plan::{FieldWeight, Node};
use super::query_terms::{glued_runs, is_chinese, is_letters_and_character, is_number_and_unit};
use super::strategy::{Matching, Unit};
use super::ArticleSearcher;

pub use super::query_terms::query_words;

/// Keyword queries have at most this many content words; longer ones are read as
/// questions or passages (their words rank, none is required).
pub const MAX_KEYWORD_WORDS: usize = 3;

/// An unspaced query of more content words than [`MAX_KEYWORD_WORDS`], up to this many, is
/// a keyword query when an article holds it as typed.
pub const MAX_TERM_WORDS: usize = 8;

/// A query of keywords set apart with spaces or listed with commas, each part at most
/// [`MAX_SPACED_PART_WORDS`] content words (`上海 房价 下跌 原因`, `上海，房价，下跌，原因`),
/// is a keyword query up to this many content words: nobody spaces a question's words, and
/// a typed list of keywords means each of them.
pub const MAX_SPACED_WORDS: usize = 6;

/// See [`MAX_SPACED_WORDS`]: a part requiring more words (`移动硬盘摔了一下 能通电但是读不出来`)
/// is a phrase of a question.
pub const MAX_SPACED_PART_WORDS: usize = 2;

/// A phrase whose rarest word is in more than this share of the articles (and more than
/// [`COMMON_MIN`] articles: small archives read any phrase quickly) is not
/// required or ranked as typed: its positions would be read for most of the archive
/// (`8月8日`: 8, 月 and 日 are everywhere, and the phrase made a query 5× slower), and it
/// says little that its words apart do not.
pub const COMMON_SHARE: f64 = 0.05;

/// See [`COMMON_SHARE`].
pub const COMMON_MIN: u64 = 1_000;

/// A term of letters and digits has at most this many pieces (`GPT-3.5-turbo`: 4); a
/// longer run (`P2P2P2…`) is text pasted or made up, read as a passage: a phrase of thousands
/// of pieces would read their positions in every article holding one.
pub const MAX_TERM_PIECES: usize = 8;

/// Words that make a query a question: its answer may use other words.
const QUESTION_WORDS: &[&str] = &[
    "为什么",
    "为何",
    "什么",
    "什么样",
    "何时",
    "几",
    "几时",
    "吗",
    "呢",
    "哪",
    "哪个",
    "哪些",
    "哪里",
    "哪儿",
    "多少",
    "多久",
    "如何",
    "是否",
    "怎么",
    "怎么样",
    "怎样",
    "谁",
    "啥",
];

/// A Chinese word of at most this many characters is also held by its characters cut
/// into other indexed words side by side ([`KeywordParts::held`]).
pub const MAX_SPELLED_CHARS: usize = 6;

/// At most this many of the words a run's last character begins are searched for it
/// ([`KeywordParts::or_begun`], and the fallbacks' spellings), those most articles hold first.
pub const MAX_BEGUN_WORDS: usize = 2;

/// At most this many other cuts of one word are searched, fewest pieces first.
pub const MAX_SPELLINGS: usize = 6;

/// What holds a required word as the index has it: the word, whole or inside a longer word.
fn held_word(word: &str, fields: &[FieldWeight]) -> Node {
    Node::AllWords {
        words: vec![word.to_string()],
        fields: fields.to_vec(),
    }
}

/// Positioned words as a phrase node (positions from 0).
fn phrase(tokens: &[Token], fields: &[FieldWeight]) -> Node {
    let first = tokens.first().map_or(0, |t| t.position);
    let words: Vec<(usize, String)> = tokens
        .iter()
        .map(|t| (t.position - first, t.text.clone()))
        .collect();
    phrase_of(&words, fields)
}

/// Words at their positions as a phrase node.
fn phrase_of(words: &[(usize, String)], fields: &[FieldWeight]) -> Node {
    Node::Phrase {
        words: words.to_vec(),
        slop: 0,
        fields: fields.to_vec(),
        as_typed: false,
    }
}

impl ArticleSearcher {
    /// The matching of a query of `clauses` whose top-level plain clauses searched
    /// `fields`: `None` for a question, a passage, an `OR`, or a query with no plain part.
    pub(super) fn keyword_matching(
        &self,
        clauses: &[Clause],
        fields: &[FieldWeight],
    ) -> Option<Matching> {
        // `+word` written by the user: the other words are optional, as in Lucene.
        if clauses.iter().any(|clause| clause.occur == Occur::Must) {
            return None;
        }
        let reader = self.reader.searcher();
        let common = ((reader.num_docs() as f64 * COMMON_SHARE) as u64).max(COMMON_MIN);
        let mut parts = KeywordParts {
            searcher: self,
            reader,
            fields,
            common,
            matching: Matching::default(),
            content_words: 0,
            all_words: Vec::new(),
            chunks: 0,
            typed_parts: 0,
            longest_part: 0,
            chunk_tier: Vec::new(),
            one_clause: clauses.len() == 1,
        };
        // The last clause when it is a word of letters (`Chat` of `Chat GPT`).
        let mut letters_before = None;
        for clause in clauses {
            if clause.occur != Occur::Should {
                continue;
            }
            if clause.field.is_some() {
                return None;
            }
            match &clause.kind {
                ClauseKind::Words(text) => {
                    parts.add_words(text)?;
                    letters_before = parts.join_spaced_letters(letters_before.take(), text);
                    continue;
                }
                ClauseKind::Phrase { text, .. } | ClauseKind::Prefix(text) => {
                    if let Some(node) = self.clause_node(clause) {
                        parts.require(text.clone(), node);
                    }
                }
                ClauseKind::Group(_) => {
                    // `a OR b`, `(a b)`: the part is held by any of its words.
                    let mut group = super::plan::QueryPlan::default();
                    if self.plan_clause(clause, &mut group, false).is_err() {
                        return None;
                    }
                    if let Some((_, node)) = group.ranking.pop() {
                        let label = format!("({})", group.highlight.join(" OR "));
                        let node = parts.held_alternatives(node);
                        parts.require(label, node);
                    }
                }
                ClauseKind::All | ClauseKind::DateRange { .. } => {}
            }
            letters_before = None;
        }
        parts.finish()
    }

    /// Drops the least informative required part of a keyword plan; `false` when there is
    /// nothing to drop.
    pub(super) fn relax(&self, plan: &mut super::plan::QueryPlan) -> bool {
        let Some(matching) = plan.matching.as_mut() else {
            return false;
        };
        let searcher = self.reader.searcher();
        matching.drop_least_informative(|node| self.articles_holding(&searcher, node))
    }

    /// About how many articles hold a required part: its rarest word's document frequency
    /// in the first field (whole words and sub-words); 0 for other parts (kept longest).
    pub(super) fn articles_holding(&self, searcher: &Searcher, node: &Node) -> u64 {
        let (words, fields) = match node {
            Node::AllWords { words, fields } => (words, fields),
            // Any of the alternatives (a group of a keyword query is `a OR b`, or a word's
            // cuts).
            Node::Group(inner) => {
                return inner
                    .iter()
                    .map(|(_, node)| self.articles_holding(searcher, node))
                    .max()
                    .unwrap_or(0);
            }
            Node::Phrase { words, fields, .. } => {
                let words = words.iter().map(|(_, w)| w.clone()).collect();
                return self.articles_holding(
                    searcher,
                    &Node::AllWords {
                        words,
                        fields: fields.clone(),
                    },
                );
            }
            _ => return 0,
        };
        let fields = self.fields_of(fields);
        let mut rarest = u64::MAX;
        for word in words {
            let mut holding = 0;
            for (field, _) in &fields {
                let whole = searcher
                    .doc_freq(&super::build::term_for(field, word))
                    .unwrap_or(0);
                let inside = field.sub_words.map_or(0, |sub_words| {
                    let term = tantivy::Term::from_field_text(sub_words, &sub_word_term(word));
                    searcher.doc_freq(&term).unwrap_or(0)
                });
                holding = holding.max(whole + inside);
            }
            rarest = rarest.min(holding);
        }
        if rarest == u64::MAX {
            0
        } else {
            rarest
        }
    }

    /// The node a document must match to hold a phrase or prefix clause.
    fn clause_node(&self, clause: &Clause) -> Option<Node> {
        let mut plan = super::plan::QueryPlan::default();
        self.plan_clause(clause, &mut plan, false).ok()?;
        match plan.ranking.into_iter().next()? {
            (_, node @ (Node::Phrase { .. } | Node::Prefix { .. })) => Some(node),
            _ => None,
        }
    }
}

/// What a keyword query's clauses add up to while its matching is worked out.
struct KeywordParts<'a> {
    searcher: &'a ArticleSearcher,
    reader: tantivy::Searcher,
    fields: &'a [FieldWeight],
    /// Words held by more articles than this are too common to be kept side by side.
    common: u64,
    matching: Matching,
    content_words: usize,
    /// The whole query's words in order, for the tier of the query as typed.
    all_words: Vec<Token>,
    /// Plain clauses seen, and each one's words as a phrase (when rare enough).
    chunks: usize,
    /// Parts typed apart (with spaces, or listed with commas: `上海，房价，下跌`), and the
    /// most units one of them requires (a word cut in pieces, `认房不认贷`, is one).
    typed_parts: usize,
    longest_part: usize,
    chunk_tier: Vec<Node>,
    /// Whether the query is one clause (`专项债`, not `新京报讯 中央气`).
    one_clause: bool,
}

impl KeywordParts<'_> {
    /// Whether the query is one unspaced run of at most [`MAX_TERM_WORDS`] content words
    /// that some article holds as typed: a term (`个税专项附加扣除`, `粤港澳大湾区建设`), not a
    /// question (`乌镇峰会举办时间`, held by none, keeps the ranking by any word).
    fn a_term_held_as_typed(&self) -> bool {
        if self.chunks != 1 || self.content_words > MAX_TERM_WORDS || self.all_words.len() < 2 {
            return false;
        }
        self.held_as_typed(&self.all_words)
    }

    /// Whether some article holds `tokens` side by side.
    fn held_as_typed(&self, tokens: &[Token]) -> bool {
        let whole = phrase(tokens, self.fields);
        let Ok(query) = self.searcher.node_query(&whole) else {
            return false;
        };
        let enable = tantivy::query::EnableScoring::disabled_from_searcher(&self.reader);
        let Ok(weight) = query.weight(enable) else {
            return false;
        };
        self.reader.segment_readers().iter().any(|segment| {
            weight
                .scorer(segment, 1.0)
                .is_ok_and(|scorer| scorer.doc() != tantivy::TERMINATED)
        })
    }

    /// Whether few enough articles hold every one of `tokens`.
    fn rare(&self, tokens: &[Token]) -> bool {
        let words = tokens.iter().map(|t| t.text.clone()).collect();
        let node = Node::AllWords {
            words,
            fields: self.fields.to_vec(),
        };
        self.searcher.articles_holding(&self.reader, &node) <= self.common
    }

    /// What holds a required word: the word as the index has it (whole, or inside a longer
    /// word), or a Chinese word's characters cut into other indexed words side by side —
    /// the segmenter cuts one word differently by its neighbours (碳中和 is 碳中 / 和 in one
    /// sentence, 碳 / 中 / 和 in another; 消费券 is 消费 / 券 beside 发放), and an article
    /// holding the characters as typed holds the word.
    /// A word of a synonym group (`--synonyms`) is held by any word of its groups too.
    fn held(&self, word: &str) -> Node {
        let whole = held_word(word, self.fields);
        let cuts = self.other_cuts(word);
        let synonyms = self.searcher.synonyms.get(word);
        if cuts.is_empty() && synonyms.is_none() {
            return whole;
        }
        let mut alternatives = vec![(Occur::Should, whole)];
        for cut in cuts {
            alternatives.push((
                Occur::Should,
                Node::Phrase {
                    words: cut.into_iter().enumerate().collect(),
                    slop: 0,
                    fields: self.fields.to_vec(),
                    as_typed: false,
                },
            ));
        }
        for synonym in synonyms.into_iter().flatten() {
            let node = match self.searcher.index.analyzer.words(synonym).as_slice() {
                [] => continue,
                [one] => held_word(one, self.fields),
                words => Node::Phrase {
                    words: words.iter().cloned().enumerate().collect(),
                    slop: 0,
                    fields: self.fields.to_vec(),
                    as_typed: false,
                },
            };
            alternatives.push((Occur::Should, node));
        }
        Node::Group(alternatives)
    }

    /// A group's alternatives with each one-word alternative [held](Self::held) as a word
    /// typed alone is: the fallback's `("科创版" OR 科创板)` finds 科创板 where an article's
    /// sentence cut it 科 / 创板, as `科创板` typed does.
    fn held_alternatives(&self, node: Node) -> Node {
        let held = |node: Node| match node {
            Node::Word { word, .. } => self.held(&word),
            Node::AllWords { words, .. } if words.len() == 1 => self.held(&words[0]),
            other => other,
        };
        match node {
            Node::Group(inner) => Node::Group(
                inner
                    .into_iter()
                    .map(|(occur, node)| (occur, held(node)))
                    .collect(),
            ),
            other => held(other),
        }
    }

    /// The ways to cut a Chinese `word` (2 to [`MAX_SPELLED_CHARS`] characters) into two or
    /// more words the index holds, fewest pieces first, at most [`MAX_SPELLINGS`].
    fn other_cuts(&self, word: &str) -> Vec<Vec<String>> {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < 2
            || chars.len() > MAX_SPELLED_CHARS
            || !chars.iter().all(|&c| crate::text::is_cjk_ideograph(c))
        {
            return Vec::new();
        }
        let fields = self.searcher.fields_of(self.fields);
        // How many articles hold each piece (from, to) as a word, in the field where most
        // do (0: none, or the whole word).
        let n = chars.len();
        let mut held = vec![vec![0u64; n + 1]; n + 1];
        for from in 0..n {
            for to in from + 1..=n {
                if to - from == n {
                    continue; // the word itself
                }
                let piece: String = chars[from..to].iter().collect();
                held[from][to] = fields
                    .iter()
                    .map(|(field, _)| {
                        let term = super::build::term_for(field, &piece);
                        self.reader.doc_freq(&term).unwrap_or(0)
                    })
                    .max()
                    .unwrap_or(0);
            }
        }
        // Each cut as its pieces' ends and its rarest piece's articles.
        let mut cuts = Vec::new();
        let mut stack = vec![(0, Vec::<usize>::new(), u64::MAX)];
        while let Some((at, ends, rarest)) = stack.pop() {
            if at == n {
                cuts.push((ends, rarest));
                continue;
            }
            for to in (at + 1..=n).rev() {
                if held[at][to] > 0 {
                    let mut next = ends.clone();
                    next.push(to);
                    stack.push((to, next, rarest.min(held[at][to])));
                }
            }
        }
        // A cut whose every piece is common (中 / 国) would read positions in most of the
        // archive for little: left out.
        let mut cuts: Vec<Vec<usize>> = cuts
            .into_iter()
            .filter(|(_, rarest)| *rarest <= self.common)
            .map(|(ends, _)| ends)
            .collect();
        cuts.sort_by_key(|ends| ends.len());
        cuts.truncate(MAX_SPELLINGS);
        cuts.into_iter()
            .map(|ends| {
                let mut from = 0;
                ends.into_iter()
                    .map(|to| {
                        let piece: String = chars[from..to].iter().collect();
                        from = to;
                        piece
                    })
                    .collect()
            })
            .collect()
    }

    /// A word of letters typed apart from the word of letters before it (`Chat GPT`, `Open
    /// AI`): where the index holds the two written together as one word (chatgpt, openai),
    /// the two are one part, held by that word or by both apart. This word, lowercased, when
    /// it is one of letters and was not joined (it may join the next).
    fn join_spaced_letters(&mut self, before: Option<String>, text: &str) -> Option<String> {
        let word = crate::text::normalize_term(text)?;
        if !word.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        let Some(first) = before else {
            return Some(word);
        };
        let joined = format!("{first}{word}");
        if self.matching.required.len() < 2
            || !self.searcher.is_indexed_word(&joined).unwrap_or(false)
        {
            return Some(word);
        }
        let (Some(second), Some(first_unit)) =
            (self.matching.required.pop(), self.matching.required.pop())
        else {
            return Some(word);
        };
        let apart = Node::AllWords {
            words: vec![first, word],
            fields: self.fields.to_vec(),
        };
        self.matching.joined.push(joined.clone());
        self.matching.required.push(Unit {
            label: format!("{} {}", first_unit.label, second.label),
            node: Node::Group(vec![
                (Occur::Should, apart),
                (Occur::Should, held_word(&joined, self.fields)),
            ]),
        });
        None
    }

    /// One more required part, one content word.
    fn require(&mut self, label: String, node: Node) {
        self.content_words += 1;
        self.matching.required.push(Unit { label, node });
    }

    /// The words of one plain clause; `None` when they make the query no keyword query (a
    /// question, a term of too many pieces).
    fn add_words(&mut self, text: &str) -> Option<()> {
        if text.contains(['?', '？']) {
            return None;
        }
        let mut tokens = Vec::new();
        let analyzer = &self.searcher.index.analyzer;
        analyzer.analyze(text, Mode::Query, &mut tokens);
        if tokens.is_empty() {
            return Some(());
        }
        if tokens
            .iter()
            .any(|t| QUESTION_WORDS.contains(&t.text.as_str()))
        {
            return None;
        }
        self.chunks += 1;
        let only_function_words = tokens.iter().all(|t| is_function_word(&t.text));
        // Keywords typed apart: with spaces (each its own clause) or listed with commas.
        let mut part_from = self.matching.required.len();
        let mut last_end = None;
        let runs = glued_runs(text, &tokens);
        let alone = runs.len() == 1 && self.one_clause;
        for run in runs {
            let run_tokens = &tokens[run];
            if run_tokens.len() > MAX_TERM_PIECES {
                return None;
            }
            if last_end.is_some_and(|end| listed_apart(&text[end..run_tokens[0].offset_from])) {
                self.end_typed_part(part_from);
                part_from = self.matching.required.len();
            }
            self.add_run(text, run_tokens, (only_function_words, alone));
            last_end = Some(run_tokens[run_tokens.len() - 1].offset_to);
        }
        self.end_typed_part(part_from);
        // A pair of letters and a character is held as typed by its unit already (and its
        // phrase would miss B站上, cut B / 站上).
        if tokens.len() > 1 && !is_letters_and_character(&tokens) && self.rare(&tokens) {
            self.chunk_tier.push(phrase(&tokens, self.fields));
        }
        let offset = self.all_words.last().map_or(0, |t| t.position + 1);
        let first = tokens[0].position;
        self.all_words.extend(tokens.into_iter().map(|mut t| {
            t.position = t.position - first + offset;
            t
        }));
        Some(())
    }

    /// Counts a part typed apart whose required units start at `from`.
    fn end_typed_part(&mut self, from: usize) {
        self.typed_parts += 1;
        let units = self.matching.required.len() - from;
        self.longest_part = self.longest_part.max(units);
    }

    /// One run of glued tokens of `text`: a term (`P2P`, `京津冀暴雨`) when rare enough,
    /// else each piece required on its own. `alone`: the run is the whole query.
    fn add_run(&mut self, text: &str, run: &[Token], (only_function_words, alone): (bool, bool)) {
        let label = text[run[0].offset_from..run[run.len() - 1].offset_to].to_string();
        let joined: String = run.iter().map(|t| t.text.as_str()).collect();
        if run.len() > 1 && crate::text::is_date_term(&joined) {
            // A date (8月8日): indexed whole, one term, however common its pieces.
            self.content_words += 1;
            let node = held_word(&joined, self.fields);
            self.require(label, node);
            return;
        }
        if is_letters_and_character(run) {
            // B站, QQ群: one sub-word of the index, wherever the segmenter cut the character
            // (QQ / 群等); an index made before holds the pair only as a phrase.
            let pair = held_word(&joined, self.fields);
            let node = match self.searcher.index.meta.letters_with_characters {
                true => pair,
                false => Node::Group(vec![
                    (Occur::Should, phrase(run, self.fields)),
                    (Occur::Should, pair),
                ]),
            };
            self.require(label, node);
            return;
        }
        if run.len() > 1 && !self.rare(run) {
            // Common pieces (8 / 月): each required, not side by side.
            self.content_words += 1;
            for token in run {
                self.matching.required.push(Unit {
                    label: token.text.clone(),
                    node: self.held(&token.text),
                });
            }
            return;
        }
        let node = if run.len() > 1 && is_chinese(run) {
            // One word cut in pieces (消费 / 券): held as typed, however an article's
            // sentence cut it. Its pieces still count as words where the line between
            // keyword queries and questions is drawn (布林肯访华时间 stays a question).
            self.content_words += run.len() - 1;
            let held = self.held(&run.iter().map(|t| t.text.as_str()).collect::<String>());
            match alone {
                true => self.or_begun(run, held),
                false => held,
            }
        } else if is_number_and_unit(run) {
            // 3000亿: the unit may begin a longer word (3000 / 亿元), where the index holds
            // the number with it as a sub-word.
            let joined: String = run.iter().map(|t| t.text.as_str()).collect();
            Node::Group(vec![
                (Occur::Should, phrase(run, self.fields)),
                (Occur::Should, held_word(&joined, self.fields)),
            ])
        } else if run.len() > 1 {
            phrase(run, self.fields)
        } else if only_function_words || !is_function_word(&run[0].text) {
            self.held(&run[0].text)
        } else {
            return;
        };
        // A letter+digit term is one word to its reader (`P2P`, `GPT-4`).
        self.require(label, node);
    }

    /// `held`, or else — for a word and a character the segmenter left alone after it,
    /// typed on their own (`专项债`: 专项 / 债) — the word with the words that character
    /// begins in the most articles after it: an abbreviation as people type it is in most
    /// articles the start of a longer word (专项 / 债券, 专项 / 债务). Only a query of just
    /// that run (a title typed in part is longer: `新京报讯 中央气`, whose phrases of common
    /// words the alternatives would multiply), and only when some article writes the
    /// character alone after the word: one
    /// none does is more likely a word typed in part (`联合国粮`, `王沪宁参`), which the
    /// fallbacks widen with the words holding it or begun by it ([`super::inside`]).
    fn or_begun(&self, run: &[Token], held: Node) -> Node {
        let Some((head, first)) = self.word_and_last_character(run) else {
            return held;
        };
        if head.chars().count() < 2
            || is_function_word(first.encode_utf8(&mut [0; 4]))
            || !self.held_as_typed(run)
        {
            return held;
        }
        let Ok(begun) = self.searcher.words_begun_by(first, MAX_BEGUN_WORDS) else {
            return held;
        };
        let mut alternatives = match held {
            Node::Group(alternatives) => alternatives,
            held => vec![(Occur::Should, held)],
        };
        for word in begun.iter() {
            let words = [(0, head.clone()), (1, word.clone())];
            alternatives.push((Occur::Should, phrase_of(&words, self.fields)));
        }
        Node::Group(alternatives)
    }

    /// A run as a word and the one character after it: as the segmenter cut it (专项 / 债),
    /// or — a run it cut elsewhere (城 / 投债) — its characters but the last when they are a
    /// word of the index (城投 / 债, as 城投债券 is cut 城投 / 债券).
    fn word_and_last_character(&self, run: &[Token]) -> Option<(String, char)> {
        if let [head, last] = run {
            let mut chars = last.text.chars();
            if let (Some(first), None) = (chars.next(), chars.next()) {
                return Some((head.text.clone(), first));
            }
        }
        let joined: String = run.iter().map(|t| t.text.as_str()).collect();
        let first = joined.chars().last()?;
        let head = &joined[..joined.len() - first.len_utf8()];
        let indexed = self.searcher.is_indexed_word(head).unwrap_or(false);
        (run.len() > 1 && indexed).then(|| (head.to_string(), first))
    }

    fn finish(mut self) -> Option<Matching> {
        if self.matching.required.is_empty() {
            return None;
        }
        let spaced_keywords = self.typed_parts > 1
            && self.content_words <= MAX_SPACED_WORDS
            && self.longest_part <= MAX_SPACED_PART_WORDS;
        if self.content_words > MAX_KEYWORD_WORDS
            && !spaced_keywords
            && !self.a_term_held_as_typed()
        {
            return None;
        }
        if self.chunks > 1 && self.all_words.len() > 1 && self.rare(&self.all_words) {
            let whole = phrase(&self.all_words, self.fields);
            self.matching.exact.push(vec![whole]);
        }
        if !self.chunk_tier.is_empty() {
            self.matching.exact.push(self.chunk_tier);
        }
        // Written as typed before written with a space where the query has none.
        let typed: Vec<Vec<Node>> = self
            .matching
            .exact
            .iter()
            .filter_map(|tier| super::strategy::as_typed(tier))
            .collect();
        self.matching.exact.splice(0..0, typed);
        Some(self.matching)
    }
}

/// Whether the text between two words lists them apart (`上海，房价`, `A、B`, `a/b`).
fn listed_apart(between: &str) -> bool {
    between.contains(['，', '、', ',', ';', '；', '/', '／', '|', '+', '＋'])
}

#[cfg(test)]
mod tests;

//! The query language, read into clauses (no tantivy here).
//!
//! ```text
//! 算力 规模             words: rank by all of them, a hit needs at least one
//! "东数西算"            phrase: these words, adjacent and in order (also “东数西算”, ＂东数西算＂)
//! "算力 规模"~2         phrase with slop: up to 2 moves apart
//! +算力  -广告          must contain / must not contain
//! +(算力 OR 电力) -(广告 推广)   groups; OR separates alternatives
//! title:算力  author:新浪财经  category:金融  editor:郭建  tag:x
//! title:"中国 算力"     a field with a phrase
//! date:[2022-01-01 TO 2022-07-31]   date:2022-07   date:[2023 TO *]   (filters)
//! 算力 AND 规模   a && b   NOT 广告   a OR b   a || b      (Lucene's operators)
//! 算*  GPT*             prefix: any word starting so
//! *                     every article (with filters: every matching one)
//! ```
//! A `name:` prefix must be a known field (an unknown one is an error that lists the
//! fields); `http://…` and `10:30` stay text. An unclosed quote or an empty field value is
//! an error that says where (the search reads pasted text of 64 characters or more that
//! has one as plain text instead).

use std::fmt;

/// Whether a clause must, may or must not match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occur {
    /// Ranks; at least one ranking clause must match when no clause is required.
    Should,
    /// Required (`+`).
    Must,
    /// Excluded (`-`).
    MustNot,
}

/// The fields a query can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryField {
    /// `title:`
    Title,
    /// `body:`
    Body,
    /// `author:`
    Author,
    /// `category:` / `categories:`
    Category,
    /// `editor:`
    Editor,
    /// `tag:` / `tags:`
    Tag,
    /// `description:`
    Description,
    /// `date:` (a filter: a period or a range)
    Date,
}

impl QueryField {
    /// The field for a query prefix.
    pub fn from_prefix(prefix: &str) -> Option<QueryField> {
        Some(match prefix.to_ascii_lowercase().as_str() {
            "title" => QueryField::Title,
            "body" | "content" => QueryField::Body,
            "author" => QueryField::Author,
            "category" | "categories" => QueryField::Category,
            "editor" => QueryField::Editor,
            "tag" | "tags" => QueryField::Tag,
            "description" => QueryField::Description,
            "date" => QueryField::Date,
            _ => return None,
        })
    }
}

/// What a clause looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClauseKind {
    /// Words, segmented and matched independently.
    Words(String),
    /// A phrase: words in order, at most `slop` moves apart.
    Phrase {
        /// The text between the quotes.
        text: String,
        /// `~N`, 0 by default.
        slop: u32,
    },
    /// Clauses in parentheses: the group matches when its clauses do (at least one of its
    /// plain clauses, all of its `+` ones, none of its `-` ones).
    Group(Vec<Clause>),
    /// Words starting with this text (`算*`), as written before the `*`.
    Prefix(String),
    /// Every article (`*`).
    All,
    /// A date range, each end a date or period as written (`None` for `*`, open).
    DateRange {
        /// From the start of this date or period.
        from: Option<String>,
        /// To the end of this date or period.
        to: Option<String>,
    },
}

/// One clause of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// Must, should or must not.
    pub occur: Occur,
    /// The field named, or `None` for the default fields.
    pub field: Option<QueryField>,
    /// What it looks for.
    pub kind: ClauseKind,
}

/// A query that cannot be read, with the character position of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuerySyntaxError {
    /// What is wrong.
    pub message: String,
    /// Character offset in the query.
    pub position: usize,
}

impl fmt::Display for QuerySyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.position + 1)
    }
}

impl std::error::Error for QuerySyntaxError {}

/// Reads a query string into clauses.
///
/// ```
/// use sousuo::query::{parse_query, ClauseKind, Occur};
/// let clauses = parse_query("算力 -广告 \"东数西算\"~1").unwrap();
/// assert_eq!(clauses.len(), 3);
/// assert_eq!(clauses[1].occur, Occur::MustNot);
/// assert_eq!(clauses[2].kind, ClauseKind::Phrase { text: "东数西算".into(), slop: 1 });
/// ```
pub fn parse_query(query: &str) -> Result<Vec<Clause>, QuerySyntaxError> {
    let chars: Vec<char> = query.chars().collect();
    let mut i = 0;
    parse_clauses(&chars, &mut i, None)
}

/// How deep parentheses may nest.
const MAX_GROUP_DEPTH: usize = 32;

/// Reads clauses up to the end, or up to the `)` closing the group opened at `open`
/// (`open` holds the positions of the open parentheses).
fn parse_clauses(
    chars: &[char],
    i: &mut usize,
    open: Option<(usize, usize)>,
) -> Result<Vec<Clause>, QuerySyntaxError> {
    let mut clauses: Vec<Clause> = Vec::new();
    // An `OR` between two plain clauses makes them one group (either will do); `AND` makes
    // both sides required; `NOT` excludes the clause after it.
    let mut pending: Option<(Operator, usize)> = None;
    // Whether the last clause is a group that `OR`s made (more alternatives join it).
    let mut last_is_or_group = false;
    while !at_end_of_clauses(chars, i, open, pending)? {
        let start = *i;
        let mut clause = parse_clause(chars, i, open)?;
        if let Some(operator) = Operator::of(&clause) {
            if let Some((previous, position)) = pending {
                return Err(previous.dangling(position));
            }
            if operator != Operator::Not && clauses.is_empty() {
                return Err(operator.dangling(start));
            }
            if operator == Operator::And {
                if let Some(last) = clauses.last_mut() {
                    if last.occur == Occur::Should {
                        last.occur = Occur::Must;
                    }
                }
            }
            pending = Some((operator, start));
            continue;
        }
        match pending.take() {
            Some((Operator::And, _)) if clause.occur == Occur::Should => clause.occur = Occur::Must,
            Some((Operator::Not, _)) => clause.occur = Occur::MustNot,
            Some((Operator::Or, _)) if open.is_none() && clause.occur == Occur::Should => {
                // At the top level `a OR b` is one alternative (a keyword query needs each
                // of its parts, and this part is either word): a group.
                match join_alternative(&mut clauses, clause, last_is_or_group) {
                    None => {
                        last_is_or_group = true;
                        continue;
                    }
                    Some(alone) => clause = alone,
                }
            }
            _ => {}
        }
        last_is_or_group = false;
        clauses.push(clause);
    }
    Ok(clauses)
}

/// Skips spaces; whether the clauses end here: at the end of the query, or at the `)` of
/// the group (which is consumed). An operator with nothing after it is an error there.
fn at_end_of_clauses(
    chars: &[char],
    i: &mut usize,
    open: Option<(usize, usize)>,
    pending: Option<(Operator, usize)>,
) -> Result<bool, QuerySyntaxError> {
    while *i < chars.len() && chars[*i].is_whitespace() {
        *i += 1;
    }
    if *i < chars.len() && !(chars[*i] == ')' && open.is_some()) {
        return Ok(false);
    }
    if *i >= chars.len() {
        if let Some((position, _)) = open {
            return Err(QuerySyntaxError {
                message: "unclosed parenthesis: `(` without `)`".to_string(),
                position,
            });
        }
    } else {
        *i += 1;
    }
    match pending {
        Some((operator, position)) => Err(operator.dangling(position)),
        None => Ok(true),
    }
}

/// `a OR b`: `clause` joins the last plain clause as its alternative (the two become a
/// group, or `clause` joins the group earlier `OR`s made); `clause` comes back when there
/// is no plain clause before it.
fn join_alternative(
    clauses: &mut [Clause],
    clause: Clause,
    last_is_or_group: bool,
) -> Option<Clause> {
    let Some(last) = clauses.last_mut().filter(|c| c.occur == Occur::Should) else {
        return Some(clause);
    };
    match &mut last.kind {
        ClauseKind::Group(alternatives) if last_is_or_group => alternatives.push(clause),
        _ => {
            let first = std::mem::replace(&mut last.kind, ClauseKind::All);
            let first = Clause {
                occur: Occur::Should,
                field: last.field.take(),
                kind: first,
            };
            last.kind = ClauseKind::Group(vec![first, clause]);
        }
    }
    None
}

/// The boolean operators people bring from Lucene and Elasticsearch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    And,
    Or,
    Not,
}

impl Operator {
    /// The operator a plain clause spells (`AND`, `&&`, `OR`, `||`, `NOT`), if any.
    fn of(clause: &Clause) -> Option<Operator> {
        let ClauseKind::Words(word) = &clause.kind else {
            return None;
        };
        if clause.occur != Occur::Should || clause.field.is_some() {
            return None;
        }
        match word.as_str() {
            "AND" | "&&" => Some(Operator::And),
            "OR" | "||" => Some(Operator::Or),
            "NOT" => Some(Operator::Not),
            _ => None,
        }
    }

    /// The error for an operator without a clause on the side it needs one.
    fn dangling(self, position: usize) -> QuerySyntaxError {
        let (word, message) = match self {
            Operator::And => (
                "AND",
                "`AND` needs a clause on each side, as in 算力 AND 规模",
            ),
            Operator::Or => ("OR", "`OR` needs a clause on each side, as in 算力 OR 电力"),
            Operator::Not => ("NOT", "`NOT` needs a clause after it, as in 算力 NOT 广告"),
        };
        QuerySyntaxError {
            message: format!("{message} (to search the word itself, quote it: \"{word}\")"),
            position,
        }
    }
}

/// Reads one clause at `chars[*i]` (not whitespace).
/// A `+` (required) or `-` (excluded) written before a clause, read; without one the
/// clause is optional.
fn read_occur(chars: &[char], i: &mut usize) -> Occur {
    let glued = *i + 1 < chars.len() && !chars[*i + 1].is_whitespace();
    let occur = match chars[*i] {
        '+' if glued => Occur::Must,
        '-' if glued => Occur::MustNot,
        _ => return Occur::Should,
    };
    *i += 1;
    occur
}

fn parse_clause(
    chars: &[char],
    i: &mut usize,
    open: Option<(usize, usize)>,
) -> Result<Clause, QuerySyntaxError> {
    let clause_start = *i;
    let occur = read_occur(chars, i);
    if chars[*i] == '(' {
        let depth = open.map_or(1, |(_, depth)| depth + 1);
        if depth > MAX_GROUP_DEPTH {
            return Err(QuerySyntaxError {
                message: format!("parentheses nested deeper than {MAX_GROUP_DEPTH}"),
                position: *i,
            });
        }
        let position = *i;
        *i += 1;
        let inner = parse_clauses(chars, i, Some((position, depth)))?;
        return Ok(Clause {
            occur,
            field: None,
            kind: ClauseKind::Group(inner),
        });
    }
    let field = read_field(chars, i)?;
    if field == Some(QueryField::Date) {
        let (kind, end) = read_date_range(chars, *i)?;
        *i = end;
        return Ok(Clause { occur, field, kind });
    }
    let close = match chars[*i] {
        '"' => Some(quote_close(chars, *i)?),
        _ => chinese_quote_close(chars, *i),
    };
    if let Some(close) = close {
        let (text, slop) = read_phrase(chars, i, close)?;
        return Ok(Clause {
            occur,
            field,
            kind: ClauseKind::Phrase { text, slop },
        });
    }
    let mut text = read_word(chars, i, open.is_some());
    if let Some((number, end)) = spaced_number_after(chars, *i, open.is_some()) {
        if is_spaced_model_number(&text, &number) {
            text = format!("{text} {number}");
            *i = end;
        }
    }
    if text.is_empty() {
        return Err(QuerySyntaxError {
            message: "a `+` or `-` needs a word after it".to_string(),
            position: clause_start,
        });
    }
    Ok(Clause {
        occur,
        field,
        kind: word_kind(text),
    })
}

/// Reads a word: up to a space or a quote; inside a group a `)` ends it too, outside `(`
/// and `)` are ordinary characters (保利发展(14450 is text).
fn read_word(chars: &[char], i: &mut usize, in_group: bool) -> String {
    let start = *i;
    while *i < chars.len()
        && !chars[*i].is_whitespace()
        && chars[*i] != '"'
        && !(chars[*i] == ')' && in_group)
    {
        *i += 1;
    }
    chars[start..*i].iter().collect()
}

/// The word after the spaces at `chars[i]`, and where it ends, when it is a number.
fn spaced_number_after(chars: &[char], i: usize, in_group: bool) -> Option<(String, usize)> {
    let mut j = i;
    while j < chars.len() && chars[j].is_whitespace() {
        j += 1;
    }
    if j == i || j >= chars.len() || !half_width(chars[j]).is_ascii_digit() {
        return None;
    }
    let mut end = j;
    let word = read_word(chars, &mut end, in_group);
    Some((word, end))
}

/// Whether a word ending in a letter and the number typed after it with a space are one
/// term — `iPhone 15`, `Mate 60`, `RTX 4090`, `GPT 3.5`, `特斯拉Model 3` — as the index
/// holds them (a space between letters and digits is no gap: `GPT 4` is `GPT4`). A year
/// after a word is a keyword of its own (`GDP 2023`, `CVPR 2022`), and so is a number with
/// a sign or unit (`GDP 5%`).
///
/// ```
/// use sousuo::query::is_spaced_model_number;
/// assert!(is_spaced_model_number("iPhone", "15"));
/// assert!(is_spaced_model_number("GPT", "3.5"));
/// assert!(!is_spaced_model_number("GDP", "2023"));
/// assert!(!is_spaced_model_number("GDP", "5%"));
/// assert!(!is_spaced_model_number("华为", "60"));
/// ```
pub fn is_spaced_model_number(word: &str, number: &str) -> bool {
    // Its last visible character: a zero-width space pasted after it is nothing.
    let ends_in_letter = word
        .chars()
        .rfind(|&c| !crate::text::is_invisible(c))
        .is_some_and(|c| half_width(c).is_ascii_alphabetic());
    let number: String = number.chars().map(half_width).collect();
    let bytes = number.as_bytes();
    let is_number = (1..=MAX_MODEL_NUMBER_CHARS).contains(&bytes.len())
        && bytes[0].is_ascii_digit()
        && bytes[bytes.len() - 1].is_ascii_digit()
        && bytes.iter().all(|b| b.is_ascii_digit() || *b == b'.')
        && bytes.iter().filter(|&&b| b == b'.').count() <= 1;
    let year = bytes.len() == 4 && (number.starts_with("19") || number.starts_with("20"));
    ends_in_letter && is_number && !year
}

/// A full-width letter, digit or sign as its ASCII form (a Chinese input method types `６０`).
fn half_width(c: char) -> char {
    crate::text::half_width(c).unwrap_or(c)
}

/// The longest number read with the word before it ([`is_spaced_model_number`]).
const MAX_MODEL_NUMBER_CHARS: usize = 6;

/// A word as written: `*` (every article), `prefix*`, or words.
fn word_kind(text: String) -> ClauseKind {
    if text == "*" {
        return ClauseKind::All;
    }
    match text.strip_suffix('*').filter(|p| !p.contains('*')) {
        Some(prefix) => ClauseKind::Prefix(prefix.to_string()),
        None => ClauseKind::Words(text),
    }
}

/// A `field:` prefix at `chars[*i]`, read past; `None` when there is none.
fn read_field(chars: &[char], i: &mut usize) -> Result<Option<QueryField>, QuerySyntaxError> {
    let Some(colon) = field_prefix_end(chars, *i) else {
        return Ok(None);
    };
    let prefix: String = chars[*i..colon].iter().collect();
    let Some(named) = QueryField::from_prefix(&prefix) else {
        return Err(QuerySyntaxError {
            message: format!(
                "unknown field `{prefix}:`; the fields are {FIELD_NAMES} (to search the text \
                 itself, quote it: \"{prefix}:…\")"
            ),
            position: *i,
        });
    };
    *i = colon + 1;
    if *i >= chars.len() || chars[*i].is_whitespace() || chars[*i] == ')' {
        return Err(QuerySyntaxError {
            message: format!("`{prefix}:` needs a value right after the colon"),
            position: colon,
        });
    }
    Ok(Some(named))
}

/// Where the quote opened at `chars[open]` (a `"`) closes.
fn quote_close(chars: &[char], open: usize) -> Result<usize, QuerySyntaxError> {
    match chars[open + 1..].iter().position(|&c| c == '"') {
        Some(close) => Ok(open + 1 + close),
        None => Err(QuerySyntaxError {
            message: "unclosed quote".to_string(),
            position: open,
        }),
    }
}

/// Where a phrase opened at `chars[open]` with the quotation marks a Chinese input method
/// types (“…”, ＂…＂) closes: only a clause quoted whole is a phrase (the mark that closes
/// it ends the clause), so a word quoted inside a sentence (台风“杜苏芮”登陆, “双碳”目标)
/// stays text, as pasted text does.
fn chinese_quote_close(chars: &[char], open: usize) -> Option<usize> {
    let closing = match chars[open] {
        '“' => '”',
        '＂' => '＂',
        _ => return None,
    };
    let close = open + 1 + chars[open + 1..].iter().position(|&c| c == closing)?;
    let ends = chars
        .get(close + 1)
        .is_none_or(|&c| c.is_whitespace() || c == ')' || c == '~');
    ends.then_some(close)
}

/// A quoted phrase from `chars[*i]` to its closing mark at `close`, with its `~N` slop,
/// read past.
fn read_phrase(
    chars: &[char],
    i: &mut usize,
    close: usize,
) -> Result<(String, u32), QuerySyntaxError> {
    let open_quote = *i;
    let text: String = chars[open_quote + 1..close].iter().collect();
    *i = close + 1;
    let mut slop = 0;
    if *i < chars.len() && chars[*i] == '~' {
        let digits_start = *i + 1;
        let mut end = digits_start;
        while end < chars.len() && chars[end].is_ascii_digit() {
            end += 1;
        }
        let digits: String = chars[digits_start..end].iter().collect();
        slop = digits.parse().map_err(|_| QuerySyntaxError {
            message: "`~` after a phrase needs a number of moves, as in \"a b\"~2".to_string(),
            position: *i,
        })?;
        *i = end;
    }
    Ok((text, slop))
}

/// The field prefixes a query may use, for messages.
const FIELD_NAMES: &str = "title:, body:, author:, category:, editor:, tag:, description:, date:";

/// `[A TO B]` (either end `*`) or a single date or period, from `chars[start..]`; returns
/// the clause kind and where reading stopped.
fn read_date_range(chars: &[char], start: usize) -> Result<(ClauseKind, usize), QuerySyntaxError> {
    if chars[start] != '[' {
        let mut end = start;
        while end < chars.len() && !chars[end].is_whitespace() {
            end += 1;
        }
        let date: String = chars[start..end].iter().collect();
        let kind = ClauseKind::DateRange {
            from: Some(date.clone()),
            to: Some(date),
        };
        return Ok((kind, end));
    }
    let Some(close) = chars[start..].iter().position(|&c| c == ']') else {
        return Err(QuerySyntaxError {
            message: "unclosed date range: `[` without `]`".to_string(),
            position: start,
        });
    };
    let inside: String = chars[start + 1..start + close].iter().collect();
    let Some((from, to)) = inside.split_once(" TO ") else {
        return Err(QuerySyntaxError {
            message: "a date range is written [FROM TO UNTIL], as in [2022-01-01 TO 2022-07]"
                .to_string(),
            position: start,
        });
    };
    let end_of = |text: &str| {
        let text = text.trim();
        (text != "*" && !text.is_empty()).then(|| text.to_string())
    };
    let kind = ClauseKind::DateRange {
        from: end_of(from),
        to: end_of(to),
    };
    Ok((kind, start + close + 1))
}

/// If `chars[start..]` begins with `name:` (ASCII letters) followed by a value, the index of
/// the colon. `http://…` is not a field.
fn field_prefix_end(chars: &[char], start: usize) -> Option<usize> {
    let mut end = start;
    while end < chars.len() && (chars[end].is_ascii_alphabetic() || chars[end] == '_') {
        end += 1;
    }
    let is_colon = end > start && end < chars.len() && chars[end] == ':';
    let is_link = chars.get(end + 1) == Some(&'/');
    (is_colon && !is_link).then_some(end)
}

#[cfg(test)]
mod tests;

//! The query language, read into clauses (no tantivy here).
//!
//! ```text
//! 算力 规模             words: rank by all of them, a hit needs at least one
//! "东数西算"            phrase: these words, adjacent and in order
//! "算力 规模"~2         phrase with slop: up to 2 moves apart
//! +算力  -广告          must contain / must not contain
//! +(算力 OR 电力) -(广告 推广)   groups; OR separates alternatives
//! title:算力  author:新浪财经  category:金融  editor:郭建  tag:x
//! title:"中国 算力"     a field with a phrase
//! date:[2022-01-01 TO 2022-07-31]   date:2022-07   date:[2023 TO *]   (filters)
//! ```
//! A `field:` prefix is read as a field only for a known field name; anything else
//! (`http://…`, `10:30`) stays text. An unclosed quote or an empty field value is an error
//! that says where.

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
    let mut clauses = Vec::new();
    // An `OR` between two clauses only separates them (plain clauses already rank by any
    // of them); a leading or trailing one is the word "OR".
    let mut pending_or: Option<Clause> = None;
    loop {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
        if *i >= chars.len() {
            if let Some((position, _)) = open {
                return Err(QuerySyntaxError {
                    message: "unclosed parenthesis: `(` without `)`".to_string(),
                    position,
                });
            }
            break;
        }
        if chars[*i] == ')' && open.is_some() {
            *i += 1;
            break;
        }
        let clause = parse_clause(chars, i, open)?;
        let is_or = clause.occur == Occur::Should
            && clause.field.is_none()
            && clause.kind == ClauseKind::Words("OR".to_string());
        if let Some(or) = pending_or.take() {
            if is_or {
                clauses.push(or);
            }
        }
        if is_or && !clauses.is_empty() {
            pending_or = Some(clause);
        } else {
            clauses.push(clause);
        }
    }
    clauses.extend(pending_or);
    Ok(clauses)
}

/// Reads one clause at `chars[*i]` (not whitespace).
fn parse_clause(
    chars: &[char],
    i: &mut usize,
    open: Option<(usize, usize)>,
) -> Result<Clause, QuerySyntaxError> {
    let clause_start = *i;
    let occur = match chars[*i] {
        '+' if *i + 1 < chars.len() && !chars[*i + 1].is_whitespace() => {
            *i += 1;
            Occur::Must
        }
        '-' if *i + 1 < chars.len() && !chars[*i + 1].is_whitespace() => {
            *i += 1;
            Occur::MustNot
        }
        _ => Occur::Should,
    };
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
    let mut field = None;
    if let Some(colon) = field_prefix_end(chars, *i) {
        let prefix: String = chars[*i..colon].iter().collect();
        if let Some(named) = QueryField::from_prefix(&prefix) {
            field = Some(named);
            *i = colon + 1;
            if *i >= chars.len() || chars[*i].is_whitespace() || chars[*i] == ')' {
                return Err(QuerySyntaxError {
                    message: format!("`{prefix}:` needs a value right after the colon"),
                    position: colon,
                });
            }
        }
    }
    if field == Some(QueryField::Date) {
        let (kind, end) = read_date_range(chars, *i)?;
        *i = end;
        return Ok(Clause { occur, field, kind });
    }
    if chars[*i] == '"' {
        let open_quote = *i;
        let Some(close) = chars[open_quote + 1..].iter().position(|&c| c == '"') else {
            return Err(QuerySyntaxError {
                message: "unclosed quote".to_string(),
                position: open_quote,
            });
        };
        let close = open_quote + 1 + close;
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
        return Ok(Clause {
            occur,
            field,
            kind: ClauseKind::Phrase { text, slop },
        });
    }
    let start = *i;
    // Inside a group a `)` ends the word; outside, `(` and `)` are ordinary characters
    // (保利发展(14450 is text).
    while *i < chars.len()
        && !chars[*i].is_whitespace()
        && chars[*i] != '"'
        && !(chars[*i] == ')' && open.is_some())
    {
        *i += 1;
    }
    let text: String = chars[start..*i].iter().collect();
    if text.is_empty() {
        return Err(QuerySyntaxError {
            message: "a `+` or `-` needs a word after it".to_string(),
            position: clause_start,
        });
    }
    Ok(Clause {
        occur,
        field,
        kind: ClauseKind::Words(text),
    })
}

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

/// If `chars[start..]` begins with `name:` (ASCII letters), the index of the colon.
fn field_prefix_end(chars: &[char], start: usize) -> Option<usize> {
    let mut end = start;
    while end < chars.len() && (chars[end].is_ascii_alphabetic() || chars[end] == '_') {
        end += 1;
    }
    (end > start && end < chars.len() && chars[end] == ':').then_some(end)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn words(occur: Occur, field: Option<QueryField>, text: &str) -> Clause {
        Clause {
            occur,
            field,
            kind: ClauseKind::Words(text.to_string()),
        }
    }

    #[test]
    fn plain_words() {
        assert_eq!(
            parse_query("  算力  规模 ").unwrap(),
            vec![
                words(Occur::Should, None, "算力"),
                words(Occur::Should, None, "规模")
            ]
        );
        assert!(parse_query("").unwrap().is_empty());
    }

    #[test]
    fn operators_fields_and_phrases() {
        let clauses = parse_query("+算力 -广告 title:\"中国 算力\"~2 author:新浪财经").unwrap();
        assert_eq!(clauses[0], words(Occur::Must, None, "算力"));
        assert_eq!(clauses[1], words(Occur::MustNot, None, "广告"));
        assert_eq!(
            clauses[2],
            Clause {
                occur: Occur::Should,
                field: Some(QueryField::Title),
                kind: ClauseKind::Phrase {
                    text: "中国 算力".to_string(),
                    slop: 2
                }
            }
        );
        assert_eq!(
            clauses[3],
            words(Occur::Should, Some(QueryField::Author), "新浪财经")
        );
    }

    #[test]
    fn unknown_prefixes_and_lone_signs_are_text() {
        let clauses = parse_query("http://a.cn 10:30 - x").unwrap();
        assert_eq!(clauses[0], words(Occur::Should, None, "http://a.cn"));
        assert_eq!(clauses[1], words(Occur::Should, None, "10:30"));
        assert_eq!(clauses[2], words(Occur::Should, None, "-"));
    }

    #[test]
    fn groups_and_or() {
        let clauses = parse_query("+(算力 OR 电力) 规模 -(广告 推广)").unwrap();
        assert_eq!(clauses.len(), 3);
        assert_eq!(clauses[0].occur, Occur::Must);
        assert_eq!(
            clauses[0].kind,
            ClauseKind::Group(vec![
                words(Occur::Should, None, "算力"),
                words(Occur::Should, None, "电力")
            ])
        );
        assert_eq!(clauses[2].occur, Occur::MustNot);
        // OR at either end is a word; parentheses inside a word outside a group are text.
        let clauses = parse_query("OR 保利发展(14450 OR").unwrap();
        assert_eq!(
            clauses,
            vec![
                words(Occur::Should, None, "OR"),
                words(Occur::Should, None, "保利发展(14450"),
                words(Occur::Should, None, "OR")
            ]
        );
        let nested = parse_query("(a (b c))").unwrap();
        assert!(matches!(&nested[0].kind, ClauseKind::Group(inner) if inner.len() == 2));
    }

    #[test]
    fn unbalanced_parentheses_are_errors() {
        let err = parse_query("(a OR").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unclosed parenthesis: `(` without `)` (at character 1)"
        );
        let deep = format!("{}a{}", "(".repeat(40), ")".repeat(40));
        assert!(parse_query(&deep)
            .unwrap_err()
            .message
            .contains("nested deeper"));
        // A stray `)` outside any group is text.
        assert_eq!(
            parse_query("a)").unwrap(),
            vec![words(Occur::Should, None, "a)")]
        );
    }

    #[test]
    fn date_ranges_and_periods() {
        let clauses = parse_query("算力 date:[2022-01-01 TO *] -date:2022-03").unwrap();
        assert_eq!(
            clauses[1].kind,
            ClauseKind::DateRange {
                from: Some("2022-01-01".into()),
                to: None
            }
        );
        assert_eq!(clauses[2].occur, Occur::MustNot);
        assert_eq!(
            clauses[2].kind,
            ClauseKind::DateRange {
                from: Some("2022-03".into()),
                to: Some("2022-03".into())
            }
        );
        assert!(parse_query("date:[2022")
            .unwrap_err()
            .message
            .contains("unclosed date range"));
        assert!(parse_query("date:[2022 2023]")
            .unwrap_err()
            .message
            .contains("[FROM TO UNTIL]"));
    }

    #[test]
    fn malformed_queries_say_what_and_where() {
        let err = parse_query("算力 \"东数西算").unwrap_err();
        assert_eq!(err.to_string(), "unclosed quote (at character 4)");
        let err = parse_query("title:").unwrap_err();
        assert!(err.message.contains("`title:` needs a value"), "{err}");
        let err = parse_query("\"a b\"~x").unwrap_err();
        assert!(err.message.contains("number of moves"), "{err}");
    }

    proptest! {
        #[test]
        fn never_panics(query in "\\PC{0,80}") {
            let _ = parse_query(&query);
        }
    }
}

//! Writing a translated query: OpenSearch query DSL, a Quickwit query string, and the
//! facets' aggregations each engine takes.

use chrono::{DateTime, FixedOffset};
use serde_json::{json, Map, Value};

use super::{Clause, Engine};

/// Counts per category and per month, China time (as `--facets`). Quickwit's date
/// histogram takes only fixed intervals: its months are a `range` aggregation with one
/// bucket per month of the index's dates.
pub(super) fn facet_aggregations(engine: Engine, months: &[(String, u64)]) -> Value {
    let categories = json!({ "terms": { "field": "categories", "size": 50 } });
    let months = match engine {
        Engine::OpenSearch => json!({ "date_histogram": {
            "field": "date", "calendar_interval": "month", "time_zone": "+08:00", "min_doc_count": 1
        } }),
        Engine::Quickwit => {
            let ranges: Vec<Value> = month_starts(months)
                .windows(2)
                .map(|pair| {
                    let key = pair[0].format("%Y-%m").to_string();
                    // Nanoseconds: what Quickwit 0.9 reads for a datetime field (its
                    // aggregation docs say milliseconds; a bound in milliseconds lands
                    // in January 1970).
                    let nanos = |date: &DateTime<FixedOffset>| {
                        date.timestamp_nanos_opt().unwrap_or(i64::MAX)
                    };
                    let (from, to) = (nanos(&pair[0]), nanos(&pair[1]));
                    json!({ "key": key, "from": from, "to": to })
                })
                .collect();
            json!({ "range": { "field": "date", "ranges": ranges } })
        }
    };
    json!({ "categories": categories, "months": months })
}

/// The start of every month from the first of `months` (`2022-07`) to the one after the
/// last, China time, gaps filled (Quickwit's ranges must be continuous).
fn month_starts(months: &[(String, u64)]) -> Vec<DateTime<FixedOffset>> {
    let china = FixedOffset::east_opt(8 * 3600).expect("a valid offset");
    let parse = |month: &str| -> Option<(i32, u32)> {
        let (year, month) = month.split_once('-')?;
        Some((year.parse().ok()?, month.parse().ok()?))
    };
    let (Some(first), Some(last)) = (
        months.first().and_then(|m| parse(&m.0)),
        months.last().and_then(|m| parse(&m.0)),
    ) else {
        return Vec::new();
    };
    let mut starts = Vec::new();
    let (mut year, mut month) = first;
    while let Some(start) = chrono::NaiveDate::from_ymd_opt(year, month, 1)
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .and_then(|time| time.and_local_timezone(china).single())
    {
        starts.push(start);
        if (year, month) > last {
            break;
        }
        (year, month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
    }
    starts
}

/// The clause as OpenSearch / Elasticsearch query DSL.
pub fn dsl(clause: &Clause) -> Value {
    match clause {
        Clause::Term { field, term, boost } => {
            json!({ "term": { field: { "value": term, "boost": rounded(*boost) } } })
        }
        Clause::Phrase {
            field,
            terms,
            slop,
            boost,
        } => json!({ "match_phrase": { field: {
            "query": terms.join(" "), "slop": slop, "boost": rounded(*boost)
        } } }),
        Clause::Prefix {
            field,
            prefix,
            boost,
        } => json!({ "prefix": { field: { "value": prefix, "boost": rounded(*boost) } } }),
        Clause::Range { field, from, to } => {
            let mut bounds = Map::new();
            let ends = [("gte", from), ("lt", to)];
            for (name, end) in ends {
                if let Some(end) = end {
                    bounds.insert(name.into(), json!(end));
                }
            }
            json!({ "range": { field: bounds } })
        }
        Clause::All => json!({ "match_all": {} }),
        Clause::Bool {
            must,
            should,
            must_not,
            filter,
        } => bool_dsl(must, should, must_not, filter),
        Clause::Covering {
            parts,
            minimum,
            bonus,
        } => json!({ "constant_score": {
            "filter": { "bool": {
                "should": parts.iter().map(dsl).collect::<Vec<_>>(),
                "minimum_should_match": minimum
            } },
            "boost": bonus
        } }),
    }
}

/// The clause as a Quickwit query string.
pub fn query_string(clause: &Clause) -> String {
    match clause {
        Clause::Term { field, term, boost } => {
            format!("{field}:{}{}", quoted(term), boost_suffix(*boost))
        }
        Clause::Phrase {
            field,
            terms,
            slop,
            boost,
        } => format!(
            "{field}:{}~{slop}{}",
            quoted(&terms.join(" ")),
            boost_suffix(*boost)
        ),
        Clause::Prefix {
            field,
            prefix,
            boost,
        } => format!("{field}:{}*{}", escaped(prefix), boost_suffix(*boost)),
        Clause::Range { field, from, to } => {
            let from = from.as_deref().unwrap_or("*");
            let to = to.as_deref().unwrap_or("*");
            let close = if to == "*" { ']' } else { '}' };
            format!("{field}:[{from} TO {to}{close}")
        }
        Clause::All => "*".into(),
        Clause::Bool {
            must,
            should,
            must_not,
            filter,
        } => bool_string(must, should, must_not, filter),
        Clause::Covering {
            parts,
            minimum,
            bonus,
        } => {
            // Every subset of `minimum` parts, each a constant bonus: a document covering
            // more parts matches more subsets (Quickwit has no constant-score query).
            let mut subsets = Vec::new();
            combinations(parts.len(), *minimum, &mut Vec::new(), 0, &mut subsets);
            let any: Vec<String> = subsets
                .iter()
                .map(|subset| {
                    let all: Vec<String> = subset
                        .iter()
                        .map(|&i| without_score(group(&parts[i])))
                        .collect();
                    format!("({} AND (id:*){})", all.join(" AND "), boost_suffix(*bonus))
                })
                .collect();
            format!("({})", any.join(" OR "))
        }
    }
}

/// A boolean query in the query DSL: its non-empty lists, and with only optional
/// clauses, at least one of them.
fn bool_dsl(must: &[Clause], should: &[Clause], must_not: &[Clause], filter: &[Clause]) -> Value {
    let lists = [
        ("must", must),
        ("should", should),
        ("must_not", must_not),
        ("filter", filter),
    ];
    let mut bool: Map<String, Value> = lists
        .into_iter()
        .filter(|(_, list)| !list.is_empty())
        .map(|(name, list)| (name.into(), Value::Array(list.iter().map(dsl).collect())))
        .collect();
    if must.is_empty() && filter.is_empty() && !should.is_empty() {
        bool.insert("minimum_should_match".into(), json!(1));
    }
    json!({ "bool": bool })
}

/// A boolean query as a query string: the required and filtering clauses joined by AND,
/// the optional ones as one OR group, the excluded after NOT.
fn bool_string(
    must: &[Clause],
    should: &[Clause],
    must_not: &[Clause],
    filter: &[Clause],
) -> String {
    if must.is_empty() && filter.is_empty() && must_not.is_empty() && !should.is_empty() {
        let any: Vec<String> = should.iter().map(group).collect();
        return any.join(" OR ");
    }
    let mut parts: Vec<String> = must.iter().map(group).collect();
    parts.extend(filter.iter().map(|c| without_score(group(c))));
    if !should.is_empty() {
        let mut any: Vec<String> = should.iter().map(group).collect();
        if !must.is_empty() || !filter.is_empty() {
            // Optional beside required clauses: `*` matches the rest.
            any.push("*".into());
        }
        parts.push(format!("({})", any.join(" OR ")));
    }
    if parts.is_empty() {
        parts.push("*".into());
    }
    parts.extend(must_not.iter().map(|c| format!("NOT {}", group(c))));
    parts.join(" AND ")
}

/// A clause that only matches: boosted by 0 (once).
fn without_score(text: String) -> String {
    if text.ends_with("^0") {
        text
    } else {
        format!("{text}^0")
    }
}

/// A boost as a short decimal (f32's 0.7 is 0.699999988 as f64).
fn rounded(boost: f32) -> f64 {
    (f64::from(boost) * 1e6).round() / 1e6
}

/// A clause's query string, in parentheses unless it is one term, phrase or prefix.
fn group(clause: &Clause) -> String {
    let text = query_string(clause);
    match clause {
        Clause::Term { .. } | Clause::Phrase { .. } | Clause::Prefix { .. } | Clause::All => text,
        _ => format!("({text})"),
    }
}

fn boost_suffix(boost: f32) -> String {
    if boost == 1.0 {
        String::new()
    } else {
        format!("^{}", format_boost(boost))
    }
}

fn format_boost(boost: f32) -> String {
    let text = format!("{boost:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() {
        "0".into()
    } else {
        text.into()
    }
}

/// A term in double quotes (`"` and `\` escaped).
fn quoted(term: &str) -> String {
    format!("\"{}\"", term.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A term with the query language's special characters escaped.
fn escaped(term: &str) -> String {
    let mut out = String::with_capacity(term.len());
    for c in term.chars() {
        if "+^`:{}\"[]()~!\\*? -&|<>=/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Every `k`-subset of `0..n`, in order.
fn combinations(
    n: usize,
    k: usize,
    current: &mut Vec<usize>,
    start: usize,
    out: &mut Vec<Vec<usize>>,
) {
    if current.len() == k {
        out.push(current.clone());
        return;
    }
    for i in start..n {
        current.push(i);
        combinations(n, k, current, i + 1, out);
        current.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsets_and_boosts_are_written_as_quickwit_reads_them() {
        let mut out = Vec::new();
        combinations(3, 2, &mut Vec::new(), 0, &mut out);
        assert_eq!(out, vec![vec![0, 1], vec![0, 2], vec![1, 2]]);
        assert_eq!(format_boost(0.35), "0.35");
        assert_eq!(format_boost(2.0), "2");
        assert_eq!(format_boost(0.0), "0");
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
        assert_eq!(escaped("c++"), "c\\+\\+");
    }

    #[test]
    fn optional_clauses_beside_required_ones_stay_optional_in_quickwit() {
        let term = |t: &str| Clause::Term {
            field: "body_tokens".into(),
            term: t.into(),
            boost: 1.0,
        };
        let query = Clause::Bool {
            must: vec![term("a")],
            should: vec![term("b")],
            must_not: vec![term("c")],
            filter: Vec::new(),
        };
        assert_eq!(
            query_string(&query),
            "body_tokens:\"a\" AND (body_tokens:\"b\" OR *) AND NOT body_tokens:\"c\""
        );
    }
}

//! The query plan: what a query means, as plain data between the parsed clauses and
//! tantivy (as tantivy goes from its `LogicalAst` to a `Query`).
//!
//! The plan names the words (analyzed as the index was), the fields with their weights,
//! synonyms, phrases, prefixes, filters and the words that earn the proximity bonus.
//! Everything downstream reads it: the tantivy query ([`super::build`]), the words to
//! highlight, the proximity clause. Invariants: a plan holds only analyzed, normalised
//! terms; filters never rank; a plan is a function of the query, the request's filters,
//! the index's schema, analyzer, synonyms and document frequencies (for the matching
//! strategy, [`super::matching`]), and the current time (for relative dates).

use chrono::{DateTime, FixedOffset};

use crate::article::parse_date_period;
use crate::error::{Error, Result};
use crate::query::{Clause, ClauseKind, Occur, QueryField};
use crate::schema::{ArticleField, FieldType, IndexedField};
use crate::text::{is_function_word, normalize_term, to_simplified, Mode};

use super::strategy::Matching;
use super::{ArticleSearcher, Filters, SYNONYM_WEIGHT};

/// A field a node searches, by its schema name, and the weight of a match there.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldWeight {
    /// The field's name in the schema.
    pub field: String,
    /// Its boost.
    pub weight: f32,
}

/// One thing a query looks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A word in any of the fields (and inside longer words, in fields that keep
    /// sub-words), its score times `weight` (1 for the query's own words, less for a
    /// synonym).
    Word {
        /// The analyzed term.
        word: String,
        /// Where.
        fields: Vec<FieldWeight>,
        /// Relative weight.
        weight: f32,
    },
    /// A word the best first-pass hits share (pseudo-relevance feedback), scored as a
    /// [`Node::Word`]: its score times `weight`.
    Feedback {
        /// The analyzed term.
        word: String,
        /// Where.
        fields: Vec<FieldWeight>,
        /// Relative weight.
        weight: f32,
    },
    /// Every one of the words, each in any of the fields (`+算力规模`, `-广告推广`).
    AllWords {
        /// The analyzed terms.
        words: Vec<String>,
        /// Where.
        fields: Vec<FieldWeight>,
    },
    /// The words in order, at most `slop` moves apart, in one of the fields; written with
    /// or without a space where Chinese meets letters or digits ([`searched_slop`]).
    Phrase {
        /// The terms with their positions.
        words: Vec<(usize, String)>,
        /// Moves allowed.
        slop: u32,
        /// Where.
        fields: Vec<FieldWeight>,
        /// Spaced only where the query is (`荣耀Magic5` not in 荣耀 Magic5): the tier of a
        /// query as typed.
        as_typed: bool,
    },
    /// Words starting with `prefix` (normalised).
    Prefix {
        /// The start of the words.
        prefix: String,
        /// Where.
        fields: Vec<FieldWeight>,
    },
    /// One of the exact values in one of the fields (author, category, editor, tag, id).
    Exact {
        /// The values.
        values: Vec<String>,
        /// Where.
        fields: Vec<FieldWeight>,
    },
    /// A date from `from` (included) to `to` (excluded); `None` is open. With both `None`:
    /// any dated article.
    DateRange {
        /// Start.
        from: Option<DateTime<FixedOffset>>,
        /// End.
        to: Option<DateTime<FixedOffset>>,
    },
    /// Articles last ingested after this time (microseconds since the epoch).
    IngestedAfter(i64),
    /// Every article.
    All,
    /// Clauses taken together (at least one of the plain ones, all required, no excluded).
    Group(Vec<(Occur, Node)>),
}

/// What a query means.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryPlan {
    /// What ranks (and the required and excluded words).
    pub ranking: Vec<(Occur, Node)>,
    /// What restricts the hits without scoring: dates, exact values, `*`, the request's
    /// filter flags.
    pub filters: Vec<(Occur, Node)>,
    /// The plain words of the top level, in order: close together, they earn the
    /// proximity bonus.
    pub proximity_words: Vec<String>,
    /// The same words joined, all of them (a long query's search keeps only its most
    /// distinctive): what a hit holds when it holds the query as written.
    pub verbatim: String,
    /// The words of two characters or more of the longest plain clause of the top level,
    /// but its first and last (a span copied from a text may cut them otherwise), the
    /// first [`super::limits::MAX_QUERY_WORDS`] of them, each required: what a passage's
    /// source holds ([`super::feedback::is_passage`]).
    pub passage: Option<Node>,
    /// The words to mark in titles and snippets.
    pub highlight: Vec<String>,
    /// The top-level plain clauses, one per part of the query the user set apart with
    /// spaces (a word, a phrase, a prefix, a group), each as what a document must hold to
    /// cover it: articles covering more of them rank first, by score within (Meilisearch's
    /// words rule). Empty unless the query has two or more, and for keyword queries
    /// (which require every part instead).
    pub concepts: Vec<Node>,
    /// A keyword query's required parts and exactness tiers ([`super::matching`]); `None`
    /// for a question or passage, ranked by any of its words.
    pub matching: Option<Matching>,
    /// The words of a long query left out of the search: all but the
    /// [`super::limits::MAX_QUERY_WORDS`] most distinctive.
    pub ignored: Vec<String>,
    /// Filter values no article has, each a warning naming the closest stored values.
    pub unknown_values: Vec<String>,
    /// Why the query was read as plain text: it had too many phrases, prefixes, groups and
    /// `+`/`-` parts ([`super::limits::MAX_QUERY_PARTS`]), or was pasted text the query
    /// language cannot read.
    pub read_as_text: Option<String>,
}

impl QueryPlan {
    /// Adds a filter: at the top level to the filters; inside a group it stays in place
    /// among the group's clauses.
    fn push_filter(&mut self, top: bool, occur: Occur, node: Node) {
        let list = if top {
            &mut self.filters
        } else {
            &mut self.ranking
        };
        list.push((occur, node));
    }

    /// Whether anything in it ranks (not only filters and exclusions).
    pub fn ranks(&self) -> bool {
        self.ranking
            .iter()
            .any(|(occur, _)| *occur != Occur::MustNot)
    }
}

impl ArticleSearcher {
    /// The plan of `clauses` with the request's `filters`.
    pub fn plan(&self, clauses: &[Clause], filters: &Filters) -> Result<QueryPlan> {
        let mut plan = QueryPlan::default();
        for clause in clauses {
            self.plan_clause(clause, &mut plan, true)?;
        }
        self.plan_filters(filters, &mut plan)?;
        let fields = field_weights(&self.clause_fields(None)?);
        plan.matching = self.keyword_matching(clauses, &fields);
        super::strategy::rank_joined_words(&mut plan, &fields);
        if plan.concepts.len() < 2 || plan.matching.is_some() {
            plan.concepts.clear();
        }
        if let Some(parts) = Self::too_many_parts(&plan) {
            let mut plan = self.plan(&super::limits::plain_text(clauses), filters)?;
            plan.read_as_text = Some(format!(
                "the query has {parts} phrases, prefixes, groups and required or excluded \
                 words, more than {}",
                super::limits::MAX_QUERY_PARTS
            ));
            return Ok(plan);
        }
        self.bound(&mut plan);
        // Function and question words (的, 在, 哪些) are not marked beside content words.
        if plan.highlight.iter().any(|word| !is_function_word(word)) {
            plan.highlight.retain(|word| !is_function_word(word));
        }
        Ok(plan)
    }

    /// The node of a clause that only filters (a date range, `*`).
    fn filter_node(&self, kind: &ClauseKind) -> Result<Option<Node>> {
        Ok(match kind {
            ClauseKind::DateRange { from, to } => {
                Some(self.date_node(from.as_deref(), to.as_deref())?)
            }
            ClauseKind::All => Some(Node::All),
            _ => None,
        })
    }

    /// Adds one clause to `plan`; `top` is false inside groups (where filters stay in place
    /// and words earn no proximity bonus).
    pub(super) fn plan_clause(
        &self,
        clause: &Clause,
        plan: &mut QueryPlan,
        top: bool,
    ) -> Result<()> {
        let filter_occur = match clause.occur {
            Occur::MustNot => Occur::MustNot,
            _ => Occur::Must,
        };
        if let Some(node) = self.filter_node(&clause.kind)? {
            plan.push_filter(top, filter_occur, node);
            return Ok(());
        }
        if let ClauseKind::Group(inner) = &clause.kind {
            return self.plan_group(clause.occur, inner, plan);
        }
        let fields = self.clause_fields(clause.field)?;
        let weights = field_weights(&fields);
        if let ClauseKind::Prefix(prefix) = &clause.kind {
            let node = prefix_node(prefix, weights)?;
            if top && clause.occur == Occur::Should {
                plan.concepts.push(node.clone());
            }
            plan.ranking.push((clause.occur, node));
            return Ok(());
        }
        let terms = self.clause_terms(clause, &fields);
        if terms.is_empty() {
            return Ok(());
        }
        if is_exact(clause, &fields) {
            let asked: Vec<String> = terms.into_iter().map(|(_, value)| value).collect();
            let (values, unknown) = self.stored_values(&fields, &asked)?;
            if clause.occur != Occur::MustNot {
                plan.unknown_values.extend(unknown);
            }
            let node = Node::Exact {
                values,
                fields: weights,
            };
            plan.push_filter(top, filter_occur, node);
            return Ok(());
        }
        if clause.occur != Occur::MustNot {
            plan.highlight.extend(terms.iter().map(|(_, t)| t.clone()));
        }
        if top && clause.occur == Occur::Should {
            plan.concepts
                .push(concept(clause, &terms, field_weights(&fields)));
        }
        self.plan_terms(clause, terms, &fields, plan, top);
        Ok(())
    }

    /// A group: its clauses planned apart, as one node.
    fn plan_group(&self, occur: Occur, inner: &[Clause], plan: &mut QueryPlan) -> Result<()> {
        let mut group = QueryPlan::default();
        for clause in inner {
            self.plan_clause(clause, &mut group, false)?;
        }
        if occur != Occur::MustNot {
            plan.highlight.extend(group.highlight);
        }
        if !group.ranking.is_empty() {
            let node = Node::Group(group.ranking);
            if occur == Occur::Should {
                plan.concepts.push(node.clone());
            }
            plan.ranking.push((occur, node));
        }
        Ok(())
    }

    /// The analyzed terms of a words or phrase clause as ranking nodes: plain words one by
    /// one (with their synonyms, and at the top level for the proximity bonus), required or
    /// excluded words together, a phrase as a phrase.
    fn plan_terms(
        &self,
        clause: &Clause,
        terms: Vec<(usize, String)>,
        fields: &[(&IndexedField, f32)],
        plan: &mut QueryPlan,
        top: bool,
    ) {
        let weights = field_weights(fields);
        match (&clause.kind, clause.occur) {
            (ClauseKind::Words(_), Occur::Should) => {
                if top && clause.field.is_none() {
                    plan.proximity_words
                        .extend(terms.iter().map(|(_, t)| t.clone()));
                    plan.verbatim.extend(terms.iter().map(|(_, t)| t.as_str()));
                    if let Some(passage) = passage_words(&terms, &weights, &plan.passage) {
                        plan.passage = Some(passage);
                    }
                }
                for (_, word) in terms {
                    self.plan_synonyms(&word, fields, plan);
                    let weight = if is_function_word(&word) {
                        self.ranking.function_word_weight
                    } else {
                        1.0
                    };
                    let node = Node::Word {
                        word,
                        fields: weights.clone(),
                        weight,
                    };
                    plan.ranking.push((Occur::Should, node));
                }
            }
            (ClauseKind::Phrase { slop, .. }, occur) => {
                let node = Node::Phrase {
                    words: terms,
                    slop: *slop,
                    fields: weights,
                    as_typed: false,
                };
                plan.ranking.push((occur, node));
            }
            (_, occur) => {
                let words = terms.into_iter().map(|(_, word)| word).collect();
                plan.ranking.push((
                    occur,
                    Node::AllWords {
                        words,
                        fields: weights,
                    },
                ));
            }
        }
    }

    /// The synonyms of a plain query word, at [`SYNONYM_WEIGHT`].
    fn plan_synonyms(&self, word: &str, fields: &[(&IndexedField, f32)], plan: &mut QueryPlan) {
        for synonym in self.synonyms.get(word).into_iter().flatten() {
            for word in self.index.analyzer.words(synonym) {
                plan.highlight.push(word.clone());
                let node = Node::Word {
                    word,
                    fields: field_weights(fields),
                    weight: SYNONYM_WEIGHT,
                };
                plan.ranking.push((Occur::Should, node));
            }
        }
    }

    /// The request's filter flags.
    fn plan_filters(&self, filters: &Filters, plan: &mut QueryPlan) -> Result<()> {
        for (field, values) in [
            (QueryField::Category, &filters.categories),
            (QueryField::Author, &filters.authors),
            (QueryField::Tag, &filters.tags),
        ] {
            if values.is_empty() {
                continue;
            }
            let searched = self.clause_fields(Some(field))?;
            let (values, unknown) = self.stored_values(&searched, values)?;
            plan.unknown_values.extend(unknown);
            let node = Node::Exact {
                values,
                fields: field_weights(&searched),
            };
            plan.filters.push((Occur::Must, node));
        }
        if filters.since.is_some() || filters.until.is_some() {
            let node = self.date_node(filters.since.as_deref(), filters.until.as_deref())?;
            plan.filters.push((Occur::Must, node));
        }
        if let Some(after) = filters.ingested_after {
            plan.filters.push((Occur::Must, Node::IngestedAfter(after)));
        }
        Ok(())
    }

    /// Dates from the start of `from` to the end of `to`, as written (either open).
    fn date_node(&self, from: Option<&str>, to: Option<&str>) -> Result<Node> {
        if self.index.fields.get(ArticleField::Date).is_none() {
            return Err(Error::Refused("this index has no date field".to_string()));
        }
        let period = |text: &str| {
            parse_date_period(text).ok_or_else(|| {
                Error::Query(format!(
                    "cannot read {text:?} as a date (write 2022-07-30, 2022-07, 2022, or a period \
                     back from now: 7d, 2w, 3mo, 1y, today, yesterday, this week, 本周)"
                ))
            })
        };
        Ok(Node::DateRange {
            from: from.map(period).transpose()?.map(|(start, _)| start),
            to: to.map(period).transpose()?.map(|(_, end)| end),
        })
    }

    /// The fields a clause searches, with their boosts.
    pub(crate) fn clause_fields(
        &self,
        field: Option<QueryField>,
    ) -> Result<Vec<(&IndexedField, f32)>> {
        let fields = &self.index.fields;
        let Some(named) = field else {
            return Ok(fields
                .searchable_text()
                .filter(|(f, _)| self.default_fields.contains(&f.source))
                .collect());
        };
        let source = match named {
            QueryField::Title => ArticleField::Title,
            QueryField::Body => ArticleField::Body,
            QueryField::Author => ArticleField::Author,
            QueryField::Category => ArticleField::Categories,
            QueryField::Editor => ArticleField::Editor,
            QueryField::Tag => ArticleField::Tags,
            QueryField::Description => ArticleField::Description,
            QueryField::Date => ArticleField::Date,
        };
        match fields.get(source) {
            Some(field) if field.spec.field_type != FieldType::Stored => {
                Ok(vec![(field, field.spec.boost.unwrap_or(1.0))])
            }
            _ => Err(Error::Query(format!(
                "field {named:?} is not searchable in this index (see its schema)"
            ))),
        }
    }

    /// The analyzed terms of a words or phrase clause, with their positions (a whole value
    /// for a field of exact values).
    fn clause_terms(
        &self,
        clause: &Clause,
        fields: &[(&IndexedField, f32)],
    ) -> Vec<(usize, String)> {
        let text = match &clause.kind {
            ClauseKind::Words(text) | ClauseKind::Phrase { text, .. } => text,
            _ => return Vec::new(),
        };
        let analyzed = fields
            .iter()
            .all(|(f, _)| f.spec.field_type == FieldType::Text);
        if !analyzed {
            let value = text.trim();
            return if value.is_empty() {
                Vec::new()
            } else {
                vec![(0, value.to_string())]
            };
        }
        let mut tokens = Vec::new();
        self.index.analyzer.analyze(text, Mode::Query, &mut tokens);
        tokens.into_iter().map(|t| (t.position, t.text)).collect()
    }
}

/// The slop a phrase is searched with: its own, and — unless it is the query as typed —
/// one move for each place where Chinese meets letters or digits, where the index leaves a
/// position empty if the text writes a space ([`crate::text::spacing_slop`]).
pub(super) fn searched_slop(words: &[(usize, String)], slop: u32, as_typed: bool) -> u32 {
    match as_typed {
        true => slop,
        false => slop + crate::text::spacing_slop(words),
    }
}

/// The [`QueryPlan::passage`] of a plain clause of `terms`, when longer than `longest`.
fn passage_words(
    terms: &[(usize, String)],
    fields: &[FieldWeight],
    longest: &Option<Node>,
) -> Option<Node> {
    let inner = match terms.len() {
        n if n >= 4 => &terms[1..n - 1],
        _ => terms,
    };
    let mut words: Vec<String> = Vec::new();
    for (_, word) in inner {
        // A source holds them all; a long paste needs no more of them to be found.
        if words.len() == super::limits::MAX_QUERY_WORDS {
            break;
        }
        if word.chars().count() >= 2 && !words.contains(word) {
            words.push(word.clone());
        }
    }
    let held = match longest {
        Some(Node::AllWords { words, .. }) => words.len(),
        _ => 0,
    };
    (words.len() > held).then(|| Node::AllWords {
        words,
        fields: fields.to_vec(),
    })
}

/// What a document must hold to cover a plain clause: a phrase as written, the words of
/// a word clause all (each whole or inside a longer word: `新能源汽车` is covered by 新能源 and 汽车).
fn concept(clause: &Clause, terms: &[(usize, String)], fields: Vec<FieldWeight>) -> Node {
    match &clause.kind {
        ClauseKind::Phrase { slop, .. } => Node::Phrase {
            words: terms.to_vec(),
            slop: *slop,
            fields,
            as_typed: false,
        },
        _ => Node::AllWords {
            words: terms.iter().map(|(_, word)| word.clone()).collect(),
            fields,
        },
    }
}

/// The schema names and boosts of `fields`.
pub(super) fn field_weights(fields: &[(&IndexedField, f32)]) -> Vec<FieldWeight> {
    fields
        .iter()
        .map(|(field, weight)| FieldWeight {
            field: field.spec.name.clone(),
            weight: *weight,
        })
        .collect()
}

/// Whether a clause names fields of exact values (author, category, editor, tag): then it
/// filters instead of ranking.
fn is_exact(clause: &Clause, fields: &[(&IndexedField, f32)]) -> bool {
    clause.field.is_some()
        && !fields.is_empty()
        && fields.iter().all(|(field, _)| {
            matches!(
                field.spec.field_type,
                FieldType::String | FieldType::Facet | FieldType::Date
            )
        })
}

/// `prefix*`: the prefix folded as the text is (simplified, width and case).
fn prefix_node(prefix: &str, fields: Vec<FieldWeight>) -> Result<Node> {
    let Some(normalized) = normalize_term(prefix) else {
        return Err(Error::Query(format!(
            "`{prefix}*` needs a letter, digit or character before the `*`"
        )));
    };
    let prefix = to_simplified(&normalized).into_owned();
    Ok(Node::Prefix { prefix, fields })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse_query;

    /// A searcher on an index of one post with the built-in schema: title ×2 and body ×1
    /// are the text fields it fills.
    fn searcher() -> (tempfile::TempDir, ArticleSearcher) {
        let post = "---\ntitle: 标题\nauthor: 央视网\n---\n正文\n";
        super::super::searcher_over(&[("a.md", post)])
    }

    fn plan_of(searcher: &ArticleSearcher, query: &str) -> QueryPlan {
        searcher
            .plan(&parse_query(query).unwrap(), &Filters::default())
            .unwrap()
    }

    fn text_fields() -> Vec<FieldWeight> {
        vec![
            FieldWeight {
                field: "title".into(),
                weight: 2.0,
            },
            FieldWeight {
                field: "body".into(),
                weight: 1.0,
            },
        ]
    }

    fn word(text: &str) -> (Occur, Node) {
        let node = Node::Word {
            word: text.into(),
            fields: text_fields(),
            weight: 1.0,
        };
        (Occur::Should, node)
    }

    #[test]
    fn plain_words_rank_and_earn_proximity() {
        let (_dir, searcher) = searcher();
        let plan = plan_of(&searcher, "算力规模 排名");
        assert_eq!(plan.ranking, vec![word("算力"), word("规模"), word("排名")]);
        assert!(plan.filters.is_empty());
        assert_eq!(plan.proximity_words, ["算力", "规模", "排名"]);
        assert_eq!(plan.highlight, ["算力", "规模", "排名"]);
        assert!(plan.ranks());
    }

    #[test]
    fn each_spaced_part_is_a_concept() {
        let (_dir, searcher) = searcher();
        // A question: its first part is more than two words.
        let plan = plan_of(&searcher, "算力规模增长 排名 \"数据 中心\" -广告");
        let all_words = |words: &[&str]| Node::AllWords {
            words: words.iter().map(|w| w.to_string()).collect(),
            fields: text_fields(),
        };
        assert_eq!(plan.concepts.len(), 3, "{:?}", plan.concepts);
        assert_eq!(plan.concepts[0], all_words(&["算力", "规模", "增长"]));
        assert_eq!(plan.concepts[1], all_words(&["排名"]));
        assert!(matches!(&plan.concepts[2], Node::Phrase { words, .. } if words.len() == 2));
        // One part (an unspaced question, or one word beside a filter): no tiers.
        assert!(plan_of(&searcher, "算力规模排名").concepts.is_empty());
        assert!(plan_of(&searcher, "算力 author:央视网").concepts.is_empty());
    }

    #[test]
    fn field_values_and_dates_filter_and_excluded_words_are_not_marked() {
        let (_dir, searcher) = searcher();
        let plan = plan_of(&searcher, "暴雨 -广告 author:央视网 date:2023-07");
        assert_eq!(plan.ranking.len(), 2);
        assert_eq!(plan.ranking[0], word("暴雨"));
        assert_eq!(
            plan.ranking[1],
            (
                Occur::MustNot,
                Node::AllWords {
                    words: vec!["广告".into()],
                    fields: text_fields()
                }
            )
        );
        let author = Node::Exact {
            values: vec!["央视网".into()],
            fields: vec![FieldWeight {
                field: "author".into(),
                weight: 1.0,
            }],
        };
        assert_eq!(plan.filters[0], (Occur::Must, author));
        let Node::DateRange { from, to } = &plan.filters[1].1 else {
            panic!("{:?}", plan.filters[1]);
        };
        assert_eq!(from.unwrap().to_rfc3339(), "2023-07-01T00:00:00+08:00");
        assert_eq!(to.unwrap().to_rfc3339(), "2023-08-01T00:00:00+08:00");
        assert_eq!(plan.highlight, ["暴雨"]);
    }

    #[test]
    fn function_words_are_marked_only_when_there_is_nothing_else() {
        let (_dir, searcher) = searcher();
        let plan = plan_of(&searcher, "算力的规模是什么");
        assert_eq!(plan.highlight, ["算力", "规模"]);
        assert_eq!(plan.ranking.len(), 5, "they still rank");
        assert_eq!(plan_of(&searcher, "什么").highlight, ["什么"]);
    }

    #[test]
    fn the_request_filters_join_the_query_filters() {
        let (_dir, searcher) = searcher();
        let filters = Filters {
            categories: vec!["金融".into()],
            since: Some("2022".into()),
            ..Filters::default()
        };
        let plan = searcher.plan(&parse_query("").unwrap(), &filters).unwrap();
        assert!(plan.ranking.is_empty());
        assert!(!plan.ranks());
        assert!(matches!(
            &plan.filters[0],
            (Occur::Must, Node::Exact { values, .. }) if values == &["金融"]
        ));
        assert!(matches!(
            &plan.filters[1],
            (
                Occur::Must,
                Node::DateRange {
                    from: Some(_),
                    to: None
                }
            )
        ));
    }

    #[test]
    fn phrases_prefixes_groups_and_synonyms() {
        let (_dir, searcher) = searcher();
        let searcher = searcher.with_synonyms("电脑 计算机\n");
        let plan = plan_of(&searcher, "\"算力规模\"~1 GPT* +(电脑 OR 手机)");
        assert_eq!(
            plan.ranking[0],
            (
                Occur::Should,
                Node::Phrase {
                    words: vec![(0, "算力".into()), (1, "规模".into())],
                    slop: 1,
                    fields: text_fields(),
                    as_typed: false,
                }
            )
        );
        assert_eq!(
            plan.ranking[1],
            (
                Occur::Should,
                Node::Prefix {
                    prefix: "gpt".into(),
                    fields: text_fields()
                }
            )
        );
        let (occur, Node::Group(inner)) = &plan.ranking[2] else {
            panic!("{:?}", plan.ranking[2]);
        };
        assert_eq!(*occur, Occur::Must);
        // 电脑, its synonym 计算机 at a lower weight, 手机.
        assert_eq!(inner.len(), 3);
        assert!(
            matches!(&inner[0].1, Node::Word { word, weight, .. } if word == "计算机" && *weight < 1.0)
        );
        assert!(plan.proximity_words.is_empty(), "no plain top-level words");
        assert!(plan.highlight.contains(&"计算机".to_string()));
    }
}

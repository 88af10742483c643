//! Translation of a sousuo query into another engine's query, over the fields `export`
//! writes (`*_tokens`: words, `*_subwords`: sub-words, keywords, `date`).
//!
//! The query's plan (and its feedback words, read from the index's own first pass) becomes
//! an engine-neutral tree of [`Clause`]s with sousuo's weights: a word in each text field
//! at the field's boost and inside longer words at the word's
//! [weights](crate::search::word_weight::WordWeights) in the index (a fraction of a whole
//! match, or the same where the word mostly stands inside longer words), feedback words
//! beside the query, the proximity bonus as sloppy phrases, the coverage tiers of a
//! spaced query as constant bonuses (documents holding more of its parts first), filters
//! without a score. The tree is written as OpenSearch / Elasticsearch query DSL, or as a
//! Quickwit query string (Quickwit's default operator is AND: optional clauses are
//! written `(a OR b OR *)`, `*` adding the same constant to every document).

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::query::Occur;
use crate::schema::{FieldType, IndexedField};
use crate::search::plan::{FieldWeight, Node, QueryPlan};
use crate::search::{ArticleSearcher, SearchRequest, SortOrder};

mod render;

use render::facet_aggregations;
pub use render::{dsl, query_string};

/// The bonus of each coverage tier a document reaches: above any BM25 sum of a query.
pub const TIER_BONUS: f32 = 10_000.0;
/// The most hits a translated request asks for: OpenSearch's default result window, and
/// the most Quickwit returns at once.
pub const MAX_HITS: usize = 10_000;
/// Parts of a spaced query whose tiers are written out (Quickwit: every subset).
const MAX_TIER_PARTS: usize = 6;

/// The engine a query is translated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Quickwit's search API: a query string and a request body.
    Quickwit,
    /// OpenSearch / Elasticsearch query DSL.
    OpenSearch,
}

/// One clause of a translated query.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// A term in a field, its score times `boost`.
    Term {
        /// The exported field.
        field: String,
        /// The term (a keyword value for keyword fields).
        term: String,
        /// Its weight (0: it only matches).
        boost: f32,
    },
    /// Terms in order, at most `slop` moves apart.
    Phrase {
        /// The exported field.
        field: String,
        /// The terms.
        terms: Vec<String>,
        /// Moves allowed.
        slop: u32,
        /// Its weight (0: it only matches).
        boost: f32,
    },
    /// Terms starting with `prefix` (a constant score times `boost`).
    Prefix {
        /// The exported field.
        field: String,
        /// The start of the terms.
        prefix: String,
        /// Its weight (0: it only matches).
        boost: f32,
    },
    /// `date` from `from` (included) to `to` (excluded).
    Range {
        /// The exported field.
        field: String,
        /// Start (RFC 3339), included.
        from: Option<String>,
        /// End (RFC 3339), excluded.
        to: Option<String>,
    },
    /// Every document.
    All,
    /// Clauses together: a document needs every `must`, none of `must_not`, and, with no
    /// `must`, at least one `should`; `filter` restricts without scoring.
    Bool {
        /// Required.
        must: Vec<Clause>,
        /// Optional (at least one without `must`).
        should: Vec<Clause>,
        /// Excluded.
        must_not: Vec<Clause>,
        /// Required, without a score.
        filter: Vec<Clause>,
    },
    /// Documents holding at least `minimum` of `parts` get `bonus`, whatever else they hold.
    Covering {
        /// The parts of the query.
        parts: Vec<Clause>,
        /// How many of them.
        minimum: usize,
        /// The constant added.
        bonus: f32,
    },
}

impl Clause {
    fn bool() -> Clause {
        Clause::Bool {
            must: Vec::new(),
            should: Vec::new(),
            must_not: Vec::new(),
            filter: Vec::new(),
        }
    }

    fn push(&mut self, occur: Occur, clause: Clause) {
        if let Clause::Bool {
            must,
            should,
            must_not,
            ..
        } = self
        {
            match occur {
                Occur::Must => must.push(clause),
                Occur::Should => should.push(clause),
                Occur::MustNot => must_not.push(clause),
            }
        }
    }
}

/// A translated query.
#[derive(Debug, Clone, PartialEq)]
pub struct Translation {
    /// The query as a tree.
    pub query: Clause,
    /// What the engine is sent: OpenSearch's `_search` body, or Quickwit's search request
    /// (its `query` string, `max_hits`, `start_offset`, `sort_by`, `aggs`).
    pub body: Value,
    /// Quickwit's query string (`None` for OpenSearch).
    pub query_string: Option<String>,
}

impl ArticleSearcher {
    /// `request` as `engine`'s query over the exported fields.
    pub fn translate(&self, request: &SearchRequest, engine: Engine) -> Result<Translation> {
        let (plan, feedback) = self.plans(request)?;
        let query = self.tree(&plan, feedback.as_ref())?;
        let aggregations = if request.output.facets {
            let months = self.facets_of_all()?.months;
            Some(facet_aggregations(engine, &months))
        } else {
            None
        };
        let sort = match request.sort {
            SortOrder::Relevance => "_score",
            SortOrder::Date => "date",
            SortOrder::DateDescending => "-date",
        };
        Ok(match engine {
            Engine::OpenSearch => {
                let mut body = json!({
                    "query": dsl(&query),
                    "from": request.offset,
                    "size": request.limit.min(MAX_HITS),
                });
                if request.sort != SortOrder::Relevance {
                    let order = if request.sort == SortOrder::Date {
                        "asc"
                    } else {
                        "desc"
                    };
                    body["sort"] = json!([{ "date": { "order": order } }]);
                }
                if let Some(aggregations) = aggregations {
                    body["aggs"] = aggregations;
                }
                Translation {
                    query,
                    body,
                    query_string: None,
                }
            }
            Engine::Quickwit => {
                let text = query_string(&query);
                let mut body = json!({
                    "query": text,
                    "max_hits": request.limit.min(MAX_HITS),
                    "start_offset": request.offset,
                    "sort_by": sort,
                });
                if let Some(aggregations) = aggregations {
                    body["aggs"] = aggregations;
                }
                Translation {
                    query,
                    body,
                    query_string: Some(text),
                }
            }
        })
    }

    /// The tree of a plan and its feedback words.
    fn tree(&self, plan: &QueryPlan, feedback: Option<&QueryPlan>) -> Result<Clause> {
        let mut extra = self.score_only(plan)?;
        // A keyword query: every part required (without score), the parts as typed first.
        let mut required = Vec::new();
        if let Some(matching) = &plan.matching {
            for unit in &matching.required {
                required.push(self.clause(&unit.node, 0.0)?);
            }
            for tier in &matching.exact {
                extra.push(self.covering(tier, tier.len())?);
            }
        }
        for (_, node) in feedback.iter().flat_map(|f| &f.ranking) {
            extra.push(self.clause(node, 1.0)?);
        }
        let mut filters = required;
        let mut excluded = Vec::new();
        for (occur, node) in &plan.filters {
            let clause = self.clause(node, 0.0)?;
            match occur {
                Occur::MustNot => excluded.push(clause),
                _ => filters.push(clause),
            }
        }
        if plan
            .matching
            .as_ref()
            .is_some_and(|m| m.required.len() == 1)
        {
            return self.one_part_tree(plan, extra, (filters, excluded));
        }
        let mut ranking = Clause::bool();
        for (occur, node) in &plan.ranking {
            ranking.push(*occur, self.clause(node, 1.0)?);
        }
        let query = if extra.is_empty() {
            ranking
        } else {
            // The query decides what matches; the rest only adds to the scores.
            Clause::Bool {
                must: vec![ranking],
                should: extra,
                must_not: Vec::new(),
                filter: Vec::new(),
            }
        };
        if filters.is_empty() && excluded.is_empty() {
            return Ok(query);
        }
        Ok(Clause::Bool {
            must: vec![query],
            should: Vec::new(),
            must_not: excluded,
            filter: filters,
        })
    }

    /// The tree of a keyword query of one part, which decides what matches as in sousuo:
    /// an article may hold it in another cut and none of the words as typed (科 / 创板). The
    /// part and the filters filter; the words and the `extra` clauses (proximity, exactness
    /// tiers, feedback words) only score; excluded words stay excluded.
    fn one_part_tree(
        &self,
        plan: &QueryPlan,
        extra: Vec<Clause>,
        (filters, mut excluded): (Vec<Clause>, Vec<Clause>),
    ) -> Result<Clause> {
        let mut should = Vec::new();
        for (occur, node) in &plan.ranking {
            match occur {
                Occur::MustNot => excluded.push(self.clause(node, 1.0)?),
                _ => should.push(self.clause(node, 1.0)?),
            }
        }
        should.extend(extra);
        Ok(Clause::Bool {
            must: Vec::new(),
            should,
            must_not: excluded,
            filter: filters,
        })
    }

    /// What only adds to the scores of a plan: its words near each other, and articles
    /// covering more of its concepts.
    fn score_only(&self, plan: &QueryPlan) -> Result<Vec<Clause>> {
        let mut extra = Vec::new();
        if plan.proximity_words.len() >= 2 {
            let weight = self.ranking().proximity_weight;
            let slop = self.ranking().proximity_slop;
            // The fields plain words search (text fields some article fills).
            let searched: Vec<FieldWeight> = self
                .clause_fields(None)?
                .into_iter()
                .map(|(field, boost)| FieldWeight {
                    field: field.spec.name.clone(),
                    weight: boost,
                })
                .collect();
            let fields = self.text_fields(Some(&searched));
            let terms = plan.proximity_words.clone();
            extra.push(self.phrases(&fields, &terms, slop, weight));
        }
        if (2..=MAX_TIER_PARTS).contains(&plan.concepts.len()) {
            for minimum in 2..=plan.concepts.len() {
                extra.push(self.covering(&plan.concepts, minimum)?);
            }
        }
        Ok(extra)
    }

    /// At least `minimum` of `nodes` (without their scores): a bonus.
    fn covering(&self, nodes: &[Node], minimum: usize) -> Result<Clause> {
        let parts = nodes
            .iter()
            .map(|node| self.clause(node, 0.0))
            .collect::<Result<Vec<_>>>()?;
        Ok(Clause::Covering {
            parts,
            minimum,
            bonus: TIER_BONUS,
        })
    }

    /// One node of a plan, its scores times `scale` (0: matching only).
    fn clause(&self, node: &Node, scale: f32) -> Result<Clause> {
        Ok(match node {
            Node::Word {
                word,
                fields,
                weight,
            } => any_of(self.word_terms(fields, word, weight * scale, true)?),
            Node::Feedback {
                word,
                fields,
                weight,
            } => any_of(self.word_terms(fields, word, weight * scale, false)?),
            Node::AllWords { words, fields } => Clause::Bool {
                must: words
                    .iter()
                    .map(|word| Ok(any_of(self.word_terms(fields, word, scale, true)?)))
                    .collect::<Result<_>>()?,
                should: Vec::new(),
                must_not: Vec::new(),
                filter: Vec::new(),
            },
            Node::Phrase {
                words, slop, fields, ..
            } => self.phrase(words, *slop, fields, scale),
            Node::Prefix { prefix, fields } => any_of(
                self.text_fields(Some(fields))
                    .into_iter()
                    .map(|(field, boost)| Clause::Prefix {
                        field: format!("{field}_tokens"),
                        prefix: prefix.clone(),
                        boost: boost * scale,
                    })
                    .collect(),
            ),
            Node::Exact { values, fields } => exact(values, fields),
            Node::DateRange { from, to } => Clause::Range {
                field: "date".into(),
                from: from.as_ref().map(rfc3339),
                to: to.as_ref().map(rfc3339),
            },
            Node::IngestedAfter(_) => {
                return Err(Error::Refused(
                    "the time an article was ingested is not exported; another engine cannot filter by it".into(),
                ))
            }
            Node::All => Clause::All,
            Node::Group(inner) => {
                let mut group = Clause::bool();
                for (occur, node) in inner {
                    group.push(*occur, self.clause(node, scale)?);
                }
                group
            }
        })
    }

    /// Positioned words in each field, side by side (positions left out between them, for
    /// function words, become slop).
    fn phrase(
        &self,
        words: &[(usize, String)],
        slop: u32,
        fields: &[FieldWeight],
        scale: f32,
    ) -> Clause {
        let fields = self.text_fields(Some(fields));
        if words.len() == 1 {
            return any_of(self.word_terms_whole(&fields, &words[0].1, scale));
        }
        let span = words.last().map_or(0, |w| w.0) - words[0].0 + 1;
        let slop = slop + (span - words.len()) as u32;
        let terms: Vec<String> = words.iter().map(|(_, w)| w.clone()).collect();
        self.phrases(&fields, &terms, slop, scale)
    }

    /// A word in each field at the field's boost times `weight`, and (with `sub_words`)
    /// inside longer words where the field keeps sub-words, each at the word's
    /// [weights](crate::search::word_weight::WordWeights) in this index (a match inside a longer word counts
    /// [`SUB_WORD_WEIGHT`](crate::search::SUB_WORD_WEIGHT) of a whole one unless the word
    /// mostly stands inside longer words).
    fn word_terms(
        &self,
        fields: &[FieldWeight],
        word: &str,
        weight: f32,
        sub_words: bool,
    ) -> Result<Vec<Clause>> {
        let mut terms = Vec::new();
        let weighing = match sub_words {
            true => Some(self.word_weights(word)?),
            false => None,
        };
        for (field, boost) in self.text_fields(Some(fields)) {
            let weights = weighing
                .as_ref()
                .and_then(|weighing| Some(weighing.of(self.keeping_sub_words(&field)?)));
            terms.push(Clause::Term {
                field: format!("{field}_tokens"),
                term: word.to_string(),
                boost: boost * weight * weights.map_or(1.0, |w| w.whole),
            });
            if let Some(weights) = weights {
                terms.push(Clause::Term {
                    field: format!("{field}_subwords"),
                    term: word.to_string(),
                    boost: boost * weight * weights.inside,
                });
            }
        }
        Ok(terms)
    }

    /// A word in each field, whole words only.
    fn word_terms_whole(&self, fields: &[(String, f32)], word: &str, scale: f32) -> Vec<Clause> {
        fields
            .iter()
            .map(|(field, boost)| Clause::Term {
                field: format!("{field}_tokens"),
                term: word.to_string(),
                boost: boost * scale,
            })
            .collect()
    }

    /// The terms as a sloppy phrase in each field, each at the field's boost times `scale`.
    fn phrases(&self, fields: &[(String, f32)], terms: &[String], slop: u32, scale: f32) -> Clause {
        any_of(
            fields
                .iter()
                .map(|(field, boost)| Clause::Phrase {
                    field: format!("{field}_tokens"),
                    terms: terms.to_vec(),
                    slop,
                    boost: boost * scale,
                })
                .collect(),
        )
    }

    /// The analyzed text fields of `fields` (all searched ones when `None`), with boosts.
    fn text_fields(&self, fields: Option<&[FieldWeight]>) -> Vec<(String, f32)> {
        let schema = self.index().fields();
        let weights: Vec<FieldWeight> = match fields {
            Some(fields) => fields.to_vec(),
            None => schema
                .searchable_text()
                .map(|(field, boost)| FieldWeight {
                    field: field.spec.name.clone(),
                    weight: boost,
                })
                .collect(),
        };
        weights
            .into_iter()
            .filter(|weight| {
                schema
                    .declared
                    .iter()
                    .any(|f| f.spec.name == weight.field && f.spec.field_type == FieldType::Text)
            })
            .map(|weight| (weight.field, weight.weight))
            .collect()
    }

    /// The field named `field` when it keeps sub-words.
    fn keeping_sub_words(&self, field: &str) -> Option<&IndexedField> {
        let schema = self.index().fields();
        let keeping = |f: &&IndexedField| f.spec.name == field && f.sub_words.is_some();
        schema.declared.iter().find(keeping)
    }
}

/// One clause, or the clauses as alternatives.
fn any_of(mut clauses: Vec<Clause>) -> Clause {
    if clauses.len() == 1 {
        return clauses.pop().expect("one clause");
    }
    Clause::Bool {
        must: Vec::new(),
        should: clauses,
        must_not: Vec::new(),
        filter: Vec::new(),
    }
}

fn rfc3339(date: &DateTime<FixedOffset>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Any of `values` in any of `fields`, as stored (a filter: no score).
fn exact(values: &[String], fields: &[FieldWeight]) -> Clause {
    any_of(
        fields
            .iter()
            .flat_map(|field| {
                values.iter().map(|value| Clause::Term {
                    field: field.field.clone(),
                    term: value.clone(),
                    boost: 0.0,
                })
            })
            .collect(),
    )
}

//! Collecting the ranked documents of a built query: by score in coverage and exactness
//! tiers (each rescored with feedback words and the proximity bonus), or by date; with the
//! count and facets when asked for.

use std::collections::HashSet;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query};
use tantivy::Order;
use tantivy::{DocAddress, Searcher};

use crate::error::{Error, Result};
use crate::facets::{FacetCollector, FacetCounts};
use crate::schema::ArticleField;

use super::build::{self, add_scores};
use super::stored::ReadArticles;
use super::{plan, ranking, ArticleSearcher, BuiltQuery, SortOrder};

/// The documents a search collected, best first, the count, the facets, and the feedback
/// words that rescored them.
pub(super) type Collected = (
    Vec<Ranked>,
    Option<usize>,
    Option<FacetCounts>,
    Option<plan::QueryPlan>,
);

/// The documents one query of a search found, before rescoring.
pub(super) struct Tier<'a> {
    /// Its rank among the coverage tiers (0 is the best).
    tier: usize,
    /// What it found, by score.
    found: Vec<(f32, DocAddress)>,
    /// Feedback words whose scores are added to the documents'.
    feedback: Option<&'a dyn Query>,
}

/// A collected document: its coverage tier (0 is the best: see [`BuiltQuery::tiers`]),
/// its score and where it is.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ranked {
    pub(super) tier: usize,
    pub(super) score: f32,
    pub(super) address: DocAddress,
}

impl ArticleSearcher {
    /// The best `window` documents by score (the proximity bonus added), best first, with
    /// the count and facets when asked for. With coverage tiers, the documents covering more
    /// of the query's concepts come first, each tier ranked by score. A keyword query's
    /// partial matches follow its full ones up to `fill` documents.
    pub(super) fn top_by_score(
        &self,
        searcher: &Searcher,
        built: &BuiltQuery,
        (window, fill): (usize, usize),
        extra: (Option<Count>, Option<FacetCollector>),
        read: &ReadArticles,
    ) -> Result<Collected> {
        let feedback = built.tiers.is_empty() && self.takes_feedback(&built.plan);
        let collected = if feedback {
            window.max(self.ranking.feedback_window)
        } else {
            window
        };
        let collector = TopDocs::with_limit(collected).order_by_score();
        let stats = self.statistics(searcher);
        let collectors = (collector, extra.0, extra.1);
        let (all, total, facets) =
            super::parts::search(searcher, &built.query, &collectors, &stats)
                .map_err(|e| Error::reading("searching", e))?;
        let mut top: Vec<Ranked> = Vec::with_capacity(window);
        let mut feedback_plan = None;
        let mut seen = HashSet::new();
        for (tier, query) in built.tiers.iter().enumerate() {
            if top.len() >= window {
                break;
            }
            let found = best_by_score(searcher, query.as_ref(), window, &stats)?;
            let tier = Tier {
                tier,
                found,
                feedback: None,
            };
            self.add_tier(searcher, built, tier, &mut seen, &mut top)?;
        }
        if top.len() < window {
            let pass = (all, feedback);
            feedback_plan =
                self.add_last_pass(searcher, built, pass, (&mut seen, &mut top), read)?;
        }
        // Partial matches fill the hits asked for (not the whole rescoring window: they
        // rank after every full match anyway); none when nothing matched and the query is
        // about to be relaxed.
        let relaxing = top.is_empty() && built.may_relax;
        if let (true, false, Some(padding)) = (top.len() < fill, relaxing, &built.padding) {
            let found = best_by_score(searcher, padding.as_ref(), fill, &stats)?;
            let partial = Tier {
                tier: built.tiers.len() + built.exact_tiers + 1,
                found,
                feedback: None,
            };
            self.add_tier(searcher, built, partial, &mut seen, &mut top)?;
        }
        if super::feedback::is_passage(&built.plan) {
            let sources = self.passage_sources(searcher, built, &stats, read)?;
            passage_sources_first(&mut top, sources);
        }
        top.truncate(window);
        Ok((top, total, facets, feedback_plan))
    }

    /// The sources of a pasted passage: of the articles holding every one of its inner
    /// words ([`plan::QueryPlan::passage`]), the best [`SOURCES_CHECKED`] by the query's
    /// score, those that hold the whole passage as written (punctuation and spaces aside),
    /// in that order.
    fn passage_sources(
        &self,
        searcher: &Searcher,
        built: &BuiltQuery,
        stats: &ranking::ScaledLengths,
        read: &ReadArticles,
    ) -> Result<Vec<(f32, DocAddress)>> {
        let Some(words) = &built.plan.passage else {
            return Ok(Vec::new());
        };
        let held = ConstScoreQuery::new(self.node_query(words)?, 0.0);
        let query = BooleanQuery::new(vec![
            (Occur::Must, built.query.box_clone()),
            (Occur::Must, Box::new(held)),
        ]);
        let mut sources = Vec::new();
        for (score, address) in best_by_score(searcher, &query, SOURCES_CHECKED, stats)? {
            let article = self.read_cached(searcher, address, read)?;
            if super::feedback::holds_verbatim(&built.plan, &article) {
                sources.push((score, address));
            }
        }
        Ok(sources)
    }

    /// The query's own pass after its tiers: for a keyword query split by exactness tier,
    /// else rescored with the feedback words; the feedback plan (when `feedback`) is
    /// returned.
    fn add_last_pass(
        &self,
        searcher: &Searcher,
        built: &BuiltQuery,
        (all, feedback): (Vec<(f32, DocAddress)>, bool),
        (seen, top): (&mut HashSet<DocAddress>, &mut Vec<Ranked>),
        read: &ReadArticles,
    ) -> Result<Option<plan::QueryPlan>> {
        let tier = built.tiers.len();
        let feedback_plan = if feedback {
            self.feedback_plan(&built.plan, searcher, &all, read)?
        } else {
            None
        };
        if built.exact_tiers > 0 {
            // A keyword query's one pass: split by exactness tier, offsets taken off.
            let mut split = vec![Vec::new(); built.exact_tiers + 1];
            for (score, address) in all {
                let (exact, score) = build::exact_tier(score, built.exact_tiers);
                split[exact].push((score, address));
            }
            for (exact, found) in split.into_iter().enumerate() {
                let tier = Tier {
                    tier: tier + exact,
                    found,
                    feedback: None,
                };
                self.add_tier(searcher, built, tier, seen, top)?;
            }
            return Ok(feedback_plan);
        }
        let feedback_query = match &feedback_plan {
            Some(plan) => self.build(plan)?.map(|built| built.query),
            None => None,
        };
        let last = Tier {
            tier,
            found: all,
            feedback: feedback_query.as_deref(),
        };
        self.add_tier(searcher, built, last, seen, top)?;
        Ok(feedback_plan)
    }

    /// Adds the documents of one tier not in a better one, rescored (feedback words,
    /// proximity) and in score order, to `top`.
    fn add_tier(
        &self,
        searcher: &Searcher,
        built: &BuiltQuery,
        Tier {
            tier,
            found,
            feedback,
        }: Tier,
        seen: &mut std::collections::HashSet<DocAddress>,
        top: &mut Vec<Ranked>,
    ) -> Result<()> {
        let mut found: Vec<(f32, DocAddress)> = found
            .into_iter()
            .filter(|(_, address)| seen.insert(*address))
            .collect();
        if let Some(feedback) = feedback {
            add_scores(
                searcher,
                &self.statistics(searcher),
                feedback,
                1.0,
                &mut found,
            )?;
        }
        if let Some(proximity) = &built.proximity {
            proximity.add_scores(
                searcher,
                &self.statistics(searcher),
                self.ranking.proximity_weight,
                &mut found,
            )?;
        }
        found.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        top.extend(found.into_iter().map(|(score, address)| Ranked {
            tier,
            score,
            address,
        }));
        Ok(())
    }

    /// The first `wanted` documents in date order (scores are not computed: 0).
    pub(super) fn top_by_date(
        &self,
        searcher: &Searcher,
        built: &BuiltQuery,
        order: SortOrder,
        wanted: usize,
        extra: (Option<Count>, Option<FacetCollector>),
    ) -> Result<Collected> {
        let date_field = self
            .index
            .fields
            .get(ArticleField::Date)
            .filter(|f| f.spec.fast)
            .ok_or_else(|| {
                Error::Refused("sorting by date needs a fast date field in the schema".into())
            })?;
        let direction = if order == SortOrder::Date {
            Order::Asc
        } else {
            Order::Desc
        };
        let collector = TopDocs::with_limit(wanted)
            .order_by_fast_field::<tantivy::DateTime>(&date_field.spec.name, direction);
        let (dated, total, facets) = searcher
            .search(&built.query, &(collector, extra.0, extra.1))
            .map_err(|e| Error::reading("searching", e))?;
        let top = dated
            .into_iter()
            .map(|(_, address)| Ranked {
                tier: 0,
                score: 0.0,
                address,
            })
            .collect();
        Ok((top, total, facets, None))
    }
}

/// How many of the articles holding a passage's inner words are read for the whole of it.
const SOURCES_CHECKED: usize = 20;

/// A passage's sources first (tier 0), in their order; the other candidates after them,
/// a tier down. Its words alone rank a long compilation holding it (国际联播快讯) below
/// shorter articles that share many of them, or out of the candidates.
fn passage_sources_first(top: &mut Vec<Ranked>, sources: Vec<(f32, DocAddress)>) {
    if sources.is_empty() {
        return;
    }
    let held: HashSet<DocAddress> = sources.iter().map(|(_, address)| *address).collect();
    top.retain(|ranked| !held.contains(&ranked.address));
    for ranked in top.iter_mut() {
        ranked.tier += 1;
    }
    let first = sources.into_iter().map(|(score, address)| Ranked {
        tier: 0,
        score,
        address,
    });
    top.splice(0..0, first);
}

/// The best `limit` documents of `query` by score under `stats`, best first.
fn best_by_score(
    searcher: &Searcher,
    query: &dyn Query,
    limit: usize,
    stats: &ranking::ScaledLengths,
) -> Result<Vec<(f32, DocAddress)>> {
    searcher
        .search_with_statistics_provider(query, &TopDocs::with_limit(limit).order_by_score(), stats)
        .map_err(|e| Error::reading("searching", e))
}

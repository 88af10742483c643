//! Running a built query: candidates ranked (by score or by date), folded into stories
//! when asked, and the page's hits read from the store in their final order.

use tantivy::collector::Count;
use tantivy::Searcher;

use super::collect::Collected;
use super::fold::{fold, Folded};
use super::plan::QueryPlan;
use super::stored::ReadArticles;
use super::strategy::MatchingReport;
use super::{
    ArticleSearcher, BuiltQuery, Hit, Page, Ranked, SearchOutput, SearchResults, SortOrder,
    FOLD_EXTRA, MAX_FOLD_CANDIDATES, RESCORE_WINDOW, SNIPPET_CHARS,
};
use crate::error::Result;
use crate::facets::{FacetCollector, FacetCounts};
use crate::snippet::SnippetMaker;

/// The stories a search found, best first, with how many articles matched, the facets and
/// the feedback plan it ranked with.
type Groups = (
    Vec<Folded<Ranked>>,
    Option<usize>,
    Option<FacetCounts>,
    Option<QueryPlan>,
);

/// How many stories a page needs ranked (the skipped and the shown).
#[derive(Clone, Copy)]
struct Window {
    wanted: usize,
    /// Documents in the index: no count can usefully exceed it.
    documents: usize,
}

impl ArticleSearcher {
    pub(super) fn execute(
        &self,
        built: BuiltQuery,
        page: Page,
        output: &SearchOutput,
    ) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        // Neither can usefully exceed the number of documents (and a huge value must not
        // become a huge allocation or an overflow).
        let documents = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        let limit = page.limit.min(documents);
        let offset = page.offset.min(documents);
        let window = Window {
            wanted: (offset + limit).max(1),
            documents,
        };
        // A query with nothing to rank by (only filters, `*`, no words) lists the newest.
        let order = if built.scored {
            page.sort
        } else if page.sort == SortOrder::Relevance {
            SortOrder::DateDescending
        } else {
            page.sort
        };
        let read = ReadArticles::default();
        let (groups, total, mut facets, feedback) =
            self.ranked_groups(&searcher, &built, (page, order, window), output, &read)?;
        if let Some(facets) = &mut facets {
            facets.keep_most(crate::facets::MAX_FACET_VALUES);
        }
        let shown = groups.into_iter().skip(offset).take(limit);
        let rescored = (&built, feedback.as_ref());
        let mut hits = self.hits_of(&searcher, rescored, shown, output, &read)?;
        if order == SortOrder::Relevance {
            // Equal scores in id order, so output is stable.
            hits.sort_by(|(tier_a, a), (tier_b, b)| {
                tier_a
                    .cmp(tier_b)
                    .then_with(|| b.score.total_cmp(&a.score))
                    .then_with(|| a.id.cmp(&b.id))
            });
        }
        let mut hits: Vec<Hit> = hits.into_iter().map(|(_, hit)| hit).collect();
        for (i, hit) in hits.iter_mut().enumerate() {
            hit.rank = offset + i + 1;
        }
        Ok(SearchResults {
            hits,
            total,
            facets,
            order,
            matching: MatchingReport::default(),
        })
    }

    /// The candidates in `order`, folded into stories when the page asks; folding needs
    /// more candidates than hits, so when a page still has too few stories and there were
    /// more candidates, they are read again, more of them.
    fn ranked_groups(
        &self,
        searcher: &Searcher,
        built: &BuiltQuery,
        (page, order, window): (Page, SortOrder, Window),
        output: &SearchOutput,
        read: &ReadArticles,
    ) -> Result<Groups> {
        let Window { wanted, documents } = window;
        // With a proximity clause, rank a wider window by the words, then rescore it.
        let rescored = if built.proximity.is_some() {
            wanted.max(RESCORE_WINDOW)
        } else {
            wanted
        };
        let signatures = page.fold.then(|| self.signatures(searcher)).transpose()?;
        let mut candidates = match page.fold {
            true => {
                (wanted.saturating_mul(2).saturating_add(FOLD_EXTRA)).min(documents.max(wanted))
            }
            false => wanted,
        };
        loop {
            let extra = (
                output.count_total.then_some(Count),
                output.facets.then(|| FacetCollector::new(&self.index)),
            );
            let (top, total, facets, feedback): Collected = if order == SortOrder::Relevance {
                let window = rescored.max(candidates);
                self.top_by_score(searcher, built, (window, candidates), extra, read)?
            } else {
                self.top_by_date(searcher, built, order, candidates, extra)?
            };
            let exhausted = top.len() < candidates
                || candidates >= documents
                || candidates >= MAX_FOLD_CANDIDATES;
            let groups = match &signatures {
                Some(signatures) => {
                    let enough = (wanted, candidates);
                    let mut confirm = |a, b| self.same_story(searcher, a, b, read);
                    fold(
                        top,
                        |ranked| ranked.address,
                        signatures,
                        enough,
                        &mut confirm,
                    )
                }
                None => top.into_iter().map(Folded::alone).collect(),
            };
            if signatures.is_none() || groups.len() >= wanted || exhausted {
                return Ok((groups, total, facets, feedback));
            }
            candidates = candidates
                .saturating_mul(4)
                .min(MAX_FOLD_CANDIDATES)
                .min(documents);
        }
    }

    /// The hits of the stories shown, each with its tier (for the final order): stored
    /// fields and snippets when asked, the explanation, the folded duplicates' ids.
    fn hits_of(
        &self,
        searcher: &Searcher,
        (built, feedback): (&BuiltQuery, Option<&QueryPlan>),
        shown: impl Iterator<Item = Folded<Ranked>>,
        output: &SearchOutput,
        read: &ReadArticles,
    ) -> Result<Vec<(usize, Hit)>> {
        let snippets = SnippetMaker::new(&built.highlight_terms, SNIPPET_CHARS);
        let mut hits = Vec::new();
        for Folded {
            leader:
                Ranked {
                    tier,
                    score,
                    address,
                },
            duplicates,
        } in shown
        {
            let mut hit = if output.with_documents {
                let passages = output.snippets;
                self.load_hit(searcher, address, score, (&snippets, passages), read)?
            } else {
                Hit::bare(self.id_of(searcher, address)?, score)
            };
            if output.explain {
                let at = (address, score, tier);
                hit.explanation = Some(self.explain(searcher, (built, feedback), at)?);
            }
            hit.partial = built.padding.is_some() && tier > built.tiers.len() + built.exact_tiers;
            hit.duplicates = duplicates
                .into_iter()
                .map(|address| self.one_id(searcher, address))
                .collect::<Result<_>>()?;
            hits.push((tier, hit));
        }
        Ok(hits)
    }
}

//! Pseudo-relevance feedback (RM3, rescoring): the words the best first-pass hits share
//! around the query's words rescore the first pass's candidates, so that passages that
//! answer a question in other words than its own (冰墩墩 for 吉祥物) rise. A query the best
//! hits hold as written (a title, a remembered sentence) has found its text and takes none.

use std::collections::HashMap;
use std::rc::Rc;

use tantivy::Term;

use crate::error::{Error, Result};
use crate::query::Occur;
use crate::schema::ArticleField;
use crate::snippet::SnippetMaker;
use crate::text::{fold_for_segmentation, is_function_word, to_simplified};

use super::plan::{Node, QueryPlan};
use super::stored::ReadArticles;
use super::*;

impl ArticleSearcher {
    /// What a search runs for `request`: its plan and, when feedback applies, the plan of
    /// the feedback words read from the first pass's best hits, as [`Self::search`] finds
    /// them (for translating a query to another engine).
    pub fn plans(&self, request: &SearchRequest) -> Result<(QueryPlan, Option<QueryPlan>)> {
        let plan = self.plan(&clauses_of(&request.query)?.0, &request.filters)?;
        let Some(built) = self.build(&plan)? else {
            return Ok((plan, None));
        };
        if !(built.tiers.is_empty() && self.takes_feedback(&built.plan)) {
            return Ok((plan, None));
        }
        let searcher = self.reader.searcher();
        let window = self.ranking.feedback_window.max(RESCORE_WINDOW);
        let first = searcher
            .search_with_statistics_provider(
                &built.query,
                &TopDocs::with_limit(window).order_by_score(),
                &self.statistics(&searcher),
            )
            .map_err(|e| Error::reading("searching", e))?;
        let feedback =
            self.feedback_plan(&built.plan, &searcher, &first, &ReadArticles::default())?;
        Ok((plan, feedback))
    }

    /// Whether `plan` can take feedback: plain words of one concept (spaced keyword queries
    /// and strict clauses are as typed), enough of them content words.
    pub(super) fn takes_feedback(&self, plan: &QueryPlan) -> bool {
        let content = plan
            .proximity_words
            .iter()
            .filter(|w| !is_function_word(w))
            .count();
        let plain = plan
            .ranking
            .iter()
            .all(|(occur, node)| *occur == Occur::Should && matches!(node, Node::Word { .. }));
        self.ranking.feedback_docs > 0
            && plain
            && plan.concepts.is_empty()
            && plan.matching.is_none()
            && content >= self.ranking.feedback_min_words.max(1)
    }

    /// The feedback words of the first pass's best hits `top` as a plan of their own, whose
    /// scores are added to the candidates'; `None` when there are none or one of the best
    /// hits holds the query as written.
    pub(super) fn feedback_plan(
        &self,
        plan: &QueryPlan,
        searcher: &Searcher,
        top: &[(f32, DocAddress)],
        read: &ReadArticles,
    ) -> Result<Option<QueryPlan>> {
        let checked = top.len().min(self.ranking.feedback_verbatim_check);
        for (_, address) in &top[..checked] {
            if holds_verbatim(plan, &*self.read_cached(searcher, *address, read)?) {
                return Ok(None);
            }
        }
        let best = top.len().min(self.ranking.feedback_docs);
        let words = self.feedback_words(plan, searcher, &top[..best], read)?;
        let fields = plan::field_weights(&self.clause_fields(None)?);
        let mut feedback = QueryPlan::default();
        for (word, weight) in words {
            let node = Node::Feedback {
                word,
                fields: fields.clone(),
                weight,
            };
            feedback.ranking.push((Occur::Should, node));
        }
        Ok((!feedback.ranking.is_empty()).then_some(feedback))
    }

    /// The words the feedback hits share (RM3): each hit's words (in its title and the
    /// passages around the query's words) weighted by their share of its length and by the
    /// hit's share of the scores; then each word's weight relative to a query word's.
    fn feedback_words(
        &self,
        plan: &QueryPlan,
        searcher: &Searcher,
        top: &[(f32, DocAddress)],
        read: &ReadArticles,
    ) -> Result<Vec<(String, f32)>> {
        let ranking = &self.ranking;
        let Some(body) = self.index.fields.get(ArticleField::Body) else {
            return Ok(Vec::new());
        };
        let best = top.first().map_or(0.0, |(score, _)| *score);
        let least = ranking.feedback_min_score * best;
        let top: Vec<(f32, DocAddress)> =
            top.iter().copied().filter(|(s, _)| *s >= least).collect();
        let total: f32 = top.iter().map(|(score, _)| score).sum();
        if top.len() < ranking.feedback_min_docs.max(2) || total <= 0.0 {
            return Ok(Vec::new());
        }
        let model = self.feedback_model(plan, searcher, (&top, total), read)?;
        let mut candidates: Vec<(String, f32)> = model
            .into_iter()
            .filter(|(word, (_, holding))| {
                *holding >= ranking.feedback_min_docs
                    && word.chars().count() > 1
                    && !is_function_word(word)
                    && !plan.proximity_words.contains(word)
            })
            .map(|(word, (weight, _))| (word, weight))
            .collect();
        candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        // The heaviest words that are not in too many articles.
        let documents = searcher.num_docs().max(1) as f32;
        let mut expansion = Vec::new();
        for (word, weight) in candidates {
            if expansion.len() >= ranking.feedback_terms {
                break;
            }
            let df = searcher
                .doc_freq(&Term::from_field_text(body.field, &word))
                .map_err(|e| Error::reading("reading document frequencies", e))?;
            if df as f32 <= ranking.feedback_max_df * documents {
                expansion.push((word, weight));
            }
        }
        let sum: f32 = expansion.iter().map(|(_, w)| w).sum();
        // RM3 gives each of the q content words of the query (1 − λ)/q and a feedback word
        // λ·p; relative to a query word's weight of 1 that is λ·p·q/(1 − λ).
        let content = plan
            .proximity_words
            .iter()
            .filter(|w| !is_function_word(w))
            .count() as f32;
        let lambda = ranking.feedback_weight.min(0.99);
        let scale = lambda * content / (1.0 - lambda);
        Ok(expansion
            .into_iter()
            .map(|(word, weight)| (word, scale * weight / sum))
            .collect())
    }

    /// The feedback model: word → (its weight, the feedback hits holding it). Each hit's
    /// words (its title and the passages around the query's words) count by their share
    /// of its length times the hit's share of the `total` score.
    fn feedback_model(
        &self,
        plan: &QueryPlan,
        searcher: &Searcher,
        (top, total): (&[(f32, DocAddress)], f32),
        read: &ReadArticles,
    ) -> Result<HashMap<String, (f32, usize)>> {
        let ranking = &self.ranking;
        let passages = SnippetMaker::new(&plan.highlight, ranking.feedback_passage_chars);
        let mut model: HashMap<String, (f32, usize)> = HashMap::new();
        for (score, address) in top {
            let article = self.read_cached(searcher, *address, read)?;
            let mut text = article.title.clone();
            for passage in passages.make_passages(&article.body, ranking.feedback_passages) {
                text.push('\n');
                text.push_str(&passage.text);
            }
            let words = self.index.analyzer.words(&text);
            let length = words.len().max(1) as f32;
            let mut counts: HashMap<String, u32> = HashMap::new();
            for word in words {
                *counts.entry(word).or_default() += 1;
            }
            for (word, count) in counts {
                let entry = model.entry(word).or_default();
                entry.0 += (score / total) * count as f32 / length;
                entry.1 += 1;
            }
        }
        Ok(model)
    }

    /// The stored article at `address`, read once per search.
    pub(super) fn read_cached(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        read: &ReadArticles,
    ) -> Result<Rc<StoredArticle>> {
        if let Some(article) = read.get(address) {
            return Ok(article);
        }
        let article = Rc::new(self.read_stored(searcher, address)?);
        read.keep(address, Rc::clone(&article));
        Ok(article)
    }
}

/// Whether `article` holds the query's words one after the other, as written (spaces and
/// punctuation aside, width, case and traditional characters folded as the index does).
pub(super) fn holds_verbatim(plan: &QueryPlan, article: &StoredArticle) -> bool {
    // Squeezed too: a decimal's point (1.1) is in its word, not in the squeezed text.
    let query = squeezed(&plan.verbatim);
    if query.is_empty() {
        return false;
    }
    squeezed(&article.title).contains(&query) || squeezed(&article.body).contains(&query)
}

/// Whether a query of no keywords is a passage pasted from an article: at least
/// [`PASSAGE_CHARS`] letters and digits (a question is shorter).
pub(super) fn is_passage(plan: &QueryPlan) -> bool {
    plan.matching.is_none() && squeezed(&plan.verbatim).chars().count() >= PASSAGE_CHARS
}

/// See [`is_passage`]: as long as the known-item spans of `scripts/relevance` (12–16
/// characters); a question this long is rarely held as written, and then by its source.
pub(super) const PASSAGE_CHARS: usize = 12;

/// `text`'s letters and digits, folded as the index folds them.
fn squeezed(text: &str) -> String {
    let folded = fold_for_segmentation(text);
    to_simplified(&folded.text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five articles about the mascot that name it (冰墩墩), one that names it without the
    /// question's other words, a competitor that only shares one word, and unrelated ones
    /// (so that 冰墩墩 stays under the share of articles a feedback word may be in).
    fn mascot_index() -> (tempfile::TempDir, ArticleSearcher) {
        let post = |title: &str, body: &str| format!("---\ntitle: {title}\n---\n{body}\n");
        let mut posts = Vec::new();
        for i in 0..5 {
            posts.push((
                format!("mascot-{i}.md"),
                post(
                    "吉祥物",
                    &format!("北京冬奥会吉祥物冰墩墩深受喜爱，第{i}批冰墩墩上市。"),
                ),
            ));
        }
        posts.push(("answer.md".into(), post("", "冬奥会冰墩墩。")));
        posts.push(("other.md".into(), post("", "冬奥会场馆。")));
        for i in 0..15 {
            posts.push((
                format!("filler-{i}.md"),
                post("", &format!("城市道路第{i}段维修。")),
            ));
        }
        let posts: Vec<(&str, &str)> = posts
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        searcher_over(&posts)
    }

    fn rank_of(searcher: &ArticleSearcher, query: &str, id: &str) -> usize {
        let results = searcher.search(&SearchRequest::new(query)).unwrap();
        let ids: Vec<&str> = results.hits.iter().map(|h| h.id.as_str()).collect();
        ids.iter()
            .position(|hit| *hit == format!("{id}.md"))
            .unwrap_or_else(|| panic!("{id}: {ids:?}"))
    }

    #[test]
    fn words_the_best_hits_share_lift_an_answer_in_other_words() {
        let (_dir, searcher) = mascot_index();
        let query = "北京冬奥会的吉祥物叫什么";
        let without = searcher.with_ranking(Ranking::with_settings("feedback_docs=0").unwrap());
        assert!(
            rank_of(&without, query, "answer") > rank_of(&without, query, "other"),
            "without feedback the short article with one query word ranks first"
        );
        let (_dir, searcher) = mascot_index();
        assert!(
            rank_of(&searcher, query, "answer") < rank_of(&searcher, query, "other"),
            "冰墩墩, shared by the best hits, lifts the answer"
        );
    }

    #[test]
    fn explain_names_the_feedback_words_apart_from_proximity() {
        let (_dir, searcher) = mascot_index();
        let mut request = SearchRequest::new("北京冬奥会的吉祥物叫什么");
        request.output.explain = true;
        let results = searcher.search(&request).unwrap();
        let answer = results.hits.iter().find(|h| h.id == "answer.md").unwrap();
        let explanation = answer.explanation.as_ref().unwrap();
        let feedback = explanation
            .parts
            .iter()
            .find(|p| p.what.starts_with("feedback words"))
            .unwrap_or_else(|| panic!("{explanation:?}"));
        assert!(
            feedback.parts.iter().any(|p| p.what.contains("冰墩")),
            "{feedback:?}"
        );
        let parts: f32 = explanation.parts.iter().map(|p| p.score).sum();
        assert!((parts - answer.score).abs() < 1e-3, "{explanation:?}");
    }

    #[test]
    fn a_query_found_as_written_or_too_short_takes_no_feedback() {
        let (_dir, searcher) = mascot_index();
        let plan_of = |query: &str| {
            let clauses = crate::query::parse_query(query).unwrap();
            searcher.plan(&clauses, &Filters::default()).unwrap()
        };
        let reader = searcher.reader.searcher();
        let feedback = |query: &str| {
            let built = searcher.build(&plan_of(query)).unwrap().unwrap();
            let top = reader
                .search(
                    built.query.as_ref(),
                    &tantivy::collector::TopDocs::with_limit(100).order_by_score(),
                )
                .unwrap();
            let read = ReadArticles::default();
            searcher
                .feedback_plan(&built.plan, &reader, &top, &read)
                .unwrap()
        };
        assert!(feedback("北京冬奥会的吉祥物叫什么").is_some());
        // The best hits hold it as written (punctuation and spaces aside).
        assert!(feedback("北京冬奥会吉祥物冰墩墩深受喜爱").is_none());
        // Two content words, a spaced query, a strict clause: as typed.
        assert!(!searcher.takes_feedback(&plan_of("冬奥会吉祥物")));
        assert!(!searcher.takes_feedback(&plan_of("北京 冬奥会 吉祥物")));
        assert!(!searcher.takes_feedback(&plan_of("北京冬奥会吉祥物 -冰墩墩")));
    }
}

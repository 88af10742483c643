//! The proximity bonus: the query's plain words standing close together, in the query's
//! order, in one field.
//!
//! tantivy's sloppy `PhraseQuery` chains the words' positions in the order of their posting
//! lists' lengths in each segment, not in the query's order, and its count of sloppy matches
//! depends on that order: the same article earned the bonus in one build of an index and
//! not in another (the posts the writer threads put in each segment decide the lengths), so
//! rankings moved between re-ingests of the same posts. This scorer reads the positions
//! itself and counts the occurrences of all the words in order with at most `slop` other
//! positions between them in all; the count is scored as tantivy scores a phrase (BM25 with
//! the words' summed idf and the field's length norm), so only the matching changed.

use tantivy::postings::Postings;
use tantivy::query::{Bm25StatisticsProvider, Bm25Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, DocSet, Searcher, Term, TERMINATED};

use crate::error::{Error, Result};

/// The words of a query that earn the bonus, the fields they are looked for in (with the
/// fields' boosts) and how far apart they may stand.
pub(super) struct Proximity {
    fields: Vec<(Field, f32)>,
    words: Vec<String>,
    slop: u32,
}

impl Proximity {
    /// `words` in the query's order (at least two), in `fields` with their boosts.
    pub(super) fn new(fields: Vec<(Field, f32)>, words: Vec<String>, slop: u32) -> Proximity {
        Proximity {
            fields,
            words,
            slop,
        }
    }

    /// Adds the bonus (times `weight`) to each candidate's score.
    pub(super) fn add_scores(
        &self,
        searcher: &Searcher,
        stats: &dyn Bm25StatisticsProvider,
        weight: f32,
        candidates: &mut [(f32, DocAddress)],
    ) -> Result<()> {
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by_key(|&i| candidates[i].1);
        for &(field, boost) in &self.fields {
            let terms: Vec<Term> = self
                .words
                .iter()
                .map(|word| Term::from_field_text(field, word))
                .collect();
            let bm25 = Bm25Weight::for_terms(stats, &terms)
                .map_err(|e| Error::reading("rescoring", e))?
                .boost_by(boost * weight);
            let mut at = 0;
            while at < order.len() {
                let segment_ord = candidates[order[at]].1.segment_ord;
                let end = at
                    + order[at..]
                        .iter()
                        .take_while(|&&i| candidates[i].1.segment_ord == segment_ord)
                        .count();
                let docs: Vec<(usize, DocId)> = order[at..end]
                    .iter()
                    .map(|&i| (i, candidates[i].1.doc_id))
                    .collect();
                for (i, score) in
                    self.segment_scores(searcher, segment_ord, &terms, &bm25, &docs)?
                {
                    candidates[i].0 += score;
                }
                at = end;
            }
        }
        Ok(())
    }

    /// The bonus of the documents `docs` (ascending) of one segment in one field.
    fn segment_scores(
        &self,
        searcher: &Searcher,
        segment_ord: u32,
        terms: &[Term],
        bm25: &Bm25Weight,
        docs: &[(usize, DocId)],
    ) -> Result<Vec<(usize, f32)>> {
        let reading = |e: std::io::Error| Error::reading("rescoring", e.into());
        let reader = searcher.segment_reader(segment_ord);
        let field = terms[0].field();
        let index = reader
            .inverted_index(field)
            .map_err(|e| Error::reading("rescoring", e))?;
        let mut postings = Vec::with_capacity(terms.len());
        for term in terms {
            match index
                .read_postings(term, IndexRecordOption::WithFreqsAndPositions)
                .map_err(reading)?
            {
                Some(list) => postings.push(list),
                // A word missing from this segment's field: nothing here can match.
                None => return Ok(Vec::new()),
            }
        }
        let norms = reader
            .get_fieldnorms_reader(field)
            .map_err(|e| Error::reading("rescoring", e))?;
        let mut positions: Vec<Vec<u32>> = vec![Vec::new(); terms.len()];
        let mut scores = Vec::new();
        'docs: for &(i, doc) in docs {
            for (list, positions) in postings.iter_mut().zip(positions.iter_mut()) {
                let mut current = list.doc();
                if current < doc {
                    current = list.seek(doc);
                }
                if current == TERMINATED {
                    break 'docs;
                }
                if current != doc {
                    continue 'docs;
                }
                list.positions(positions);
            }
            let count = ordered_matches(&positions, self.slop);
            if count > 0 {
                scores.push((i, bm25.score(norms.fieldnorm_id(doc), count)));
            }
        }
        Ok(scores)
    }
}

/// How many positions of the first word start an occurrence of all the words in order,
/// each after the one before it, with at most `slop` other positions between them in all.
/// Each next word is taken at its first position after the previous word's, which keeps
/// the occurrence as short as it can be.
fn ordered_matches(positions: &[Vec<u32>], slop: u32) -> u32 {
    let Some((first, rest)) = positions.split_first() else {
        return 0;
    };
    let words = rest.len() as u32;
    let mut cursors = vec![0usize; rest.len()];
    let mut count = 0;
    'starts: for &start in first {
        let mut previous = start;
        for (list, cursor) in rest.iter().zip(cursors.iter_mut()) {
            // Cursors only move forward: starts ascend, so do the earliest followers.
            while *cursor < list.len() && list[*cursor] <= previous {
                *cursor += 1;
            }
            match list.get(*cursor) {
                Some(&next) => previous = next,
                None => break 'starts,
            }
        }
        if previous - start - words <= slop {
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::ordered_matches;
    use crate::search::{searcher_over, ArticleSearcher, Ranking, SearchRequest};

    fn post(body: &str) -> String {
        format!("---\ntitle: 水果\n---\n{body}\n")
    }

    fn scores(searcher: &ArticleSearcher, query: &str) -> Vec<(String, f32)> {
        let mut request = SearchRequest::new(query);
        request.fold = false;
        let results = searcher.search(&request).unwrap();
        results
            .hits
            .iter()
            .map(|h| (h.id.clone(), h.score))
            .collect()
    }

    fn score_of(scores: &[(String, f32)], id: &str) -> f32 {
        scores
            .iter()
            .find(|(hit, _)| hit == id)
            .unwrap_or_else(|| panic!("{id} not in {scores:?}"))
            .1
    }

    /// Two articles with the same words in opposite orders earn the same word scores; for
    /// each order of the query only the article holding that order earns the bonus, however
    /// long each word's posting list is. (tantivy's sloppy phrase gave both articles the
    /// bonus for either order.)
    #[test]
    fn only_words_in_the_query_order_earn_the_bonus_whatever_the_other_articles() {
        for filler in ["西瓜", "草莓"] {
            let mut posts = vec![
                (
                    "forward.md".to_string(),
                    post("市场上西瓜葡萄草莓都很新鲜。"),
                ),
                (
                    "backward.md".to_string(),
                    post("市场上草莓葡萄西瓜都很新鲜。"),
                ),
            ];
            for i in 0..30 {
                let body = format!("第{i}篇：今天说一说{filler}的价格。");
                posts.push((format!("filler-{i}.md"), post(&body)));
            }
            let posts: Vec<(&str, &str)> = posts
                .iter()
                .map(|(n, t)| (n.as_str(), t.as_str()))
                .collect();
            let (_dir, searcher) = searcher_over(&posts);
            let plain =
                searcher.with_ranking(Ranking::with_settings("proximity_weight=0").unwrap());
            let (_dir, searcher) = searcher_over(&posts);
            for (query, holder, other) in [
                ("西瓜葡萄草莓", "forward.md", "backward.md"),
                ("草莓葡萄西瓜", "backward.md", "forward.md"),
            ] {
                let with_bonus = scores(&searcher, query);
                let without = scores(&plain, query);
                let bonus = |id: &str| score_of(&with_bonus, id) - score_of(&without, id);
                assert!(bonus(holder) > 0.1, "{filler}, {query}: {with_bonus:?}");
                assert!(
                    bonus(other).abs() < 1e-4,
                    "{filler}, {query}: {with_bonus:?}"
                );
                assert_eq!(with_bonus[0].0, holder, "{filler}, {query}");
            }
        }
    }

    #[test]
    fn words_in_order_within_the_slop_match() {
        // a b c at 0 1 2: no gap.
        assert_eq!(ordered_matches(&[vec![0], vec![1], vec![2]], 0), 1);
        // a _ b _ _ c: 3 positions between them in all.
        assert_eq!(ordered_matches(&[vec![0], vec![2], vec![5]], 3), 1);
        assert_eq!(ordered_matches(&[vec![0], vec![2], vec![5]], 2), 0);
    }

    #[test]
    fn words_out_of_order_do_not_match() {
        // c a b: the first word's only follower in order is missing.
        assert_eq!(ordered_matches(&[vec![1], vec![2], vec![0]], 8), 0);
        // b a: the second word stands before the first.
        assert_eq!(ordered_matches(&[vec![5], vec![3]], 8), 0);
    }

    #[test]
    fn every_start_is_counted_and_a_repeated_word_takes_the_next_position() {
        // a b … a b: two occurrences.
        assert_eq!(ordered_matches(&[vec![0, 10], vec![1, 11]], 0), 2);
        // The query "a a": positions of the same word, each taken after the previous.
        assert_eq!(ordered_matches(&[vec![3, 4, 9], vec![3, 4, 9]], 0), 1);
        // A late start does not find a follower: counting stops, earlier ones stay.
        assert_eq!(ordered_matches(&[vec![0, 20], vec![1]], 0), 1);
    }

    #[test]
    fn the_order_of_the_lists_does_not_depend_on_their_lengths() {
        // The same article, however long the words' posting lists are: one answer.
        let long_first = [vec![0, 4, 8, 12, 30], vec![31], vec![33]];
        assert_eq!(ordered_matches(&long_first, 1), 1);
        assert_eq!(ordered_matches(&long_first, 0), 0);
    }
}

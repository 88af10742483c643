//! The proximity bonus: the query's plain words standing close together in one field.
//!
//! A word at position p that is the i-th word of the query stands at p − i "as the query
//! has it"; the words match together where one position of each lies within `slop` of the
//! others by that measure (Lucene's and tantivy's sloppy phrase: a gap costs its length,
//! swapping two neighbours costs 2, so the words a user typed in any order still count
//! when they stand close). tantivy's own sloppy `PhraseQuery` chains the words' positions in
//! the order of their posting lists' lengths in each segment, and its count depends on that
//! order: the same article earned the bonus in one build of an index and not in another
//! (which posts the writer threads put in a segment decides the lengths), so rankings moved
//! between re-ingests of the same posts. This scorer reads the positions of the candidates
//! itself and counts the matches by the rule above; the count is scored as tantivy scores a
//! phrase (BM25 with the words' summed idf and the field's length norm).

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
            let count = sloppy_matches(&positions, self.slop);
            if count > 0 {
                scores.push((i, bm25.score(norms.fieldnorm_id(doc), count)));
            }
        }
        Ok(scores)
    }
}

/// How many times all the words stand together: `positions[i]` are the positions of the
/// query's i-th word; a match takes one position p of each word with every p − i within
/// `slop` of the others. Matches are counted left to right without sharing a position: each
/// is the first window (in p − i) that holds every word and is at most `slop` wide.
fn sloppy_matches(positions: &[Vec<u32>], slop: u32) -> u32 {
    if positions.iter().any(Vec::is_empty) {
        return 0;
    }
    // Every position as the query has it (p − i, shifted to stay ≥ 0), with its word.
    let shift = positions.len() as i64;
    let mut placed: Vec<(i64, usize)> = positions
        .iter()
        .enumerate()
        .flat_map(|(word, list)| {
            list.iter()
                .map(move |&p| (i64::from(p) - word as i64 + shift, word))
        })
        .collect();
    placed.sort_unstable();
    let mut held = vec![0u32; positions.len()];
    let mut missing = positions.len();
    let mut count = 0;
    let mut left = 0;
    for right in 0..placed.len() {
        let (end, word) = placed[right];
        held[word] += 1;
        if held[word] == 1 {
            missing -= 1;
        }
        // Drop from the left what is too far behind or held twice.
        while left < right && (end - placed[left].0 > i64::from(slop) || held[placed[left].1] > 1) {
            let dropped = placed[left].1;
            held[dropped] -= 1;
            if held[dropped] == 0 {
                missing += 1;
            }
            left += 1;
        }
        if missing == 0 {
            count += 1;
            held.iter_mut().for_each(|n| *n = 0);
            missing = positions.len();
            left = right + 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::sloppy_matches;
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

    /// An article whose words stand within the slop in another order earns the bonus,
    /// one whose words stand far apart does not, whichever word the other articles make
    /// frequent. (tantivy's sloppy phrase gave the first article none here, its words 5
    /// apart by its own rule; on DuReader such an article earned it in one build of the
    /// index and not in another.)
    #[test]
    fn words_close_in_any_order_earn_the_bonus_whatever_the_other_articles() {
        let query = "上海年薪30万什么水平";
        for filler in ["上海", "年薪", "水平", "什么"] {
            let mut posts = vec![
                (
                    "close.md".to_string(),
                    post("个人年薪30万在上海或者苏州属于什么水平？"),
                ),
                (
                    "apart.md".to_string(),
                    post(
                        "个人年薪30万。这个问题很难回答，因为每个城市都不同，生活成本也不同，\
                         所以要看在上海或者苏州，工作的行业是什么，还有消费水平。",
                    ),
                ),
            ];
            for i in 0..40 {
                let body = format!("第{i}篇：今天说一说{filler}。");
                posts.push((format!("filler-{i}.md"), post(&body)));
            }
            let posts: Vec<(&str, &str)> = posts
                .iter()
                .map(|(n, t)| (n.as_str(), t.as_str()))
                .collect();
            let (_dir, searcher) = searcher_over(&posts);
            let with_bonus = scores(&searcher, query);
            let plain =
                searcher.with_ranking(Ranking::with_settings("proximity_weight=0").unwrap());
            let without = scores(&plain, query);
            let bonus = |id: &str| score_of(&with_bonus, id) - score_of(&without, id);
            assert!(bonus("close.md") > 0.1, "{filler}: {with_bonus:?}");
            assert!(bonus("apart.md").abs() < 1e-4, "{filler}: {with_bonus:?}");
        }
    }

    #[test]
    fn words_within_the_slop_match_and_gaps_cost_their_length() {
        // a b c at 0 1 2: no gap.
        assert_eq!(sloppy_matches(&[vec![0], vec![1], vec![2]], 0), 1);
        // a _ b _ _ c: 3 positions between them in all.
        assert_eq!(sloppy_matches(&[vec![0], vec![2], vec![5]], 3), 1);
        assert_eq!(sloppy_matches(&[vec![0], vec![2], vec![5]], 2), 0);
    }

    #[test]
    fn swapped_words_cost_two_and_reversed_ones_more() {
        // b a: a swap costs 2.
        assert_eq!(sloppy_matches(&[vec![1], vec![0]], 2), 1);
        assert_eq!(sloppy_matches(&[vec![1], vec![0]], 1), 0);
        // c b a: as the query has them at 2, 0, −2: 4 wide.
        assert_eq!(sloppy_matches(&[vec![2], vec![1], vec![0]], 4), 1);
        assert_eq!(sloppy_matches(&[vec![2], vec![1], vec![0]], 3), 0);
        // A missing word: no match.
        assert_eq!(sloppy_matches(&[vec![2], vec![], vec![0]], 8), 0);
    }

    #[test]
    fn matches_are_counted_without_sharing_a_position() {
        // a b … a b: two matches.
        assert_eq!(sloppy_matches(&[vec![0, 10], vec![1, 11]], 0), 2);
        // a a b: one b, one match.
        assert_eq!(sloppy_matches(&[vec![0, 1], vec![2]], 1), 1);
        // A late a without a b near it adds nothing.
        assert_eq!(sloppy_matches(&[vec![0, 20], vec![1]], 2), 1);
    }

    #[test]
    fn the_answer_does_not_depend_on_which_word_is_most_frequent() {
        // The same article, whichever word's list is long: one answer.
        let long_first = [vec![0, 4, 8, 12, 30], vec![31], vec![33]];
        let long_last = [vec![30], vec![31], vec![2, 6, 10, 33]];
        assert_eq!(sloppy_matches(&long_first, 1), 1);
        assert_eq!(sloppy_matches(&long_first, 0), 0);
        assert_eq!(sloppy_matches(&long_last, 1), 1);
        assert_eq!(sloppy_matches(&long_last, 0), 0);
    }
}

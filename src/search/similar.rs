//! `similar`: the articles most related to one article, by its keywords: its words
//! weighted by how often the article uses them and how rare the index finds them (TF-IDF
//! with the index's own document frequencies, not a table from elsewhere).

use std::collections::HashMap;

use tantivy::Term;

use crate::error::{Error, Result};
use crate::query::Occur;
use crate::schema::ArticleField;
use crate::text::is_function_word;

use super::plan::{self, Node, QueryPlan};
use super::*;

impl ArticleSearcher {
    /// Articles related to the one with this id: its weighted keywords as a query, the
    /// article itself excluded. `None` when no article has the id.
    pub fn similar(&self, id_or_path: &str, limit: usize) -> Result<Option<SearchResults>> {
        let Some(article) = self.get(id_or_path)? else {
            return Ok(None);
        };
        let text = format!("{}\n{}", article.title, article.body);
        let fields = plan::field_weights(&self.clause_fields(None)?);
        let mut plan = QueryPlan::default();
        for (word, weight) in self.keywords(&text, SIMILAR_KEYWORDS)? {
            plan.highlight.push(word.clone());
            let node = Node::Word {
                word,
                fields: fields.clone(),
                weight,
            };
            plan.ranking.push((Occur::Should, node));
        }
        // Not the article itself, nor its near-duplicates (listed by `duplicates`).
        let id_field = self.index.schema_field_name(self.index.fields.id);
        let mut values = vec![article.id.clone()];
        values.extend(self.duplicates(&article.id)?.unwrap_or_default());
        let itself = Node::Exact {
            values,
            fields: vec![plan::FieldWeight {
                field: id_field,
                weight: 1.0,
            }],
        };
        plan.filters.push((Occur::MustNot, itself));
        let Some(built) = self.build(&plan)? else {
            return Ok(Some(SearchResults::default()));
        };
        let page = Page {
            limit,
            offset: 0,
            sort: SortOrder::Relevance,
            fold: true,
        };
        self.execute(built, page, &SearchOutput::default())
            .map(Some)
    }
}

impl ArticleSearcher {
    /// The `count` words of `text` with the highest TF-IDF, the document frequencies read
    /// from the index's body field; weights relative to the best (1). Function words and
    /// words the index does not hold are left out.
    fn keywords(&self, text: &str, count: usize) -> Result<Vec<(String, f32)>> {
        let (words, _) = self.index.analyzer.indexed_terms(text);
        let mut frequencies: HashMap<String, u32> = HashMap::new();
        for word in words {
            if !is_function_word(&word) && word.chars().count() > 1 {
                *frequencies.entry(word).or_default() += 1;
            }
        }
        let Some(body) = self.index.fields.get(ArticleField::Body) else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
        let documents = searcher.num_docs() as f32;
        let mut scored = Vec::with_capacity(frequencies.len());
        for (word, frequency) in frequencies {
            let term = Term::from_field_text(body.field, &word);
            let df = searcher
                .doc_freq(&term)
                .map_err(|e| Error::reading("reading document frequencies", e))?
                as f32;
            if df == 0.0 {
                continue;
            }
            let idf = (1.0 + (documents - df + 0.5) / (df + 0.5)).ln();
            scored.push((word, frequency as f32 * idf));
        }
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        scored.truncate(count);
        let best = scored
            .first()
            .map_or(1.0, |(_, score)| *score)
            .max(f32::MIN_POSITIVE);
        Ok(scored
            .into_iter()
            .map(|(word, score)| (word, score / best))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_weighted_by_the_index_document_frequencies() {
        let post = |body: &str| format!("---\ntitle: 标题\n---\n{body}\n");
        let (_dir, searcher) = searcher_over(&[
            ("a.md", &post("算力规模持续发展")),
            ("b.md", &post("经济持续发展")),
            ("c.md", &post("城市持续发展")),
        ]);
        let keywords = searcher.keywords("算力规模持续发展", 10).unwrap();
        let weight = |word: &str| keywords.iter().find(|(w, _)| w == word).map(|(_, s)| *s);
        // 算力 is in one article of three, 发展 in all of them.
        assert_eq!(weight("算力"), Some(1.0), "{keywords:?}");
        assert!(weight("发展").unwrap() < 0.5, "{keywords:?}");
        assert_eq!(weight("标题"), None, "only the text given");
    }
}

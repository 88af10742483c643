//! `similar`: the articles most related to one article, by its keywords.

use tantivy::query::{BooleanQuery, BoostQuery, Occur as TantivyOccur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use crate::error::Result;

use super::*;

impl ArticleSearcher {
    /// Articles related to the one with this id: its weighted keywords as a query, the
    /// article itself excluded. `None` when no article has the id.
    pub fn similar(&self, id_or_path: &str, limit: usize) -> Result<Option<SearchResults>> {
        let Some(article) = self.get(id_or_path)? else {
            return Ok(None);
        };
        let text = format!("{}\n{}", article.title, article.body);
        let keywords = self.index.analyzer.keywords(&text, SIMILAR_KEYWORDS);
        let fields = self.clause_fields(None)?;
        let mut subqueries: Vec<(TantivyOccur, Box<dyn Query>)> = Vec::new();
        let mut highlight_terms = Vec::new();
        for (keyword, weight) in keywords {
            for term in self.index.analyzer.words(&keyword) {
                for query in term_queries(&fields, &term) {
                    let boosted = Box::new(BoostQuery::new(query, weight as f32));
                    subqueries.push((TantivyOccur::Should, boosted));
                }
                highlight_terms.push(term);
            }
        }
        if subqueries.is_empty() {
            return Ok(Some(SearchResults::default()));
        }
        let itself = TermQuery::new(
            Term::from_field_text(self.index.fields.id, &article.id),
            IndexRecordOption::Basic,
        );
        subqueries.push((TantivyOccur::MustNot, Box::new(itself)));
        let built = BuiltQuery {
            scored: true,
            query: Box::new(BooleanQuery::new(subqueries)),
            proximity: None,
            highlight_terms,
        };
        let mut request = SearchRequest::new(String::new());
        request.limit = limit;
        self.execute(built, &request).map(Some)
    }
}

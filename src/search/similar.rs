//! `similar`: the articles most related to one article, by its keywords.

use crate::error::Result;
use crate::query::Occur;

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
        let keywords = self.index.analyzer.keywords(&text, SIMILAR_KEYWORDS);
        let fields = plan::field_weights(&self.clause_fields(None)?);
        let mut plan = QueryPlan::default();
        for (keyword, weight) in keywords {
            for word in self.index.analyzer.words(&keyword) {
                plan.highlight.push(word.clone());
                let node = Node::Word {
                    word,
                    fields: fields.clone(),
                    weight: weight as f32,
                };
                plan.ranking.push((Occur::Should, node));
            }
        }
        // Not the article itself.
        let id_field = self.index.schema_field_name(self.index.fields.id);
        let itself = Node::Exact {
            values: vec![article.id.clone()],
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
        };
        self.execute(built, page, &SearchOutput::default())
            .map(Some)
    }
}

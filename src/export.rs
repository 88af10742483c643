//! Export stage: indexed articles → JSON lines another engine can take over.
//!
//! Each record holds the stored fields as sousuo indexed them plus, for every text field,
//! its segmentation as space-joined terms (`title_tokens`, `body_tokens`: the words, in
//! order, normalised as indexed) and the dictionary sub-words (`title_subwords`, …), so an
//! engine with a whitespace analyzer searches the same terms sousuo does.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::search::{ArticleSearcher, StoredArticle};

/// How records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per line.
    Ndjson,
    /// OpenSearch / Elasticsearch `_bulk` body: an `index` action line, then the document.
    OpenSearchBulk,
}

#[derive(Serialize)]
struct Record<'a> {
    #[serde(flatten)]
    article: &'a StoredArticle,
    #[serde(flatten)]
    segmented: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct BulkAction<'a> {
    index: BulkTarget<'a>,
}

#[derive(Serialize)]
struct BulkTarget<'a> {
    #[serde(rename = "_id")]
    id: &'a str,
}

/// The words and sub-words of `text` as the index holds them, each space-joined.
fn segmented(searcher: &ArticleSearcher, text: &str) -> (String, String) {
    let (words, sub_words) = searcher.index().analyzer().indexed_terms(text);
    (words.join(" "), sub_words.join(" "))
}

/// Writes every article (or those matching `query`), in index order; returns how many.
pub fn export(
    searcher: &ArticleSearcher,
    query: Option<&str>,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<u64> {
    let text_fields: Vec<(String, crate::schema::ArticleField)> = searcher
        .index()
        .fields()
        .searchable_text()
        .map(|(field, _)| (field.spec.name.clone(), field.source))
        .collect();
    searcher.for_each_article(query, &mut |article| {
        let mut fields = BTreeMap::new();
        for (name, source) in &text_fields {
            let text = match source {
                crate::schema::ArticleField::Title => Some(article.title.as_str()),
                crate::schema::ArticleField::Body => Some(article.body.as_str()),
                crate::schema::ArticleField::Description => article.description.as_deref(),
                _ => None,
            };
            let Some(text) = text else {
                continue;
            };
            let (words, sub_words) = segmented(searcher, text);
            fields.insert(format!("{name}_tokens"), words);
            fields.insert(format!("{name}_subwords"), sub_words);
        }
        if format == ExportFormat::OpenSearchBulk {
            let action = BulkAction {
                index: BulkTarget { id: &article.id },
            };
            write_line(out, &action)?;
        }
        let record = Record {
            article: &article,
            segmented: fields,
        };
        write_line(out, &record)
    })
}

fn write_line(out: &mut dyn Write, value: &impl Serialize) -> Result<()> {
    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        serde_json::to_writer(&mut *out, value)?;
        writeln!(out)
    };
    write(out).map_err(|e| Error::io("stdout", e))
}

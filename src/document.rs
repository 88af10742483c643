//! Analysis stage: an [`Article`] → a tantivy document.
//!
//! Every text field is segmented here, once, and handed to tantivy pre-tokenized, so the
//! costly segmentation runs in the parallel workers and the index writer only builds
//! postings. tantivy stores only the text of a pre-tokenized value, never its tokens.

use tantivy::schema::Facet;
use tantivy::tokenizer::PreTokenizedString;
use tantivy::TantivyDocument;

use crate::article::Article;
use crate::schema::{ArticleField, FieldType, Fields, IndexedField};
use crate::text::{Analyzer, Mode};

/// Where an article came from, as recorded in the index for incremental ingest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Document id: the path relative to the ingested folder, `/`-separated.
    pub id: String,
    /// The path as found.
    pub path: String,
    /// xxh3 hash of the file's bytes.
    pub content_hash: u64,
    /// Modification time, nanoseconds since the epoch (0 when unknown).
    pub mtime: u64,
    /// Size in bytes.
    pub size: u64,
}

/// Builds the document for `article`, analysing its text fields with `analyzer`.
pub fn build_document(
    fields: &Fields,
    analyzer: &Analyzer,
    article: &Article,
    source: &SourceFile,
) -> TantivyDocument {
    let mut document = TantivyDocument::default();
    for field in &fields.declared {
        match field.source {
            ArticleField::Id => add_value(&mut document, analyzer, field, &source.id),
            ArticleField::Path => add_value(&mut document, analyzer, field, &source.path),
            ArticleField::Title => add_value(&mut document, analyzer, field, &article.title),
            ArticleField::Body => add_value(&mut document, analyzer, field, &article.body),
            ArticleField::Categories => {
                if field.spec.field_type == FieldType::Facet {
                    if !article.categories.is_empty() {
                        document.add_facet(field.field, Facet::from_path(&article.categories));
                    }
                } else {
                    for category in &article.categories {
                        add_value(&mut document, analyzer, field, category);
                    }
                }
            }
            ArticleField::Tags => {
                for tag in &article.tags {
                    add_value(&mut document, analyzer, field, tag);
                }
            }
            ArticleField::Author => add_optional(&mut document, analyzer, field, &article.author),
            ArticleField::Editor => add_optional(&mut document, analyzer, field, &article.editor),
            ArticleField::Description => {
                add_optional(&mut document, analyzer, field, &article.description)
            }
            ArticleField::Image => add_optional(&mut document, analyzer, field, &article.image),
            ArticleField::Link => add_optional(&mut document, analyzer, field, &article.link),
            ArticleField::Date => {
                if let Some(date) = article.date {
                    let timestamp = tantivy::DateTime::from_timestamp_secs(date.timestamp());
                    document.add_date(field.field, timestamp);
                }
            }
        }
    }
    document.add_u64(fields.content_hash, source.content_hash);
    document.add_u64(fields.mtime, source.mtime);
    document.add_u64(fields.size, source.size);
    document
}

fn add_optional(
    document: &mut TantivyDocument,
    analyzer: &Analyzer,
    field: &IndexedField,
    value: &Option<String>,
) {
    if let Some(value) = value {
        add_value(document, analyzer, field, value);
    }
}

fn add_value(
    document: &mut TantivyDocument,
    analyzer: &Analyzer,
    field: &IndexedField,
    value: &str,
) {
    match field.spec.field_type {
        FieldType::Text => {
            let mut tokens = Vec::new();
            analyzer.analyze(value, Mode::Index, &mut tokens);
            document.add_pre_tokenized_text(
                field.field,
                PreTokenizedString {
                    text: value.to_string(),
                    tokens,
                },
            );
        }
        FieldType::String | FieldType::Stored => document.add_text(field.field, value),
        FieldType::Facet => document.add_facet(field.field, Facet::from_path([value])),
        FieldType::Date => {}
    }
}

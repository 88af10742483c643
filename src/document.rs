//! Document stage: an [`Article`] → the document the index writer takes.
//!
//! Text fields go to tantivy as text: the writer threads segment them with the registered
//! [`crate::text::ChineseTokenizer`], once, reusing token buffers (no allocation per token).
//! Handing tantivy pre-tokenized text instead cost more than it saved: its default document
//! encodes the tokens as JSON and decodes them again, and even without that every token
//! becomes a `String` that the writer copies (measured in BENCHMARKS.md).
//!
//! [`ArticleDocument`] is sousuo's own tantivy `Document`: a flat list of field values,
//! handed to the writer without re-encoding.

use tantivy::schema::document::Document;
use tantivy::schema::{Facet, Field, OwnedValue};

use crate::article::Article;
use crate::schema::{ArticleField, FieldType, Fields, IndexedField};

/// Where an article came from, as recorded in the index for incremental ingest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Document id: the path relative to the ingested folder, `/`-separated.
    pub id: String,
    /// The absolute folder the file was found under (`id` is the path below it).
    pub root: String,
    /// The file's absolute path: `root` joined with `id`.
    pub path: String,
    /// xxh3 hash of the file's bytes.
    pub content_hash: u64,
    /// Modification time, nanoseconds since the epoch (0 when unknown).
    pub mtime: u64,
    /// Size in bytes.
    pub size: u64,
    /// When this ingest started, microseconds since the epoch.
    pub ingested: i64,
}

/// A document ready for the index writer: field values, text fields pre-tokenized.
#[derive(Debug, Clone, Default)]
pub struct ArticleDocument {
    values: Vec<(Field, OwnedValue)>,
    /// Sub-word fields, each with the index in `values` of the text it indexes.
    sub_words: Vec<(Field, usize)>,
}

impl ArticleDocument {
    fn add(&mut self, field: Field, value: OwnedValue) {
        self.values.push((field, value));
    }

    fn add_text(&mut self, field: &IndexedField, text: &str) {
        if let Some(sub_words) = field.sub_words {
            self.sub_words.push((sub_words, self.values.len()));
        }
        self.add(field.field, OwnedValue::Str(text.to_string()));
    }

    fn add_facet(&mut self, field: Field, facet: Facet) {
        self.add(field, OwnedValue::Facet(facet));
    }

    /// Adds the body as the index keeps it for display, compressed ([`crate::stored`]); an
    /// error when it cannot be (over 4 GiB). A dry run, which stores nothing, skips it.
    /// An index made before stores the body as text, with its text field.
    pub fn store_body(&mut self, fields: &Fields, body: &str) -> std::io::Result<()> {
        if let Some(field) = fields.stored_body {
            let stored = crate::stored::compress(body)?;
            self.add(field, OwnedValue::Bytes(stored));
        }
        Ok(())
    }

    /// Sets the date of `field` (microseconds since the epoch), in place of any it had.
    pub fn set_date(&mut self, field: Field, micros: i64) {
        self.values.retain(|(f, _)| *f != field);
        let date = tantivy::DateTime::from_timestamp_micros(micros);
        self.add(field, OwnedValue::Date(date));
    }

    /// The values of `field`, in the order they were added.
    pub fn values(&self, field: Field) -> impl Iterator<Item = &OwnedValue> {
        self.values
            .iter()
            .filter(move |(f, _)| *f == field)
            .map(|(_, value)| value)
    }

    /// The texts of `field` (its string values).
    pub fn texts(&self, field: Field) -> impl Iterator<Item = &str> {
        self.values(field).filter_map(|value| match value {
            OwnedValue::Str(text) => Some(text.as_str()),
            _ => None,
        })
    }
}

/// The values of an [`ArticleDocument`], then its sub-word fields' values.
pub struct FieldValueIter<'a> {
    document: &'a ArticleDocument,
    next: usize,
}

impl<'a> Iterator for FieldValueIter<'a> {
    type Item = (Field, &'a OwnedValue);

    fn next(&mut self) -> Option<Self::Item> {
        let values = &self.document.values;
        let item = match self.next.checked_sub(values.len()) {
            None => {
                let (field, value) = &values[self.next];
                (*field, value)
            }
            Some(i) => {
                let (field, text) = self.document.sub_words.get(i)?;
                (*field, &values[*text].1)
            }
        };
        self.next += 1;
        Some(item)
    }
}

impl Document for ArticleDocument {
    type Value<'a> = &'a OwnedValue;
    type FieldsValuesIter<'a> = FieldValueIter<'a>;

    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        FieldValueIter {
            document: self,
            next: 0,
        }
    }
}

/// Builds the document for `article`, all but its stored body ([`ArticleDocument::store_body`]).
pub fn build_document(
    fields: &Fields,
    article: &Article,
    source: &SourceFile,
    signature_seed: u64,
) -> ArticleDocument {
    let mut document = ArticleDocument::default();
    for field in &fields.declared {
        match field.source {
            ArticleField::Id => add_value(&mut document, field, &source.id),
            ArticleField::Path => add_value(&mut document, field, &source.path),
            ArticleField::Title => add_value(&mut document, field, &article.title),
            ArticleField::Body => add_value(&mut document, field, &article.body),
            ArticleField::Categories => {
                if field.spec.field_type == FieldType::Facet {
                    if !article.categories.is_empty() {
                        document.add_facet(field.field, Facet::from_path(&article.categories));
                    }
                } else {
                    for category in &article.categories {
                        add_value(&mut document, field, category);
                    }
                }
            }
            ArticleField::Tags => {
                for tag in &article.tags {
                    add_value(&mut document, field, tag);
                }
            }
            ArticleField::Author => add_optional(&mut document, field, &article.author),
            ArticleField::Editor => add_optional(&mut document, field, &article.editor),
            ArticleField::Description => add_optional(&mut document, field, &article.description),
            ArticleField::Image => add_optional(&mut document, field, &article.image),
            ArticleField::Link => add_optional(&mut document, field, &article.link),
            ArticleField::Date => {
                if let Some(date) = article.date {
                    let timestamp = tantivy::DateTime::from_timestamp_secs(date.timestamp());
                    document.add(field.field, OwnedValue::Date(timestamp));
                }
            }
        }
    }
    document.add(fields.content_hash, OwnedValue::U64(source.content_hash));
    document.add(fields.mtime, OwnedValue::U64(source.mtime));
    document.add(fields.size, OwnedValue::U64(source.size));
    document.add(fields.root, OwnedValue::Str(source.root.clone()));
    let ingested = tantivy::DateTime::from_timestamp_micros(source.ingested);
    document.add(fields.ingested, OwnedValue::Date(ingested));
    if let (None, Some(year_less)) = (article.date, article.year_less) {
        let shown = year_less.to_string();
        document.add(fields.year_less_date, OwnedValue::Str(shown));
    }
    let signature = crate::signature::Signature::of(&article.body, signature_seed);
    for (field, word) in fields.signature.iter().zip(signature.words()) {
        document.add(*field, OwnedValue::U64(word));
    }
    document
}

fn add_optional(document: &mut ArticleDocument, field: &IndexedField, value: &Option<String>) {
    if let Some(value) = value {
        add_value(document, field, value);
    }
}

fn add_value(document: &mut ArticleDocument, field: &IndexedField, value: &str) {
    match field.spec.field_type {
        FieldType::Text | FieldType::String | FieldType::Stored => document.add_text(field, value),
        FieldType::Facet => document.add_facet(field.field, Facet::from_path([value])),
        FieldType::Date => {}
    }
}

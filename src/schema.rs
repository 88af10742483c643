//! `index-schema.json`: which article fields are indexed, how, and with what ranking boost.
//!
//! The file is read and validated here into an [`IndexSchema`]; [`IndexSchema::build`]
//! turns it into a tantivy [`Schema`] plus the [`Fields`] handles the pipeline uses. Each
//! declared field is filled from the article property of the same name, so the set of names
//! is fixed ([`ArticleField`]); the options (type, analyzer, stored, fast, boost) are the
//! user's. sousuo adds its own bookkeeping fields (names starting with `_`), and beside each
//! text field a field for the dictionary sub-words of its longer words (`_sub.` and the
//! field's name: term frequencies only, no positions).

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::schema::{
    DateOptions, DateTimePrecision, FacetOptions, Field, IndexRecordOption, NumericOptions, Schema,
    TextFieldIndexing, TextOptions,
};

use crate::text::{CHINESE_ANALYZER, SUB_WORD_ANALYZER};

/// The schema shipped with sousuo, used when no schema file is given.
pub const DEFAULT_SCHEMA_JSON: &str = include_str!("../index-schema.json");

/// Name of the bookkeeping field holding the content hash of the source file.
pub const CONTENT_HASH_FIELD: &str = "_content_hash";
/// Name of the bookkeeping field holding the source file's modification time (ns).
pub const MTIME_FIELD: &str = "_mtime";
/// Name of the bookkeeping field holding the source file's size in bytes.
pub const SIZE_FIELD: &str = "_size";
/// Name of the bookkeeping field holding the absolute folder an article was ingested from
/// (its id is the path below it).
pub const ROOT_FIELD: &str = "_root";
/// Name of the bookkeeping field holding when the article was last ingested (the start of
/// that ingest; ingests never overlap, so a later commit holds later times).
pub const INGESTED_FIELD: &str = "_ingested";
/// Name of the bookkeeping field holding a date written without a year that nothing told
/// (`08-02 15:25`): shown as written, counted by `stats`, never in date filters.
pub const YEAR_LESS_DATE_FIELD: &str = "_year_less_date";
/// Name of the bookkeeping field holding the stored body, compressed ([`crate::stored`]):
/// a stored body field is kept here instead of in its text field.
pub const STORED_BODY_FIELD: &str = "_stored_body";
/// Prefix of the names of the bookkeeping fields holding the MinHash of the article's body
/// ([`crate::signature`]), four lanes in each, read when folding near-duplicate hits.
pub const SIGNATURE_FIELD_PREFIX: &str = "_minhash.";
/// Prefix of the name of a text field's sub-word field.
pub const SUB_WORD_FIELD_PREFIX: &str = "_sub.";

/// An error in a schema file, naming the file and the field.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct SchemaError {
    /// The schema file (or `built-in schema`).
    pub file: String,
    /// What is wrong, naming the field.
    pub problem: String,
}

/// The type of a declared field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Analyzed full text.
    Text,
    /// One exact term per value (ids, names, categories).
    String,
    /// A date, searchable by range.
    Date,
    /// A hierarchical facet (`/金融/新浪财经`), for categories.
    Facet,
    /// Stored for display, not searchable.
    Stored,
}

/// One field of `index-schema.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Field name: one of the article properties.
    pub name: String,
    /// Field type.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// Analyzer of a text field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analyzer: Option<String>,
    /// Whether the value is stored for display.
    #[serde(default)]
    pub stored: bool,
    /// Whether the value is kept in a column (for sorting, filters and facets).
    #[serde(default)]
    pub fast: bool,
    /// Ranking weight of a text field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boost: Option<f32>,
    /// Whether a text field's matches count for less in longer values (BM25's length
    /// normalisation, Elasticsearch's `norms`). Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub norms: Option<bool>,
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexSchema {
    /// Free text for people reading the file.
    #[serde(default, rename = "$comment", skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The fields.
    pub fields: Vec<FieldSpec>,
}

/// The article properties a field can be filled from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleField {
    /// Document id: the path relative to the ingested folder.
    Id,
    /// The file's path as it was found.
    Path,
    /// Title.
    Title,
    /// Clean body text.
    Body,
    /// Categories.
    Categories,
    /// Tags.
    Tags,
    /// Author.
    Author,
    /// Editor.
    Editor,
    /// Publication date.
    Date,
    /// Description.
    Description,
    /// Cover image.
    Image,
    /// Original link.
    Link,
}

impl ArticleField {
    const ALL: [(&'static str, ArticleField, &'static [FieldType]); 12] = [
        ("id", ArticleField::Id, &[FieldType::String]),
        (
            "path",
            ArticleField::Path,
            &[FieldType::Stored, FieldType::String],
        ),
        ("title", ArticleField::Title, &[FieldType::Text]),
        ("body", ArticleField::Body, &[FieldType::Text]),
        (
            "categories",
            ArticleField::Categories,
            &[FieldType::String, FieldType::Text, FieldType::Facet],
        ),
        (
            "tags",
            ArticleField::Tags,
            &[FieldType::String, FieldType::Text],
        ),
        (
            "author",
            ArticleField::Author,
            &[FieldType::String, FieldType::Text],
        ),
        (
            "editor",
            ArticleField::Editor,
            &[FieldType::String, FieldType::Text],
        ),
        ("date", ArticleField::Date, &[FieldType::Date]),
        (
            "description",
            ArticleField::Description,
            &[FieldType::Text, FieldType::Stored],
        ),
        (
            "image",
            ArticleField::Image,
            &[FieldType::Stored, FieldType::String],
        ),
        (
            "link",
            ArticleField::Link,
            &[FieldType::Stored, FieldType::String],
        ),
    ];

    fn from_name(name: &str) -> Option<(ArticleField, &'static [FieldType])> {
        Self::ALL
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, field, types)| (*field, *types))
    }

    fn known_names() -> String {
        Self::ALL
            .iter()
            .map(|(n, _, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A declared field, resolved against the tantivy schema.
#[derive(Debug, Clone)]
pub struct IndexedField {
    /// Which article property fills it.
    pub source: ArticleField,
    /// The tantivy field.
    pub field: Field,
    /// For text fields: the field of the sub-words of the text's longer words.
    pub sub_words: Option<Field>,
    /// Its declaration.
    pub spec: FieldSpec,
}

/// Handles to every field of a built schema.
#[derive(Debug, Clone)]
pub struct Fields {
    /// Declared fields, in file order.
    pub declared: Vec<IndexedField>,
    /// The id field (always present).
    pub id: Field,
    /// Content hash of the source file.
    pub content_hash: Field,
    /// Modification time of the source file, in nanoseconds since the epoch.
    pub mtime: Field,
    /// Size of the source file in bytes.
    pub size: Field,
    /// The absolute folder the article was ingested from.
    pub root: Field,
    /// When the article was last ingested.
    pub ingested: Field,
    /// A date without a year that nothing told ([`YEAR_LESS_DATE_FIELD`]).
    pub year_less_date: Field,
    /// The body's near-duplicate signature, in words.
    pub signature: [Field; crate::signature::WORDS],
    /// The body as stored, compressed ([`STORED_BODY_FIELD`]); `None` in an index made
    /// before, which stores it as text in its field.
    pub stored_body: Option<Field>,
}

impl Fields {
    /// The declared field filled from `source`, if the schema has one.
    pub fn get(&self, source: ArticleField) -> Option<&IndexedField> {
        self.declared.iter().find(|f| f.source == source)
    }

    /// Text fields with their boosts: what a plain query searches.
    pub fn searchable_text(&self) -> impl Iterator<Item = (&IndexedField, f32)> {
        self.declared
            .iter()
            .filter(|f| f.spec.field_type == FieldType::Text)
            .map(|f| (f, f.spec.boost.unwrap_or(1.0)))
    }
}

impl IndexSchema {
    /// Reads and validates a schema file.
    pub fn load(path: &Path) -> Result<IndexSchema, SchemaError> {
        let file = path.display().to_string();
        let json = std::fs::read_to_string(path).map_err(|err| SchemaError {
            file: file.clone(),
            problem: format!("cannot read: {err}"),
        })?;
        Self::parse(&json, &file)
    }

    /// The built-in schema.
    pub fn default_schema() -> IndexSchema {
        Self::parse(DEFAULT_SCHEMA_JSON, "built-in schema")
            .expect("the built-in schema is valid (checked by a test)")
    }

    /// Parses and validates schema JSON; `file` names it in errors.
    pub fn parse(json: &str, file: &str) -> Result<IndexSchema, SchemaError> {
        let error = |problem: String| SchemaError {
            file: file.to_string(),
            problem,
        };
        let schema: IndexSchema =
            serde_json::from_str(json).map_err(|err| error(err.to_string()))?;
        schema.validate().map_err(error)?;
        Ok(schema)
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        let mut seen = HashSet::new();
        for spec in &self.fields {
            let name = &spec.name;
            let Some((_, allowed_types)) = ArticleField::from_name(name) else {
                return Err(format!(
                    "field {name:?}: unknown field (sousuo fills only: {})",
                    ArticleField::known_names()
                ));
            };
            if !seen.insert(name.as_str()) {
                return Err(format!("field {name:?}: declared twice"));
            }
            if !allowed_types.contains(&spec.field_type) {
                let allowed: Vec<String> = allowed_types
                    .iter()
                    .map(|t| format!("{t:?}").to_lowercase())
                    .collect();
                return Err(format!(
                    "field {name:?}: type {:?} is not possible for it (use {})",
                    format!("{:?}", spec.field_type).to_lowercase(),
                    allowed.join(" or ")
                ));
            }
            validate_options(spec)?;
        }
        for (required, why) in [
            ("id", "documents are updated by id"),
            ("title", "hits show a title"),
            ("body", "snippets come from the body"),
        ] {
            if !seen.contains(required) {
                return Err(format!("field {required:?}: missing ({why})"));
            }
        }
        let stored = |name: &str| self.fields.iter().any(|f| f.name == name && f.stored);
        if !stored("id") || !stored("title") || !stored("body") {
            return Err("fields \"id\", \"title\" and \"body\" must be stored".to_string());
        }
        let id_fast = self.fields.iter().any(|f| f.name == "id" && f.fast);
        if !id_fast {
            return Err("field \"id\": must be fast (incremental ingest reads it)".to_string());
        }
        Ok(())
    }

    /// Builds the tantivy schema of a new index (its bodies stored compressed).
    pub fn build(&self) -> (Schema, Fields) {
        self.build_with(true)
    }

    /// Builds the tantivy schema, the body stored compressed ([`Fields::stored_body`]) or,
    /// for an index made before, as text in its field.
    pub fn build_with(&self, compressed_body: bool) -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let mut declared = Vec::with_capacity(self.fields.len());
        for spec in &self.fields {
            let (source, _) =
                ArticleField::from_name(&spec.name).expect("validated: the name is known");
            let store_text = !(compressed_body && source == ArticleField::Body);
            let (field, sub_words) = add_field(&mut builder, spec, store_text);
            declared.push(IndexedField {
                source,
                field,
                sub_words,
                spec: spec.clone(),
            });
        }
        let numeric = NumericOptions::default().set_fast();
        let content_hash = builder.add_u64_field(CONTENT_HASH_FIELD, numeric.clone());
        let mtime = builder.add_u64_field(MTIME_FIELD, numeric.clone());
        let size = builder.add_u64_field(SIZE_FIELD, numeric.clone());
        let signature = std::array::from_fn(|word| {
            builder.add_u64_field(&format!("{SIGNATURE_FIELD_PREFIX}{word}"), numeric.clone())
        });
        let root =
            builder.add_text_field(ROOT_FIELD, tantivy::schema::STRING | tantivy::schema::FAST);
        let ingested = builder.add_date_field(
            INGESTED_FIELD,
            // Fast only: ranges are then read from the column, to the microsecond (the
            // inverted index keeps dates to the second).
            tantivy::schema::DateOptions::default()
                .set_fast()
                .set_precision(tantivy::schema::DateTimePrecision::Microseconds),
        );
        let year_less_date = builder.add_text_field(
            YEAR_LESS_DATE_FIELD,
            tantivy::schema::STRING | tantivy::schema::STORED | tantivy::schema::FAST,
        );
        let stored_body = compressed_body.then(|| {
            let options = tantivy::schema::BytesOptions::default().set_stored();
            builder.add_bytes_field(STORED_BODY_FIELD, options)
        });
        let schema = builder.build();
        let id = declared
            .iter()
            .find(|f| f.source == ArticleField::Id)
            .expect("validated: id is declared")
            .field;
        let fields = Fields {
            declared,
            id,
            content_hash,
            mtime,
            size,
            root,
            ingested,
            year_less_date,
            signature,
            stored_body,
        };
        (schema, fields)
    }

    /// The schema as pretty JSON, as recorded with an index.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a schema always serialises")
    }
}

/// Adds a declared field to `builder` (and, for a text field, its sub-word field right
/// after it); returns both handles.
fn add_field(
    builder: &mut tantivy::schema::SchemaBuilder,
    spec: &FieldSpec,
    store_text: bool,
) -> (Field, Option<Field>) {
    let field = match spec.field_type {
        // A compressed body is stored in a field of its own.
        FieldType::Text => return add_text_field(builder, spec, store_text),
        FieldType::String => {
            let indexing = TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_fieldnorms(false)
                .set_index_option(IndexRecordOption::Basic);
            let mut options = TextOptions::default().set_indexing_options(indexing);
            if spec.stored {
                options = options.set_stored();
            }
            if spec.fast {
                options = options.set_fast("raw");
            }
            builder.add_text_field(&spec.name, options)
        }
        FieldType::Date => {
            let mut options = DateOptions::default()
                .set_indexed()
                .set_precision(DateTimePrecision::Seconds);
            if spec.stored {
                options = options.set_stored();
            }
            if spec.fast {
                options = options.set_fast();
            }
            builder.add_date_field(&spec.name, options)
        }
        FieldType::Facet => {
            let options = if spec.stored {
                FacetOptions::default().set_stored()
            } else {
                FacetOptions::default()
            };
            builder.add_facet_field(&spec.name, options)
        }
        FieldType::Stored => {
            builder.add_text_field(&spec.name, TextOptions::default().set_stored())
        }
    };
    (field, None)
}

/// A text field, segmented by the Chinese analyzer with positions, and its sub-word field
/// right after it, so that tantivy, which indexes a document's fields in field order,
/// segments the text once. The sub-word field has no lengths: a sub-word match says a
/// longer word holds the query word, however many compounds the text has (+0.002 to
/// +0.003 nDCG@10 on the dev set against sub-word lengths, docs/relevance.md).
fn add_text_field(
    builder: &mut tantivy::schema::SchemaBuilder,
    spec: &FieldSpec,
    store_text: bool,
) -> (Field, Option<Field>) {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(CHINESE_ANALYZER)
        .set_fieldnorms(spec.norms.unwrap_or(true))
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let mut options = TextOptions::default().set_indexing_options(indexing);
    if spec.stored && store_text {
        options = options.set_stored();
    }
    let field = builder.add_text_field(&spec.name, options);
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(SUB_WORD_ANALYZER)
        .set_fieldnorms(false)
        .set_index_option(IndexRecordOption::WithFreqs);
    let name = format!("{SUB_WORD_FIELD_PREFIX}{}", spec.name);
    let options = TextOptions::default().set_indexing_options(indexing);
    (field, Some(builder.add_text_field(&name, options)))
}

/// The options of one declared field (analyzer, boost, norms, fast, stored) against its
/// type.
fn validate_options(spec: &FieldSpec) -> Result<(), String> {
    let name = &spec.name;
    match (spec.field_type, spec.analyzer.as_deref()) {
        (FieldType::Text, Some(CHINESE_ANALYZER)) => {}
        (FieldType::Text, Some(other)) => {
            return Err(format!(
                "field {name:?}: unknown analyzer {other:?} (known: {CHINESE_ANALYZER})"
            ))
        }
        (FieldType::Text, None) => {
            return Err(format!(
                "field {name:?}: a text field needs \"analyzer\": \"{CHINESE_ANALYZER}\""
            ))
        }
        (_, Some(_)) => return Err(format!("field {name:?}: only text fields take an analyzer")),
        (_, None) => {}
    }
    if let Some(boost) = spec.boost {
        if spec.field_type != FieldType::Text {
            return Err(format!("field {name:?}: only text fields take a boost"));
        }
        if !(boost.is_finite() && boost > 0.0) {
            return Err(format!("field {name:?}: boost must be a positive number"));
        }
    }
    if spec.norms.is_some() && spec.field_type != FieldType::Text {
        return Err(format!("field {name:?}: only text fields take \"norms\""));
    }
    if spec.fast && !matches!(spec.field_type, FieldType::String | FieldType::Date) {
        return Err(format!(
            "field {name:?}: only string and date fields can be fast"
        ));
    }
    if spec.field_type == FieldType::Stored && !spec.stored {
        return Err(format!(
            "field {name:?}: a stored-only field must have \"stored\": true"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(json: &str) -> String {
        IndexSchema::parse(json, "s.json").unwrap_err().to_string()
    }

    #[test]
    fn built_in_schema_is_valid_and_boosts_title_over_body() {
        let schema = IndexSchema::default_schema();
        let (_, fields) = schema.build();
        let boost = |source| fields.get(source).unwrap().spec.boost.unwrap_or(1.0);
        assert!(boost(ArticleField::Title) > boost(ArticleField::Body));
    }

    /// A new index keeps the body compressed in a bytes field of its own, never as text
    /// too; the title stays stored as text; an index made before stores the body as text
    /// and has no such field (its schema is the one it was built with).
    #[test]
    fn the_stored_body_is_kept_once() {
        let (schema, fields) = IndexSchema::default_schema().build();
        let stored = |field: Field| schema.get_field_entry(field).is_stored();
        let compressed = fields
            .stored_body
            .expect("a new index compresses its bodies");
        assert_eq!(schema.get_field_name(compressed), STORED_BODY_FIELD);
        assert!(stored(compressed));
        assert!(!stored(fields.get(ArticleField::Body).unwrap().field));
        assert!(stored(fields.get(ArticleField::Title).unwrap().field));
        let (before, fields) = IndexSchema::default_schema().build_with(false);
        assert!(fields.stored_body.is_none());
        assert!(before.get_field(STORED_BODY_FIELD).is_err());
        let body = fields.get(ArticleField::Body).unwrap().field;
        assert!(before.get_field_entry(body).is_stored());
    }

    #[test]
    fn text_fields_get_a_sub_word_field_without_positions_or_lengths() {
        let json = r#"{"fields":[{"name":"id","type":"string","stored":true,"fast":true},
            {"name":"title","type":"text","analyzer":"chinese","stored":true,"norms":false},
            {"name":"body","type":"text","analyzer":"chinese","stored":true},
            {"name":"author","type":"string"}]}"#;
        let (schema, fields) = IndexSchema::parse(json, "s.json").unwrap().build();
        let indexing = |field: Field| match schema.get_field_entry(field).field_type() {
            tantivy::schema::FieldType::Str(options) => options.get_indexing_options().cloned(),
            other => panic!("{other:?}"),
        };
        for (source, norms) in [(ArticleField::Title, false), (ArticleField::Body, true)] {
            let declared = fields.get(source).unwrap();
            let words = indexing(declared.field).unwrap();
            assert_eq!(
                words.index_option(),
                IndexRecordOption::WithFreqsAndPositions
            );
            assert_eq!(words.fieldnorms(), norms, "{source:?}");
            let sub_words = declared.sub_words.expect("a text field has sub-words");
            let name = schema.get_field_name(sub_words);
            assert_eq!(
                name,
                format!("{SUB_WORD_FIELD_PREFIX}{}", declared.spec.name)
            );
            let sub_indexing = indexing(sub_words).unwrap();
            assert_eq!(sub_indexing.index_option(), IndexRecordOption::WithFreqs);
            assert!(!sub_indexing.fieldnorms());
            assert_eq!(sub_indexing.tokenizer(), SUB_WORD_ANALYZER);
            // Indexed right after its field: tantivy indexes fields in order.
            assert_eq!(sub_words.field_id(), declared.field.field_id() + 1);
        }
        assert!(fields
            .get(ArticleField::Author)
            .unwrap()
            .sub_words
            .is_none());
    }

    #[test]
    fn errors_name_the_file_and_field() {
        let base = r#"{"name":"id","type":"string","stored":true,"fast":true},{"name":"title","type":"text","analyzer":"chinese","stored":true},{"name":"body","type":"text","analyzer":"chinese","stored":true}"#;
        let with = |extra: &str| format!(r#"{{"fields":[{base}{extra}]}}"#);
        assert!(IndexSchema::parse(&with(""), "s.json").is_ok());
        let cases = [
            (
                with(r#",{"name":"bogus","type":"text"}"#),
                r#"field "bogus": unknown field"#,
            ),
            (
                with(r#",{"name":"date","type":"text","analyzer":"chinese"}"#),
                r#"field "date": type "text""#,
            ),
            (
                with(r#",{"name":"author","type":"text","analyzer":"jieba"}"#),
                r#"unknown analyzer "jieba""#,
            ),
            (
                with(r#",{"name":"author","type":"string","boost":2}"#),
                "only text fields take a boost",
            ),
            (
                with(r#",{"name":"tags","type":"text","analyzer":"chinese","boost":-1}"#),
                "boost must be a positive",
            ),
            (
                with(r#",{"name":"title","type":"string"}"#),
                r#"field "title": declared twice"#,
            ),
            (
                with(r#",{"name":"author","type":"string","norms":false}"#),
                r#"field "author": only text fields take "norms""#,
            ),
            (
                with(r#",{"name":"date","type":"date","colour":1}"#),
                "unknown field `colour`",
            ),
            (r#"{"fields":[]}"#.to_string(), r#"field "id": missing"#),
            ("{".to_string(), "EOF"),
        ];
        for (json, expected) in cases {
            let message = problem(&json);
            assert!(message.starts_with("s.json: "), "{message}");
            assert!(message.contains(expected), "{message:?} lacks {expected:?}");
        }
    }

    #[test]
    fn round_trips_through_json() {
        let schema = IndexSchema::default_schema();
        let again = IndexSchema::parse(&schema.to_json(), "again").unwrap();
        assert_eq!(schema, again);
    }
}

//! Reading stored articles: hits with snippets, `get`, where an article came from.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

use chrono::TimeZone;
use tantivy::collector::TopDocs;
use tantivy::query::TermQuery;
use tantivy::schema::{Facet, IndexRecordOption, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use crate::article::china_offset;
use crate::error::{Error, Result};
use crate::index::read_guarded;
use crate::schema::ArticleField;
use crate::snippet::SnippetMaker;

use super::*;

/// The stored articles one search has read (for feedback), so that its hits need not
/// read them again.
#[derive(Default)]
pub(super) struct ReadArticles(RefCell<HashMap<DocAddress, Rc<StoredArticle>>>);

impl ReadArticles {
    pub(super) fn get(&self, address: DocAddress) -> Option<Rc<StoredArticle>> {
        self.0.borrow().get(&address).cloned()
    }

    pub(super) fn keep(&self, address: DocAddress, article: Rc<StoredArticle>) {
        self.0.borrow_mut().insert(address, article);
    }

    pub(super) fn take(&self, address: DocAddress) -> Option<Rc<StoredArticle>> {
        self.0.borrow_mut().remove(&address)
    }
}

impl ArticleSearcher {
    /// Calls `each` with every article (or every one matching `query`) and when it was last
    /// ingested (microseconds since the epoch), in index order, all from one commit;
    /// returns how many there were.
    pub fn for_each_article(
        &self,
        query: Option<&str>,
        each: &mut dyn FnMut(StoredArticle, Option<i64>) -> Result<()>,
    ) -> Result<u64> {
        let searcher = self.reader.searcher();
        let addresses: Vec<DocAddress> = match query {
            Some(text) => {
                let Some(query) = self.query_for(text)? else {
                    return Ok(0);
                };
                let mut found: Vec<DocAddress> = searcher
                    .search(query.as_ref(), &tantivy::collector::DocSetCollector)
                    .map_err(|e| Error::reading("searching", e))?
                    .into_iter()
                    .collect();
                found.sort();
                found
            }
            None => {
                let mut all = Vec::new();
                for (ord, segment) in searcher.segment_readers().iter().enumerate() {
                    all.extend(
                        segment
                            .doc_ids_alive()
                            .map(|doc| DocAddress::new(ord as u32, doc)),
                    );
                }
                all
            }
        };
        let mut ingested = Vec::with_capacity(searcher.segment_readers().len());
        for segment in searcher.segment_readers() {
            let column = segment
                .fast_fields()
                .date(crate::schema::INGESTED_FIELD)
                .map_err(|e| Error::reading("reading ingest times", e))?;
            ingested.push(column);
        }
        for address in &addresses {
            let time = ingested[address.segment_ord as usize]
                .first(address.doc_id)
                .map(|time| time.into_timestamp_micros());
            each(self.read_stored(&searcher, *address)?, time)?;
        }
        Ok(addresses.len() as u64)
    }

    /// Articles in the index, and the segments they are in.
    pub fn size(&self) -> (u64, usize) {
        let searcher = self.reader.searcher();
        (searcher.num_docs(), searcher.segment_readers().len())
    }

    /// The hit at `address`, with up to `passages` snippets; its article taken from `read`
    /// when the search read it already.
    pub(super) fn load_hit(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        score: f32,
        (snippets, passages): (&SnippetMaker, usize),
        read: &ReadArticles,
    ) -> Result<Hit> {
        let article = match read.take(address) {
            Some(article) => Rc::unwrap_or_clone(article),
            None => self.read_stored(searcher, address)?,
        };
        let mut passages = snippets.make_passages(&article.body, passages).into_iter();
        let snippet = passages.next().unwrap_or_default();
        let title = cut_title(article.title);
        let mut categories = article.categories;
        categories.truncate(MAX_HIT_CATEGORIES);
        Ok(Hit {
            rank: 0,
            score,
            id: article.id,
            path: article.path,
            date: article.date,
            date_without_year: article.date_without_year,
            categories,
            author: article.author,
            editor: article.editor,
            title_highlights: snippets.mark(&title),
            title,
            snippet: snippet.text,
            highlights: snippet.highlights,
            more_snippets: passages.collect(),
            explanation: None,
            duplicates: Vec::new(),
            partial: false,
        })
    }

    /// Reads a document's stored fields.
    pub fn read_stored(&self, searcher: &Searcher, address: DocAddress) -> Result<StoredArticle> {
        let document: TantivyDocument = searcher
            .doc(address)
            .map_err(|e| Error::reading("loading a stored article", e))?;
        let fields = &self.index.fields;
        let text = |source: ArticleField| -> Option<String> {
            let field = fields.get(source)?;
            document
                .get_first(field.field)?
                .as_str()
                .map(str::to_string)
        };
        let all = |source: ArticleField| -> Vec<String> {
            let Some(field) = fields.get(source) else {
                return Vec::new();
            };
            let mut values = Vec::new();
            for value in document.get_all(field.field) {
                if let Some(text) = value.as_str() {
                    values.push(text.to_string());
                } else if let Some(encoded) = value.as_facet() {
                    values.extend(facet_parts(encoded));
                }
            }
            values
        };
        let date = fields
            .get(ArticleField::Date)
            .and_then(|f| document.get_first(f.field))
            .and_then(|v| v.as_datetime())
            .and_then(|d| {
                china_offset()
                    .timestamp_opt(d.into_timestamp_secs(), 0)
                    .single()
            });
        let id = text(ArticleField::Id).unwrap_or_default();
        Ok(StoredArticle {
            path: text(ArticleField::Path).unwrap_or_else(|| id.clone()),
            id,
            title: text(ArticleField::Title).unwrap_or_default(),
            date,
            date_without_year: document
                .get_first(fields.year_less_date)
                .and_then(|v| v.as_str())
                .map(str::to_string),
            categories: all(ArticleField::Categories),
            tags: all(ArticleField::Tags),
            author: text(ArticleField::Author),
            editor: text(ArticleField::Editor),
            description: text(ArticleField::Description),
            image: text(ArticleField::Image),
            link: text(ArticleField::Link),
            body: match fields.stored_body {
                Some(field) => self.stored_body(&document, field)?,
                // An index made before stores the body as text.
                None => text(ArticleField::Body).unwrap_or_default(),
            },
        })
    }

    /// The body a document keeps compressed in `field` ([`crate::stored`]).
    fn stored_body(
        &self,
        document: &TantivyDocument,
        field: tantivy::schema::Field,
    ) -> Result<String> {
        let Some(bytes) = document.get_first(field).and_then(|v| v.as_bytes()) else {
            return Ok(String::new());
        };
        crate::stored::decompress(bytes).map_err(|e| Error::Damaged {
            dir: self.index.dir.clone(),
            problem: format!("a stored body cannot be read: {e}"),
        })
    }

    /// The address of the document with this id.
    pub(super) fn address_of(&self, searcher: &Searcher, id: &str) -> Result<Option<DocAddress>> {
        let query = TermQuery::new(
            Term::from_field_text(self.index.fields.id, id),
            IndexRecordOption::Basic,
        );
        let top = searcher
            .search(&query, &TopDocs::with_limit(1).order_by_score())
            .map_err(|e| Error::reading("looking up an id", e))?;
        Ok(top.first().map(|(_, address)| *address))
    }

    /// The article with this id, or whose id is a tail of this path (`data/金融/a.md` finds
    /// the id `金融/a.md` of an ingest of `data`).
    pub fn get(&self, id_or_path: &str) -> Result<Option<StoredArticle>> {
        read_guarded(&self.index.dir, "reading an article", || {
            let searcher = self.reader.searcher();
            match self.find(&searcher, id_or_path)? {
                Some(address) => Ok(Some(self.read_stored(&searcher, address)?)),
                None => Ok(None),
            }
        })
    }

    /// The address of the article with this id, or of a path ending in one.
    pub(super) fn find(&self, searcher: &Searcher, id_or_path: &str) -> Result<Option<DocAddress>> {
        let normalized = id_or_path.replace('\\', "/");
        let mut candidate = normalized.trim_start_matches("./");
        loop {
            if let Some(address) = self.address_of(searcher, candidate)? {
                return Ok(Some(address));
            }
            match candidate.split_once('/') {
                Some((_, rest)) if !rest.is_empty() => candidate = rest,
                _ => return Ok(None),
            }
        }
    }

    /// Where an article came from, as recorded at ingest: its id, the absolute folder it
    /// was found under and the content hash of the file then.
    pub fn source_record(&self, id_or_path: &str) -> Result<Option<SourceRecord>> {
        let searcher = self.reader.searcher();
        let Some(address) = self.find(&searcher, id_or_path)? else {
            return Ok(None);
        };
        let segment = searcher.segment_reader(address.segment_ord);
        let context = || "reading the source record of an article".to_string();
        let fields = &self.index.fields;
        let hash = segment
            .fast_fields()
            .u64(crate::schema::CONTENT_HASH_FIELD)
            .map_err(|e| Error::index(context(), e))?
            .first(address.doc_id)
            .unwrap_or(0);
        let id = self.id_of(&searcher, address)?;
        let root = self.index.segment_strings(segment, fields.root)?;
        Ok(Some(SourceRecord {
            id,
            root: PathBuf::from(&root[address.doc_id as usize]),
            content_hash: hash,
        }))
    }

    /// The id of one document, from the id column: from the ids of every document when
    /// they were read, else looked up alone (reading all of them costs tens of
    /// milliseconds on 80,000 articles, a lookup microseconds).
    pub(super) fn one_id(&self, searcher: &Searcher, address: DocAddress) -> Result<String> {
        if self.ids.get().is_some() {
            return self.id_of(searcher, address);
        }
        let segment = searcher.segment_reader(address.segment_ord);
        let name = self.index.schema_field_name(self.index.fields.id);
        let reading = |e: std::io::Error| Error::io(&self.index.dir, e);
        let column = segment
            .fast_fields()
            .str(&name)
            .map_err(|e| Error::reading("reading a document id", e))?;
        let mut id = String::new();
        if let Some(column) = column {
            if let Some(ord) = column.term_ords(address.doc_id).next() {
                column.ord_to_str(ord, &mut id).map_err(reading)?;
            }
        }
        Ok(id)
    }

    /// The id of a document, from the id column (no stored-document read).
    pub(super) fn id_of(&self, searcher: &Searcher, address: DocAddress) -> Result<String> {
        if self.ids.get().is_none() {
            let mut all = Vec::with_capacity(searcher.segment_readers().len());
            for segment in searcher.segment_readers() {
                all.push(self.index.segment_ids(segment)?);
            }
            // Another thread may have set it meanwhile: the same ids either way.
            let _ = self.ids.set(all);
        }
        let ids = self.ids.get().expect("set above");
        Ok(ids[address.segment_ord as usize][address.doc_id as usize].clone())
    }
}

/// A stored facet (`/金融/新浪财经`) → its parts, for display.
pub(super) fn facet_parts(encoded: &str) -> Vec<String> {
    match Facet::from_encoded(encoded.as_bytes().to_vec()) {
        Ok(facet) => facet.to_path().into_iter().map(str::to_string).collect(),
        Err(_) => Vec::new(),
    }
}

/// A hit's title, cut to [`MAX_HIT_TITLE_CHARS`] characters (with `…`): a title is a line,
/// and one post's 4 MB title must not make every answer listing it megabytes long. `get`
/// gives the whole title.
fn cut_title(title: String) -> String {
    match title.char_indices().nth(MAX_HIT_TITLE_CHARS) {
        Some((end, _)) => format!("{}…", &title[..end]),
        None => title,
    }
}

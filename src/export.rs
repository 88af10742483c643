//! Export stage: indexed articles → JSON lines another engine can take over.
//!
//! Each record holds the stored fields as sousuo indexed them plus, for every text field,
//! its segmentation as space-joined terms (`title_tokens`, `body_tokens`: the words, in
//! order, normalised as indexed) and the dictionary sub-words (`title_subwords`, …), so an
//! engine with a whitespace analyzer searches the same terms sousuo does. Records go to
//! one stream or to numbered files of a bounded size (under an engine's request limit),
//! and undated articles can be given a date (for engines that need one on every document).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use crate::article::china_offset;
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

/// A date for the articles that have none, for engines that need one on every document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFallback {
    /// When the article was last ingested (China time).
    Ingest,
    /// 1970-01-01T00:00:00Z.
    Epoch,
}

/// What `export` writes.
#[derive(Debug, Clone, Copy)]
pub struct ExportOptions<'a> {
    /// Only the articles matching this query.
    pub query: Option<&'a str>,
    /// The record format.
    pub format: ExportFormat,
    /// A date for undated articles (`None`: their `date` is null).
    pub date_fallback: Option<DateFallback>,
}

/// Where records go: one stream, or numbered files of at most so many bytes.
pub enum ExportSink<'a> {
    /// Every record to one writer.
    Stream(&'a mut dyn Write),
    /// `articles-00001.ndjson`, `articles-00002.ndjson`, … in a folder, each at most
    /// `max_bytes`, split between records (a record larger than that alone in its file).
    Chunks {
        /// The folder (created if missing; one holding anything is refused unless
        /// `replace`).
        dir: PathBuf,
        /// The most bytes a file holds.
        max_bytes: u64,
        /// Replace an earlier export in `dir`: its chunk files are removed first (only
        /// those: anything else there stays).
        replace: bool,
    },
}

/// Whether a file name is one of an export's chunks (`articles-00001.ndjson`).
fn is_chunk_name(name: &str) -> bool {
    name.strip_prefix("articles-")
        .and_then(|rest| rest.strip_suffix(".ndjson"))
        .is_some_and(|number| number.len() >= 5 && number.bytes().all(|b| b.is_ascii_digit()))
}

/// Makes `dir` ready for a chunked export: created when missing; when it holds anything,
/// refused, or with `replace` cleared of chunk files (links among them removed, never
/// followed).
fn prepare_chunk_dir(dir: &Path, replace: bool) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .collect::<std::io::Result<_>>()
        .map_err(|e| Error::io(dir, e))?;
    if entries.is_empty() {
        return Ok(());
    }
    if !replace {
        return Err(Error::Usage(format!(
            "{}: folder is not empty; give --force to replace the export in it (only its \
             articles-NNNNN.ndjson files are removed), or choose an empty folder",
            dir.display()
        )));
    }
    for entry in entries {
        if is_chunk_name(&entry.file_name().to_string_lossy()) {
            let path = entry.path();
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

/// What an export wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportReport {
    /// Articles written.
    pub articles: u64,
    /// Undated articles given the fallback date.
    pub dated_by_fallback: u64,
    /// The files written (chunked exports).
    pub files: Vec<PathBuf>,
}

/// Writes every article (or those matching the query), in index order.
pub fn export(
    searcher: &ArticleSearcher,
    options: ExportOptions<'_>,
    sink: ExportSink<'_>,
) -> Result<ExportReport> {
    let text_fields: Vec<(String, crate::schema::ArticleField)> = searcher
        .index()
        .fields()
        .searchable_text()
        .map(|(field, _)| (field.spec.name.clone(), field.source))
        .collect();
    let mut report = ExportReport::default();
    let mut writer = RecordWriter::new(sink)?;
    let mut record = Vec::new();
    report.articles = searcher.for_each_article(options.query, &mut |mut article, ingested| {
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
        if article.date.is_none() {
            if let Some(fallback) = options.date_fallback {
                article.date = Some(fallback_date(fallback, ingested));
                report.dated_by_fallback += 1;
            }
        }
        record.clear();
        if options.format == ExportFormat::OpenSearchBulk {
            let action = BulkAction {
                index: BulkTarget { id: &article.id },
            };
            push_line(&mut record, &action)?;
        }
        let document = Record {
            article: &article,
            segmented: fields,
        };
        push_line(&mut record, &document)?;
        writer.write(&record)
    })?;
    report.files = writer.finish()?;
    Ok(report)
}

fn fallback_date(fallback: DateFallback, ingested: Option<i64>) -> DateTime<FixedOffset> {
    let epoch = DateTime::<Utc>::UNIX_EPOCH.fixed_offset();
    match (fallback, ingested) {
        (DateFallback::Ingest, Some(micros)) => DateTime::from_timestamp_micros(micros)
            .map(|time| time.with_timezone(&china_offset()))
            .unwrap_or(epoch),
        _ => epoch,
    }
}

fn push_line(buffer: &mut Vec<u8>, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer(&mut *buffer, value)
        .map_err(|e| Error::io("the export", std::io::Error::other(e)))?;
    buffer.push(b'\n');
    Ok(())
}

/// Writes whole records to the sink, opening the next file when one would grow past its
/// limit.
struct RecordWriter<'a> {
    sink: ExportSink<'a>,
    file: Option<(BufWriter<File>, u64)>,
    files: Vec<PathBuf>,
}

impl<'a> RecordWriter<'a> {
    fn new(sink: ExportSink<'a>) -> Result<RecordWriter<'a>> {
        if let ExportSink::Chunks { dir, replace, .. } = &sink {
            prepare_chunk_dir(dir, *replace)?;
        }
        Ok(RecordWriter {
            sink,
            file: None,
            files: Vec::new(),
        })
    }

    fn write(&mut self, record: &[u8]) -> Result<()> {
        let (dir, max_bytes) = match &mut self.sink {
            ExportSink::Stream(out) => {
                return out.write_all(record).map_err(|e| Error::io("stdout", e));
            }
            ExportSink::Chunks { dir, max_bytes, .. } => (dir.clone(), *max_bytes),
        };
        let size = record.len() as u64;
        let full = self
            .file
            .as_ref()
            .is_some_and(|(_, written)| *written > 0 && written + size > max_bytes);
        if full || self.file.is_none() {
            self.close()?;
            let path = dir.join(format!("articles-{:05}.ndjson", self.files.len() + 1));
            // A new file, never one there already (nor through a link planted as its name).
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(|e| Error::io(&path, e))?;
            self.files.push(path);
            self.file = Some((BufWriter::new(file), 0));
        }
        let path = self.files.last().expect("a file is open").clone();
        let (file, written) = self.file.as_mut().expect("a file is open");
        file.write_all(record).map_err(|e| Error::io(&path, e))?;
        *written += size;
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        if let Some((mut file, _)) = self.file.take() {
            let path = self.files.last().expect("a file was open");
            file.flush().map_err(|e| Error::io(path, e))?;
            file.into_inner()
                .map_err(|e| Error::io(path, e.into_error()))?
                .sync_all()
                .map_err(|e| Error::io(path, e))?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<PathBuf>> {
        self.close()?;
        if let ExportSink::Stream(out) = &mut self.sink {
            out.flush().map_err(|e| Error::io("stdout", e))?;
        }
        Ok(self.files)
    }
}

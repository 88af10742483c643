//! A worker: reads, decodes, parses and analyzes one file into a document for the writer.

use std::fs;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::article::{parse_article, Article};
use crate::decode::decode;
use crate::document::{build_document, SourceFile};
use crate::schema::Fields;
use crate::source::OpenedFile;
use crate::text::{Analyzer, Mode, TokenBuffer};

use super::walk::lifted;
use super::*;

/// What one worker thread needs.
pub(super) struct Worker<'a> {
    pub(super) options: &'a IngestOptions,
    pub(super) dry_run: bool,
    pub(super) fields: &'a Fields,
    pub(super) analyzer: &'a Analyzer,
    pub(super) recorded: &'a Manifest,
    /// When this ingest started (microseconds since the epoch): the articles' ingest time.
    pub(super) ingested: i64,
    /// The index's seed of near-duplicate signatures.
    pub(super) signature_seed: u64,
    /// Where the years of dates written without one come from.
    pub(super) evidence: &'a DateEvidence,
}

impl Worker<'_> {
    pub(super) fn handle(&self, job: Job) -> (IngestEvent, Option<Write>) {
        let mut warnings = job.warnings.clone();
        let mut damage = None;
        let mut bytes = 0;
        let (outcome, write) = match self.prepare(&job, &mut bytes, &mut warnings, &mut damage) {
            Ok(Some(write)) => {
                let outcome = if write.replaces {
                    FileOutcome::Updated
                } else {
                    FileOutcome::Added
                };
                (outcome, Some(write))
            }
            Ok(None) => (FileOutcome::Unchanged, None),
            Err(reason) => (FileOutcome::Failed(reason), None),
        };
        let event = IngestEvent::File {
            path: job.path,
            bytes,
            outcome,
            warnings,
            damage,
        };
        (event, write)
    }

    /// Reads, parses and analyzes a file; `None` when it is unchanged since the last
    /// ingest.
    pub(super) fn prepare(
        &self,
        job: &Job,
        bytes_read: &mut u64,
        warnings: &mut Vec<String>,
        damage: &mut Option<String>,
    ) -> std::result::Result<Option<Write>, FileError> {
        let unreadable = |e: std::io::Error| FileError::Unreadable(e.to_string());
        // The article this file already is, if it was ingested through another root; or,
        // when its id is another root's article whose file is still there, its own id
        // under its root folder's name.
        let (id, root) = self.recorded.article_of(&job.root, &job.id);
        let (id, root) = self.apart_from_others(id, root, warnings);
        let (id, root) = (id.as_str(), &root);
        let previous = self.recorded.records.get(id);
        // An article whose date had no year is read again once a commit tells it.
        let dated_since = previous.is_some_and(|p| p.year_unknown)
            && self.evidence.committed(&job.path).is_some();
        let may_skip = previous.is_some_and(|p| p.root == *root) && !dated_since;
        // A file that may be unchanged is judged by its path's metadata, without opening it;
        // any other is opened once and described by the open handle.
        if let Some(previous) = previous.filter(|_| may_skip) {
            let metadata = fs::metadata(&job.path).map_err(unreadable)?;
            let mtime = nanos_since_epoch(metadata.modified().ok());
            let same =
                metadata.is_file() && (previous.size, previous.mtime) == (metadata.len(), mtime);
            if same && mtime != 0 {
                return Ok(None);
            }
        }
        let opened = self.open(&job.path)?;
        let modified = opened.metadata.modified().ok();
        let (size, mtime) = (opened.metadata.len(), nanos_since_epoch(modified));
        let bytes = opened
            .read(self.options.max_file_size)
            .map_err(unreadable)?;
        *bytes_read = bytes.len() as u64;
        let content_hash = xxhash_rust::xxh3::xxh3_64(&bytes);
        if may_skip && previous.is_some_and(|p| p.content_hash == content_hash) {
            return Ok(None);
        }
        let decoded = decode_text(&bytes, warnings, damage)?;
        let mut parsed = parse_article(decoded.as_ref(), &file_stem(&job.path), job.format)
            .map_err(|e| FileError::FrontMatter(e.to_string()))?;
        warnings.append(&mut parsed.warnings);
        self.give_year(&mut parsed.article, &job.path, modified, warnings);
        let source = SourceFile {
            id: id.to_string(),
            root: root.to_string(),
            path: Path::new(&*job.root).join(&job.id).display().to_string(),
            content_hash,
            mtime,
            size,
            ingested: self.ingested,
        };
        let replaces = previous.is_some();
        Ok(Some(self.write(&parsed.article, source, replaces)?))
    }

    /// `path` opened for reading if it is a regular file within the size limit.
    fn open(&self, path: &Path) -> std::result::Result<OpenedFile, FileError> {
        let opened = OpenedFile::open(path).map_err(|e| match fs::metadata(path) {
            Ok(metadata) if !metadata.is_file() => FileError::NotRegular,
            _ => FileError::Unreadable(e.to_string()),
        })?;
        if !opened.metadata.is_file() {
            return Err(FileError::NotRegular);
        }
        let size = opened.metadata.len();
        if size > self.options.max_file_size {
            return Err(FileError::TooLarge {
                megabytes: size as f64 / f64::from(1 << 20),
                limit: self.options.max_file_size >> 20,
            });
        }
        Ok(opened)
    }

    /// The document of an article read from `source`; a dry run analyzes it as indexing
    /// would.
    fn write(
        &self,
        article: &Article,
        source: SourceFile,
        replaces: bool,
    ) -> std::result::Result<Write, FileError> {
        let mut document = build_document(self.fields, article, &source, self.signature_seed);
        if self.dry_run {
            self.analyze(&document);
        } else {
            document
                .store_body(self.fields, &article.body)
                .map_err(|e| FileError::Unstorable(e.to_string()))?;
        }
        Ok(Write {
            id: source.id,
            content_hash: source.content_hash,
            document,
            replaces,
        })
    }
}

/// A modification time as nanoseconds since 1970 (0 when there is none).
fn nanos_since_epoch(time: Option<SystemTime>) -> u64 {
    time.and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as u64)
}

impl Worker<'_> {
    /// A date written without a year gets one from the evidence (the post, the commit that
    /// added the file, its modification time), or stays without one; a warning says which.
    fn give_year(
        &self,
        article: &mut Article,
        path: &Path,
        modified: Option<SystemTime>,
        warnings: &mut Vec<String>,
    ) {
        let Some(year_less) = article.year_less else {
            return;
        };
        match self.evidence.date(&year_less, path, modified) {
            Ok((date, source)) => {
                warnings.push(format!(
                    "date: \"{year_less}\" has no year; read as {} (the year {})",
                    date.format("%Y-%m-%d %H:%M"),
                    source.describe()
                ));
                article.date = Some(date);
                article.year_less = None;
            }
            Err(why) => warnings.push(format!(
                "date: \"{year_less}\" has no year and nothing tells it ({why}); \
                 kept without a year, left out of date filters"
            )),
        }
    }

    /// `id` under `root`, or when another root's article holds that id and its file is
    /// still there (two blogs with the same `_posts/…` path), the id with the root
    /// folder's name in front, recorded under the folder above (again while that clashes):
    /// an article never replaces another root's. The clash is reported in `warnings`.
    fn apart_from_others(
        &self,
        id: &str,
        root: &Arc<str>,
        warnings: &mut Vec<String>,
    ) -> (String, Arc<str>) {
        let (mut id, mut root) = (id.to_string(), Arc::clone(root));
        let clashes = |id: &str, root: &Arc<str>| {
            self.recorded.records.get(id).is_some_and(|other| {
                other.root != *root && Path::new(&*other.root).join(id).is_file()
            })
        };
        if !clashes(&id, &root) {
            return (id, root);
        }
        let first = (id.clone(), self.recorded.records[&id].root.clone());
        while clashes(&id, &root) {
            match lifted(Path::new(&*root), &id) {
                Some((lifted_id, parent)) => (id, root) = (lifted_id, parent),
                None => break,
            }
        }
        warnings.push(format!(
            "has the same id {:?} as an article from {}; indexed as {id:?}",
            first.0, first.1
        ));
        (id, root)
    }

    /// What the writer's tokenizer would do with a document, so that a dry run costs what an
    /// ingest costs short of building the index.
    fn analyze(&self, document: &ArticleDocument) {
        let mut buffer = TokenBuffer::default();
        for (field, _) in self.fields.searchable_text() {
            for text in document.texts(field.field) {
                self.analyzer.analyze_into(text, Mode::Index, &mut buffer);
            }
        }
    }
}

/// The text of a file's bytes: the encoding assumed is a warning, bytes no encoding reads
/// are damage (the rest is kept), nothing but whitespace is an error.
fn decode_text<'a>(
    bytes: &'a [u8],
    warnings: &mut Vec<String>,
    damage: &mut Option<String>,
) -> std::result::Result<std::borrow::Cow<'a, str>, FileError> {
    let decoded = decode(bytes).map_err(|e| FileError::NotText(e.to_string()))?;
    if let Some(encoding) = decoded.assumed_encoding {
        warnings.push(format!("not UTF-8: decoded as {encoding}"));
    }
    if let Some(lost) = decoded.damage {
        *damage = Some(format!(
            "{} byte sequences could not be decoded (the first at byte {}); indexed the rest",
            lost.replaced, lost.first_offset
        ));
    }
    if decoded.text.trim().is_empty() {
        return Err(if bytes.is_empty() {
            FileError::Empty
        } else {
            FileError::OnlyWhitespace
        });
    }
    Ok(decoded.text)
}

pub(super) fn file_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    match name.rsplit_once('.') {
        Some((stem, _)) => stem.to_string(),
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker_result(options: &IngestOptions, path: PathBuf) -> IngestEvent {
        let (_, fields) = options.schema.build();
        let analyzer = Analyzer::default();
        let recorded = Manifest::default();
        let worker = Worker {
            options,
            dry_run: false,
            fields: &fields,
            analyzer: &analyzer,
            recorded: &recorded,
            ingested: 0,
            signature_seed: 0,
            evidence: &DateEvidence::new(Vec::new(), None),
        };
        let job = Job {
            id: "x.md".to_string(),
            format: BodyFormat::Markdown,
            root: Arc::from("/"),
            warnings: Vec::new(),
            path,
        };
        worker.handle(job).0
    }

    #[test]
    fn a_file_deleted_after_the_walk_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let options = IngestOptions::new(vec![dir.path().to_path_buf()], dir.path().join("i"));
        let event = worker_result(&options, dir.path().join("gone.md"));
        let IngestEvent::File { outcome, .. } = event else {
            panic!("not a file event");
        };
        let FileOutcome::Failed(error) = outcome else {
            panic!("not failed: {outcome:?}");
        };
        assert_eq!(error.code(), "unreadable");
        assert!(error.to_string().contains("No such file"), "{error}");
    }
}

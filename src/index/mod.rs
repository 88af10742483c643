//! Opening and creating an index folder: the one place the analyzer is registered with
//! tantivy, and where an index's record of how it was built is written and checked.
//!
//! Next to tantivy's files the folder holds `sousuo-index.json` (format, sousuo version,
//! analyzer settings and the schema the index was built with). While an ingest runs, a lock
//! file with the writer's pid sits beside the folder (`.sousuo.lock` for `.sousuo`): beside
//! it, not in it, because `--rebuild` replaces the folder.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tantivy::schema::Field;
use tantivy::store::Compressor;
use tantivy::{Index, IndexSettings, SegmentReader};

use crate::error::{Error, Result};
use crate::schema::{Fields, IndexSchema};
use crate::text::{
    Analyzer, ChineseTokenizer, SubWordTokenizer, CHINESE_ANALYZER, SUB_WORD_ANALYZER,
};

mod directory;
mod guard;

pub use directory::IndexDirectory;
pub use guard::read_guarded;

/// The layout version of sousuo's index; bumped when an index must be rebuilt.
pub const INDEX_FORMAT: u32 = 3;
const META_FILE: &str = "sousuo-index.json";
/// The user dictionary an index was built with, copied into its folder.
const USER_DICTIONARY_FILE: &str = "user-dictionary.txt";
/// `AnalyzerSettings::dictionary` without a user dictionary.
const DEFAULT_DICTIONARY: &str = "jieba-default";

/// How an index was built, as recorded in `sousuo-index.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexMeta {
    /// [`INDEX_FORMAT`] at build time.
    pub format: u32,
    /// The sousuo version that created the index.
    pub sousuo_version: String,
    /// Analyzer settings.
    pub analyzer: AnalyzerSettings,
    /// The schema.
    pub schema: IndexSchema,
}

/// What decides how text is segmented: an index must be searched the way it was built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyzerSettings {
    /// The dictionary: `jieba-default` for jieba-rs's own, with
    /// ` + user dictionary <hash>` when a user dictionary was added.
    pub dictionary: String,
    /// Whether jieba's HMM finds words outside the dictionary.
    pub hmm: bool,
    /// Whether traditional characters are indexed and searched as simplified ones.
    #[serde(default)]
    pub traditional_as_simplified: bool,
}

impl Default for AnalyzerSettings {
    fn default() -> Self {
        AnalyzerSettings {
            dictionary: DEFAULT_DICTIONARY.to_string(),
            hmm: true,
            traditional_as_simplified: true,
        }
    }
}

/// An open index with everything needed to write or search it.
pub struct SearchIndex {
    /// The folder.
    pub dir: PathBuf,
    /// The tantivy index, analyzer registered.
    pub index: Index,
    /// How it was built.
    pub meta: IndexMeta,
    /// Field handles.
    pub fields: Fields,
    /// The analyzer, identical to the registered one.
    pub analyzer: Analyzer,
    /// For a rebuild: the folder this index replaces when it is published.
    publish_to: Option<PathBuf>,
    /// What every commit carries as its payload: the hash of the record, so an edited
    /// record is found out.
    commit_payload: String,
    /// A verification of the index's checksums running beside an ingest; the first commit
    /// waits for it, so nothing is written onto a damaged index.
    integrity: Mutex<Option<IntegrityCheck>>,
}

/// The checksum verification of an index, as a thread's result.
type IntegrityCheck = std::thread::JoinHandle<tantivy::Result<HashSet<PathBuf>>>;

impl SearchIndex {
    /// Opens an existing index for searching.
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        let meta_path = dir.join(META_FILE);
        let damaged = |problem: String| Error::Damaged {
            dir: dir.to_path_buf(),
            problem,
        };
        if !meta_path.is_file() {
            if dir.join("meta.json").is_file() {
                return Err(damaged(format!("its record {META_FILE} is missing")));
            }
            return Err(Error::NoIndex {
                dir: dir.to_path_buf(),
            });
        }
        let meta_json = fs::read_to_string(&meta_path).map_err(|e| Error::io(&meta_path, e))?;
        let meta: IndexMeta = serde_json::from_str(&meta_json)
            .map_err(|err| damaged(format!("{META_FILE} is not a sousuo index record: {err}")))?;
        if meta.format != INDEX_FORMAT {
            return Err(Error::Incompatible {
                dir: dir.to_path_buf(),
                difference: format!(
                    "index format {} (written by sousuo {}) is not the format {INDEX_FORMAT} of sousuo {}",
                    meta.format,
                    meta.sousuo_version,
                    env!("CARGO_PKG_VERSION")
                ),
            });
        }
        // The record decides how queries read the index: it must be a valid schema, and the
        // one the index was built with.
        meta.schema
            .validate()
            .map_err(|problem| damaged(format!("{META_FILE}: {problem}")))?;
        let (built_schema, fields) = meta.schema.build();
        let index = IndexDirectory::open(dir)
            .and_then(Index::open)
            .map_err(|e| Error::reading(format!("opening index {}", dir.display()), e))?;
        if serde_json::to_value(&built_schema).ok() != serde_json::to_value(index.schema()).ok() {
            return Err(damaged(format!(
                "{META_FILE} does not describe the fields the index holds"
            )));
        }
        let commit_payload = record_payload(&meta_json);
        let last_commit = index
            .load_metas()
            .map_err(|e| Error::reading(format!("opening index {}", dir.display()), e))?;
        if last_commit
            .payload
            .is_some_and(|payload| payload != commit_payload)
        {
            return Err(damaged(format!(
                "{META_FILE} was changed after the index was built"
            )));
        }
        let analyzer = if meta.analyzer.dictionary == DEFAULT_DICTIONARY {
            Analyzer::default()
        } else {
            let path = dir.join(USER_DICTIONARY_FILE);
            let words = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            Analyzer::with_user_words(&words)
                .map_err(|problem| Error::Usage(format!("{}: {problem}", path.display())))?
        };
        register_analyzer(&index, &analyzer);
        Ok(SearchIndex {
            dir: dir.to_path_buf(),
            index,
            meta,
            fields,
            analyzer,
            publish_to: None,
            commit_payload,
            integrity: Mutex::new(None),
        })
    }

    /// Opens the index for writing with `schema`, creating it if the folder has none.
    /// An existing index built differently is refused unless `rebuild` is set.
    ///
    /// With `rebuild` the new index is built in a staging folder beside the old one, which
    /// keeps answering queries until [`SearchIndex::publish`] swaps the new one in: a run
    /// that is killed or fails before that leaves the old index as it was.
    ///
    /// `user_dictionary` (the text of a jieba dictionary file) is stored with a new index;
    /// for an existing one it must be the one it was built with, and `None` keeps that.
    pub fn open_for_ingest(
        dir: &Path,
        schema: &IndexSchema,
        user_dictionary: Option<&str>,
        rebuild: bool,
    ) -> Result<SearchIndex> {
        let dir = &resolve_index_dir(dir)?;
        let mut analyzer = AnalyzerSettings::default();
        if let Some(words) = user_dictionary {
            analyzer.dictionary = format!(
                "{DEFAULT_DICTIONARY} + user dictionary {:016x}",
                xxhash_rust::xxh3::xxh3_64(words.as_bytes())
            );
        }
        let mut wanted = IndexMeta {
            format: INDEX_FORMAT,
            sousuo_version: env!("CARGO_PKG_VERSION").to_string(),
            analyzer,
            schema: schema.clone(),
        };
        let has_record = dir.join(META_FILE).is_file();
        let has_tantivy_index = dir.join("meta.json").is_file();
        let is_empty = !fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
        if !has_record && !has_tantivy_index && !is_empty {
            return Err(Error::Usage(format!(
                "{}: folder is not empty and holds no sousuo index; choose another --index",
                dir.display()
            )));
        }
        if rebuild && !is_empty {
            let staging = create_index(dir, schema, &wanted, user_dictionary, Placement::Staged)?;
            let mut index = SearchIndex::open(&staging)?;
            index.publish_to = Some(dir.to_path_buf());
            return Ok(index);
        }
        if has_record {
            let existing = SearchIndex::open(dir)?;
            if user_dictionary.is_none() {
                // Ingest again with the dictionary the index has.
                wanted.analyzer.dictionary = existing.meta.analyzer.dictionary.clone();
            }
            if let Some(difference) = difference(&existing.meta, &wanted) {
                return Err(Error::Incompatible {
                    dir: dir.to_path_buf(),
                    difference,
                });
            }
            return Ok(existing);
        }
        if has_tantivy_index {
            return Err(Error::Incompatible {
                dir: dir.to_path_buf(),
                difference: format!("the index has lost its record ({META_FILE})"),
            });
        }
        create_index(dir, schema, &wanted, user_dictionary, Placement::InPlace)?;
        SearchIndex::open(dir)
    }

    /// For an index built by `--rebuild`: puts it in place of the old one in one step (the
    /// two folders are exchanged atomically), then deletes the old one. Does nothing for an
    /// index that was written in place.
    pub fn publish(&self) -> Result<()> {
        let Some(target) = &self.publish_to else {
            return Ok(());
        };
        exchange(&self.dir, target)?;
        // The old index now sits at the staging name; readers that still have it open keep
        // their files until they close them.
        fs::remove_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))
    }
}

impl SearchIndex {
    /// After a failed run: removes what it wrote and did not commit (for a rebuild, the
    /// whole new index), so the space is free again and the next run starts clean. Best
    /// effort: what cannot be removed now is removed by the next ingest.
    pub fn discard_uncommitted(&self) {
        if self.publish_to.is_some() {
            let _ = fs::remove_dir_all(&self.dir);
            return;
        }
        let writer = self
            .index
            .writer_with_num_threads::<tantivy::TantivyDocument>(1, 15 << 20);
        if let Ok(writer) = writer {
            let _ = writer.garbage_collect_files().wait();
        }
    }
}

/// The payload of every commit: the record's hash.
fn record_payload(record_json: &str) -> String {
    format!(
        "sousuo record {:016x}",
        xxhash_rust::xxh3::xxh3_64(record_json.as_bytes())
    )
}

impl SearchIndex {
    /// Starts verifying every file's checksum in a thread of its own (it reads the whole
    /// index once); [`SearchIndex::commit`] waits for the result before it writes.
    pub fn verify_in_background(&self) {
        let index = self.index.clone();
        let started = std::thread::Builder::new()
            .name("sousuo-verify".into())
            .spawn(move || index.validate_checksum());
        if let Ok(handle) = started {
            *self.integrity.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
        }
    }

    /// The result of [`SearchIndex::verify_in_background`], once: an error naming the
    /// damaged files.
    pub fn confirm_integrity(&self) -> Result<()> {
        let pending = self
            .integrity
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let Some(handle) = pending else {
            return Ok(());
        };
        let damaged = match handle.join() {
            Ok(result) => result.map_err(|e| Error::reading("verifying the index", e))?,
            Err(_) => return Err(Error::Usage("verifying the index failed".into())),
        };
        let mut names: Vec<String> = damaged
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        names.sort();
        match names.as_slice() {
            [] => Ok(()),
            [first, rest @ ..] => Err(Error::Damaged {
                dir: self.dir.clone(),
                problem: if rest.is_empty() {
                    format!("{first} does not match its checksum")
                } else {
                    format!(
                        "{first} and {} more files do not match their checksums",
                        rest.len()
                    )
                },
            }),
        }
    }

    /// Commits what `writer` holds, with the record's hash as the commit's payload.
    pub fn commit<D: tantivy::Document>(&self, writer: &mut tantivy::IndexWriter<D>) -> Result<()> {
        self.confirm_integrity()?;
        let mut prepared = writer
            .prepare_commit()
            .map_err(|e| Error::index("committing the index", e))?;
        prepared.set_payload(&self.commit_payload);
        prepared
            .commit()
            .map(|_| ())
            .map_err(|e| Error::index("committing the index", e))
    }
}

/// The index folder `dir` names: a symbolic link to a folder is followed (the index is
/// written where it points, the link stays); a file there is an error.
fn resolve_index_dir(dir: &Path) -> Result<PathBuf> {
    match fs::symlink_metadata(dir) {
        Err(_) => Ok(dir.to_path_buf()),
        Ok(meta) if meta.file_type().is_symlink() => {
            let target = dir.canonicalize().map_err(|e| Error::io(dir, e))?;
            if !target.is_dir() {
                return Err(Error::Usage(format!(
                    "{}: --index leads to {}, which is not a folder",
                    dir.display(),
                    target.display()
                )));
            }
            Ok(target)
        }
        Ok(meta) if !meta.is_dir() => Err(Error::Usage(format!(
            "{}: --index names a file, not a folder; choose another --index",
            dir.display()
        ))),
        Ok(_) => Ok(dir.to_path_buf()),
    }
}

/// Where [`create_index`] puts a new index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// At the index folder (which holds nothing yet).
    InPlace,
    /// In a staging folder beside it, left there for [`SearchIndex::publish`].
    Staged,
}

/// Exchanges two folders in one step (Linux `renameat2` with `RENAME_EXCHANGE`); where the
/// file system cannot, moves `target` aside, `staging` in, and the old one to `staging`.
fn exchange(staging: &Path, target: &Path) -> Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c_path = |path: &Path| {
        CString::new(path.as_os_str().as_bytes())
            .map_err(|_| Error::Usage(format!("{}: path holds a NUL byte", path.display())))
    };
    let (from, to) = (c_path(staging)?, c_path(target)?);
    // SAFETY: both are valid NUL-terminated paths; renameat2 only reads them.
    let result = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if result == 0 {
        return Ok(());
    }
    let err = std::io::Error::last_os_error();
    if !matches!(err.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) {
        return Err(Error::io(target, err));
    }
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let aside = target.with_file_name(format!(".{name}.old-{}", std::process::id()));
    fs::rename(target, &aside).map_err(|e| Error::io(target, e))?;
    fs::rename(staging, target).map_err(|e| Error::io(target, e))?;
    fs::rename(&aside, staging).map_err(|e| Error::io(staging, e))
}

/// Creates an empty index for `dir`: in place (then `dir` holds nothing yet) or in a staging
/// folder beside it, whose path is returned. Either way it is made in a staging folder first
/// and renamed, so a process killed at any point never leaves a half-made index.
fn create_index(
    dir: &Path,
    schema: &IndexSchema,
    meta: &IndexMeta,
    user_dictionary: Option<&str>,
    placement: Placement,
) -> Result<PathBuf> {
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "index".to_string());
    remove_leftovers(&parent, &name);
    let pid = std::process::id();
    let staging = parent.join(format!(".{name}.creating-{pid}"));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    let (tantivy_schema, _) = schema.build();
    Index::builder()
        .schema(tantivy_schema)
        .settings(index_settings())
        .create_in_dir(&staging)
        .map_err(|e| Error::index(format!("creating index {}", dir.display()), e))?;
    if let Some(words) = user_dictionary {
        let path = staging.join(USER_DICTIONARY_FILE);
        fs::write(&path, words).map_err(|e| Error::io(&path, e))?;
    }
    write_meta(&staging, meta)?;
    if placement == Placement::Staged {
        return Ok(staging);
    }
    if dir.exists() {
        // An empty folder: rename cannot replace it.
        fs::remove_dir(dir).map_err(|e| Error::io(dir, e))?;
    }
    fs::rename(&staging, dir).map_err(|e| Error::io(dir, e))?;
    Ok(dir.to_path_buf())
}

/// Removes staging and old folders left beside the index by processes that were killed.
fn remove_leftovers(parent: &Path, name: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let pid = [".creating-", ".old-"].iter().find_map(|marker| {
            let prefix = format!(".{name}{marker}");
            file_name.strip_prefix(&prefix)?.parse::<u32>().ok()
        });
        if pid.is_some_and(|pid| !process_is_running(pid)) {
            // Best effort: a leftover that cannot be removed does no harm.
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// How new indexes store documents: lz4 in 16 KiB blocks. Measured on the 82,832-post
/// corpus (1,200 queries, top 10 with snippets): lz4 gives a 200 MB index and 0.70 ms median
/// latency; zstd level 3 185 MB but 0.91 ms, because tantivy builds a zstd context for every
/// block it decompresses; zstd 9 in 64 KiB blocks 164 MB and over 1.1 ms.
fn index_settings() -> IndexSettings {
    IndexSettings {
        docstore_compression: Compressor::Lz4,
        docstore_blocksize: 16 * 1024,
        ..IndexSettings::default()
    }
}

impl SearchIndex {
    /// The id of every document of a segment, by doc id (empty for a document without one).
    pub fn segment_ids(&self, segment: &SegmentReader) -> Result<Vec<String>> {
        self.segment_strings(segment, self.fields.id)
    }

    /// The value of the string column `field` for every document of a segment, by doc id
    /// (empty for a document without one). Reads the column's dictionary once, in order:
    /// looking values up one by one would decompress a dictionary block per document.
    pub fn segment_strings(&self, segment: &SegmentReader, field: Field) -> Result<Vec<String>> {
        let id_name = self.index.schema().get_field_name(field).to_string();
        let context = || format!("reading the document ids of {}", self.dir.display());
        let mut ids = vec![String::new(); segment.max_doc() as usize];
        let Some(column) = segment
            .fast_fields()
            .str(&id_name)
            .map_err(|e| Error::index(context(), e))?
        else {
            return Ok(ids);
        };
        let mut names = Vec::with_capacity(column.dictionary().num_terms());
        let mut stream = column
            .dictionary()
            .stream()
            .map_err(|e| Error::io(&self.dir, e))?;
        while stream.advance() {
            names.push(String::from_utf8_lossy(stream.key()).into_owned());
        }
        for (doc, id) in ids.iter_mut().enumerate() {
            if let Some(name) = column
                .term_ords(doc as u32)
                .next()
                .and_then(|ord| names.get(ord as usize))
            {
                id.clone_from(name);
            }
        }
        Ok(ids)
    }
}

/// Registers the Chinese analyzer under [`CHINESE_ANALYZER`] (words) and
/// [`SUB_WORD_ANALYZER`] (sub-words).
fn register_analyzer(index: &Index, analyzer: &Analyzer) {
    let tokenizers = index.tokenizers();
    tokenizers.register(CHINESE_ANALYZER, ChineseTokenizer::new(analyzer.clone()));
    tokenizers.register(SUB_WORD_ANALYZER, SubWordTokenizer::new(analyzer.clone()));
}

fn write_meta(dir: &Path, meta: &IndexMeta) -> Result<()> {
    let path = dir.join(META_FILE);
    let json = serde_json::to_string_pretty(meta).expect("index meta always serialises");
    fs::write(&path, json).map_err(|e| Error::io(&path, e))
}

/// What differs between the recorded and the wanted build, if anything.
fn difference(recorded: &IndexMeta, wanted: &IndexMeta) -> Option<String> {
    if recorded.analyzer.dictionary != wanted.analyzer.dictionary {
        return Some(format!(
            "index was built with the dictionary \"{}\", this run asks for \"{}\"",
            recorded.analyzer.dictionary, wanted.analyzer.dictionary
        ));
    }
    if recorded.analyzer != wanted.analyzer {
        return Some(format!(
            "index was built with analyzer settings {:?}, this run uses {:?}",
            recorded.analyzer, wanted.analyzer
        ));
    }
    if recorded.schema.fields != wanted.schema.fields {
        let changed: Vec<&str> = wanted
            .schema
            .fields
            .iter()
            .filter(|f| !recorded.schema.fields.contains(f))
            .map(|f| f.name.as_str())
            .chain(
                recorded
                    .schema
                    .fields
                    .iter()
                    .filter(|f| !wanted.schema.fields.iter().any(|w| w.name == f.name))
                    .map(|f| f.name.as_str()),
            )
            .collect();
        return Some(format!(
            "index was built with another schema (fields that differ: {})",
            changed.join(", ")
        ));
    }
    None
}

/// The ingest lock: a file holding the writer's pid, removed on drop. A lock left by a
/// process that no longer runs is taken over.
#[derive(Debug)]
pub struct WriterLock {
    path: PathBuf,
}

impl WriterLock {
    /// Takes the lock of the index folder `dir` (which need not exist yet).
    pub fn acquire(dir: &Path) -> Result<WriterLock> {
        let path = lock_path(dir);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        for _ in 0..2 {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    write!(file, "{}", std::process::id()).map_err(|e| Error::io(&path, e))?;
                    return Ok(WriterLock { path });
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = fs::read_to_string(&path)
                        .ok()
                        .and_then(|pid| pid.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if process_is_running(pid) => {
                            return Err(Error::Locked {
                                dir: dir.to_path_buf(),
                                holder: format!(" (pid {pid})"),
                            })
                        }
                        // Left by a process that died: take it over.
                        _ => {
                            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
                        }
                    }
                }
                Err(err) => return Err(Error::io(&path, err)),
            }
        }
        Err(Error::Locked {
            dir: dir.to_path_buf(),
            holder: String::new(),
        })
    }
}

/// `dir` → the lock file beside it: `a/.sousuo` → `a/.sousuo.lock`.
pub fn lock_path(dir: &Path) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "index".to_string());
    dir.with_file_name(format!("{name}.lock"))
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        // Nothing to do if it is gone already.
        let _ = fs::remove_file(&self.path);
    }
}

fn process_is_running(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc_dir = Path::new("/proc");
    if proc_dir.is_dir() {
        return proc_dir.join(pid.to_string()).exists();
    }
    // Without /proc the holder cannot be checked: assume it runs.
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_is_exclusive_and_released() {
        let dir = tempfile::tempdir().unwrap();
        let index_dir = dir.path().join("idx");
        let lock = WriterLock::acquire(&index_dir).unwrap();
        assert!(dir.path().join("idx.lock").is_file());
        let err = WriterLock::acquire(&index_dir).unwrap_err().to_string();
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        drop(lock);
        assert!(!dir.path().join("idx.lock").exists());
        WriterLock::acquire(&index_dir).unwrap();
    }

    #[test]
    fn stale_lock_of_a_dead_process_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        // pid_max on Linux is at most 2^22, so this pid cannot be running.
        fs::write(dir.path().join("idx.lock"), "99999999").unwrap();
        WriterLock::acquire(&dir.path().join("idx")).unwrap();
    }

    #[test]
    fn reopening_with_another_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let index_dir = dir.path().join("idx");
        let schema = IndexSchema::default_schema();
        SearchIndex::open_for_ingest(&index_dir, &schema, None, false).unwrap();
        let mut other = schema.clone();
        other
            .fields
            .iter_mut()
            .find(|f| f.name == "title")
            .unwrap()
            .boost = Some(9.0);
        let err = SearchIndex::open_for_ingest(&index_dir, &other, None, false)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("another schema (fields that differ: title)"),
            "{err}"
        );
        assert!(err.contains("--rebuild"), "{err}");
        let rebuilt = SearchIndex::open_for_ingest(&index_dir, &other, None, true).unwrap();
        // Until it is published, the old index is the one in place.
        assert_eq!(SearchIndex::open(&index_dir).unwrap().meta.schema, schema);
        rebuilt.publish().unwrap();
        assert_eq!(SearchIndex::open(&index_dir).unwrap().meta.schema, other);
        assert!(!rebuilt.dir.exists(), "the old index is deleted");
    }

    #[test]
    fn missing_index_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = SearchIndex::open(&dir.path().join("none")).err().unwrap();
        assert!(err.to_string().starts_with("no sousuo index at"), "{err}");
    }
}

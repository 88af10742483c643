//! Opening and creating an index folder: the one place the analyzer is registered with
//! tantivy, and where an index's record of how it was built is written and checked.
//!
//! Next to tantivy's files the folder holds `sousuo-index.json` (format, sousuo version,
//! analyzer settings and the schema the index was built with). While an ingest runs, a lock
//! file with the writer's pid sits in the folder (`ingest.lock`); `--rebuild`, which
//! replaces the folder, puts the lock in the new one before the swap.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tantivy::schema::Field;
use tantivy::{Index, SegmentReader};

use crate::error::{Error, Result};
use crate::schema::{Fields, IndexSchema};
use crate::text::{
    Analyzer, ChineseTokenizer, SubWordTokenizer, CHINESE_ANALYZER, SUB_WORD_ANALYZER,
};

mod create;
mod damage;
mod directory;
mod guard;
mod lock;

use create::{create_index, exchange, resolve_index_dir, Placement};
pub use damage::{Depth, FileDamage};
pub use directory::IndexDirectory;
pub use guard::read_guarded;
use lock::process_is_running;
pub use lock::{ingest_running, is_lock_file, lock_path, WriterLock};

/// The layout version of sousuo's index; bumped when an index must be rebuilt.
pub const INDEX_FORMAT: u32 = 9;
const META_FILE: &str = "sousuo-index.json";
/// The user dictionary an index was built with, copied into its folder.
const USER_DICTIONARY_FILE: &str = "user-dictionary.txt";
/// The saved searches kept with an index ([`crate::saved`]).
pub const SAVED_SEARCHES_FILE: &str = "saved-searches.json";
/// The lock their changes take ([`lock_saved_searches`]).
const SAVED_SEARCHES_LOCK: &str = "saved-searches.lock";
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
    /// The secret seed of the index's near-duplicate signatures, made with the index (0 for
    /// an index made before there was one: its signatures are unseeded until `--rebuild`).
    #[serde(default)]
    pub signature_seed: u64,
    /// Whether each body is stored compressed ([`crate::stored`]); `false` for an index made
    /// before, which keeps its bodies as text until `--rebuild`.
    #[serde(default)]
    pub compressed_body: bool,
    /// Whether every article was analysed with its short runs of letters held with the
    /// Chinese character beside them (`b站`, [`crate::text::is_short_letter_run`]);
    /// `false` for an index made before, whose queries also read the pair as a phrase.
    #[serde(default)]
    pub letters_with_characters: bool,
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
    pub(crate) dir: PathBuf,
    /// The tantivy index, analyzer registered.
    pub(crate) index: Index,
    /// How it was built.
    pub(crate) meta: IndexMeta,
    /// Field handles.
    pub(crate) fields: Fields,
    /// The analyzer, identical to the registered one.
    pub(crate) analyzer: Analyzer,
    /// For a rebuild: the folder this index replaces when it is published.
    publish_to: Option<PathBuf>,
    /// What every commit carries as its payload: the hash of the record, so an edited
    /// record is found out.
    commit_payload: String,
    /// A verification of the index's checksums running beside an ingest; the first commit
    /// waits for it, so nothing is written onto a damaged index.
    integrity: Mutex<Option<IntegrityCheck>>,
}

/// Reads the record of the index at `dir` (`meta_path`): its text and what it says. A
/// record of another format is refused; one that is no record, or whose schema is not
/// valid, is damage.
fn read_record(dir: &Path, meta_path: &Path) -> Result<(String, IndexMeta)> {
    let damaged = |problem: String| Error::Damaged {
        dir: dir.to_path_buf(),
        problem,
    };
    let meta_json = fs::read_to_string(meta_path).map_err(|e| Error::io(meta_path, e))?;
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
    // The record decides how queries read the index: it must be a valid schema, and the one
    // the index was built with.
    meta.schema
        .validate()
        .map_err(|problem| damaged(format!("{META_FILE}: {problem}")))?;
    Ok((meta_json, meta))
}

/// The analyzer of an index built with a user dictionary (kept in its folder `dir`).
fn user_analyzer(dir: &Path) -> Result<Analyzer> {
    let path = dir.join(USER_DICTIONARY_FILE);
    let words = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    Analyzer::with_user_words(&words)
        .map_err(|problem| Error::Usage(format!("{}: {problem}", path.display())))
}

impl IndexMeta {
    /// The record a new index of `schema` (and the user dictionary's text) gets.
    fn new(schema: &IndexSchema, user_dictionary: Option<&str>) -> IndexMeta {
        let mut analyzer = AnalyzerSettings::default();
        if let Some(words) = user_dictionary {
            analyzer.dictionary = format!(
                "{DEFAULT_DICTIONARY} + user dictionary {:016x}",
                xxhash_rust::xxh3::xxh3_64(words.as_bytes())
            );
        }
        IndexMeta {
            format: INDEX_FORMAT,
            sousuo_version: env!("CARGO_PKG_VERSION").to_string(),
            analyzer,
            schema: schema.clone(),
            signature_seed: random_seed(),
            compressed_body: true,
            letters_with_characters: true,
        }
    }
}

/// The checksum verification of an index, as a thread's result.
type IntegrityCheck = std::thread::JoinHandle<tantivy::Result<HashSet<PathBuf>>>;

/// `Ok` when `dir` holds a sousuo index (its record), else [`Error::NoIndex`]: for what
/// keeps files beside an index (saved searches) without opening it.
pub fn require_index(dir: &Path) -> Result<()> {
    if dir.join(META_FILE).is_file() {
        Ok(())
    } else {
        Err(Error::NoIndex {
            dir: dir.to_path_buf(),
        })
    }
}

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
        let (meta_json, meta) = read_record(dir, &meta_path)?;
        let (built_schema, fields) = meta.schema.build_with(meta.compressed_body);
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
            user_analyzer(dir)?
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
        let mut wanted = IndexMeta::new(schema, user_dictionary);
        let has_record = dir.join(META_FILE).is_file();
        let has_tantivy_index = dir.join("meta.json").is_file();
        // The ingest's own lock does not count.
        let is_empty = !fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|entry| !is_lock_file(&entry.file_name().to_string_lossy()))
        });
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
        // The ingest's lock goes with the new folder: the index stays locked to the end.
        let _ = fs::hard_link(lock_path(target), lock_path(&self.dir));
        // The saved searches go with it too, under their lock: none changed meanwhile is lost.
        let _saved = carry_saved_searches(target, &self.dir)?;
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

/// Copies the saved searches of the index at `from` (if it has any) to the rebuilt one at
/// `to`; returns their lock, held until the new index is in place.
fn carry_saved_searches(from: &Path, to: &Path) -> Result<Option<fs::File>> {
    let saved = from.join(SAVED_SEARCHES_FILE);
    if !saved.is_file() {
        return Ok(None);
    }
    let lock = lock_saved_searches(from)?;
    fs::copy(&saved, to.join(SAVED_SEARCHES_FILE)).map_err(|e| Error::io(&saved, e))?;
    Ok(Some(lock))
}

/// Takes the lock of the saved searches of the index at `dir`: an advisory lock (flock on
/// Unix, LockFileEx on Windows) that blocks until it is free and is released when the
/// returned file is closed.
pub fn lock_saved_searches(dir: &Path) -> Result<fs::File> {
    let lock_path = dir.join(SAVED_SEARCHES_LOCK);
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| Error::io(&lock_path, e))?;
    lock.lock().map_err(|e| Error::io(&lock_path, e))?;
    Ok(lock)
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
            .map_err(|e| Error::index("committing the index", e))?;
        self.share_like_record();
        Ok(())
    }

    /// Gives tantivy's list files (`meta.json`, `.managed.json`: written through temporary
    /// files, so only their owner could read them) the mode of the index's record, which was
    /// made as the umask says: whoever may read the index folder can then query and serve
    /// it. Best effort: the files are tantivy's to rewrite (a merge does), so this runs after
    /// every commit and at the end of an ingest.
    pub fn share_like_record(&self) {
        use std::os::unix::fs::PermissionsExt;
        let Ok(record) = fs::metadata(self.dir.join(META_FILE)) else {
            return;
        };
        let mode = record.permissions().mode() & 0o666;
        for name in ["meta.json", ".managed.json"] {
            let path = self.dir.join(name);
            if fs::metadata(&path).is_ok_and(|m| m.permissions().mode() & 0o666 != mode) {
                let _ = fs::set_permissions(&path, fs::Permissions::from_mode(mode));
            }
        }
    }
}

impl SearchIndex {
    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The tantivy index (the analyzer registered).
    pub fn tantivy(&self) -> &Index {
        &self.index
    }

    /// How the index was built.
    pub fn meta(&self) -> &IndexMeta {
        &self.meta
    }

    /// The handles of its fields.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// The analyzer it was built with.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The name of a field of the index's schema.
    pub fn schema_field_name(&self, field: Field) -> String {
        self.index.schema().get_field_name(field).to_string()
    }

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
/// A secret seed: 8 bytes of the system's randomness (the time and process, hashed, where
/// there is none to read).
fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    let read = fs::File::open("/dev/urandom").and_then(|mut random| {
        use std::io::Read;
        random.read_exact(&mut bytes)
    });
    match read {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => {
            use std::hash::{BuildHasher, RandomState};
            RandomState::new().hash_one((std::process::id(), std::time::SystemTime::now()))
        }
    }
    .max(1)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_is_exclusive_and_released() {
        let dir = tempfile::tempdir().unwrap();
        let index_dir = dir.path().join("idx");
        let lock = WriterLock::acquire(&index_dir).unwrap();
        assert!(index_dir.join("ingest.lock").is_file());
        let err = WriterLock::acquire(&index_dir).unwrap_err().to_string();
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        drop(lock);
        assert!(!index_dir.join("ingest.lock").exists());
        WriterLock::acquire(&index_dir).unwrap();
    }

    #[test]
    fn stale_lock_of_a_dead_process_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        // pid_max on Linux is at most 2^22, so this pid cannot be running.
        fs::create_dir(dir.path().join("idx")).unwrap();
        fs::write(dir.path().join("idx/ingest.lock"), "99999999").unwrap();
        let lock = WriterLock::acquire(&dir.path().join("idx")).unwrap();
        let holder = fs::read_to_string(dir.path().join("idx/ingest.lock")).unwrap();
        assert_eq!(
            holder,
            std::process::id().to_string(),
            "the lock is this run's now"
        );
        drop(lock);
        assert!(!dir.path().join("idx/ingest.lock").exists());
    }

    #[test]
    fn the_lock_has_one_holder_while_many_take_it_in_turn() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let index_dir = dir.path().join("idx");
        let holders = AtomicUsize::new(0);
        let taken = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..25 {
                        if let Ok(lock) = WriterLock::acquire(&index_dir) {
                            assert_eq!(holders.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                            taken.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(2));
                            holders.fetch_sub(1, Ordering::SeqCst);
                            drop(lock);
                        }
                    }
                });
            }
        });
        assert!(taken.load(Ordering::SeqCst) > 0);
        assert!(!index_dir.join("ingest.lock").exists());
    }

    /// An index made before bodies were stored compressed keeps storing them as text:
    /// ingest opens it as it is, and a rebuild makes it compressed.
    #[test]
    fn an_index_made_before_keeps_its_bodies_as_text_until_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let index_dir = dir.path().join("idx");
        let schema = IndexSchema::default_schema();
        let mut before = IndexMeta::new(&schema, None);
        before.compressed_body = false;
        create_index(&index_dir, &schema, &before, None, Placement::InPlace).unwrap();
        let existing = SearchIndex::open_for_ingest(&index_dir, &schema, None, false).unwrap();
        assert!(!existing.meta.compressed_body);
        assert!(existing.fields.stored_body.is_none());
        drop(existing);
        let rebuilt = SearchIndex::open_for_ingest(&index_dir, &schema, None, true).unwrap();
        rebuilt.publish().unwrap();
        let index = SearchIndex::open(&index_dir).unwrap();
        assert!(index.meta.compressed_body);
        assert!(index.fields.stored_body.is_some());
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

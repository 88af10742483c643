//! The index as its own manifest: what it records of each article (content hash, size,
//! mtime, root), and which recorded articles `--prune` removes.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::error::{Error, Result};
use crate::index::{read_guarded, SearchIndex};
use crate::schema::{CONTENT_HASH_FIELD, INGESTED_FIELD, MTIME_FIELD, SIZE_FIELD};

use super::*;

/// What the index knows of a source file.
#[derive(Debug, Clone)]
pub(super) struct Recorded {
    pub(super) content_hash: u64,
    pub(super) mtime: u64,
    pub(super) size: u64,
    /// The folder it was ingested from.
    pub(super) root: Arc<str>,
    /// Its date was written without a year that nothing told.
    pub(super) year_unknown: bool,
    /// When it was ingested (microseconds since the epoch).
    pub(super) ingested: i64,
}

/// What the index records of its articles: the index is its own manifest.
#[derive(Debug, Default)]
pub(super) struct Manifest {
    /// By id.
    pub(super) records: HashMap<String, Recorded>,
    /// The id of the article of each absolute path, so a file ingested again through
    /// another root (a sub-folder, the file alone) updates its article instead of adding a
    /// second one under another id. Made when a file is first not found by its id.
    pub(super) ids_by_path: OnceLock<HashMap<PathBuf, String>>,
}

impl Manifest {
    /// The recorded id and root of the file at `root`/`id`, if it was ingested before,
    /// through this root or another.
    pub(super) fn article_of<'a>(
        &'a self,
        root: &'a Arc<str>,
        id: &'a str,
    ) -> (&'a str, &'a Arc<str>) {
        if self.records.get(id).is_some_and(|r| r.root == *root) {
            return (id, root);
        }
        let ids_by_path = self.ids_by_path.get_or_init(|| {
            self.records
                .iter()
                .map(|(id, record)| (Path::new(&*record.root).join(id), id.clone()))
                .collect()
        });
        match ids_by_path.get(&Path::new(&**root).join(id)) {
            Some(known) => (known.as_str(), &self.records[known].root),
            None => (id, root),
        }
    }
}

/// The recorded articles `--prune` removes: those ingested from one of this run's roots
/// (for a root that is a file: that file's article only; for a root walked at some targets
/// only: the articles at or under them) that the walk did not find, under roots that were
/// walked completely. Counts them in `report`, and lists the roots left
/// alone.
pub(super) fn prunable<'a>(
    roots: &[Root],
    recorded: &'a Manifest,
    walked: &Walked,
    report: &mut IngestReport,
) -> Vec<&'a str> {
    let mut removed = Vec::new();
    for (number, root) in roots.iter().enumerate() {
        if !walked.complete[number] {
            report.not_pruned.push(root.given.display().to_string());
            continue;
        }
        for (id, record) in &recorded.records {
            // The article's id below this root: its own id, or for an article kept apart
            // under its root folder's name (recorded under the folder above), the rest.
            let below: std::borrow::Cow<str> = if *record.root == *root.folder_text {
                id.as_str().into()
            } else if root.file_id.is_none() {
                let path = Path::new(&*record.root).join(id);
                match path.strip_prefix(&root.folder).ok().and_then(Path::to_str) {
                    Some(rest) => rest.to_string().into(),
                    None => continue,
                }
            } else {
                continue;
            };
            let below = below.as_ref();
            let in_scope = root.file_id.as_ref().is_none_or(|file| file == below)
                && root
                    .targets
                    .as_ref()
                    .is_none_or(|targets| targets.iter().any(|t| t.holds(below)));
            // Another root of this run with the same folder may have found it.
            let found = roots.iter().enumerate().any(|(other, other_root)| {
                other_root.folder_text == root.folder_text
                    && walked.seen.contains(&(other, below.to_string()))
            });
            if in_scope && !found && !removed.contains(&id.as_str()) {
                removed.push(id.as_str());
            }
        }
    }
    report.removed = removed.len();
    removed
}

/// Reads the id, hash, mtime, size and root of every live document. An id found twice
/// (a damaged index) is left out, so the file is indexed again and replaces every copy.
pub(super) fn load_recorded(index: &SearchIndex) -> Result<Manifest> {
    read_guarded(&index.dir, "reading the file records", || {
        load_recorded_unguarded(index)
    })
}

pub(super) fn load_recorded_unguarded(index: &SearchIndex) -> Result<Manifest> {
    let reader = index
        .index
        .reader()
        .map_err(|e| Error::index("reading the index", e))?;
    let searcher = reader.searcher();
    let mut recorded = HashMap::with_capacity(searcher.num_docs() as usize);
    let mut duplicated = HashSet::new();
    let context = || format!("reading the file records of {}", index.dir.display());
    for segment in searcher.segment_readers() {
        let ids = index.segment_strings(segment, index.fields.id)?;
        let roots: Vec<Arc<str>> = index
            .segment_strings(segment, index.fields.root)?
            .into_iter()
            .map(Arc::from)
            .collect();
        let year_less = index.segment_strings(segment, index.fields.year_less_date)?;
        let fast = segment.fast_fields();
        let hashes = fast
            .u64(CONTENT_HASH_FIELD)
            .map_err(|e| Error::index(context(), e))?;
        let mtimes = fast
            .u64(MTIME_FIELD)
            .map_err(|e| Error::index(context(), e))?;
        let sizes = fast
            .u64(SIZE_FIELD)
            .map_err(|e| Error::index(context(), e))?;
        let ingested = fast
            .date(INGESTED_FIELD)
            .map_err(|e| Error::index(context(), e))?;
        for doc in segment.doc_ids_alive() {
            let id = &ids[doc as usize];
            if id.is_empty() {
                continue;
            }
            let record = Recorded {
                content_hash: hashes.first(doc).unwrap_or(0),
                mtime: mtimes.first(doc).unwrap_or(0),
                size: sizes.first(doc).unwrap_or(0),
                root: roots[doc as usize].clone(),
                year_unknown: !year_less[doc as usize].is_empty(),
                ingested: ingested
                    .first(doc)
                    .map_or(0, |date| date.into_timestamp_micros()),
            };
            if recorded.insert(id.clone(), record).is_some() {
                duplicated.insert(id.clone());
            }
        }
    }
    for id in &duplicated {
        // Changed as far as ingest knows: re-read, and added once after deleting them all.
        if let Some(record) = recorded.get_mut(id) {
            record.content_hash = 0;
            record.mtime = 0;
        }
    }
    Ok(Manifest {
        records: recorded,
        ids_by_path: OnceLock::new(),
    })
}

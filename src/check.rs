//! `sousuo check`: verifies an index — its record, every segment file's checksum, and the
//! id column (one live document per id, every document with an id) — and, with
//! `--repair`, removes what is damaged so that the next ingest restores it from the files.
//!
//! Invariants: checking writes nothing; repairing only removes (whole damaged segments,
//! every copy of a duplicated id), never guesses content, and says what to run next.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::PathBuf;

use serde::Serialize;
use tantivy::{IndexWriter, SegmentReader, TantivyDocument, Term};

use crate::error::{Error, Result};
use crate::index::{ingest_running, read_guarded, Depth, SearchIndex};

/// What `check` found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckReport {
    /// The index folder.
    pub index: String,
    /// Live documents.
    pub documents: u64,
    /// Segments.
    pub segments: usize,
    /// Files of listed segments that are missing, cut short or whose content does not
    /// match their checksum (`file: problem`).
    pub damaged_files: Vec<String>,
    /// Segment files no listed segment uses (a segment dropped from `meta.json`: its
    /// articles are not searched).
    pub stray_files: Vec<String>,
    /// Segments that could not be read, with the reason.
    pub unreadable_segments: Vec<String>,
    /// Ids held by more than one live document.
    pub duplicate_ids: Vec<String>,
    /// Live documents without an id.
    pub documents_without_id: u64,
    /// What `--repair` did.
    pub repaired: Vec<String>,
}

impl CheckReport {
    /// Whether nothing is wrong.
    pub fn is_sound(&self) -> bool {
        self.damaged_files.is_empty()
            && self.stray_files.is_empty()
            && self.unreadable_segments.is_empty()
            && self.duplicate_ids.is_empty()
            && self.documents_without_id == 0
    }
}

/// Checks `index` (its record was checked when it was opened).
pub fn check(index: &SearchIndex) -> Result<CheckReport> {
    read_guarded(&index.dir, "checking the index", || check_unguarded(index))
}

fn check_unguarded(index: &SearchIndex) -> Result<CheckReport> {
    let mut report = CheckReport {
        index: index.dir.display().to_string(),
        ..CheckReport::default()
    };
    let damaged = index.damaged_files(Depth::Checksums)?;
    report.damaged_files = damaged.iter().map(ToString::to_string).collect();
    // A running ingest's new segments are not listed until it commits.
    if !ingest_running(&index.dir) {
        report.stray_files = index.stray_segment_files()?;
    }
    if !damaged.is_empty() {
        // A segment with a missing or cut file cannot be opened: the rest is checked once
        // `--repair` has dropped it.
        return Ok(report);
    }
    let reader = index
        .index
        .reader()
        .map_err(|e| Error::index("reading the index", e))?;
    let searcher = reader.searcher();
    report.documents = searcher.num_docs();
    report.segments = searcher.segment_readers().len();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for segment in searcher.segment_readers() {
        if let Err(problem) = check_segment(index, segment, &mut seen, &mut report) {
            let name = segment.segment_id().uuid_string();
            report
                .unreadable_segments
                .push(format!("{name}: {problem}"));
        }
    }
    let mut duplicates: Vec<String> = seen
        .into_iter()
        .filter(|(_, count)| *count > 1)
        .map(|(id, _)| id)
        .collect();
    duplicates.sort();
    report.duplicate_ids = duplicates;
    Ok(report)
}

/// Checks one segment: its document count, its ids (counted into `seen`, the ones without
/// an id into `report`) and its stored documents, read whole once (damage there fails
/// queries). `Err` says why the segment cannot be read.
fn check_segment(
    index: &SearchIndex,
    segment: &SegmentReader,
    seen: &mut HashMap<String, u32>,
    report: &mut CheckReport,
) -> std::result::Result<(), String> {
    let counted = segment
        .fast_fields()
        .u64(crate::schema::CONTENT_HASH_FIELD)
        .map(|column| column.num_docs());
    if counted.as_ref().ok() != Some(&segment.max_doc()) {
        return Err(format!(
            "meta.json says {} documents, its files hold {}",
            segment.max_doc(),
            counted.map_or_else(
                |e| format!("none that can be read ({e})"),
                |n| n.to_string()
            )
        ));
    }
    let ids = read_guarded(&index.dir, "reading the ids", || index.segment_ids(segment))
        .map_err(|err| err.to_string())?;
    for doc in segment.doc_ids_alive() {
        match ids.get(doc as usize).filter(|id| !id.is_empty()) {
            Some(id) => *seen.entry(id.clone()).or_default() += 1,
            None => report.documents_without_id += 1,
        }
    }
    let stored = |error: String| {
        let first_line = error.lines().next().unwrap_or_default();
        format!("stored documents: {first_line}")
    };
    let store = segment
        .get_store_reader(0)
        .map_err(|e| stored(e.to_string()))?;
    for doc in segment.doc_ids_alive() {
        store
            .get::<TantivyDocument>(doc)
            .map_err(|e| stored(e.to_string()))?;
    }
    Ok(())
}

/// The segments a check found damaged: those holding a damaged file, and those that
/// could not be read.
fn bad_segments(report: &CheckReport) -> HashSet<String> {
    let mut bad: HashSet<String> = HashSet::new();
    for file in &report.damaged_files {
        let name = PathBuf::from(file);
        let stem = name.file_name().unwrap_or_default().to_string_lossy();
        if let Some(segment) = stem.split('.').next() {
            bad.insert(segment.to_string());
        }
    }
    for segment in &report.unreadable_segments {
        if let Some((name, _)) = segment.split_once(':') {
            bad.insert(name.to_string());
        }
    }
    bad
}

/// Repairs what `report` found: drops the segments that hold damaged files or cannot be
/// read (their articles are indexed again by the next ingest of their folders), and
/// deletes every copy of a duplicated id (the next ingest adds it once).
pub fn repair(index: &SearchIndex, report: &mut CheckReport) -> Result<()> {
    let bad_segments = bad_segments(report);
    if !bad_segments.is_empty() {
        let dropped = drop_segments(index, &bad_segments)?;
        report.repaired.push(format!(
            "dropped {} damaged segments holding {dropped} articles",
            bad_segments.len()
        ));
    }
    if !report.stray_files.is_empty() {
        for name in &report.stray_files {
            let path = index.dir.join(name);
            match fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Error::io(&path, e))
                }
                _ => {}
            }
        }
        report.repaired.push(format!(
            "removed {} files of segments no longer listed",
            report.stray_files.len()
        ));
    }
    let mut writer: IndexWriter<TantivyDocument> = index
        .index
        .writer_with_num_threads(1, 32 << 20)
        .map_err(|e| Error::index("opening the index writer", e))?;
    for id in &report.duplicate_ids {
        writer.delete_term(Term::from_field_text(index.fields.id, id));
    }
    index.commit(&mut writer)?;
    writer
        .garbage_collect_files()
        .wait()
        .map_err(|e| Error::index("removing the damaged files", e))?;
    if !report.duplicate_ids.is_empty() {
        report.repaired.push(format!(
            "deleted every copy of {} duplicated ids",
            report.duplicate_ids.len()
        ));
    }
    if !report.repaired.is_empty() {
        report.repaired.push(
            "run `sousuo ingest` on the ingested folders to index those articles again".into(),
        );
    }
    Ok(())
}

/// Removes segments from the index's list of segments (`meta.json`, written atomically);
/// returns how many documents they held.
fn drop_segments(index: &SearchIndex, segments: &HashSet<String>) -> Result<u64> {
    let meta_path = index.dir.join("meta.json");
    let text = fs::read_to_string(&meta_path).map_err(|e| Error::io(&meta_path, e))?;
    let mut meta: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::Usage(format!("{}: {e}", meta_path.display())))?;
    let Some(list) = meta["segments"].as_array_mut() else {
        return Err(Error::Usage(format!(
            "{}: no list of segments",
            meta_path.display()
        )));
    };
    let mut dropped = 0;
    list.retain(|segment| {
        let id = segment["segment_id"]
            .as_str()
            .unwrap_or_default()
            .replace('-', "");
        let bad = segments.contains(&id);
        if bad {
            let max = segment["max_doc"].as_u64().unwrap_or(0);
            let deleted = segment["deletes"]["num_deleted_docs"].as_u64().unwrap_or(0);
            dropped += max.saturating_sub(deleted);
        }
        !bad
    });
    let staged = index.dir.join("meta.json.repair");
    let json = serde_json::to_string_pretty(&meta).expect("a JSON value serialises");
    fs::write(&staged, json).map_err(|e| Error::io(&staged, e))?;
    fs::rename(&staged, &meta_path).map_err(|e| Error::io(&meta_path, e))?;
    Ok(dropped)
}

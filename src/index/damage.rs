//! Damage to an index's files that can be seen without trusting them: a file a segment
//! needs that is missing, one cut short (its footer gone), one whose content no longer
//! matches its checksum, and segment files no segment in `meta.json` lists.
//!
//! Two depths: [`Depth::Footers`] reads only each file's last 8 bytes (cheap enough for
//! every query and every reload of `serve`), plus the checksums of the small files whose
//! damage changes rankings silently (field norms, deletions); [`Depth::Checksums`] reads
//! every file whole (`check`).

use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde::Serialize;
use tantivy::index::SegmentComponent;

use crate::error::{Error, Result};

use super::SearchIndex;

/// tantivy's footer ends with its length and this number (`directory/footer.rs`).
const FOOTER_MAGIC: u32 = 1337;

/// How much of each file to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Presence, footers, and the checksums of field norms and deletions.
    Footers,
    /// Presence, footers and every checksum.
    Checksums,
}

/// A damaged file of a segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileDamage {
    /// The file, in the index folder.
    pub file: String,
    /// The segment it belongs to (its id, as in the file names).
    pub segment: String,
    /// What is wrong: missing, cut short, checksum.
    pub problem: String,
}

impl std::fmt::Display for FileDamage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.problem)
    }
}

impl SearchIndex {
    /// The damaged files of the segments `meta.json` lists, to `depth`.
    pub fn damaged_files(&self, depth: Depth) -> Result<Vec<FileDamage>> {
        let metas = self
            .index
            .searchable_segment_metas()
            .map_err(|e| Error::index("reading the list of segments", e))?;
        let mut damaged = Vec::new();
        for meta in metas {
            let segment = meta.id().uuid_string();
            let mut components = vec![
                SegmentComponent::Postings,
                SegmentComponent::Positions,
                SegmentComponent::Terms,
                SegmentComponent::Store,
                SegmentComponent::FastFields,
                SegmentComponent::FieldNorms,
            ];
            if meta.has_deletes() {
                components.push(SegmentComponent::Delete);
            }
            for component in components {
                let file = meta.relative_path(component);
                let problem = self.file_problem(&file, depth);
                if let Some(problem) = problem {
                    damaged.push(FileDamage {
                        file: file.display().to_string(),
                        segment: segment.clone(),
                        problem,
                    });
                }
            }
        }
        Ok(damaged)
    }

    /// Segment files in the folder that no listed segment uses (a segment dropped from
    /// `meta.json` by hand or by damage: its articles are no longer searched).
    pub fn stray_segment_files(&self) -> Result<Vec<String>> {
        let metas = self
            .index
            .searchable_segment_metas()
            .map_err(|e| Error::index("reading the list of segments", e))?;
        let listed: HashSet<String> = metas.iter().map(|m| m.id().uuid_string()).collect();
        let entries = std::fs::read_dir(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        let mut stray = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some((stem, _)) = name.split_once('.') else {
                continue;
            };
            let is_segment_file = stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit());
            if is_segment_file && !listed.contains(stem) {
                stray.push(name);
            }
        }
        stray.sort();
        Ok(stray)
    }

    fn file_problem(&self, file: &Path, depth: Depth) -> Option<String> {
        let path = self.dir.join(file);
        if let Err(problem) = footer_intact(&path) {
            return Some(problem);
        }
        let small = matches!(
            file.extension().and_then(|e| e.to_str()),
            Some("fieldnorm" | "del")
        );
        if depth == Depth::Checksums || small {
            return match self.index.directory().validate_checksum(file) {
                Ok(true) => None,
                Ok(false) => Some("its content does not match its checksum".into()),
                Err(e) => Some(format!(
                    "unreadable: {}",
                    e.to_string().lines().next().unwrap_or_default()
                )),
            };
        }
        None
    }
}

/// Whether the file is there and ends with a whole tantivy footer.
fn footer_intact(path: &Path) -> std::result::Result<(), String> {
    let mut file = File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "missing".to_string(),
        _ => format!("unreadable: {e}"),
    })?;
    let length = file
        .metadata()
        .map_err(|e| format!("unreadable: {e}"))?
        .len();
    let cut = || format!("cut short ({length} bytes, its footer gone)");
    if length < 8 {
        return Err(cut());
    }
    let mut tail = [0u8; 8];
    file.seek(SeekFrom::End(-8))
        .and_then(|_| file.read_exact(&mut tail))
        .map_err(|e| format!("unreadable: {e}"))?;
    let footer = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    let magic = u32::from_le_bytes([tail[4], tail[5], tail[6], tail[7]]);
    if magic != FOOTER_MAGIC || u64::from(footer) + 8 > length {
        return Err(cut());
    }
    Ok(())
}

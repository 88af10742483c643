//! Making an index folder: atomically (a staging folder renamed into place), replacing an
//! old one in one exchange for `--rebuild`, and never over a file or through a link.

use std::fs;
use std::path::{Path, PathBuf};

use tantivy::store::Compressor;
use tantivy::{Index, IndexSettings};

use crate::error::{Error, Result};
use crate::schema::IndexSchema;

use super::*;

/// The index folder `dir` names: a symbolic link to a folder is followed (the index is
/// written where it points, the link stays); a file there is an error.
pub(super) fn resolve_index_dir(dir: &Path) -> Result<PathBuf> {
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
pub(super) enum Placement {
    /// At the index folder (which holds nothing yet).
    InPlace,
    /// In a staging folder beside it, left there for [`SearchIndex::publish`].
    Staged,
}

/// Exchanges two folders: in one step on Linux (`renameat2` with `RENAME_EXCHANGE`); where
/// the system or the file system cannot, moves `target` aside, `staging` in, and the old one
/// to `staging` (a reader opening the index between two of those renames finds no index
/// for that moment).
pub(super) fn exchange(staging: &Path, target: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    if exchange_in_one_step(staging, target)? {
        return Ok(());
    }
    exchange_by_renames(staging, target)
}

/// The portable exchange: three renames (the path used off Linux, and on file systems
/// without `RENAME_EXCHANGE`).
fn exchange_by_renames(staging: &Path, target: &Path) -> Result<()> {
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let aside = target.with_file_name(format!(".{name}.old-{}", std::process::id()));
    fs::rename(target, &aside).map_err(|e| Error::io(target, e))?;
    fs::rename(staging, target).map_err(|e| Error::io(target, e))?;
    fs::rename(&aside, staging).map_err(|e| Error::io(staging, e))
}

/// `renameat2(RENAME_EXCHANGE)`: whether it exchanged the folders (`false` where the file
/// system does not support it).
#[cfg(target_os = "linux")]
fn exchange_in_one_step(staging: &Path, target: &Path) -> Result<bool> {
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
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    if matches!(err.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) {
        return Ok(false);
    }
    Err(Error::io(target, err))
}

/// Creates an empty index for `dir`: in place (then `dir` holds nothing yet) or in a staging
/// folder beside it, whose path is returned. Either way it is made in a staging folder first
/// and renamed, so a process killed at any point never leaves a half-made index.
pub(super) fn create_index(
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
    let (tantivy_schema, _) = schema.build_with(meta.compressed_body);
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
        // A folder holding nothing but the ingest's lock (rename cannot replace a folder
        // that is not empty): the lock goes into the new one, the two are exchanged.
        let _ = fs::hard_link(lock_path(dir), lock_path(&staging));
        exchange(&staging, dir)?;
        fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    } else {
        fs::rename(&staging, dir).map_err(|e| Error::io(dir, e))?;
    }
    Ok(dir.to_path_buf())
}

/// Removes staging and old folders left beside the index by processes that were killed.
pub(super) fn remove_leftovers(parent: &Path, name: &str) {
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

/// How new indexes store documents: lz4 in 8 KiB blocks, which hold every stored field but
/// the body (kept apart, each body compressed on its own with zstd and a dictionary:
/// [`crate::stored`]; an index made before keeps it in the blocks). Measured on the 82,832-post
/// corpus (1,200 queries, top 10 with snippets): lz4 gives a 200 MB index and 0.70 ms median
/// latency; zstd level 3 185 MB but 0.91 ms, because tantivy builds a zstd context for every
/// block it decompresses; zstd 9 in 64 KiB blocks 164 MB and over 1.1 ms. A hit decompresses
/// its whole block: 8 KiB blocks against 16 KiB took the median from 0.66–0.68 to
/// 0.62–0.65 ms (five alternating runs each) for 6 MB more (store 103 → 109 MB); 4 KiB
/// blocks were no faster.
pub(super) fn index_settings() -> IndexSettings {
    IndexSettings {
        docstore_compression: Compressor::Lz4,
        docstore_blocksize: 8 * 1024,
        ..IndexSettings::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both exchanges, the one-step one and the portable one every system has, leave each
    /// folder's contents under the other's name.
    #[test]
    fn both_exchanges_swap_the_folders() {
        type Exchange = fn(&Path, &Path) -> Result<()>;
        let ways: [(&str, Exchange); 2] =
            [("exchange", exchange), ("renames", exchange_by_renames)];
        for (way, swap) in ways {
            let dir = tempfile::tempdir().unwrap();
            let (staging, target) = (dir.path().join(".idx.creating-1"), dir.path().join("idx"));
            for (folder, content) in [(&staging, "new"), (&target, "old")] {
                fs::create_dir(folder).unwrap();
                fs::write(folder.join("meta.json"), content).unwrap();
            }
            swap(&staging, &target).unwrap();
            let read = |folder: &Path| fs::read_to_string(folder.join("meta.json")).unwrap();
            assert_eq!(read(&target), "new", "{way}");
            assert_eq!(read(&staging), "old", "{way}");
            let names: Vec<_> = fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(names.len(), 2, "{way}: {names:?}");
        }
    }
}

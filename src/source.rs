//! Reading a post's source file, for ingest and for `get --raw`.
//!
//! Invariants: only regular files are read (a FIFO is never waited on: it is opened
//! without blocking and refused by what the opened handle is); at most the size limit is
//! read, whatever the file claims (a file that grows past it is refused); `get --raw` reads
//! only the file that was ingested — under its recorded root, not through a link leaving
//! it, and with the content hash it had.

use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Reads the regular file at `path`, refusing anything else and anything over `max_bytes`.
pub fn read_regular_file(path: &Path, max_bytes: u64) -> std::io::Result<Vec<u8>> {
    OpenedFile::open(path)?.read(max_bytes)
}

/// A file opened for reading without blocking, with its metadata read from the open handle
/// (one path look-up for both, and the size and time of the very file that is read).
pub struct OpenedFile {
    file: fs::File,
    /// What the open handle says the file is (`fstat`).
    pub metadata: fs::Metadata,
}

impl OpenedFile {
    /// Opens `path` without blocking (a FIFO is not waited on) and reads its metadata.
    pub fn open(path: &Path) -> std::io::Result<OpenedFile> {
        let file = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)?;
        let metadata = file.metadata()?;
        Ok(OpenedFile { file, metadata })
    }

    /// Its bytes, refusing anything but a regular file and anything over `max_bytes`.
    pub fn read(self, max_bytes: u64) -> std::io::Result<Vec<u8>> {
        if !self.metadata.is_file() {
            return Err(std::io::Error::other(
                "not a regular file (a FIFO, socket or device); skipped",
            ));
        }
        let mut bytes = Vec::with_capacity(self.metadata.len().min(max_bytes) as usize);
        self.file.take(max_bytes + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > max_bytes {
            return Err(std::io::Error::other(format!(
                "file is over the {} MB limit (raise it with --max-file-size)",
                max_bytes >> 20
            )));
        }
        Ok(bytes)
    }
}

/// The source of an ingested article as it is on disk now: `root/id`, read only if it is
/// still a regular file under `root` with the content hash recorded at ingest.
pub fn read_ingested(root: &Path, id: &str, content_hash: u64, max_bytes: u64) -> Result<Vec<u8>> {
    let path = locate(root, id);
    let refuse = |why: String| Error::Usage(format!("{}: {why}", path.display()));
    let resolved = path.canonicalize().map_err(|err| Error::io(&path, err))?;
    if !resolved.starts_with(root) {
        return Err(refuse(format!(
            "now leads to {}, outside the ingested folder {}; not read",
            resolved.display(),
            root.display()
        )));
    }
    let bytes = read_regular_file(&resolved, max_bytes).map_err(|err| Error::io(&path, err))?;
    if xxhash_rust::xxh3::xxh3_64(&bytes) != content_hash {
        return Err(refuse(
            "has changed since it was ingested; run ingest again to index it as it is now"
                .to_string(),
        ));
    }
    Ok(bytes)
}

/// The file of the article `id` under `root`. An id made from a file name that is not
/// UTF-8 is not the name itself: then the folder is searched for the name that gives it.
fn locate(root: &Path, id: &str) -> PathBuf {
    let direct = root.join(id);
    if direct.symlink_metadata().is_ok() {
        return direct;
    }
    let mut path = root.to_path_buf();
    for part in id.split('/') {
        let next = path.join(part);
        if next.symlink_metadata().is_ok() {
            path = next;
            continue;
        }
        let found = fs::read_dir(&path).ok().and_then(|entries| {
            entries.flatten().map(|e| e.path()).find(|candidate| {
                let name = candidate.file_name().map(Path::new);
                name.is_some_and(|n| document_id(n).0 == part)
            })
        });
        path = found.unwrap_or(next);
    }
    path
}

/// `a/b/c.md` with `/` separators, whatever the platform, and a warning when a part of the
/// path is not UTF-8 (then read as GBK if it is valid GBK, else with `%XX` for each byte
/// that is not UTF-8).
pub fn document_id(relative: &Path) -> (String, Option<String>) {
    let mut parts = Vec::new();
    let mut warning = None;
    for component in relative.components() {
        let raw = component.as_os_str();
        match raw.to_str() {
            Some(text) => parts.push(text.to_string()),
            None => {
                let (text, how) = decode_file_name(raw);
                warning.get_or_insert(format!("file name is not UTF-8: {how}; its id is {{id}}"));
                parts.push(text);
            }
        }
    }
    let id = parts.join("/");
    let warning = warning.map(|w| w.replace("{id}", &format!("{id:?}")));
    (id, warning)
}

/// A file name that is not UTF-8 as text, and how it was read.
fn decode_file_name(name: &OsStr) -> (String, &'static str) {
    use std::os::unix::ffi::OsStrExt;
    let bytes = name.as_bytes();
    if let Some(text) = encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .filter(|text| !text.chars().any(char::is_control))
    {
        return (text.into_owned(), "read as GBK");
    }
    let mut text = String::new();
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        for byte in chunk.invalid() {
            text.push_str(&format!("%{byte:02X}"));
        }
    }
    (text, "bytes that are not UTF-8 written as %XX")
}

#[cfg(test)]
mod tests {
    use std::os::unix::ffi::OsStrExt;

    use super::*;

    #[test]
    fn names_that_are_not_utf8_get_an_id_and_a_warning() {
        // 新闻 in GBK.
        let gbk = Path::new(OsStr::from_bytes(b"a/\xd0\xc2\xce\xc5.md"));
        let (id, warning) = document_id(gbk);
        assert_eq!(id, "a/新闻.md");
        assert!(warning.unwrap().contains("read as GBK"));
        let raw = Path::new(OsStr::from_bytes(b"\xff\xfe-x.md"));
        let (id, warning) = document_id(raw);
        assert_eq!(id, "%FF%FE-x.md");
        assert!(warning.unwrap().contains("%XX"));
    }

    #[test]
    fn a_fifo_is_refused_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("x.md");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let err = read_regular_file(&fifo, 1 << 20).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }

    #[test]
    fn reading_stops_at_the_limit() {
        let err = read_regular_file(Path::new("/dev/zero"), 1 << 20)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a regular file"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.md");
        fs::write(&big, vec![b'x'; 3 << 20]).unwrap();
        let err = read_regular_file(&big, 2 << 20).unwrap_err().to_string();
        assert!(err.contains("over the 2 MB limit"), "{err}");
        assert_eq!(read_regular_file(&big, 3 << 20).unwrap().len(), 3 << 20);
    }

    #[test]
    fn only_the_ingested_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap().join("posts");
        fs::create_dir(&root).unwrap();
        fs::write(root.join("a.md"), "post").unwrap();
        let hash = xxhash_rust::xxh3::xxh3_64(b"post");
        assert_eq!(
            read_ingested(&root, "a.md", hash, 1 << 20).unwrap(),
            b"post"
        );
        fs::write(root.join("a.md"), "changed").unwrap();
        let err = read_ingested(&root, "a.md", hash, 1 << 20).unwrap_err();
        assert!(err.to_string().contains("has changed"), "{err}");
        fs::remove_file(root.join("a.md")).unwrap();
        fs::write(dir.path().join("secret"), "post").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret"), root.join("a.md")).unwrap();
        let err = read_ingested(&root, "a.md", hash, 1 << 20).unwrap_err();
        assert!(
            err.to_string().contains("outside the ingested folder"),
            "{err}"
        );
    }
}

//! The ingest lock, a file inside the index folder (so writing an index needs write access
//! to that folder only).

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The ingest lock: a file holding the writer's pid, removed on drop. A lock left by a
/// process that no longer runs is taken over.
#[derive(Debug)]
pub struct WriterLock {
    path: PathBuf,
}

impl WriterLock {
    /// Takes the lock of the index folder `dir` (which need not exist yet).
    pub fn acquire(dir: &Path) -> Result<WriterLock> {
        // A file named as the index is refused here, before anything is made.
        let dir = &super::create::resolve_index_dir(dir)?;
        let path = lock_path(dir);
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        // The lock appears with the pid already in it (written aside, then linked into
        // place, which fails if a lock is there): a lock file is never seen empty.
        let pid = std::process::id();
        let staged = path.with_file_name(format!(
            "{}.{pid}",
            path.file_name().unwrap_or_default().to_string_lossy()
        ));
        fs::write(&staged, pid.to_string()).map_err(|e| Error::io(&staged, e))?;
        let taken = Self::link(&staged, &path, dir);
        let _ = fs::remove_file(&staged);
        taken
    }

    /// Links `staged` (holding this process's pid) into place as the lock `path`; a lock
    /// left by a process that no longer runs is taken over.
    fn link(staged: &Path, path: &Path, dir: &Path) -> Result<WriterLock> {
        for _ in 0..2 {
            match fs::hard_link(staged, path) {
                Ok(()) => {
                    return Ok(WriterLock {
                        path: path.to_path_buf(),
                    })
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = fs::read_to_string(path)
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
                        _ => fs::remove_file(path).map_err(|e| Error::io(path, e))?,
                    }
                }
                Err(err) => return Err(Error::io(path, err)),
            }
        }
        Err(Error::Locked {
            dir: dir.to_path_buf(),
            holder: String::new(),
        })
    }
}

/// Whether an ingest holds the lock of the index folder `dir` now.
pub fn ingest_running(dir: &Path) -> bool {
    fs::read_to_string(lock_path(dir))
        .ok()
        .and_then(|pid| pid.trim().parse::<u32>().ok())
        .is_some_and(|pid| pid != std::process::id() && process_is_running(pid))
}

/// The lock file's name in the index folder.
pub const LOCK_FILE: &str = "ingest.lock";

/// `dir` → the lock file inside it: `a/.sousuo` → `a/.sousuo/ingest.lock`.
pub fn lock_path(dir: &Path) -> PathBuf {
    dir.join(LOCK_FILE)
}

/// Whether a file of the index folder is the lock, or a lock being put in place.
pub fn is_lock_file(name: &str) -> bool {
    name == LOCK_FILE
        || name
            .strip_prefix(LOCK_FILE)
            .is_some_and(|rest| rest.starts_with('.'))
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        // Nothing to do if it is gone already.
        let _ = fs::remove_file(&self.path);
    }
}

pub(super) fn process_is_running(pid: u32) -> bool {
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

//! The ingest lock, a file inside the index folder (so writing an index needs write access
//! to that folder only).

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};

/// The ingest lock: an advisory lock (`flock` on Unix, `LockFileEx` on Windows) on the file
/// `ingest.lock`, which holds the writer's pid for messages. The system releases it when
/// the process ends however it ends, so a lock is never left behind; the file is removed
/// on drop.
#[derive(Debug)]
pub struct WriterLock {
    path: PathBuf,
    _file: File,
}

/// How often a busy lock is tried again before the run gives up: a reader probing the
/// lock (`check`) holds it for microseconds, an ingest for its whole run.
const TRIES: u32 = 5;

impl WriterLock {
    /// Takes the lock of the index folder `dir` (which need not exist yet).
    pub fn acquire(dir: &Path) -> Result<WriterLock> {
        // A file named as the index is refused here, before anything is made.
        let dir = &super::create::resolve_index_dir(dir)?;
        let path = lock_path(dir);
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        for attempt in 1.. {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| Error::io(&path, e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) if attempt < TRIES => {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(Error::Locked {
                        dir: dir.to_path_buf(),
                        holder: holder_of(&path)
                            .map_or(String::new(), |pid| format!(" (pid {pid})")),
                    })
                }
                Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
            }
            // The file may have been removed (by the holder that just finished) between
            // opening and locking it: a lock on a removed file locks nothing.
            if !still_in_place(&file, &path) {
                continue;
            }
            let mut file = file;
            file.set_len(0)
                .and_then(|()| write!(file, "{}", std::process::id()))
                .map_err(|e| Error::io(&path, e))?;
            return Ok(WriterLock { path, _file: file });
        }
        unreachable!("the loop returns")
    }
}

/// The pid written in the lock file, if it can be read.
fn holder_of(path: &Path) -> Option<u32> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Whether `path` still names the file `file` has open.
#[cfg(unix)]
fn still_in_place(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// Whether `path` still names the file `file` has open: off Unix a file that is open
/// cannot be removed, so it does.
#[cfg(not(unix))]
fn still_in_place(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// Whether another process holds the ingest lock of the index folder `dir` now.
pub fn ingest_running(dir: &Path) -> bool {
    let path = lock_path(dir);
    let Ok(file) = File::open(&path) else {
        return false;
    };
    match file.try_lock_shared() {
        Ok(()) => false,
        // Held: by this process (a watch's own ingest) it is not another one.
        Err(TryLockError::WouldBlock) => holder_of(&path) != Some(std::process::id()),
        Err(TryLockError::Error(_)) => false,
    }
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
        // Removed while still locked (the file closes after this): a process that opened
        // it meanwhile finds it gone and opens the path again. Nothing to do if it is gone.
        let _ = fs::remove_file(&self.path);
    }
}

pub(super) fn process_is_running(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    is_alive(pid)
}

/// Signal 0 tests that a process exists without touching it; EPERM means it exists but
/// belongs to another user.
#[cfg(unix)]
fn is_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 sends nothing; it only checks the pid.
    let sent = unsafe { libc::kill(pid, 0) };
    sent == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Off Unix the holder cannot be checked: it is assumed to run (a leftover stays).
#[cfg(not(unix))]
fn is_alive(_pid: u32) -> bool {
    true
}

//! Reading a damaged index without a crash: tantivy trusts its files and some of its
//! readers `unwrap` what they decode, so bytes flipped in a column or a dictionary can
//! panic deep inside it. [`read_guarded`] turns such a panic into [`Error::DamagedRead`]
//! naming the index and what was read (the index may be damaged: `sousuo check` tells), and
//! keeps the panic's own report off the terminal.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Once;

use crate::error::{Error, Result};

thread_local! {
    /// Whether this thread is inside [`read_guarded`] (its panics are reported there).
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

static INSTALL_HOOK: Once = Once::new();

/// Runs `read` (a read of the index at `dir`); a panic inside it becomes an error saying
/// the index is damaged and what was being read.
pub fn read_guarded<T>(dir: &Path, what: &str, read: impl FnOnce() -> Result<T>) -> Result<T> {
    INSTALL_HOOK.call_once(|| {
        let default_hook = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Cell::get) {
                default_hook(info);
            }
        }));
    });
    let was_guarded = GUARDED.with(|guarded| guarded.replace(true));
    let outcome = panic::catch_unwind(AssertUnwindSafe(read));
    GUARDED.with(|guarded| guarded.set(was_guarded));
    outcome.unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("an unreadable value");
        Err(Error::DamagedRead {
            context: format!("{}: {what}", dir.display()),
            detail: format!("failed inside tantivy ({message})"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_reading_is_an_error_that_points_to_check() {
        let err = read_guarded::<()>(Path::new("idx"), "reading the ids", || {
            panic!("failed to read block content")
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("idx: reading the ids: failed inside tantivy (failed to read block"),
            "{err}"
        );
        assert!(
            err.contains("the index may be damaged: `sousuo check`"),
            "{err}"
        );
        assert_eq!(read_guarded(Path::new("idx"), "x", || Ok(7)).unwrap(), 7);
    }
}

//! Reading a damaged index without a crash: tantivy trusts its files and some of its
//! readers `unwrap` what they decode, so bytes flipped in a column or a dictionary can
//! panic deep inside it. [`read_guarded`] turns such a panic into [`Error::DamagedRead`]
//! naming the index and what was read (the index may be damaged: `sousuo check` tells), and
//! keeps the panic's own report off the terminal. A panic raised in sousuo's own code is
//! not damage: it becomes [`Error::Bug`] with its place, and the index is left alone.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Once;

use crate::error::{Error, Result};

thread_local! {
    /// Inside [`read_guarded`]: where this thread's last panic was raised (the hook
    /// records it instead of printing it). Outside: `None`, and panics print as usual.
    static GUARDED: RefCell<Option<String>> = const { RefCell::new(None) };
}

static INSTALL_HOOK: Once = Once::new();

/// Runs `read` (a read of the index at `dir`); a panic inside tantivy (or another library
/// it reads through) becomes an error saying the index may be damaged and what was being
/// read; a panic in sousuo's own code becomes [`Error::Bug`].
pub fn read_guarded<T>(dir: &Path, what: &str, read: impl FnOnce() -> Result<T>) -> Result<T> {
    INSTALL_HOOK.call_once(|| {
        let default_hook = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let location = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_default();
            let recorded = GUARDED.with(|guarded| match &mut *guarded.borrow_mut() {
                Some(place) => {
                    *place = location;
                    true
                }
                None => false,
            });
            if !recorded {
                default_hook(info);
            }
        }));
    });
    let outer = GUARDED.with(|guarded| guarded.replace(Some(String::new())));
    let outcome = panic::catch_unwind(AssertUnwindSafe(read));
    let location = GUARDED
        .with(|guarded| guarded.replace(outer))
        .unwrap_or_default();
    outcome.unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("an unreadable value");
        let detail = message.split_whitespace().collect::<Vec<_>>().join(" ");
        let context = format!("{}: {what}", dir.display());
        if is_own_code(&location) {
            Err(Error::Bug {
                context,
                location,
                detail,
            })
        } else {
            Err(Error::DamagedRead {
                context,
                detail: format!("failed inside tantivy ({detail})"),
            })
        }
    })
}

/// Whether a panic's place is in sousuo's own sources: they are compiled with paths
/// relative to the crate (`src/…`), the libraries from the registry with absolute ones.
fn is_own_code(location: &str) -> bool {
    location.starts_with("src/") || location.starts_with("src\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_tantivy_is_an_error_that_points_to_check() {
        // A read past the end of the bytes tantivy was given panics in its own code, as
        // reading a damaged file does.
        let err = read_guarded::<()>(Path::new("idx"), "reading the ids", || {
            let bytes = tantivy::directory::OwnedBytes::new(vec![1u8, 2, 3]);
            let _ = bytes.slice(2..9);
            Ok(())
        })
        .unwrap_err();
        assert!(matches!(err, Error::DamagedRead { .. }), "{err:?}");
        let err = err.to_string();
        assert!(
            err.starts_with("idx: reading the ids: failed inside tantivy ("),
            "{err}"
        );
        assert!(
            err.contains("the index may be damaged: `sousuo check`"),
            "{err}"
        );
        assert_eq!(read_guarded(Path::new("idx"), "x", || Ok(7)).unwrap(), 7);
    }

    #[test]
    fn a_panic_in_sousuos_own_code_is_a_bug_not_damage() {
        let err = read_guarded::<()>(Path::new("idx"), "searching", || {
            let parts: Vec<&str> = Vec::new();
            panic!("no part in {parts:?}\nsecond line")
        })
        .unwrap_err();
        let Error::Bug {
            location, detail, ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert!(location.starts_with("src/index/guard.rs:"), "{location}");
        assert_eq!(detail, "no part in [] second line");
        let message = err.to_string();
        assert!(message.contains("this is a bug in sousuo"), "{message}");
        assert!(!message.contains("damaged"), "{message}");
    }
}

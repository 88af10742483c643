//! Running out of memory: a clear message and the documented exit code, never an abort
//! with a backtrace.
//!
//! [`Guarded`] wraps the allocator. When an allocation fails (an address-space limit such
//! as `ulimit -v`, or the machine's memory gone) it writes one line to stderr without
//! allocating and leaves: exit 2, or exit 1 once an ingest's work was committed
//! ([`mark_committed`]), as the README's exit codes promise.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a run's work is committed: running out of memory after that is exit 1.
static COMMITTED: AtomicBool = AtomicBool::new(false);

/// Records that the run's work is committed (later failures lose nothing).
pub fn mark_committed() {
    COMMITTED.store(true, Ordering::SeqCst);
}

/// An allocator that leaves with a clear message when `A` cannot allocate.
pub struct Guarded<A>(pub A);

// SAFETY: every call is passed on to `A` unchanged; only a failure is handled here.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Guarded<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `A`'s.
        let pointer = unsafe { self.0.alloc(layout) };
        if pointer.is_null() {
            out_of_memory(layout.size());
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `A`'s.
        let pointer = unsafe { self.0.alloc_zeroed(layout) };
        if pointer.is_null() {
            out_of_memory(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is `A`'s.
        unsafe { self.0.dealloc(pointer, layout) }
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract is `A`'s.
        let moved = unsafe { self.0.realloc(pointer, layout, new_size) };
        if moved.is_null() {
            out_of_memory(new_size);
        }
        moved
    }
}

/// Writes the message (no allocation: the bytes are put together on the stack) and exits.
fn out_of_memory(size: usize) -> ! {
    let mut line = [0u8; 256];
    let mut length = 0;
    let mut put = |bytes: &[u8]| {
        let end = (length + bytes.len()).min(line.len());
        line[length..end].copy_from_slice(&bytes[..end - length]);
        length = end;
    };
    put(b"error: out of memory (");
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = size;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    put(&digits[at..]);
    put(b" bytes could not be allocated); a lower --memory or --threads may fit, or a higher limit (ulimit -v)");
    let committed = COMMITTED.load(Ordering::SeqCst);
    if committed {
        put(b"; the work was committed before");
    }
    put(b"\n");
    // SAFETY: writes `length` initialised bytes of `line` to stderr, then leaves without
    // running destructors (which may allocate).
    unsafe {
        libc::write(2, line.as_ptr().cast(), length);
        libc::_exit(if committed { 1 } else { 2 });
    }
}

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

/// Set by the first thread that leaves; any other thread out of memory at the same time
/// waits for the exit instead of writing a second line.
static LEAVING: AtomicBool = AtomicBool::new(false);

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

/// Leaves as out of memory: `size` bytes could not be allocated.
fn out_of_memory(size: usize) -> ! {
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
    leave(&[&digits[at..], b" bytes could not be allocated"]);
}

/// The text std panics with when a new thread cannot get its signal stack. That panic
/// happens where nothing can catch it, so std aborts unless the hook leaves first.
const NO_SIGNAL_STACK: &str = "failed to allocate an alternative stack";

/// Installs a panic hook that turns a thread's missing signal stack (an address-space
/// limit reached just as a thread starts) into the out-of-memory exit; every other panic
/// goes on to the hook installed before.
pub fn install_panic_hook() {
    let earlier = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with(NO_SIGNAL_STACK) {
            leave(&[b"a new thread's signal stack could not be allocated"]);
        }
        earlier(info);
    }));
}

/// Writes the message (no allocation: the bytes are put together on the stack) and exits.
fn leave(what: &[&[u8]]) -> ! {
    if LEAVING.swap(true, Ordering::SeqCst) {
        loop {
            // SAFETY: `pause` only waits; the first thread's `_exit` ends the process.
            unsafe { libc::pause() };
        }
    }
    let mut line = [0u8; 320];
    let mut length = 0;
    let mut put = |bytes: &[u8]| {
        let end = (length + bytes.len()).min(line.len());
        line[length..end].copy_from_slice(&bytes[..end - length]);
        length = end;
    };
    put(b"error: out of memory (");
    for part in what {
        put(part);
    }
    put(b"); a lower --memory or --threads may fit, or a higher limit (ulimit -v)");
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

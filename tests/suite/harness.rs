//! The test helpers cannot let a broken run pass: a death by signal fails the test, and the
//! query helper fails on a query that errs (so "finds nothing" never hides "failed").

use crate::common;

use std::os::unix::process::ExitStatusExt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitStatus;

use common::{exit_code, Workspace};

#[test]
fn a_death_by_signal_fails_the_test() {
    assert_eq!(exit_code(ExitStatus::from_raw(2 << 8), &["query"], b""), 2);
    // SIGABRT (6), as an abort or a failed allocation ends a process.
    let killed = catch_unwind(|| exit_code(ExitStatus::from_raw(6), &["query"], b""));
    assert!(killed.is_err(), "a signal passed as an exit code");
}

#[test]
fn the_query_helper_fails_on_a_query_that_errs() {
    let workspace = Workspace::with_fixtures(&["handmade"]);
    workspace.ingest();
    assert_eq!(workspace.query("春耕").code, 0);
    assert_eq!(workspace.query("zzzqqq").code, 1);
    let failed = catch_unwind(AssertUnwindSafe(|| workspace.query("\"unclosed")));
    assert!(
        failed.is_err(),
        "an erring query passed for one without hits"
    );
}

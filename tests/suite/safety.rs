//! Nothing lost, nothing leaked: rebuilds, pruning, damage, the index path, read-only
//! indexes, and what posts may reach (the terminal, files outside the corpus). Each test
//! runs the real binary on a case that lost data, leaked or crashed before it was fixed.

use crate::common;

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{documents, is_root, sousuo_with_permissions, write_posts, Workspace};

/// Flips `count` bytes of `path` from `offset` on.
fn flip_bytes(path: &std::path::Path, offset: usize, count: usize) {
    let mut bytes = fs::read(path).unwrap();
    for byte in &mut bytes[offset..offset + count] {
        *byte ^= 0xff;
    }
    fs::write(path, bytes).unwrap();
}

/// The largest index file whose name ends in `extension`.
fn largest_file(dir: &std::path::Path, extension: &str) -> std::path::PathBuf {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .max_by_key(|p| fs::metadata(p).unwrap().len())
        .unwrap()
}

#[test]
fn a_rebuild_keeps_the_old_index_until_the_new_one_is_complete() {
    let workspace = Workspace::with_fixtures(&[]);
    write_posts(workspace.path(), 3000);
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(documents(&workspace), 3000);
    // The rebuild sees fewer posts: killed half-way, the old index must be whole.
    for post in 1000..3000 {
        fs::remove_file(workspace.posts().join(format!("gen/post-{post:05}.md"))).unwrap();
    }
    let mut child = workspace.spawn(
        &[
            "ingest",
            "posts",
            "--rebuild",
            "--commit-every",
            "100",
            "--threads",
            "1",
        ],
        Stdio::null,
    );
    // Wait until the new index is being written beside the old one.
    let started = Instant::now();
    let staging = loop {
        let found = fs::read_dir(workspace.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .find(|name| name.starts_with("..sousuo.creating-"));
        if let Some(name) = found {
            break name;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the rebuild ended too soon"
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no staging folder"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    // Queries during the rebuild see the old index.
    let during = workspace.run(&["query", "新闻", "--limit", "0"]);
    assert_eq!(during.code, 0, "{during:?}");
    assert!(during.stderr.contains("3,000 matching"), "{during:?}");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(documents(&workspace), 3000, "the old index is whole");
    // The next run clears what the killed one left, and rebuilds.
    let run = workspace.run(&["ingest", "posts", "--rebuild", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        !workspace.path().join(&staging).exists(),
        "{staging} left behind"
    );
    assert_eq!(documents(&workspace), 1000);
}

#[test]
fn prune_removes_only_what_this_run_proved_gone() {
    let workspace = Workspace::with_fixtures(&["handmade"]);
    fs::create_dir_all(workspace.path().join("newposts")).unwrap();
    fs::write(
        workspace.path().join("newposts/新.md"),
        "---\ntitle: 新文章\n---\n新的正文\n",
    )
    .unwrap();
    workspace.ingest();
    let run = workspace.run(&["ingest", "newposts"]);
    assert_eq!(run.code, 0, "{run:?}");
    let before = documents(&workspace);
    // Pruning one root never touches the articles of another.
    let run = workspace.run(&["ingest", "newposts", "--prune", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(documents(&workspace), before);
    // A file given alone prunes at most itself, never its neighbours.
    let lone = "posts/handmade/春耕贷款.md";
    let run = workspace.run(&["ingest", lone, "--prune"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(documents(&workspace), before);
    // A root that could not be walked whole prunes nothing, and says so.
    fs::remove_file(workspace.posts().join("handmade/人大会议.md")).unwrap();
    symlink("..", workspace.posts().join("handmade/loop")).unwrap();
    let run = workspace.run(&["ingest", "posts", "--prune"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("not walked completely"), "{run:?}");
    assert_eq!(documents(&workspace), before);
    // A dry run predicts what the real run removes.
    fs::remove_file(workspace.posts().join("handmade/loop")).unwrap();
    let dry = workspace.run(&["ingest", "posts", "--prune", "--dry-run", "--json"]);
    let predicted: serde_json::Value = serde_json::from_str(dry.stdout.trim()).unwrap();
    assert_eq!(predicted["removed"], 1, "{dry:?}");
    assert!(predicted["unchanged"].as_u64().unwrap() > 0, "{dry:?}");
    assert_eq!(documents(&workspace), before, "a dry run writes nothing");
    let run = workspace.run(&["ingest", "posts", "--prune", "--json"]);
    let done: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(done["removed"], predicted["removed"]);
    assert_eq!(documents(&workspace), before - 1);
}

#[test]
fn a_damaged_index_is_reported_repaired_and_restored() {
    let workspace = Workspace::with_fixtures(&["handmade", "real"]);
    workspace.ingest();
    let total = documents(&workspace);
    let sound = workspace.run(&["check"]);
    assert_eq!(sound.code, 0, "{sound:?}");
    assert!(sound.stdout.contains("the index is sound"), "{sound:?}");
    let fast = largest_file(&workspace.path().join(".sousuo"), "fast");
    flip_bytes(&fast, 100, 32);
    let damaged = workspace.run(&["check", "--json"]);
    assert_eq!(damaged.code, 1, "{damaged:?}");
    let report: serde_json::Value = serde_json::from_str(damaged.stdout.trim()).unwrap();
    let name = fast.file_name().unwrap().to_string_lossy().into_owned();
    let said = format!("{name}: its content does not match its checksum");
    assert_eq!(report["damaged_files"], serde_json::json!([said]));
    // Ingest writes nothing onto a damaged index.
    workspace
        .run(&["ingest", "posts"])
        .assert_error(2, &format!("{name} does not match its checksum"));
    let repaired = workspace.run(&["check", "--repair"]);
    assert_eq!(repaired.code, 0, "{repaired:?}");
    assert!(
        repaired.stdout.contains("dropped 1 damaged segments"),
        "{repaired:?}"
    );
    assert_eq!(workspace.run(&["check"]).code, 0);
    let (run, summary) = workspace.ingest();
    assert!(run.code <= 1, "{run:?}");
    assert!(summary["added"].as_u64().unwrap() > 0, "{summary}");
    assert_eq!(documents(&workspace), total);
    let ids = workspace
        .run(&["query", "的", "--json", "--limit", "1000"])
        .hit_ids();
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), unique.len(), "no duplicate ids");
    // Damaged stored documents: one line that says so, never a crash.
    let store = largest_file(&workspace.path().join(".sousuo"), "store");
    let middle = fs::metadata(&store).unwrap().len() as usize / 2;
    flip_bytes(&store, middle, 64);
    let export = workspace.run(&["export"]);
    assert_eq!(export.code, 2, "{export:?}");
    assert_eq!(export.stderr.lines().count(), 1, "{export:?}");
    assert!(export.stderr.contains("damaged"), "{export:?}");
    let check = workspace.run(&["check"]);
    assert_eq!(check.code, 1, "{check:?}");
}

/// A workspace of 600 posts ingested in three commits (three segments), and its count.
fn segmented() -> (Workspace, u64) {
    let workspace = Workspace::with_fixtures(&[]);
    write_posts(workspace.path(), 600);
    let run = workspace.run(&["ingest", "posts", "--commit-every", "200", "--no-merge"]);
    assert_eq!(run.code, 0, "{run:?}");
    let total = documents(&workspace);
    (workspace, total)
}

/// `check` finds the damage (exit 1), `--repair` drops it, `check` is sound again, and an
/// ingest restores every article.
fn repaired_and_restored(workspace: &Workspace, total: u64, damage: &str) {
    let check = workspace.run(&["check"]);
    assert_eq!(check.code, 1, "{check:?}");
    assert!(check.stdout.contains(damage), "{check:?}");
    let repair = workspace.run(&["check", "--repair"]);
    assert_eq!(repair.code, 0, "{repair:?}");
    assert!(repair.stdout.contains("repaired:"), "{repair:?}");
    let check = workspace.run(&["check"]);
    assert!(check.stdout.contains("the index is sound"), "{check:?}");
    assert_eq!(workspace.run(&["ingest", "posts"]).code, 0);
    assert_eq!(documents(workspace), total);
}

#[test]
fn a_cut_or_missing_segment_file_is_named_and_repair_drops_only_its_segment() {
    let (workspace, total) = segmented();
    let index = workspace.path().join(".sousuo");
    let store = largest_file(&index, "store");
    let cut = fs::File::options().write(true).open(&store).unwrap();
    cut.set_len(100).unwrap();
    let term = largest_file(&index, "term");
    fs::remove_file(&term).unwrap();
    // Queries say what is wrong and what to run, on one line.
    let query = workspace.run(&["query", "算力"]);
    assert_eq!(query.code, 2, "{query:?}");
    assert_eq!(query.stderr.lines().count(), 1, "{query:?}");
    assert!(query.stderr.contains("check --repair"), "{query:?}");
    let name = |path: &std::path::Path| path.file_name().unwrap().to_string_lossy().into_owned();
    let check = workspace.run(&["check"]);
    assert!(
        check
            .stdout
            .contains(&format!("{}: cut short", name(&store))),
        "{check:?}"
    );
    repaired_and_restored(&workspace, total, &format!("{}: missing", name(&term)));
}

#[test]
fn a_meta_json_with_a_wrong_count_or_a_dropped_segment_is_damage() {
    let (workspace, total) = segmented();
    let meta_path = workspace.path().join(".sousuo/meta.json");
    let original = fs::read_to_string(&meta_path).unwrap();
    let mut meta: serde_json::Value = serde_json::from_str(&original).unwrap();
    meta["segments"][0]["max_doc"] = 5000.into();
    assert!(meta["segments"].as_array().unwrap().len() >= 2, "{meta}");
    fs::write(&meta_path, meta.to_string()).unwrap();
    let stats = workspace.run(&["stats"]);
    assert_eq!(stats.code, 2, "an error, never a panic: {stats:?}");
    assert!(stats.stderr.contains("holds 5000 documents"), "{stats:?}");
    repaired_and_restored(&workspace, total, "meta.json says 5000 documents");
    // A segment no longer listed: its articles are gone from every search.
    let original = fs::read_to_string(&meta_path).unwrap();
    let mut meta: serde_json::Value = serde_json::from_str(&original).unwrap();
    meta["segments"].as_array_mut().unwrap().remove(0);
    fs::write(&meta_path, meta.to_string()).unwrap();
    assert!(documents(&workspace) < total);
    repaired_and_restored(&workspace, total, "stray:");
}

#[test]
fn changed_field_norms_are_warned_of_when_searching() {
    let (workspace, _) = segmented();
    let norms = largest_file(&workspace.path().join(".sousuo"), "fieldnorm");
    flip_bytes(&norms, 10, 16);
    let query = workspace.run(&["query", "算力"]);
    assert_eq!(query.code, 0, "{query:?}");
    assert!(
        query.stderr.contains("does not match its checksum") && query.stderr.contains("rankings"),
        "{query:?}"
    );
}

#[test]
fn an_edited_or_lost_record_is_damage_and_rebuild_recovers() {
    let workspace = Workspace::with_fixtures(&["handmade"]);
    workspace.ingest();
    let record = workspace.path().join(".sousuo/sousuo-index.json");
    let original = fs::read_to_string(&record).unwrap();
    fs::write(
        &record,
        original.replace("\"boost\": 2.0", "\"boost\": 3.0"),
    )
    .unwrap();
    let run = workspace.run(&["query", "春耕"]);
    run.assert_error(2, "sousuo-index.json was changed after the index was built");
    fs::write(
        &record,
        original.replace("\"boost\": 2.0", "\"boost\": 1e39"),
    )
    .unwrap();
    workspace
        .run(&["query", "春耕"])
        .assert_error(2, "boost must be a positive number");
    fs::remove_file(&record).unwrap();
    workspace
        .run(&["query", "春耕"])
        .assert_error(2, "its record sousuo-index.json is missing");
    workspace
        .run(&["ingest", "posts"])
        .assert_error(2, "--rebuild");
    let run = workspace.run(&["ingest", "posts", "--rebuild"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(workspace.query("春耕").code, 0);
}

#[test]
fn the_index_path_is_never_a_file_and_a_linked_folder_stays_linked() {
    let workspace = Workspace::with_fixtures(&["handmade"]);
    fs::write(workspace.path().join("notes.txt"), "mine").unwrap();
    let run = workspace.run(&["ingest", "posts", "--index", "notes.txt"]);
    run.assert_error(2, "names a file, not a folder");
    assert_eq!(
        fs::read_to_string(workspace.path().join("notes.txt")).unwrap(),
        "mine"
    );
    fs::create_dir(workspace.path().join("real-index")).unwrap();
    symlink("real-index", workspace.path().join("linked")).unwrap();
    for args in [&["--json"][..], &["--rebuild", "--json"][..]] {
        let mut all = vec!["ingest", "posts", "--index", "linked"];
        all.extend_from_slice(args);
        let run = workspace.run(&all);
        assert_eq!(run.code, 0, "{run:?}");
        let link = fs::symlink_metadata(workspace.path().join("linked")).unwrap();
        assert!(link.file_type().is_symlink(), "the link is still a link");
        assert!(workspace
            .path()
            .join("real-index/sousuo-index.json")
            .is_file());
    }
}

#[test]
fn a_read_only_index_answers_every_reading_command() {
    let workspace = Workspace::with_fixtures(&["handmade"]);
    workspace.ingest();
    assert_eq!(workspace.run(&["saved", "add", "spring", "春耕"]).code, 0);
    let index = workspace.path().join(".sousuo");
    let mut paths = vec![index.clone()];
    paths.extend(fs::read_dir(&index).unwrap().map(|e| e.unwrap().path()));
    for path in &paths {
        let mode = if path.is_dir() { 0o555 } else { 0o444 };
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }
    fs::set_permissions(workspace.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let id = "handmade/春耕贷款.md";
    // Each answers as it would for the owner: what it must print.
    for (args, printed) in [
        (&["query", "春耕", "--json"][..], id),
        (&["stats", "--json"], "\"documents\":4"),
        (&["get", id, "--json"], id),
        (&["similar", id, "--json"], "\"duplicates\""),
        (&["export"], id),
        (&["saved", "list"], ""),
    ] {
        let output = sousuo_with_permissions()
            .args(args)
            .args(["--index", index.to_str().unwrap()])
            .current_dir(workspace.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.code().is_some_and(|c| c <= 1),
            "{args:?}: {stderr}"
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains(printed), "{args:?}: {stdout} {stderr}");
        if args[0] != "saved" {
            assert!(!stdout.is_empty(), "{args:?}: {stderr}");
        }
        assert!(!stderr.contains("Lockfile"), "{args:?}: {stderr}");
    }
    for path in &paths {
        fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// Whether this run may mount file systems (CI runs as root; elsewhere the test is skipped).
fn may_mount() -> bool {
    if !is_root() {
        assert!(std::env::var_os("CI").is_none(), "CI runs as root");
        eprintln!("skipped: mounting a small file system needs root");
        return false;
    }
    true
}

/// A tmpfs of `kilobytes` mounted at the workspace's `small` folder.
fn small_disk(workspace: &Workspace, kilobytes: u64) -> std::path::PathBuf {
    let small = workspace.path().join("small");
    fs::create_dir(&small).unwrap();
    let size = format!("size={kilobytes}k");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &size, "tmpfs"])
        .arg(&small)
        .status()
        .unwrap();
    assert!(mounted.success(), "mount a tmpfs");
    small
}

#[test]
fn a_full_disk_fails_once_with_its_cause_and_leaves_nothing_behind() {
    if !may_mount() {
        return;
    }
    let workspace = Workspace::with_fixtures(&[]);
    write_posts(workspace.path(), 2000);
    let small = small_disk(&workspace, 256);
    let index = small.join("idx");
    let index = index.to_str().unwrap();
    let run = workspace.run(&["ingest", "posts", "--index", index, "--threads", "1"]);
    let unmount = || {
        let _ = Command::new("umount").arg(&small).status();
    };
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error"))
        .collect();
    let used: u64 = fs::read_dir(&small)
        .unwrap()
        .flat_map(|e| fs::read_dir(e.unwrap().path()).unwrap())
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    unmount();
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(errors.len(), 1, "one error: {errors:?}");
    assert!(errors[0].contains("No space left on device"), "{errors:?}");
    assert!(
        used < 64 * 1024,
        "uncommitted files removed ({used} bytes left)"
    );
}

#[test]
fn running_out_of_memory_is_one_clear_line_and_exit_2() {
    // A 60 MB post (under the 64 MB limit) in 400 MB of address space: its text cannot be
    // held. The process says so and leaves, no abort, no backtrace.
    let workspace = Workspace::with_fixtures(&[]);
    fs::create_dir_all(workspace.posts()).unwrap();
    let body = "中国经济发展稳中向好，市场需求逐步恢复。".repeat(1_000_000);
    fs::write(
        workspace.posts().join("huge.md"),
        format!("---\ntitle: big\n---\n{body}"),
    )
    .unwrap();
    let output = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 400000 && exec \"$0\" ingest posts --quiet")
        .arg(env!("CARGO_BIN_EXE_sousuo"))
        .current_dir(workspace.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("error: out of memory ("), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
}

#[test]
fn a_memory_limit_is_an_error_never_a_panic() {
    // Near 300 MB a thread often starts but cannot get its signal stack (std aborts
    // there unless sousuo leaves first); the others run out in the allocator or not at all.
    for limit_kb in [280_000, 300_000, 320_000, 500_000, 600_000] {
        // A fresh folder per limit: an index left by an earlier limit would
        // make "this run committed nothing" unanswerable.
        let workspace = Workspace::with_fixtures(&["handmade"]);
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -v {limit_kb} && exec \"$0\" ingest posts --json"
            ))
            .arg(env!("CARGO_BIN_EXE_sousuo"))
            .current_dir(workspace.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let code = output.status.code().expect("not killed by a signal");
        assert!(code <= 2, "limit {limit_kb} kB: {code}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("memory allocation of"),
            "limit {limit_kb} kB: {stderr}"
        );
        if code == 2 {
            // Exit 2 means this run committed nothing.
            let stats = workspace.run(&["stats", "--json"]);
            assert!(
                stats.code == 2 || documents(&workspace) == 0,
                "limit {limit_kb} kB: exit 2 after a commit: {stats:?}"
            );
        } else {
            assert!(documents(&workspace) > 0);
        }
    }
}

#[test]
fn ingest_needs_write_access_to_the_index_folder_only() {
    use std::os::unix::fs::PermissionsExt;
    if !is_root() {
        // Making a folder another user's takes root; as another user the test has
        // nothing to show.
        return;
    }
    let workspace = Workspace::with_fixtures(&["handmade"]);
    workspace.ingest();
    let index = workspace.path().join(".sousuo");
    // The index folder and its files belong to `nobody`; the folder above it does not and
    // cannot be written by it (the lock is taken inside the index folder).
    let status = Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(&index)
        .status()
        .unwrap();
    assert!(status.success());
    fs::set_permissions(workspace.path(), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(
        workspace.posts().join("handmade/新.md"),
        "---\ntitle: 新文章\n---\n只读目录下的新文章。\n",
    )
    .unwrap();
    let output = sousuo_with_permissions()
        .args(["ingest", "posts", "--index"])
        .arg(&index)
        .current_dir(workspace.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(workspace.query("只读目录").hit_ids(), ["handmade/新.md"]);
}

#[test]
fn an_index_built_by_one_user_is_queried_and_checked_by_another() {
    use std::os::unix::fs::PermissionsExt;
    if !is_root() {
        // Another user takes root to be; as one user the modes have nothing to show.
        return;
    }
    let workspace = Workspace::with_fixtures(&["handmade"]);
    // A cron job's ingest, then a change committed by a second ingest (a merge rewrites
    // tantivy's list files too).
    workspace.ingest();
    fs::write(
        workspace.posts().join("handmade/新.md"),
        "---\ntitle: 新文章\n---\n第二次写入的新文章。\n",
    )
    .unwrap();
    workspace.ingest();
    fs::set_permissions(workspace.path(), fs::Permissions::from_mode(0o755)).unwrap();
    for args in [&["query", "新文章", "--ids"][..], &["stats"], &["check"]] {
        let output = sousuo_with_permissions()
            .args(args)
            .current_dir(workspace.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        if args[0] == "query" {
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert_eq!(stdout.trim(), "handmade/新.md");
        }
    }
}

/// A disk with room for the index but not for a merged copy of it: the merge fails with its
/// cause, the commit stands (every article searchable), and the failed merge's files are
/// removed.
#[test]
fn a_full_disk_during_the_merge_keeps_the_commit_and_frees_the_space() {
    if !may_mount() {
        return;
    }
    let workspace = Workspace::with_fixtures(&[]);
    write_posts(workspace.path(), 1500);
    let unmerged = workspace.run(&["ingest", "posts", "--threads", "2", "--no-merge"]);
    assert_eq!(unmerged.code, 0, "{unmerged:?}");
    let size = |dir: &std::path::Path| -> u64 {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum()
    };
    let index_bytes = size(&workspace.path().join(".sousuo"));
    let small = small_disk(&workspace, index_bytes * 3 / 2 / 1024);
    let index = small.join("idx");
    let run = workspace.run(&["ingest", "posts", "--index", index.to_str().unwrap()]);
    let used = size(&index);
    let found = workspace.run(&["query", "新闻", "-c", "--index", index.to_str().unwrap()]);
    let _ = Command::new("umount").arg(&small).status();
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("merging segments") && run.stderr.contains("No space left"),
        "{run:?}"
    );
    assert_eq!(found.stdout.trim(), "1500", "{found:?}");
    assert!(
        used < index_bytes * 5 / 4,
        "{used} bytes used, {index_bytes} unmerged"
    );
}

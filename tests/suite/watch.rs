//! `ingest --watch` against the real binary: new, changed, renamed and deleted posts show
//! within 2 s; a file being written is not read half-way; a burst of 10,000 files is taken
//! whole; Ctrl-C stops it with everything committed.

use crate::common;

use std::fs;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::watching::{count, eventually, post, start, until_count, Watching};
use common::Workspace;

/// A workspace with one post `a.md`, ingested and watched.
fn watched(title: &str, body: &str) -> (Workspace, Watching) {
    let workspace = Workspace::with_fixtures(&[]);
    fs::create_dir_all(workspace.posts()).unwrap();
    fs::write(workspace.posts().join("a.md"), post(title, body)).unwrap();
    let watching = start(&workspace);
    (workspace, watching)
}

#[test]
fn new_changed_renamed_and_deleted_posts_follow() {
    let (workspace, _watching) = watched("暴雨来袭", "南方暴雨。");
    let posts = workspace.posts();
    fs::write(posts.join("b.md"), post("台风登陆", "台风杜苏芮登陆福建。")).unwrap();
    until_count(&workspace, "台风", "1");
    fs::write(posts.join("b.md"), post("台风过境", "台风杜苏芮减弱。")).unwrap();
    until_count(&workspace, "减弱", "1");
    fs::rename(posts.join("b.md"), posts.join("c.md")).unwrap();
    eventually(|| {
        let listed = workspace.run(&["query", "-l", "台风"]).stdout;
        // Moved, never duplicated: b.md alone, then c.md alone.
        assert!(listed.lines().count() <= 1, "{listed}");
        (listed.trim() == "posts/c.md").then_some(()).ok_or(listed)
    });
    fs::remove_file(posts.join("a.md")).unwrap();
    until_count(&workspace, "暴雨", "0");
}

#[test]
fn a_file_being_written_is_read_once_it_is_whole() {
    let (workspace, _watching) = watched("开始", "开始。");
    let posts = workspace.posts();
    let mut file = fs::File::create(posts.join("slow.md")).unwrap();
    file.write_all(post("慢慢写", "第一段。").as_bytes())
        .unwrap();
    // The writer keeps its pace of a write every 100 ms on its own thread: the queries
    // below (processes of their own) must not stretch the pauses between writes. On a
    // machine so loaded that a pause still reaches the watcher's 250 ms of quiet, the file
    // has looked whole and may be read: from then on nothing can be asserted.
    let paused_long = Arc::new(AtomicBool::new(false));
    let paused = Arc::clone(&paused_long);
    let writer = std::thread::spawn(move || {
        let mut last = Instant::now();
        for _ in 0..12 {
            std::thread::sleep(Duration::from_millis(100));
            if last.elapsed() >= Duration::from_millis(200) {
                paused.store(true, Ordering::SeqCst);
            }
            file.write_all("续写的内容。".as_bytes()).unwrap();
            file.flush().unwrap();
            last = Instant::now();
        }
        file
    });
    let mut checked = 0;
    loop {
        let seen = count(&workspace, "慢慢写");
        if writer.is_finished() || paused_long.load(Ordering::SeqCst) {
            // This answer may come from after the last write (or a long pause).
            break;
        }
        assert_eq!(seen, "0", "read while still being written");
        checked += 1;
    }
    assert!(
        checked > 0 || paused_long.load(Ordering::SeqCst),
        "the file was never checked while being written"
    );
    let mut file = writer.join().unwrap();
    file.write_all("最后一段。\n".as_bytes()).unwrap();
    drop(file);
    until_count(&workspace, "最后一段", "1");
}

#[test]
fn a_burst_of_ten_thousand_files_is_taken_whole_and_ctrl_c_stops_cleanly() {
    let (workspace, watching) = watched("开始", "开始。");
    let posts = workspace.posts();
    fs::create_dir_all(posts.join("burst")).unwrap();
    for i in 0..10_000 {
        let text = post(&format!("快讯{i}"), &format!("第{i}条快讯，编号 n{i}。"));
        fs::write(posts.join("burst").join(format!("{i}.md")), text).unwrap();
    }
    let started = Instant::now();
    loop {
        let stats = workspace.run(&["stats", "--json"]);
        let documents = serde_json::from_str::<serde_json::Value>(&stats.stdout)
            .map(|v| v["documents"].as_u64().unwrap_or(0))
            .unwrap_or(0);
        if documents == 10_001 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{documents} after 120 s"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(count(&workspace, "+9999"), "1");
    // Bounded memory: the watcher's peak resident size stays far from the burst's size.
    let pid = watching.0.id();
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let peak_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap();
    assert!(peak_kb < 600 * 1024, "peak {peak_kb} kB");
    // Ctrl-C: stops, says so, exits 0.
    let mut watching = watching;
    unsafe { libc::kill(pid as i32, libc::SIGINT) };
    let started = Instant::now();
    let status = loop {
        if let Some(status) = watching.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still running after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "{status}");
}

#[test]
fn folders_moved_in_renamed_and_deleted_are_followed_and_ignored_ones_are_not() {
    let (workspace, _watching) = watched("暴雨来袭", "南方暴雨。");
    let posts = workspace.posts();
    // A folder of posts made outside and moved in at once.
    let outside = workspace.path().join("incoming");
    fs::create_dir_all(outside.join("deep")).unwrap();
    fs::write(outside.join("b.md"), post("地震一", "山东地震。")).unwrap();
    fs::write(outside.join("deep/c.md"), post("地震二", "四川地震。")).unwrap();
    fs::rename(&outside, posts.join("moved")).unwrap();
    until_count(&workspace, "地震", "2");
    // Renamed: the same two articles under their new ids, never four.
    fs::rename(posts.join("moved"), posts.join("renamed")).unwrap();
    eventually(|| {
        let ids = workspace.run(&["query", "地震", "--ids"]).stdout;
        let mut ids: Vec<&str> = ids.lines().collect();
        ids.sort();
        (ids == ["renamed/b.md", "renamed/deep/c.md"])
            .then_some(())
            .ok_or(format!("{ids:?}"))
    });
    // A post in a hidden folder and one a .sousuoignore names stay out.
    fs::create_dir_all(posts.join(".drafts")).unwrap();
    fs::write(posts.join(".drafts/d.md"), post("地震草稿", "地震。")).unwrap();
    fs::write(posts.join(".sousuoignore"), "skip.md\n").unwrap();
    fs::write(posts.join("renamed/skip.md"), post("地震忽略", "地震。")).unwrap();
    fs::write(posts.join("e.md"), post("台风", "台风登陆。")).unwrap();
    until_count(&workspace, "台风", "1");
    assert_eq!(count(&workspace, "地震"), "2");
    // Deleted: the folder's articles go.
    fs::remove_dir_all(posts.join("renamed")).unwrap();
    until_count(&workspace, "地震", "0");
    assert_eq!(count(&workspace, "暴雨"), "1", "the rest stays");
}

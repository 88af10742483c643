//! A watch through ordinary days: a cron ingest holding the index, the folder deleted and
//! swapped by rename, a git repository and a bot's log changing all the time, and the index
//! kept inside the folder it watches. None of them stops `serve --watch` or starves a change.

use crate::common;

use std::fs;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use common::server::Server;
use common::watching::{count, eventually, eventually_within, post, start};
use common::Workspace;

/// A workspace with one post, `posts/a.md`, not yet ingested.
fn with_one_post() -> Workspace {
    let workspace = Workspace::with_fixtures(&[]);
    fs::create_dir_all(workspace.posts()).unwrap();
    fs::write(
        workspace.posts().join("a.md"),
        post("暴雨来袭", "南方暴雨。"),
    )
    .unwrap();
    workspace
}

/// A workspace with one post, served with `--watch posts` (the first ingest done).
fn served() -> (Workspace, Server) {
    let workspace = with_one_post();
    let server = Server::start(&workspace, &["--watch", "posts"]);
    server.wait_until_built();
    (workspace, server)
}

fn healthy(server: &Server) -> bool {
    server.get("/healthz").status == 200
}

#[test]
fn a_cron_ingest_holding_the_index_delays_serve_watch_and_never_stops_it() {
    let (workspace, server) = served();
    // Another process (this test, which runs) holds the index's ingest lock, as a cron
    // `sousuo ingest` does while it runs.
    let lock_path = workspace.path().join(".sousuo/ingest.lock");
    let lock = fs::File::create(&lock_path).unwrap();
    lock.lock().unwrap();
    fs::write(&lock_path, std::process::id().to_string()).unwrap();
    fs::write(workspace.posts().join("b.md"), post("台风登陆", "台风。")).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    assert!(healthy(&server), "the server lives while the index is held");
    assert_eq!(
        server.search(&[("q", "台风")]).json()["summary"]["total"],
        0
    );
    drop(lock);
    // Tried again within the growing pause (1, 2, 4 s …).
    eventually_within(Duration::from_secs(15), || {
        let total = server.search(&[("q", "台风")]).json()["summary"]["total"].clone();
        (total == 1).then_some(()).ok_or(format!("{total}"))
    });
}

#[test]
fn a_watched_folder_deleted_then_replaced_by_rename_is_followed_again() {
    let (workspace, server) = served();
    let posts = workspace.posts();
    let old = workspace.path().join("posts.old");
    fs::rename(&posts, &old).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        healthy(&server),
        "the server lives while the folder is gone"
    );
    // Nothing was removed because its folder was missing for a moment.
    assert_eq!(
        server.search(&[("q", "暴雨")]).json()["summary"]["total"],
        1
    );
    // A deploy swaps a new folder in by rename: its posts show, and later changes in it.
    let new = workspace.path().join("posts.new");
    fs::create_dir_all(&new).unwrap();
    fs::write(new.join("a.md"), post("暴雨来袭", "南方暴雨。")).unwrap();
    fs::write(new.join("b.md"), post("台风登陆", "台风。")).unwrap();
    fs::rename(&new, &posts).unwrap();
    eventually(|| {
        let total = server.search(&[("q", "台风")]).json()["summary"]["total"].clone();
        (total == 1).then_some(()).ok_or(format!("{total}"))
    });
    fs::write(posts.join("c.md"), post("地震", "地震。")).unwrap();
    // A change in the new folder is followed.
    eventually(|| {
        let total = server.search(&[("q", "地震")]).json()["summary"]["total"].clone();
        (total == 1).then_some(()).ok_or(format!("{total}"))
    });
}

#[test]
fn writes_that_never_stop_do_not_hold_back_a_change() {
    let workspace = Workspace::with_fixtures(&[]);
    let posts = workspace.posts();
    fs::create_dir_all(posts.join(".git")).unwrap();
    fs::write(posts.join("a.md"), post("暴雨来袭", "南方暴雨。")).unwrap();
    let _watching = start(&workspace);
    // A git repository and a bot's log written every 100 ms, and one post rewritten as
    // often: events never stop.
    let stop = Arc::new(AtomicBool::new(false));
    let churn = {
        let stop = Arc::clone(&stop);
        let posts = posts.clone();
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                fs::write(posts.join(".git/index.lock"), i.to_string()).unwrap();
                fs::write(posts.join("bot.log"), format!("line {i}\n")).unwrap();
                fs::write(
                    posts.join("busy.md"),
                    post("滚动", &format!("第{i}次更新。")),
                )
                .unwrap();
                i += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    std::thread::sleep(Duration::from_secs(1));
    fs::write(posts.join("b.md"), post("台风登陆", "台风。")).unwrap();
    // At most 10 s after it was written, however busy the folder is.
    let took = eventually_within(Duration::from_secs(20), || {
        let counted = count(&workspace, "台风");
        (counted == "1").then_some(()).ok_or(counted)
    });
    stop.store(true, Ordering::Relaxed);
    churn.join().unwrap();
    assert!(took < Duration::from_secs(14), "after {took:?}");
}

#[test]
fn an_index_inside_the_watched_folder_is_committed_only_when_posts_change() {
    let workspace = with_one_post();
    let posts = workspace.posts();
    // `cd posts && sousuo ingest . --watch`: the index is posts/.sousuo.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sousuo"))
        .args(["ingest", ".", "--watch", "--quiet"])
        .current_dir(&posts)
        .env_remove("SOUSUO_INDEX")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let meta = posts.join(".sousuo/meta.json");
    let modified = || -> Option<SystemTime> { fs::metadata(&meta).ok()?.modified().ok() };
    let started = Instant::now();
    while modified().is_none() {
        assert!(started.elapsed() < Duration::from_secs(30), "no index");
        std::thread::sleep(Duration::from_millis(100));
    }
    // The first round after the watches are set; then quiet.
    std::thread::sleep(Duration::from_secs(2));
    let settled = modified();
    std::thread::sleep(Duration::from_secs(4));
    let after = modified();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(settled, after, "committed with no post changed");
    // The posts are all there, once.
    let run = workspace.run(&["query", "--index", "posts/.sousuo", "-c", "暴雨"]);
    assert_eq!(run.stdout.trim(), "1", "{run:?}");
}

#[test]
fn a_post_written_in_two_halves_is_indexed_whole_without_an_error_for_its_half() {
    let workspace = with_one_post();
    let posts = workspace.posts();
    let log = workspace.path().join("watch.log");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sousuo"))
        .args(["ingest", "posts", "--watch"])
        .current_dir(workspace.path())
        .env_remove("SOUSUO_INDEX")
        .stdout(std::process::Stdio::null())
        .stderr(fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    eventually_within(Duration::from_secs(30), || {
        let text = fs::read_to_string(&log).unwrap_or_default();
        text.contains("watching for changes")
            .then_some(())
            .ok_or(text)
    });
    // The first half ends inside a character (as a bot's buffered write may).
    let whole = post("台风登陆", "台风杜苏芮登陆福建，带来强降雨。");
    let bytes = whole.as_bytes();
    let cut = whole.find("福建").unwrap() + 1;
    fs::write(posts.join("b.md"), &bytes[..cut]).unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let mut file = fs::OpenOptions::new()
        .append(true)
        .open(posts.join("b.md"))
        .unwrap();
    std::io::Write::write_all(&mut file, &bytes[cut..]).unwrap();
    drop(file);
    eventually_within(Duration::from_secs(15), || {
        let counted = count(&workspace, "强降雨");
        (counted == "1").then_some(()).ok_or(counted)
    });
    let _ = child.kill();
    let _ = child.wait();
    let said = fs::read_to_string(&log).unwrap();
    assert!(
        !said.contains("b.md"),
        "nothing said of the half-written file: {said}"
    );
}

#[test]
fn serve_watch_answers_from_the_index_there_while_it_catches_up() {
    let (workspace, server) = served();
    drop(server);
    // Many posts arrive while nothing watches; the next `serve --watch` serves the index
    // as it is at once and ingests them beside it.
    common::write_posts(workspace.path(), 3000);
    let server = Server::start(&workspace, &["--watch", "posts"]);
    let first = server.get("/healthz").json()["articles"].as_u64().unwrap();
    assert!(first < 3001, "served only after the ingest: {first}");
    eventually_within(Duration::from_secs(120), || {
        let now = server.get("/healthz").json()["articles"].clone();
        (now == 3001).then_some(()).ok_or(format!("{now}"))
    });
}

#[test]
fn serve_watch_on_folders_never_ingested_answers_at_once_with_the_build_progress() {
    let workspace = Workspace::with_fixtures(&[]);
    common::write_posts(workspace.path(), 3000);
    let server = Server::start(&workspace, &["--watch", "posts"]);
    // The server answers before the first round has committed anything.
    let first = server.get("/healthz").json();
    assert_eq!(first["status"], "building", "{first}");
    let search = server.search(&[("q", "经济")]);
    assert_eq!(search.status, 503, "{search:?}");
    let refused = search.json();
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .starts_with("the index is being built: "),
        "{refused}"
    );
    assert!(refused["building"]["read"].as_u64().unwrap() <= 3000);
    let page = server.get("/");
    assert_eq!(page.status, 200, "the page loads while building");
    let built = server.wait_until_built();
    assert_eq!(built["articles"], 3000, "{built}");
    assert_eq!(server.search(&[("q", "经济")]).status, 200);
}

/// A query that finds nothing while an ingest writes to the index (a cron one, here held by
/// this test as one does) says that what it reads is searchable from its next commit;
/// without one, just no hits.
#[test]
fn no_hits_while_an_ingest_writes_say_so() {
    let workspace = with_one_post();
    assert_eq!(workspace.ingest().0.code, 0);
    let lock_path = workspace.path().join(".sousuo/ingest.lock");
    let lock = fs::File::create(&lock_path).unwrap();
    lock.lock().unwrap();
    fs::write(&lock_path, std::process::id().to_string()).unwrap();
    let run = workspace.run(&["query", "台风"]);
    assert_eq!(run.code, 1, "{run:?}");
    let said = "no hits (an ingest is writing to this index";
    assert!(run.stderr.contains(said), "{run:?}");
    lock.unlock().unwrap();
    let run = workspace.run(&["query", "台风"]);
    assert_eq!((run.code, run.stderr.trim()), (1, "no hits"), "{run:?}");
}

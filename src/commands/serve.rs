//! `sousuo serve`, and with `--watch` the folders it follows into the index it serves.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sousuo::ingest::{IngestEvent, IngestOptions};
use sousuo::search::SearchSettings;
use sousuo::serve::{serve, Building, ServeEvent, ServeOptions};

use super::ingest::{follow, stop_on_ctrl_c, IngestDisplay};
use super::EXIT_OK;
use crate::cli::options::{index_dir, watch_options};
use crate::cli::warnings::WarningDetail;
use crate::cli::ServeArgs;

pub fn run(args: ServeArgs) -> anyhow::Result<u8> {
    if args.token.as_deref() == Some("") {
        anyhow::bail!("--token needs a value that is not empty");
    }
    let options = ServeOptions {
        index: index_dir(&args.index),
        listen: args.listen,
        token: args.token.clone(),
        allowed_hosts: args.allow_host.clone(),
        settings: SearchSettings::resolve(args.settings.synonyms.as_deref())?,
    };
    options.check_access(args.no_auth)?;
    // With --watch the server answers at once: from the index there already while the
    // watch's first round (a whole walk) catches up beside it, or, for folders never
    // ingested, with how far the first build has come until its first commit.
    let mut building = None;
    let following = if args.watch.is_empty() {
        None
    } else {
        let ingest = watch_options(&args)?;
        if let Err(sousuo::Error::NoIndex { .. }) = sousuo::index::SearchIndex::open(&options.index)
        {
            building = Some(Arc::new(Building::default()));
        }
        Some((ingest, stop_on_ctrl_c()?))
    };
    let stop_watch = following.as_ref().map(|(_, stop)| Arc::clone(stop));
    let shutdown = shutdown(stop_watch.clone());
    let watcher = following.map(|(ingest, stop)| start_watch(ingest, stop, building.clone()));
    let runtime = tokio::runtime::Runtime::new()?;
    let announce = announcer(args.token.clone(), args.open, args.no_auth);
    let served = runtime.block_on(serve(options, building, shutdown, announce));
    // A server that could not start (an index of another format, a port in use) ends the
    // watch too: the process reports why and exits instead of watching with no server.
    if let (Err(_), Some(stop)) = (&served, &stop_watch) {
        stop.store(true, Ordering::SeqCst);
    }
    if let Some(watcher) = watcher {
        match watcher.join() {
            Ok(followed) => {
                followed?;
            }
            Err(_) => anyhow::bail!("the folder watcher stopped unexpectedly"),
        }
    }
    served?;
    Ok(EXIT_OK)
}

/// Ends when Ctrl-C is pressed: with --watch the flag the ingest already listens to (`stop`),
/// else tokio's signal.
async fn shutdown(stop: Option<Arc<AtomicBool>>) {
    match stop {
        Some(stop) => {
            while !stop.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        None => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Follows the folders into the index on a thread of its own, telling `progress` (the
/// first build's, when there was no index) how far it has come.
fn start_watch(
    ingest: IngestOptions,
    stop: Arc<AtomicBool>,
    progress: Option<Arc<Building>>,
) -> std::thread::JoinHandle<anyhow::Result<u8>> {
    std::thread::spawn(move || {
        let mut display = IngestDisplay::new(true, WarningDetail::Examples(3));
        let on_event = &mut |event: &IngestEvent| {
            if let Some(progress) = &progress {
                progress.note(event);
            }
            display.show(event);
        };
        let committed = || {
            if let Some(progress) = &progress {
                progress.finish();
            }
        };
        let followed = follow(&ingest, &stop, on_event, &committed, (false, false));
        // A watch ends only when it cannot be set up (a failed round is retried): the
        // server stops with it.
        stop.store(true, Ordering::SeqCst);
        followed
    })
}

/// What the server's events print: where it listens (and opens the browser there with
/// `--open`), and the index it serves changing.
fn announcer(
    token: Option<String>,
    open: bool,
    no_auth: bool,
) -> impl Fn(ServeEvent) + Send + Sync + 'static {
    move |event| match event {
        ServeEvent::Listening(address) => {
            // The token is never printed (it may come from SOUSUO_TOKEN, and output lands
            // in service logs); the browser `--open` starts gets it.
            let url = format!("http://{address}/");
            let access = if token.is_some() {
                "every request needs the token: open the page as ?token=TOKEN"
            } else if no_auth {
                "no token: anyone who can connect can read the archive"
            } else {
                "only this machine can connect"
            };
            println!("sousuo serves {url} ({access}); Ctrl-C stops it");
            if open {
                let page = match &token {
                    Some(token) => {
                        let query =
                            serde_urlencoded::to_string([("token", token)]).unwrap_or_default();
                        format!("{url}?{query}")
                    }
                    None => url,
                };
                open_browser(&page);
            }
        }
        ServeEvent::Reloaded(articles) => {
            eprintln!("index changed: {articles} articles now")
        }
        ServeEvent::ReloadFailed(reason) => {
            eprintln!("warning: the index changed but could not be opened ({reason}); the previous one keeps answering")
        }
    }
}

/// Opens `url` in the desktop's browser; says so when there is none.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let started = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if started.is_err() {
        let shown = url.split('?').next().unwrap_or(url);
        eprintln!("warning: could not start {opener}; open {shown} yourself");
    }
}

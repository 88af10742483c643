//! `sousuo serve`: a search page and an HTTP API over one index, in one process.
//!
//! The page (`page/`: plain HTML, CSS and JavaScript, embedded in the binary) calls the
//! same API that scripts use ([`api`]). A watcher reopens the index within a fraction of a
//! second of an ingest's commit, or of a `--rebuild` swapping a new index in; until then the
//! open index keeps answering. Every response carries a Content-Security-Policy without
//! inline scripts; the page renders every text of a post as text, never as HTML.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::error::{Error, Result};
use crate::index::SearchIndex;
use crate::ingest::IngestEvent;
use crate::search::{ArticleSearcher, SearchSettings};

mod api;

/// How often the index folder is looked at for a new commit.
const WATCH_EVERY: Duration = Duration::from_millis(250);
/// A request that takes longer is answered 503.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// A client that has not sent its request's headers by then is disconnected.
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// Request bodies (the API takes none) are refused above this size.
const MAX_BODY_BYTES: usize = 16 * 1024;
/// Every response: scripts and styles only from this server, nothing inline, no frames.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// What `sousuo serve` was asked for.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The index folder.
    pub index: PathBuf,
    /// Where to listen.
    pub listen: SocketAddr,
    /// The token every API call and page load must carry (`None`: no token).
    pub token: Option<String>,
    /// Host names requests may name besides IP addresses and `localhost` (`--allow-host`).
    pub allowed_hosts: Vec<String>,
    /// How searches rank and widen (the same as `query` with the same flags).
    pub settings: SearchSettings,
}

impl ServeOptions {
    /// Refuses to listen beyond this machine without a token unless `no_auth` says so.
    pub fn check_access(&self, no_auth: bool) -> Result<()> {
        if self.listen.ip().is_loopback() || self.token.is_some() || no_auth {
            return Ok(());
        }
        Err(Error::Refused(format!(
            "listening on {} lets other machines read the archive: give --token TOKEN, \
             or --no-auth to allow anyone who can connect",
            self.listen
        )))
    }
}

/// What the server tells its caller.
#[derive(Debug, Clone)]
pub enum ServeEvent {
    /// Listening at this address.
    Listening(SocketAddr),
    /// The index changed on disk and was opened again (articles now).
    Reloaded(u64),
    /// The index changed but could not be opened; the previous one keeps answering.
    ReloadFailed(String),
}

/// How far the first ingest of `serve --watch` has come, while there is no index to serve
/// yet: fed the ingest's events ([`Building::note`]), read by `/healthz` and the API.
#[derive(Debug, Default)]
pub struct Building {
    read: AtomicUsize,
    /// Article files the walk found; 0 until it is over.
    files: AtomicUsize,
    /// The first round has committed.
    finished: AtomicBool,
    /// The index it committed is the one served.
    served: AtomicBool,
}

impl Building {
    /// Records that the first round has committed: the server opens its index next.
    pub fn finish(&self) {
        self.finished.store(true, Ordering::SeqCst);
    }

    fn is_served(&self) -> bool {
        self.served.load(Ordering::SeqCst)
    }

    /// Counts a file handled, or takes the number of files once the walk is over.
    pub fn note(&self, event: &IngestEvent) {
        match event {
            IngestEvent::File { .. } => {
                self.read.fetch_add(1, Ordering::Relaxed);
            }
            IngestEvent::Walked { files } => self.files.store(*files, Ordering::Relaxed),
            _ => {}
        }
    }
}

/// What `/healthz` and a refused request say of a build.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub(crate) struct BuildProgress {
    /// Posts read so far.
    read: usize,
    /// Posts in all, once the walk is over.
    files: Option<usize>,
}

/// The index being served, replaced when it changes on disk.
pub(crate) struct LiveIndex {
    dir: PathBuf,
    /// `None` until the first index is built (`serve --watch` on folders never ingested).
    searcher: RwLock<Option<Arc<ArticleSearcher>>>,
    building: Option<Arc<Building>>,
    settings: SearchSettings,
    token: Option<String>,
    allowed_hosts: Vec<String>,
    /// Turns to search: searches running at once, at most twice the cores.
    turns: Arc<tokio::sync::Semaphore>,
}

impl LiveIndex {
    /// The searcher of the last index opened; `None` while the first is being built.
    pub(crate) fn searcher(&self) -> Option<Arc<ArticleSearcher>> {
        if self.building.as_ref().is_some_and(|b| !b.is_served()) {
            return None;
        }
        self.searcher
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(Arc::clone)
    }

    /// The searcher, or the answer that the index is still being built.
    pub(crate) fn ready(&self) -> std::result::Result<Arc<ArticleSearcher>, Box<Response>> {
        self.searcher()
            .ok_or_else(|| Box::new(api::building_response(&self.progress())))
    }

    /// How far the first index's build has come.
    pub(crate) fn progress(&self) -> BuildProgress {
        let building = self.building.as_deref();
        let count = |counter: fn(&Building) -> &AtomicUsize| {
            building.map_or(0, |b| counter(b).load(Ordering::Relaxed))
        };
        let files = count(|b| &b.files);
        BuildProgress {
            read: count(|b| &b.read),
            files: (files > 0).then_some(files),
        }
    }
}

/// Serves until `shutdown` completes; `events` hears when it listens and when the index
/// is reopened. With `building` (an ingest is building the index beside the server) a
/// missing index is served as "being built" until it appears.
pub async fn serve(
    options: ServeOptions,
    building: Option<Arc<Building>>,
    shutdown: impl std::future::Future<Output = ()>,
    events: impl Fn(ServeEvent) + Send + Sync + 'static,
) -> Result<()> {
    let searcher = match open(&options.index, &options.settings) {
        Ok(searcher) => Some(prepared(Arc::new(searcher))),
        Err(Error::NoIndex { .. }) if building.is_some() => None,
        Err(error) => return Err(error),
    };
    let live = Arc::new(LiveIndex {
        dir: options.index.clone(),
        searcher: RwLock::new(searcher),
        building,
        settings: options.settings.clone(),
        token: options.token.clone(),
        allowed_hosts: options
            .allowed_hosts
            .iter()
            .map(|host| host.to_ascii_lowercase())
            .collect(),
        turns: Arc::new(tokio::sync::Semaphore::new(search_turns())),
    });
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| io_error(&format!("listening on {}", options.listen), e))?;
    let address = listener
        .local_addr()
        .map_err(|e| io_error("listening", e))?;
    let events = Arc::new(events);
    events(ServeEvent::Listening(address));
    tokio::spawn(watch(Arc::clone(&live), Arc::clone(&events)));
    let app = router(live);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                // Out of file descriptors and the like: wait, then accept again.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        // Answers are small: send each at once rather than wait to fill a packet.
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn router(live: Arc<LiveIndex>) -> Router {
    let api = Router::new()
        .route("/", get(api::page))
        .route("/api/search", get(api::search))
        .route("/api/articles/{id}", get(api::article))
        .route("/api/articles/{id}/similar", get(api::similar))
        .route("/api/stats", get(api::stats))
        .route("/healthz", get(api::health))
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(&live),
            require_token,
        ));
    Router::new()
        .route("/app.js", get(api::script))
        .route("/facets.js", get(api::facets_script))
        .route("/app.css", get(api::style))
        .merge(api)
        .fallback(api::not_found)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&live),
            require_known_host,
        ))
        .layer(middleware::from_fn(security_headers))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .with_state(live)
}

/// Searches that may run at once: twice the cores (at least 2).
fn search_turns() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get() * 2)
}

/// A request must name this server in its `Host`: an IP address, `localhost` (or a name
/// under it) or a name given with `--allow-host`. A page on another site that rebinds its
/// own name to 127.0.0.1 then cannot read the archive through the user's browser (DNS
/// rebinding); such requests are answered 403.
async fn require_known_host(
    State(live): State<Arc<LiveIndex>>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    match host {
        Some(host) if !known_host(&host, &live.allowed_hosts) => api::error_response(
            StatusCode::FORBIDDEN,
            &format!(
                "this server does not answer for the host {:?}; start it with \
                 `--allow-host NAME` to allow a name",
                crate::visible::visible_line(&host)
            ),
        ),
        _ => next.run(request).await,
    }
}

/// Whether a `Host` header (`name`, `name:port`, `[v6]:port`) names this server.
fn known_host(host: &str, allowed: &[String]) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                name
            } else {
                host
            }
        }),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name.parse::<std::net::IpAddr>().is_ok()
        || name == "localhost"
        || name.ends_with(".localhost")
        || allowed.contains(&name)
}

/// With a token set, a request carries it as `Authorization: Bearer TOKEN` or `?token=`
/// (URL-encoded, as a browser sends it); any UTF-8 is a token.
async fn require_token(
    State(live): State<Arc<LiveIndex>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(token) = &live.token else {
        return next.run(request).await;
    };
    let from_header = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| std::str::from_utf8(value.as_bytes()).ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::to_owned);
    // `?token=` as the page sends it (URL-encoded), or as typed into the address bar.
    let query = request.uri().query().unwrap_or("");
    let decoded: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let from_query = decoded
        .into_iter()
        .filter(|(name, _)| name == "token")
        .map(|(_, value)| value)
        .chain(
            query
                .split('&')
                .filter_map(|pair| pair.strip_prefix("token="))
                .map(str::to_owned),
        );
    let mut given = from_header.into_iter().chain(from_query);
    if given.any(|given| same_token(&given, token)) {
        next.run(request).await
    } else {
        api::error_response(
            StatusCode::UNAUTHORIZED,
            "this server needs its token: `Authorization: Bearer TOKEN` or `?token=TOKEN`",
        )
    }
}

/// Compares in time that depends only on the lengths.
fn same_token(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response.into_response()
}

/// `searcher`, with the word list of its fallbacks read on a thread of its own (about
/// 200 ms on 82,832 posts, else paid by the first query that needs it). A failure is not
/// lost: the query that needs the list reads it again and reports it.
fn prepared(searcher: Arc<ArticleSearcher>) -> Arc<ArticleSearcher> {
    let reading = Arc::clone(&searcher);
    std::thread::spawn(move || reading.prepare_fallbacks());
    searcher
}

/// Reopens the index when its commit changes on disk (an ingest's commit, a rebuild's
/// swap); a failure keeps the open index and is reported once per change.
async fn watch(live: Arc<LiveIndex>, events: Arc<impl Fn(ServeEvent) + Send + Sync + 'static>) {
    let mut seen = stamp(&live.dir);
    loop {
        tokio::time::sleep(WATCH_EVERY).await;
        let now = stamp(&live.dir);
        // The first index built beside the server is opened once its round committed,
        // whatever the stamp said before.
        let first_built = live
            .building
            .as_ref()
            .filter(|b| b.finished.load(Ordering::SeqCst) && !b.is_served());
        if (now == seen || now.is_none()) && first_built.is_none() {
            continue;
        }
        seen = now;
        let dir = live.dir.clone();
        let settings = live.settings.clone();
        match tokio::task::spawn_blocking(move || open(&dir, &settings)).await {
            Ok(Ok(searcher)) => {
                let articles = searcher.size().0;
                *live.searcher.write().unwrap_or_else(|e| e.into_inner()) =
                    Some(prepared(Arc::new(searcher)));
                if let Some(building) = first_built {
                    building.served.store(true, Ordering::SeqCst);
                }
                events(ServeEvent::Reloaded(articles));
            }
            Ok(Err(error)) => events(ServeEvent::ReloadFailed(error.to_string())),
            Err(error) => events(ServeEvent::ReloadFailed(error.to_string())),
        }
    }
}

/// What identifies the index's last commit: tantivy's meta.json (replaced on every commit,
/// another file after a rebuild's swap).
fn stamp(dir: &Path) -> Option<(u64, u64, SystemTime)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(dir.join("meta.json")).ok()?;
    Some((meta.ino(), meta.len(), meta.modified().ok()?))
}

fn open(dir: &Path, settings: &SearchSettings) -> Result<ArticleSearcher> {
    Ok(settings.apply(ArticleSearcher::new(SearchIndex::open(dir)?)?))
}

fn io_error(context: &str, source: std::io::Error) -> Error {
    Error::Io {
        path: PathBuf::from(context),
        source,
    }
}

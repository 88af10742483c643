//! The HTTP API (JSON, the keys of `query --json`) and the page's files.
//! docs/api.md documents every route with examples.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::Error;
use crate::output::{json_facets, json_hit, QuerySummary};
use crate::search::{ArticleSearcher, Filters, SearchRequest, SortOrder, MAX_QUERY_CHARS};
use crate::snippet::SnippetMaker;
use crate::stats::index_stats;

use super::LiveIndex;

/// Hits one request may ask for.
pub const MAX_LIMIT: usize = 100;
/// How deep paging may go.
pub const MAX_OFFSET: usize = 10_000;
/// Categories listed by `/api/stats`.
const STATS_CATEGORIES: usize = 20;

const PAGE: &str = include_str!("page/index.html");
const SCRIPT: &str = include_str!("page/app.js");
const FACETS_SCRIPT: &str = include_str!("page/facets.js");
const STYLE: &str = include_str!("page/app.css");

type Live = State<Arc<LiveIndex>>;

pub(super) async fn page() -> Response {
    asset("text/html; charset=utf-8", PAGE)
}

pub(super) async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

pub(super) async fn facets_script() -> Response {
    asset("text/javascript; charset=utf-8", FACETS_SCRIPT)
}

pub(super) async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

pub(super) async fn not_found() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        "no such page or API route; see docs/api.md",
    )
}

/// `{"error": message, "status": code}`.
pub(super) fn error_response(status: StatusCode, message: &str) -> Response {
    error_body(status, message, None)
}

/// `{"error": message, "status": code}`, and `position` (the character a query's syntax
/// error is at, counted from 1) when there is one.
fn error_body(status: StatusCode, message: &str, position: Option<usize>) -> Response {
    #[derive(Serialize)]
    struct Body<'a> {
        error: &'a str,
        status: u16,
        #[serde(skip_serializing_if = "Option::is_none")]
        position: Option<usize>,
    }
    let body = Body {
        error: message,
        status: status.as_u16(),
        position,
    };
    (status, json(&body)).into_response()
}

fn json(value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(e) => error_response(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// A library error as the status that fits: the request's fault (400) or the server's.
fn failure(error: Error) -> Response {
    let (status, position) = match &error {
        Error::QuerySyntax(syntax) => (StatusCode::BAD_REQUEST, Some(syntax.position + 1)),
        Error::Query(_) | Error::Setting(_) | Error::Refused(_) => (StatusCode::BAD_REQUEST, None),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, None),
    };
    error_body(status, &error.to_string(), position)
}

/// A request the API cannot take: answered 400 with the message.
struct BadRequest(String);

impl IntoResponse for BadRequest {
    fn into_response(self) -> Response {
        error_response(StatusCode::BAD_REQUEST, &self.0)
    }
}

/// The request's parameters, in order (a name may repeat: `category=a&category=b`).
fn parameters(query: Option<String>) -> Result<Vec<(String, String)>, BadRequest> {
    serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
        .map_err(|e| BadRequest(format!("query string: {e}")))
}

fn number(name: &str, value: &str, max: usize) -> Result<usize, BadRequest> {
    let parsed: usize = value
        .parse()
        .map_err(|_| BadRequest(format!("`{name}` must be a whole number, not {value:?}")))?;
    if parsed > max {
        return Err(BadRequest(format!(
            "`{name}` is {parsed}; the most is {max}"
        )));
    }
    Ok(parsed)
}

/// The search request of `/api/search`'s parameters.
fn search_request(parameters: &[(String, String)]) -> Result<SearchRequest, BadRequest> {
    let mut request = SearchRequest::new("");
    request.output.count_total = true;
    let mut filters = Filters::default();
    for (name, value) in parameters {
        match name.as_str() {
            "q" => {
                if value.chars().count() > MAX_QUERY_CHARS {
                    return Err(BadRequest(format!(
                        "the query is longer than {MAX_QUERY_CHARS} characters"
                    )));
                }
                request.query = value.clone();
            }
            "limit" => request.limit = number(name, value, MAX_LIMIT)?,
            "offset" => request.offset = number(name, value, MAX_OFFSET)?,
            "category" => filters.categories.push(value.clone()),
            "author" => filters.authors.push(value.clone()),
            "tag" => filters.tags.push(value.clone()),
            "since" if !value.is_empty() => filters.since = Some(value.clone()),
            "until" if !value.is_empty() => filters.until = Some(value.clone()),
            "since" | "until" | "token" => {}
            "facets" => request.output.facets = value == "1" || value == "true",
            "fold" => request.fold = !(value == "0" || value == "false"),
            "sort" => {
                request.sort = match value.as_str() {
                    "" | "relevance" => SortOrder::Relevance,
                    "newest" => SortOrder::DateDescending,
                    "oldest" => SortOrder::Date,
                    other => {
                        return Err(BadRequest(format!(
                            "`sort` is relevance, newest or oldest, not {other:?}"
                        )))
                    }
                }
            }
            other => {
                return Err(BadRequest(format!(
                    "unknown parameter `{other}`; the parameters are q, limit, offset, \
                         category, author, tag, since, until, sort, facets, fold"
                )))
            }
        }
    }
    request.filters = filters;
    Ok(request)
}

/// Runs `work` on the blocking pool, so a slow search never holds up the threads that
/// answer other requests (`/healthz`, the page's files). At most [`super::LiveIndex`]'s
/// number of searches run at once; the others wait for a turn. The server's time limit
/// answers 503 at once when it passes; the search itself, bounded by the query limits,
/// then finishes on its own (and holds its turn until it does, so abandoned searches
/// cannot pile up).
async fn blocking(live: &LiveIndex, work: impl FnOnce() -> Response + Send + 'static) -> Response {
    let turn = match Arc::clone(&live.turns).acquire_owned().await {
        Ok(turn) => turn,
        Err(e) => return error_response(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    };
    tokio::task::spawn_blocking(move || {
        let response = work();
        drop(turn);
        response
    })
    .await
    .unwrap_or_else(|e| error_response(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))
}

/// What `/api/search` returns: the hits, the summary, the facets when asked for, and the
/// size of the index that answered (what a page compares `/healthz` with to tell that
/// articles arrived after its results were drawn).
#[derive(Serialize)]
struct SearchBody<H, F> {
    hits: Vec<H>,
    summary: QuerySummary,
    archive: ArchiveSize,
    #[serde(skip_serializing_if = "Option::is_none")]
    facets: Option<F>,
}

/// The articles in the index that answered a search.
#[derive(Serialize)]
struct ArchiveSize {
    articles: u64,
}

/// What `/api/articles/{id}/similar` returns.
#[derive(Serialize)]
struct HitsBody<H> {
    hits: Vec<H>,
}

/// `GET /api/search?q=&limit=&offset=&category=&author=&tag=&since=&until=&sort=&facets=1`
pub(super) async fn search(State(live): Live, RawQuery(query): RawQuery) -> Response {
    let request = match parameters(query).and_then(|p| search_request(&p)) {
        Ok(request) => request,
        Err(bad) => return bad.into_response(),
    };
    let searcher = match live.ready() {
        Ok(searcher) => searcher,
        Err(building) => return *building,
    };
    blocking(&live, move || {
        let started = Instant::now();
        let results = match searcher.search(&request) {
            Ok(results) => results,
            Err(error) => return failure(error),
        };
        let body = SearchBody {
            hits: results.hits.iter().map(|hit| json_hit(hit, None)).collect(),
            summary: QuerySummary::new(&request, &results, started.elapsed()),
            archive: ArchiveSize {
                articles: searcher.size().0,
            },
            facets: results.facets.as_ref().map(json_facets),
        };
        json(&body)
    })
    .await
}

/// `GET /api/articles/{id}?q=`: the article, with the query's words marked in the title
/// and body (character ranges).
pub(super) async fn article(
    State(live): Live,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let parameters = match parameters(query) {
        Ok(parameters) => parameters,
        Err(bad) => return bad.into_response(),
    };
    let text = parameters
        .iter()
        .find(|(name, _)| name == "q")
        .map(|(_, value)| value.clone())
        .unwrap_or_default();
    let searcher = match live.ready() {
        Ok(searcher) => searcher,
        Err(building) => return *building,
    };
    blocking(&live, move || article_body(&searcher, &id, &text)).await
}

fn article_body(searcher: &ArticleSearcher, id: &str, text: &str) -> Response {
    match searcher.get(id) {
        Ok(Some(article)) => {
            let terms = marked_terms(searcher, text);
            let marks = SnippetMaker::new(&terms, usize::MAX);
            let ranges = |text: &str| -> Vec<[usize; 2]> {
                if terms.is_empty() {
                    return Vec::new();
                }
                marks.mark(text).iter().map(|r| [r.start, r.end]).collect()
            };
            let duplicates = match searcher.duplicates(&article.id) {
                Ok(duplicates) => duplicates.unwrap_or_default(),
                Err(error) => return failure(error),
            };
            #[derive(Serialize)]
            struct Body<'a> {
                #[serde(flatten)]
                article: &'a crate::search::StoredArticle,
                title_highlights: Vec<[usize; 2]>,
                body_highlights: Vec<[usize; 2]>,
                duplicates: Vec<String>,
            }
            json(&Body {
                title_highlights: ranges(&article.title),
                body_highlights: ranges(&article.body),
                article: &article,
                duplicates,
            })
        }
        Ok(None) => error_response(
            StatusCode::NOT_FOUND,
            &format!("no article has the id {id:?}"),
        ),
        Err(error) => failure(error),
    }
}

/// The words a query marks (none when it does not parse: the article is still shown).
fn marked_terms(searcher: &ArticleSearcher, query: &str) -> Vec<String> {
    if query.trim().is_empty() {
        return Vec::new();
    }
    searcher.highlight_terms(query).unwrap_or_default()
}

/// `GET /api/articles/{id}/similar?limit=`
pub(super) async fn similar(
    State(live): Live,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let mut limit = 5;
    match parameters(query) {
        Ok(parameters) => {
            for (name, value) in parameters {
                match name.as_str() {
                    "limit" => match number("limit", &value, MAX_LIMIT) {
                        Ok(n) => limit = n,
                        Err(bad) => return bad.into_response(),
                    },
                    "token" => {}
                    other => {
                        return error_response(
                            StatusCode::BAD_REQUEST,
                            &format!("unknown parameter `{other}`; the parameter is limit"),
                        )
                    }
                }
            }
        }
        Err(bad) => return bad.into_response(),
    }
    let searcher = match live.ready() {
        Ok(searcher) => searcher,
        Err(building) => return *building,
    };
    blocking(&live, move || match searcher.similar(&id, limit) {
        Ok(Some(results)) => json(&HitsBody {
            hits: results.hits.iter().map(|hit| json_hit(hit, None)).collect(),
        }),
        Ok(None) => error_response(
            StatusCode::NOT_FOUND,
            &format!("no article has the id {id:?}"),
        ),
        Err(error) => failure(error),
    })
    .await
}

/// `GET /api/stats`: what `sousuo stats --json` prints.
pub(super) async fn stats(State(live): Live) -> Response {
    let searcher = match live.ready() {
        Ok(searcher) => searcher,
        Err(building) => return *building,
    };
    blocking(&live, move || {
        match index_stats(&searcher, STATS_CATEGORIES) {
            Ok(stats) => json(&stats),
            Err(error) => failure(error),
        }
    })
    .await
}

/// `GET /healthz`: `{"status": "ok", "articles": N}`; while `serve --watch` builds the
/// first index, `{"status": "building", "building": {"read": N, "files": M}}` (also 200:
/// the server is up).
pub(super) async fn health(State(live): Live) -> Response {
    match live.searcher() {
        Some(searcher) => {
            let articles = searcher.size().0;
            json(&serde_json::json!({ "status": "ok", "articles": articles }))
        }
        None => json(&serde_json::json!({ "status": "building", "building": live.progress() })),
    }
}

/// The answer to a request that needs the index while the first one is being built: 503,
/// how far the build has come, and when to ask again.
pub(super) fn building_response(progress: &super::BuildProgress) -> Response {
    let of = progress
        .files
        .map(|files| format!(" of {files}"))
        .unwrap_or_default();
    let message = format!(
        "the index is being built: {} posts read{of}; ask again shortly",
        progress.read
    );
    let body = serde_json::json!({ "error": message, "building": progress });
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    response
}

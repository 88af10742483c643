//! Saved searches: named queries kept with the index (`saved-searches.json`), each with a
//! watermark — the ingest time of the newest article the index held when it last ran — so
//! that a run reports only the articles ingested since, each exactly once. Changes and runs
//! hold an exclusive lock (`saved-searches.lock`), so two at once take turns.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::search::{ArticleSearcher, Filters, SearchRequest, SearchResults};

use crate::index::SAVED_SEARCHES_FILE as FILE;
/// Longest name, in characters.
const MAX_NAME_CHARS: usize = 64;

/// One saved search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedSearch {
    /// What it is called.
    pub name: String,
    /// The query, in the query language.
    pub query: String,
    /// Its filters (the dates may be periods such as `7d`, read at each run).
    #[serde(default)]
    pub categories: Vec<String>,
    /// Authors.
    #[serde(default)]
    pub authors: Vec<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Dated from.
    #[serde(default)]
    pub since: Option<String>,
    /// Dated up to.
    #[serde(default)]
    pub until: Option<String>,
    /// Articles ingested after this time (microseconds since the epoch) are new to it.
    pub watermark: Option<i64>,
}

impl SavedSearch {
    fn request(&self, limit: usize) -> SearchRequest {
        let mut request = SearchRequest::new(self.query.clone());
        request.limit = limit;
        request.output.count_total = true;
        request.filters = Filters {
            categories: self.categories.clone(),
            authors: self.authors.clone(),
            tags: self.tags.clone(),
            since: self.since.clone(),
            until: self.until.clone(),
            ingested_after: self.watermark,
        };
        request
    }
}

/// The saved searches of one index, locked while held.
pub struct SavedSearches {
    path: PathBuf,
    _lock: File,
    searches: Vec<SavedSearch>,
}

impl SavedSearches {
    /// Locks and reads the saved searches of the index at `dir` (none yet: empty).
    pub fn open(dir: &Path) -> Result<SavedSearches> {
        crate::index::require_index(dir)?;
        let lock = crate::index::lock_saved_searches(dir)?;
        let path = dir.join(FILE);
        let searches = read_file(&path)?;
        Ok(SavedSearches {
            path,
            _lock: lock,
            searches,
        })
    }

    /// The saved searches of the index at `dir`, read without the lock (the file is
    /// always replaced whole), so they can be listed from a read-only index.
    pub fn read(dir: &Path) -> Result<Vec<SavedSearch>> {
        crate::index::require_index(dir)?;
        read_file(&dir.join(FILE))
    }

    /// Saves `search` under its name, new to articles ingested from now on. The query and
    /// its filters are checked by running them once.
    pub fn add(&mut self, searcher: &ArticleSearcher, mut search: SavedSearch) -> Result<()> {
        check_name(&search.name)?;
        if self.searches.iter().any(|s| s.name == search.name) {
            return Err(Error::Setting(format!(
                "a saved search is already called {:?} (remove it first with `sousuo saved rm`)",
                search.name
            )));
        }
        search.watermark = searcher.last_ingested()?;
        searcher.search(&search.request(0))?;
        self.searches.push(search);
        self.store()
    }

    /// Removes the search called `name`; whether there was one.
    pub fn remove(&mut self, name: &str) -> Result<bool> {
        let before = self.searches.len();
        self.searches.retain(|s| s.name != name);
        if self.searches.len() == before {
            return Ok(false);
        }
        self.store().map(|()| true)
    }

    /// Runs the searches called `names` (all when empty): each one's articles ingested since
    /// it last ran (at most `limit` shown, all counted), then moves its watermark to the
    /// newest article `searcher` holds (never back: open the searcher after the lock). A
    /// search that fails (a query an upgrade no longer reads) gives its error and keeps its
    /// watermark; the others still run.
    pub fn run(
        &mut self,
        searcher: &ArticleSearcher,
        names: &[String],
        limit: usize,
    ) -> Result<Vec<(SavedSearch, Result<SearchResults>)>> {
        for name in names {
            if !self.searches.iter().any(|s| &s.name == name) {
                return Err(Error::Setting(format!(
                    "no saved search is called {name:?}"
                )));
            }
        }
        let now = searcher.last_ingested()?;
        let mut ran = Vec::new();
        for search in &mut self.searches {
            if !names.is_empty() && !names.contains(&search.name) {
                continue;
            }
            let results = searcher.search(&search.request(limit)).map(|mut results| {
                // An alert names the articles that match, not a keyword search's partial
                // matches.
                results.hits.retain(|hit| !hit.partial);
                results
            });
            if results.is_ok() {
                search.watermark = search.watermark.max(now);
            }
            ran.push((search.clone(), results));
        }
        self.store()?;
        Ok(ran)
    }

    /// Writes the file anew (a temporary file renamed over it).
    fn store(&self) -> Result<()> {
        let text = serde_json::to_string_pretty(&self.searches).expect("plain data serializes");
        let temporary = self.path.with_extension("json.tmp");
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        std::fs::write(&temporary, text + "\n").map_err(io(&temporary))?;
        std::fs::rename(&temporary, &self.path).map_err(io(&self.path))
    }
}

/// The saved searches in `path` (none when there is no file).
fn read_file(path: &Path) -> Result<Vec<SavedSearch>> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            Error::Setting(format!(
                "{}: not a list of saved searches ({e}); fix or remove it",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(Error::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn check_name(name: &str) -> Result<()> {
    let fits = !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if fits {
        Ok(())
    } else {
        Err(Error::Setting(format!(
            "{name:?} cannot name a saved search: use up to {MAX_NAME_CHARS} letters, digits, \
             `-`, `_` or `.`"
        )))
    }
}

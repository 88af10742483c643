//! The runners of every command: arguments in, the library called, output printed, an exit
//! code out. `main.rs` only parses and dispatches; what several runners share is here.

use std::io::{self, IsTerminal};
use std::path::Path;

use sousuo::index::SearchIndex;
use sousuo::search::{ArticleSearcher, SearchSettings};
use sousuo::visible::visible_line;

use crate::cli::options::index_dir;
use crate::cli::{ColorChoice, IndexArgs, SettingsArgs};

pub mod handoff;
pub mod ingest;
pub mod query;
pub mod read;
pub mod saved;
pub mod serve;

/// Exit code for success (query: hits found).
pub(crate) const EXIT_OK: u8 = 0;
/// Exit code for a partial result (ingest: some files failed; query: no hits).
pub(crate) const EXIT_PARTIAL: u8 = 1;
/// Exit code for a fatal error.
pub(crate) const EXIT_ERROR: u8 = 2;

/// The index keeps absolute paths; people and scripts get them relative to the current
/// folder when they lie under it (`data/…`), so they open from here and from anywhere.
pub(crate) fn shown_path(path: &str) -> String {
    let relative = std::env::current_dir().ok().and_then(|cwd| {
        Path::new(path)
            .strip_prefix(cwd)
            .ok()
            .map(Path::to_path_buf)
    });
    match relative {
        Some(relative) if !relative.as_os_str().is_empty() => relative.display().to_string(),
        _ => path.to_string(),
    }
}
pub(crate) fn shorten_paths(hits: &mut [sousuo::search::Hit]) {
    for hit in hits {
        hit.path = shown_path(&hit.path);
    }
}
/// Colour on a terminal unless `NO_COLOR` is set, or as `--color` says.
pub(crate) fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}
/// The searcher of `index` with the process's search settings (ranking, synonyms).
pub(crate) fn settled_searcher(
    index: &IndexArgs,
    settings: &SettingsArgs,
) -> anyhow::Result<ArticleSearcher> {
    let settings = SearchSettings::resolve(settings.synonyms.as_deref())?;
    Ok(settings.apply(open_searcher(index)?))
}
pub(crate) fn open_searcher(args: &IndexArgs) -> anyhow::Result<ArticleSearcher> {
    let searcher = ArticleSearcher::new(SearchIndex::open(&index_dir(args))?)?;
    for damage in searcher.damage() {
        eprintln!(
            "warning: {}: {}; rankings may be off until `sousuo check --repair` and an ingest",
            searcher.index().dir().display(),
            visible_line(&damage.to_string())
        );
    }
    Ok(searcher)
}
/// `error: PATH: message` (or `warning: …`) on stderr, control characters made visible.
pub(crate) fn diagnose(kind: &str, path: &Path, message: &str) {
    let line = format!("{}: {message}", path.display());
    eprintln!("{kind}: {}", visible_line(&line));
}

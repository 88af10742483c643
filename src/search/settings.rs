//! How searches rank and widen, decided once per process: the ranking knobs
//! (`SOUSUO_RANKING`) and the synonym groups (`--synonyms` / `SOUSUO_SYNONYMS`). Every
//! entry point — `query`, `similar`, `saved run`, `serve` (and each index it reopens) —
//! applies the same [`SearchSettings`], so one query ranks the same through each.

use std::path::Path;

use crate::error::{Error, Result};

use super::{ArticleSearcher, Ranking};

/// The environment variable holding ranking settings (`key=value,…`).
pub const RANKING_VARIABLE: &str = "SOUSUO_RANKING";

/// The settings every search of a process runs with.
#[derive(Debug, Clone, Default)]
pub struct SearchSettings {
    /// Ranking knobs (the defaults unless `SOUSUO_RANKING` says otherwise).
    pub ranking: Ranking,
    /// The text of a synonyms file: one group of interchangeable words per line.
    pub synonyms: Option<String>,
}

impl SearchSettings {
    /// The settings from `SOUSUO_RANKING` and the synonyms file at `synonyms` (if any).
    pub fn resolve(synonyms: Option<&Path>) -> Result<SearchSettings> {
        let ranking = match std::env::var(RANKING_VARIABLE) {
            Ok(settings) => Ranking::with_settings(&settings)?,
            Err(_) => Ranking::default(),
        };
        let synonyms = synonyms
            .map(|path| std::fs::read_to_string(path).map_err(|e| Error::io(path, e)))
            .transpose()?;
        Ok(SearchSettings { ranking, synonyms })
    }

    /// `searcher` searching with these settings.
    pub fn apply(&self, searcher: ArticleSearcher) -> ArticleSearcher {
        let searcher = searcher.with_ranking(self.ranking.clone());
        match &self.synonyms {
            Some(groups) => searcher.with_synonyms(groups),
            None => searcher,
        }
    }
}

//! Arguments resolved into the library's options, in one place (as ripgrep's high-level
//! arguments and fd's configuration): every default and limit is the library's own.

use std::path::{Path, PathBuf};

use anyhow::Context;

use sousuo::ingest::IngestOptions;
use sousuo::schema::IndexSchema;
use sousuo::search::{Filters, SearchRequest, SortOrder, DEFAULT_LIMIT};

use super::{IndexArgs, IngestArgs, QueryArgs, ServeArgs, SortArg};

/// The index folder: `--index`, else `$SOUSUO_INDEX` (clap reads it), else `.sousuo`.
pub fn index_dir(args: &IndexArgs) -> PathBuf {
    args.index
        .clone()
        .unwrap_or_else(|| PathBuf::from(".sousuo"))
}

/// `sousuo ingest`'s options: the schema file (`--schema`, else `./index-schema.json`,
/// else the built-in one), the user dictionary, checked now with its file's name, limits.
pub fn ingest_options(args: &IngestArgs) -> anyhow::Result<IngestOptions> {
    let mut options = IngestOptions::new(args.paths.clone(), index_dir(&args.index));
    options.schema = schema(args.schema.as_deref())?;
    if let Some(path) = &args.dict {
        let words = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
        sousuo::text::Analyzer::with_user_words(&words)
            .map_err(|problem| anyhow::anyhow!("{}: {problem}", path.display()))?;
        options.user_dictionary = Some(words);
    }
    options.rebuild = args.rebuild;
    options.dry_run = args.dry_run;
    // Following the folders removes what is deleted from them, from the first round on.
    options.prune = args.prune || args.watch;
    options.follow = args.follow;
    options.drafts = args.drafts;
    if let Some(threads) = args.threads {
        options.threads = usize::from(threads);
    }
    options.memory_budget = (args.memory as usize) << 20;
    options.max_file_size = args.max_file_size << 20;
    options.commit_every = usize::try_from(args.commit_every).unwrap_or(usize::MAX);
    options.merge = !args.no_merge;
    Ok(options.within_limits())
}

/// The schema a new index gets: the file given, else `index-schema.json` in the current
/// folder, else the built-in one.
pub fn schema(path: Option<&Path>) -> anyhow::Result<IndexSchema> {
    Ok(match path {
        Some(path) => IndexSchema::load(path)?,
        None if Path::new("index-schema.json").is_file() => {
            IndexSchema::load(Path::new("index-schema.json"))?
        }
        None => IndexSchema::default_schema(),
    })
}

/// `sousuo serve --watch`'s ingest: the folders followed into the served index, with the
/// defaults of `ingest --watch`.
pub fn watch_options(args: &ServeArgs) -> anyhow::Result<IngestOptions> {
    let mut options = IngestOptions::new(args.watch.clone(), index_dir(&args.index));
    options.schema = schema(None)?;
    options.prune = true;
    Ok(options.within_limits())
}

/// `sousuo query`'s search: lists (`-l`, `--ids`) and counts (`-c`) cover every match
/// unless a limit is given.
pub fn search_request(args: &QueryArgs) -> SearchRequest {
    let listing = args.files_with_matches || args.ids;
    let mut request = SearchRequest::new(args.query.join(" "));
    request.limit = match (args.limit, listing, args.count) {
        (_, _, true) => 0,
        (Some(limit), _, _) => limit,
        (None, true, _) => usize::MAX,
        (None, false, _) => DEFAULT_LIMIT,
    };
    request.offset = args.offset;
    request.fold = !(args.no_fold || listing || args.count);
    request.output.count_total = true;
    request.output.with_documents = !args.ids;
    request.output.facets = args.facets;
    request.output.explain = args.explain;
    request.output.snippets = args.snippets.max(1);
    request.filters = Filters {
        categories: args.filters.category.clone(),
        authors: args.filters.author.clone(),
        tags: args.filters.tag.clone(),
        since: args.filters.since.clone(),
        until: args.filters.until.clone(),
        ingested_after: None,
    };
    request.sort = match args.sort {
        SortArg::Relevance => SortOrder::Relevance,
        SortArg::Date => SortOrder::Date,
        SortArg::NewestFirst => SortOrder::DateDescending,
    };
    request
}

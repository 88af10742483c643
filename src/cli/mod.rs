//! Command-line arguments (clap derive types only; `main` turns them into library options).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub mod argv;
pub mod options;
pub mod warnings;

/// Search engine for archives of Chinese articles (Hexo/Jekyll posts).
///
/// Ingest a folder of posts, then query it:
///
///   sousuo ingest data
///
///   sousuo query 算力
#[derive(Debug, Parser)]
#[command(name = "sousuo", version, about, long_about)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// sousuo's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse the posts under PATH... and add them to the index.
    #[command(
        after_help = "Examples:\n  sousuo ingest data\n  sousuo ingest posts/ more/ --index /tmp/idx\n  sousuo ingest data --dry-run\n  sousuo ingest data --dict words.txt --rebuild\n\nExit codes: 0 every file indexed, 1 some files failed (the rest committed), 2 fatal error (the index keeps its last commit)."
    )]
    Ingest(IngestArgs),
    /// Print the articles that best match QUERY.
    #[command(after_help = "Query syntax:
  算力 规模                 rank by these words; a hit needs at least one
  新能源汽车 补贴           no quotes needed: every word is part of the query
  \"东数西算\"                exact phrase;  \"算力 规模\"~2: at most 2 moves apart
  +算力 -广告               must contain / must not contain
  算力 AND 规模  a && b     both required;  a OR b, a || b: either;  NOT 广告: excluded
  +(算力 OR 电力) -(广告 推广)   groups
  算*  GPT*                 words starting so
  title:算力  body:…        words in one text field
  author:新浪财经 category:金融 editor:郭建 tag:…   filters: exact values
  date:2022-07  date:[2022-01-01 TO 2022-07]  date:[2023 TO *]   date filters
  *  (or no query)          every article, newest first (with filters: every match)

Flags: --since/--until 2022-07-30, 2022-07, 2022, 7d, 2w, 3mo, 1y, today, yesterday,
this week, 本周, 昨天; --category/--author/--tag (repeat for any of several); --sort
relevance|date|-date. -l paths only, -c count only, --ids ids only, --snippets N.

Examples:
  sousuo query 新能源汽车 补贴
  sousuo query -广告 算力            (or: sousuo query -- -广告 算力)
  sousuo query '\"东数西算\" 光缆' --limit 5 --json
  sousuo query author:央视网 暴雨 --since 2023-07
  sousuo query --sort -date --since 1w
  sousuo query 算力 -l | xargs grep -l 东数西算
  sousuo query 暴雨 --facets
  sousuo query 算力规模 --limit 3 --explain
  sousuo query --batch queries.jsonl --limit 100

Exit codes: 0 hits found, 1 no hits, 2 error.")]
    Query(QueryArgs),
    /// Show what the index holds: articles, dates, categories, size, schema.
    #[command(after_help = "Examples:\n  sousuo stats\n  sousuo stats --top 20 --json")]
    Stats(StatsArgs),
    /// Print one article as sousuo indexed it (metadata and the cleaned body).
    #[command(
        after_help = "ID is a document id as shown in hits (金融/新浪财经/x.md), or a path whose tail is one.\n\nExamples:\n  sousuo get 金融/新浪财经/新浪财经－国內/x.md\n  sousuo get data/金融/新浪财经/新浪财经－国內/x.md --raw\n\nExit codes: 0 found, 1 no such article, 2 error."
    )]
    Get(GetArgs),
    /// Print the articles most related to one article (its words weighted by TF-IDF with the
    /// index's own document frequencies).
    #[command(
        after_help = "Examples:\n  sousuo similar 金融/新浪财经/新浪财经－国內/x.md --limit 5\n\nExit codes: 0 hits found, 1 none (or no such article), 2 error."
    )]
    Similar(SimilarArgs),
    /// Write the indexed articles as JSON lines, with their segmented text, for another
    /// search engine (OpenSearch, Elasticsearch, Quickwit).
    #[command(
        after_help = "Each line holds the stored fields plus, per text field, FIELD_tokens (the words as\nindexed, space-joined) and FIELD_subwords. See docs/scale-out.md.\n\nExamples:\n  sousuo export > articles.ndjson\n  sousuo export --format opensearch-bulk --query 算力 > bulk.ndjson\n  sousuo export --out export/ --chunk-bytes 8000000 --date-fallback ingest"
    )]
    Export(ExportArgs),
    /// Print the words and sub-words sousuo makes of a text (as the index segments it) and
    /// the words a keyword query of it requires (terms written together kept whole).
    #[command(
        after_help = "Examples:\n  sousuo analyze 人民大会堂举行新闻发布会\n  sousuo analyze --json 新能源汽车补贴"
    )]
    Analyze(AnalyzeArgs),
    /// Verify the index: its record, every file's checksum, the stored documents and the
    /// ids; with --repair, remove what is damaged so the next ingest restores it.
    #[command(
        after_help = "Examples:\n  sousuo check\n  sousuo check --repair && sousuo ingest data\n\nExit codes: 0 the index is sound (or was repaired), 1 damage found, 2 error."
    )]
    Check(CheckArgs),
    /// Serve a search page and an HTTP API over the index.
    #[command(
        after_help = "Examples:\n  sousuo serve --open\n  sousuo serve --listen 127.0.0.1:8080\n  sousuo serve --listen 0.0.0.0:7700 --token \"$(openssl rand -hex 16)\"\n\nThe API: GET /api/search?q=…, /api/articles/{id}, /api/articles/{id}/similar, /api/stats, /healthz (docs/api.md).\nAn ingest beside it shows within a second of its commit."
    )]
    Serve(ServeArgs),
    /// Named searches that report only the articles ingested since they last ran.
    #[command(
        subcommand,
        after_help = "Examples:\n  sousuo saved add ev 新能源汽车 补贴 --category 金融\n  sousuo saved list\n  sousuo saved run            (every saved search; in cron: exit 0 when something is new)\n  sousuo saved run ev --json\n  sousuo saved rm ev"
    )]
    Saved(SavedCommand),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  sousuo completions bash > /etc/bash_completion.d/sousuo\n  sousuo completions zsh > ~/.zfunc/_sousuo\n  sousuo completions fish > ~/.config/fish/completions/sousuo.fish"
    )]
    Completions(CompletionsArgs),
}

/// `sousuo stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub index: IndexArgs,
    /// How many categories to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// List the pairs of near-duplicate articles instead: two ids and their estimated
    /// similarity (the share of their bodies' 4-character shingles they have in common),
    /// tab-separated (with --json, one object per pair).
    #[arg(long)]
    pub duplicates: bool,
}

/// `sousuo saved …`.
#[derive(Debug, Subcommand)]
pub enum SavedCommand {
    /// Save a search; the articles ingested from now on are new to it.
    Add(SavedAddArgs),
    /// List the saved searches.
    List(SavedListArgs),
    /// Remove a saved search.
    Rm(SavedRmArgs),
    /// Print the articles each search (or the named ones) matched since it last ran.
    /// Exit codes: 0 something new, 1 nothing new, 2 error.
    Run(SavedRunArgs),
}

/// `sousuo saved add`.
#[derive(Debug, Args)]
pub struct SavedAddArgs {
    #[command(flatten)]
    pub index: IndexArgs,
    /// Its name (letters, digits, `-`, `_`, `.`).
    pub name: String,
    /// The query (every word after the name is part of it; a word starting with `-` after
    /// `--`).
    #[arg(required = true, num_args = 1..)]
    pub query: Vec<String>,
    #[command(flatten)]
    pub filters: FilterArgs,
}

/// The filters of `query` and `saved add`.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only articles in this category (repeat for any of several).
    #[arg(long, value_name = "C")]
    pub category: Vec<String>,
    /// Only articles by this author (repeat for any of several).
    #[arg(long, value_name = "A")]
    pub author: Vec<String>,
    /// Only articles with this tag (repeat for any of several).
    #[arg(long, value_name = "T")]
    pub tag: Vec<String>,
    /// Only articles dated from DATE on (2022-07-30, 2022-07, 2022, or a period back from
    /// now: 7d, 2w, 3mo, 1y, today).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only articles dated up to the end of DATE (2022-07-30, 2022-07, 2022).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
}

/// `sousuo saved list`.
#[derive(Debug, Args)]
pub struct SavedListArgs {
    #[command(flatten)]
    pub index: IndexArgs,
    /// One JSON object per search.
    #[arg(long)]
    pub json: bool,
}

/// `sousuo saved rm`.
#[derive(Debug, Args)]
pub struct SavedRmArgs {
    #[command(flatten)]
    pub index: IndexArgs,
    /// The search's name.
    pub name: String,
}

/// How searches rank and widen: the same for `query`, `similar`, `saved run` and `serve`.
#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// Synonyms: one group of interchangeable words per line; a query word of a group also
    /// finds the others.
    #[arg(long, value_name = "FILE", env = "SOUSUO_SYNONYMS")]
    pub synonyms: Option<PathBuf>,
}

/// `sousuo saved run`.
#[derive(Debug, Args)]
pub struct SavedRunArgs {
    #[command(flatten)]
    pub index: IndexArgs,
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// The searches to run (default: all).
    pub names: Vec<String>,
    /// New articles shown per search at most (all are counted).
    #[arg(short = 'n', long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// JSON Lines: the hits of each search, then `{"saved": {"name", "new"}}`.
    #[arg(long)]
    pub json: bool,
}

/// `sousuo serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub index: IndexArgs,
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// Address and port to listen on (another address than this machine's needs --token
    /// or --no-auth).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:7700")]
    pub listen: std::net::SocketAddr,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Every page load and API call must carry this token (`Authorization: Bearer TOKEN`
    /// or `?token=TOKEN`).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SOUSUO_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Listen beyond this machine without a token.
    #[arg(long, conflicts_with = "token")]
    pub no_auth: bool,
    /// Answer requests naming this host (repeatable). IP addresses and `localhost` are
    /// always answered; other names are refused (403), so a web page cannot reach the
    /// server through a name it controls (DNS rebinding).
    #[arg(long, value_name = "NAME")]
    pub allow_host: Vec<String>,
    /// Ingest these folders of posts first, then follow them as `ingest --watch` does: new,
    /// changed, renamed and deleted posts reach the page within seconds.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub watch: Vec<PathBuf>,
}

/// `sousuo check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub index: IndexArgs,
    /// Drop damaged segments and every copy of a duplicated id (their articles come back
    /// with the next ingest of their folders).
    #[arg(long)]
    pub repair: bool,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `sousuo get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// Document id, or a path ending in one.
    #[arg(value_name = "ID|PATH")]
    pub id: String,
    #[command(flatten)]
    pub index: IndexArgs,
    /// Print one JSON object.
    #[arg(long, conflicts_with = "raw")]
    pub json: bool,
    /// Print the source file as it is on disk.
    #[arg(long)]
    pub raw: bool,
}

/// `sousuo similar`.
#[derive(Debug, Args)]
pub struct SimilarArgs {
    /// Document id, or a path ending in one.
    #[arg(value_name = "ID|PATH")]
    pub id: String,
    #[command(flatten)]
    pub index: IndexArgs,
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// Number of hits.
    #[arg(long, short = 'n', value_name = "N", default_value_t = 10)]
    pub limit: usize,
    /// One JSON object per hit per line.
    #[arg(long)]
    pub json: bool,
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// `sousuo export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub index: IndexArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormatArg::Ndjson)]
    pub format: ExportFormatArg,
    /// Only the articles matching this query.
    #[arg(long, value_name = "QUERY")]
    pub query: Option<String>,
    /// Write numbered files (articles-00001.ndjson, …) into this folder instead of stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// With --out: each file at most N bytes, split between documents (a larger document
    /// alone in its file): for request bodies under an engine's limit.
    #[arg(long, value_name = "N", requires = "out", value_parser = clap::value_parser!(u64).range(1u64..))]
    pub chunk_bytes: Option<u64>,
    /// With --out: replace an earlier export in the folder (its articles-NNNNN.ndjson
    /// files are removed first; nothing else is touched). Without it a folder that is not
    /// empty is refused.
    #[arg(long, requires = "out")]
    pub force: bool,
    /// A date for articles that have none (engines with a required timestamp refuse
    /// null): their last ingest time, or 1970-01-01T00:00:00Z.
    #[arg(long, value_enum, value_name = "FROM")]
    pub date_fallback: Option<DateFallbackArg>,
}

/// `sousuo analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The text (several arguments are joined with spaces).
    #[arg(required = true, value_name = "TEXT")]
    pub text: Vec<String>,
    #[command(flatten)]
    pub index: IndexArgs,
    /// Print one JSON object: {"words": [...], "sub_words": [...]}.
    #[arg(long)]
    pub json: bool,
}

/// `--date-fallback` of export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DateFallbackArg {
    /// When the article was last ingested.
    Ingest,
    /// 1970-01-01T00:00:00Z.
    Epoch,
}

/// `--for` of query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// Quickwit's search API (query string and request body).
    Quickwit,
    /// OpenSearch / Elasticsearch query DSL.
    Opensearch,
}

/// `--format` of export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormatArg {
    /// One JSON object per line.
    Ndjson,
    /// OpenSearch / Elasticsearch `_bulk` body.
    OpensearchBulk,
}

/// `sousuo completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Options shared by commands that use an index.
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Index folder [default: $SOUSUO_INDEX, else .sousuo]
    #[arg(long, value_name = "DIR", env = "SOUSUO_INDEX")]
    pub index: Option<PathBuf>,
}

/// `sousuo ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files or folders of posts (.md, .markdown, .html, .htm).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub index: IndexArgs,
    /// Schema file [default: ./index-schema.json if present, else the built-in schema]
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
    /// User dictionary for segmentation (jieba format: `word [freq] [tag]` per line), kept
    /// with the index so queries segment the same way. A different one needs --rebuild.
    #[arg(long, value_name = "FILE")]
    pub dict: Option<PathBuf>,
    /// Delete the existing index and build it anew.
    #[arg(long)]
    pub rebuild: bool,
    /// Parse, clean and segment every file, index nothing (validates a corpus).
    #[arg(long)]
    pub dry_run: bool,
    /// Remove the articles ingested from these PATHs whose files are gone. Nothing is
    /// removed under a PATH that could not be walked completely, nor under other folders
    /// of the index. With --dry-run: count what would be removed.
    #[arg(long)]
    pub prune: bool,
    /// After the ingest, follow the folders: new, changed, renamed and deleted posts are
    /// ingested (deleted ones removed, as --prune) within seconds, until Ctrl-C.
    #[arg(long, conflicts_with = "dry_run")]
    pub watch: bool,
    /// Follow symbolic links that lead out of PATH (by default they are reported and left
    /// alone; links within PATH are always followed).
    #[arg(long)]
    pub follow: bool,
    /// In a Jekyll or Hexo site root, read the drafts folder too (`_drafts/`,
    /// `source/_drafts/`).
    #[arg(long)]
    pub drafts: bool,
    /// Parser threads, 1–1024 [default: number of cores]
    #[arg(long, short = 'j', value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=sousuo::ingest::MAX_THREADS as i64))]
    pub threads: Option<u16>,
    /// Index writer memory budget in MB, 16–16000 (the writer's threads, at most 4, share
    /// it; tantivy takes at most 4000 MB per thread).
    #[arg(long, value_name = "MB", default_value_t = sousuo::ingest::DEFAULT_MEMORY_MB as u32,
          value_parser = clap::value_parser!(u32).range(
              sousuo::ingest::MIN_MEMORY_MB as i64..=sousuo::ingest::MAX_MEMORY_MB as i64))]
    pub memory: u32,
    /// Refuse files larger than this many MB, 1–1048576.
    #[arg(long, value_name = "MB", default_value_t = sousuo::ingest::DEFAULT_MAX_FILE_MB,
          value_parser = clap::value_parser!(u64).range(1..=sousuo::ingest::MAX_FILE_MB))]
    pub max_file_size: u64,
    /// Commit after every N added articles, besides the final commit (an interrupted run
    /// keeps what was committed); at least 1.
    #[arg(long, value_name = "N", default_value_t = sousuo::ingest::DEFAULT_COMMIT_EVERY as u64,
          value_parser = clap::value_parser!(u64).range(1u64..))]
    pub commit_every: u64,
    /// Leave the segments this run wrote as they are: by default a run that wrote a quarter
    /// of the articles or more merges the index into one segment (queries are faster on
    /// fewer segments), and smaller runs merge small segments with each other.
    #[arg(long)]
    pub no_merge: bool,
    /// Print the summary as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Print errors only: no progress, no warnings, no summary.
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print every warning (by default three of each kind are shown, then a count).
    #[arg(long, short)]
    pub verbose: bool,
}

/// `sousuo query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The query (see below for the syntax). Several words are one query, joined by spaces:
    /// `sousuo query 新能源汽车 补贴` is `sousuo query '新能源汽车 补贴'`. `-广告` (a `-`
    /// before a Chinese word) is read as part of the query; a Latin word with a leading `-`
    /// goes after `--` (`sousuo query -- -ad 算力`) or inside quotes.
    /// With no QUERY (or `*`), every article is listed, newest first.
    #[arg(conflicts_with = "batch", value_name = "QUERY")]
    pub query: Vec<String>,
    #[command(flatten)]
    pub index: IndexArgs,
    /// Number of hits [default: 10; with -l or --ids every match]. 0 prints the count only.
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<usize>,
    /// Print only the paths of the matching articles, one per line (as `rg -l`).
    #[arg(long, short = 'l', conflicts_with_all = ["count", "ids", "json"])]
    pub files_with_matches: bool,
    /// Print only the number of matching articles.
    #[arg(long, short = 'c', conflicts_with_all = ["ids", "json"])]
    pub count: bool,
    /// Print only the ids of the matching articles, one per line.
    #[arg(long, conflicts_with = "json")]
    pub ids: bool,
    /// With -l or --ids: end each name with a NUL byte instead of a newline (for
    /// `xargs -0`), so names holding newlines stay whole.
    #[arg(long, short = '0')]
    pub null: bool,
    /// Passages of each hit's body to show (the best first).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub snippets: usize,
    /// Skip the first N hits (paging).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub offset: usize,
    /// One JSON object per hit per line.
    #[arg(long)]
    pub json: bool,
    /// Run every query of a JSON Lines file ({"id": …, "text": …} per line) and print TREC
    /// run lines `qid Q0 docid rank score sousuo` (with --json: JSON hits with a
    /// `query_id`); latency percentiles go to stderr.
    #[arg(long, value_name = "FILE.jsonl")]
    pub batch: Option<PathBuf>,
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Also count the matching articles per category and per month (after the hits; with
    /// --json as a final `{"facets": …}` line).
    #[arg(long)]
    pub facets: bool,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Show why each hit scored as it did (terms matched, per-field contributions).
    #[arg(long)]
    pub explain: bool,
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// Order of the hits: relevance, date (oldest first) or -date (newest first).
    #[arg(long, value_enum, default_value_t = SortArg::Relevance, allow_hyphen_values = true)]
    pub sort: SortArg,
    /// Print the query another engine runs for this one, over the fields `export` writes
    /// (the same words, weights, feedback words and filters): Quickwit's query string and
    /// search request, or OpenSearch/Elasticsearch query DSL. With --json: the request
    /// body only.
    #[arg(long = "for", value_enum, value_name = "ENGINE", conflicts_with_all = ["batch", "files_with_matches", "count", "ids", "explain"])]
    pub for_engine: Option<EngineArg>,
    /// Show near-duplicates as hits of their own. By default the same story told by
    /// several feeds is one hit, its best-ranked telling, with "+N similar" (JSON:
    /// `duplicates`). Lists (-l, --ids), counts (-c) and --batch runs (judged per article
    /// by evaluation tools) rank every article and never fold.
    #[arg(long)]
    pub no_fold: bool,
}

/// `--sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    /// Best match first.
    Relevance,
    /// Oldest first.
    Date,
    /// Newest first.
    #[value(name = "-date")]
    NewestFirst,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}

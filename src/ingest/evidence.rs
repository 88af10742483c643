//! The year of a date written without one (`08-02 15:25`) that the post does not tell,
//! from the file's history — never invented:
//!
//! 1. **The commit that added the file**, when it lies in a git work tree: the earlier of
//!    that commit's author and committer times (a rebase moves the committer time later; a
//!    backfill may set either). A bot that commits hourly gives the publication time within
//!    the hour. One pass over the history, kept in the index folder ([`GIT_TIMES_FILE`])
//!    and brought up to date from the commits since. In a shallow clone the oldest commit
//!    "adds" every file it holds, so its files get no year from it; nor do the files of a
//!    commit that adds [`BULK_COMMIT_FILES`] or more article files at once (an archive
//!    imported in one commit, sample posts added to a project): its time is the import's.
//! 2. **The modification time**, only where it can be the time the post was written: not
//!    when it falls in a minute in which [`BURST_FILES`] or more article files under the
//!    roots were modified, or at least half of them — as after a clone, a copy or an
//!    unpacking that did not keep times.
//!
//! Either gives the latest year that does not put the date more than a day after it.
//! Without either, the year is unknown and the date is kept as written, without a year.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::article::{YearLess, YearSource};

use super::walk::article_format;

/// A commit adding this many article files or more is an import, not a post's publication:
/// its files get no year from it. (The hourly bot's commits of the 82,832-post corpus add
/// 23 posts on average.)
pub const BULK_COMMIT_FILES: usize = 200;

/// The file in the index folder that keeps each repository's commit times.
pub const GIT_TIMES_FILE: &str = "git-times.json";

/// Files modified in one minute from which their modification times are not taken as
/// publication times.
pub const BURST_FILES: u32 = 50;

/// Where the years of dates without one come from, for one run. Nothing is read until a
/// post needs it.
pub(super) struct DateEvidence {
    /// The run's root folders, links resolved.
    roots: Vec<PathBuf>,
    /// Where the commit times are kept (`None`: read, never written, as in a dry run).
    kept_in: Option<PathBuf>,
    git: OnceLock<Mutex<GitTimes>>,
    bursts: OnceLock<Bursts>,
}

impl DateEvidence {
    pub(super) fn new(roots: Vec<PathBuf>, kept_in: Option<PathBuf>) -> DateEvidence {
        DateEvidence {
            roots,
            kept_in,
            git: OnceLock::new(),
            bursts: OnceLock::new(),
        }
    }

    /// The date `year_less` is for the file at `path`, and where its year came from; or
    /// why no year could be found.
    pub(super) fn date(
        &self,
        year_less: &YearLess,
        path: &Path,
        modified: Option<SystemTime>,
    ) -> Result<(DateTime<FixedOffset>, YearSource), String> {
        let committed = self.committed(path);
        if let Some(date) = committed.and_then(|time| year_less.latest_by(time)) {
            return Ok((date, YearSource::Commit));
        }
        let Some(modified) = modified else {
            return Err("no commit adds the file and it has no modification time".into());
        };
        let bursts = self.bursts.get_or_init(|| Bursts::count(&self.roots));
        let shared = bursts.sharing(modified);
        if !bursts.is_burst(shared) {
            let time = DateTime::<chrono::Utc>::from(modified).fixed_offset();
            if let Some(date) = year_less.latest_by(time) {
                return Ok((date, YearSource::Modified));
            }
        }
        let history = match committed {
            Some(_) => "",
            None => "no git commit of its own adds the file, ",
        };
        Err(format!(
            "{history}its modification time is shared by {shared} files modified in the same \
             minute (a clone or a copy)"
        ))
    }

    /// When the commit that added the file at `path` was made, if it lies in a git work
    /// tree and was committed.
    pub(super) fn committed(&self, path: &Path) -> Option<DateTime<FixedOffset>> {
        let git = self
            .git
            .get_or_init(|| Mutex::new(GitTimes::load(&self.roots, self.kept_in.as_deref())));
        let path = fs::canonicalize(path).ok()?;
        let git = git.lock().unwrap_or_else(|e| e.into_inner());
        let seconds = git.repos.iter().find_map(|repo| {
            let below = path.strip_prefix(&repo.top).ok()?;
            repo.added.get(below.to_str()?).copied()
        })??;
        DateTime::from_timestamp(seconds, 0).map(|t| t.fixed_offset())
    }

    /// Keeps the commit times read in this run for the next (when any were read afresh).
    pub(super) fn save(&self) -> std::io::Result<()> {
        let (Some(kept_in), Some(git)) = (&self.kept_in, self.git.get()) else {
            return Ok(());
        };
        let git = git.lock().unwrap_or_else(|e| e.into_inner());
        if !git.changed {
            return Ok(());
        }
        let json = serde_json::to_vec(&KeptTimes {
            repos: git.repos.clone(),
        })
        .map_err(std::io::Error::other)?;
        let staged = kept_in.join(format!("{GIT_TIMES_FILE}.new"));
        fs::write(&staged, json)?;
        fs::rename(&staged, kept_in.join(GIT_TIMES_FILE))
    }
}

/// How many article files under the roots were modified in each minute.
struct Bursts {
    per_minute: HashMap<i64, u32>,
    files: u32,
}

impl Bursts {
    fn count(roots: &[PathBuf]) -> Bursts {
        let mut per_minute = HashMap::new();
        let mut files = 0;
        for root in roots {
            let walker = ignore::WalkBuilder::new(root)
                .standard_filters(false)
                .hidden(true)
                .build();
            for entry in walker.flatten() {
                let is_article = entry.file_type().is_some_and(|t| t.is_file())
                    && article_format(entry.file_name()).is_some();
                let modified = entry.metadata().ok().and_then(|m| m.modified().ok());
                if let (true, Some(modified)) = (is_article, modified) {
                    *per_minute.entry(minute(modified)).or_insert(0) += 1;
                    files += 1;
                }
            }
        }
        Bursts { per_minute, files }
    }

    /// How many article files were modified in the minute of `modified`.
    fn sharing(&self, modified: SystemTime) -> u32 {
        self.per_minute
            .get(&minute(modified))
            .copied()
            .unwrap_or(0)
            .max(1)
    }

    fn is_burst(&self, shared: u32) -> bool {
        shared >= BURST_FILES || shared * 2 >= self.files.max(2)
    }
}

fn minute(time: SystemTime) -> i64 {
    DateTime::<chrono::Utc>::from(time)
        .timestamp()
        .div_euclid(60)
}

/// The commit times of the repositories the roots lie in.
struct GitTimes {
    repos: Vec<Repository>,
    /// Read afresh in this run (to be kept).
    changed: bool,
}

/// As kept in [`GIT_TIMES_FILE`].
#[derive(Serialize, Deserialize, Default)]
struct KeptTimes {
    repos: Vec<Repository>,
}

/// One repository's files and when the commit that added each was made.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Repository {
    /// Its work tree's top folder.
    top: PathBuf,
    /// The commit the times are read up to.
    head: String,
    /// Seconds since the epoch, by path below `top` (`None`: added by an import).
    added: HashMap<String, Option<i64>>,
}

impl GitTimes {
    fn load(roots: &[PathBuf], kept_in: Option<&Path>) -> GitTimes {
        let kept: KeptTimes = kept_in
            .and_then(|dir| fs::read(dir.join(GIT_TIMES_FILE)).ok())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        let mut times = GitTimes {
            repos: Vec::new(),
            changed: false,
        };
        for root in roots {
            let Some(work_tree) = WorkTree::of(root) else {
                continue;
            };
            if times.repos.iter().any(|r| r.top == work_tree.top) {
                continue;
            }
            let earlier = kept.repos.iter().find(|r| r.top == work_tree.top);
            match earlier {
                Some(repo) if repo.head == work_tree.head => times.repos.push(repo.clone()),
                _ => {
                    times.repos.push(work_tree.read(earlier));
                    times.changed = true;
                }
            }
        }
        times
    }
}

/// A git work tree a root lies in.
struct WorkTree {
    top: PathBuf,
    head: String,
    shallow: bool,
}

impl WorkTree {
    /// The work tree `folder` lies in, if git is installed, it is one and it has commits.
    fn of(folder: &Path) -> Option<WorkTree> {
        let out = git(
            folder,
            &[
                "rev-parse",
                "--show-toplevel",
                "--is-shallow-repository",
                "HEAD",
            ],
        )?;
        let mut lines = out.lines();
        let top = fs::canonicalize(lines.next()?).ok()?;
        let shallow = lines.next()? == "true";
        let head = lines.next()?.to_string();
        Some(WorkTree { top, head, shallow })
    }

    /// The commit times up to HEAD: those of `earlier` and the commits since it, when its
    /// commit is still in the history; otherwise the whole history read again.
    fn read(&self, earlier: Option<&Repository>) -> Repository {
        let since = earlier.filter(|repo| {
            let range = ["merge-base", "--is-ancestor", &repo.head, &self.head];
            git(&self.top, &range).is_some()
        });
        let mut added = since.map(|repo| repo.added.clone()).unwrap_or_default();
        let range = match since {
            Some(repo) => format!("{}..{}", repo.head, self.head),
            None => self.head.clone(),
        };
        let log = git(
            &self.top,
            &[
                "-c",
                "core.quotepath=off",
                "log",
                "--no-renames",
                "--diff-filter=A",
                "--name-only",
                "-z",
                "--format=%x1e%at %ct",
                &range,
            ],
        )
        .unwrap_or_default();
        let mut commits: Vec<(i64, Vec<&str>)> = log
            .split('\u{1e}')
            .filter_map(|commit| {
                let (times, paths) = commit.split_once('\0')?;
                let (author, committer) = times.split_once(' ')?;
                let time = author.parse::<i64>().ok()?.min(committer.parse().ok()?);
                let paths = paths.split('\0').map(|p| p.trim_start_matches('\n'));
                Some((time, paths.filter(|p| !p.is_empty()).collect()))
            })
            .collect();
        if self.shallow && since.is_none() {
            // The oldest commit of a shallow clone holds every file it cut off.
            commits.pop();
        }
        // Oldest first: the first commit that added a path gives its time (none, for an
        // import's files).
        for (time, paths) in commits.into_iter().rev() {
            let articles = paths
                .iter()
                .filter(|path| article_format(std::ffi::OsStr::new(path)).is_some())
                .count();
            let time = (articles < BULK_COMMIT_FILES).then_some(time);
            for path in paths {
                added.entry(path.to_string()).or_insert(time);
            }
        }
        Repository {
            top: self.top.clone(),
            head: self.head.clone(),
            added,
        }
    }
}

/// What `git` prints for `args` run in `folder`; `None` when it cannot run or fails.
fn git(folder: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(folder)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

//! The walk of an ingest: which files under the roots are articles, and their ids.
//!
//! Invariants:
//! - only regular files with an article extension become jobs; anything else with such a
//!   name (a FIFO, a device) is reported, never opened;
//! - a symbolic link that leaves its root is not followed unless `follow` is set, and is
//!   reported; links inside the root and link loops are handled as ripgrep's walker does;
//! - a file name that is not UTF-8 gets an id all the same (read as GBK when it is valid
//!   GBK, else with its undecodable bytes written `%XX`) and a warning saying so;
//! - a root with any part that could not be walked is marked incomplete, so `--prune`
//!   never removes an article because its folder could not be read.

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crossbeam_channel::Sender;

use super::site::{is_note, SiteLayout};
use super::{FileError, IngestEvent, Job, Write};
use crate::article::BodyFormat;
use crate::error::{Error, Result};
use crate::source::document_id;

/// A file or folder given to ingest.
#[derive(Debug, Clone)]
pub struct Root {
    /// As given on the command line.
    pub given: PathBuf,
    /// The absolute folder ids are relative to: the root itself with its links resolved,
    /// or the folder holding it when the root is a file.
    pub folder: PathBuf,
    /// `folder` as text, as recorded with each article.
    pub folder_text: Arc<str>,
    /// When the root is a file: its id (the only article `--prune` may remove for it).
    pub file_id: Option<String>,
    /// When only some paths under the root are walked (a watch round after events): those
    /// paths; `--prune` then removes only articles at or under them.
    pub targets: Option<Vec<Target>>,
    /// The site the root is the root of (only its posts folder is walked).
    pub layout: Option<SiteLayout>,
}

/// A path under a root that a round walks instead of the whole root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Where the walk starts: the root as given, joined with the path below it.
    pub start: PathBuf,
    /// The path below the root as an id: the article's id, or the prefix of the ids of
    /// the articles in the folder.
    pub id: String,
}

impl Target {
    /// Whether the article `id` is at or under this target.
    pub fn holds(&self, id: &str) -> bool {
        id == self.id
            || id
                .strip_prefix(self.id.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

impl Root {
    /// Resolves a root given on the command line; an error when it does not exist.
    pub fn resolve(given: &Path) -> Result<Root> {
        let canonical = given.canonicalize().map_err(|err| Error::io(given, err))?;
        let (folder, file_id) = match canonical.parent() {
            Some(parent) if !canonical.is_dir() => {
                let name = canonical.file_name().map(Path::new).unwrap_or(&canonical);
                (parent.to_path_buf(), Some(document_id(name).0))
            }
            _ => (canonical, None),
        };
        let layout = file_id.is_none().then(|| SiteLayout::of(&folder)).flatten();
        Ok(Root {
            given: given.to_path_buf(),
            folder_text: folder.to_string_lossy().into(),
            folder,
            file_id,
            targets: None,
            layout,
        })
    }

    /// Walk only `paths` (absolute, or as the root was given) of this folder root: the
    /// ones below it, outermost only, none inside a hidden folder. A root that is a file
    /// is walked whole (it is one file).
    pub fn only(&mut self, paths: &[PathBuf]) {
        if self.file_id.is_some() {
            return;
        }
        let mut relative: Vec<PathBuf> = paths
            .iter()
            .filter_map(|path| {
                let below = path
                    .strip_prefix(&self.folder)
                    .or_else(|_| path.strip_prefix(&self.given))
                    .ok()?;
                let hidden = below
                    .parent()
                    .into_iter()
                    .flat_map(Path::components)
                    .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
                (!hidden && !below.as_os_str().is_empty()).then(|| below.to_path_buf())
            })
            .collect();
        // Sorted, a folder comes right before what is inside it: keep the outermost.
        relative.sort();
        let mut outermost: Vec<PathBuf> = Vec::new();
        for below in relative {
            if outermost.last().is_none_or(|last| !below.starts_with(last)) {
                outermost.push(below);
            }
        }
        let targets = outermost
            .into_iter()
            .map(|below| Target {
                start: self.given.join(&below),
                id: document_id(&below).0,
            })
            .collect();
        self.targets = Some(targets);
    }
}

/// What the walk found besides the jobs it sent.
#[derive(Debug, Default)]
pub struct Walked {
    /// Ids of the article files found, by root (kept only when asked for).
    pub seen: HashSet<(usize, String)>,
    /// Whether each root was walked completely (no folder left unread, not interrupted).
    pub complete: Vec<bool>,
    /// Article files sent as jobs.
    pub files: usize,
}

/// How to walk.
#[derive(Debug, Clone, Copy)]
pub struct WalkOptions {
    /// Keep the ids found (for `--prune`, and to catch one id under two roots).
    pub track_ids: bool,
    /// Follow symbolic links that leave their root.
    pub follow: bool,
    /// Read a site root's drafts folder too.
    pub drafts: bool,
}

type Events = Sender<(IngestEvent, Option<Write>)>;

/// Sends every article file under `roots` as a job.
pub fn walk(
    roots: &[Root],
    options: WalkOptions,
    jobs: Sender<Job>,
    events: Events,
    stop: &AtomicBool,
) -> Walked {
    let mut walk = Walk {
        roots,
        options,
        jobs,
        events,
        stop,
        first_root_of: HashMap::new(),
        walked: Walked {
            seen: HashSet::new(),
            complete: vec![false; roots.len()],
            files: 0,
        },
    };
    let mut whole = true;
    for number in 0..roots.len() {
        if !walk.root(number) {
            whole = false;
            break;
        }
    }
    if whole {
        let files = walk.walked.files;
        walk.send(IngestEvent::Walked { files });
    }
    walk.walked
}

/// The state of a walk over several roots.
struct Walk<'a> {
    roots: &'a [Root],
    options: WalkOptions,
    jobs: Sender<Job>,
    events: Events,
    stop: &'a AtomicBool,
    /// The root each id was first found under (when ids are tracked).
    first_root_of: HashMap<String, usize>,
    walked: Walked,
}

impl Walk<'_> {
    /// Walks one root; `false` when the run is stopping.
    fn root(&mut self, number: usize) -> bool {
        let root = &self.roots[number];
        if let (Some(layout), None) = (root.layout, &root.targets) {
            let message = layout.note(self.options.drafts);
            let path = root.given.clone();
            if !self.send(IngestEvent::Note { path, message }) {
                return false;
            }
        }
        let starts: Vec<&Path> = match &root.targets {
            Some(targets) => targets.iter().map(|t| t.start.as_path()).collect(),
            None => vec![root.given.as_path()],
        };
        let mut complete = true;
        for start in starts {
            // A target that is gone is nothing to walk (prune removes its articles).
            if root.targets.is_some() && std::fs::symlink_metadata(start).is_err() {
                continue;
            }
            match self.walk_from(number, start) {
                Some(whole) => complete &= whole,
                None => return false,
            }
        }
        self.walked.complete[number] = complete;
        true
    }

    /// Walks root `number` from `start` (the root or a target under it): whether it was
    /// walked completely, `None` when the run is stopping.
    fn walk_from(&mut self, number: usize, start: &Path) -> Option<bool> {
        let root = &self.roots[number];
        let not_followed: Arc<Mutex<Vec<(PathBuf, String)>>> = Arc::default();
        let reading = Reading {
            follow: self.options.follow,
            drafts: self.options.drafts,
        };
        let walker = build_walker(root, start, reading, Arc::clone(&not_followed));
        let mut complete = true;
        for entry in walker {
            if self.stop.load(Ordering::Relaxed) || !self.report_not_followed(&not_followed) {
                return None;
            }
            let sent = match entry {
                Ok(entry) => self.take_entry(number, &entry),
                Err(err) => {
                    complete = false;
                    let (path, reason) = walk_error(&err);
                    let path = path.unwrap_or_else(|| start.to_path_buf());
                    self.send(IngestEvent::WalkError { path, reason })
                }
            };
            if !sent {
                return None;
            }
        }
        self.report_not_followed(&not_followed).then_some(complete)
    }

    /// Sends an event; `false` when the run is stopping.
    fn send(&self, event: IngestEvent) -> bool {
        self.events.send((event, None)).is_ok()
    }

    /// A walked entry of root `number`: an article file becomes a job; anything else with
    /// an article's name is reported. `false` when the run is stopping.
    fn take_entry(&mut self, number: usize, entry: &ignore::DirEntry) -> bool {
        let root = &self.roots[number];
        let Some(file_type) = entry.file_type() else {
            return true;
        };
        let Some(format) = article_format(entry.file_name()).filter(|_| !file_type.is_dir()) else {
            return true;
        };
        let path = entry.path();
        if !file_type.is_file() {
            return self.send(IngestEvent::Skipped {
                path: path.to_path_buf(),
                reason: FileError::NotRegular.to_string(),
                code: FileError::NotRegular.code(),
            });
        }
        if is_note_file(path) {
            return self.send(IngestEvent::Skipped {
                path: path.to_path_buf(),
                reason: "a project note (its name, no front matter), not a post; skipped".into(),
                code: "not_a_post",
            });
        }
        let relative = if root.file_id.is_some() {
            Path::new(entry.file_name())
        } else {
            path.strip_prefix(&root.given).unwrap_or(path)
        };
        let (id, name_warning) = document_id(relative);
        let mut warnings: Vec<String> = name_warning.into_iter().collect();
        let (job_id, job_root) = match self.place(number, &id, &mut warnings) {
            Ok(placed) => placed,
            Err(reason) => return self.send(IngestEvent::failed(path, reason)),
        };
        self.first_root_of.entry(id.clone()).or_insert(number);
        if self.options.track_ids {
            self.walked.seen.insert((number, id));
        }
        let job = Job {
            path: path.to_path_buf(),
            id: job_id,
            root: job_root,
            format,
            warnings,
        };
        self.walked.files += 1;
        self.jobs.send(job).is_ok()
    }

    /// The id and root folder a file of root `number` whose id is `id` is indexed under:
    /// its own; or, when another root of the run has a file of this id, apart under its
    /// root folder's name (`blogB/_posts/…`, recorded under the folder above), with a
    /// warning. Another file of the same root reading as the same id (a name that is not
    /// UTF-8, written with %XX, and a name that is those characters) is an error.
    fn place(
        &self,
        number: usize,
        id: &str,
        warnings: &mut Vec<String>,
    ) -> std::result::Result<(String, Arc<str>), FileError> {
        let root = &self.roots[number];
        let Some(&first) = self.first_root_of.get(id) else {
            return Ok((id.to_string(), Arc::clone(&root.folder_text)));
        };
        let clash = || FileError::DuplicateId {
            id: id.to_string(),
            other_root: self.roots[first].given.display().to_string(),
        };
        if first == number {
            return Err(clash());
        }
        let (lifted_id, parent) = lifted(&root.folder, id).ok_or_else(clash)?;
        warnings.push(format!(
            "has the same id {id:?} as a file under {}; indexed as {lifted_id:?}",
            self.roots[first].given.display()
        ));
        Ok((lifted_id, parent))
    }

    /// Reports the links the walker's filter did not follow; `false` when the run is stopping.
    fn report_not_followed(&self, not_followed: &Mutex<Vec<(PathBuf, String)>>) -> bool {
        let skipped: Vec<_> = {
            let mut list = not_followed.lock().unwrap_or_else(|e| e.into_inner());
            list.drain(..).collect()
        };
        skipped.into_iter().all(|(path, reason)| {
            self.events
                .send((
                    IngestEvent::Skipped {
                        path,
                        reason,
                        code: "link_leaves_root",
                    },
                    None,
                ))
                .is_ok()
        })
    }
}

/// ripgrep's walker over a root: honours .gitignore, .ignore and .sousuoignore files;
/// hidden files are walked (the RSSHub bot writes a post named `.md`), hidden folders not;
/// links leaving the root are left out (unless `follow`) and listed in `not_followed`.
///
/// A walk from a target below the root starts at the target's folder and takes only the
/// target from it, so the target itself is judged as in a whole walk (ignore files, hidden
/// folders, links leaving the root).
fn build_walker(
    root: &Root,
    start: &Path,
    Reading { follow, drafts }: Reading,
    not_followed: Arc<Mutex<Vec<(PathBuf, String)>>>,
) -> ignore::Walk {
    let folder = root.folder.clone();
    let (layout, given) = (root.layout, root.given.clone());
    let (from, only) = match start.parent() {
        Some(parent) if start != root.given => (parent, Some(start.to_path_buf())),
        _ => (start, None),
    };
    ignore::WalkBuilder::new(from)
        .hidden(false)
        .follow_links(true)
        .parents(true)
        // A site's .gitignore holds whether or not the site is a git work tree.
        .require_git(layout.is_none())
        .add_custom_ignore_filename(".sousuoignore")
        .filter_entry(move |entry| {
            if entry.depth() == 1 && only.as_ref().is_some_and(|only| entry.path() != only) {
                return false;
            }
            if entry.depth() > 0 && is_hidden_dir(entry) {
                return false;
            }
            if let Some(layout) = layout {
                let below = entry.path().strip_prefix(&given).unwrap_or(entry.path());
                if !below.as_os_str().is_empty() && !layout.walks(below, drafts) {
                    return false;
                }
            }
            if entry.depth() == 0 || follow || !entry.path_is_symlink() {
                return true;
            }
            let Some(target) = link_leaving(entry.path(), &folder) else {
                return true;
            };
            let reason = format!(
                "symbolic link to {} leaves {}; not followed (--follow follows it)",
                target.display(),
                folder.display()
            );
            let mut skipped = not_followed.lock().unwrap_or_else(|e| e.into_inner());
            skipped.push((entry.path().to_path_buf(), reason));
            false
        })
        // In name order, so every walk goes the same way. The entries of one folder share
        // its path up to their names, so their paths' bytes order as their names do; the
        // crate's by-name sort takes each name from its path at every comparison (15% of
        // a re-ingest with tens of thousands of posts in one folder).
        .sort_by_file_path(|a, b| a.as_os_str().cmp(b.as_os_str()))
        .build()
}

/// Whether the file at `path` is a project note (README, LICENSE, …, without front
/// matter): only such names are opened, and only their start is read.
fn is_note_file(path: &Path) -> bool {
    use std::io::Read;
    let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
        return false;
    };
    if !is_note(stem, "") {
        return false;
    }
    let mut start = [0u8; 64];
    let read = std::fs::File::open(path).and_then(|mut file| file.read(&mut start));
    read.is_ok_and(|n| is_note(stem, &String::from_utf8_lossy(&start[..n])))
}

/// How a walk reads what it finds.
#[derive(Debug, Clone, Copy)]
struct Reading {
    follow: bool,
    drafts: bool,
}

/// Where a symbolic link at `path` leads, when that is outside `folder`.
fn link_leaving(path: &Path, folder: &Path) -> Option<PathBuf> {
    // A dangling link is left to the reader, which reports it.
    let target = path.canonicalize().ok()?;
    (!target.starts_with(folder)).then_some(target)
}

fn is_hidden_dir(entry: &ignore::DirEntry) -> bool {
    entry.file_type().is_some_and(|t| t.is_dir())
        && entry.file_name().to_string_lossy().starts_with('.')
}

/// The path an error is about, and a one-line reason.
fn walk_error(err: &ignore::Error) -> (Option<PathBuf>, String) {
    match err {
        ignore::Error::WithPath { path, err } => (Some(path.clone()), walk_error(err).1),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error(err)
        }
        ignore::Error::Loop { ancestor, child } => (
            Some(child.clone()),
            format!(
                "symbolic link loop back to {}; not followed",
                ancestor.display()
            ),
        ),
        ignore::Error::Io(io) => (None, io.to_string()),
        other => (None, other.to_string()),
    }
}

/// The id and root of a file whose id (below `folder`) another root's article holds: the
/// folder's own name joined in front, recorded under the folder above it, so the id stays
/// the file's path below its recorded root. `None` at the top of the file system.
pub(super) fn lifted(folder: &Path, id: &str) -> Option<(String, Arc<str>)> {
    let parent = folder.parent()?;
    let (name, _) = document_id(Path::new(folder.file_name()?));
    Some((format!("{name}/{id}"), parent.to_string_lossy().into()))
}

/// The body format of an article file, from its name; `None` for other files. A file named
/// just `.md` is an article too (the bot writes one for an empty title).
pub fn article_format(file_name: &OsStr) -> Option<BodyFormat> {
    let name = file_name.to_string_lossy();
    let (_, extension) = name.rsplit_once('.')?;
    BodyFormat::from_extension(extension)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_ids_use_forward_slashes() {
        let (id, warning) = document_id(Path::new("金融/新浪财经/a b.md"));
        assert_eq!(id, "金融/新浪财经/a b.md");
        assert_eq!(warning, None);
        assert_eq!(
            article_format(OsStr::new(".md")),
            Some(BodyFormat::Markdown)
        );
        assert_eq!(article_format(OsStr::new("a.HTM")), Some(BodyFormat::Html));
        assert_eq!(article_format(OsStr::new(".DS_Store")), None);
        assert_eq!(article_format(OsStr::new("md")), None);
    }
}

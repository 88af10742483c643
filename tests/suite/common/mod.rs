//! Helpers for running the real `sousuo` binary in temporary folders.

#![allow(dead_code)]

pub mod server;
pub mod watching;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;
use tempfile::TempDir;

/// The fixtures folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// What a run printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, and that stderr says `message`.
    pub fn assert_error(&self, code: i32, message: &str) {
        assert_eq!(self.code, code, "{self:?}");
        assert!(
            self.stderr.contains(message),
            "stderr lacks {message:?}: {}",
            self.stderr
        );
    }

    /// stdout as JSON Lines.
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }

    /// The JSON hits (the lines that are not the closing facets, summary or duplicates).
    pub fn hits(&self) -> Vec<Value> {
        self.json_lines()
            .into_iter()
            .filter(|line| {
                let closing = ["summary", "facets", "duplicates"]
                    .iter()
                    .any(|key| line.get(key).is_some());
                line.get("id").is_some() || !closing
            })
            .collect()
    }

    /// The ids of JSON hits, in order.
    pub fn hit_ids(&self) -> Vec<String> {
        self.hits()
            .iter()
            .map(|hit| hit["id"].as_str().unwrap().to_string())
            .collect()
    }

    /// The closing `{"summary": …}` line of `query --json`.
    pub fn summary(&self) -> Value {
        let lines = self.json_lines();
        let last = lines
            .last()
            .unwrap_or_else(|| panic!("no output: {self:?}"));
        last["summary"].clone()
    }
}

/// The highlighted parts of a JSON hit's snippet (its `highlights` are character ranges).
pub fn marked(hit: &Value) -> Vec<String> {
    let snippet: Vec<char> = hit["snippet"].as_str().unwrap().chars().collect();
    hit["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|range| {
            let start = range[0].as_u64().unwrap() as usize;
            let end = range[1].as_u64().unwrap() as usize;
            snippet[start..end].iter().collect()
        })
        .collect()
}

/// Runs sousuo with `args` in `dir`.
pub fn sousuo(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_sousuo"))
        .args(args)
        .current_dir(dir)
        .env_remove("SOUSUO_INDEX")
        .env("NO_COLOR", "1")
        .output()
        .expect("sousuo runs");
    let code = exit_code(output.status, args, &output.stderr);
    Run {
        code,
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// The exit code of a run; a death by signal (an abort, a stack overflow) is never an
/// acceptable outcome, so it fails the test.
pub fn exit_code(status: std::process::ExitStatus, args: &[&str], stderr: &[u8]) -> i32 {
    status.code().unwrap_or_else(|| {
        panic!(
            "sousuo {args:?} was killed by a signal ({status}); stderr: {}",
            String::from_utf8_lossy(stderr)
        )
    })
}

/// A temp folder with a copy of some fixture folders under `posts/`.
pub struct Workspace {
    pub dir: TempDir,
}

impl Workspace {
    pub fn with_fixtures(folders: &[&str]) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        for folder in folders {
            copy_dir(
                &fixtures().join(folder),
                &dir.path().join("posts").join(folder),
            );
        }
        Workspace { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn posts(&self) -> PathBuf {
        self.path().join("posts")
    }

    /// Runs sousuo in the workspace.
    pub fn run(&self, args: &[&str]) -> Run {
        sousuo(self.path(), args)
    }

    /// Starts sousuo in the workspace without waiting for it, with the given output pipes.
    pub fn spawn(&self, args: &[&str], output: fn() -> Stdio) -> Child {
        Command::new(env!("CARGO_BIN_EXE_sousuo"))
            .args(args)
            .current_dir(self.path())
            .env_remove("SOUSUO_INDEX")
            .stdout(output())
            .stderr(output())
            .spawn()
            .expect("sousuo starts")
    }

    /// Ingests `posts/` into the default index; returns the JSON summary.
    pub fn ingest(&self) -> (Run, Value) {
        let run = self.run(&[
            "ingest",
            "posts",
            "--json",
            "--threads",
            "2",
            "--memory",
            "32",
        ]);
        let summary =
            serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {run:?}"));
        (run, summary)
    }

    /// Queries with `--json`; the query must run (exit 0 with hits, 1 without), so a
    /// failed query can never pass for one without hits.
    pub fn query(&self, query: &str) -> Run {
        let run = self.run(&["query", query, "--json", "--limit", "20"]);
        assert!(
            run.code == 0 || run.code == 1,
            "query {query:?} failed: {run:?}"
        );
        assert_eq!(run.code == 0, !run.hits().is_empty(), "{run:?}");
        run
    }
}

/// A workspace with these posts under `posts/news/` — (file name, category, date, title,
/// body), each with a `link` — ingested.
pub fn news_archive(posts: &[(&str, &str, &str, &str, &str)]) -> Workspace {
    let workspace = Workspace::with_fixtures(&[]);
    let folder = workspace.posts().join("news");
    std::fs::create_dir_all(&folder).unwrap();
    for (name, category, date, title, body) in posts {
        let text = format!(
            "---\ntitle: '{title}'\ncategories:\n - {category}\ndate: {date}\nlink: https://example.com/{name}\n---\n{body}\n"
        );
        std::fs::write(folder.join(name), text).unwrap();
    }
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    workspace
}

/// A blog of 12 posts about 暴雨 by three authors (张三 writes posts 0, 3, 6, 9), every one
/// tagged 天气, the even ones also 城市, the first eight each with a tag of its own
/// (标签0 … 标签7): ten tags in all.
pub fn blog_archive() -> Workspace {
    let workspace = Workspace::with_fixtures(&[]);
    let folder = workspace.posts().join("_posts");
    std::fs::create_dir_all(&folder).unwrap();
    for i in 0..12 {
        let author = ["张三", "李四", "王五"][i % 3];
        let mut tags = vec!["天气".to_string()];
        if i % 2 == 0 {
            tags.push("城市".into());
        }
        if i < 8 {
            tags.push(format!("标签{i}"));
        }
        let text = format!(
            "---\ntitle: 暴雨第{i}篇\nauthor: {author}\ntags: [{}]\ndate: 2023-07-{:02} 10:00\n---\n暴雨来袭，第{i}篇记录。\n",
            tags.join(", "),
            i + 1
        );
        std::fs::write(
            folder.join(format!("2023-07-{:02}-rain-{i}.md", i + 1)),
            text,
        )
        .unwrap();
    }
    let (run, _) = workspace.ingest();
    assert_eq!(run.code, 0, "{run:?}");
    workspace
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Writes `count` small posts under `dir/posts/gen/`.
pub fn write_posts(dir: &Path, count: usize) {
    let posts = dir.join("posts/gen");
    std::fs::create_dir_all(&posts).unwrap();
    let topics = [
        "算力", "春耕", "大会", "铁路", "气象", "外贸", "教育", "医疗",
    ];
    // Sentences drawn from 8 × 8 × 8 parts: posts share words, not text, so they are not
    // near-duplicates of each other (a folder of one story told 3,000 times is another test).
    let who = [
        "记者", "专家", "企业", "市民", "学校", "医院", "银行", "农户",
    ];
    let did = [
        "调查了",
        "讨论了",
        "关注着",
        "推动了",
        "报道了",
        "分析了",
        "参与了",
        "支持了",
    ];
    let what = [
        "新项目",
        "老问题",
        "市场变化",
        "政策落地",
        "技术升级",
        "服务改进",
        "价格走势",
        "人才培养",
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut pick = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for i in 0..count {
        let topic = topics[i % topics.len()];
        let body: String = (0..20)
            .map(|j| {
                let (a, b, c) = (who[pick(8)], did[pick(8)], what[pick(8)]);
                let (d, e) = (who[pick(8)], what[pick(8)]);
                format!("<p>第{j}段：{topic}方面，{a}{b}{c}，{d}谈到{e}，编号{i}。</p>\n")
            })
            .collect();
        let post = format!(
            "\n---\ntitle: '{topic}新闻第{i}篇'\ncategories:\n - 新闻\n - {topic}\ndate: 2023-05-{:02} 10:00\n---\n<div>{body}</div>\n",
            i % 28 + 1
        );
        std::fs::write(posts.join(format!("post-{i:05}.md")), post).unwrap();
    }
}

/// The number of articles in the workspace's index (`stats --json`).
pub fn documents(workspace: &Workspace) -> u64 {
    let run = workspace.run(&["stats", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let stats: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    stats["documents"].as_u64().unwrap()
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The sousuo binary as a user whose file permissions bind: as root (which reads and writes
/// everything whatever the modes), run as `nobody` through `setpriv`.
pub fn sousuo_with_permissions() -> Command {
    if is_root() {
        let mut setpriv = Command::new("setpriv");
        setpriv.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        setpriv.arg(env!("CARGO_BIN_EXE_sousuo"));
        setpriv
    } else {
        Command::new(env!("CARGO_BIN_EXE_sousuo"))
    }
}

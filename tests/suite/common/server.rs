//! A running `sousuo serve` on a free port of this machine, stopped when dropped, and plain
//! HTTP requests to it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use super::Workspace;

pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The line the server printed when it started listening.
    #[allow(dead_code)]
    pub banner: String,
    agent: ureq::Agent,
}

/// One answer: status, content type, Content-Security-Policy, body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub csp: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }
}

impl Server {
    /// Starts `sousuo serve --listen 127.0.0.1:0 ARGS…` in the workspace and waits for the
    /// line that says where it listens.
    pub fn start(workspace: &Workspace, args: &[&str]) -> Server {
        Server::start_with_env(workspace, args, &[])
    }

    /// [`Server::start`] with these environment variables set.
    pub fn start_with_env(workspace: &Workspace, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sousuo"))
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .current_dir(workspace.path())
            .env_remove("SOUSUO_INDEX")
            .env_remove("SOUSUO_TOKEN")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("sousuo serve starts");
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver
            .recv_timeout(Duration::from_secs(30))
            .expect("sousuo serve says where it listens");
        let start = line.find("http://").unwrap_or_else(|| panic!("{line:?}"));
        let url = line[start..].split_whitespace().next().unwrap();
        let base = url[..url[7..].find('/').unwrap() + 7].to_string();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Server {
            child,
            base,
            banner: line,
            agent,
        }
    }

    /// GET `path` (already encoded), with `Authorization: Bearer TOKEN` when given.
    pub fn get_with(&self, path: &str, token: Option<&str>) -> Reply {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let mut response = request.call().unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let (content_type, csp) = (header("content-type"), header("content-security-policy"));
        Reply {
            status: response.status().as_u16(),
            content_type,
            csp,
            body: response.body_mut().read_to_string().expect("a UTF-8 body"),
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.get_with(path, None)
    }

    /// `/api/search` with these parameters (encoded here).
    pub fn search(&self, parameters: &[(&str, &str)]) -> Reply {
        let query = serde_urlencoded::to_string(parameters).unwrap();
        self.get(&format!("/api/search?{query}"))
    }
}

impl Server {
    /// Waits up to 60 s until `/healthz` says the index is served (`serve --watch` on
    /// folders never ingested answers "building" until its first commit); the answer.
    #[allow(dead_code)]
    pub fn wait_until_built(&self) -> Value {
        for _ in 0..600 {
            let health = self.get("/healthz").json();
            if health["status"] == "ok" {
                return health;
            }
            assert_eq!(health["status"], "building", "{health}");
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the index was not built within 60 s");
    }

    /// Sends Ctrl-C (SIGINT) and waits up to 10 s for the server to stop; its exit code.
    #[allow(dead_code)]
    pub fn interrupt(&mut self) -> i32 {
        let sent = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().expect("the server can be waited for") {
                return status
                    .code()
                    .unwrap_or_else(|| panic!("killed by a signal: {status}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the server did not stop within 10 s of Ctrl-C");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

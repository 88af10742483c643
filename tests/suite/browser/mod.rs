//! The search page in headless Chromium (Debian's `chromium` and `chromedriver`), driven
//! over WebDriver, one module per part of the page: the happy path (type, filter, open,
//! follow, go back), the states around it, the filters column, accessibility (axe-core).
//! Screenshots (light, dark, phone width) go to target/browser-test/.
//!
//! Without chromedriver a test says so and passes, unless SOUSUO_BROWSER_TEST=required
//! or CI=true, where a missing browser fails it.

mod accessibility;
mod filters;
mod happy_path;
mod states;

use crate::common;

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::server::Server;
use common::{news_archive, Workspace};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// Posts about 暴雨 in two categories (similar to each other), and one titled with HTML.
pub(crate) fn archive() -> Workspace {
    news_archive(&[
        (
            "a.md",
            "天气",
            "2023-07-20 10:00",
            "南方暴雨来袭",
            "南方多地暴雨，城市内涝，交通受阻。暴雨预警升级。",
        ),
        (
            "b.md",
            "保险",
            "2023-07-21 10:00",
            "暴雨与保险理赔",
            "暴雨带来保险理赔，城市内涝车辆受损。",
        ),
        (
            "c.md",
            "天气",
            "2023-07-22 10:00",
            "北方暴雨预警",
            "北方暴雨预警，城市内涝风险上升，交通受阻。",
        ),
        (
            "x.md",
            "天气",
            "2023-07-23 10:00",
            "<img src=x onerror=alert(1)>",
            "<script>alert(2)</script>晴天少云。",
        ),
    ])
}

pub(crate) fn chromedriver() -> Option<PathBuf> {
    let found = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .map(PathBuf::from)
        .find(|path| path.exists());
    if found.is_none() {
        let required = std::env::var("SOUSUO_BROWSER_TEST").is_ok_and(|v| v == "required")
            || std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !required,
            "SOUSUO_BROWSER_TEST=required or CI=true, but chromedriver is not installed"
        );
        eprintln!(
            "browser test skipped: no chromedriver (apt-get install chromium chromium-driver)"
        );
    }
    found
}

pub(crate) struct Driver(Child);

impl Driver {
    /// chromedriver on a free port of this machine (stopped when dropped), and the port.
    pub(crate) fn start(path: &Path) -> (Driver, u16) {
        let port = free_port();
        let child = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        (Driver(child), port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) async fn browser(port: u16, profile: &Path, extra: &[&str]) -> Client {
    let mut args = vec![
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--window-size=1280,900".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": "/usr/bin/chromium", "args": args }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let attempt = ClientBuilder::new(connector.clone())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        match attempt {
            Ok(client) => return client,
            Err(e) if Instant::now() > deadline => panic!("chromedriver: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Evaluates `script` until `ready` accepts its value (10 s at most); returns the value.
pub(crate) async fn until(client: &Client, script: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let value = js(client, script).await;
        if ready(&value) {
            return value;
        }
        assert!(Instant::now() < deadline, "{script} stayed {value}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What `script` returns in the page; a script that throws fails the test, naming it.
pub(crate) async fn js(client: &Client, script: &str) -> Value {
    client
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

pub(crate) async fn screenshot(client: &Client, name: &str) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-test");
    fs::create_dir_all(&folder).unwrap();
    let png = client.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
    fs::write(folder.join(format!("{name}.png")), png).unwrap();
}

/// The button of a category facet.
pub(crate) async fn facet(client: &Client, name: &str) -> fantoccini::elements::Element {
    let path = format!("//ul[@id='categories']//button[span='{name}']");
    client.find(Locator::XPath(&path)).await.unwrap()
}

/// Types `text` into the emptied search box and waits for `count` hits; their titles.
pub(crate) async fn search_for(client: &Client, text: &str, count: usize) -> Value {
    let q = client.find(Locator::Id("q")).await.unwrap();
    q.clear().await.unwrap();
    q.send_keys(text).await.unwrap();
    until(client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == count)
    })
    .await
}

pub(crate) const HIT_TITLES: &str =
    "return Array.from(document.querySelectorAll('#hits li a.title')).map(a => a.textContent)";

/// The title of the first hit in the results list.
pub(crate) async fn titles_first(client: &Client) -> Value {
    // The list is hidden behind the article; its nodes are still there.
    js(
        client,
        "return document.querySelector('#hits li a.title').textContent",
    )
    .await
}

/// A browser on a page of a server over an archive: the server, chromedriver and the
/// browser's profile live as long as it.
pub(crate) struct Page {
    pub client: Client,
    pub server: Server,
    /// chromedriver's port, for a second browser.
    pub port: u16,
    _driver: Driver,
    _profile: tempfile::TempDir,
}

impl Page {
    /// Serves `workspace` and opens `path` of it in a browser with the `extra` flags;
    /// `None` when this machine has no chromedriver (and no test requires one).
    pub(crate) async fn open(workspace: &Workspace, path: &str, extra: &[&str]) -> Option<Page> {
        let driver_path = chromedriver()?;
        let server = Server::start(workspace, &[]);
        let (driver, port) = Driver::start(&driver_path);
        let profile = tempfile::tempdir().unwrap();
        let client = browser(port, profile.path(), extra).await;
        client
            .goto(&format!("{}{path}", server.base))
            .await
            .unwrap();
        Some(Page {
            client,
            server,
            port,
            _driver: driver,
            _profile: profile,
        })
    }

    /// Closes the browser.
    pub(crate) async fn close(self) {
        self.client.close().await.unwrap();
    }
}

/// Waits until the results (not an article) show `count` hits.
pub(crate) async fn until_results(client: &Client, count: u64) {
    until(
        client,
        "return document.getElementById('results').hidden ? 0 : document.querySelectorAll('#hits li').length",
        |v| v.as_u64() == Some(count),
    )
    .await;
}

/// Clicks the element `css` selects (the first one).
pub(crate) async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

//! The search page in headless Chromium (Debian's `chromium` and `chromedriver`), driven
//! over WebDriver: type a query, see highlighted hits, filter by a category facet, open an
//! article, follow a similar article, go back; a post titled with HTML shows as text.
//! Screenshots (light, dark, phone width) go to target/browser-test/.
//!
//! Without chromedriver the test says so and passes, unless SOUSUO_BROWSER_TEST=required
//! or CI=true, where a missing browser fails it.

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
fn archive() -> Workspace {
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

fn chromedriver() -> Option<PathBuf> {
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

struct Driver(Child);

impl Driver {
    /// chromedriver on a free port of this machine (stopped when dropped), and the port.
    fn start(path: &Path) -> (Driver, u16) {
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

async fn browser(port: u16, profile: &Path, extra: &[&str]) -> Client {
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
async fn until(client: &Client, script: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let value = client.execute(script, vec![]).await.expect(script);
        if ready(&value) {
            return value;
        }
        assert!(Instant::now() < deadline, "{script} stayed {value}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn screenshot(client: &Client, name: &str) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-test");
    fs::create_dir_all(&folder).unwrap();
    let png = client.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
    fs::write(folder.join(format!("{name}.png")), png).unwrap();
}

/// The button of a category facet.
async fn facet(client: &Client, name: &str) -> fantoccini::elements::Element {
    let path = format!("//ul[@id='categories']//button[span='{name}']");
    client.find(Locator::XPath(&path)).await.unwrap()
}

/// Types `text` into the emptied search box and waits for `count` hits; their titles.
async fn search_for(client: &Client, text: &str, count: usize) -> Value {
    let q = client.find(Locator::Id("q")).await.unwrap();
    q.clear().await.unwrap();
    q.send_keys(text).await.unwrap();
    until(client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == count)
    })
    .await
}

const HIT_TITLES: &str =
    "return Array.from(document.querySelectorAll('#hits li a.title')).map(a => a.textContent)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_filter_open_follow_and_go_back() {
    let Some(driver_path) = chromedriver() else {
        return;
    };
    let workspace = archive();
    let server = Server::start(&workspace, &[]);
    let (_driver, port) = Driver::start(&driver_path);
    let profile = tempfile::tempdir().unwrap();
    let client = browser(port, profile.path(), &[]).await;
    client.goto(&format!("{}/", server.base)).await.unwrap();

    // `/` focuses the box; typing searches.
    let body = client.find(Locator::Css("body")).await.unwrap();
    body.send_keys("/").await.unwrap();
    let focused = client
        .execute("return document.activeElement.id", vec![])
        .await
        .unwrap();
    assert_eq!(focused, "q");
    client
        .find(Locator::Id("q"))
        .await
        .unwrap()
        .send_keys("暴雨")
        .await
        .unwrap();
    let titles = until(&client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 3)
    })
    .await;
    assert!(titles.to_string().contains("暴雨"), "{titles}");
    let marks = client
        .execute(
            "return Array.from(document.querySelectorAll('#hits mark')).map(m => m.textContent)",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        marks.as_array().unwrap().iter().any(|m| m == "暴雨"),
        "{marks}"
    );
    assert!(client
        .current_url()
        .await
        .unwrap()
        .as_str()
        .contains("q=%E6%9A%B4%E9%9B%A8"));
    screenshot(&client, "light").await;

    // A category facet filters, and goes into the URL.
    facet(&client, "保险").await.click().await.unwrap();
    let titles = until(&client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 1)
    })
    .await;
    assert_eq!(titles[0], "暴雨与保险理赔");
    let url = client.current_url().await.unwrap();
    assert!(url.as_str().contains("category="), "{url}");
    // The list was drawn again: find the facet anew to turn it off.
    let pressed = facet(&client, "保险").await;
    assert_eq!(
        pressed.attr("aria-pressed").await.unwrap().as_deref(),
        Some("true")
    );
    pressed.click().await.unwrap();
    until(&client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 3)
    })
    .await;

    // Keyboard: ↓ selects the first hit, Enter opens it.
    body.send_keys("\u{E015}").await.unwrap();
    body.send_keys("\u{E007}").await.unwrap();
    let first = until(
        &client,
        "return document.getElementById('article').hidden ? null : document.getElementById('article-title').textContent",
        |v| v.as_str().is_some_and(|t| !t.is_empty()),
    )
    .await;
    assert_eq!(first, titles_first(&client).await);
    let marked = client
        .execute(
            "return document.querySelectorAll('#article-body mark').length",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        marked.as_u64().unwrap() > 0,
        "the query's words are marked in the body"
    );
    let link = client.find(Locator::Id("article-link")).await.unwrap();
    assert!(link
        .attr("href")
        .await
        .unwrap()
        .unwrap()
        .starts_with("https://example.com/"));

    // A similar article, then back twice.
    let similar = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#similar li a.title"))
        .await
        .unwrap();
    let next_title = similar.text().await.unwrap();
    similar.click().await.unwrap();
    until(
        &client,
        "return document.getElementById('article-title').textContent",
        |v| v.as_str() == Some(next_title.as_str()),
    )
    .await;
    client.back().await.unwrap();
    until(
        &client,
        "return document.getElementById('article-title').textContent",
        |v| *v == first,
    )
    .await;
    client.back().await.unwrap();
    until(
        &client,
        "return document.getElementById('results').hidden ? 0 : document.querySelectorAll('#hits li').length",
        |v| v.as_u64() == Some(3),
    )
    .await;

    // A title that is HTML shows as its characters; nothing of it runs or loads.
    let titles = search_for(&client, "晴天", 1).await;
    assert_eq!(titles[0], "<img src=x onerror=alert(1)>");
    let images = client
        .execute(
            "return document.querySelectorAll('main img, main script').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(images, 0);

    // Phone width.
    client.set_window_size(390, 844).await.unwrap();
    search_for(&client, "暴雨", 3).await;
    screenshot(&client, "phone").await;
    client.close().await.unwrap();

    // Dark, by the system's setting.
    let profile = tempfile::tempdir().unwrap();
    let dark = browser(port, profile.path(), &["--force-dark-mode"]).await;
    dark.goto(&format!("{}/?q=%E6%9A%B4%E9%9B%A8", server.base))
        .await
        .unwrap();
    until(&dark, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 3)
    })
    .await;
    let scheme = dark
        .execute(
            "return matchMedia('(prefers-color-scheme: dark)').matches",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(scheme, true, "the page sees the dark setting");
    let background = dark
        .execute(
            "return getComputedStyle(document.body).backgroundColor",
            vec![],
        )
        .await
        .unwrap();
    assert_ne!(background, "rgb(255, 255, 255)", "dark colours apply");
    screenshot(&dark, "dark").await;
    dark.close().await.unwrap();
}

/// The title of the first hit in the results list.
async fn titles_first(client: &Client) -> Value {
    // The list is hidden behind the article; its nodes are still there.
    client
        .execute(
            "return document.querySelector('#hits li a.title').textContent",
            vec![],
        )
        .await
        .unwrap()
}

/// Whether the results hold no hits and the message box says `text` (as its `kind`).
const NO_HITS: &str = "const box = document.getElementById('error'); \
    return box.hidden ? null : [box.className, box.textContent, \
    document.querySelectorAll('#hits li').length, \
    getComputedStyle(document.querySelector('.pager')).display === 'none']";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_states_around_the_happy_path() {
    let Some(driver_path) = chromedriver() else {
        return;
    };
    let workspace = archive();
    let server = Server::start(&workspace, &[]);
    let (_driver, port) = Driver::start(&driver_path);
    let profile = tempfile::tempdir().unwrap();
    let client = browser(port, profile.path(), &[]).await;
    client.goto(&format!("{}/", server.base)).await.unwrap();
    search_for(&client, "暴雨", 3).await;

    // The article reads in a column of its own width at 1280 px, not in the filter column.
    client
        .find(Locator::Css("#hits li a.title"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let width = until(
        &client,
        "const a = document.getElementById('article'); \
         return a.hidden ? 0 : a.getBoundingClientRect().width",
        |v| v.as_f64().is_some_and(|w| w > 0.0),
    )
    .await;
    assert!(width.as_f64().unwrap() >= 600.0, "article width {width}");
    screenshot(&client, "article").await;
    client.back().await.unwrap();
    until(
        &client,
        "return document.getElementById('results').hidden ? 0 : document.querySelectorAll('#hits li').length",
        |v| v.as_u64() == Some(3),
    )
    .await;

    // A pinyin input method: nothing is searched while it composes; its characters are.
    client
        .execute(
            "window.searches = 0; const plain = window.fetch; \
             window.fetch = function (url) { \
               if (String(url).includes('/api/search')) window.searches += 1; \
               return plain.apply(this, arguments); }; \
             const q = document.getElementById('q'); q.focus(); q.value = ''; \
             q.dispatchEvent(new CompositionEvent('compositionstart', { data: '' })); \
             for (const step of ['b', 'ba', 'bao', 'bao y', 'bao yu']) { \
               q.value = step; \
               q.dispatchEvent(new InputEvent('input', { data: step, isComposing: true })); }",
            vec![],
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let searches = client
        .execute("return window.searches", vec![])
        .await
        .unwrap();
    assert_eq!(searches, 0, "no search while composing");
    client
        .execute(
            "const q = document.getElementById('q'); q.value = '内涝'; \
             q.dispatchEvent(new CompositionEvent('compositionend', { data: '内涝' }));",
            vec![],
        )
        .await
        .unwrap();
    until(&client, "return window.searches", |v| v.as_u64() == Some(1)).await;
    let url = client.current_url().await.unwrap();
    assert!(url.as_str().contains("q=%E5%86%85%E6%B6%9D"), "{url}");

    // An error clears the hits and says where the query is wrong, in Chinese.
    let q = client.find(Locator::Id("q")).await.unwrap();
    q.clear().await.unwrap();
    q.send_keys("title:").await.unwrap();
    let error = until(&client, NO_HITS, |v| v[0] == "error").await;
    assert_eq!(error[2], 0, "no stale hit under the error: {error}");
    assert!(
        error[1]
            .as_str()
            .unwrap()
            .starts_with("查询写法有误（第 6 个字符处）"),
        "{error}"
    );
    screenshot(&client, "error").await;

    // A quote still open while typing is read as closed: no error, the phrase so far.
    search_for(&client, "\"城市内涝", 3).await;
    let hidden = client
        .execute("return document.getElementById('error').hidden", vec![])
        .await
        .unwrap();
    assert_eq!(hidden, true);

    // Nothing found: a message with what to try, no pager.
    q.clear().await.unwrap();
    q.send_keys("\"暴雨 冰雹\"").await.unwrap();
    let empty = until(&client, NO_HITS, |v| v[0] == "empty").await;
    assert!(empty[1].as_str().unwrap().contains("没有找到"), "{empty}");
    assert!(empty[1].as_str().unwrap().contains("去掉引号"), "{empty}");
    assert_eq!(empty[3], true, "no pager: {empty}");
    screenshot(&client, "empty").await;
    client
        .find(Locator::Css("#error button.try"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let q_now = client
        .execute("return document.getElementById('q').value", vec![])
        .await
        .unwrap();
    assert_eq!(q_now, "暴雨 冰雹");

    // An ingest under the open page: a notice, nothing redrawn until asked.
    let hits_before = client
        .execute(
            "return document.querySelectorAll('#hits li').length",
            vec![],
        )
        .await
        .unwrap();
    fs::write(
        workspace.posts().join("news/new.md"),
        "---\ntitle: 冰雹来袭\ndate: 2023-07-24 10:00\n---\n暴雨之后又有冰雹。\n",
    )
    .unwrap();
    assert_eq!(workspace.ingest().0.code, 0);
    let notice = until(
        &client,
        "const box = document.getElementById('fresh'); return box.hidden ? null : box.textContent",
        |v| v.is_string(),
    )
    .await;
    assert!(
        notice.as_str().unwrap().starts_with("有 1 篇新文章"),
        "{notice}"
    );
    let hits_now = client
        .execute(
            "return document.querySelectorAll('#hits li').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        hits_now, hits_before,
        "nothing moved before the reader asked"
    );
    client
        .find(Locator::Css("#fresh button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        &client,
        "return document.getElementById('fresh').hidden",
        |v| *v == true,
    )
    .await;
    client.close().await.unwrap();
}

/// A story told three times (one hit, two folded tellings) and another story.
fn retold_archive() -> Workspace {
    let story = "新华社北京11月15日电 国家统计局15日发布数据显示，10月份全国规模以上工业增加值同比实际增长4.6%，比上月加快0.1个百分点。从环比看，10月份规模以上工业增加值比上月增长0.39%。1至10月份，规模以上工业增加值同比增长4.1%。国家统计局新闻发言人表示，工业生产稳中有升，市场需求逐步恢复。";
    let reflowed = story.replace('。', "。\n\n");
    let retold = format!("原标题：规上工业增加值增速加快 {story}");
    news_archive(&[
        ("a1.md", "财经", "2026-11-15 10:00", "10月工业增加值增长4.6%", story),
        ("a2.md", "财经", "2026-11-15 11:00", "统计局：工业生产稳中有升", &retold),
        ("a3.md", "要闻", "2026-11-15 12:00", "国家统计局发布10月份工业数据", &reflowed),
        (
            "b.md",
            "地方",
            "2026-11-14 09:00",
            "全省工业增加值增长6.2%",
            "本报讯 今年前三季度全省规模以上工业增加值增长6.2%，高于全国平均水平。其中高技术制造业增加值增长11.5%。",
        ),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folded_tellings_open_in_place() {
    let Some(driver_path) = chromedriver() else {
        return;
    };
    let workspace = retold_archive();
    let server = Server::start(&workspace, &[]);
    let (_driver, port) = Driver::start(&driver_path);
    let profile = tempfile::tempdir().unwrap();
    let client = browser(port, profile.path(), &[]).await;
    client.goto(&format!("{}/", server.base)).await.unwrap();
    search_for(&client, "工业增加值", 2).await;
    // The last keystroke's search is the one drawn.
    until(&client, "return decodeURIComponent(location.search)", |v| {
        v.as_str().is_some_and(|q| q.contains("q=工业增加值"))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let summary = client
        .execute(
            "return document.getElementById('summary').textContent",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        summary
            .as_str()
            .unwrap()
            .contains("本页 2 个报道，另合并了 2 篇相似报道"),
        "{summary}"
    );
    let more = client
        .find(Locator::Css("#hits button.duplicates"))
        .await
        .unwrap();
    assert_eq!(more.text().await.unwrap(), "+2 篇相似报道");
    more.click().await.unwrap();
    let tellings = until(
        &client,
        "const list = document.querySelector('#hits .tellings'); \
         return list.hidden ? [] : Array.from(list.querySelectorAll('a')).map(a => a.textContent)",
        |v| {
            v.as_array().is_some_and(|titles| {
                titles.len() == 2 && titles.iter().all(|t| !t.as_str().unwrap().ends_with(".md"))
            })
        },
    )
    .await;
    let titles: Vec<&str> = tellings
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(
        titles
            .iter()
            .all(|t| t.contains("工业") || t.contains("统计局")),
        "{titles:?}"
    );
    let expanded = client
        .execute(
            "return document.querySelector('#hits button.duplicates').getAttribute('aria-expanded')",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(expanded, "true");
    screenshot(&client, "tellings").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_the_filters_open_above_the_results() {
    let Some(driver_path) = chromedriver() else {
        return;
    };
    let workspace = archive();
    let server = Server::start(&workspace, &[]);
    let (_driver, port) = Driver::start(&driver_path);
    let profile = tempfile::tempdir().unwrap();
    let client = browser(port, profile.path(), &["--window-size=390,844"]).await;
    client.set_window_size(390, 844).await.unwrap();
    client
        .goto(&format!("{}/?q=%E6%9A%B4%E9%9B%A8", server.base))
        .await
        .unwrap();
    until(&client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 3)
    })
    .await;
    let filters_shown =
        "return getComputedStyle(document.getElementById('filters')).display !== 'none'";
    let shown = client.execute(filters_shown, vec![]).await.unwrap();
    assert_eq!(shown, false, "the filters wait behind 筛选");
    client
        .find(Locator::Id("show-filters"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(&client, filters_shown, |v| *v == true).await;
    let above = client
        .execute(
            "return document.getElementById('filters').getBoundingClientRect().top \
             < document.getElementById('hits').getBoundingClientRect().top",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(above, true, "the filters open above the results");
    screenshot(&client, "phone-filters").await;
    let header = until(
        &client,
        "window.scrollTo(0, 400); window.dispatchEvent(new Event('scroll')); \
         return document.querySelector('header').getBoundingClientRect().height",
        |v| v.as_f64().is_some_and(|h| h <= 64.0),
    )
    .await;
    assert!(header.as_f64().unwrap() <= 64.0, "{header}");
    client.close().await.unwrap();
}

/// Rain in May, July and August 2023, none in June.
fn months_archive() -> Workspace {
    news_archive(&[
        (
            "may.md",
            "天气",
            "2023-05-20 10:00",
            "五月暴雨",
            "五月暴雨。",
        ),
        (
            "july.md",
            "天气",
            "2023-07-20 10:00",
            "七月暴雨",
            "七月暴雨。",
        ),
        (
            "july2.md",
            "天气",
            "2023-07-21 10:00",
            "七月又暴雨",
            "七月又暴雨。",
        ),
        (
            "aug.md",
            "天气",
            "2023-08-20 10:00",
            "八月暴雨",
            "八月暴雨。",
        ),
    ])
}

const BARS: &str = "return [...document.querySelectorAll('#months .bar')].map((b) => \
     [b.dataset.month, b.className, document.activeElement === b])";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_month_histogram_is_labelled_keeps_its_months_and_works_by_keyboard() {
    let Some(driver_path) = chromedriver() else {
        return;
    };
    let workspace = months_archive();
    let server = Server::start(&workspace, &[]);
    let (_driver, port) = Driver::start(&driver_path);
    let profile = tempfile::tempdir().unwrap();
    let client = browser(port, profile.path(), &[]).await;
    client
        .goto(&format!("{}/?q=%E6%9A%B4%E9%9B%A8", server.base))
        .await
        .unwrap();
    // June is drawn as a gap; a year or less is labelled by month.
    let bars = until(&client, BARS, |v| {
        v.as_array().is_some_and(|a| a.len() == 4)
    })
    .await;
    let months: Vec<&str> = bars
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b[0].as_str().unwrap())
        .collect();
    assert_eq!(months, ["2023-05", "2023-06", "2023-07", "2023-08"]);
    assert_eq!(bars[1][1], "bar empty");
    let labels = client
        .execute(
            "return [...document.querySelectorAll('#month-labels span')].map((s) => s.textContent)",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(labels, json!(["5月", "6月", "7月", "8月"]));
    // A click picks July: the inputs say so as written, the histogram keeps every month.
    let july = client
        .find(Locator::Css("#months .bar[data-month='2023-07']"))
        .await
        .unwrap();
    july.click().await.unwrap();
    until(&client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 2)
    })
    .await;
    let since = client.execute("return document.getElementById('since').value", vec![]);
    assert_eq!(since.await.unwrap(), "2023-07");
    let bars = until(&client, BARS, |v| {
        v.as_array()
            .is_some_and(|a| a.len() == 4 && a[2][1] == "bar on")
    })
    .await;
    assert_eq!(bars[0][1], "bar", "{bars}");
    // The keyboard: the picked bar takes the focus, → moves to August, Enter picks it.
    let july = client
        .find(Locator::Css("#months .bar[data-month='2023-07']"))
        .await
        .unwrap();
    let tab_index = july.attr("tabindex").await.unwrap();
    assert_eq!(
        tab_index.as_deref(),
        Some("0"),
        "Tab reaches the picked month"
    );
    client
        .execute(
            "document.querySelector(\"#months .bar[data-month='2023-07']\").focus()",
            vec![],
        )
        .await
        .unwrap();
    july.send_keys("\u{E014}").await.unwrap();
    let bars = until(&client, BARS, |v| v[3][2] == true).await;
    assert_eq!(bars[2][2], false);
    let august = client
        .find(Locator::Css("#months .bar[data-month='2023-08']"))
        .await
        .unwrap();
    august.send_keys("\u{E007}").await.unwrap();
    until(&client, "return decodeURIComponent(location.search)", |v| {
        v.as_str()
            .is_some_and(|q| q.contains("since=2023-08") && q.contains("until=2023-08"))
    })
    .await;
    until(&client, HIT_TITLES, |v| v == &json!(["八月暴雨"])).await;
    // Esc clears the dates.
    let august = client
        .find(Locator::Css("#months .bar[data-month='2023-08']"))
        .await
        .unwrap();
    august.send_keys("\u{E00C}").await.unwrap();
    until(&client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 4)
    })
    .await;
    let since = client.execute("return document.getElementById('since').value", vec![]);
    assert_eq!(since.await.unwrap(), "");
    screenshot(&client, "months").await;
    client.close().await.unwrap();
}

//! The states around the happy path: errors, nothing found, folded tellings, a phone.

use super::{archive, click, js, screenshot, search_for, until, until_results, Page, HIT_TITLES};
use crate::common::{news_archive, Workspace};
use fantoccini::Locator;
use std::fs;
use std::time::Duration;

/// Whether the results hold no hits and the message box says `text` (as its `kind`).
const NO_HITS: &str = "const box = document.getElementById('error'); \
    return box.hidden ? null : [box.className, box.textContent, \
    document.querySelectorAll('#hits li').length, \
    getComputedStyle(document.querySelector('.pager')).display === 'none']";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_states_around_the_happy_path() {
    let workspace = archive();
    let Some(page) = Page::open(&workspace, "/", &[]).await else {
        return;
    };
    let client = &page.client;
    search_for(client, "暴雨", 3).await;

    // The article reads in a column of its own width at 1280 px, not in the filter column.
    click(client, "#hits li a.title").await;
    let width = until(
        client,
        "const a = document.getElementById('article'); \
         return a.hidden ? 0 : a.getBoundingClientRect().width",
        |v| v.as_f64().is_some_and(|w| w > 0.0),
    )
    .await;
    assert!(width.as_f64().unwrap() >= 600.0, "article width {width}");
    screenshot(client, "article").await;
    client.back().await.unwrap();
    until_results(client, 3).await;

    // A pinyin input method: nothing is searched while it composes; its characters are.
    js(
        client,
        "window.searches = 0; const plain = window.fetch; \
             window.fetch = function (url) { \
               if (String(url).includes('/api/search')) window.searches += 1; \
               return plain.apply(this, arguments); }; \
             const q = document.getElementById('q'); q.focus(); q.value = ''; \
             q.dispatchEvent(new CompositionEvent('compositionstart', { data: '' })); \
             for (const step of ['b', 'ba', 'bao', 'bao y', 'bao yu']) { \
               q.value = step; \
               q.dispatchEvent(new InputEvent('input', { data: step, isComposing: true })); }",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let searches = js(client, "return window.searches").await;
    assert_eq!(searches, 0, "no search while composing");
    js(
        client,
        "const q = document.getElementById('q'); q.value = '内涝'; \
             q.dispatchEvent(new CompositionEvent('compositionend', { data: '内涝' }));",
    )
    .await;
    until(client, "return window.searches", |v| v.as_u64() == Some(1)).await;
    let url = client.current_url().await.unwrap();
    assert!(url.as_str().contains("q=%E5%86%85%E6%B6%9D"), "{url}");

    // An error clears the hits and says where the query is wrong, in Chinese.
    let q = client.find(Locator::Id("q")).await.unwrap();
    q.clear().await.unwrap();
    q.send_keys("title:").await.unwrap();
    let error = until(client, NO_HITS, |v| v[0] == "error").await;
    assert_eq!(error[2], 0, "no stale hit under the error: {error}");
    assert!(
        error[1]
            .as_str()
            .unwrap()
            .starts_with("查询写法有误（第 6 个字符处）"),
        "{error}"
    );
    screenshot(client, "error").await;

    // A quote still open while typing is read as closed: no error, the phrase so far.
    search_for(client, "\"城市内涝", 3).await;
    let hidden = js(client, "return document.getElementById('error').hidden").await;
    assert_eq!(hidden, true);

    // Nothing found: a message with what to try, no pager.
    q.clear().await.unwrap();
    q.send_keys("\"暴雨 冰雹\"").await.unwrap();
    let empty = until(client, NO_HITS, |v| v[0] == "empty").await;
    assert!(empty[1].as_str().unwrap().contains("没有找到"), "{empty}");
    assert!(empty[1].as_str().unwrap().contains("去掉引号"), "{empty}");
    assert_eq!(empty[3], true, "no pager: {empty}");
    screenshot(client, "empty").await;
    click(client, "#error button.try").await;
    let q_now = js(client, "return document.getElementById('q').value").await;
    assert_eq!(q_now, "暴雨 冰雹");
    // The same with the quotation marks a Chinese input method types.
    q.clear().await.unwrap();
    q.send_keys("“暴雨 冰雹”").await.unwrap();
    let empty = until(client, NO_HITS, |v| v[0] == "empty").await;
    assert!(empty[1].as_str().unwrap().contains("去掉引号"), "{empty}");
    click(client, "#error button.try").await;
    let q_now = js(client, "return document.getElementById('q').value").await;
    assert_eq!(q_now, "暴雨 冰雹");

    // A paragraph pasted with more quotation marks than the query language reads: searched
    // as plain text, and the page says so.
    js(
        client,
        "const q = document.getElementById('q'); \
             q.value = Array(33).fill('\"暴雨 内涝\"').join(' '); \
             q.dispatchEvent(new InputEvent('input', { data: 'x' }));",
    )
    .await;
    let note = until(
        client,
        "const box = document.getElementById('relaxed'); return box.hidden ? null : box.textContent",
        |v| v.as_str().is_some_and(|text| text.contains("按普通文本")),
    )
    .await;
    assert!(note.as_str().unwrap().contains("引号"), "{note}");

    // An ingest under the open page: a notice, nothing redrawn until asked.
    let hits_before = js(
        client,
        "return document.querySelectorAll('#hits li').length",
    )
    .await;
    fs::write(
        workspace.posts().join("news/new.md"),
        "---\ntitle: 冰雹来袭\ndate: 2023-07-24 10:00\n---\n暴雨之后又有冰雹。\n",
    )
    .unwrap();
    assert_eq!(workspace.ingest().0.code, 0);
    let notice = until(
        client,
        "const box = document.getElementById('fresh'); return box.hidden ? null : box.textContent",
        |v| v.is_string(),
    )
    .await;
    assert!(
        notice.as_str().unwrap().starts_with("有 1 篇新文章"),
        "{notice}"
    );
    let hits_now = js(
        client,
        "return document.querySelectorAll('#hits li').length",
    )
    .await;
    assert_eq!(
        hits_now, hits_before,
        "nothing moved before the reader asked"
    );
    // The notice is not redrawn while it stands: a keyboard's focus on its button stays
    // there through the next polls.
    js(client, "document.querySelector('#fresh button').focus()").await;
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let focused = js(
        client,
        "return document.activeElement === document.querySelector('#fresh button')",
    )
    .await;
    assert_eq!(focused, true, "the notice's button kept the focus");
    click(client, "#fresh button").await;
    until(
        client,
        "return document.getElementById('fresh').hidden",
        |v| *v == true,
    )
    .await;
    page.close().await;
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
    let workspace = retold_archive();
    let Some(page) = Page::open(&workspace, "/", &[]).await else {
        return;
    };
    let client = &page.client;
    search_for(client, "工业增加值", 2).await;
    // The last keystroke's search is the one drawn.
    until(client, "return decodeURIComponent(location.search)", |v| {
        v.as_str().is_some_and(|q| q.contains("q=工业增加值"))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let summary = js(
        client,
        "return document.getElementById('summary').textContent",
    )
    .await;
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
        client,
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
    let expanded = js(
        client,
        "return document.querySelector('#hits button.duplicates').getAttribute('aria-expanded')",
    )
    .await;
    assert_eq!(expanded, "true");
    screenshot(client, "tellings").await;
    page.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_the_filters_open_above_the_results() {
    let workspace = archive();
    let Some(page) = Page::open(
        &workspace,
        "/?q=%E6%9A%B4%E9%9B%A8",
        &["--window-size=390,844"],
    )
    .await
    else {
        return;
    };
    let client = &page.client;
    client.set_window_size(390, 844).await.unwrap();
    until(client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 3)
    })
    .await;
    let filters_shown =
        "return getComputedStyle(document.getElementById('filters')).display !== 'none'";
    let shown = js(client, filters_shown).await;
    assert_eq!(shown, false, "the filters wait behind 筛选");
    client
        .find(Locator::Id("show-filters"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(client, filters_shown, |v| *v == true).await;
    let above = js(
        client,
        "return document.getElementById('filters').getBoundingClientRect().top \
             < document.getElementById('hits').getBoundingClientRect().top",
    )
    .await;
    assert_eq!(above, true, "the filters open above the results");
    screenshot(client, "phone-filters").await;
    let header = until(
        client,
        "window.scrollTo(0, 400); window.dispatchEvent(new Event('scroll')); \
         return document.querySelector('header').getBoundingClientRect().height",
        |v| v.as_f64().is_some_and(|h| h <= 64.0),
    )
    .await;
    assert!(header.as_f64().unwrap() <= 64.0, "{header}");
    page.close().await;
}

/// A name typed in part: the words of the archive holding it are links (您要找的是), and one
/// opens the search for that word.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn did_you_mean_links_search_the_word_they_name() {
    let workspace = news_archive(&[
        (
            "a.md",
            "天气",
            "2023-07-28 10:00",
            "杜苏芮登陆",
            "台风杜苏芮在福建登陆。",
        ),
        (
            "b.md",
            "天气",
            "2023-07-29 10:00",
            "杜苏芮北上",
            "杜苏芮残余环流北上。",
        ),
        (
            "c.md",
            "天气",
            "2023-07-30 10:00",
            "华北暴雨",
            "华北多地暴雨。",
        ),
    ]);
    // 苏芮, as the address of a search for it.
    let Some(page) = Page::open(&workspace, "/?q=%E8%8B%8F%E8%8A%AE", &[]).await else {
        return;
    };
    let client = &page.client;
    let suggested = until(
        client,
        "const box = document.getElementById('suggest'); \
         return box.hidden ? null : [...box.querySelectorAll('a')].map((a) => a.textContent)",
        |v| v.is_array(),
    )
    .await;
    assert_eq!(suggested, serde_json::json!(["杜苏芮"]), "{suggested}");
    click(client, "#suggest a").await;
    let q = until(client, "return document.getElementById('q').value", |v| {
        v == "杜苏芮"
    })
    .await;
    assert_eq!(q, "杜苏芮");
    until_results(client, 2).await;
    let url = js(client, "return decodeURIComponent(location.search)").await;
    assert!(url.as_str().unwrap().contains("q=杜苏芮"), "{url}");
    page.close().await;
}

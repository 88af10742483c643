//! Type a query, see highlighted hits, filter by a category facet, open an article, follow a
//! similar article, go back; a post titled with HTML shows as text.

use super::{
    archive, browser, facet, js, screenshot, search_for, titles_first, until, until_results, Page,
    HIT_TITLES,
};
use fantoccini::Locator;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_filter_open_follow_and_go_back() {
    let workspace = archive();
    let Some(page) = Page::open(&workspace, "/", &[]).await else {
        return;
    };
    let (client, server) = (&page.client, &page.server);

    // `/` focuses the box; typing searches.
    let body = client.find(Locator::Css("body")).await.unwrap();
    body.send_keys("/").await.unwrap();
    let focused = js(client, "return document.activeElement.id").await;
    assert_eq!(focused, "q");
    client
        .find(Locator::Id("q"))
        .await
        .unwrap()
        .send_keys("暴雨")
        .await
        .unwrap();
    let titles = until(client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 3)
    })
    .await;
    assert!(titles.to_string().contains("暴雨"), "{titles}");
    let marks = js(
        client,
        "return Array.from(document.querySelectorAll('#hits mark')).map(m => m.textContent)",
    )
    .await;
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
    screenshot(client, "light").await;

    // A category facet filters, and goes into the URL.
    facet(client, "保险").await.click().await.unwrap();
    let titles = until(client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 1)
    })
    .await;
    assert_eq!(titles[0], "暴雨与保险理赔");
    let url = client.current_url().await.unwrap();
    assert!(url.as_str().contains("category="), "{url}");
    // The list was drawn again: find the facet anew to turn it off.
    let pressed = facet(client, "保险").await;
    assert_eq!(
        pressed.attr("aria-pressed").await.unwrap().as_deref(),
        Some("true")
    );
    pressed.click().await.unwrap();
    until(client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 3)
    })
    .await;

    // Keyboard: ↓ selects the first hit, Enter opens it.
    body.send_keys("\u{E015}").await.unwrap();
    body.send_keys("\u{E007}").await.unwrap();
    let first = until(
        client,
        "return document.getElementById('article').hidden ? null : document.getElementById('article-title').textContent",
        |v| v.as_str().is_some_and(|t| !t.is_empty()),
    )
    .await;
    assert_eq!(first, titles_first(client).await);
    let marked = js(
        client,
        "return document.querySelectorAll('#article-body mark').length",
    )
    .await;
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
        client,
        "return document.getElementById('article-title').textContent",
        |v| v.as_str() == Some(next_title.as_str()),
    )
    .await;
    client.back().await.unwrap();
    until(
        client,
        "return document.getElementById('article-title').textContent",
        |v| *v == first,
    )
    .await;
    client.back().await.unwrap();
    until_results(client, 3).await;

    // A title that is HTML shows as its characters; nothing of it runs or loads.
    let titles = search_for(client, "晴天", 1).await;
    assert_eq!(titles[0], "<img src=x onerror=alert(1)>");
    let images = js(
        client,
        "return document.querySelectorAll('main img, main script').length",
    )
    .await;
    assert_eq!(images, 0);

    // Phone width.
    client.set_window_size(390, 844).await.unwrap();
    search_for(client, "暴雨", 3).await;
    screenshot(client, "phone").await;
    client.clone().close().await.unwrap();

    // Dark, by the system's setting.
    let profile = tempfile::tempdir().unwrap();
    let dark = browser(page.port, profile.path(), &["--force-dark-mode"]).await;
    dark.goto(&format!("{}/?q=%E6%9A%B4%E9%9B%A8", server.base))
        .await
        .unwrap();
    until(&dark, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 3)
    })
    .await;
    let scheme = js(
        &dark,
        "return matchMedia('(prefers-color-scheme: dark)').matches",
    )
    .await;
    assert_eq!(scheme, true, "the page sees the dark setting");
    let background = js(
        &dark,
        "return getComputedStyle(document.body).backgroundColor",
    )
    .await;
    assert_ne!(background, "rgb(255, 255, 255)", "dark colours apply");
    screenshot(&dark, "dark").await;
    dark.close().await.unwrap();
}

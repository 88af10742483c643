//! The filters column: the month histogram and the value facets.

use super::{click, js, screenshot, until, Page, HIT_TITLES};
use crate::common::{blog_archive, news_archive, Workspace};
use fantoccini::Locator;
use serde_json::json;

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
    let workspace = months_archive();
    let Some(page) = Page::open(&workspace, "/?q=%E6%9A%B4%E9%9B%A8", &[]).await else {
        return;
    };
    let client = &page.client;
    // June is drawn as a gap; a year or less is labelled by month.
    let bars = until(client, BARS, |v| v.as_array().is_some_and(|a| a.len() == 4)).await;
    let months: Vec<&str> = bars
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b[0].as_str().unwrap())
        .collect();
    assert_eq!(months, ["2023-05", "2023-06", "2023-07", "2023-08"]);
    assert_eq!(bars[1][1], "bar empty");
    let labels = js(
        client,
        "return [...document.querySelectorAll('#month-labels span')].map((s) => s.textContent)",
    )
    .await;
    assert_eq!(labels, json!(["5月", "6月", "7月", "8月"]));
    // A click picks July: the inputs say so as written, the histogram keeps every month.
    let july = client
        .find(Locator::Css("#months .bar[data-month='2023-07']"))
        .await
        .unwrap();
    july.click().await.unwrap();
    until(client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 2)
    })
    .await;
    let since = js(client, "return document.getElementById('since').value").await;
    assert_eq!(since, "2023-07");
    let bars = until(client, BARS, |v| {
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
    js(
        client,
        "document.querySelector(\"#months .bar[data-month='2023-07']\").focus()",
    )
    .await;
    july.send_keys("\u{E014}").await.unwrap();
    let bars = until(client, BARS, |v| v[3][2] == true).await;
    assert_eq!(bars[2][2], false);
    let august = client
        .find(Locator::Css("#months .bar[data-month='2023-08']"))
        .await
        .unwrap();
    august.send_keys("\u{E007}").await.unwrap();
    until(client, "return decodeURIComponent(location.search)", |v| {
        v.as_str()
            .is_some_and(|q| q.contains("since=2023-08") && q.contains("until=2023-08"))
    })
    .await;
    until(client, HIT_TITLES, |v| v == &json!(["八月暴雨"])).await;
    // Esc clears the dates.
    let august = client
        .find(Locator::Css("#months .bar[data-month='2023-08']"))
        .await
        .unwrap();
    august.send_keys("\u{E00C}").await.unwrap();
    until(client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 4)
    })
    .await;
    let since = js(client, "return document.getElementById('since').value").await;
    assert_eq!(since, "");
    screenshot(client, "months").await;
    page.close().await;
}

/// The buttons of one value facet list: `[value, count, pressed]`, and the 更多 button's text
/// last when there is one.
fn facet_buttons(list: &str) -> String {
    format!(
        "return [...document.querySelectorAll('#{list} button')].map((b) => b.classList.contains('more') \
         ? b.textContent : [b.querySelector('.name').textContent, b.querySelector('.count').textContent, \
         b.getAttribute('aria-pressed')])"
    )
}

async fn click_facet(client: &fantoccini::Client, list: &str, value: &str) {
    let path = format!("//ul[@id='{list}']//button[span='{value}']");
    client
        .find(Locator::XPath(&path))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_and_authors_are_facets_with_more_and_each_toggle_in_the_url() {
    let workspace = blog_archive();
    let Some(page) = Page::open(&workspace, "/?q=%E6%9A%B4%E9%9B%A8", &[]).await else {
        return;
    };
    let client = &page.client;
    // Ten tags: the eight most frequent, then 更多 for the other two.
    let tags = until(client, &facet_buttons("tags"), |v| {
        v.as_array().is_some_and(|a| a.len() == 9)
    })
    .await;
    assert_eq!(tags[0], json!(["天气", "12", "false"]), "{tags}");
    assert_eq!(tags[1], json!(["城市", "6", "false"]), "{tags}");
    assert_eq!(tags[8], json!("更多（2）"), "{tags}");
    let authors = js(client, &facet_buttons("authors")).await;
    assert_eq!(authors.as_array().unwrap().len(), 3, "{authors}");
    // No category in the blog: that section is not drawn.
    let hidden = "return document.getElementById('categories').closest('section').hidden";
    assert_eq!(js(client, hidden).await, true);
    click(client, "#tags .more").await;
    until(client, &facet_buttons("tags"), |v| {
        v.as_array()
            .is_some_and(|a| a.len() == 11 && a[10] == "收起")
    })
    .await;
    // A tag, then an author: each in the URL, the hits narrowed, the other tags still
    // offered (values of one field are alternatives).
    click_facet(client, "tags", "城市").await;
    until(client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 6)
    })
    .await;
    click_facet(client, "authors", "张三").await;
    until(client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 2)
    })
    .await;
    let url = client.current_url().await.unwrap().to_string();
    assert!(url.contains("tag=%E5%9F%8E%E5%B8%82"), "{url}");
    assert!(url.contains("author=%E5%BC%A0%E4%B8%89"), "{url}");
    let tags = until(client, &facet_buttons("tags"), |v| {
        v.as_array().is_some_and(|a| {
            a.iter().any(|b| b[0] == "城市" && b[2] == "true") && a.iter().any(|b| b[0] == "天气")
        })
    })
    .await;
    assert!(
        tags.as_array()
            .unwrap()
            .iter()
            .any(|b| b[0] == "天气" && b[1] == "4"),
        "天气 counted without the tag filter, with the author's: {tags}"
    );
    screenshot(client, "tags-and-authors").await;
    // The URL alone brings the same state back.
    client.goto(&url).await.unwrap();
    until(client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 2)
    })
    .await;
    let pressed = until(
        client,
        "return [...document.querySelectorAll('#filters [aria-pressed=true] .name')].map((n) => n.textContent)",
        |v| v.as_array().is_some_and(|a| a.len() == 2),
    )
    .await;
    assert_eq!(pressed, json!(["城市", "张三"]));
    // Pressing it again drops the tag.
    click_facet(client, "tags", "城市").await;
    until(client, HIT_TITLES, |v| {
        v.as_array().is_some_and(|a| a.len() == 4)
    })
    .await;
    assert!(!client
        .current_url()
        .await
        .unwrap()
        .as_str()
        .contains("tag="));
    page.close().await;
}

//! Accessibility: axe-core (installed by `npm ci --prefix tests/assets`, pinned in its
//! package-lock.json, loaded into the page by the test: the page itself never loads it) on
//! every state of the page — home, results, article, nothing found, an unreadable query —
//! at 1280 px light and dark and at 390 px, with no serious or critical violation; and
//! every control reached with Tab shows where the focus is.

use std::path::PathBuf;

use super::{archive, click, js, screenshot, until, Page, HIT_TITLES};
use fantoccini::{Client, Locator};
use serde_json::Value;

/// axe-core's script, or `None` (the test says so and passes) when it is not installed and
/// no test run requires it.
fn axe_source() -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/assets/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(error) => {
            let required = std::env::var("SOUSUO_BROWSER_TEST").is_ok_and(|v| v == "required")
                || std::env::var("CI").is_ok_and(|v| v == "true");
            assert!(
                !required,
                "{}: {error} (install it with `npm ci --prefix tests/assets`)",
                path.display()
            );
            eprintln!("accessibility test skipped: no axe-core (npm ci --prefix tests/assets)");
            None
        }
    }
}

/// Runs axe-core on the page as it is; its serious and critical violations, each as
/// `[rule, impact, help, [where…]]`.
async fn violations(client: &Client, axe: &str) -> Vec<Value> {
    let loaded = js(client, "return typeof window.axe").await;
    if loaded != "object" {
        client.execute(axe, vec![]).await.expect("axe-core loads");
    }
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             axe.run(document, { resultTypes: ['violations'] }).then((r) => done( \
               r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical') \
                 .map((v) => [v.id, v.impact, v.help, v.nodes.map((n) => n.target.join(' '))]) \
             )).catch((e) => done('axe failed: ' + e));",
            vec![],
        )
        .await
        .expect("axe.run answers");
    found
        .as_array()
        .unwrap_or_else(|| panic!("{found}"))
        .clone()
}

/// Tabs through the page from its start; the controls reached whose focus is not shown
/// (no outline and no shadow while focused), by tag, id and text.
async fn unmarked_focus(client: &Client) -> Vec<Value> {
    js(
        client,
        "document.activeElement.blur(); window.scrollTo(0, 0);",
    )
    .await;
    let body = client.find(Locator::Css("body")).await.unwrap();
    let mut unmarked = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..80 {
        body.send_keys("\u{e004}").await.unwrap(); // Tab
        let focused = js(client, "const e = document.activeElement; \
                 if (!e || e === document.body) return null; \
                 const s = getComputedStyle(e); \
                 const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0; \
                 const shadow = s.boxShadow && s.boxShadow !== 'none'; \
                 return [e.tagName + '#' + e.id + ' ' + (e.textContent || e.placeholder || '').trim().slice(0, 20), \
                         outline || shadow];").await;
        let Some(pair) = focused.as_array() else {
            break;
        };
        if !seen.insert(pair[0].to_string()) {
            break; // back at the first control
        }
        if pair[1] != true {
            unmarked.push(pair[0].clone());
        }
    }
    assert!(seen.len() >= 3, "Tab reaches the page's controls: {seen:?}");
    unmarked
}

/// The states a reader meets, as paths of the page, and what shows each is drawn.
const STATES: &[(&str, &str, &str)] = &[
    (
        "home",
        "/",
        "return document.querySelectorAll('#months .bar').length > 0",
    ),
    (
        "results",
        "/?q=%E6%9A%B4%E9%9B%A8",
        "return document.querySelectorAll('#hits li').length === 3",
    ),
    (
        "empty",
        "/?q=%22%E6%9A%B4%E9%9B%A8+%E5%86%B0%E9%9B%B9%22",
        "return document.getElementById('error').className === 'empty'",
    ),
    (
        "error",
        "/?q=title%3A",
        "return !document.getElementById('error').hidden \
         && document.getElementById('error').className === 'error'",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_state_passes_axe_and_shows_its_focus() {
    let Some(axe) = axe_source() else {
        return;
    };
    let workspace = archive();
    for (look, flags) in [
        ("light", &[][..]),
        ("dark", &["--force-dark-mode"][..]),
        ("phone", &["--window-size=390,844"][..]),
    ] {
        let Some(page) = Page::open(&workspace, "/", flags).await else {
            return;
        };
        let client = &page.client;
        if look == "phone" {
            client.set_window_size(390, 844).await.unwrap();
        }
        let mut found = Vec::new();
        for (state, path, drawn) in STATES {
            client
                .goto(&format!("{}{path}", page.server.base))
                .await
                .unwrap();
            until(client, drawn, |v| *v == true).await;
            for violation in violations(client, &axe).await {
                found.push(format!("{look} {state}: {violation}"));
            }
            screenshot(client, &format!("{look}-{state}")).await;
            if *state == "results" {
                for control in unmarked_focus(client).await {
                    found.push(format!("{look} {state}: focus not shown on {control}"));
                }
                // The article of the first hit.
                until(client, HIT_TITLES, |v| {
                    v.as_array().is_some_and(|a| a.len() == 3)
                })
                .await;
                click(client, "#hits li a.title").await;
                until(
                    client,
                    "return document.getElementById('similar').children.length > 0",
                    |v| *v == true,
                )
                .await;
                for violation in violations(client, &axe).await {
                    found.push(format!("{look} article: {violation}"));
                }
                screenshot(client, &format!("{look}-article")).await;
            }
        }
        page.close().await;
        assert!(found.is_empty(), "{}", found.join("\n"));
    }
}

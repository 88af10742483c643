//! Site roots: `sousuo ingest` on a Jekyll or Hexo site reads its posts, not its layouts,
//! generated pages, drafts (unless asked), theme files or README; and a project note without
//! front matter is never an article, anywhere.

use crate::common;

use common::Workspace;

/// The ids an ingest of `root` (with `extra` arguments) indexed, sorted, and its stderr.
fn indexed(workspace: &Workspace, root: &str, extra: &[&str]) -> (Vec<String>, String) {
    let mut args = vec!["ingest", root, "--json"];
    args.extend_from_slice(extra);
    let run = workspace.run(&args);
    assert!(run.code <= 1, "{run:?}");
    let mut ids = workspace.run(&["query", "*", "--ids"]).stdout;
    ids = ids.trim().to_string();
    let mut ids: Vec<String> = ids.lines().map(str::to_string).collect();
    ids.sort();
    (ids, run.stderr)
}

#[test]
fn a_jekyll_site_root_indexes_exactly_its_posts() {
    let workspace = Workspace::with_fixtures(&["sites"]);
    let (ids, stderr) = indexed(&workspace, "posts/sites/jekyll", &[]);
    // Not _site/, _layouts/, _includes/, _sass/, the README, the about page, the drafts,
    // nor the post its .gitignore names (the site is no git work tree).
    assert_eq!(
        ids,
        ["_posts/2023-07-30-rain.md", "_posts/2023-08-01-typhoon.md"],
        "{stderr}"
    );
    assert!(
        stderr.contains("note: posts/sites/jekyll: a Jekyll site: only _posts/ is read"),
        "{stderr}"
    );
    let (ids, _) = indexed(
        &Workspace::with_fixtures(&["sites"]),
        "posts/sites/jekyll",
        &["--drafts"],
    );
    assert!(
        ids.contains(&"_drafts/rain-draft.md".to_string()),
        "{ids:?}"
    );
}

#[test]
fn a_hexo_site_root_indexes_exactly_its_posts() {
    let workspace = Workspace::with_fixtures(&["sites"]);
    let (ids, stderr) = indexed(&workspace, "posts/sites/hexo", &[]);
    assert_eq!(ids, ["source/_posts/quake.md"], "{stderr}");
    assert!(
        stderr.contains("a Hexo site: only source/_posts/ is read"),
        "{stderr}"
    );
    let (ids, _) = indexed(
        &Workspace::with_fixtures(&["sites"]),
        "posts/sites/hexo",
        &["--drafts"],
    );
    assert_eq!(
        ids,
        ["source/_drafts/quake-draft.md", "source/_posts/quake.md"]
    );
}

#[test]
fn a_readme_without_front_matter_is_a_note_not_an_article() {
    let workspace = Workspace::with_fixtures(&["handmade"]);
    let folder = workspace.posts().join("handmade");
    std::fs::write(folder.join("README.md"), "# 春耕笔记\n\n春耕贷款的说明。\n").unwrap();
    std::fs::write(folder.join("SOURCE.md"), "来源：春耕新闻。\n").unwrap();
    let run = workspace.run(&["ingest", "posts", "--json"]);
    assert!(run.stderr.contains("README.md: a project note"), "{run:?}");
    let ids = workspace.query("春耕").hit_ids();
    assert!(
        ids.iter()
            .all(|id| !id.ends_with("README.md") && !id.ends_with("SOURCE.md")),
        "{ids:?}"
    );
    // With front matter, a file of that name is a post like any other.
    std::fs::write(
        folder.join("README.md"),
        "---\ntitle: 春耕说明\n---\n春耕。\n",
    )
    .unwrap();
    workspace.run(&["ingest", "posts"]);
    assert!(workspace
        .query("春耕说明")
        .hit_ids()
        .contains(&"handmade/README.md".to_string()));
}

//! Site roots: a folder that is a whole Jekyll or Hexo site, not a folder of posts. Its
//! posts are in one place (`_posts/`, `source/_posts/`); the rest is the site's machinery
//! (layouts, includes, themes, scaffolds, the generated `_site/` or `public/`, a README),
//! which a walk of the whole folder would index as articles.
//!
//! A root holding `_config.yml` (or `_config.toml`) and `_posts/` is a Jekyll site; one
//! holding `_config.yml` and `source/_posts/` is a Hexo site. There only the posts folder
//! is walked (and the drafts folder with `--drafts`), and `.gitignore` files are honoured
//! whether or not the folder is a git work tree (ripgrep's `--no-require-git`).
//!
//! Anywhere, a Markdown file without front matter whose name says it is not a post
//! (README, LICENSE, CHANGELOG, CONTRIBUTING, SOURCE, …) is skipped with a note; other files
//! without front matter stay articles (a folder of bare Markdown notes is an archive too).

use std::path::Path;

/// The kind of site a root is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteLayout {
    /// Jekyll: posts in `_posts/`, drafts in `_drafts/`.
    Jekyll,
    /// Hexo: posts in `source/_posts/`, drafts in `source/_drafts/`.
    Hexo,
}

impl SiteLayout {
    /// The layout of the folder `folder`, if it is a site root.
    pub fn of(folder: &Path) -> Option<SiteLayout> {
        let config = ["_config.yml", "_config.yaml", "_config.toml"]
            .iter()
            .any(|name| folder.join(name).is_file());
        if !config {
            return None;
        }
        if folder.join("source/_posts").is_dir() {
            Some(SiteLayout::Hexo)
        } else if folder.join("_posts").is_dir() {
            Some(SiteLayout::Jekyll)
        } else {
            None
        }
    }

    /// The folders below the root that hold posts (drafts included when asked for).
    pub fn post_folders(self, drafts: bool) -> Vec<&'static str> {
        let (posts, draft) = match self {
            SiteLayout::Jekyll => ("_posts", "_drafts"),
            SiteLayout::Hexo => ("source/_posts", "source/_drafts"),
        };
        if drafts {
            vec![posts, draft]
        } else {
            vec![posts]
        }
    }

    /// What a run says when it recognises the layout.
    pub fn note(self, drafts: bool) -> String {
        let (name, skipped) = match self {
            SiteLayout::Jekyll => (
                "a Jekyll site",
                "_site/, _layouts/, _includes/, _sass/, vendor/ and pages",
            ),
            SiteLayout::Hexo => (
                "a Hexo site",
                "public/, themes/, scaffolds/, node_modules/ and pages",
            ),
        };
        let folders = self.post_folders(drafts).join("/ and ");
        let drafts_note = if drafts {
            ""
        } else {
            " (--drafts reads the drafts too)"
        };
        format!("{name}: only {folders}/ is read, not {skipped}{drafts_note}")
    }

    /// Whether a path below the root (`relative`, a folder or a file) is walked: on the way
    /// to a posts folder, or inside one.
    pub fn walks(self, relative: &Path, drafts: bool) -> bool {
        self.post_folders(drafts).iter().any(|folder| {
            let folder = Path::new(folder);
            relative.starts_with(folder) || folder.starts_with(relative)
        })
    }
}

/// File names (without extension, any case) of notes that are not posts, when they have
/// no front matter.
const NOTE_NAMES: [&str; 9] = [
    "readme",
    "license",
    "licence",
    "changelog",
    "contributing",
    "source",
    "authors",
    "code_of_conduct",
    "security",
];

/// Whether a file is a project note rather than a post: its name is one of
/// [`NOTE_NAMES`] and its text does not open with front matter.
pub fn is_note(stem: &str, text: &str) -> bool {
    NOTE_NAMES.contains(&stem.to_ascii_lowercase().as_str())
        && !text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with("---")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_posts_folders_and_the_way_to_them_are_walked() {
        let hexo = SiteLayout::Hexo;
        for walked in ["source", "source/_posts", "source/_posts/2023/a.md"] {
            assert!(hexo.walks(Path::new(walked), false), "{walked}");
        }
        for skipped in [
            "public",
            "themes/x",
            "source/about/index.md",
            "source/_drafts",
            "README.md",
        ] {
            assert!(!hexo.walks(Path::new(skipped), false), "{skipped}");
        }
        assert!(hexo.walks(Path::new("source/_drafts/a.md"), true));
        let jekyll = SiteLayout::Jekyll;
        assert!(jekyll.walks(Path::new("_posts/2023-01-01-a.md"), false));
        assert!(!jekyll.walks(Path::new("_site/index.html"), false));
        assert!(!jekyll.walks(Path::new("_layouts/post.html"), false));
    }

    #[test]
    fn notes_are_named_as_notes_and_have_no_front_matter() {
        assert!(is_note("README", "# A blog\n"));
        assert!(is_note("Source", "posts from RSSHub"));
        assert!(!is_note("README", "---\ntitle: readme\n---\nbody"));
        assert!(!is_note("2023-01-01-hello", "no front matter"));
    }
}

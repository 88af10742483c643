//! Parsing stage: one post's text → an [`Article`].
//!
//! No I/O: the caller gives the decoded text and the file name. Front matter is read by
//! [`front_matter`], the body is cleaned by [`html`] (Markdown bodies are rendered to HTML
//! first), the date by [`date`]. Problems that leave the article usable (a bad date, a
//! field of the wrong shape) are warnings; only unreadable front matter fails.

mod date;
mod front_matter;
mod html;
mod year_less;

use chrono::{DateTime, FixedOffset};

pub use date::{
    china_offset, date_from_file_name, find_date, is_storable, parse_date, parse_date_period,
    parse_date_period_at, STORABLE_YEARS,
};
pub use front_matter::{parse_front_matter, split_front_matter, FrontMatter, Split};
pub use html::{clean_html, CleanBody};
pub use year_less::{YearLess, YearSource};

/// Why a post could not be read as an article.
#[derive(Debug, thiserror::Error)]
pub enum ArticleError {
    /// A `---` line opened front matter and nothing closed it.
    #[error("front matter is not closed (no second `---` line)")]
    UnclosedFrontMatter,
    /// The front matter is not valid YAML.
    #[error("front matter is not valid YAML: {reason}")]
    Yaml {
        /// serde_yaml's message, on one line.
        reason: String,
    },
    /// The front matter is YAML but not a `key: value` mapping.
    #[error("front matter is a {found}, expected a mapping of `key: value` lines")]
    FrontMatterNotMapping {
        /// What it is instead.
        found: &'static str,
    },
}

/// How the body after the front matter is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// An `.html`/`.htm` file: always HTML.
    Html,
    /// A `.md`/`.markdown` file: HTML when it starts with a tag (as the RSSHub bot writes
    /// them), Markdown otherwise.
    Markdown,
}

impl BodyFormat {
    /// The format for a file extension, or `None` for files that are not articles.
    pub fn from_extension(extension: &str) -> Option<BodyFormat> {
        match extension.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(BodyFormat::Markdown),
            "html" | "htm" => Some(BodyFormat::Html),
            _ => None,
        }
    }
}

/// One post as sousuo indexes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Article {
    /// Title: front matter, else the first heading, else the file name.
    pub title: String,
    /// Categories, outermost first.
    pub categories: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Author (the feed, for the RSSHub bot's posts).
    pub author: Option<String>,
    /// Editor, from the `责任编辑：` line.
    pub editor: Option<String>,
    /// Publication date; `None` when missing, unreadable or without a year.
    pub date: Option<DateTime<FixedOffset>>,
    /// A date written without a year that the post does not tell (`date` is `None`):
    /// ingest looks for the year in the file's history.
    pub year_less: Option<YearLess>,
    /// Cover image URL.
    pub image: Option<String>,
    /// Original URL.
    pub link: Option<String>,
    /// Description or summary.
    pub description: Option<String>,
    /// Clean body text, blocks separated by `\n`.
    pub body: String,
}

/// An article and what was odd about it.
#[derive(Debug)]
pub struct ParsedArticle {
    /// The article.
    pub article: Article,
    /// Problems that did not stop the article from being indexed (one line each).
    pub warnings: Vec<String>,
}

/// Parses a post. `file_stem` is the title of last resort. A date written without a year
/// takes it from a full date with the same month and day in the post (with a warning),
/// else stays [`Article::year_less`]; a post without a `date:` whose file name starts with
/// one (`2019-04-04-slug.md`) is dated by it, as Jekyll does.
///
/// ```
/// use sousuo::article::{parse_article, BodyFormat};
/// let post = "\n---\ntitle: '算力'\ndate: 2022-07-30\n---\n<div><p>正文</p></div>";
/// let parsed = parse_article(post, "x", BodyFormat::Markdown).unwrap();
/// assert_eq!(parsed.article.title, "算力");
/// assert_eq!(parsed.article.body, "正文");
/// ```
pub fn parse_article(
    text: &str,
    file_stem: &str,
    format: BodyFormat,
) -> Result<ParsedArticle, ArticleError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut warnings = Vec::new();
    let split = split_front_matter(text)?;
    let front_matter = match split.yaml {
        Some(yaml) => parse_front_matter(yaml, &mut warnings)?,
        None => FrontMatter::default(),
    };
    let body = match format {
        BodyFormat::Html => clean_html(split.body),
        BodyFormat::Markdown if split.body.trim_start().starts_with('<') => clean_html(split.body),
        BodyFormat::Markdown => clean_html(&markdown_to_html(split.body)),
    };
    // What the post says of its own date: the front matter (cover image URLs), the text
    // and the text's images, not the ads and QR-code boxes every post carries.
    let evidence = || {
        let mut evidence = format!("{}\n{}", split.yaml.unwrap_or_default(), body.text);
        for source in &body.image_sources {
            evidence.push('\n');
            evidence.push_str(source);
        }
        evidence
    };
    let (date, year_less) = match front_matter.date.as_deref() {
        Some(written) => read_date(written, evidence, &mut warnings),
        None => (date_from_file_name(file_stem), None),
    };
    let title = match front_matter.title {
        Some(title) => decode_entities(&title),
        None => body
            .first_heading
            .clone()
            .unwrap_or_else(|| file_stem.trim().to_string()),
    };
    let article = Article {
        title,
        categories: front_matter.categories,
        tags: front_matter.tags,
        author: front_matter.author,
        editor: body.editor,
        date,
        year_less,
        image: front_matter.image,
        link: front_matter.link,
        description: front_matter.description,
        body: body.text,
    };
    Ok(ParsedArticle { article, warnings })
}

/// The date of a post's `date:` value, or the date without a year the post does not
/// tell; a warning when it has no year or none at all.
fn read_date(
    written: &str,
    post: impl FnOnce() -> String,
    warnings: &mut Vec<String>,
) -> (Option<DateTime<FixedOffset>>, Option<YearLess>) {
    if let Some(date) = parse_date(written).or_else(|| find_date(written)) {
        return (Some(date), None);
    }
    let Some(year_less) = YearLess::parse(written) else {
        warnings.push(format!(
            "date: cannot read {written:?} as a date; left empty"
        ));
        return (None, None);
    };
    match year_less.in_post(&post()) {
        Some(date) => {
            warnings.push(format!(
                "date: {written:?} has no year; read as {} (the year {})",
                date.format("%Y-%m-%d %H:%M"),
                YearSource::Post.describe()
            ));
            (Some(date), None)
        }
        None => (None, Some(year_less)),
    }
}

fn markdown_to_html(markdown: &str) -> String {
    let options = pulldown_cmark::Options::ENABLE_TABLES
        | pulldown_cmark::Options::ENABLE_STRIKETHROUGH
        | pulldown_cmark::Options::ENABLE_FOOTNOTES;
    let parser = pulldown_cmark::Parser::new_ext(markdown, options);
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, parser);
    html
}

/// Titles may carry HTML entities (`&#123;`, `&amp;`): Hexo renders them as HTML.
fn decode_entities(title: &str) -> String {
    if !title.contains('&') {
        return title.to_string();
    }
    let fragment = scraper::Html::parse_fragment(title);
    let decoded: String = fragment.root_element().text().collect();
    decoded.trim().to_string()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The bundled sample: the real posts plus rendered ones, all in the seed format.
    const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
    const SINA: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/金融/新浪财经/新浪财经－国內"
    );

    fn parse(text: &str) -> ParsedArticle {
        parse_article(text, "file-name", BodyFormat::Markdown).unwrap()
    }

    #[test]
    fn bom_and_crlf_front_matter() {
        let parsed = parse("\u{feff}---\r\ntitle: 标题\r\ncategories: 新闻\r\n---\r\n正文\r\n");
        assert_eq!(parsed.article.title, "标题");
        assert_eq!(parsed.article.categories, ["新闻"]);
        assert_eq!(parsed.article.body, "正文");
    }

    #[test]
    fn without_front_matter_the_title_is_the_first_heading_or_file_name() {
        let parsed = parse("# 一级标题\n\n正文段落。\n");
        assert_eq!(parsed.article.title, "一级标题");
        assert_eq!(parsed.article.body, "一级标题\n正文段落。");
        let parsed = parse("只有正文。");
        assert_eq!(parsed.article.title, "file-name");
    }

    #[test]
    fn markdown_bodies_are_rendered() {
        let parsed = parse(
            "---\ntitle: t\n---\n\n段落 **加粗** 与 [链接](http://x)。\n\n- 列表一\n- 列表二\n",
        );
        assert_eq!(parsed.article.body, "段落 加粗 与 链接。\n列表一\n列表二");
    }

    #[test]
    fn unreadable_date_is_a_warning() {
        let parsed = parse("---\ntitle: t\ndate: Invalid Date\n---\nx");
        assert_eq!(parsed.article.date, None);
        assert_eq!(parsed.warnings.len(), 1);
        assert!(parsed.warnings[0].contains("Invalid Date"));
    }

    #[test]
    fn title_entities_are_decoded() {
        let parsed = parse("---\ntitle: 'a&#123;b&#125; &amp; c'\n---\nx");
        assert_eq!(parsed.article.title, "a{b} & c");
    }

    fn sample_posts() -> Vec<std::path::PathBuf> {
        walkdir::WalkDir::new(SAMPLE)
            .into_iter()
            .map(|e| e.unwrap().into_path())
            .filter(|p| p.to_string_lossy().ends_with(".md") && !p.ends_with("README.md"))
            .collect()
    }

    #[test]
    fn every_sample_post_parses_without_boilerplate() {
        let posts = sample_posts();
        assert!(
            posts.len() >= 500,
            "found {} posts under {SAMPLE}",
            posts.len()
        );
        for path in posts {
            let text = std::fs::read_to_string(&path).unwrap();
            let parsed = parse_article(&text, "stem", BodyFormat::Markdown)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let article = parsed.article;
            assert!(!article.body.is_empty(), "{}: empty body", path.display());
            assert!(!article.categories.is_empty(), "{}", path.display());
            for boilerplate in [
                "金麒麟",
                "海量资讯",
                "开户",
                "责任编辑",
                "appendQr",
                "&#123;",
                "article_adlist",
                "<p",
                "\u{3000}\u{3000}",
            ] {
                assert!(
                    !article.body.contains(boilerplate),
                    "{}: body contains {boilerplate:?}",
                    path.display()
                );
            }
            // Exactly the posts whose date cannot be read, or has no year that the post
            // tells, carry a warning; a year the post does not tell is ingest's to find.
            let year_from_post = parsed.warnings.iter().any(|w| w.contains("has no year"));
            let unreadable = article.date.is_none() && article.year_less.is_none();
            assert_eq!(
                parsed.warnings.len(),
                usize::from(unreadable || year_from_post),
                "{}: {:?}",
                path.display(),
                parsed.warnings
            );
            if text.contains("date: Invalid Date") {
                assert!(article.date.is_none());
            }
        }
    }

    #[test]
    fn the_seed_post() {
        let path = Path::new(SINA).join("工信部副部长张云明：中国算力规模排名全球第二.md");
        let text = std::fs::read_to_string(path).unwrap();
        let article = parse(&text).article;
        assert_eq!(
            article.title,
            "工信部副部长张云明：中国算力规模排名全球第二"
        );
        assert_eq!(article.categories, ["金融", "新浪财经", "新浪财经－国內"]);
        assert_eq!(article.author.as_deref(), Some("新浪财经"));
        assert_eq!(article.editor.as_deref(), Some("郭建"));
        assert_eq!(
            article.date.unwrap().to_rfc3339(),
            "2022-07-30T07:56:36+00:00"
        );
        assert!(article
            .body
            .starts_with("本报记者 裴昱 济南报道\n7月30日，工业和信息化部"));
        assert!(article.body.ends_with("（编辑：孟庆伟 校对：燕郁霞）"));
        assert_eq!(article.body.lines().count(), 13);
    }

    #[test]
    fn captions_stay_and_editor_codes_go() {
        let dir = Path::new(SINA);
        let text = std::fs::read_to_string(dir.join(
            "_3月1日起个人存取款超5万元要登记_暂缓实施！有银行停办现金业务，央行重磅发声.md",
        ))
        .unwrap();
        let article = parse(&text).article;
        assert!(article.body.contains("图片来源："));
        let text = std::fs::read_to_string(dir.join("0！.md")).unwrap();
        assert_eq!(parse(&text).article.editor.as_deref(), Some("梁斌"));
    }
}

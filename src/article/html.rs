//! HTML body → clean text, in one walk over the parsed tree.
//!
//! Kept: the text of the article, one line per block (paragraph, heading, list item, table
//! row, caption), entities decoded, the U+3000 paragraph indents and other edge whitespace
//! trimmed. Dropped: `<script>`, `<style>` and the like, HTML comments (the
//! `article_adlist` ads are comments), and the boilerplate boxes of the seed format — the
//! 金麒麟 ad blockquote, the 开户 and appendQr QR boxes. The `责任编辑：` line is taken out of
//! the text and returned as the editor.
//!
//! The walk is iterative (ego-tree's `traverse`), so deeply nested markup cannot overflow
//! the stack.

use ego_tree::iter::Edge;
use ego_tree::NodeId;
use scraper::{ElementRef, Html, Node};

/// What the cleaner returns.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CleanBody {
    /// Article text, blocks separated by `\n`.
    pub text: String,
    /// The editor named by a `责任编辑：` line, work code dropped.
    pub editor: Option<String>,
    /// The text of the first heading (`h1`…`h6`), if any.
    pub first_heading: Option<String>,
    /// The `src` of the images the text keeps (not those of ads and QR-code boxes), at
    /// most [`MAX_IMAGE_SOURCES`]: their paths often carry the publication date.
    pub image_sources: Vec<String>,
}

/// The most image sources a body keeps.
pub const MAX_IMAGE_SOURCES: usize = 32;

/// Elements whose content is never article text.
const SKIPPED_ELEMENTS: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "head", "svg", "canvas", "object",
    "select", "button",
];

/// Elements that start a new line of text.
const BLOCK_ELEMENTS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "caption",
    "tr",
    "thead",
    "tbody",
    "tfoot",
    "figure",
    "figcaption",
    "section",
    "article",
    "header",
    "footer",
    "aside",
    "nav",
    "hr",
    "address",
    "main",
    "center",
    "details",
    "summary",
];

/// Deeper markup is read as flat text: the HTML parser checks scopes along the whole stack
/// of open elements for each tag, so its time grows with the square of the depth (100,000
/// nested `<div>`s took 28 s). Real articles stay far below this.
pub const MAX_NESTING: usize = 2_000;

/// Elements that have no end tag.
const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Prefixes of the editor line (full-width and ASCII colon).
const EDITOR_PREFIXES: &[&str] = &["责任编辑：", "责任编辑:"];

/// Cleans an HTML body (or fragment).
///
/// ```
/// let body = sousuo::article::clean_html(
///     "<div><p>\u{3000}\u{3000}正文</p><style>.a&#123;&#125;</style>\
///      <p class=\"article-editor\">责任编辑：郭建 </p></div>",
/// );
/// assert_eq!(body.text, "正文");
/// assert_eq!(body.editor.as_deref(), Some("郭建"));
/// ```
pub fn clean_html(html: &str) -> CleanBody {
    if nesting_depth(html) > MAX_NESTING {
        return flat_text(html);
    }
    let document = Html::parse_fragment(html);
    let mut cleaner = Cleaner::default();
    for edge in document.tree.root().traverse() {
        match edge {
            Edge::Open(node) => cleaner.open(node),
            Edge::Close(node) => cleaner.close(node),
        }
    }
    let (text, editor_from_text) = cleaner.out.finish();
    CleanBody {
        text,
        editor: cleaner.editor.or(editor_from_text),
        first_heading: cleaner.first_heading,
        image_sources: cleaner.image_sources,
    }
}

/// The state of one walk over a parsed body.
#[derive(Default)]
struct Cleaner {
    out: TextBuilder,
    editor: Option<String>,
    first_heading: Option<String>,
    /// While Some, everything up to the Close of this node is skipped.
    skipping: Option<NodeId>,
    /// The first heading while its text is collected.
    heading: Option<(NodeId, String)>,
    /// How many `<pre>` elements the walk is inside.
    pre_depth: usize,
    image_sources: Vec<String>,
}

impl Cleaner {
    fn open(&mut self, node: ego_tree::NodeRef<'_, Node>) {
        if self.skipping.is_some() {
            return;
        }
        match node.value() {
            Node::Text(text) => {
                if let Some((_, heading_text)) = self.heading.as_mut() {
                    heading_text.push_str(text);
                }
                self.out.push_text(text, self.pre_depth > 0);
            }
            Node::Element(element) => self.open_element(node, element),
            _ => {}
        }
    }

    fn open_element(
        &mut self,
        node: ego_tree::NodeRef<'_, Node>,
        element: &scraper::node::Element,
    ) {
        let name = element.name();
        if SKIPPED_ELEMENTS.contains(&name) {
            self.skipping = Some(node.id());
            return;
        }
        let Some(element_ref) = ElementRef::wrap(node) else {
            return;
        };
        if is_boilerplate(element_ref) {
            self.skipping = Some(node.id());
            return;
        }
        if element.has_class(
            "article-editor",
            scraper::CaseSensitivity::AsciiCaseInsensitive,
        ) {
            let line: String = element_ref.text().collect();
            self.editor = self.editor.take().or_else(|| editor_name(&line));
            self.skipping = Some(node.id());
            return;
        }
        if BLOCK_ELEMENTS.contains(&name) {
            self.out.break_line();
        }
        match name {
            "pre" => self.pre_depth += 1,
            "img" if self.image_sources.len() < MAX_IMAGE_SOURCES => {
                if let Some(source) = element.attr("src") {
                    self.image_sources.push(source.to_string());
                }
            }
            "td" | "th" => self.out.push_text(" ", false),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
                if self.first_heading.is_none() && self.heading.is_none() =>
            {
                self.heading = Some((node.id(), String::new()));
            }
            _ => {}
        }
    }

    fn close(&mut self, node: ego_tree::NodeRef<'_, Node>) {
        if let Some(skipped) = self.skipping {
            if skipped == node.id() {
                self.skipping = None;
            }
            return;
        }
        if let Some((heading_id, heading_text)) = self.heading.take() {
            if heading_id == node.id() {
                let text = collapse_whitespace(&heading_text);
                self.first_heading = Some(text).filter(|t| !t.is_empty());
            } else {
                self.heading = Some((heading_id, heading_text));
            }
        }
        if let Node::Element(element) = node.value() {
            let name = element.name();
            if name == "pre" {
                self.pre_depth = self.pre_depth.saturating_sub(1);
            }
            if BLOCK_ELEMENTS.contains(&name) {
                self.out.break_line();
            }
        }
    }
}

/// The deepest nesting of elements, from a scan of the tags (comments and void elements
/// are passed over; an unclosed element counts as open to the end).
pub fn nesting_depth(html: &str) -> usize {
    let bytes = html.as_bytes();
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut i = 0;
    while let Some(found) = bytes[i..].iter().position(|&b| b == b'<') {
        let start = i + found + 1;
        i = start;
        if bytes[start..].starts_with(b"!--") {
            i = html[start..]
                .find("-->")
                .map_or(bytes.len(), |end| start + end + 3);
            continue;
        }
        let closing = bytes.get(start) == Some(&b'/');
        let name_start = start + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            continue;
        }
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        if closing {
            depth = depth.saturating_sub(1);
            continue;
        }
        let tag_end = bytes[name_start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(bytes.len(), |p| name_start + p);
        let self_closing = tag_end > 0 && bytes.get(tag_end - 1) == Some(&b'/');
        if !self_closing && !VOID_ELEMENTS.contains(&name.as_str()) {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

/// Text of markup too deep to parse as a tree: tags become line breaks (block elements) or
/// nothing, comments, scripts and styles are dropped, common entities decoded.
fn flat_text(html: &str) -> CleanBody {
    let mut out = TextBuilder::default();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_text(&decode_entities(&rest[..open]), false);
        let tag = &rest[open..];
        let skip_to = |end: &str| tag.find(end).map_or(tag.len(), |p| p + end.len());
        let lower_start: String = tag.chars().take(8).collect::<String>().to_ascii_lowercase();
        let consumed = if tag.starts_with("<!--") {
            skip_to("-->")
        } else if lower_start.starts_with("<script") {
            skip_to("</script>")
        } else if lower_start.starts_with("<style") {
            skip_to("</style>")
        } else {
            let end = tag.find('>').map_or(tag.len(), |p| p + 1);
            let name: String = tag[1..end]
                .trim_start_matches('/')
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase();
            if BLOCK_ELEMENTS.contains(&name.as_str()) {
                out.break_line();
            }
            end
        };
        rest = &tag[consumed..];
    }
    out.push_text(&decode_entities(rest), false);
    let (text, editor) = out.finish();
    CleanBody {
        text,
        editor,
        first_heading: None,
        image_sources: Vec::new(),
    }
}

/// Numeric and the common named character references.
fn decode_entities(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('&') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after.find(';').filter(|&end| end <= 10).and_then(|end| {
            let name = &after[..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ if name.starts_with("#x") || name.starts_with("#X") => {
                    u32::from_str_radix(&name[2..], 16)
                        .ok()
                        .and_then(char::from_u32)
                }
                _ if name.starts_with('#') => name[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// The seed format's ad and QR-code boxes.
fn is_boilerplate(element: ElementRef<'_>) -> bool {
    let value = element.value();
    let boilerplate_class = value.classes().any(|class| {
        class.starts_with("appendQr") || class.contains("kaihu") || class == "app-qrcode"
    });
    if boilerplate_class {
        return true;
    }
    // The 金麒麟 analyst-report ad is a blockquote linking to jinqilin.shtml.
    if value.name() == "blockquote" {
        let links_to_ad = element.descendants().filter_map(ElementRef::wrap).any(|e| {
            e.value()
                .attr("href")
                .is_some_and(|h| h.contains("jinqilin"))
        });
        return links_to_ad || element.text().any(|t| t.contains("金麒麟"));
    }
    false
}

/// `责任编辑：梁斌 SF055 ` → `梁斌`.
fn editor_name(line: &str) -> Option<String> {
    let line = line.trim_matches(|c: char| c.is_whitespace());
    let rest = EDITOR_PREFIXES
        .iter()
        .find_map(|prefix| line.strip_prefix(prefix))
        .unwrap_or(line);
    let mut words: Vec<&str> = rest.split_whitespace().collect();
    // A Sina work code: letters then digits (SF055, SF014).
    while words.len() > 1 && words.last().is_some_and(|w| is_work_code(w)) {
        words.pop();
    }
    let name = words.join(" ");
    (!name.is_empty()).then_some(name)
}

fn is_work_code(word: &str) -> bool {
    let letters = word.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    letters > 0 && letters < word.len() && word[letters..].chars().all(|c| c.is_ascii_digit())
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

fn collapse_whitespace(text: &str) -> String {
    text.split(is_space)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Accumulates lines of text.
#[derive(Default)]
struct TextBuilder {
    text: String,
    line: String,
    editor: Option<String>,
}

impl TextBuilder {
    fn push_text(&mut self, text: &str, preformatted: bool) {
        if preformatted {
            for (i, part) in text.split('\n').enumerate() {
                if i > 0 {
                    self.break_line();
                }
                self.line.push_str(part);
            }
            return;
        }
        // Runs of spaces and tabs become one space; a newline in the source ends the line
        // (bodies of plain text lines inside one `<div>` keep their lines).
        for (i, part) in text.split('\n').enumerate() {
            if i > 0 {
                self.break_line();
            }
            // Copied a run at a time: a character at a time was 1.4% of an ingest's samples.
            let mut last_was_space = self.line.ends_with(' ');
            let mut rest = part;
            while let Some(at) = rest.find(is_collapsed_space) {
                let (run, tail) = rest.split_at(at);
                if !run.is_empty() {
                    self.line.push_str(run);
                    last_was_space = false;
                }
                if !last_was_space {
                    self.line.push(' ');
                    last_was_space = true;
                }
                let space = tail.chars().next().map_or(1, char::len_utf8);
                rest = &tail[space..];
            }
            self.line.push_str(rest);
        }
    }

    fn break_line(&mut self) {
        if self.line.is_empty() {
            return;
        }
        let mut line = self.line.trim_matches(is_space);
        // An editor credit ends the text of its line, also when a copied article carries it
        // at the end of a paragraph (`…查看更多责任编辑：`).
        if let Some(at) = editor_credit_at(line) {
            if self.editor.is_none() {
                self.editor = editor_name(&line[at..]);
            }
            line = line[..at].trim_end_matches(is_space);
        }
        if !line.is_empty() {
            if !self.text.is_empty() {
                self.text.push('\n');
            }
            self.text.push_str(line);
        }
        self.line.clear();
    }

    fn finish(mut self) -> (String, Option<String>) {
        self.break_line();
        (self.text, self.editor)
    }
}

/// Spaces that collapse into one in a line of text.
fn is_collapsed_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\u{a0}')
}

/// Where the first editor credit (one of [`EDITOR_PREFIXES`]) starts in `line`: one search
/// for the label, then its colon.
fn editor_credit_at(line: &str) -> Option<usize> {
    const LABEL: &str = "责任编辑";
    debug_assert!(EDITOR_PREFIXES.iter().all(|p| p.starts_with(LABEL)));
    let mut from = 0;
    while let Some(found) = line[from..].find(LABEL) {
        let at = from + found;
        let after = &line[at + LABEL.len()..];
        if EDITOR_PREFIXES
            .iter()
            .any(|p| after.starts_with(&p[LABEL.len()..]))
        {
            return Some(at);
        }
        from = at + LABEL.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_become_lines_with_indents_trimmed() {
        let body = clean_html("<div>   \n<p>\u{3000}\u{3000}第一段。</p>\n<p>\u{3000}\u{3000}第二<font>段</font>。 </p></div>");
        assert_eq!(body.text, "第一段。\n第二段。");
    }

    #[test]
    fn scripts_styles_and_comments_are_dropped() {
        let body = clean_html(
            "<p>正文</p><script>var 广告 = 1;</script><style>.a&#123;color:red&#125;</style>\
             <!--article_adlist[<p>百万用户都在看</p>]article_adlist--><!-- 总声明-->",
        );
        assert_eq!(body.text, "正文");
    }

    #[test]
    fn truncated_ad_comment_is_dropped() {
        let body = clean_html("<p>甲</p><!--article_adlist[<p cms-style=\"font-M\">--><p>乙</p>");
        assert_eq!(body.text, "甲\n乙");
    }

    #[test]
    fn ad_blockquote_and_qr_boxes_are_dropped() {
        let body = clean_html(
            "<blockquote><p>炒股就看<a href=\"https://finance.sina.com.cn/stock/reportch/jinqilin.shtml\">金麒麟分析师研报</a>，权威</p></blockquote>\
             <p>正文</p><div class=\"app-kaihu-qr\"><span>炒股开户享福利</span></div>\
             <div class=\"clearfix appendQr_wrap\"><div class=\"appendQr_normal_txt\">海量资讯、精准解读，尽在新浪财经APP</div></div>",
        );
        assert_eq!(body.text, "正文");
    }

    #[test]
    fn ordinary_blockquotes_stay() {
        let body = clean_html("<blockquote><p>引用的话</p></blockquote><p>正文</p>");
        assert_eq!(body.text, "引用的话\n正文");
    }

    #[test]
    fn editor_line_becomes_a_field() {
        let body = clean_html("<p>正文</p><p class=\"article-editor\">责任编辑：梁斌 SF055 </p>");
        assert_eq!(body.text, "正文");
        assert_eq!(body.editor.as_deref(), Some("梁斌"));
        let plain = clean_html("<p>正文</p><p>责任编辑:张三</p>");
        assert_eq!(plain.text, "正文");
        assert_eq!(plain.editor.as_deref(), Some("张三"));
        let inline = clean_html("<p>正文。返回搜狐，查看更多责任编辑：</p><p>下一段</p>");
        assert_eq!(inline.text, "正文。返回搜狐，查看更多\n下一段");
        assert_eq!(inline.editor, None);
    }

    #[test]
    fn entities_are_decoded_and_captions_kept() {
        let body = clean_html(
            "<pre><code>const a = &#123; b &#125;;\nx</code></pre>\
             <div class=\"img_wrapper\"><img src=\"a.png\"><span class=\"img_descr\">图片来源：新华社</span></div>",
        );
        assert_eq!(body.text, "const a = { b };\nx\n图片来源：新华社");
    }

    #[test]
    fn plain_text_lines_keep_their_breaks() {
        let body = clean_html("<div>   \n第一行 \n第二行  \n</div>");
        assert_eq!(body.text, "第一行\n第二行");
    }

    #[test]
    fn first_heading_is_found() {
        let body = clean_html("<p>前言</p><h2>标题 <em>一</em></h2><h1>二</h1>");
        assert_eq!(body.first_heading.as_deref(), Some("标题 一"));
    }

    #[test]
    fn deep_nesting_is_read_as_flat_text() {
        let depth = 100_000;
        let html = format!(
            "<p>前&#123;</p>{}深处<script>x</script>{}<p>后 &amp; 尾</p>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        // The script inside the innermost div is one level deeper.
        assert_eq!(nesting_depth(&html), depth + 1);
        assert_eq!(clean_html(&html).text, "前{\n深处\n后 & 尾");
    }

    #[test]
    fn nesting_depth_skips_void_and_self_closing_elements() {
        assert_eq!(nesting_depth("<div><p>a<br><img src=x/><hr/></p></div>"), 2);
        assert_eq!(nesting_depth("a < b and <!-- <div> -->"), 0);
        let tree_depth = MAX_NESTING;
        let html = format!(
            "{}x{}",
            "<span>".repeat(tree_depth),
            "</span>".repeat(tree_depth)
        );
        assert_eq!(clean_html(&html).text, "x");
    }
}

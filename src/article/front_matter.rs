//! Splitting a post into its YAML front matter and its body, and reading the fields.
//!
//! serde_yaml is used only here. Unknown keys are ignored; a field of the wrong shape is a
//! warning, never a failure. Only a block that cannot be read at all (not closed, not YAML,
//! not a mapping) fails the article.

use serde_yaml::Value;

use super::ArticleError;

/// A post cut in two: the YAML between the `---` lines (if any) and the body after it.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML text, without the `---` lines; `None` for a post without front matter.
    pub yaml: Option<&'a str>,
    /// Everything after the closing `---` line (or the whole text).
    pub body: &'a str,
}

/// Finds the front matter: a `---` line, possibly after blank lines, up to the next `---`
/// (or `...`) line. Accepts CRLF line ends. The text must not start with a BOM.
pub fn split_front_matter(text: &str) -> Result<Split<'_>, ArticleError> {
    let mut offset = 0;
    let mut lines = text.split_inclusive('\n');
    let yaml_start = loop {
        let Some(line) = lines.next() else {
            return Ok(Split {
                yaml: None,
                body: text,
            });
        };
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        if content.trim().is_empty() {
            continue;
        }
        if content.trim_end() == "---" {
            break offset;
        }
        return Ok(Split {
            yaml: None,
            body: text,
        });
    };
    for line in lines {
        let line_start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']).trim_end();
        if content == "---" || content == "..." {
            return Ok(Split {
                yaml: Some(&text[yaml_start..line_start]),
                body: &text[offset..],
            });
        }
    }
    Err(ArticleError::UnclosedFrontMatter)
}

/// The fields sousuo reads from front matter.
#[derive(Debug, Default, PartialEq)]
pub struct FrontMatter {
    /// `title`; `None` when the key is missing.
    pub title: Option<String>,
    /// `categories` (or `category`): a list or a single string.
    pub categories: Vec<String>,
    /// `tags` (or `tag`): a list or a single string.
    pub tags: Vec<String>,
    /// `author`.
    pub author: Option<String>,
    /// `date`, as written.
    pub date: Option<String>,
    /// `headimg`, `thumbnail`, `image` or `cover`: the first one given.
    pub image: Option<String>,
    /// `link`, `url` or `permalink`: the first one given.
    pub link: Option<String>,
    /// `description` (or `excerpt`, `summary`).
    pub description: Option<String>,
}

/// The front matter's `key: value` mapping (`None` for an empty one); text that is not
/// valid YAML, or not a mapping, is read line by line when its lines are `key: value`.
fn read_mapping(
    yaml: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<serde_yaml::Mapping>, ArticleError> {
    let parsed: Result<Value, _> = serde_yaml::from_str(yaml);
    let mapping = match parsed {
        Ok(Value::Mapping(mapping)) => mapping,
        Ok(Value::Null) => return Ok(None),
        // `title：…` lines (full-width colons) read as one string.
        Ok(Value::String(_)) if salvage(yaml).is_some() => {
            let (mapping, read) = salvage(yaml).expect("checked");
            warnings.push(format!(
                "front matter is text, not `key: value` lines; read line by line: {}",
                read.join(", ")
            ));
            mapping
        }
        Ok(other) => {
            return Err(ArticleError::FrontMatterNotMapping {
                found: kind_of(&other),
            })
        }
        Err(err) => {
            let reason = one_line(&err.to_string());
            // An alias bomb is hostile, not broken: nothing of it is read.
            let hostile = reason.contains("limit exceeded");
            let Some((mapping, read)) = salvage(yaml).filter(|_| !hostile) else {
                return Err(ArticleError::Yaml { reason });
            };
            warnings.push(format!(
                "front matter is not valid YAML ({reason}); read line by line: {}",
                read.join(", ")
            ));
            mapping
        }
    };
    Ok(Some(mapping))
}

/// Reads front matter YAML. Problems with single fields are added to `warnings`.
pub fn parse_front_matter(
    yaml: &str,
    warnings: &mut Vec<String>,
) -> Result<FrontMatter, ArticleError> {
    if yaml.trim().is_empty() {
        return Ok(FrontMatter::default());
    }
    // YAML forbids control characters; archives carry stray ones (a DEL in a title).
    let cleaned;
    let yaml = if yaml.chars().any(is_forbidden_control) {
        cleaned = yaml.replace(is_forbidden_control, "");
        warnings.push(format!(
            "front matter: removed {} control characters",
            yaml.chars().filter(|&c| is_forbidden_control(c)).count()
        ));
        cleaned.as_str()
    } else {
        yaml
    };
    let Some(mapping) = read_mapping(yaml, warnings)? else {
        return Ok(FrontMatter::default());
    };
    let get = |keys: &[&str]| keys.iter().find_map(|key| mapping.get(*key));
    let mut scalar = |keys: &[&str]| -> Option<String> {
        let value = get(keys)?;
        let text = scalar_text(value);
        if text.is_none() && !value.is_null() {
            warnings.push(format!(
                "front matter: `{}` is a {}, expected text; ignored",
                keys[0],
                kind_of(value)
            ));
        }
        text
    };
    let title = scalar(&["title"]);
    let author = scalar(&["author"]);
    let date = scalar(&["date"]);
    let image = scalar(&["headimg", "thumbnail", "image", "cover"]);
    let link = scalar(&["link", "url", "permalink"]);
    let description = scalar(&["description", "excerpt", "summary"]);
    let categories = string_list(get(&["categories", "category"]), "categories", warnings);
    let tags = string_list(get(&["tags", "tag"]), "tags", warnings);
    Ok(FrontMatter {
        title,
        categories,
        tags,
        author: author.filter(|a| !a.is_empty()),
        date,
        image: image.filter(|i| !i.is_empty()),
        link: link.filter(|l| !l.is_empty()),
        description: description.filter(|d| !d.is_empty()),
    })
}

/// Keys a salvaged front matter must hold one of to count as front matter.
const SALVAGED_KEYS: [&str; 6] = ["title", "date", "categories", "category", "tags", "author"];

/// Front matter YAML cannot read, read line by line as a person would: `key: value` or
/// `key：value` (a full-width colon), a value running to the end of its line (colons and
/// quotes inside it kept: `title: 报道：a "b" 'c'`), tabs as spaces, `- item` lines after a
/// key without a value as its list, the first of duplicated keys. The mapping, and what
/// was read (`title (line 2)`); `None` when no line names a known field.
fn salvage(yaml: &str) -> Option<(serde_yaml::Mapping, Vec<String>)> {
    let mut mapping = serde_yaml::Mapping::new();
    let mut read = Vec::new();
    let mut list: Option<(String, Vec<Value>)> = None;
    let finish = |list: &mut Option<(String, Vec<Value>)>, mapping: &mut serde_yaml::Mapping| {
        if let Some((key, items)) = list.take() {
            if !items.is_empty() {
                mapping.insert(Value::String(key), Value::Sequence(items));
            }
        }
    };
    for (number, line) in yaml.lines().enumerate() {
        let line = line.replace('\t', " ");
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let (Some(item), Some((_, items))) = (trimmed.strip_prefix("- "), list.as_mut()) {
            items.push(Value::String(unquote(item.trim()).to_string()));
            continue;
        }
        finish(&mut list, &mut mapping);
        let Some((key, value)) = split_key(trimmed) else {
            continue;
        };
        let key = key.to_ascii_lowercase();
        if mapping.contains_key(key.as_str()) {
            continue;
        }
        read.push(format!("{key} (line {})", number + 1));
        if value.is_empty() {
            list = Some((key, Vec::new()));
        } else {
            mapping.insert(
                Value::String(key),
                Value::String(unquote(value).to_string()),
            );
        }
    }
    finish(&mut list, &mut mapping);
    let known = SALVAGED_KEYS.iter().any(|key| mapping.contains_key(*key));
    known.then_some((mapping, read))
}

/// `key: value` or `key：value`, the key a plain name; `None` for other lines.
fn split_key(line: &str) -> Option<(&str, &str)> {
    let at = line.find([':', '：'])?;
    let key = line[..at].trim();
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'));
    let separator = line[at..].chars().next()?.len_utf8();
    plain.then(|| (key, line[at + separator..].trim()))
}

/// A value without the quotes around it (when both ends have the same kind).
fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|rest| rest.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

/// Control characters YAML does not allow in a document (all but tab and line breaks).
fn is_forbidden_control(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{85}')) || c == '\u{feff}'
}

/// A scalar as text (`title: 2022` is the title "2022"); `None` for null, lists, maps.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim().to_string()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Tagged(tagged) => scalar_text(&tagged.value),
        Value::Null | Value::Sequence(_) | Value::Mapping(_) => None,
    }
}

/// A list of strings from a list or a single scalar; nested lists are flattened.
fn string_list(value: Option<&Value>, key: &str, warnings: &mut Vec<String>) -> Vec<String> {
    let mut items = Vec::new();
    let Some(value) = value else {
        return items;
    };
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            Value::Sequence(sequence) => pending.extend(sequence.iter().rev()),
            Value::Null => {}
            Value::Mapping(_) => warnings.push(format!(
                "front matter: `{key}` holds a mapping, expected text; ignored"
            )),
            scalar => {
                if let Some(text) = scalar_text(scalar).filter(|t| !t.is_empty()) {
                    items.push(text);
                }
            }
        }
    }
    items
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Sequence(_) => "list",
        Value::Mapping(_) => "mapping",
        Value::Tagged(_) => "tagged value",
    }
}

/// serde_yaml messages can span lines; a report line must not.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_layout_with_leading_blank_line() {
        let split = split_front_matter("\n---\ntitle: 'a'\n---\n\n<div>b</div>").unwrap();
        assert_eq!(split.yaml, Some("title: 'a'\n"));
        assert_eq!(split.body, "\n<div>b</div>");
    }

    #[test]
    fn crlf_line_ends() {
        let split = split_front_matter("---\r\ntitle: a\r\n---\r\nbody\r\n").unwrap();
        assert_eq!(split.yaml, Some("title: a\r\n"));
        assert_eq!(split.body, "body\r\n");
    }

    #[test]
    fn no_front_matter_is_all_body() {
        let split = split_front_matter("# Heading\n\ntext").unwrap();
        assert_eq!(split.yaml, None);
        assert_eq!(split.body, "# Heading\n\ntext");
        assert_eq!(split_front_matter("").unwrap().yaml, None);
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let err = split_front_matter("---\ntitle: a\nbody").unwrap_err();
        assert!(matches!(err, ArticleError::UnclosedFrontMatter));
    }

    #[test]
    fn fields_of_the_seed_format() {
        let yaml = "title: '工信部副部长张云明：中国算力规模排名全球第二'\ncategories: \n - 金融\n - 新浪财经\n - 新浪财经－国內\nheadimg: 'https://x/a.png'\nauthor: 新浪财经\ncomments: false\ndate: Sat, 30 Jul 2022 07:56:36 GMT\nthumbnail: 'https://x/b.png'\n";
        let mut warnings = Vec::new();
        let fm = parse_front_matter(yaml, &mut warnings).unwrap();
        assert_eq!(
            fm.title.as_deref(),
            Some("工信部副部长张云明：中国算力规模排名全球第二")
        );
        assert_eq!(fm.categories, ["金融", "新浪财经", "新浪财经－国內"]);
        assert_eq!(fm.author.as_deref(), Some("新浪财经"));
        assert_eq!(fm.date.as_deref(), Some("Sat, 30 Jul 2022 07:56:36 GMT"));
        assert_eq!(fm.image.as_deref(), Some("https://x/a.png"));
        assert!(warnings.is_empty());
    }

    #[test]
    fn single_string_categories_numbers_and_unknown_keys() {
        let yaml = "title: 2022\ncategories: 财经\ntags: [a, 5]\nurl: https://x\nfoo: {bar: 1}\n";
        let mut warnings = Vec::new();
        let fm = parse_front_matter(yaml, &mut warnings).unwrap();
        assert_eq!(fm.title.as_deref(), Some("2022"));
        assert_eq!(fm.categories, ["财经"]);
        assert_eq!(fm.tags, ["a", "5"]);
        assert_eq!(fm.link.as_deref(), Some("https://x"));
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn wrong_shapes_are_warnings() {
        let yaml = "title: [a, b]\ncategories: {a: 1}\n";
        let mut warnings = Vec::new();
        let fm = parse_front_matter(yaml, &mut warnings).unwrap();
        assert_eq!(fm.title, None);
        assert!(fm.categories.is_empty());
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("`title` is a list"));
    }

    #[test]
    fn control_characters_are_removed_with_a_warning() {
        let mut warnings = Vec::new();
        let fm = parse_front_matter("title: 中央纪委\u{7f} 消息\u{1}\n", &mut warnings).unwrap();
        assert_eq!(fm.title.as_deref(), Some("中央纪委 消息"));
        assert_eq!(warnings, ["front matter: removed 2 control characters"]);
    }

    #[test]
    fn broken_front_matter_is_read_line_by_line_with_a_warning() {
        let shapes = [
            "title：全角冒号的标题\ndate：2023-08-02 15:25\n",
            "title: 报道：\"双引号\"和'单引号'\ndate: 2023-08-02\n",
            "title: 制表符\n\tdate: 2023-08-02\n",
            "title: 重复的键\ntitle: 第二个\ndate: 2023-08-02\n",
            "title: 'a\ncategories:\n- 金融\n- 新闻\n",
        ];
        for yaml in shapes {
            let mut warnings = Vec::new();
            let front = parse_front_matter(yaml, &mut warnings).unwrap();
            assert!(front.title.is_some(), "{yaml}");
            let valid_yaml = serde_yaml::from_str::<serde_yaml::Mapping>(yaml).is_ok();
            assert!(
                valid_yaml || warnings[0].contains("read line by line: title (line 1)"),
                "{yaml}: {warnings:?}"
            );
        }
        let mut warnings = Vec::new();
        let duplicated = parse_front_matter(shapes[3], &mut warnings).unwrap();
        assert_eq!(duplicated.title.as_deref(), Some("重复的键"));
        let colons = parse_front_matter(shapes[1], &mut warnings).unwrap();
        assert_eq!(colons.title.as_deref(), Some("报道：\"双引号\"和'单引号'"));
        let listed = parse_front_matter(shapes[4], &mut warnings).unwrap();
        assert_eq!(listed.categories, ["金融", "新闻"]);
    }

    #[test]
    fn invalid_yaml_and_non_mappings_fail() {
        let mut warnings = Vec::new();
        assert!(matches!(
            parse_front_matter("{unclosed: [\n", &mut warnings),
            Err(ArticleError::Yaml { .. })
        ));
        assert!(matches!(
            parse_front_matter("- a\n- b\n", &mut warnings),
            Err(ArticleError::FrontMatterNotMapping { found: "list" })
        ));
    }
}

//! Text from posts made safe for a terminal: control characters and bidirectional
//! overrides shown as visible escapes (`\x1b`, `\r`, `\u{202e}`), as git and ripgrep show
//! what they would not print raw.
//!
//! Invariant: nothing a post holds can move the cursor, set the window title, write the
//! clipboard or reorder the characters around it in human output; JSON output never goes
//! through here (it stays exact, and serde_json escapes control characters itself).

use std::borrow::Cow;

/// `text` with every control character (C0 but newline and tab, DEL, C1) and every
/// bidirectional control written as an escape.
///
/// ```
/// use sousuo::visible::visible;
/// assert_eq!(visible("a\x1b]0;x\x07b"), r"a\x1b]0;x\x07b");
/// assert_eq!(visible("\u{202e}txt.exe"), r"\u{202e}txt.exe");
/// assert_eq!(visible("第一行\n第二行"), "第一行\n第二行");
/// ```
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_visible(&mut escaped, c);
    }
    Cow::Owned(escaped)
}

/// `text` on one line: as [`visible`], with newlines and tabs escaped too (for titles,
/// paths and other one-line values).
pub fn visible_line(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| needs_escape(c) || c == '\n' || c == '\t')
    {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => escaped.push_str(r"\n"),
            '\t' => escaped.push_str(r"\t"),
            other => push_visible(&mut escaped, other),
        }
    }
    Cow::Owned(escaped)
}

/// Appends `c`, escaped if it needs to be.
pub fn push_visible(out: &mut String, c: char) {
    if !needs_escape(c) {
        out.push(c);
        return;
    }
    match c {
        '\r' => out.push_str(r"\r"),
        c if (c as u32) < 0x100 => out.push_str(&format!(r"\x{:02x}", c as u32)),
        c => out.push_str(&format!(r"\u{{{:04x}}}", c as u32)),
    }
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c)
}

/// Characters that change the direction or order in which the text around them is shown,
/// and the line and paragraph separators that break a line without a newline.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
            | '\u{2028}' | '\u{2029}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_escape_sequence_loses_its_escape_character() {
        for hostile in ["\x1b[2J", "\x1b]52;c;aGk=\x07", "x\ry", "\u{9b}31m", "\x7f"] {
            let shown = visible_line(hostile);
            assert!(
                !shown.chars().any(|c| c.is_control()),
                "{hostile:?} → {shown:?}"
            );
        }
        assert_eq!(visible_line("a\tb\nc"), r"a\tb\nc");
        assert_eq!(visible("a\tb\nc"), "a\tb\nc");
        assert!(matches!(visible("算力 规模"), Cow::Borrowed(_)));
    }
}

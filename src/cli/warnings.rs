//! Ingest warnings counted by kind: three of each are printed, then how many more there
//! were (`--verbose` prints all, `--quiet` none).

use sousuo::output;
use sousuo::visible::visible_line;

/// How many warnings of a kind ingest prints.
#[derive(Debug, Clone, Copy)]
pub enum WarningDetail {
    /// None (`--quiet`: errors only).
    None,
    /// This many of each kind, then a count (the default).
    Examples(usize),
    /// Every one (`--verbose`).
    All,
}

/// Warnings counted by kind, so a corpus with thousands of undated posts says so in a few
/// lines.
pub struct WarningLog {
    detail: WarningDetail,
    /// Kind → how many, in the order the kinds were first seen.
    kinds: Vec<(String, usize)>,
}

impl WarningLog {
    pub fn new(detail: WarningDetail) -> WarningLog {
        WarningLog {
            detail,
            kinds: Vec::new(),
        }
    }

    /// Counts a warning; returns it when it is to be printed.
    pub fn note<'a>(&mut self, message: &'a str) -> Option<&'a str> {
        let kind = output::warning_kind(message);
        let count = match self.kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, count)) => count,
            None => {
                self.kinds.push((kind, 0));
                &mut self.kinds.last_mut().expect("just pushed").1
            }
        };
        *count += 1;
        match self.detail {
            WarningDetail::None => None,
            WarningDetail::Examples(shown) if *count > shown => None,
            _ => Some(message),
        }
    }

    /// After the run: how many warnings of each kind were not printed.
    pub fn summarise(&self) {
        let WarningDetail::Examples(shown) = self.detail else {
            return;
        };
        for (kind, count) in &self.kinds {
            if *count > shown {
                eprintln!(
                    "warning: {} more like `{}` ({} in all; --verbose lists them, --json too)",
                    output::thousands(count - shown),
                    visible_line(kind),
                    output::thousands(*count)
                );
            }
        }
    }
}

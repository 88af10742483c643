//! Filter values as people type them: `--category 新浪财经－国内` finds the stored
//! `新浪财经－國內`, `tag:metoo` finds `MeToo`. A value asked for matches every stored value of
//! its fields that is the same once traditional characters, full-width forms and case are
//! folded as the text is; a value no article has is kept as typed (a saved search may wait
//! for it) and named in a warning with the closest stored values, never a silent empty
//! result.

use std::collections::{BTreeSet, HashMap};

use tantivy::schema::Field;

use crate::error::{Error, Result};
use crate::schema::{FieldType, IndexedField};
use crate::text::{fold_for_segmentation, to_simplified};

use super::ArticleSearcher;

/// The most stored values read to match a filter value against (a field holding more is
/// matched as typed only).
const MAX_VALUES: usize = 200_000;

/// How many close values an unknown value's error names.
const CLOSEST: usize = 3;

/// A value as compared: simplified, half-width, lowercase.
pub fn folded_value(value: &str) -> String {
    to_simplified(&fold_for_segmentation(value.trim()).text).to_lowercase()
}

impl ArticleSearcher {
    /// The stored values of `fields` that `asked` names (itself included when stored), and
    /// for each value no article has, a warning naming the closest stored values (the value
    /// is kept as typed).
    pub(super) fn stored_values(
        &self,
        fields: &[(&IndexedField, f32)],
        asked: &[String],
    ) -> Result<(Vec<String>, Vec<String>)> {
        let Some(stored) = self.values_of(fields)? else {
            return Ok((asked.to_vec(), Vec::new()));
        };
        // Each stored value folded once, whatever the number of values asked for.
        let mut by_folded: HashMap<String, Vec<&String>> = HashMap::new();
        for value in &stored {
            by_folded
                .entry(folded_value(value))
                .or_default()
                .push(value);
        }
        let mut found = Vec::new();
        let mut unknown = Vec::new();
        for value in asked {
            let wanted = folded_value(value);
            match by_folded.get(&wanted) {
                Some(matching) => found.extend(matching.iter().map(|value| (*value).clone())),
                None => {
                    unknown.push(unknown_value(value, &wanted, &by_folded, fields));
                    found.push(value.clone());
                }
            }
        }
        found.dedup();
        Ok((found, unknown))
    }

    /// Every value stored in `fields` (string fields only); `None` when there are too many
    /// to read, or a field is not a string field.
    fn values_of(&self, fields: &[(&IndexedField, f32)]) -> Result<Option<BTreeSet<String>>> {
        if fields
            .iter()
            .any(|(field, _)| field.spec.field_type != FieldType::String)
        {
            return Ok(None);
        }
        let mut values = BTreeSet::new();
        let mut complete = true;
        let fields: Vec<Field> = fields.iter().map(|(field, _)| field.field).collect();
        self.each_term(&fields, |term, _| {
            if values.len() >= MAX_VALUES {
                complete = false;
                return false;
            }
            if let Ok(value) = std::str::from_utf8(term) {
                values.insert(value.to_string());
            }
            true
        })?;
        Ok(complete.then_some(values))
    }

    /// Calls `visit` with every term of `fields` in every segment and its document frequency
    /// there, until it returns `false`.
    pub(super) fn each_term(
        &self,
        fields: &[Field],
        mut visit: impl FnMut(&[u8], u32) -> bool,
    ) -> Result<()> {
        let searcher = self.reader.searcher();
        let context = || "reading the index's words".to_string();
        for segment in searcher.segment_readers() {
            for field in fields {
                let inverted = segment
                    .inverted_index(*field)
                    .map_err(|e| Error::reading(context(), e))?;
                let mut terms = inverted
                    .terms()
                    .stream()
                    .map_err(|e| Error::io(&self.index.dir, e))?;
                while terms.advance() {
                    if !visit(terms.key(), terms.value().doc_freq) {
                        return Ok(());
                    }
                }
            }
        }
        Ok(())
    }
}

/// The warning for a value no article has: the closest stored values by characters shared.
fn unknown_value(
    value: &str,
    wanted: &str,
    by_folded: &HashMap<String, Vec<&String>>,
    fields: &[(&IndexedField, f32)],
) -> String {
    let what = fields
        .first()
        .map_or("field", |(field, _)| field.spec.name.as_str());
    let wanted_chars: BTreeSet<char> = wanted.chars().collect();
    let mut close: Vec<(usize, &String)> = by_folded
        .iter()
        .flat_map(|(folded, values)| {
            let shared = folded
                .chars()
                .collect::<BTreeSet<char>>()
                .intersection(&wanted_chars)
                .count();
            values.iter().map(move |value| (shared, *value))
        })
        .filter(|(shared, _)| *shared > 0)
        .collect();
    close.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let names: Vec<String> = close
        .iter()
        .take(CLOSEST)
        .map(|(_, value)| format!("{value:?}"))
        .collect();
    let hint = if names.is_empty() {
        String::new()
    } else {
        format!("; the closest: {}", names.join(", "))
    };
    format!("no article has the {what} {value:?}{hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_fold_as_the_text_does() {
        assert_eq!(
            folded_value("新浪财经－國內"),
            folded_value("新浪财经－国内")
        );
        assert_eq!(folded_value("MeToo"), folded_value("metoo"));
        assert_eq!(folded_value("ＡＢＣ"), "abc");
        assert_ne!(folded_value("国内"), folded_value("国外"));
    }
}

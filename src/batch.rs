//! Reading a batch of queries (`query --batch FILE.jsonl`): one `{"id": …, "text": …}` per
//! line.
//!
//! Invariants: memory is bounded whatever the file holds (a line longer than
//! [`MAX_LINE_BYTES`] is skipped without being kept); every bad line is reported with its
//! number and the reading goes on; no two queries of a batch share an id.

use std::collections::HashMap;
use std::io::{self, BufRead};

/// The longest line read; longer ones are reported and skipped.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// One query of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchQuery {
    /// Its id, as written (a JSON string as it is, anything else as JSON text).
    pub id: String,
    /// The query.
    pub text: String,
}

#[derive(serde::Deserialize)]
struct BatchLine {
    id: serde_json::Value,
    text: String,
}

/// A line of the batch: its 1-based number and the query, or why it was skipped.
pub type BatchItem = (usize, Result<BatchQuery, String>);

/// The queries of a batch file, in order; blank lines are passed over.
pub struct BatchReader<R> {
    input: R,
    line_number: usize,
    seen: HashMap<String, usize>,
}

impl<R: BufRead> BatchReader<R> {
    /// Reads queries from `input`.
    pub fn new(input: R) -> BatchReader<R> {
        BatchReader {
            input,
            line_number: 0,
            seen: HashMap::new(),
        }
    }

    /// Reads one line into `line`, keeping at most [`MAX_LINE_BYTES`]; returns `None` at the
    /// end, else whether the line fitted.
    fn read_line(&mut self, line: &mut Vec<u8>) -> io::Result<Option<bool>> {
        line.clear();
        let mut fits = true;
        let mut read_any = false;
        loop {
            let available = self.input.fill_buf()?;
            if available.is_empty() {
                return Ok(read_any.then_some(fits));
            }
            read_any = true;
            let (part, used, ended) = match available.iter().position(|&b| b == b'\n') {
                Some(end) => (&available[..end], end + 1, true),
                None => (available, available.len(), false),
            };
            if fits && line.len() + part.len() <= MAX_LINE_BYTES {
                line.extend_from_slice(part);
            } else {
                fits = false;
                line.clear();
            }
            self.input.consume(used);
            if ended {
                return Ok(Some(fits));
            }
        }
    }

    fn parse(&mut self, line: &[u8]) -> Result<BatchQuery, String> {
        let text = std::str::from_utf8(line)
            .map_err(|err| format!("not valid UTF-8 (at byte {})", err.valid_up_to()))?;
        let parsed: BatchLine = serde_json::from_str(text).map_err(|err| err.to_string())?;
        let id = match parsed.id {
            serde_json::Value::String(id) => id,
            other => other.to_string(),
        };
        if let Some(first) = self.seen.get(&id) {
            return Err(format!("query id {id:?} was used on line {first}; skipped"));
        }
        self.seen.insert(id.clone(), self.line_number);
        Ok(BatchQuery {
            id,
            text: parsed.text,
        })
    }
}

impl<R: BufRead> Iterator for BatchReader<R> {
    type Item = io::Result<BatchItem>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut line = Vec::new();
        loop {
            self.line_number += 1;
            let fits = match self.read_line(&mut line) {
                Ok(Some(fits)) => fits,
                Ok(None) => return None,
                Err(err) => return Some(Err(err)),
            };
            if !fits {
                let reason = format!("line is over {} MiB; skipped", MAX_LINE_BYTES >> 20);
                return Some(Ok((self.line_number, Err(reason))));
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let parsed = self.parse(&line);
            return Some(Ok((self.line_number, parsed)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &[u8]) -> Vec<(usize, Result<String, String>)> {
        BatchReader::new(input)
            .map(|item| {
                let (number, query) = item.unwrap();
                (number, query.map(|q| format!("{}={}", q.id, q.text)))
            })
            .collect()
    }

    #[test]
    fn bad_lines_are_reported_by_number_and_reading_goes_on() {
        let mut input = b"{\"id\":\"a\",\"text\":\"x\"}\n\n".to_vec();
        input.extend_from_slice(b"{\"id\":\"b\",\"text\":\"\xff\"}\n");
        input.extend_from_slice(b"{\"id\":\"a\",\"text\":\"y\"}\n");
        input.extend_from_slice(b"{\"id\":7,\"text\":\"z\"}");
        let items = read(&input);
        assert_eq!(items[0], (1, Ok("a=x".to_string())));
        assert_eq!(items[1].0, 3);
        assert!(items[1].1.as_ref().unwrap_err().contains("UTF-8"));
        assert_eq!(items[2].0, 4);
        assert!(items[2].1.as_ref().unwrap_err().contains("line 1"));
        assert_eq!(items[3], (5, Ok("7=z".to_string())));
        assert_eq!(items.len(), 4);
    }

    #[test]
    fn an_overlong_line_is_skipped_without_being_kept() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 10];
        input.extend_from_slice(b"\n{\"id\":\"q\",\"text\":\"t\"}\n");
        let reader = io::BufReader::with_capacity(4096, &input[..]);
        let items: Vec<_> = BatchReader::new(reader).map(Result::unwrap).collect();
        assert_eq!(items.len(), 2);
        assert!(items[0].1.as_ref().unwrap_err().contains("over 1 MiB"));
        assert_eq!(items[1].0, 2);
        assert!(items[1].1.is_ok());
    }
}

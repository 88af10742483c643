//! Decoding stage: a file's bytes → text, with what was assumed.
//!
//! Chinese archives are not all UTF-8. In order:
//! - a UTF-8 BOM is dropped; a UTF-16 BOM (LE or BE) decodes as UTF-16;
//! - valid UTF-8 is taken as is;
//! - text that is not UTF-8 but decodes as GB18030 (a superset of GBK and GB2312) without
//!   error is GB18030 — unless it is mostly UTF-8 with a few broken bytes;
//! - anything else is read as UTF-8 with the bad bytes replaced (U+FFFD): the article is
//!   indexed and the damage reported.
//!
//! Binary files (NUL bytes outside UTF-16) are refused.

use std::borrow::Cow;

use encoding_rs::{GB18030, UTF_16BE, UTF_16LE};

/// Decoded text and what it took.
#[derive(Debug, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// The text.
    pub text: Cow<'a, str>,
    /// The encoding assumed when it was not UTF-8 (`GB18030`, `UTF-16LE`, …).
    pub assumed_encoding: Option<&'static str>,
    /// When bytes could not be decoded: how many were replaced, and the offset of the first.
    pub damage: Option<Damage>,
}

/// Bytes that could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Damage {
    /// Invalid sequences replaced with U+FFFD.
    pub replaced: usize,
    /// Byte offset of the first.
    pub first_offset: usize,
}

/// Why a file cannot be decoded at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// NUL bytes: an image, an archive, a binary renamed `.md`.
    #[error("binary file (NUL byte at offset {0}), not an article")]
    Binary(usize),
}

/// Decodes the bytes of an article file.
///
/// ```
/// use sousuo::decode::decode;
/// let (gbk, _, _) = encoding_rs::GBK.encode("中文标题");
/// let decoded = decode(&gbk).unwrap();
/// assert_eq!(decoded.text, "中文标题");
/// assert_eq!(decoded.assumed_encoding, Some("GB18030"));
/// ```
pub fn decode(bytes: &[u8]) -> Result<Decoded<'_>, DecodeError> {
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return decode_utf8(rest);
    }
    for (bom, encoding) in [(&b"\xff\xfe"[..], UTF_16LE), (&b"\xfe\xff"[..], UTF_16BE)] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = encoding.decode_without_bom_handling(rest);
            let damage = had_errors.then(|| Damage {
                replaced: text.matches('\u{fffd}').count(),
                first_offset: 0,
            });
            return Ok(Decoded {
                text: Cow::Owned(text.into_owned()),
                assumed_encoding: Some(encoding.name()),
                damage,
            });
        }
    }
    decode_utf8(bytes)
}

fn decode_utf8(bytes: &[u8]) -> Result<Decoded<'_>, DecodeError> {
    if let Some(nul) = memchr::memchr(0, bytes) {
        return Err(DecodeError::Binary(nul));
    }
    // Nearly every post is valid UTF-8: checked with SIMD first (the standard library's
    // check was 1.6% of an ingest's samples), then again where the first error is.
    if let Ok(text) = simdutf8::basic::from_utf8(bytes) {
        return Ok(Decoded {
            text: Cow::Borrowed(text),
            assumed_encoding: None,
            damage: None,
        });
    }
    let first_error = match std::str::from_utf8(bytes) {
        Ok(text) => {
            return Ok(Decoded {
                text: Cow::Borrowed(text),
                assumed_encoding: None,
                damage: None,
            })
        }
        Err(err) => err.valid_up_to(),
    };
    let lossy = String::from_utf8_lossy(bytes);
    let replaced = lossy.matches('\u{fffd}').count();
    // A UTF-8 file with a few broken bytes has far more valid multi-byte sequences than
    // broken ones; GBK text read as UTF-8 is broken nearly everywhere.
    let valid_multibyte = lossy
        .chars()
        .filter(|&c| c != '\u{fffd}' && !c.is_ascii())
        .count();
    let mostly_utf8 = valid_multibyte >= 8 * replaced;
    if !mostly_utf8 {
        let (text, had_errors) = GB18030.decode_without_bom_handling(bytes);
        if !had_errors {
            return Ok(Decoded {
                text: Cow::Owned(text.into_owned()),
                assumed_encoding: Some("GB18030"),
                damage: None,
            });
        }
    }
    Ok(Decoded {
        text: Cow::Owned(lossy.into_owned()),
        assumed_encoding: None,
        damage: Some(Damage {
            replaced,
            first_offset: first_error,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        let decoded = decode("\u{feff}标题".as_bytes()).unwrap();
        assert_eq!(decoded.text, "标题");
        assert!(matches!(decoded.text, Cow::Borrowed(_)));
        assert_eq!(decoded.assumed_encoding, None);
        assert_eq!(decode("标题".as_bytes()).unwrap().damage, None);
    }

    #[test]
    fn gbk_and_gb18030_are_decoded() {
        let text = "---\ntitle: 中文标题\n---\n<p>正文内容，包括“引号”和数字123。</p>";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let decoded = decode(&gbk).unwrap();
        assert_eq!(decoded.text, text);
        assert_eq!(decoded.assumed_encoding, Some("GB18030"));
        let (gb18030, _, _) = GB18030.encode("𠀀 and 中文");
        assert_eq!(decode(&gb18030).unwrap().text, "𠀀 and 中文");
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xff, 0xfe];
        for unit in "标题 title".encode_utf16() {
            bytes.extend(unit.to_le_bytes());
        }
        let decoded = decode(&bytes).unwrap();
        assert_eq!(decoded.text, "标题 title");
        assert_eq!(decoded.assumed_encoding, Some("UTF-16LE"));
        let mut bytes = vec![0xfe, 0xff];
        for unit in "标题".encode_utf16() {
            bytes.extend(unit.to_be_bytes());
        }
        assert_eq!(decode(&bytes).unwrap().text, "标题");
    }

    #[test]
    fn broken_bytes_in_utf8_are_replaced_and_reported() {
        let mut bytes = "这是一段很长的中文正文，用来说明文件基本上是UTF-8编码的。"
            .as_bytes()
            .to_vec();
        let at = bytes.len();
        bytes.extend([0xff, 0xfe]);
        bytes.extend("后面还有更多的中文内容。".as_bytes());
        let decoded = decode(&bytes).unwrap();
        assert_eq!(decoded.assumed_encoding, None);
        let damage = decoded.damage.unwrap();
        assert_eq!(damage.first_offset, at);
        assert_eq!(damage.replaced, 2);
        assert!(decoded.text.contains("后面还有更多的中文内容。"));
    }

    #[test]
    fn nul_bytes_mean_binary() {
        assert_eq!(decode(b"abc\0def"), Err(DecodeError::Binary(3)));
    }
}

//! How an article's body is kept in the index for snippets and display: each body alone,
//! compressed with zstd and a dictionary trained on Chinese articles
//! ([`body.dict`](DICTIONARY), `scripts/train-body-dictionary`), in a bytes field of its own.
//!
//! tantivy's store compresses blocks of documents with lz4, which leaves Chinese text at
//! about 0.69 of its size; zstd with this dictionary keeps a body at 0.49 on its own (level
//! 3, measured on the news corpus, docs/performance.md), and a hit decompresses only its own
//! body, with a context each thread keeps, where tantivy's zstd builds one per block.
//!
//! Invariants: [`compress`] then [`decompress`] gives the text back; a frame names its
//! dictionary, so a body written with another one is an error, never other text.

use std::cell::RefCell;

/// The dictionary every body is compressed with (zstd's `--train` over the bundled `data/`
/// posts' bodies). Each frame names it by its id: a new one needs a new record value for
/// the indexes written with it (`compressed_body`).
pub const DICTIONARY: &[u8] = include_bytes!("body.dict");

/// zstd's level: 3 compresses the news corpus's bodies at about 180 MB/s on one core to 0.49
/// of their size; 9 reaches 0.45 at a fifth of the speed (`zstd -b`, docs/performance.md).
const LEVEL: i32 = 3;

thread_local! {
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

/// `text` compressed, its length first (4 bytes, little-endian).
pub fn compress(text: &str) -> std::io::Result<Vec<u8>> {
    COMPRESSOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = Some(zstd::bulk::Compressor::with_dictionary(LEVEL, DICTIONARY)?);
        }
        let compressor = cell.as_mut().expect("made above");
        let length = u32::try_from(text.len()).map_err(std::io::Error::other)?;
        let mut out = Vec::with_capacity(4 + zstd::zstd_safe::compress_bound(text.len()));
        out.extend_from_slice(&length.to_le_bytes());
        // The frame written after the length, into the same buffer.
        let mut after_length = std::io::Cursor::new(out);
        after_length.set_position(4);
        compressor.compress_to_buffer(text.as_bytes(), &mut after_length)?;
        Ok(after_length.into_inner())
    })
}

/// The text [`compress`] made `bytes` of.
pub fn decompress(bytes: &[u8]) -> std::io::Result<String> {
    let invalid =
        |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let (length, frame) = bytes
        .split_first_chunk::<4>()
        .ok_or_else(|| invalid("a stored body shorter than its length"))?;
    let length = u32::from_le_bytes(*length) as usize;
    DECOMPRESSOR.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = Some(zstd::bulk::Decompressor::with_dictionary(DICTIONARY)?);
        }
        let decompressor = cell.as_mut().expect("made above");
        let text = decompressor.decompress(frame, length)?;
        if text.len() != length {
            return Err(invalid("a stored body of another length than recorded"));
        }
        String::from_utf8(text).map_err(|_| invalid("a stored body that is not UTF-8"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_comes_back_as_it_went_in() {
        let news = "央视网消息（新闻联播）：财政部今天发布的最新数据显示，全国一般公共预算收入同比增长5.5%。";
        for text in ["", "a", news, &news.repeat(300), "\u{0}\u{200B}𠀀 emoji 😀"] {
            let bytes = compress(text).unwrap();
            assert_eq!(decompress(&bytes).unwrap(), text);
        }
        // The dictionary earns its keep on Chinese news: well under lz4's 0.69.
        let long = news.repeat(3);
        assert!(
            compress(&long).unwrap().len() * 2 < long.len(),
            "{}",
            compress(&long).unwrap().len()
        );
    }

    #[test]
    fn damage_is_an_error_never_other_text() {
        let bytes = compress("财政部今天发布的最新数据显示").unwrap();
        assert!(decompress(&bytes[..3]).is_err());
        assert!(decompress(&bytes[..bytes.len() - 2]).is_err());
        let mut longer = bytes.clone();
        longer[0] += 1;
        assert!(decompress(&longer).is_err());
        // A frame made with another dictionary (here: this one under another id) is
        // refused.
        let mut another = DICTIONARY.to_vec();
        another[4] ^= 1;
        let other = zstd::bulk::Compressor::with_dictionary(LEVEL, &another)
            .unwrap()
            .compress("财政部".as_bytes())
            .unwrap();
        let mut framed = 9u32.to_le_bytes().to_vec();
        framed.extend_from_slice(&other);
        assert!(decompress(&framed).is_err());
    }
}

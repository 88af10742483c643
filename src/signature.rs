//! Near-duplicate signatures: a MinHash of an article's body.
//!
//! The same wire story reaches an archive through several feeds, under other titles, with
//! an editor line, a "原标题" line or an ad around it. Its body is nearly the same text: most
//! of its shingles (runs of [`SHINGLE_CHARS`] letters or digits; punctuation, spaces and
//! markup skipped, Latin letters lower-cased) are shared. The share of shared shingles
//! (Jaccard similarity) is estimated by [`LANES`] MinHash values: two bodies agree on a lane
//! with a probability equal to their Jaccard similarity (Broder 1997).
//!
//! The lanes come from one hash per shingle ("one permutation hashing", Li, Owen and Zhang
//! 2012): a shingle's hash picks its lane by its top bits, and each lane keeps the least of
//! its hashes; an empty lane borrows the next non-empty one (densification by rotation,
//! Shrivastava and Li 2014). Each lane keeps 8 bits of its minimum (b-bit MinHash, Li and
//! König 2010: unequal minima agree by chance once in 256, which moves the estimate by less
//! than a lane). So the signature costs one pass over the body at ingest, needs no
//! segmentation, and is stored in 64 bytes.
//!
//! SimHash (64 bits, distance ≤ 3) was tried first: it missed a 200-character story with an
//! editor line added (8 bits apart), because its bits estimate the angle between shingle
//! vectors, and a 10% change moves a short text's angle by more than 3 bits allow.
//!
//! A body with fewer than [`MIN_SHINGLES`] shingles gets no signature and is never folded:
//! short texts ("图片新闻", a caption) share too much by chance.
//!
//! The hash is seeded with a secret of the index (made with it, kept in its record): with
//! a public hash, a page built from the 64 shingles that minimise another article's lanes
//! is judged its near-duplicate at a true similarity of 0.06, and folds it away. Two
//! signatures that agree are still checked on the bodies' shingles themselves
//! ([`shingle_similarity`]) before one hit is folded under another.

use std::collections::HashSet;

use crate::text::is_letter_or_digit;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Characters per shingle.
pub const SHINGLE_CHARS: usize = 4;
const _: () = assert!(SHINGLE_CHARS * 32 <= 128, "a shingle fits one 128-bit key");
/// Bodies with fewer shingles get no signature.
pub const MIN_SHINGLES: usize = 60;
/// MinHash values of a body's shingles.
pub const LANES: usize = 64;
/// Signatures that agree on at least this many lanes are near-duplicates: an estimated
/// Jaccard similarity of shingles of at least three quarters. Template articles (stock
/// reports that differ in the company and the figures) share about half their shingles:
/// at one half, 58 of 100 sampled pairs of the 82,832-article corpus were such templates.
pub const MIN_AGREEMENT: usize = 48;
/// Two bodies whose signatures agree are folded only if this share of their shingles is
/// really in common: the estimate's threshold (three quarters) less three of its standard
/// errors at 64 lanes (0.054 each), so a true pair is not refused by chance and a forged
/// one (a true share of 0.06) always is.
pub const MIN_SIMILARITY: f64 = 0.6;
/// MinHash values of the numbers a body states.
pub const NUMBER_LANES: usize = 16;
/// Bodies that state fewer distinct numbers are not compared by them.
pub const MIN_NUMBERS: usize = 3;
/// Near bodies that both state numbers must agree on at least this many number lanes (an
/// estimated half of their numbers in common). The same story retold keeps its figures;
/// a daily report from a template (a fund's net value, a stock's close) changes them: at
/// three quarters of shingles alone, 6 of 100 sampled pairs were one company's reports
/// of different days.
pub const MIN_NUMBER_AGREEMENT: usize = 8;
/// How many 64-bit words a signature is stored in (eight 8-bit lanes each).
pub const WORDS: usize = (LANES + NUMBER_LANES) / 8;

/// Words of a signature holding the text lanes (the rest hold the number lanes).
const TEXT_WORDS: usize = LANES / 8;

/// The MinHash of a body's shingles and of its numbers, eight 8-bit lanes to a word (so
/// two signatures are compared a word at a time); all 0 when it has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u64; WORDS]);

impl Signature {
    /// The signature of a body too short to have one.
    pub const NONE: Signature = Signature([0; WORDS]);

    /// The signature of `body` under the index's `seed`, or [`Signature::NONE`] when it is
    /// too short.
    pub fn of(body: &str, seed: u64) -> Signature {
        let chars = signature_chars(body);
        if chars.len() < SHINGLE_CHARS + MIN_SHINGLES - 1 {
            return Signature::NONE;
        }
        let shingles = shingle_keys(&chars).map(|key| xxh3_64_with_seed(&key.to_le_bytes(), seed));
        let text: [u8; LANES] = min_hash(shingles).unwrap_or([1; LANES]);
        let numbers = numbers(body);
        let numbers: [u8; NUMBER_LANES] = if numbers.len() < MIN_NUMBERS {
            [0; NUMBER_LANES]
        } else {
            let hashes = numbers
                .iter()
                .map(|n| xxh3_64_with_seed(n.as_bytes(), seed));
            min_hash(hashes).unwrap_or([0; NUMBER_LANES])
        };
        let mut words = [0u64; WORDS];
        for (lane, value) in text.iter().chain(&numbers).enumerate() {
            words[lane / 8] |= u64::from(*value) << (8 * (lane % 8));
        }
        Signature(words)
    }

    /// Whether the body had a signature.
    pub fn is_some(&self) -> bool {
        self.0[..TEXT_WORDS].iter().any(|&word| word != 0)
    }

    /// Whether the body stated enough numbers to be compared by them.
    fn has_numbers(&self) -> bool {
        self.0[TEXT_WORDS..].iter().any(|&word| word != 0)
    }

    /// How many text lanes two signatures agree on.
    pub fn agreement(&self, other: &Signature) -> usize {
        agreement(&self.0[..TEXT_WORDS], &other.0[..TEXT_WORDS])
    }

    /// Whether two signatures are near-duplicates: most shingles in common, and, when both
    /// state numbers, about half their numbers too (neither may be [`Signature::NONE`]).
    pub fn near(&self, other: &Signature) -> bool {
        self.is_some()
            && other.is_some()
            && self.agreement(other) >= MIN_AGREEMENT
            && (!self.has_numbers()
                || !other.has_numbers()
                || agreement(&self.0[TEXT_WORDS..], &other.0[TEXT_WORDS..]) >= MIN_NUMBER_AGREEMENT)
    }

    /// Four text lanes, `band` 0 to 15, as one number (for finding candidate pairs).
    pub fn band(&self, band: usize) -> u32 {
        (self.0[band / 2] >> (32 * (band % 2))) as u32
    }

    /// The words, as stored.
    pub fn words(&self) -> [u64; WORDS] {
        self.0
    }

    /// The signature stored as `words`.
    pub fn from_words(words: [u64; WORDS]) -> Signature {
        Signature(words)
    }
}

/// The share of shingles two bodies have in common (their Jaccard similarity), counted
/// exactly: what a signature's agreement estimates.
pub fn shingle_similarity(a: &str, b: &str) -> f64 {
    let set = |body: &str| -> HashSet<u128> { shingle_keys(&signature_chars(body)).collect() };
    let (a, b) = (set(a), set(b));
    let union = a.union(&b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

/// The characters shingles are made of: letters and digits, Latin lower-cased.
fn signature_chars(body: &str) -> Vec<u32> {
    body.chars()
        .filter(|&c| is_letter_or_digit(c))
        .map(|c| u32::from(c.to_ascii_lowercase()))
        .collect()
}

/// Each shingle's four code points as one 16-byte key.
fn shingle_keys(chars: &[u32]) -> impl Iterator<Item = u128> + '_ {
    chars.windows(SHINGLE_CHARS).map(|shingle| {
        shingle
            .iter()
            .fold(0u128, |key, &c| key << 32 | u128::from(c))
    })
}

/// How many 8-bit lanes of two runs of words are equal.
fn agreement(a: &[u64], b: &[u64]) -> usize {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    a.iter()
        .zip(b)
        .map(|(a, b)| {
            let x = a ^ b;
            // The high bit of each byte of x that is 0 (exact: no carries cross bytes).
            (!(((x & LOW) + LOW) | x | LOW)).count_ones() as usize
        })
        .sum()
}

/// The distinct numbers a text states: runs of ASCII digits, with a decimal point inside.
fn numbers(text: &str) -> std::collections::BTreeSet<&str> {
    let bytes = text.as_bytes();
    let mut found = std::collections::BTreeSet::new();
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        let inside = b.is_ascii_digit()
            || (b == b'.' && start.is_some() && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
        match (inside, start) {
            (true, None) => start = Some(i),
            (false, Some(from)) => {
                found.insert(&text[from..i]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        found.insert(&text[from..]);
    }
    found
}

/// One-permutation MinHash of `hashes` in `N` 8-bit lanes; `None` when there are none. All
/// lanes 0 is never returned (it means "none").
fn min_hash<const N: usize>(hashes: impl Iterator<Item = u64>) -> Option<[u8; N]> {
    let lane_bits = N.trailing_zeros();
    let mut minima = [u64::MAX; N];
    let mut filled = [false; N];
    for hash in hashes {
        let lane = (hash >> (64 - lane_bits)) as usize;
        minima[lane] = minima[lane].min(hash & (u64::MAX >> lane_bits));
        filled[lane] = true;
    }
    let mut lanes = [0u8; N];
    for (lane, value) in lanes.iter_mut().enumerate() {
        // An empty lane takes the value of the next filled one, marked by how far it
        // looked.
        let (distance, from) = (0..N)
            .map(|step| (step, (lane + step) % N))
            .find(|&(_, from)| filled[from])?;
        *value = (minima[from] as u8).wrapping_add((distance as u8).wrapping_mul(0x9d));
    }
    if lanes == [0; N] {
        lanes[0] = 1;
    }
    Some(lanes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STORY: &str = "新华社北京11月15日电 国家统计局15日发布数据显示，10月份全国规模以上工业增加值同比实际增长4.6%，比上月加快0.1个百分点。从环比看，10月份规模以上工业增加值比上月增长0.39%。1至10月份，规模以上工业增加值同比增长4.1%。分三大门类看，10月份采矿业增加值同比增长2.1%，制造业增长5.1%，电力、热力、燃气及水生产和供应业增长1.3%。国家统计局新闻发言人表示，工业生产稳中有升，市场需求逐步恢复。";

    #[test]
    fn the_same_story_retold_with_lines_around_it_is_near() {
        let retold = format!(
            "原标题：规上工业增加值增速加快 {}（责任编辑：王一）",
            STORY.replace('，', ",").replace('。', ". ")
        );
        let (a, b) = (Signature::of(STORY, 0), Signature::of(&retold, 0));
        assert!(a.near(&b), "agreement {}", a.agreement(&b));
    }

    #[test]
    fn different_stories_on_one_topic_are_not_near() {
        let other = "本报讯 记者从省统计局获悉，今年前三季度全省规模以上工业增加值增长6.2%，高于全国平均水平。其中高技术制造业增加值增长11.5%，占规模以上工业的比重达到15.8%。省统计局相关负责人介绍，全省新能源汽车、集成电路、工业机器人等新产品产量快速增长，工业结构持续优化，企业利润由降转升，工业增加值对经济增长的贡献率明显提高。";
        let (a, b) = (Signature::of(STORY, 0), Signature::of(other, 0));
        assert!(!a.near(&b), "agreement {}", a.agreement(&b));
        assert!(a.agreement(&b) < 16, "agreement {}", a.agreement(&b));
    }

    #[test]
    fn short_bodies_have_no_signature_and_are_never_near() {
        assert_eq!(Signature::of("图片新闻", 0), Signature::NONE);
        assert_eq!(Signature::of("", 0), Signature::NONE);
        assert!(!Signature::NONE.near(&Signature::NONE));
        assert!(Signature::of(STORY, 0).is_some());
    }

    #[test]
    fn case_and_spacing_of_latin_text_do_not_matter() {
        let a = "The Federal Reserve held interest rates steady on Wednesday and signalled that cuts may come later this year as inflation cools";
        let b = a.to_uppercase().replace(' ', "  ");
        assert_eq!(Signature::of(a, 0), Signature::of(&b, 0));
    }

    #[test]
    fn one_report_of_two_days_is_not_near() {
        let report = |day: u32, figures: [&str; 6]| {
            let [close, change, volume, main, hot, retail] = figures;
            format!("截至2023年8月{day}日收盘，北京君正(300223)报收于{close}元，下跌{change}%，换手率0.96%，成交量{volume}万手。资金流向数据方面，8月{day}日主力资金净流出{main}万元，游资资金净流入{hot}万元，散户资金净流入{retail}万元。近5日资金流向一览见下表。该股主要指标及行业内排名如下：公司主营业务为集成电路芯片的研发与销售。以上内容由证券之星根据公开信息整理，由算法生成，与本站立场无关。证券之星力求但不保证该信息的准确性、完整性、及时性，亦不对因使用该等信息而导致的任何损失承担责任。如有问题，请联系我们。主力资金、游资资金与散户资金的划分以成交额为准，数据仅供参考，不构成投资建议。融资融券数据方面，该股近期融资余额变化不大，机构评级方面，近90天内共有3家机构给出评级，其中买入评级2家，增持评级1家。行业方面，该股所属半导体行业当日整体表现平稳，板块内个股涨跌互现，市场关注度保持在较高水平。")
        };
        let a = Signature::of(
            &report(
                18,
                ["73.8", "2.11", "15.43", "1556.79", "541.23", "1015.56"],
            ),
            0,
        );
        let b = Signature::of(
            &report(4, ["80.72", "1.02", "45.61", "6316.10", "2210.9", "4105.2"]),
            0,
        );
        assert!(
            a.agreement(&b) >= MIN_AGREEMENT,
            "the texts are alike: {}",
            a.agreement(&b)
        );
        assert!(!a.near(&b), "but the figures differ");
        assert_eq!(
            numbers("增长4.6%，比上月加快0.1个百分点。2023年"),
            ["0.1", "2023", "4.6"].into()
        );
    }

    #[test]
    fn lanes_are_compared_a_word_at_a_time_exactly() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state
        };
        for _ in 0..1000 {
            // Words with some equal bytes, and bytes differing only in their high bit.
            let a = next();
            let b = (a & next()) ^ (next() & 0x8080_8080_8080_8080);
            let bytewise = (0..8).filter(|i| (a >> (8 * i)) as u8 == (b >> (8 * i)) as u8);
            assert_eq!(agreement(&[a], &[b]), bytewise.count(), "{a:x} {b:x}");
        }
    }

    #[test]
    fn words_hold_the_lanes() {
        let signature = Signature::of(STORY, 0);
        assert_eq!(Signature::from_words(signature.words()), signature);
    }
}

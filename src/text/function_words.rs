//! Function and question words: words that carry grammar, not topic (的, 在, 是, 哪些,
//! 什么). A query keeps them (`的士` and `是否` are other words, and a query of only
//! function words still means something), but they rank with less weight and are not
//! marked in snippets beside the query's content words.

/// Whether `word` (a normalised term) is a function or question word.
///
/// ```
/// use sousuo::text::is_function_word;
/// assert!(is_function_word("的") && is_function_word("哪些"));
/// assert!(!is_function_word("的士") && !is_function_word("算力"));
/// ```
pub fn is_function_word(word: &str) -> bool {
    FUNCTION_WORDS.binary_search(&word).is_ok()
}

/// Sorted, for binary search.
const FUNCTION_WORDS: &[&str] = &[
    "一个",
    "与",
    "为",
    "为什么",
    "之",
    "也",
    "了",
    "什么",
    "从",
    "他",
    "以",
    "们",
    "会",
    "但",
    "使",
    "其",
    "几",
    "别",
    "可以",
    "吗",
    "吧",
    "呢",
    "和",
    "哪",
    "哪个",
    "哪些",
    "哪里",
    "啊",
    "在",
    "多少",
    "如何",
    "对",
    "将",
    "就",
    "怎么",
    "怎样",
    "我",
    "或",
    "所",
    "把",
    "是",
    "有",
    "来",
    "的",
    "等",
    "而",
    "能",
    "被",
    "要",
    "谁",
    "这",
    "那",
    "都",
    "里",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted() {
        assert!(FUNCTION_WORDS.windows(2).all(|pair| pair[0] < pair[1]));
    }
}

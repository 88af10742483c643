//! Reading the `date:` of a post.
//!
//! Accepted: RFC 2822 (`Sat, 30 Jul 2022 07:56:36 GMT`), RFC 3339 / ISO 8601,
//! `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`, `YYYY/MM/DD[ HH:MM[:SS]]`,
//! `YYYY年MM月DD日[ HH:MM[:SS]]`, each with or without an offset. A date without an offset
//! is read as China time (+08:00), the time zone of the archives sousuo is made for.
//! Front matter also gets [`find_date`]: feeds write the source's dateline into `date:`
//! (`来源：湖南日报  |  2023年08月16日 14:16:56`), and the full date inside it is kept.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};

/// The offset assumed for dates written without one: China Standard Time.
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

const DATE_TIME_FORMATS: &[&str] = &[
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M:%S",
    "%Y年%m月%d日%H:%M",
];

const DATE_TIME_OFFSET_FORMATS: &[&str] = &[
    "%Y-%m-%d %H:%M:%S%.f%:z",
    "%Y-%m-%d %H:%M:%S%.f %:z",
    "%Y-%m-%d %H:%M:%S%.f %z",
    "%Y-%m-%d %H:%M%:z",
    "%Y-%m-%dT%H:%M%:z",
    "%Y/%m/%d %H:%M:%S %z",
    "%Y/%m/%d %H:%M %z",
];

const DATE_FORMATS: &[&str] = &["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d"];

/// Parses a front-matter date. Returns `None` for anything that is not one of the accepted
/// forms (`Invalid Date`, `07-20 22:43`, …).
///
/// ```
/// use sousuo::article::parse_date;
/// let date = parse_date("2022-07-30 15:56").unwrap();
/// assert_eq!(date.to_rfc3339(), "2022-07-30T15:56:00+08:00");
/// assert!(parse_date("Invalid Date").is_none());
/// ```
pub fn parse_date(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    let date = parse_date_as_written(text)?;
    let date = with_two_digit_year_expanded(text, date)?;
    is_storable(&date).then_some(date)
}

/// The earliest and the latest year a date of the index can hold (tantivy keeps dates as
/// nanoseconds in an `i64`: 1677-09-21 to 2262-04-11).
pub const STORABLE_YEARS: std::ops::RangeInclusive<i32> = 1678..=2261;

/// Whether `date` lies in [`STORABLE_YEARS`]; a date outside them is never stored or
/// compared (it would wrap around to another century).
pub fn is_storable(date: &DateTime<FixedOffset>) -> bool {
    STORABLE_YEARS.contains(&date.year())
}

/// A date written with a two-digit year (`23-07-25 06:07`, which chrono reads as the year
/// 23) moved into the century POSIX `%y` gives it: 00–68 → 20xx, 69–99 → 19xx.
fn with_two_digit_year_expanded(
    text: &str,
    date: DateTime<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    let bytes = text.as_bytes();
    let two_digit_year = bytes.len() > 2
        && bytes[..2].iter().all(u8::is_ascii_digit)
        && matches!(bytes[2], b'-' | b'/' | b'.')
        && date.year() < 100;
    if !two_digit_year {
        return Some(date);
    }
    let century = if date.year() < 69 { 2000 } else { 1900 };
    date.with_year(date.year() + century)
}

fn parse_date_as_written(text: &str) -> Option<DateTime<FixedOffset>> {
    if text.is_empty() {
        return None;
    }
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date);
    }
    if let Ok(date) = DateTime::parse_from_rfc2822(text) {
        return Some(date);
    }
    // `2022-07-30 07:56:36Z` and `2022-07-30 07:56:36 UTC`.
    let utc_stripped = text
        .strip_suffix('Z')
        .or_else(|| text.strip_suffix(" UTC"))
        .or_else(|| text.strip_suffix(" GMT"));
    if let Some(naive_text) = utc_stripped {
        if let Some(naive) = parse_naive(naive_text.trim_end()) {
            let utc = FixedOffset::east_opt(0).expect("zero is a valid offset");
            return utc.from_local_datetime(&naive).single();
        }
    }
    for format in DATE_TIME_OFFSET_FORMATS {
        if let Ok(date) = DateTime::parse_from_str(text, format) {
            return Some(date);
        }
    }
    let naive = parse_naive(text)?;
    china_offset().from_local_datetime(&naive).single()
}

/// A date written as a period — a year (`2022`), a month (`2022-07`, `2022/07`,
/// `2022年7月`), a day or an instant in any form [`parse_date`] reads — as
/// `[start, end)` in China time (an instant is its second).
///
/// ```
/// use sousuo::article::parse_date_period;
/// let (start, end) = parse_date_period("2022-07").unwrap();
/// assert_eq!(start.to_rfc3339(), "2022-07-01T00:00:00+08:00");
/// assert_eq!(end.to_rfc3339(), "2022-08-01T00:00:00+08:00");
/// ```
pub fn parse_date_period(text: &str) -> Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)> {
    let now = chrono::Utc::now().with_timezone(&china_offset());
    parse_date_period_at(text, now)
}

/// [`parse_date_period`] with the current time given: also reads periods relative to `now`
/// — `1d`, `2w`, `3mo`, `1y` (that long before now, up to now), `today`/`今天`,
/// `yesterday`/`昨天`, `前天`, `this week`/`本周` (from Monday), `last week`/`上周`,
/// `this month`/`本月`, `this year`/`今年`.
///
/// ```
/// use chrono::TimeZone;
/// use sousuo::article::{china_offset, parse_date_period_at};
/// let now = china_offset().with_ymd_and_hms(2023, 8, 16, 15, 0, 0).unwrap();
/// let (start, end) = parse_date_period_at("昨天", now).unwrap();
/// assert_eq!(start.to_rfc3339(), "2023-08-15T00:00:00+08:00");
/// assert_eq!(end.to_rfc3339(), "2023-08-16T00:00:00+08:00");
/// let (start, _) = parse_date_period_at("2w", now).unwrap();
/// assert_eq!(start.to_rfc3339(), "2023-08-02T15:00:00+08:00");
/// ```
pub fn parse_date_period_at(
    text: &str,
    now: DateTime<FixedOffset>,
) -> Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)> {
    let text = text.trim();
    let start_of = |year: i32, month: u32| {
        let day = NaiveDate::from_ymd_opt(year, month, 1)?;
        china_offset()
            .from_local_datetime(&day.and_time(NaiveTime::MIN))
            .single()
    };
    let digits = |part: &str| -> Option<u32> {
        (!part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    if let Some(year) = digits(text.trim_end_matches('年')).filter(|y| (1000..=9999).contains(y)) {
        let year = year as i32;
        return Some((start_of(year, 1)?, start_of(year + 1, 1)?));
    }
    let month_parts = text
        .trim_end_matches('月')
        .split_once(['-', '/', '年', '.'])
        .and_then(|(y, m)| Some((digits(y)?, digits(m)?)));
    if let Some((year, month)) = month_parts.filter(|(y, m)| *y >= 1000 && (1..=12).contains(m)) {
        let year = year as i32;
        let next = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        return Some((start_of(year, month)?, start_of(next.0, next.1)?));
    }
    let Some(date) = parse_date(text) else {
        return relative_period(text, now);
    };
    let is_day =
        parse_naive(text).is_some_and(|n| n.time() == NaiveTime::MIN) && !text.contains(':');
    let length = if is_day {
        chrono::Duration::days(1)
    } else {
        chrono::Duration::seconds(1)
    };
    Some((date, date + length))
}

/// The date a Jekyll post's file name starts with (`2019-04-04-slug`), at midnight China
/// time.
pub fn date_from_file_name(file_stem: &str) -> Option<DateTime<FixedOffset>> {
    let prefix = file_stem.get(..11)?;
    if !prefix.ends_with('-') {
        return None;
    }
    let day = NaiveDate::parse_from_str(&prefix[..10], "%Y-%m-%d").ok()?;
    china_offset()
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .single()
        .filter(is_storable)
}

/// A period named relative to `now` (see [`parse_date_period_at`]).
fn relative_period(
    text: &str,
    now: DateTime<FixedOffset>,
) -> Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)> {
    let midnight = |day: NaiveDate| {
        china_offset()
            .from_local_datetime(&day.and_time(NaiveTime::MIN))
            .single()
    };
    let today = now.date_naive();
    let days = |n: i64| chrono::Duration::days(n);
    let lower = text.to_lowercase();
    let day_period = |day: NaiveDate| Some((midnight(day)?, midnight(day + days(1))?));
    let monday = today - days(i64::from(today.weekday().num_days_from_monday()));
    match lower.as_str() {
        "today" | "今天" | "今日" => return day_period(today),
        "yesterday" | "昨天" | "昨日" => return day_period(today - days(1)),
        "前天" => return day_period(today - days(2)),
        "this week" | "本周" | "这周" => {
            return Some((midnight(monday)?, midnight(monday + days(7))?))
        }
        "last week" | "上周" => return Some((midnight(monday - days(7))?, midnight(monday)?)),
        "this month" | "本月" => {
            let first = today.with_day(1)?;
            let next = first.checked_add_months(chrono::Months::new(1))?;
            return Some((midnight(first)?, midnight(next)?));
        }
        "this year" | "今年" => {
            let first = NaiveDate::from_ymd_opt(today.year(), 1, 1)?;
            let next = NaiveDate::from_ymd_opt(today.year() + 1, 1, 1)?;
            return Some((midnight(first)?, midnight(next)?));
        }
        _ => {}
    }
    let split = lower.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = lower.split_at(split);
    let count: u32 = number.parse().ok().filter(|n| *n > 0 && *n <= 100_000)?;
    let start = match unit {
        "d" | "day" | "days" | "天" => now - days(i64::from(count)),
        "w" | "week" | "weeks" | "周" => now - days(7 * i64::from(count)),
        "mo" | "month" | "months" | "个月" => {
            now.checked_sub_months(chrono::Months::new(count))?
        }
        "y" | "year" | "years" | "年" => {
            now.checked_sub_months(chrono::Months::new(12 * count))?
        }
        "h" | "hour" | "hours" | "小时" => now - chrono::Duration::hours(i64::from(count)),
        _ => return None,
    };
    Some((start, now + chrono::Duration::seconds(1)))
}

/// The first full date (year, month and day, with its time when one follows) written inside
/// other text, as [`parse_date`] reads it. A date without a year (`07-20 22:43`) is none.
///
/// ```
/// use sousuo::article::find_date;
/// let date = find_date("来源：湖南日报  |  2023年08月16日 14:16:56").unwrap();
/// assert_eq!(date.to_rfc3339(), "2023-08-16T14:16:56+08:00");
/// assert!(find_date("7-25 19:09").is_none());
/// ```
pub fn find_date(text: &str) -> Option<DateTime<FixedOffset>> {
    let is_date_char =
        |c: char| c.is_ascii_digit() || matches!(c, '年' | '月' | '日' | '-' | '/' | ':' | ' ');
    let bytes = text.as_bytes();
    for (start, _) in text.char_indices() {
        let year_follows = bytes.len() >= start + 5
            && bytes[start..start + 4].iter().all(u8::is_ascii_digit)
            && matches!(text[start + 4..].chars().next(), Some('年' | '-' | '/'));
        let after_digit = start > 0 && bytes[start - 1].is_ascii_digit();
        if !year_follows || after_digit {
            continue;
        }
        let rest = &text[start..];
        let end = rest.find(|c: char| !is_date_char(c)).unwrap_or(rest.len());
        let mut candidate = rest[..end].trim_end_matches([' ', ':', '-', '/']);
        // `2023年07月25日 20:06:04 来自北京`: the time, else the day alone.
        loop {
            if let Some(naive) = parse_naive(candidate) {
                return china_offset().from_local_datetime(&naive).single();
            }
            match candidate.rsplit_once(' ') {
                Some((shorter, _)) => candidate = shorter.trim_end(),
                None => break,
            }
        }
    }
    None
}

fn parse_naive(text: &str) -> Option<NaiveDateTime> {
    for format in DATE_TIME_FORMATS {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(naive);
        }
    }
    for format in DATE_FORMATS {
        if let Ok(day) = NaiveDate::parse_from_str(text, format) {
            return Some(day.and_time(NaiveTime::MIN));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc3339(text: &str) -> Option<String> {
        parse_date(text).map(|d| d.to_rfc3339())
    }

    #[test]
    fn jekyll_file_names_carry_a_date() {
        let date = date_from_file_name("2019-04-04-slug").unwrap();
        assert_eq!(date.to_rfc3339(), "2019-04-04T00:00:00+08:00");
        assert_eq!(date_from_file_name("2019-04-04"), None);
        assert_eq!(date_from_file_name("2019-13-04-x"), None);
        assert_eq!(date_from_file_name("标题"), None);
    }

    #[test]
    fn periods_relative_to_now() {
        let now = china_offset()
            .with_ymd_and_hms(2023, 8, 16, 15, 0, 0)
            .unwrap();
        let period = |text: &str| {
            parse_date_period_at(text, now)
                .map(|(start, end)| format!("{} {}", start.to_rfc3339(), end.to_rfc3339()))
        };
        // 2023-08-16 is a Wednesday.
        assert_eq!(
            period("本周").as_deref(),
            Some("2023-08-14T00:00:00+08:00 2023-08-21T00:00:00+08:00")
        );
        assert_eq!(
            period("today").as_deref(),
            Some("2023-08-16T00:00:00+08:00 2023-08-17T00:00:00+08:00")
        );
        assert!(period("1d").unwrap().starts_with("2023-08-15T15:00:00"));
        assert!(period("3mo").unwrap().starts_with("2023-05-16T15:00:00"));
        // Absolute forms keep their meaning.
        assert!(period("2022年").unwrap().starts_with("2022-01-01T00:00:00"));
        assert!(period("2022").unwrap().starts_with("2022-01-01T00:00:00"));
        assert_eq!(period("3x"), None);
        assert_eq!(period("0d"), None);
    }

    #[test]
    fn two_digit_years_are_read_in_their_century() {
        assert_eq!(
            rfc3339("23-07-25 06:07").as_deref(),
            Some("2023-07-25T06:07:00+08:00")
        );
        assert_eq!(
            rfc3339("99/12/31").as_deref(),
            Some("1999-12-31T00:00:00+08:00")
        );
    }

    #[test]
    fn dates_outside_the_storable_years_are_not_read() {
        assert_eq!(rfc3339("0023-07-25"), None);
        assert_eq!(rfc3339("2300-01-01"), None);
        assert_eq!(rfc3339("1600-01-01"), None);
        assert!(rfc3339("2261-12-31").is_some());
    }

    #[test]
    fn rfc2822_from_the_seed_posts() {
        assert_eq!(
            rfc3339("Sat, 30 Jul 2022 07:56:36 GMT").as_deref(),
            Some("2022-07-30T07:56:36+00:00")
        );
    }

    #[test]
    fn rfc3339_and_iso8601() {
        assert_eq!(
            rfc3339("2017-06-01T12:00:00+08:00").as_deref(),
            Some("2017-06-01T12:00:00+08:00")
        );
        assert_eq!(
            rfc3339("2022-07-30T07:56:36Z").as_deref(),
            Some("2022-07-30T07:56:36+00:00")
        );
        assert_eq!(
            rfc3339("2022-07-30T15:56:36").as_deref(),
            Some("2022-07-30T15:56:36+08:00")
        );
        assert_eq!(
            rfc3339("2022-07-30 15:56:36 +0100").as_deref(),
            Some("2022-07-30T15:56:36+01:00")
        );
    }

    #[test]
    fn dates_without_offset_are_china_time() {
        assert_eq!(
            rfc3339("2022-06-11").as_deref(),
            Some("2022-06-11T00:00:00+08:00")
        );
        assert_eq!(
            rfc3339("2022-06-11 02:52:16").as_deref(),
            Some("2022-06-11T02:52:16+08:00")
        );
        assert_eq!(
            rfc3339("2022-06-11 02:52").as_deref(),
            Some("2022-06-11T02:52:00+08:00")
        );
        assert_eq!(
            rfc3339("2022/06/11 02:52").as_deref(),
            Some("2022-06-11T02:52:00+08:00")
        );
        assert_eq!(
            rfc3339("2023年08月01日").as_deref(),
            Some("2023-08-01T00:00:00+08:00")
        );
        assert_eq!(
            rfc3339("2023年8月1日 09:30").as_deref(),
            Some("2023-08-01T09:30:00+08:00")
        );
        assert_eq!(
            rfc3339("2023年8月1日 09:30:05").as_deref(),
            Some("2023-08-01T09:30:05+08:00")
        );
    }

    #[test]
    fn periods_for_filters() {
        let period = |text: &str| {
            parse_date_period(text).map(|(start, end)| (start.to_rfc3339(), end.to_rfc3339()))
        };
        assert_eq!(
            period("2022").unwrap(),
            (
                "2022-01-01T00:00:00+08:00".into(),
                "2023-01-01T00:00:00+08:00".into()
            )
        );
        assert_eq!(
            period("2022-12").unwrap(),
            (
                "2022-12-01T00:00:00+08:00".into(),
                "2023-01-01T00:00:00+08:00".into()
            )
        );
        assert_eq!(period("2022年7月").unwrap().0, "2022-07-01T00:00:00+08:00");
        assert_eq!(
            period("2022-07-30").unwrap(),
            (
                "2022-07-30T00:00:00+08:00".into(),
                "2022-07-31T00:00:00+08:00".into()
            )
        );
        assert_eq!(
            period("2022-07-30 15:56:36").unwrap().1,
            "2022-07-30T15:56:37+08:00"
        );
        for bad in ["", "2022-13", "someday", "99", "2022-07-32"] {
            assert_eq!(period(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn datelines_in_front_matter_give_their_full_date() {
        let found = |text: &str| find_date(text).map(|d| d.to_rfc3339());
        for (text, expected) in [
            (
                "来源：湖南日报  |  2023年08月16日 14:16:56",
                "2023-08-16T14:16:56+08:00",
            ),
            (
                "2023年07月25日 20:06:04 来自北京",
                "2023-07-25T20:06:04+08:00",
            ),
            (
                "http://www.gd.chinanews.com\u{a0}\u{a0}2023年08月15日 21:54\u{a0}来源：中新网广东",
                "2023-08-15T21:54:00+08:00",
            ),
            ("发布于 2023-08-01 来源", "2023-08-01T00:00:00+08:00"),
        ] {
            assert_eq!(found(text).as_deref(), Some(expected), "{text:?}");
        }
        for text in [
            "Invalid Date",
            "8-18 11:26",
            "07/30",
            "202307/28 22:15:30",
            "12023年13月01日",
            "第2023号文件",
        ] {
            assert_eq!(found(text), None, "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_dateline_is_read_or_left_without_panic(
            text in "[0-9年月日:/ \\-来源|\u{a0}a-z]{0,40}"
        ) {
            if let Some(date) = find_date(&text) {
                // A found date is one written in the text: its year is there.
                let year = date.format("%Y").to_string();
                proptest::prop_assert!(text.contains(&year), "{} in {:?}", year, text);
            }
        }
    }

    #[test]
    fn anything_else_is_no_date() {
        for text in [
            "Invalid Date",
            "07-20 22:43",
            "",
            "   ",
            "2022-13-40",
            "昨天",
            "2022",
        ] {
            assert_eq!(rfc3339(text), None, "{text:?}");
        }
    }
}

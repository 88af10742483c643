//! Dates written without a year (`08-02 15:25`, as several RSSHub feeds write them).
//!
//! A year is never invented. It comes from evidence, in this order: a full date with the
//! same month and day that the post carries (read here), then — outside this module,
//! where files are known — the time of the git commit that added the file, then the
//! file's modification time where that can be a publication time. Without evidence the
//! date stays [`YearLess`]: month, day and time kept and shown, no year.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeZone};

use super::date::{china_offset, is_storable};

/// Where a date without a year got its year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearSource {
    /// A full date with the same month and day that the post carries (in an image URL, a
    /// link, the text).
    Post,
    /// The commit that added the file to its git repository.
    Commit,
    /// The file's modification time.
    Modified,
}

impl YearSource {
    /// How a warning names the source.
    pub fn describe(self) -> &'static str {
        match self {
            YearSource::Post => "from a date with the same month and day in the post",
            YearSource::Commit => "from the git commit that added the file",
            YearSource::Modified => "from the file's modification time",
        }
    }
}

/// A date written without a year: its month, day and time of day (China time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearLess {
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month.
    pub day: u32,
    /// Time of day (midnight when none was written).
    pub time: NaiveTime,
}

impl YearLess {
    /// Reads a date written without a year (`7-25 19:09`, `08/05`, `08/16  13:50`,
    /// `7月25日 19:09`).
    ///
    /// ```
    /// use sousuo::article::YearLess;
    /// let date = YearLess::parse("7月25日 19:09").unwrap();
    /// assert_eq!(date.to_string(), "07-25 19:09");
    /// assert!(YearLess::parse("2023-07-25").is_none());
    /// ```
    pub fn parse(text: &str) -> Option<YearLess> {
        let text = text.trim();
        let (day_part, time_part) = match text.split_once(char::is_whitespace) {
            Some((day, time)) => (day, time.trim()),
            None => (text, ""),
        };
        let day_part = day_part.trim_end_matches('日');
        let (month, day) = day_part.split_once(['-', '/', '月'])?;
        let number = |part: &str| -> Option<u32> {
            (!part.is_empty() && part.len() <= 2 && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse().ok())
                .flatten()
        };
        let (month, day) = (number(month)?, number(day)?);
        // A leap year: 02-29 is a date some year has.
        NaiveDate::from_ymd_opt(2000, month, day)?;
        let time = if time_part.is_empty() {
            NaiveTime::MIN
        } else {
            NaiveTime::parse_from_str(time_part, "%H:%M:%S")
                .or_else(|_| NaiveTime::parse_from_str(time_part, "%H:%M"))
                .ok()?
        };
        Some(YearLess { month, day, time })
    }

    /// This date in `year`, China time; `None` when the year lacks the day (02-29).
    pub fn in_year(&self, year: i32) -> Option<DateTime<FixedOffset>> {
        let date = NaiveDate::from_ymd_opt(year, self.month, self.day)?;
        china_offset()
            .from_local_datetime(&date.and_time(self.time))
            .single()
            .filter(is_storable)
    }

    /// This date in the year of the first full date with the same month and day that
    /// `post` carries (`/20230725/` in an image URL, `2023-07-25`, `2023年7月25日`).
    pub fn in_post(&self, post: &str) -> Option<DateTime<FixedOffset>> {
        self.in_year(year_with_month_day(post, self.month, self.day)?)
    }

    /// This date in the latest year that does not put it more than a day after `moment`
    /// (a time the post existed by: the commit that added it, or the file's writing).
    /// Going back to the leap year before for 02-29.
    pub fn latest_by(&self, moment: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
        let moment = moment.with_timezone(&china_offset());
        let latest = moment + chrono::Duration::days(1);
        (0..8)
            .map(|back| moment.year() - back)
            .filter_map(|year| self.in_year(year))
            .find(|date| *date <= latest)
    }
}

impl std::fmt::Display for YearLess {
    /// `MM-DD HH:MM`, the seconds when there are any; `MM-DD` for a date without a time.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use chrono::Timelike;
        write!(f, "{:02}-{:02}", self.month, self.day)?;
        if self.time != NaiveTime::MIN {
            write!(f, " {}", self.time.format("%H:%M"))?;
            if self.time.second() != 0 {
                write!(f, ":{:02}", self.time.second())?;
            }
        }
        Ok(())
    }
}

/// The year of the first full date in `text` whose month and day are these.
fn year_with_month_day(text: &str, month: u32, day: u32) -> Option<i32> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = text[from..].find("20") {
        let start = from + found;
        from = start + 1;
        if start > 0 && bytes[start - 1].is_ascii_digit() {
            continue;
        }
        let Some(year) = text
            .get(start..start + 4)
            .and_then(|y| y.parse::<i32>().ok())
        else {
            continue;
        };
        let mut rest = &text[start + 4..];
        let mut parts = [0u32; 2];
        let mut ok = true;
        for part in &mut parts {
            rest = rest
                .strip_prefix(['-', '/', '.'])
                .or_else(|| rest.strip_prefix('年'))
                .or_else(|| rest.strip_prefix('月'))
                .unwrap_or(rest);
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count().min(2);
            match rest[..digits].parse() {
                Ok(value) if digits > 0 => *part = value,
                _ => {
                    ok = false;
                    break;
                }
            }
            rest = &rest[digits..];
        }
        if ok && parts == [month, day] {
            return Some(year);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: i32, month: u32, day: u32) -> DateTime<FixedOffset> {
        china_offset()
            .with_ymd_and_hms(year, month, day, 8, 0, 0)
            .unwrap()
    }

    #[test]
    fn the_forms_feeds_write() {
        let date = YearLess::parse("7-25 19:09").unwrap();
        assert_eq!(YearLess::parse("08/16  13:50").unwrap().month, 8);
        assert_eq!(YearLess::parse("7月25日 19:09"), Some(date));
        assert_eq!(YearLess::parse("13-45 19:09"), None);
        assert_eq!(YearLess::parse("2023-07-25"), None);
        assert_eq!(date.to_string(), "07-25 19:09");
        assert_eq!(YearLess::parse("08/05").unwrap().to_string(), "08-05");
        assert_eq!(
            YearLess::parse("08-05 01:02:03").unwrap().to_string(),
            "08-05 01:02:03"
        );
    }

    #[test]
    fn the_post_can_tell_the_year() {
        let date = YearLess::parse("7-25 19:09").unwrap();
        let post = "<img src=\"https://n.sinaimg.cn/finance/20200514/qr.png\"><img src=\"/2023-07-25/a.jpg\">";
        let found = date.in_post(post).unwrap();
        assert_eq!(found.to_rfc3339(), "2023-07-25T19:09:00+08:00");
        assert_eq!(date.in_post("2023-07-26 2020/7/2"), None);
    }

    #[test]
    fn a_moment_gives_the_latest_year_not_after_it() {
        let date = YearLess::parse("7-25 19:09").unwrap();
        let found = date.latest_by(at(2024, 1, 3)).unwrap();
        assert_eq!(found.to_rfc3339(), "2023-07-25T19:09:00+08:00");
        let found = date.latest_by(at(2024, 7, 26)).unwrap();
        assert!(found.to_rfc3339().starts_with("2024-07-25"), "{found}");
        // Written a few hours before the moment's day in China: still that year.
        let found = date.latest_by(at(2024, 7, 25)).unwrap();
        assert!(found.to_rfc3339().starts_with("2024-07-25"), "{found}");
        let leap = YearLess::parse("02-29").unwrap();
        let found = leap.latest_by(at(2023, 6, 1)).unwrap();
        assert!(found.to_rfc3339().starts_with("2020-02-29"), "{found}");
    }
}

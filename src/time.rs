//! Dates and times as notices, signatures and archives state them. This module knows
//! nothing of the rest of seloste.
//!
//! A notice's date comes from its record, never from the clock, so the same record
//! always gives the same document. Signing and archiving times are `SystemTime`s given
//! by the caller; here they are only converted and printed.

use std::fmt;
use std::time::{Duration, SystemTime};

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

/// A calendar date, written `2018-05-17` in records and printed `17.5.2018` in notices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.trim().splitn(3, '-');
        let year: u16 = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.parse().ok()?;
        let day: u8 = parts.next()?.parse().ok()?;
        let date = Date { year, month, day };
        ((1000..=9999).contains(&year) && (1..=date.days_in_month()?).contains(&day)).then_some(date)
    }

    fn days_in_month(self) -> Option<u8> {
        let leap = (self.year.is_multiple_of(4) && !self.year.is_multiple_of(100)) || self.year.is_multiple_of(400);
        Some(match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        })
    }

    /// The Finnish and Swedish official form: day and month without leading zeros.
    pub fn finnish(self) -> String {
        format!("{}.{}.{}", self.day, self.month, self.year)
    }

    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// Midnight UTC at the start of the day.
    pub fn start(self) -> SystemTime {
        let days = days_from_civil(self.year.into(), self.month.into(), self.day.into());
        SystemTime::UNIX_EPOCH + Duration::from_secs((days.max(0) as u64) * 86_400)
    }

    /// The UTC calendar day of a time.
    pub fn of(time: SystemTime) -> Date {
        let days = seconds_since_epoch(time) / 86_400;
        let (year, month, day) = civil_from_days(days as i64);
        Date { year: year.clamp(1000, 9999) as u16, month: month as u8, day: day as u8 }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.iso())
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.iso())
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Date::parse(&text).ok_or_else(|| {
            de::Error::custom(format!("`{text}` is not a date; write it as YYYY-MM-DD, e.g. 2018-05-17"))
        })
    }
}

impl JsonSchema for Date {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date", "description": "A date as YYYY-MM-DD." })
    }
}

fn seconds_since_epoch(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs()
}

/// A time as verdict lines and archive metadata print it: `2026-11-02 00:00:00 UTC`.
pub fn format_time(time: SystemTime) -> String {
    let seconds = seconds_since_epoch(time);
    let rest = seconds % 86_400;
    format!("{} {:02}:{:02}:{:02} UTC", Date::of(time).iso(), rest / 3600, rest % 3600 / 60, rest % 60)
}

/// Reads a time given on the command line: `2026-11-02` (midnight UTC) or
/// `2026-11-02T14:30:00Z`.
pub fn parse_time(text: &str) -> Option<SystemTime> {
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time.strip_suffix('Z')?)),
        None => (text, None),
    };
    let start = Date::parse(date)?.start();
    let Some(time) = time else { return Some(start) };
    let parts: Vec<u64> = time.split(':').map(|part| part.parse().ok()).collect::<Option<_>>()?;
    let [hours, minutes, seconds] = parts.as_slice() else { return None };
    (*hours < 24 && *minutes < 60 && *seconds < 61)
        .then(|| start + Duration::from_secs(hours * 3600 + minutes * 60 + seconds))
}

/// Days since 1970-01-01 to a calendar date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Days from 1970-01-01 to a calendar date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_print_without_leading_zeros_and_reject_impossible_days() {
        let date = Date::parse("2018-05-07").unwrap();
        assert_eq!(date.finnish(), "7.5.2018");
        assert_eq!(date.iso(), "2018-05-07");
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2018-13-01").is_none());
        assert!(Date::parse("17.5.2018").is_none());
    }

    #[test]
    fn times_round_trip_through_the_calendar() {
        let time = parse_time("2026-11-02T14:30:05Z").unwrap();
        assert_eq!(format_time(time), "2026-11-02 14:30:05 UTC");
        assert_eq!(Date::of(time), Date::parse("2026-11-02").unwrap());
        assert_eq!(format_time(Date::parse("2000-02-29").unwrap().start()), "2000-02-29 00:00:00 UTC");
        assert!(parse_time("2026-11-02T25:00:00Z").is_none());
    }
}

//! When an automation is expected to report a run: every so often, or at
//! the times of a cron expression in a time zone; plus the grace allowed
//! before a run that has not come counts as missed, and how long a run may
//! take (at most, and at least).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An automation's expected schedule, as stored and as the API takes it.
/// Exactly one of `period_seconds` and `cron` is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// A run is expected this long after the last one.
    #[serde(default)]
    pub period_seconds: Option<i64>,
    /// A run is expected at each time of this cron expression (five fields:
    /// minute, hour, day of month, month, day of week).
    #[serde(default)]
    pub cron: Option<String>,
    /// The IANA time zone the cron expression's times are in.
    #[serde(default = "utc")]
    pub time_zone: String,
    /// How late a run may be before it counts as missed.
    pub grace_seconds: i64,
    /// A run that takes longer is flagged too long.
    #[serde(default)]
    pub max_duration_seconds: Option<i64>,
    /// A run that ends sooner is flagged too short (a job that did nothing).
    #[serde(default)]
    pub min_duration_seconds: Option<i64>,
}

fn utc() -> String {
    "UTC".to_owned()
}

/// A schedule as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleView {
    pub schedule: Schedule,
    /// In words: "every 1 h", "At 02:00 (Europe/Paris)".
    pub described: String,
    /// When the next run is expected, and when it counts as missed.
    pub next_due: Option<DateTime<Utc>>,
    pub missed_after: Option<DateTime<Utc>>,
}

/// What the schedule form sends: durations as people write them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScheduleDraft {
    /// `period` or `cron`.
    pub kind: String,
    /// For a period: "1h", "30m", "1d 12h".
    pub every: String,
    pub cron: String,
    pub time_zone: String,
    pub grace: String,
    pub max_duration: String,
    pub min_duration: String,
}

/// Seconds in each unit a duration may be written in.
const UNITS: [(&str, i64); 4] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)];

/// A duration as people write it: `90s`, `15m`, `1h 30m`, `2d`; a bare
/// number is minutes. `Err` says what is wrong.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let text = text.trim().to_ascii_lowercase();
    if text.is_empty() {
        return Err("write a duration, like 30m, 1h or 1d 12h".to_owned());
    }
    if let Ok(minutes) = text.parse::<i64>() {
        return minutes
            .checked_mul(60)
            .filter(|s| *s >= 0)
            .ok_or_else(|| format!("{text} is not a duration"));
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        if c.is_whitespace() {
            continue;
        }
        let mut unit = c.to_string();
        while let Some(next) = chars.peek().filter(|n| n.is_ascii_alphabetic()) {
            unit.push(*next);
            chars.next();
        }
        let unit = match unit.as_str() {
            "d" | "day" | "days" => "d",
            "h" | "hr" | "hrs" | "hour" | "hours" => "h",
            "m" | "min" | "mins" | "minute" | "minutes" => "m",
            "s" | "sec" | "secs" | "second" | "seconds" => "s",
            _ => {
                return Err(format!(
                    "{text:?}: use d, h, m and s, like 30m, 1h or 1d 12h"
                ));
            }
        };
        let n: i64 = number
            .parse()
            .map_err(|_| format!("{text:?}: a number goes before each unit, like 30m"))?;
        number.clear();
        let seconds = UNITS
            .iter()
            .find(|(u, _)| *u == unit)
            .map_or(1, |(_, s)| *s);
        total = n
            .checked_mul(seconds)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| format!("{text:?} is too long"))?;
    }
    if !number.is_empty() {
        return Err(format!(
            "{text:?}: say the unit after {number}, like {number}m"
        ));
    }
    Ok(total)
}

/// Seconds as [`parse_duration`] reads them back: `1d 12h`, `30m`, `90s`
/// (as `1m 30s`).
pub fn format_duration(seconds: i64) -> String {
    if seconds == 0 {
        return "0s".to_owned();
    }
    let mut left = seconds;
    let mut parts = Vec::new();
    for (unit, size) in UNITS {
        if left >= size {
            parts.push(format!("{}{unit}", left / size));
            left %= size;
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("1h 30m"), Ok(5_400));
        assert_eq!(parse_duration("1h30m"), Ok(5_400));
        assert_eq!(parse_duration("2 days"), Ok(172_800));
        assert_eq!(parse_duration("45"), Ok(2_700), "a bare number is minutes");
        assert!(parse_duration("").is_err());
        assert!(
            parse_duration("1 fortnight")
                .unwrap_err()
                .contains("use d, h, m and s")
        );
        assert!(parse_duration("90").is_ok());
        assert!(
            parse_duration("1h 30")
                .unwrap_err()
                .contains("say the unit")
        );
        assert!(parse_duration("-5").is_err());
    }

    #[test]
    fn durations_are_written_back_the_way_they_are_read() {
        for seconds in [90, 900, 5_400, 172_800, 129_600, 1] {
            assert_eq!(parse_duration(&format_duration(seconds)), Ok(seconds));
        }
        assert_eq!(format_duration(129_600), "1d 12h");
        assert_eq!(format_duration(90), "1m 30s");
    }
}

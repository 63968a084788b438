//! The window of times Baton keeps: from 1970 to 100 years ahead. Both
//! databases compare every time inside it as a time (SQLite keeps times
//! as RFC 3339 text, which sorts as time only for four-digit years;
//! PostgreSQL refuses years before 4713 BC): a time a tool reports outside
//! it is replaced, one a person asks for is refused, and a filter's bound
//! is brought inside it.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

/// How far ahead of now a time may be.
pub const YEARS_AHEAD: i64 = 100;

/// The earliest time kept: 1970-01-01, Unix time 0.
pub fn earliest() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH
}

/// The latest time kept at `now`.
pub fn latest(now: DateTime<Utc>) -> DateTime<Utc> {
    now + TimeDelta::days(YEARS_AHEAD * 36525 / 100)
}

/// Whether `at` lies in the window at `now`.
pub fn contains(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    at >= earliest() && at <= latest(now)
}

/// The latest bound a filter may have: far past every time kept, and a
/// day before the end of 9999, so that a day's end (the next midnight) is
/// still a four-digit year.
fn last_bound() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(9999, 12, 30)
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map_or(DateTime::<Utc>::MAX_UTC, |t| t.and_utc())
}

/// A filter's time brought inside 1970 to 9999: it selects the same.
pub fn bound(at: DateTime<Utc>) -> DateTime<Utc> {
    at.clamp(earliest(), last_bound())
}

/// A filter's day brought inside 1970 to 9999.
pub fn bound_day(day: NaiveDate) -> NaiveDate {
    day.clamp(earliest().date_naive(), last_bound().date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_keep_their_meaning_inside_the_window() {
        let far = DateTime::parse_from_rfc3339("9999-12-30T23:59:59Z").unwrap();
        assert_eq!(bound(DateTime::<Utc>::MAX_UTC), far);
        assert_eq!(bound(DateTime::<Utc>::MIN_UTC), earliest());
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(bound(now), now);
        assert!(contains(now, now));
        assert!(!contains(latest(now) + TimeDelta::seconds(1), now));
        assert!(!contains(earliest() - TimeDelta::seconds(1), now));
        let day = NaiveDate::from_ymd_opt(-5000, 1, 1).unwrap();
        assert_eq!(bound_day(day), NaiveDate::from_ymd_opt(1970, 1, 1).unwrap());
    }
}

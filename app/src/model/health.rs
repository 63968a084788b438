//! Health: the state of an automation or an orchestration in one word, and
//! the figures behind it, read from per-day rollups (never from raw runs).
//!
//! The rules, also in docs/health-and-alerts.md ("Health"):
//! - **paused**: a pause or maintenance window is on for it (or for its
//!   orchestration), or its orchestration's lifecycle is paused or retired;
//! - **unknown**: no run has finished yet (with or without a schedule);
//! - **silent**: its latest outcome is a missed run;
//! - **failing**: its latest outcome is a failure (failed or timed out);
//! - **degraded**: its success rate over the last 7 days is under the
//!   target (its orchestration's success-rate target, 95 % when none is set);
//! - **healthy**: otherwise.
//!
//! An orchestration is paused when it is; otherwise it takes the worst
//! state among its automations that are not paused (failing, then silent,
//! then degraded, then healthy), and is at least degraded when all its
//! automations' runs together are under its target over 7 days. With no
//! automation, or none with a finished run, it is unknown; with all of them
//! paused, paused.
//!
//! Success rate = succeeded / (succeeded + failed + missed); cancelled and
//! skipped runs count for neither. Windows are whole UTC days: "7 days" is
//! today and the 6 days before.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// The target when an orchestration sets none, in percent.
pub const DEFAULT_TARGET: f64 = 95.0;

/// How many days of per-day figures a health view carries.
pub const CHART_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthState {
    Healthy,
    Unknown,
    Paused,
    Degraded,
    Silent,
    Failing,
}

impl HealthState {
    pub const ALL: [HealthState; 6] = [
        HealthState::Healthy,
        HealthState::Degraded,
        HealthState::Failing,
        HealthState::Silent,
        HealthState::Paused,
        HealthState::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HealthState::Healthy => "healthy",
            HealthState::Degraded => "degraded",
            HealthState::Failing => "failing",
            HealthState::Silent => "silent",
            HealthState::Paused => "paused",
            HealthState::Unknown => "unknown",
        }
    }

    /// The state named `text` (as [`HealthState::as_str`] writes it).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            HealthState::Healthy => "Healthy",
            HealthState::Degraded => "Degraded",
            HealthState::Failing => "Failing",
            HealthState::Silent => "Silent",
            HealthState::Paused => "Paused",
            HealthState::Unknown => "Unknown",
        }
    }

    /// How bad it is, for the orchestration's worst-of: paused and unknown
    /// members do not count.
    pub fn severity(self) -> u8 {
        match self {
            HealthState::Paused | HealthState::Unknown => 0,
            HealthState::Healthy => 1,
            HealthState::Degraded => 2,
            HealthState::Silent => 3,
            HealthState::Failing => 4,
        }
    }
}

/// One UTC day of an automation's runs (or an orchestration's, summed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DayCounts {
    pub day: NaiveDate,
    pub succeeded: i64,
    /// Failed or timed out.
    pub failed: i64,
    pub missed: i64,
    /// Cancelled or skipped.
    pub other: i64,
    /// Successes that ended a spell of failures, and how long those spells
    /// lasted in all (from the first failure to the success).
    pub recoveries: i64,
    pub recovery_ms: i64,
}

impl DayCounts {
    pub fn runs(&self) -> i64 {
        self.succeeded + self.failed + self.missed + self.other
    }

    /// Adds `other`'s counts (not its day) to these.
    pub fn add(&mut self, other: &DayCounts) {
        self.succeeded += other.succeeded;
        self.failed += other.failed;
        self.missed += other.missed;
        self.other += other.other;
        self.recoveries += other.recoveries;
        self.recovery_ms += other.recovery_ms;
    }
}

/// One UTC day of finished runs' durations, read from the histograms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayDurations {
    pub day: NaiveDate,
    /// Finished runs with a duration.
    pub runs: i64,
    pub p50_ms: Option<i64>,
    pub p95_ms: Option<i64>,
}

/// An automation's latest outcome, as the rollups keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunState {
    pub last_status: String,
    pub last_at: DateTime<Utc>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub down_since: Option<DateTime<Utc>>,
}

/// The duration bucket of `ms`: one per millisecond below 16 ms, then 16
/// between each power of two. The migration's `duration_bucket` column is
/// the same function in SQL.
pub fn bucket(ms: i64) -> i32 {
    let ms = ms.clamp(0, (1_i64 << 46) - 1);
    if ms < 16 {
        return ms as i32;
    }
    let e = 63 - ms.leading_zeros() as i64; // floor(log2 ms), 4..=45
    ((e - 3) * 16 + ((ms >> (e - 4)) & 15)) as i32
}

/// The durations bucket `b` holds: `lo..hi` milliseconds.
pub fn bucket_bounds(b: i32) -> (i64, i64) {
    let b = i64::from(b.max(0));
    if b < 16 {
        return (b, b + 1);
    }
    let (e, m) = (b / 16 + 3, b % 16);
    ((16 + m) << (e - 4), (17 + m) << (e - 4))
}

/// What a bucket's durations are read as: the middle of the bucket, so
/// within 1/32 (3.2 %) of any duration in it.
pub fn bucket_estimate(b: i32) -> i64 {
    let (lo, hi) = bucket_bounds(b);
    lo + (hi - lo) / 2
}

/// The `q` quantile (0 < q ≤ 1, nearest rank) of the durations counted in
/// `histogram` (bucket, runs), read from the buckets.
pub fn quantile(histogram: &[(i32, i64)], q: f64) -> Option<i64> {
    let total: i64 = histogram.iter().map(|(_, n)| (*n).max(0)).sum();
    if total == 0 {
        return None;
    }
    let mut sorted: Vec<(i32, i64)> = histogram.to_vec();
    sorted.sort_unstable();
    let rank = ((q * total as f64).ceil() as i64).clamp(1, total);
    let mut seen = 0;
    for (b, n) in sorted {
        seen += n.max(0);
        if seen >= rank {
            return Some(bucket_estimate(b));
        }
    }
    None
}

/// A success rate over a window, with what it is made of.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    pub days: i64,
    /// In percent; `None` with nothing to count.
    pub percent: Option<f64>,
    pub succeeded: i64,
    pub failed: i64,
    pub missed: i64,
}

/// The figures of an automation or an orchestration at a moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Over 7, 30 and 90 days.
    pub rates: Vec<Rate>,
    /// The last [`CHART_DAYS`] days, oldest first, days without runs
    /// included.
    pub per_day: Vec<DayCounts>,
    /// Mean time to recover over 90 days, in milliseconds.
    pub mttr_ms: Option<i64>,
    pub recoveries_90d: i64,
    /// Durations of finished runs over 30 days (from the histograms).
    pub duration_p50_ms: Option<i64>,
    pub duration_p95_ms: Option<i64>,
    /// The last [`CHART_DAYS`] days' durations, oldest first, days
    /// without runs included. Empty when the histograms were not read.
    #[serde(default)]
    pub durations_per_day: Vec<DayDurations>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_status: Option<String>,
    pub last_at: Option<DateTime<Utc>>,
}

impl Metrics {
    /// From an automation's (or orchestration's members') per-day rows,
    /// duration histograms `(day, bucket, runs)` and latest states, on the
    /// UTC day `today`.
    pub fn from_rollups(
        days: &[DayCounts],
        durations: &[(NaiveDate, i32, i64)],
        states: &[RunState],
        today: NaiveDate,
    ) -> Metrics {
        let since = |n: i64| today - TimeDelta::days(n - 1);
        let sum = |n: i64| {
            let mut total = DayCounts::default();
            for d in days.iter().filter(|d| d.day >= since(n) && d.day <= today) {
                total.add(d);
            }
            total
        };
        let rates = [7, 30, 90]
            .into_iter()
            .map(|n| {
                let t = sum(n);
                let counted = t.succeeded + t.failed + t.missed;
                Rate {
                    days: n,
                    percent: (counted > 0).then(|| 100.0 * t.succeeded as f64 / counted as f64),
                    succeeded: t.succeeded,
                    failed: t.failed,
                    missed: t.missed,
                }
            })
            .collect();
        let per_day = (0..CHART_DAYS)
            .map(|i| {
                let day = since(CHART_DAYS) + TimeDelta::days(i);
                let mut total = DayCounts {
                    day,
                    ..DayCounts::default()
                };
                for d in days.iter().filter(|d| d.day == day) {
                    total.add(d);
                }
                total
            })
            .collect();
        let quarter = sum(90);
        let mut histogram: Vec<(i32, i64)> = Vec::new();
        for (day, b, n) in durations {
            if *day >= since(30) && *day <= today {
                match histogram.iter_mut().find(|(hb, _)| hb == b) {
                    Some((_, count)) => *count += n,
                    None => histogram.push((*b, *n)),
                }
            }
        }
        let durations_per_day = if durations.is_empty() {
            Vec::new()
        } else {
            (0..CHART_DAYS)
                .map(|i| {
                    let day = since(CHART_DAYS) + TimeDelta::days(i);
                    let mut histogram: Vec<(i32, i64)> = Vec::new();
                    for (_, b, n) in durations.iter().filter(|(d, _, _)| *d == day) {
                        match histogram.iter_mut().find(|(hb, _)| hb == b) {
                            Some((_, count)) => *count += n,
                            None => histogram.push((*b, *n)),
                        }
                    }
                    DayDurations {
                        day,
                        runs: histogram.iter().map(|(_, n)| n).sum(),
                        p50_ms: quantile(&histogram, 0.5),
                        p95_ms: quantile(&histogram, 0.95),
                    }
                })
                .collect()
        };
        let latest = states.iter().max_by_key(|s| s.last_at);
        Metrics {
            rates,
            per_day,
            mttr_ms: (quarter.recoveries > 0).then(|| quarter.recovery_ms / quarter.recoveries),
            recoveries_90d: quarter.recoveries,
            duration_p50_ms: quantile(&histogram, 0.5),
            duration_p95_ms: quantile(&histogram, 0.95),
            durations_per_day,
            last_success_at: states.iter().filter_map(|s| s.last_success_at).max(),
            last_status: latest.map(|s| s.last_status.clone()),
            last_at: latest.map(|s| s.last_at),
        }
    }

    /// The success rate over `days` (7, 30 or 90), in percent.
    pub fn rate(&self, days: i64) -> Option<f64> {
        self.rates
            .iter()
            .find(|r| r.days == days)
            .and_then(|r| r.percent)
    }

    /// Missed runs over `days` (7, 30 or 90).
    pub fn missed(&self, days: i64) -> i64 {
        self.rates
            .iter()
            .find(|r| r.days == days)
            .map_or(0, |r| r.missed)
    }

    /// Finished runs a week, observed over the last 30 days; `None` before
    /// any run.
    pub fn runs_per_week(&self) -> Option<f64> {
        let r = self.rates.iter().find(|r| r.days == 30)?;
        let runs = r.succeeded + r.failed;
        (runs > 0).then(|| runs as f64 * 7.0 / 30.0)
    }

    /// The share of finished runs that failed over 30 days, 0 to 1.
    pub fn failure_rate(&self) -> Option<f64> {
        let r = self.rates.iter().find(|r| r.days == 30)?;
        let counted = r.succeeded + r.failed + r.missed;
        (counted > 0).then(|| (r.failed + r.missed) as f64 / counted as f64)
    }
}

/// A pause, or a maintenance window planned ahead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub id: i64,
    pub automation_id: Option<i64>,
    pub orchestration_id: Option<i64>,
    pub starts_at: DateTime<Utc>,
    /// `None`: until someone resumes.
    pub ends_at: Option<DateTime<Utc>>,
    pub reason: String,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Pause {
    /// Whether it is on at `t`.
    pub fn covers(&self, t: DateTime<Utc>) -> bool {
        self.starts_at <= t && self.ends_at.is_none_or(|end| t < end)
    }

    /// Whether it is over at `now`.
    pub fn is_over(&self, now: DateTime<Utc>) -> bool {
        self.ends_at.is_some_and(|end| end <= now)
    }
}

/// What asking for a pause says: from when (now when absent), until when
/// (until resumed when absent), and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseDraft {
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub reason: String,
}

/// A window: from when, and until when (`None`: until resumed).
pub type Window = (DateTime<Utc>, Option<DateTime<Utc>>);

/// The most a pause's reason may say.
pub const MAX_REASON: usize = 500;

impl PauseDraft {
    /// The window it asks for at `now`, or why not (field, message).
    pub fn check(&self, now: DateTime<Utc>) -> Result<Window, (&'static str, String)> {
        let starts = self.starts_at.unwrap_or(now);
        let outside = "Give a time between 1970 and 100 years from now.";
        if !super::window::contains(starts, now) {
            return Err(("starts_at", outside.to_owned()));
        }
        if self
            .ends_at
            .is_some_and(|ends| !super::window::contains(ends, now))
        {
            return Err(("ends_at", outside.to_owned()));
        }
        if let Some(ends) = self.ends_at {
            if ends <= starts {
                return Err(("ends_at", "The end must come after the start.".to_owned()));
            }
            if ends <= now {
                return Err(("ends_at", "The end must be in the future.".to_owned()));
            }
        }
        if self.reason.chars().count() > MAX_REASON {
            return Err((
                "reason",
                format!("Say why in at most {MAX_REASON} characters."),
            ));
        }
        Ok((starts, self.ends_at))
    }
}

/// What a pause is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PauseTarget {
    Automation(i64),
    Orchestration(i64),
}

/// The pause form of a page: for how long from now, or a window (times in
/// UTC, as `datetime-local` inputs send them), and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseForm {
    /// `2h`, `1d`…; empty: until resumed (or the window's times).
    pub for_how_long: String,
    pub starts: String,
    pub ends: String,
    pub reason: String,
}

/// A form's time, `2026-11-28T22:00` (seconds optional), read as UTC.
fn form_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())
        .map(|t| t.and_utc())
}

impl PauseForm {
    /// The pause it asks for at `now`, or what to correct, per field
    /// (`for_how_long`, `starts`, `ends`).
    pub fn to_draft(
        &self,
        now: DateTime<Utc>,
    ) -> Result<PauseDraft, crate::model::errors::FieldErrors> {
        let mut errors = crate::model::errors::FieldErrors::default();
        let mut time = |field: &str, text: &str| {
            if text.trim().is_empty() {
                return None;
            }
            let parsed = form_time(text);
            if parsed.is_none() {
                errors.add(field, "Give a date and time, e.g. 2026-11-28T22:00 (UTC).");
            }
            parsed
        };
        let (starts_at, mut ends_at) = (time("starts", &self.starts), time("ends", &self.ends));
        if !self.for_how_long.trim().is_empty() {
            match crate::model::schedule::parse_duration(&self.for_how_long) {
                Ok(seconds) if seconds > 0 => {
                    ends_at = Some(starts_at.unwrap_or(now) + TimeDelta::seconds(seconds));
                }
                _ => errors.add("for_how_long", "Say for how long: 30m, 2h, 1d."),
            }
        }
        errors.into_result(PauseDraft {
            starts_at,
            ends_at,
            reason: self.reason.trim().to_owned(),
        })
    }
}

/// The health of an automation or an orchestration: its state, why, and
/// its figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub state: HealthState,
    /// The rule that decided the state, in words.
    pub why: String,
    /// The target the success rate is held to, in percent.
    pub target: f64,
    pub metrics: Metrics,
    /// Pauses and windows on now or planned (its own and its
    /// orchestration's).
    pub pauses: Vec<Pause>,
    /// When it was read.
    pub as_of: DateTime<Utc>,
}

/// An automation's state from its figures. `paused` says why it is paused,
/// if it is.
pub fn automation_state(
    metrics: &Metrics,
    target: f64,
    paused: Option<String>,
) -> (HealthState, String) {
    if let Some(why) = paused {
        return (HealthState::Paused, why);
    }
    match metrics.last_status.as_deref() {
        None => (HealthState::Unknown, "No run has finished yet.".to_owned()),
        Some("missed") => (
            HealthState::Silent,
            "Its latest expected run never came.".to_owned(),
        ),
        Some("failed" | "timed_out") => (HealthState::Failing, "Its latest run failed.".to_owned()),
        Some(_) => match metrics.rate(7) {
            Some(rate) if rate < target => (
                HealthState::Degraded,
                format!(
                    "{rate:.1} % of runs succeeded over 7 days, under the {target:.1} % target."
                ),
            ),
            _ => (
                HealthState::Healthy,
                "Its latest run succeeded, and its success rate is on target.".to_owned(),
            ),
        },
    }
}

/// An orchestration's state from its members' states and its own figures.
pub fn orchestration_state(
    members: &[HealthState],
    metrics: &Metrics,
    target: f64,
    paused: Option<String>,
) -> (HealthState, String) {
    if let Some(why) = paused {
        return (HealthState::Paused, why);
    }
    if !members.is_empty() && members.iter().all(|s| *s == HealthState::Paused) {
        return (
            HealthState::Paused,
            "All its automations are paused.".to_owned(),
        );
    }
    let count = |state: HealthState| members.iter().filter(|s| **s == state).count();
    let worst = members
        .iter()
        .copied()
        .max_by_key(|s| s.severity())
        .filter(|s| s.severity() > 0);
    let under_target = metrics.rate(7).filter(|rate| *rate < target);
    match worst {
        None => (
            HealthState::Unknown,
            if members.is_empty() {
                "It has no automations.".to_owned()
            } else {
                "None of its automations has a finished run yet.".to_owned()
            },
        ),
        Some(HealthState::Failing) => (
            HealthState::Failing,
            format!(
                "{} of its automations failing.",
                count(HealthState::Failing)
            ),
        ),
        Some(HealthState::Silent) => (
            HealthState::Silent,
            format!(
                "{} of its automations missed an expected run.",
                count(HealthState::Silent)
            ),
        ),
        Some(state) => match under_target {
            Some(rate) => (
                HealthState::Degraded,
                format!(
                    "{rate:.1} % of runs succeeded over 7 days, under the {target:.1} % target."
                ),
            ),
            None if state == HealthState::Degraded => (
                HealthState::Degraded,
                format!(
                    "{} of its automations under target.",
                    count(HealthState::Degraded)
                ),
            ),
            None => (
                HealthState::Healthy,
                "Every automation's latest run succeeded, on target.".to_owned(),
            ),
        },
    }
}

/// "3 h 12 m" for a span in milliseconds.
pub fn format_span(ms: i64) -> String {
    let s = ms / 1000;
    match s {
        _ if ms < 1000 => format!("{ms} ms"),
        0..60 => format!("{:.1} s", ms as f64 / 1000.0),
        60..3_600 => format!("{} m {} s", s / 60, s % 60),
        3_600..86_400 => format!("{} h {} m", s / 3_600, (s % 3_600) / 60),
        _ => format!("{} d {} h", s / 86_400, (s % 86_400) / 3_600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_narrow_and_in_order() {
        let mut last = -1;
        for ms in (0..5_000).chain((5_000..100_000_000).step_by(997)) {
            let b = bucket(ms);
            assert!(b >= last, "{ms}");
            last = b;
            let (lo, hi) = bucket_bounds(b);
            assert!(lo <= ms && ms < hi, "{ms} not in {lo}..{hi}");
            let estimate = bucket_estimate(b);
            assert!(
                (estimate - ms).abs() as f64 <= ms as f64 / 32.0 + 0.5,
                "{ms} read as {estimate}"
            );
        }
        assert_eq!(bucket(40), 36);
        assert_eq!(bucket(5_000), 147);
        assert_eq!(bucket(-5), 0);
        assert_eq!(bucket(i64::MAX), 687);
    }

    #[test]
    fn quantiles_come_from_the_buckets() {
        let durations: Vec<i64> = (1..=100).map(|i| i * 1_000).collect();
        let mut histogram: Vec<(i32, i64)> = Vec::new();
        for d in &durations {
            match histogram.iter_mut().find(|(b, _)| *b == bucket(*d)) {
                Some((_, n)) => *n += 1,
                None => histogram.push((bucket(*d), 1)),
            }
        }
        let p50 = quantile(&histogram, 0.5).unwrap();
        let p95 = quantile(&histogram, 0.95).unwrap();
        assert!((p50 - 50_000).abs() <= 50_000 / 32, "{p50}");
        assert!((p95 - 95_000).abs() <= 95_000 / 32, "{p95}");
        assert_eq!(quantile(&[], 0.5), None);
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn windows_are_whole_days_back_from_today() {
        let days = [
            DayCounts {
                day: day(26),
                succeeded: 3,
                failed: 1,
                ..Default::default()
            },
            DayCounts {
                day: day(10),
                succeeded: 1,
                missed: 1,
                recoveries: 2,
                recovery_ms: 60_000,
                ..Default::default()
            },
        ];
        let m = Metrics::from_rollups(&days, &[], &[], day(26));
        assert_eq!(m.rate(7), Some(75.0));
        assert!((m.rate(30).unwrap() - 400.0 / 6.0).abs() < 1e-9);
        assert_eq!(m.missed(30), 1);
        assert_eq!(m.missed(7), 0);
        assert_eq!(m.mttr_ms, Some(30_000));
        assert_eq!(m.per_day.len(), 30);
        assert_eq!(m.per_day.last().unwrap().succeeded, 3);
        assert_eq!(m.per_day[0].day, day(26) - TimeDelta::days(29));
        assert_eq!(m.runs_per_week(), Some(5.0 * 7.0 / 30.0));
    }

    #[test]
    fn durations_are_read_per_day_from_the_histograms() {
        let today = day(26);
        // Today: 19 runs of 1 s and one of 60 s; yesterday, two of 10 s;
        // 40 days ago (outside the chart) one of an hour.
        let durations = [
            (today, bucket(1_000), 19),
            (today, bucket(60_000), 1),
            (day(25), bucket(10_000), 2),
            (today - TimeDelta::days(40), bucket(3_600_000), 1),
        ];
        let m = Metrics::from_rollups(&[], &durations, &[], today);
        assert_eq!(m.durations_per_day.len(), 30);
        assert_eq!(m.durations_per_day[0].day, today - TimeDelta::days(29));
        let last = m.durations_per_day[29];
        assert_eq!((last.day, last.runs), (today, 20));
        let near = |got: Option<i64>, want: i64| {
            let got = got.unwrap();
            assert!((got - want).abs() * 32 <= want, "{got} for {want}");
        };
        near(last.p50_ms, 1_000);
        near(last.p95_ms, 1_000); // the 19th of 20
        near(m.durations_per_day[28].p95_ms, 10_000);
        assert_eq!(m.durations_per_day[27].runs, 0);
        assert_eq!(m.durations_per_day[27].p50_ms, None);
        // Not read at all: nothing to chart, rather than 30 empty days.
        assert!(
            Metrics::from_rollups(&[], &[], &[], today)
                .durations_per_day
                .is_empty()
        );
    }

    #[test]
    fn states_follow_the_written_rules() {
        let today = day(26);
        let at = |h| chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 26, h, 0, 0).unwrap();
        let state = |status: &str| RunState {
            last_status: status.to_owned(),
            last_at: at(10),
            last_success_at: None,
            down_since: None,
        };
        let ok = [DayCounts {
            day: today,
            succeeded: 10,
            ..Default::default()
        }];
        let m = |days: &[DayCounts], s: Option<RunState>| {
            Metrics::from_rollups(days, &[], s.as_slice(), today)
        };
        let of = |m: &Metrics| automation_state(m, 95.0, None).0;
        assert_eq!(of(&m(&[], None)), HealthState::Unknown);
        assert_eq!(of(&m(&ok, Some(state("succeeded")))), HealthState::Healthy);
        assert_eq!(of(&m(&ok, Some(state("failed")))), HealthState::Failing);
        assert_eq!(of(&m(&ok, Some(state("missed")))), HealthState::Silent);
        let shaky = [DayCounts {
            day: today,
            succeeded: 9,
            failed: 1,
            ..Default::default()
        }];
        assert_eq!(
            of(&m(&shaky, Some(state("succeeded")))),
            HealthState::Degraded
        );
        assert_eq!(
            automation_state(&m(&shaky, None), 95.0, Some("Paused".into())).0,
            HealthState::Paused
        );

        let healthy = m(&ok, Some(state("succeeded")));
        use HealthState::*;
        let orch = |members: &[HealthState]| orchestration_state(members, &healthy, 95.0, None).0;
        assert_eq!(orch(&[]), Unknown);
        assert_eq!(orch(&[Unknown, Paused]), Unknown);
        assert_eq!(orch(&[Paused, Paused]), Paused);
        assert_eq!(orch(&[Healthy, Paused]), Healthy);
        assert_eq!(orch(&[Healthy, Degraded]), Degraded);
        assert_eq!(orch(&[Silent, Degraded, Healthy]), Silent);
        assert_eq!(orch(&[Silent, Failing]), Failing);
        // Every member healthy, but together under target.
        let together = m(&shaky, Some(state("succeeded")));
        assert_eq!(
            orchestration_state(&[Healthy, Healthy], &together, 95.0, None).0,
            Degraded
        );
    }

    #[test]
    fn a_pause_covers_its_window() {
        let at = |h| chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 26, h, 0, 0).unwrap();
        let pause = Pause {
            id: 1,
            automation_id: Some(1),
            orchestration_id: None,
            starts_at: at(10),
            ends_at: Some(at(12)),
            reason: String::new(),
            created_by: None,
            created_at: at(9),
        };
        assert!(!pause.covers(at(9)));
        assert!(pause.covers(at(10)));
        assert!(pause.covers(at(11)));
        assert!(!pause.covers(at(12)));
        assert!(pause.is_over(at(12)));
        let open = Pause {
            ends_at: None,
            ..pause
        };
        assert!(open.covers(at(23)));
        let draft = PauseDraft {
            starts_at: Some(at(12)),
            ends_at: Some(at(11)),
            reason: String::new(),
        };
        assert_eq!(draft.check(at(9)).unwrap_err().0, "ends_at");
    }
}

//! What a review looks at besides the product card: the orchestration's
//! health over the quarter, and what Baton itself sees for each checklist
//! question.

use chrono::{NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};

use super::calendar::Quarter;
use super::review::{Answer, CheckItem};
use crate::model::health::DayCounts;

/// Runs in one week of the quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekRate {
    pub starts: NaiveDate,
    pub runs: i64,
    pub succeeded: i64,
}

impl WeekRate {
    /// Successes among runs, 0 to 1; `None` without runs.
    pub fn rate(&self) -> Option<f64> {
        (self.runs > 0).then(|| self.succeeded as f64 / self.runs as f64)
    }
}

/// An orchestration's health over one quarter (up to today, for the
/// current one) and the quarter before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuarterHealth {
    pub quarter: Quarter,
    pub starts: NaiveDate,
    pub ends: NaiveDate,
    /// Week by week from the quarter's first day; none after today.
    pub weeks: Vec<WeekRate>,
    pub runs: i64,
    pub succeeded: i64,
    /// Failed or timed out.
    pub failed: i64,
    pub missed: i64,
    pub success_rate: Option<f64>,
    /// The quarter before's.
    pub previous_rate: Option<f64>,
    /// The orchestration's success-rate target, 0 to 1.
    pub target: Option<f64>,
    /// Incidents opened in the quarter.
    pub incidents: Vec<crate::model::incidents::Incident>,
}

fn rate(succeeded: i64, runs: i64) -> Option<f64> {
    (runs > 0).then(|| succeeded as f64 / runs as f64)
}

impl QuarterHealth {
    /// From per-day counts (any days; those outside the quarter and the
    /// one before are ignored).
    #[allow(clippy::too_many_arguments)]
    pub fn from_days(
        quarter: Quarter,
        (starts, ends): (NaiveDate, NaiveDate),
        previous: (NaiveDate, NaiveDate),
        today: NaiveDate,
        target: Option<f64>,
        days: &[DayCounts],
        incidents: Vec<crate::model::incidents::Incident>,
    ) -> Self {
        let last = ends.min(today);
        let mut weeks = Vec::new();
        let mut week = starts;
        while week <= last {
            weeks.push(WeekRate {
                starts: week,
                runs: 0,
                succeeded: 0,
            });
            week += TimeDelta::days(7);
        }
        let (mut runs, mut succeeded, mut failed, mut missed) = (0, 0, 0, 0);
        let (mut previous_runs, mut previous_succeeded) = (0, 0);
        for d in days {
            if (starts..=ends).contains(&d.day) {
                runs += d.runs();
                succeeded += d.succeeded;
                failed += d.failed;
                missed += d.missed;
                let index = usize::try_from((d.day - starts).num_days() / 7).unwrap_or(0);
                if let Some(w) = weeks.get_mut(index) {
                    w.runs += d.runs();
                    w.succeeded += d.succeeded;
                }
            } else if (previous.0..=previous.1).contains(&d.day) {
                previous_runs += d.runs();
                previous_succeeded += d.succeeded;
            }
        }
        Self {
            quarter,
            starts,
            ends,
            weeks,
            runs,
            succeeded,
            failed,
            missed,
            success_rate: rate(succeeded, runs),
            previous_rate: rate(previous_succeeded, previous_runs),
            target,
            incidents,
        }
    }

    /// Within target: the rate is at or above it (no target: no failures
    /// and no misses). `None` without runs.
    pub fn within_target(&self) -> Option<bool> {
        let rate = self.success_rate?;
        Some(match self.target {
            Some(target) => rate + 1e-9 >= target,
            None => self.failed == 0 && self.missed == 0,
        })
    }
}

/// What Baton sees for one checklist question, and the answer it suggests
/// when the facts settle it. The person still answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hint {
    pub item: CheckItem,
    pub seen: String,
    pub suggests: Option<Answer>,
}

/// One review with everything it looks at: the API's answer and the
/// review screen's heart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewDetail {
    pub review: super::review::Review,
    pub slug: String,
    pub name: String,
    /// The quarter it belongs to: that of the due date it answered, or the
    /// current one while it is a draft.
    pub quarter: Quarter,
    pub schedule: super::calendar::ReviewSchedule,
    pub health: QuarterHealth,
    pub runbook: crate::model::runbooks::RunbookStatus,
    /// Runbook revisions saved in the quarter.
    pub runbook_revisions: u32,
    /// Edges touching the orchestration or its automations.
    pub dependencies: u32,
    /// The action items this review set.
    pub actions: Vec<super::review::ActionItem>,
    /// Items earlier reviews set that are still open, or were closed since
    /// the quarter began: shown again so nothing set is forgotten.
    pub carried_actions: Vec<super::review::ActionItem>,
    pub hints: Vec<Hint>,
    /// With a merge: the slug and name it goes into.
    pub merge_into: Option<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn day(on: NaiveDate, succeeded: i64, failed: i64, missed: i64) -> DayCounts {
        DayCounts {
            day: on,
            succeeded,
            failed,
            missed,
            other: 0,
            recoveries: 0,
            recovery_ms: 0,
        }
    }

    #[test]
    fn quarter_health_adds_up_weeks_and_compares_with_the_quarter_before() {
        let q = Quarter {
            year: 2026,
            number: 4,
        };
        let h = QuarterHealth::from_days(
            q,
            (d(2026, 10, 1), d(2026, 12, 31)),
            (d(2026, 7, 1), d(2026, 9, 30)),
            d(2026, 10, 20),
            Some(0.9),
            &[
                day(d(2026, 10, 1), 9, 1, 0),
                day(d(2026, 10, 8), 4, 0, 1),
                day(d(2026, 9, 30), 1, 1, 0),
                day(d(2026, 6, 30), 50, 0, 0),
            ],
            Vec::new(),
        );
        // 1, 8 and 15 October: three weeks up to the 20th.
        assert_eq!(h.weeks.len(), 3);
        assert_eq!((h.weeks[0].runs, h.weeks[0].succeeded), (10, 9));
        assert_eq!(h.weeks[1].rate(), Some(0.8));
        assert_eq!(h.weeks[2].rate(), None);
        assert_eq!((h.runs, h.succeeded, h.failed, h.missed), (15, 13, 1, 1));
        assert_eq!(h.previous_rate, Some(0.5));
        assert_eq!(h.within_target(), Some(false));
        let no_runs = QuarterHealth::from_days(
            q,
            (d(2026, 10, 1), d(2026, 12, 31)),
            (d(2026, 7, 1), d(2026, 9, 30)),
            d(2026, 12, 31),
            None,
            &[],
            Vec::new(),
        );
        assert_eq!(no_runs.weeks.len(), 14);
        assert_eq!(no_runs.within_target(), None);
    }
}

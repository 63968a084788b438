//! Missed runs: a run expected by an automation's schedule that has not
//! come by its due time plus grace is recorded as a run of its own, with
//! the status `missed`, at the time it was due. Runs that took longer (or
//! ended sooner) than the schedule allows are flagged. The watcher looks every
//! [`LOOK_EVERY`], on one instance at a time (a lease); each slot is
//! recorded once wherever and however often it is looked for (its run id
//! names the slot, and the database keeps run ids unique per automation).
//! After downtime it catches up slot by slot, [`MAX_SLOTS_PER_LOOK`] per
//! automation at a time.

use app::model::schedule::Schedule;
use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::watch;

use crate::clock::SharedClock;
use crate::schedule::next_due;
use crate::store::{SharedStore, Store, StoreResult};

/// How often the watcher looks for missed runs.
pub const LOOK_EVERY: std::time::Duration = std::time::Duration::from_secs(30);
/// The most missed slots one look records for one automation: a long
/// outage is caught up over a few looks, never in one huge transaction.
pub const MAX_SLOTS_PER_LOOK: usize = 500;

const LEASE: &str = "missed-runs";
const LEASE_TTL: TimeDelta = TimeDelta::seconds(90);

/// The slots of `schedule` after `after` that are missed at `now`: due,
/// and the grace gone, with no run since `after`. At most `limit`.
pub fn missed_slots(
    schedule: &Schedule,
    after: DateTime<Utc>,
    now: DateTime<Utc>,
    limit: usize,
) -> Vec<DateTime<Utc>> {
    let grace = TimeDelta::seconds(schedule.grace_seconds);
    let mut slots = Vec::new();
    let mut from = after;
    while slots.len() < limit {
        match next_due(schedule, from) {
            Some(due) if due + grace <= now && due > from => {
                slots.push(due);
                from = due;
            }
            _ => break,
        }
    }
    slots
}

/// Runs are flagged by their duration for this long after they began.
const FLAG_WINDOW: TimeDelta = TimeDelta::days(7);

/// What one look found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Looked {
    /// Missed runs newly recorded.
    pub missed: u64,
    /// Runs newly flagged too long or too short.
    pub flagged: u64,
}

/// Looks once at `now`: records every missed slot of every schedule, and
/// flags the runs of the last week that took longer or ended sooner than
/// their schedule allows (a run still going past the longest, too).
pub async fn look(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<Looked> {
    let watched = store.watched().await?;
    let limits: Vec<(i64, Option<i64>, Option<i64>)> = watched
        .iter()
        .filter_map(|w| {
            let ms = |s: Option<i64>| s.map(|s| s.saturating_mul(1000));
            let (longest, shortest) = (
                ms(w.schedule.max_duration_seconds),
                ms(w.schedule.min_duration_seconds),
            );
            (longest.is_some() || shortest.is_some()).then_some((
                w.automation_id,
                longest,
                shortest,
            ))
        })
        .collect();
    Ok(Looked {
        missed: record_missed(store, &watched, now).await?,
        flagged: store.flag_runs(&limits, now - FLAG_WINDOW, now).await?,
    })
}

/// Records every missed slot of these schedules at `now`; how many were
/// new.
async fn record_missed(
    store: &dyn Store,
    watched: &[crate::store::Watched],
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let mut missed = Vec::new();
    for watched in watched {
        // With no run since the schedule was set, runs are expected from then.
        let after = watched
            .newest_run
            .map_or(watched.set_at, |newest| newest.max(watched.set_at));
        let grace = TimeDelta::seconds(watched.schedule.grace_seconds);
        for slot in missed_slots(&watched.schedule, after, now, MAX_SLOTS_PER_LOOK) {
            let note = format!(
                "expected at {}; none had come by {}",
                slot.format("%Y-%m-%d %H:%M:%S UTC"),
                (slot + grace).format("%Y-%m-%d %H:%M:%S UTC")
            );
            missed.push((watched.automation_id, slot, note));
        }
    }
    store.record_missed(&missed, now).await
}

/// Looks for missed runs until `stop`, on whichever instance holds the
/// lease.
pub async fn watch(store: SharedStore, clock: SharedClock, mut stop: watch::Receiver<bool>) {
    let holder = format!("baton-{}", rand::random::<u64>());
    loop {
        let now = clock.now();
        match store
            .try_acquire_lease(LEASE, &holder, now, LEASE_TTL)
            .await
        {
            Ok(true) => match look(&*store, now).await {
                Ok(Looked {
                    missed: 0,
                    flagged: 0,
                }) => {}
                Ok(Looked { missed, flagged }) => {
                    tracing::info!(missed, flagged, "missed runs recorded, runs flagged");
                }
                Err(err) => tracing::warn!(%err, "cannot look for missed runs"),
            },
            Ok(false) => {}
            Err(err) => tracing::warn!(%err, "cannot take the missed-runs lease"),
        }
        tokio::select! {
            () = tokio::time::sleep(LOOK_EVERY) => {}
            _ = stop.wait_for(|stopping| *stopping) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn hourly() -> Schedule {
        Schedule {
            period_seconds: Some(3_600),
            cron: None,
            time_zone: "UTC".to_owned(),
            grace_seconds: 600,
            max_duration_seconds: None,
            min_duration_seconds: None,
        }
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, h, m, 0).unwrap()
    }

    #[test]
    fn a_slot_is_missed_once_its_grace_is_gone() {
        assert!(missed_slots(&hourly(), at(1, 0), at(2, 9), 10).is_empty());
        assert_eq!(
            missed_slots(&hourly(), at(1, 0), at(2, 10), 10),
            vec![at(2, 0)]
        );
        // Hours later, each slot once, oldest first.
        assert_eq!(
            missed_slots(&hourly(), at(1, 0), at(5, 30), 10),
            vec![at(2, 0), at(3, 0), at(4, 0), at(5, 0)]
        );
        assert_eq!(missed_slots(&hourly(), at(1, 0), at(23, 0), 3).len(), 3);
    }

    #[test]
    fn a_cron_slot_is_missed_at_its_time() {
        let nightly = Schedule {
            period_seconds: None,
            cron: Some("0 2 * * *".to_owned()),
            ..hourly()
        };
        // Ran at 02:03 yesterday: tonight's 02:00 is missed at 02:10.
        let yesterday = Utc.with_ymd_and_hms(2026, 11, 25, 2, 3, 0).unwrap();
        assert!(missed_slots(&nightly, yesterday, at(2, 9), 10).is_empty());
        assert_eq!(
            missed_slots(&nightly, yesterday, at(2, 10), 10),
            vec![at(2, 0)]
        );
    }
}

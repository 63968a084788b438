//! Missed runs: a run expected by an automation's schedule that has not
//! come by its due time plus grace is recorded as a run of its own, with
//! the status `missed`, at the time it was due. Runs that took longer (or
//! ended sooner) than the schedule allows are flagged. The watcher looks every
//! `--health-look-seconds` (30 s by default), on one instance at a time (a lease); each slot is
//! recorded once wherever and however often it is looked for (its run id
//! names the slot, and the database keeps run ids unique per automation).
//! After downtime it catches up slot by slot, [`MAX_SLOTS_PER_LOOK`] per
//! automation at a time. A slot due while a pause or maintenance window is
//! on (the automation's or its orchestration's), or while its orchestration
//! is paused or retired, is not missed. Each look also deletes raw runs
//! older than the retention (their rollups stay).

use app::model::health::Pause;
use app::model::schedule::Schedule;
use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::watch;

use crate::clock::SharedClock;
use crate::schedule::next_due;
use crate::store::{Change, RollupScope, SharedStore, Store, StoreResult, Watched};

/// The most missed slots one look records for one automation: a long
/// outage is caught up over a few looks, never in one huge transaction.
pub const MAX_SLOTS_PER_LOOK: usize = 500;
/// The most slots one look steps through for one automation, excused ones
/// included.
const MAX_STEPS_PER_LOOK: usize = 50_000;
/// The most raw runs one look deletes.
const DELETE_PER_LOOK: i64 = 5_000;

/// The lease (and job name) of the watcher.
pub const LEASE: &str = "missed-runs";

/// The slots of `schedule` after `after` that are missed at `now`: due,
/// and the grace gone, with no run since `after`, and not `excused`. At
/// most `limit`.
pub fn missed_slots(
    schedule: &Schedule,
    after: DateTime<Utc>,
    now: DateTime<Utc>,
    limit: usize,
    excused: impl Fn(DateTime<Utc>) -> bool,
) -> Vec<DateTime<Utc>> {
    let grace = TimeDelta::seconds(schedule.grace_seconds);
    let mut slots = Vec::new();
    let mut from = after;
    for _ in 0..MAX_STEPS_PER_LOOK {
        if slots.len() >= limit {
            break;
        }
        match next_due(schedule, from) {
            Some(due) if due + grace <= now && due > from => {
                if !excused(due) {
                    slots.push(due);
                }
                from = due;
            }
            _ => break,
        }
    }
    slots
}

/// Why an automation is paused at `t`, if it is: its orchestration's
/// lifecycle, or a pause of its own or of its orchestration.
pub fn paused_at(
    pauses: &[Pause],
    automation: i64,
    orchestration: Option<i64>,
    lifecycle: Option<&str>,
    t: DateTime<Utc>,
) -> Option<String> {
    if let Some(lifecycle @ ("paused" | "retired")) = lifecycle {
        return Some(format!("Its orchestration is {lifecycle}."));
    }
    pauses
        .iter()
        .filter(|p| {
            p.automation_id == Some(automation)
                || (orchestration.is_some() && p.orchestration_id == orchestration)
        })
        .find(|p| p.covers(t))
        .map(|p| {
            let whose = if p.automation_id.is_some() {
                "Paused"
            } else {
                "Its orchestration is paused"
            };
            let until = p.ends_at.map_or_else(
                || " until resumed".to_owned(),
                |end| format!(" until {}", end.format("%Y-%m-%d %H:%M UTC")),
            );
            let reason = if p.reason.is_empty() {
                String::new()
            } else {
                format!(": {}", p.reason)
            };
            format!("{whose}{until}{reason}.")
        })
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
    /// Raw runs deleted for being older than the retention.
    pub deleted: u64,
}

/// Looks once at `now`: records every missed slot of every schedule (none
/// older than `retention`), flags the runs of the last week that took
/// longer or ended sooner than their schedule allows (a run still going
/// past the longest, too), and deletes raw runs older than `retention`.
pub async fn look(
    store: &dyn Store,
    now: DateTime<Utc>,
    retention: TimeDelta,
) -> StoreResult<Looked> {
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
    let kept_since = now - retention;
    let pauses = store.pauses(RollupScope::All, kept_since).await?;
    Ok(Looked {
        missed: record_missed(store, &watched, &pauses, now, kept_since).await?,
        flagged: store.flag_runs(&limits, now - FLAG_WINDOW, now).await?,
        deleted: store.delete_old_runs(kept_since, DELETE_PER_LOOK).await?,
    })
}

/// Records every missed slot of these schedules at `now`; how many were
/// new.
async fn record_missed(
    store: &dyn Store,
    watched: &[Watched],
    pauses: &[Pause],
    now: DateTime<Utc>,
    kept_since: DateTime<Utc>,
) -> StoreResult<u64> {
    let mut missed = Vec::new();
    for watched in watched {
        // With no run since the schedule was set, runs are expected from
        // then; never from before the runs kept.
        let after = watched
            .newest_run
            .map_or(watched.set_at, |newest| {
                crate::schedule::anchor(&watched.schedule, newest).max(watched.set_at)
            })
            .max(kept_since);
        let grace = TimeDelta::seconds(watched.schedule.grace_seconds);
        let excused = |slot| {
            paused_at(
                pauses,
                watched.automation_id,
                watched.orchestration_id,
                watched.lifecycle.as_deref(),
                slot,
            )
            .is_some()
        };
        for slot in missed_slots(&watched.schedule, after, now, MAX_SLOTS_PER_LOOK, excused) {
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

/// Looks every `every` until `stop`, on whichever instance holds the lease
/// (named after this process, so an operator can tell which one it is).
/// Another instance takes over three looks after the holder stops renewing.
pub async fn watch(
    store: SharedStore,
    clock: SharedClock,
    every: std::time::Duration,
    retention: TimeDelta,
    mut stop: watch::Receiver<bool>,
) {
    let holder = format!("baton-{}-{}", std::process::id(), rand::random::<u32>());
    let ttl = TimeDelta::from_std(every * 3).unwrap_or(TimeDelta::seconds(90));
    let mut held: bool;
    loop {
        let now = clock.now();
        let acquired = store.try_acquire_lease(LEASE, &holder, now, ttl).await;
        held = matches!(acquired, Ok(true));
        match acquired {
            Ok(true) => match look(&*store, now, retention).await {
                Ok(looked) => {
                    if looked != Looked::default() {
                        tracing::info!(
                            missed = looked.missed,
                            flagged = looked.flagged,
                            deleted = looked.deleted,
                            "missed runs recorded, runs flagged, old runs deleted"
                        );
                    }
                    let count = looked.missed + looked.flagged;
                    if count > 0 {
                        crate::store::announce(&*store, Change::RunsChanged { count }).await;
                    }
                    if let Err(err) = store.job_round_done(LEASE, now).await {
                        tracing::warn!(%err, "cannot note the missed-runs round");
                    }
                }
                Err(err) => tracing::warn!(%err, "cannot look for missed runs"),
            },
            Ok(false) => {}
            Err(err) => tracing::warn!(%err, "cannot take the missed-runs lease"),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|stopping| *stopping) => break,
        }
    }
    // Stopping: another instance takes over now, not when the lease runs out.
    if held {
        crate::store::release(&*store, LEASE, &holder).await;
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
        assert!(missed_slots(&hourly(), at(1, 0), at(2, 9), 10, |_| false).is_empty());
        assert_eq!(
            missed_slots(&hourly(), at(1, 0), at(2, 10), 10, |_| false),
            vec![at(2, 0)]
        );
        // Hours later, each slot once, oldest first.
        assert_eq!(
            missed_slots(&hourly(), at(1, 0), at(5, 30), 10, |_| false),
            vec![at(2, 0), at(3, 0), at(4, 0), at(5, 0)]
        );
        assert_eq!(
            missed_slots(&hourly(), at(1, 0), at(23, 0), 3, |_| false).len(),
            3
        );
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
        assert!(missed_slots(&nightly, yesterday, at(2, 9), 10, |_| false).is_empty());
        assert_eq!(
            missed_slots(&nightly, yesterday, at(2, 10), 10, |_| false),
            vec![at(2, 0)]
        );
    }

    #[test]
    fn slots_in_a_pause_are_not_missed() {
        let pause = Pause {
            id: 1,
            automation_id: None,
            orchestration_id: Some(7),
            starts_at: at(2, 30),
            ends_at: Some(at(4, 30)),
            reason: "migration".to_owned(),
            created_by: None,
            created_at: at(1, 0),
        };
        let pauses = [pause];
        let excused = |t| paused_at(&pauses, 1, Some(7), Some("active"), t).is_some();
        assert_eq!(
            missed_slots(&hourly(), at(1, 0), at(5, 30), 10, excused),
            vec![at(2, 0), at(5, 0)]
        );
        assert_eq!(
            paused_at(&pauses, 1, Some(7), None, at(3, 0)).as_deref(),
            Some("Its orchestration is paused until 2026-11-26 04:30 UTC: migration.")
        );
        assert_eq!(paused_at(&pauses, 1, Some(8), None, at(3, 0)), None);
        assert_eq!(
            paused_at(&[], 1, Some(8), Some("retired"), at(3, 0)).as_deref(),
            Some("Its orchestration is retired.")
        );
    }
}

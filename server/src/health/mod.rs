//! Health of automations and orchestrations: their states and figures,
//! read from the rollups the database keeps as runs are written (the rules
//! are in [`app::model::health`] and docs/health-and-alerts.md), and pauses. The watcher that
//! records missed runs is [`watcher`].

mod watcher;

use std::collections::{BTreeMap, HashMap, HashSet};

use app::model::accounts::Actor;
use app::model::catalog::Orchestration;
use app::model::health::{
    CHART_DAYS, DEFAULT_TARGET, DayCounts, Health, HealthState, Metrics, Pause, PauseDraft,
    automation_state, orchestration_state,
};
use app::model::inventory::{Automation, InventoryFilter};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Serialize;

pub use watcher::{LEASE, Looked, look, missed_slots, paused_at, watch};

use crate::access;
use crate::audit::Author;
use crate::catalog::CatalogError;
use crate::clock::Clock;
use crate::store::{RollupParts, RollupScope, Rollups, Store, StoreResult};

/// The days the figures reach back: 90, today included.
const WINDOW_DAYS: i64 = 90;

fn first_day(now: DateTime<Utc>, days: i64) -> NaiveDate {
    now.date_naive() - TimeDelta::days(days - 1)
}

/// Each automation's figures in `rollups` (which cover several), handed to
/// `f` one automation at a time: only one automation's days are copied at
/// once, so a month of the whole catalog costs no more than its rows.
/// Sorts `rollups` by automation.
pub(crate) fn each_automation(
    rollups: &mut Rollups,
    today: NaiveDate,
    mut f: impl FnMut(i64, Metrics),
) {
    rollups.days.sort_unstable_by_key(|(a, d)| (*a, d.day));
    rollups
        .durations
        .sort_unstable_by_key(|(a, day, ..)| (*a, *day));
    rollups.states.sort_unstable_by_key(|(a, _)| *a);
    let mut ids: Vec<i64> = rollups
        .days
        .iter()
        .map(|(a, _)| *a)
        .chain(rollups.states.iter().map(|(a, _)| *a))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    /// The rows of automation `id` in rows sorted by automation.
    fn of<T>(rows: &[T], id: i64, key: impl Fn(&T) -> i64) -> &[T] {
        let start = rows.partition_point(|r| key(r) < id);
        let end = start + rows[start..].partition_point(|r| key(r) == id);
        &rows[start..end]
    }
    let (mut days, mut durations, mut states) = (Vec::new(), Vec::new(), Vec::new());
    for id in ids {
        days.clear();
        days.extend(of(&rollups.days, id, |r| r.0).iter().map(|(_, d)| *d));
        durations.clear();
        durations.extend(
            of(&rollups.durations, id, |r| r.0)
                .iter()
                .map(|(_, day, b, n)| (*day, *b, *n)),
        );
        states.clear();
        states.extend(
            of(&rollups.states, id, |r| r.0)
                .iter()
                .map(|(_, s)| s.clone()),
        );
        f(id, Metrics::from_rollups(&days, &durations, &states, today));
    }
}

/// Each automation's figures, from rollups covering several.
fn metrics_by_automation(rollups: &mut Rollups, today: NaiveDate) -> HashMap<i64, Metrics> {
    let mut out = HashMap::new();
    each_automation(rollups, today, |id, m| {
        out.insert(id, m);
    });
    out
}

/// Figures over everything in `rollups` together.
fn metrics_of_all(rollups: &Rollups, today: NaiveDate) -> Metrics {
    let days: Vec<_> = rollups.days.iter().map(|(_, d)| *d).collect();
    let durations: Vec<_> = rollups
        .durations
        .iter()
        .map(|(_, day, b, n)| (*day, *b, *n))
        .collect();
    let states: Vec<_> = rollups.states.iter().map(|(_, s)| s.clone()).collect();
    Metrics::from_rollups(&days, &durations, &states, today)
}

/// The success-rate target in percent (orchestrations keep it as a share).
fn target_of(orchestration: Option<&Orchestration>) -> f64 {
    orchestration
        .and_then(|o| o.fields.success_rate_target)
        .map_or(DEFAULT_TARGET, |share| share * 100.0)
}

fn lifecycle_of(orchestration: Option<&Orchestration>) -> Option<&'static str> {
    orchestration.map(|o| o.fields.lifecycle.as_str())
}

/// An automation's health at `now`.
pub async fn automation_health(
    store: &dyn Store,
    automation: &Automation,
    now: DateTime<Utc>,
) -> StoreResult<Health> {
    let orchestration = match automation.fields.orchestration_id {
        Some(id) => Some(store.orchestration(id).await?),
        None => None,
    };
    let rollups = store
        .rollups(
            RollupScope::Automation(automation.id),
            first_day(now, WINDOW_DAYS),
            RollupParts::WithDurations {
                since: first_day(now, CHART_DAYS),
            },
        )
        .await?;
    let metrics = metrics_of_all(&rollups, now.date_naive());
    let pauses = store
        .pauses(RollupScope::Automation(automation.id), now)
        .await?;
    let paused = paused_at(
        &pauses,
        automation.id,
        automation.fields.orchestration_id,
        lifecycle_of(orchestration.as_ref()),
        now,
    );
    let target = target_of(orchestration.as_ref());
    let (state, why) = automation_state(&metrics, target, paused);
    Ok(Health {
        state,
        why,
        target,
        metrics,
        pauses,
        as_of: now,
    })
}

/// An automation of an orchestration, with its state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberHealth {
    pub id: i64,
    pub name: String,
    pub state: HealthState,
    pub why: String,
}

/// Why an orchestration is paused at `now`, if it is.
fn orchestration_paused(o: &Orchestration, pauses: &[Pause], now: DateTime<Utc>) -> Option<String> {
    let lifecycle = o.fields.lifecycle.as_str();
    if matches!(lifecycle, "paused" | "retired") {
        return Some(format!("It is {lifecycle}."));
    }
    pauses
        .iter()
        .find(|p| p.orchestration_id == Some(o.id) && p.covers(now))
        .map(|_| paused_at(pauses, 0, Some(o.id), None, now).unwrap_or_default())
}

/// An orchestration's health at `now`, given its automations, with each
/// automation's state.
pub async fn orchestration_health(
    store: &dyn Store,
    o: &Orchestration,
    members: &[Automation],
    now: DateTime<Utc>,
) -> StoreResult<(Health, Vec<MemberHealth>)> {
    let (health, member_health, _) = orchestration_figures(store, o, members, now).await?;
    Ok((health, member_health))
}

/// [`orchestration_health`], with each automation's figures as well (what
/// leverage reads), from the same read of the rollups.
pub async fn orchestration_figures(
    store: &dyn Store,
    o: &Orchestration,
    members: &[Automation],
    now: DateTime<Utc>,
) -> StoreResult<(Health, Vec<MemberHealth>, HashMap<i64, Metrics>)> {
    let mut rollups = store
        .rollups(
            RollupScope::Orchestration(o.id),
            first_day(now, WINDOW_DAYS),
            RollupParts::WithDurations {
                since: first_day(now, CHART_DAYS),
            },
        )
        .await?;
    let today = now.date_naive();
    let by_member = metrics_by_automation(&mut rollups, today);
    // Its own pauses and its automations' (each automation's query would
    // include the orchestration's too).
    let all = store.pauses(RollupScope::All, now).await?;
    let member_ids: Vec<i64> = members.iter().map(|a| a.id).collect();
    let pauses: Vec<Pause> = all
        .into_iter()
        .filter(|p| {
            p.orchestration_id == Some(o.id)
                || p.automation_id.is_some_and(|a| member_ids.contains(&a))
        })
        .collect();
    let target = target_of(Some(o));
    let empty = Metrics::from_rollups(&[], &[], &[], today);
    let member_health: Vec<MemberHealth> = members
        .iter()
        .map(|a| {
            let paused = paused_at(&pauses, a.id, Some(o.id), lifecycle_of(Some(o)), now);
            let (state, why) =
                automation_state(by_member.get(&a.id).unwrap_or(&empty), target, paused);
            MemberHealth {
                id: a.id,
                name: a.fields.name.clone(),
                state,
                why,
            }
        })
        .collect();
    let metrics = metrics_of_all(&rollups, today);
    let states: Vec<HealthState> = member_health.iter().map(|m| m.state).collect();
    let (state, why) = orchestration_state(
        &states,
        &metrics,
        target,
        orchestration_paused(o, &pauses, now),
    );
    Ok((
        Health {
            state,
            why,
            target,
            metrics,
            pauses,
            as_of: now,
        },
        member_health,
        by_member,
    ))
}

/// How many automations and orchestrations are in each state.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HealthCounts {
    pub automations: BTreeMap<&'static str, u64>,
    pub orchestrations: BTreeMap<&'static str, u64>,
}

/// The days of recent figures (for leverage: runs a week and failure
/// rate), today included.
pub const RECENT_DAYS: i64 = 30;

/// The rollups of the last [`RECENT_DAYS`] of each automation `scope`
/// covers, without duration histograms.
pub async fn recent_rollups(
    store: &dyn Store,
    scope: RollupScope<'_>,
    now: DateTime<Utc>,
) -> StoreResult<Rollups> {
    store
        .rollups(scope, first_day(now, RECENT_DAYS), RollupParts::Counts)
        .await
}

/// Each automation's and each orchestration's state at a moment, with why.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct States {
    pub automations: HashMap<i64, (HealthState, String)>,
    pub orchestrations: HashMap<i64, (HealthState, String)>,
    /// Retired orchestrations (shown as paused, left out of counts).
    pub retired: HashSet<i64>,
    /// Each automation's last success, when it has had one.
    pub last_success: HashMap<i64, DateTime<Utc>>,
    /// Each automation's orchestration.
    pub orchestration_of: HashMap<i64, i64>,
}

impl States {
    /// Each orchestration's last success: its automations' latest.
    pub fn last_success_by_orchestration(&self) -> HashMap<i64, DateTime<Utc>> {
        let mut latest: HashMap<i64, DateTime<Utc>> = HashMap::new();
        for (a, o) in &self.orchestration_of {
            if let Some(at) = self.last_success.get(a) {
                let entry = latest.entry(*o).or_insert(*at);
                *entry = (*entry).max(*at);
            }
        }
        latest
    }
}

impl States {
    /// The states counted; retired orchestrations are left out.
    pub fn counts(&self) -> HealthCounts {
        let mut counts = HealthCounts::default();
        for state in HealthState::ALL {
            counts.automations.insert(state.as_str(), 0);
            counts.orchestrations.insert(state.as_str(), 0);
        }
        for (state, _) in self.automations.values() {
            *counts.automations.entry(state.as_str()).or_default() += 1;
        }
        for (id, (state, _)) in &self.orchestrations {
            if !self.retired.contains(id) {
                *counts.orchestrations.entry(state.as_str()).or_default() += 1;
            }
        }
        counts
    }
}

/// The states of `automations` at `now`, from their rollups (of the last
/// week at least) and the pauses.
fn automation_states(
    automations: &[Automation],
    orchestrations: &HashMap<i64, &Orchestration>,
    rollups: &mut Rollups,
    pauses: &[Pause],
    now: DateTime<Utc>,
) -> HashMap<i64, (HealthState, String)> {
    let state_of = |a: &Automation, figures: &Metrics| {
        let o = a
            .fields
            .orchestration_id
            .and_then(|id| orchestrations.get(&id).copied());
        let paused = paused_at(
            pauses,
            a.id,
            a.fields.orchestration_id,
            lifecycle_of(o),
            now,
        );
        automation_state(figures, target_of(o), paused)
    };
    let by_id: HashMap<i64, &Automation> = automations.iter().map(|a| (a.id, a)).collect();
    let mut states = HashMap::with_capacity(automations.len());
    each_automation(rollups, now.date_naive(), |id, figures| {
        if let Some(a) = by_id.get(&id) {
            states.insert(id, state_of(a, &figures));
        }
    });
    let empty = Metrics::from_rollups(&[], &[], &[], now.date_naive());
    for a in automations {
        states.entry(a.id).or_insert_with(|| state_of(a, &empty));
    }
    states
}

async fn orchestrations_by_id(store: &dyn Store) -> StoreResult<HashMap<i64, Orchestration>> {
    Ok(store
        .orchestrations()
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect())
}

/// The states of everything at `now`: one read of the catalog, the last
/// week's rollups and the pauses.
pub async fn states(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<States> {
    let orchestrations = store.orchestrations().await?;
    let automations = store
        .automations(&InventoryFilter::default(), u32::MAX, 0)
        .await?;
    states_of_catalog(store, &orchestrations, &automations, now).await
}

/// [`states`] of a catalog the caller has already read: every
/// orchestration and every automation.
pub async fn states_of_catalog(
    store: &dyn Store,
    orchestrations: &[Orchestration],
    automations: &[Automation],
    now: DateTime<Utc>,
) -> StoreResult<States> {
    let mut rollups = store
        .rollups(RollupScope::All, first_day(now, 7), RollupParts::Counts)
        .await?;
    states_from_rollups(store, orchestrations, automations, &mut rollups, now).await
}

/// [`states_of_catalog`] from rollups the caller has already read, of the
/// whole catalog over the last week at least.
pub async fn states_from_rollups(
    store: &dyn Store,
    orchestrations: &[Orchestration],
    automations: &[Automation],
    rollups: &mut Rollups,
    now: DateTime<Utc>,
) -> StoreResult<States> {
    let by_id: HashMap<i64, &Orchestration> = orchestrations.iter().map(|o| (o.id, o)).collect();
    let pauses = store.pauses(RollupScope::All, now).await?;
    let today = now.date_naive();
    let automation_states = automation_states(automations, &by_id, rollups, &pauses, now);
    // Each orchestration's members' states, and their runs summed by day.
    let orchestration_of: HashMap<i64, i64> = automations
        .iter()
        .filter_map(|a| a.fields.orchestration_id.map(|o| (a.id, o)))
        .collect();
    let mut members: HashMap<i64, Vec<HealthState>> = HashMap::new();
    for (a, (state, _)) in &automation_states {
        if let Some(o) = orchestration_of.get(a) {
            members.entry(*o).or_default().push(*state);
        }
    }
    let mut days: HashMap<i64, BTreeMap<NaiveDate, DayCounts>> = HashMap::new();
    for (a, d) in &rollups.days {
        if let Some(o) = orchestration_of.get(a) {
            days.entry(*o)
                .or_default()
                .entry(d.day)
                .or_insert(DayCounts {
                    day: d.day,
                    ..DayCounts::default()
                })
                .add(d);
        }
    }
    let mut summed = Vec::new();
    let orchestration_states = orchestrations
        .iter()
        .map(|o| {
            summed.clear();
            summed.extend(
                days.get(&o.id)
                    .into_iter()
                    .flat_map(|d| d.values().copied()),
            );
            let together = Metrics::from_rollups(&summed, &[], &[], today);
            let state = orchestration_state(
                members.get(&o.id).map_or(&[][..], Vec::as_slice),
                &together,
                target_of(Some(o)),
                orchestration_paused(o, &pauses, now),
            );
            (o.id, state)
        })
        .collect();
    let last_success = rollups
        .states
        .iter()
        .filter_map(|(a, s)| s.last_success_at.map(|at| (*a, at)))
        .collect();
    Ok(States {
        last_success,
        orchestration_of,
        automations: automation_states,
        orchestrations: orchestration_states,
        retired: orchestrations
            .iter()
            .filter(|o| o.fields.lifecycle.as_str() == "retired")
            .map(|o| o.id)
            .collect(),
    })
}

/// The states of some automations at `now` (a page of the inventory).
pub async fn states_of(
    store: &dyn Store,
    automations: &[Automation],
    now: DateTime<Utc>,
) -> StoreResult<HashMap<i64, (HealthState, String)>> {
    let ids: Vec<i64> = automations.iter().map(|a| a.id).collect();
    let mut rollups = store
        .rollups(
            RollupScope::Several(&ids),
            first_day(now, 7),
            RollupParts::Counts,
        )
        .await?;
    let orchestrations = orchestrations_by_id(store).await?;
    let by_id: HashMap<i64, &Orchestration> =
        orchestrations.iter().map(|(id, o)| (*id, o)).collect();
    let pauses = store.pauses(RollupScope::All, now).await?;
    Ok(automation_states(
        automations,
        &by_id,
        &mut rollups,
        &pauses,
        now,
    ))
}

/// The states of everything at `now`, counted. Retired orchestrations are
/// left out.
pub async fn health_counts(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<HealthCounts> {
    Ok(states(store, now).await?.counts())
}

/// What a pause is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paused {
    Automation(i64),
    Orchestration(i64),
}

/// Pauses an automation or an orchestration (now, or as a window planned
/// ahead): those who may edit it. 422 per field for a window that makes no
/// sense.
pub async fn add_pause(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    what: Paused,
    draft: PauseDraft,
) -> Result<Pause, CatalogError> {
    let now = clock.now();
    let (kind, id, name) = match what {
        Paused::Automation(id) => {
            let a = store.automation(id).await?;
            access::check_automation(store, actor, &a).await?;
            ("automation", id, a.fields.name)
        }
        Paused::Orchestration(id) => {
            let o = store.orchestration(id).await?;
            access::check_orchestration(actor, &o)?;
            ("orchestration", id, o.fields.name)
        }
    };
    let (starts_at, ends_at) = draft.check(now).map_err(|(field, message)| {
        let mut errors = app::model::errors::FieldErrors::default();
        errors.add(field, message);
        CatalogError::Invalid(errors)
    })?;
    let mut pause = Pause {
        id: 0,
        automation_id: matches!(what, Paused::Automation(_)).then_some(id),
        orchestration_id: matches!(what, Paused::Orchestration(_)).then_some(id),
        starts_at,
        ends_at,
        reason: draft.reason.trim().to_owned(),
        created_by: None,
        created_at: now,
    };
    let audit = Author::of(actor)
        .did(now, "pause.added", kind, Some(id), &name)
        .after(&pause);
    pause.id = store.add_pause(&pause, Some(actor.id), &audit).await?;
    crate::store::announce(store, crate::store::Change::PausesChanged).await;
    Ok(store.pause(pause.id).await?)
}

/// Ends a pause now (resumes), or removes a window not begun yet: those who
/// may edit what it pauses.
pub async fn end_pause(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
) -> Result<(), CatalogError> {
    let now = clock.now();
    let pause = store.pause(id).await?;
    let (kind, subject, name) = match (pause.automation_id, pause.orchestration_id) {
        (Some(a), _) => {
            let a = store.automation(a).await?;
            access::check_automation(store, actor, &a).await?;
            ("automation", a.id, a.fields.name)
        }
        (None, Some(o)) => {
            let o = store.orchestration(o).await?;
            access::check_orchestration(actor, &o)?;
            ("orchestration", o.id, o.fields.name)
        }
        (None, None) => return Err(CatalogError::NotFound),
    };
    if pause.is_over(now) {
        return Err(CatalogError::Invalid({
            let mut errors = app::model::errors::FieldErrors::default();
            errors.add("pause", "This pause is already over.");
            errors
        }));
    }
    // Not begun (or begun this very instant): it never paused anything.
    let planned = pause.starts_at >= now;
    let audit = Author::of(actor)
        .did(
            now,
            if planned {
                "pause.removed"
            } else {
                "pause.ended"
            },
            kind,
            Some(subject),
            &name,
        )
        .before(&pause);
    store
        .end_pause(id, (!planned).then_some(now), &audit)
        .await?;
    crate::store::announce(store, crate::store::Change::PausesChanged).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use app::model::health::RunState;

    use super::*;

    fn day(d: u32, succeeded: i64, failed: i64) -> DayCounts {
        DayCounts {
            day: NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default(),
            succeeded,
            failed,
            ..DayCounts::default()
        }
    }

    #[test]
    fn each_automation_hands_over_each_one_with_only_its_own_rows() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default();
        let at = Utc::now();
        let state = |status: &str| RunState {
            last_status: status.to_owned(),
            last_at: at,
            last_success_at: None,
            down_since: None,
        };
        // Interleaved, as a database may return them; automation 3 has a
        // state but no days, automation 1 days but no state.
        let mut rollups = Rollups {
            days: vec![(2, day(26, 4, 0)), (1, day(27, 1, 1)), (2, day(27, 2, 2))],
            durations: vec![(2, today, 5, 6), (1, today, 3, 1)],
            states: vec![(3, state("failed")), (2, state("succeeded"))],
        };
        let mut seen = Vec::new();
        each_automation(&mut rollups, today, |id, m| seen.push((id, m)));
        let ids: Vec<i64> = seen.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [1, 2, 3]);
        let expected =
            |days: &[DayCounts], durations: &[(NaiveDate, i32, i64)], states: &[RunState]| {
                Metrics::from_rollups(days, durations, states, today)
            };
        assert_eq!(seen[0].1, expected(&[day(27, 1, 1)], &[(today, 3, 1)], &[]));
        assert_eq!(
            seen[1].1,
            expected(
                &[day(26, 4, 0), day(27, 2, 2)],
                &[(today, 5, 6)],
                &[state("succeeded")]
            )
        );
        assert_eq!(seen[2].1, expected(&[], &[], &[state("failed")]));
        assert_eq!(seen[1].1.rate(7), Some(75.0));
    }
}

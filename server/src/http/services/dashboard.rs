//! The server's side of the leaders' dashboard: every state counted, what
//! needs attention first, open incidents, the catalog's gaps and the top
//! leverage candidates, from the rollups and the catalog (never raw runs),
//! narrowed to a team, a tier or an owner when asked.
//!
//! What no filter changes (the catalog, every state, a month of runs per
//! automation, the leverage ranking) is built once into a [`Basis`] and
//! kept until something changes: a new audit entry (every change to the
//! catalog, pauses included) or a new run in the database, a change
//! announced by the store (runs finished or flagged, incidents, on any
//! instance), a new day, or half a minute. Each request then only narrows
//! it and reads the open incidents and names.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use app::model::catalog::Orchestration;
use app::model::health::{CHART_DAYS, DayCounts, HealthState};
use app::model::incidents::Concerned;
use app::model::inventory::{Automation, InventoryFilter};
use app::model::leverage::{LeverageReport, Ranked};
use app::model::runbooks::Freshness;
use app::services::{
    Attention, Dashboard, DashboardFilter, DashboardReviews, RunbookGap, ServiceError, ThisWeek,
    WeekFigure,
};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use tokio::sync::broadcast;

use super::{Catalog, unavailable};
use crate::health::{RECENT_DAYS, States};
use crate::store::{Change, RollupParts, RollupScope, Store, StoreResult};

/// The longest a basis is used without looking again.
const MAX_AGE: TimeDelta = TimeDelta::seconds(30);

/// Runs per day over the chart's days, per automation: succeeded, failed,
/// missed (compact: 10,000 automations take some 4 MB).
struct Month {
    first: NaiveDate,
    counts: HashMap<i64, Vec<[u32; 3]>>,
}

impl Month {
    fn of(days: &[(i64, DayCounts)], first: NaiveDate) -> Self {
        let mut counts: HashMap<i64, Vec<[u32; 3]>> = HashMap::new();
        for (a, d) in days {
            let Ok(i) = usize::try_from((d.day - first).num_days()) else {
                continue;
            };
            if i >= CHART_DAYS as usize {
                continue;
            }
            let row = counts
                .entry(*a)
                .or_insert_with(|| vec![[0; 3]; CHART_DAYS as usize]);
            let n = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
            row[i][0] += n(d.succeeded);
            row[i][1] += n(d.failed);
            row[i][2] += n(d.missed);
        }
        Self { first, counts }
    }

    /// The days of these automations summed, oldest first.
    fn chart<'a>(&self, automations: impl Iterator<Item = &'a i64>) -> Vec<DayCounts> {
        let mut sum = vec![[0_i64; 3]; CHART_DAYS as usize];
        for row in automations.filter_map(|a| self.counts.get(a)) {
            for (total, day) in sum.iter_mut().zip(row) {
                for k in 0..3 {
                    total[k] += i64::from(day[k]);
                }
            }
        }
        sum.into_iter()
            .enumerate()
            .map(|(i, [succeeded, failed, missed])| DayCounts {
                day: self.first + TimeDelta::days(i as i64),
                succeeded,
                failed,
                missed,
                ..DayCounts::default()
            })
            .collect()
    }
}

/// What the dashboard shows before any filter.
pub struct Basis {
    built_at: DateTime<Utc>,
    mark: (i64, i64),
    orchestrations: Vec<Orchestration>,
    automations: Vec<Automation>,
    states: States,
    last_success: HashMap<i64, DateTime<Utc>>,
    /// Each orchestration's automations.
    members: HashMap<i64, Vec<i64>>,
    month: Month,
    /// The chart of every automation: what an unfiltered dashboard draws.
    all_days: Vec<DayCounts>,
    leverage: LeverageReport,
    /// Each orchestration's runbook standing (absent: none written).
    runbooks: crate::leverage::Runbooks,
    /// Every orchestration under review, with its cadence and last review.
    review_subjects: Vec<app::model::reviews::Subject>,
}

impl Basis {
    async fn build(
        store: &dyn Store,
        now: DateTime<Utc>,
        mark: (i64, i64),
        stale_days: u32,
    ) -> StoreResult<Self> {
        let orchestrations = store.orchestrations().await?;
        let automations = store
            .automations(&InventoryFilter::default(), u32::MAX, 0)
            .await?;
        // One read of the recent rollups for the states (which need the
        // last week), the chart and the leverage.
        let first = now.date_naive() - TimeDelta::days(CHART_DAYS.max(RECENT_DAYS) - 1);
        let mut recent = store
            .rollups(RollupScope::All, first, RollupParts::Counts)
            .await?;
        let states = crate::health::states_from_rollups(
            store,
            &orchestrations,
            &automations,
            &mut recent,
            now,
        )
        .await?;
        let mut observed = crate::leverage::observed_in(&mut recent, now.date_naive());
        crate::leverage::mark_scheduled(&mut observed, &store.watched().await?);
        let month = Month::of(
            &recent.days,
            now.date_naive() - TimeDelta::days(CHART_DAYS - 1),
        );
        drop(recent);
        let all_days = month.chart(automations.iter().map(|a| &a.id));
        let runbooks = crate::runbooks::freshness(store, stale_days, now).await?;
        let leverage =
            crate::leverage::report_of(store, &orchestrations, &automations, &observed, &runbooks)
                .await?;
        let mut members: HashMap<i64, Vec<i64>> = HashMap::new();
        for (a, o) in &states.orchestration_of {
            members.entry(*o).or_default().push(*a);
        }
        Ok(Self {
            built_at: now,
            mark,
            last_success: states.last_success_by_orchestration(),
            month,
            all_days,
            leverage,
            runbooks,
            review_subjects: crate::reviews::subjects_of(store, &orchestrations).await?,
            orchestrations,
            automations,
            states,
            members,
        })
    }

    fn fresh(&self, now: DateTime<Utc>, mark: (i64, i64)) -> bool {
        self.mark == mark
            && now >= self.built_at
            && now - self.built_at < MAX_AGE
            && now.date_naive() == self.built_at.date_naive()
    }
}

/// The basis, kept between requests.
pub struct DashboardCache {
    /// Days a runbook's verification holds.
    stale_days: u32,
    basis: tokio::sync::Mutex<Option<Arc<Basis>>>,
    changes: std::sync::Mutex<broadcast::Receiver<Change>>,
}

impl DashboardCache {
    pub fn new(store: &dyn Store, stale_days: u32) -> Self {
        Self {
            stale_days,
            basis: tokio::sync::Mutex::new(None),
            changes: std::sync::Mutex::new(store.subscribe()),
        }
    }

    /// Whether the store announced anything the dashboard shows since the
    /// last look.
    fn heard_of_changes(&self) -> bool {
        let Ok(mut changes) = self.changes.lock() else {
            return true;
        };
        let mut heard = false;
        loop {
            match changes.try_recv() {
                Ok(change) => heard |= change.is_visible(),
                Err(broadcast::error::TryRecvError::Lagged(_)) => heard = true,
                Err(broadcast::error::TryRecvError::Empty) => return heard,
                Err(broadcast::error::TryRecvError::Closed) => return true,
            }
        }
    }

    /// The basis at `now`: the kept one when nothing changed, else a new
    /// one (one request builds it; the others wait for it).
    async fn basis(&self, store: &dyn Store, now: DateTime<Utc>) -> StoreResult<Arc<Basis>> {
        let mut kept = self.basis.lock().await;
        // Heard before reading the mark: a change announced while the new
        // basis is built is heard next time.
        let heard = self.heard_of_changes();
        let mark = store.change_mark().await?;
        if let Some(basis) = kept.as_ref().filter(|b| !heard && b.fresh(now, mark)) {
            return Ok(basis.clone());
        }
        // The old basis goes first: kept while the new one is built, both
        // would be in memory at once (a request still using it keeps it).
        kept.take();
        let basis = Arc::new(Basis::build(store, now, mark, self.stale_days).await?);
        *kept = Some(basis.clone());
        Ok(basis)
    }
}

/// Open incidents the dashboard lists at most.
const INCIDENTS_SHOWN: usize = 5;

/// Whether an orchestration is within the filter.
fn orchestration_in(filter: &DashboardFilter, o: &Orchestration) -> bool {
    let f = &o.fields;
    filter.team_id.is_none_or(|t| f.team_id == Some(t))
        && filter.tier.is_none_or(|t| f.tier == t)
        && filter.owner_id.is_none_or(|p| f.owner_id == Some(p))
}

/// Whether an automation is within the filter: its orchestration is, or
/// (without a tier, which only orchestrations have) its own team and owner
/// are.
fn automation_in(filter: &DashboardFilter, a: &Automation, orchestrations: &HashSet<i64>) -> bool {
    if filter.is_empty() {
        return true;
    }
    if a.fields
        .orchestration_id
        .is_some_and(|o| orchestrations.contains(&o))
    {
        return true;
    }
    filter.tier.is_none()
        && filter.team_id.is_none_or(|t| a.fields.team_id == Some(t))
        && filter.owner_id.is_none_or(|p| a.fields.owner_id == Some(p))
}

fn by_state<'a>(states: impl Iterator<Item = &'a HealthState>) -> Vec<(HealthState, u64)> {
    let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
    for s in states {
        *counts.entry(s.as_str()).or_default() += 1;
    }
    HealthState::ALL
        .iter()
        .map(|s| (*s, counts.get(s.as_str()).copied().unwrap_or(0)))
        .collect()
}

impl Catalog {
    pub(super) async fn dashboard_of(
        &self,
        filter: DashboardFilter,
    ) -> Result<Dashboard, ServiceError> {
        let now = self.clock.now();
        let store = &*self.store;
        let basis = self
            .dashboard
            .basis(store, now)
            .await
            .map_err(unavailable)?;
        let people: HashMap<i64, String> = store
            .user_names()
            .await
            .map_err(unavailable)?
            .into_iter()
            .collect();
        let team_names = store.teams().await.map_err(unavailable)?;
        let (orchestrations, automations, states) =
            (&basis.orchestrations, &basis.automations, &basis.states);
        let live: Vec<&Orchestration> = orchestrations
            .iter()
            .filter(|o| !states.retired.contains(&o.id) && orchestration_in(&filter, o))
            .collect();
        let chosen_o: HashSet<i64> = live.iter().map(|o| o.id).collect();
        let chosen: Vec<&Automation> = automations
            .iter()
            .filter(|a| automation_in(&filter, a, &chosen_o))
            .collect();
        let chosen_a: HashSet<i64> = chosen.iter().map(|a| a.id).collect();

        // Orchestrations and loose automations in trouble: worst first,
        // then the longest without a success, then by name; only the ones
        // shown get their sparkline.
        let last_success = &basis.last_success;
        let in_trouble = |state: &HealthState| {
            matches!(
                state,
                HealthState::Failing | HealthState::Silent | HealthState::Degraded
            )
        };
        enum What<'a> {
            Orchestration(&'a Orchestration),
            Loose(&'a Automation),
        }
        struct Urgent<'a> {
            what: What<'a>,
            state: HealthState,
            why: &'a String,
            last_success: Option<DateTime<Utc>>,
            name: String,
        }
        let mut urgent: Vec<Urgent> = live
            .iter()
            .filter_map(|o| {
                let (state, why) = states.orchestrations.get(&o.id)?;
                in_trouble(state).then(|| Urgent {
                    what: What::Orchestration(o),
                    state: *state,
                    why,
                    last_success: last_success.get(&o.id).copied(),
                    name: o.fields.name.to_lowercase(),
                })
            })
            .chain(chosen.iter().filter(|a| a.is_loose()).filter_map(|a| {
                let (state, why) = states.automations.get(&a.id)?;
                in_trouble(state).then(|| Urgent {
                    what: What::Loose(a),
                    state: *state,
                    why,
                    last_success: states.last_success.get(&a.id).copied(),
                    name: a.fields.name.to_lowercase(),
                })
            }))
            .collect();
        urgent.sort_by(|a, b| {
            (
                std::cmp::Reverse(a.state.severity()),
                a.last_success,
                &a.name,
            )
                .cmp(&(
                    std::cmp::Reverse(b.state.severity()),
                    b.last_success,
                    &b.name,
                ))
        });
        let attention_count = urgent.len() as u64;
        urgent.truncate(app::services::ATTENTION_SHOWN);
        let no_members = Vec::new();
        let by_id: HashMap<i64, &Automation> = automations.iter().map(|a| (a.id, a)).collect();
        let attention: Vec<Attention> = urgent
            .into_iter()
            .map(|u| (u.what, u.state, u.why, u.last_success))
            .map(|(what, state, why, last_success_at)| match what {
                What::Orchestration(o) => {
                    let members = basis.members.get(&o.id).unwrap_or(&no_members);
                    let mut troubled: Vec<(i64, String, HealthState)> = members
                        .iter()
                        .filter_map(|id| {
                            let (state, _) = states.automations.get(id)?;
                            let a = by_id.get(id)?;
                            in_trouble(state).then(|| (*id, a.fields.name.clone(), *state))
                        })
                        .collect();
                    troubled.sort_by_key(|(_, name, state)| {
                        (std::cmp::Reverse(state.severity()), name.to_lowercase())
                    });
                    Attention {
                        slug: o.fields.slug.clone(),
                        automation_id: None,
                        name: o.fields.name.clone(),
                        state,
                        why: why.clone(),
                        owner: o.fields.owner_id.and_then(|id| people.get(&id).cloned()),
                        last_success_at,
                        per_day: basis.month.chart(members.iter()),
                        troubled,
                    }
                }
                What::Loose(a) => Attention {
                    slug: String::new(),
                    automation_id: Some(a.id),
                    name: a.fields.name.clone(),
                    state,
                    why: why.clone(),
                    owner: a.fields.owner_id.and_then(|id| people.get(&id).cloned()),
                    last_success_at,
                    per_day: basis.month.chart(std::iter::once(&a.id)),
                    troubled: Vec::new(),
                },
            })
            .collect();

        let mut open_incidents: Vec<_> = store
            .open_incidents()
            .await
            .map_err(unavailable)?
            .into_iter()
            .filter(|i| chosen_a.contains(&i.automation_id))
            .collect();
        open_incidents.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then(b.id.cmp(&a.id)));
        let open_incident_count = open_incidents.len() as u64;
        open_incidents.truncate(INCIDENTS_SHOWN);

        let report = &basis.leverage;
        let top_three = if filter.is_empty() {
            report.top_three.clone()
        } else {
            let loose: HashSet<i64> = chosen
                .iter()
                .filter(|a| a.is_loose())
                .map(|a| a.id)
                .collect();
            let mut candidates: Vec<Ranked> = report
                .orchestrations
                .iter()
                .filter(|r| chosen_o.contains(&r.endpoint.node.id))
                .chain(
                    report
                        .automations
                        .iter()
                        .filter(|r| loose.contains(&r.endpoint.node.id)),
                )
                .filter(|r| r.leverage.score > 0.0)
                .cloned()
                .collect();
            candidates.sort_by(|a, b| b.leverage.score.total_cmp(&a.leverage.score));
            candidates.truncate(3);
            candidates
        };

        let pair = |o: &&Orchestration| (o.fields.slug.clone(), o.fields.name.clone());
        let channels = store.channels().await.map_err(unavailable)?;
        let unalerted_orchestrations = live
            .iter()
            .filter(|o| {
                let members: Vec<&Automation> = basis
                    .members
                    .get(&o.id)
                    .into_iter()
                    .flatten()
                    .filter_map(|id| by_id.get(id).copied())
                    .collect();
                if members.is_empty() {
                    Concerned::of_orchestration(o).reach_nobody(&channels)
                } else {
                    members
                        .iter()
                        .any(|a| Concerned::of(a, Some(o)).reach_nobody(&channels))
                }
            })
            .map(pair)
            .collect();
        let mut runbook_gaps: Vec<RunbookGap> = live
            .iter()
            .filter_map(|o| {
                let freshness = crate::leverage::freshness(&basis.runbooks, o.id);
                (!freshness.is_reliable()).then(|| RunbookGap {
                    slug: o.fields.slug.clone(),
                    name: o.fields.name.clone(),
                    tier: o.fields.tier,
                    freshness,
                })
            })
            .collect();
        // Stale ones first (they were relied on), then by tier and name.
        runbook_gaps.sort_by_cached_key(|g| {
            let rank = match g.freshness {
                Freshness::Stale => 0,
                Freshness::Unverified => 1,
                _ => 2,
            };
            (rank, g.tier, g.name.to_lowercase())
        });
        let runbook_gap_count = runbook_gaps.len() as u64;
        runbook_gaps.truncate(app::services::ATTENTION_SHOWN);
        let mut owners: Vec<(i64, String)> = orchestrations
            .iter()
            .filter_map(|o| o.fields.owner_id)
            .chain(automations.iter().filter_map(|a| a.fields.owner_id))
            .collect::<HashSet<i64>>()
            .into_iter()
            .filter_map(|id| people.get(&id).map(|n| (id, n.clone())))
            .collect();
        owners.sort_by_cached_key(|o| o.1.to_lowercase());
        let reviews = self
            .dashboard_reviews(&basis.review_subjects, &live)
            .await?;
        let this_week = self.this_week(&chosen_o, &chosen_a).await?;
        let mut teams: Vec<(i64, String)> =
            team_names.into_iter().map(|t| (t.id, t.name)).collect();
        teams.sort_by_cached_key(|t| t.1.to_lowercase());
        Ok(Dashboard {
            as_of: basis.built_at,
            per_day: if filter.is_empty() {
                basis.all_days.clone()
            } else {
                basis.month.chart(chosen_a.iter())
            },
            orchestrations_by_state: by_state(
                live.iter()
                    .filter_map(|o| states.orchestrations.get(&o.id).map(|(s, _)| s)),
            ),
            automations_by_state: by_state(
                chosen
                    .iter()
                    .filter_map(|a| states.automations.get(&a.id).map(|(s, _)| s)),
            ),
            attention,
            attention_count,
            open_incidents,
            open_incident_count,
            unowned_automations: chosen
                .iter()
                .filter(|a| a.fields.owner_id.is_none())
                .count() as u64,
            loose_automations: chosen.iter().filter(|a| a.is_loose()).count() as u64,
            automations_without_failure_mode: chosen
                .iter()
                .filter(|a| a.lacks_failure_mode())
                .count() as u64,
            unowned_orchestrations: live
                .iter()
                .filter(|o| o.fields.owner_id.is_none())
                .map(pair)
                .collect(),
            orchestrations_without_failure_mode: live
                .iter()
                .filter(|o| o.lacks_failure_mode())
                .map(pair)
                .collect(),
            unalerted_orchestrations,
            top_three,
            runbook_gaps,
            runbook_gap_count,
            reviews,
            this_week,
            filter,
            teams,
            owners,
        })
    }

    /// What changed over the last 7 days and the 7 before, for the
    /// orchestrations and automations shown: incidents opened and resolved
    /// (with their mean time to recover), reviews signed off, runbooks
    /// verified.
    async fn this_week(
        &self,
        orchestrations: &HashSet<i64>,
        automations: &HashSet<i64>,
    ) -> Result<ThisWeek, ServiceError> {
        let now = self.clock.now();
        let week_ago = now - TimeDelta::days(7);
        let fortnight_ago = now - TimeDelta::days(14);
        // 0 this week, 1 the week before, None earlier.
        let week_of = |at: DateTime<Utc>| {
            if at > week_ago {
                Some(0)
            } else if at > fortnight_ago {
                Some(1)
            } else {
                None
            }
        };
        let store = &*self.store;
        let mut opened = [0_u64; 2];
        let mut resolved = [0_u64; 2];
        let mut recovery_ms = [0_i64; 2];
        for i in store
            .incidents_since(fortnight_ago)
            .await
            .map_err(unavailable)?
            .iter()
            .filter(|i| automations.contains(&i.automation_id))
        {
            if let Some(w) = week_of(i.opened_at) {
                opened[w] += 1;
            }
            if let Some(end) = i.resolved_at
                && let Some(w) = week_of(end)
            {
                resolved[w] += 1;
                recovery_ms[w] += (end - i.opened_at).num_milliseconds().max(0);
            }
        }
        let mut signed = [0_u64; 2];
        for r in store
            .signed_reviews(fortnight_ago.date_naive(), now.date_naive())
            .await
            .map_err(unavailable)?
            .iter()
            .filter(|r| orchestrations.contains(&r.orchestration_id))
        {
            if let Some(w) = r.signed_at.and_then(week_of) {
                signed[w] += 1;
            }
        }
        let mut verified = [0_u64; 2];
        let filter = app::model::audit::AuditFilter {
            action: Some("runbook.verified".to_owned()),
            from: Some(fortnight_ago.date_naive()),
            to: Some(now.date_naive()),
            ..Default::default()
        };
        for entry in store
            .audit_log(&filter, u32::MAX, 0)
            .await
            .map_err(unavailable)?
            .iter()
            .filter(|e| e.subject_id.is_some_and(|id| orchestrations.contains(&id)))
        {
            if let Some(w) = week_of(entry.at) {
                verified[w] += 1;
            }
        }
        let figure = |pair: [u64; 2]| WeekFigure {
            this_week: pair[0],
            last_week: pair[1],
        };
        let mean = |w: usize| {
            (resolved[w] > 0).then(|| recovery_ms[w] / i64::try_from(resolved[w]).unwrap_or(1))
        };
        Ok(ThisWeek {
            new_incidents: figure(opened),
            resolved: figure(resolved),
            time_to_recover_ms: WeekFigure {
                this_week: mean(0),
                last_week: mean(1),
            },
            reviews_signed: figure(signed),
            runbooks_verified: figure(verified),
        })
    }

    /// The current quarter's reviews of the orchestrations shown.
    async fn dashboard_reviews(
        &self,
        subjects: &[app::model::reviews::Subject],
        live: &[&Orchestration],
    ) -> Result<DashboardReviews, ServiceError> {
        use app::model::reviews::{BoardFilter, BoardStatus, ReviewBoard};
        let today = self.clock.now().date_naive();
        let calendar = self.fiscal_calendar;
        let quarter = calendar.quarter_of(today);
        let (starts, ends) = calendar.bounds(quarter);
        let signed = self
            .store
            .signed_reviews(starts, ends)
            .await
            .map_err(unavailable)?;
        let board = ReviewBoard::build(
            calendar,
            quarter,
            today,
            subjects,
            &signed,
            BoardFilter::default(),
        );
        let shown: HashMap<i64, &Orchestration> = live.iter().map(|o| (o.id, *o)).collect();
        let rows: Vec<_> = board
            .rows
            .into_iter()
            .filter(|r| shown.contains_key(&r.orchestration_id))
            .collect();
        let count = |status: BoardStatus| rows.iter().filter(|r| r.status == status).count() as u64;
        let me = self.actor.id;
        let mine = rows
            .iter()
            .filter(|r| !r.status.is_done())
            .filter(|r| {
                shown.get(&r.orchestration_id).is_some_and(|o| {
                    o.fields.owner_id == Some(me) || o.fields.backup_owner_id == Some(me)
                })
            })
            .cloned()
            .collect();
        let mut overdue_rows: Vec<_> = rows
            .iter()
            .filter(|r| r.status == BoardStatus::Overdue)
            .cloned()
            .collect();
        overdue_rows.truncate(app::services::ATTENTION_SHOWN);
        Ok(DashboardReviews {
            quarter: Some(quarter),
            overdue: count(BoardStatus::Overdue),
            due: count(BoardStatus::Due),
            done: count(BoardStatus::Done) + count(BoardStatus::DoneLate),
            mine,
            overdue_rows,
        })
    }
}

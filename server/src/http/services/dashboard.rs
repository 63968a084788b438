//! The server's side of the leaders' dashboard: every state counted, what
//! needs attention first, open incidents, the catalog's gaps and the top
//! leverage candidates, from the rollups and the catalog (never raw runs),
//! narrowed to a team, a tier or an owner when asked.

use std::collections::{BTreeMap, HashMap, HashSet};

use app::model::catalog::Orchestration;
use app::model::health::{CHART_DAYS, DayCounts, HealthState, Metrics};
use app::model::inventory::{Automation, InventoryFilter};
use app::model::leverage::Ranked;
use app::services::{Attention, Dashboard, DashboardFilter, ServiceError};

use super::{Catalog, unavailable};
use crate::store::{RollupParts, RollupScope};

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
        let today = now.date_naive();
        let store = &*self.store;
        let names = self.names().await.map_err(unavailable)?;
        let orchestrations = store.orchestrations().await.map_err(unavailable)?;
        let automations = store
            .automations(&InventoryFilter::default(), u32::MAX, 0)
            .await
            .map_err(unavailable)?;
        let states = crate::health::states_of_catalog(store, &orchestrations, &automations, now)
            .await
            .map_err(unavailable)?;
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

        // Runs per day over 30 days: in all, and per orchestration.
        let month = store
            .rollups(
                RollupScope::All,
                today - chrono::TimeDelta::days(CHART_DAYS - 1),
                RollupParts::Counts,
            )
            .await
            .map_err(unavailable)?;
        let mut days_of: HashMap<i64, Vec<DayCounts>> = HashMap::new();
        let mut all_days = Vec::new();
        for (a, d) in month.days.iter().filter(|(a, _)| chosen_a.contains(a)) {
            all_days.push(*d);
            if let Some(o) = states.orchestration_of.get(a) {
                days_of.entry(*o).or_default().push(*d);
            }
        }
        let chart = |days: &[DayCounts]| Metrics::from_rollups(days, &[], &[], today).per_day;

        let last_success = states.last_success_by_orchestration();
        let mut attention: Vec<Attention> = live
            .iter()
            .filter_map(|o| {
                let (state, why) = states.orchestrations.get(&o.id)?;
                matches!(
                    state,
                    HealthState::Failing | HealthState::Silent | HealthState::Degraded
                )
                .then(|| Attention {
                    slug: o.fields.slug.clone(),
                    name: o.fields.name.clone(),
                    state: *state,
                    why: why.clone(),
                    owner: o
                        .fields
                        .owner_id
                        .and_then(|id| names.people.get(&id).cloned()),
                    last_success_at: last_success.get(&o.id).copied(),
                    per_day: chart(days_of.get(&o.id).map_or(&[][..], Vec::as_slice)),
                })
            })
            .collect();
        attention.sort_by(|a, b| {
            b.state
                .severity()
                .cmp(&a.state.severity())
                .then_with(|| a.last_success_at.cmp(&b.last_success_at))
                .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
        });

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

        let report = crate::leverage::report(store, now)
            .await
            .map_err(unavailable)?;
        let top_three = if filter.is_empty() {
            report.top_three
        } else {
            let loose: HashSet<i64> = chosen
                .iter()
                .filter(|a| a.is_loose())
                .map(|a| a.id)
                .collect();
            let mut candidates: Vec<Ranked> = report
                .orchestrations
                .into_iter()
                .filter(|r| chosen_o.contains(&r.endpoint.node.id))
                .chain(
                    report
                        .automations
                        .into_iter()
                        .filter(|r| loose.contains(&r.endpoint.node.id)),
                )
                .filter(|r| r.leverage.score > 0.0)
                .collect();
            candidates.sort_by(|a, b| b.leverage.score.total_cmp(&a.leverage.score));
            candidates.truncate(3);
            candidates
        };

        let pair = |o: &&Orchestration| (o.fields.slug.clone(), o.fields.name.clone());
        let mut owners: Vec<(i64, String)> = orchestrations
            .iter()
            .filter_map(|o| o.fields.owner_id)
            .chain(automations.iter().filter_map(|a| a.fields.owner_id))
            .collect::<HashSet<i64>>()
            .into_iter()
            .filter_map(|id| names.people.get(&id).map(|n| (id, n.clone())))
            .collect();
        owners.sort_by_key(|o| o.1.to_lowercase());
        let mut teams: Vec<(i64, String)> =
            names.teams.iter().map(|(id, n)| (*id, n.clone())).collect();
        teams.sort_by_key(|t| t.1.to_lowercase());
        Ok(Dashboard {
            as_of: now,
            per_day: chart(&all_days),
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
            top_three,
            filter,
            teams,
            owners,
        })
    }
}

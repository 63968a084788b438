//! The server's side of the leaders' dashboard: every state counted, what
//! needs attention first, open incidents, the catalog's gaps and the top
//! leverage candidates, from the rollups and the catalog (never raw runs).

use std::collections::HashMap;

use app::model::health::{CHART_DAYS, DayCounts, HealthState, Metrics};
use app::model::inventory::InventoryFilter;
use app::services::{Attention, Dashboard, ServiceError};

use super::{Catalog, unavailable};
use crate::store::{IncidentFilter, RollupParts, RollupScope};

/// Open incidents the dashboard lists at most.
const INCIDENTS_SHOWN: u32 = 5;

impl Catalog {
    pub(super) async fn dashboard_of(&self) -> Result<Dashboard, ServiceError> {
        let now = self.clock.now();
        let store = &*self.store;
        let states = crate::health::states(store, now)
            .await
            .map_err(unavailable)?;
        let counts = states.counts();
        let by_state = |map: &std::collections::BTreeMap<&'static str, u64>| {
            HealthState::ALL
                .iter()
                .map(|s| (*s, map.get(s.as_str()).copied().unwrap_or(0)))
                .collect()
        };
        let names = self.names().await.map_err(unavailable)?;
        // Runs per day over 30 days: in all, and per orchestration.
        let today = now.date_naive();
        let month = store
            .rollups(
                RollupScope::All,
                today - chrono::TimeDelta::days(CHART_DAYS - 1),
                RollupParts::Counts,
            )
            .await
            .map_err(unavailable)?;
        let mut days_of: HashMap<i64, Vec<DayCounts>> = HashMap::new();
        for (a, d) in &month.days {
            if let Some(o) = states.orchestration_of.get(a) {
                days_of.entry(*o).or_default().push(*d);
            }
        }
        let chart = |days: &[DayCounts]| Metrics::from_rollups(days, &[], &[], today).per_day;
        let all_days: Vec<DayCounts> = month.days.iter().map(|(_, d)| *d).collect();
        let orchestrations = store.orchestrations().await.map_err(unavailable)?;
        let last_success = states.last_success_by_orchestration();
        let live: Vec<_> = orchestrations
            .iter()
            .filter(|o| !states.retired.contains(&o.id))
            .collect();
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
        let (open_incidents, open_incident_count) = store
            .incidents(
                &IncidentFilter {
                    open: Some(true),
                    ..IncidentFilter::default()
                },
                INCIDENTS_SHOWN,
                0,
            )
            .await
            .map_err(unavailable)?;
        let count = |filter: InventoryFilter| async move {
            store.count_automations(&filter).await.map_err(unavailable)
        };
        let pair = |o: &&app::model::catalog::Orchestration| {
            (o.fields.slug.clone(), o.fields.name.clone())
        };
        let report = crate::leverage::report(store, now)
            .await
            .map_err(unavailable)?;
        Ok(Dashboard {
            as_of: now,
            per_day: chart(&all_days),
            orchestrations_by_state: by_state(&counts.orchestrations),
            automations_by_state: by_state(&counts.automations),
            attention,
            open_incidents,
            open_incident_count,
            unowned_automations: count(InventoryFilter {
                unowned: true,
                ..InventoryFilter::default()
            })
            .await?,
            loose_automations: count(InventoryFilter {
                loose: true,
                ..InventoryFilter::default()
            })
            .await?,
            automations_without_failure_mode: count(InventoryFilter {
                no_failure_mode: true,
                ..InventoryFilter::default()
            })
            .await?,
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
            top_three: report.top_three,
        })
    }
}

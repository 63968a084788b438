//! The leverage ranking over the whole catalog (the score itself is
//! documented in [`app::model::leverage`]), and grouping suggestions for
//! loose automations.

use std::collections::{BTreeMap, HashMap, HashSet};

use app::model::catalog::{Lifecycle, Orchestration};
use app::model::dependencies::{Endpoint, NodeKind, NodeRef};
use app::model::health::Metrics;
use app::model::inventory::{Automation, InventoryFilter};
use app::model::leverage::{Gap, Leverage, LeverageInput, LeverageReport, Ranked, Suggestion};
use app::model::runbooks::Freshness;

use crate::store::{RollupScope, Rollups, Store, StoreResult};

/// What runs showed of each automation over the last 30 days: finished
/// runs a week, and the share that failed (or were missed).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Observation {
    pub runs_per_week: Option<f64>,
    pub failure_rate: Option<f64>,
}

/// Observations by automation.
pub type Observed = HashMap<i64, Observation>;

/// What the rollups of `scope` show, by automation.
pub async fn observe(
    store: &dyn Store,
    scope: RollupScope<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<Observed> {
    let mut rollups = crate::health::recent_rollups(store, scope, now).await?;
    Ok(observed_in(&mut rollups, now.date_naive()))
}

/// What `rollups` (of the last [`crate::health::RECENT_DAYS`] at least)
/// show, by automation.
pub fn observed_in(rollups: &mut Rollups, today: chrono::NaiveDate) -> Observed {
    let mut observed = Observed::new();
    crate::health::each_automation(rollups, today, |id, m| {
        observed.insert(id, Observation::of(&m));
    });
    observed
}

impl Observation {
    /// What an automation's figures show (over their last 30 days).
    pub fn of(metrics: &Metrics) -> Self {
        Self {
            runs_per_week: metrics.runs_per_week(),
            failure_rate: metrics.failure_rate(),
        }
    }
}

/// The most grouping suggestions offered at once.
const MAX_SUGGESTIONS: usize = 10;

/// Each orchestration's runbook standing; absent ones have none.
pub type Runbooks = HashMap<i64, Freshness>;

fn orchestration_gaps(o: &Orchestration, runbook: Freshness) -> Vec<Gap> {
    let mut gaps = Vec::new();
    if o.is_unowned() {
        gaps.push(Gap::Owner);
    }
    if o.fields.backup_owner_id.is_none() {
        gaps.push(Gap::BackupOwner);
    }
    match runbook {
        Freshness::Missing => gaps.push(Gap::Runbook),
        Freshness::Unverified | Freshness::Stale => gaps.push(Gap::StaleRunbook),
        Freshness::Verified => {}
    }
    if o.lacks_failure_mode() {
        gaps.push(Gap::FailureMode);
    }
    gaps
}

fn automation_gaps(a: &Automation) -> Vec<Gap> {
    let mut gaps = Vec::new();
    if a.is_unowned() {
        gaps.push(Gap::Owner);
    }
    if a.lacks_failure_mode() {
        gaps.push(Gap::FailureMode);
    }
    gaps
}

/// An automation's leverage; `tier` is its orchestration's, if it has one.
/// Observed runs replace the declared ones once there are any.
pub fn automation_leverage(a: &Automation, tier: Option<i32>, observed: &Observed) -> Leverage {
    let seen = observed.get(&a.id).copied().unwrap_or_default();
    LeverageInput {
        minutes_saved_per_run: a.fields.minutes_saved_per_run,
        declared_runs_per_week: a.fields.runs_per_week,
        observed_runs_per_week: seen.runs_per_week,
        failure_rate: seen.failure_rate,
        tier,
        gaps: automation_gaps(a),
        ..Default::default()
    }
    .score()
}

/// An orchestration's leverage, given its automations. Its failure rate is
/// its automations' together.
pub fn orchestration_leverage<A: std::borrow::Borrow<Automation>>(
    o: &Orchestration,
    members: &[A],
    observed: &Observed,
    runbook: Freshness,
) -> Leverage {
    let parts: f64 = members
        .iter()
        .map(|a| automation_leverage(a.borrow(), None, observed).minutes_per_week)
        .sum();
    let (mut failures, mut counted) = (0.0, 0.0);
    for seen in members.iter().filter_map(|a| observed.get(&a.borrow().id)) {
        if let (Some(rate), Some(runs)) = (seen.failure_rate, seen.runs_per_week) {
            failures += rate * runs;
            counted += runs;
        }
    }
    LeverageInput {
        minutes_saved_per_run: o.fields.minutes_saved_per_run,
        declared_runs_per_week: o.fields.expected_runs_per_week,
        parts_minutes_per_week: Some(parts),
        failure_rate: (counted > 0.0).then(|| failures / counted),
        tier: Some(o.fields.tier),
        gaps: orchestration_gaps(o, runbook),
        ..Default::default()
    }
    .score()
}

pub(crate) fn orchestration_endpoint(o: &Orchestration) -> Endpoint {
    Endpoint {
        node: NodeRef::orchestration(o.id),
        name: o.fields.name.clone(),
        slug: Some(o.fields.slug.clone()),
        tool: None,
    }
}

pub(crate) fn automation_endpoint(a: &Automation) -> Endpoint {
    Endpoint {
        node: NodeRef::automation(a.id),
        name: a.fields.name.clone(),
        slug: None,
        tool: Some(a.fields.tool.as_str().to_owned()),
    }
}

fn ranked(endpoint: Endpoint, leverage: Leverage) -> Ranked {
    Ranked {
        why: leverage.explain(),
        endpoint,
        leverage,
    }
}

/// Highest score first; ties by name, so the order is stable.
fn sort(list: &mut [Ranked]) {
    list.sort_by(|a, b| {
        b.leverage
            .score
            .total_cmp(&a.leverage.score)
            .then_with(|| a.endpoint.name.cmp(&b.endpoint.name))
    });
}

/// Ranks everything in the catalog. Retired orchestrations are left out.
pub fn rank(
    orchestrations: &[Orchestration],
    automations: &[Automation],
    edges: &[(NodeRef, NodeRef)],
    user_names: &HashMap<i64, String>,
    observed: &Observed,
    runbooks: &Runbooks,
) -> LeverageReport {
    let mut members: HashMap<i64, Vec<&Automation>> = HashMap::new();
    for a in automations {
        if let Some(o) = a.fields.orchestration_id {
            members.entry(o).or_default().push(a);
        }
    }
    let tiers: HashMap<i64, i32> = orchestrations
        .iter()
        .map(|o| (o.id, o.fields.tier))
        .collect();
    let mut ranked_orchestrations: Vec<Ranked> = orchestrations
        .iter()
        .filter(|o| o.fields.lifecycle != Lifecycle::Retired)
        .map(|o| {
            let parts = members.get(&o.id).map(Vec::as_slice).unwrap_or_default();
            ranked(
                orchestration_endpoint(o),
                orchestration_leverage(o, parts, observed, freshness(runbooks, o.id)),
            )
        })
        .collect();
    let mut ranked_automations: Vec<Ranked> = automations
        .iter()
        .map(|a| {
            let tier = a
                .fields
                .orchestration_id
                .and_then(|o| tiers.get(&o).copied());
            ranked(
                automation_endpoint(a),
                automation_leverage(a, tier, observed),
            )
        })
        .collect();
    sort(&mut ranked_orchestrations);
    sort(&mut ranked_automations);
    let loose: HashSet<i64> = automations
        .iter()
        .filter(|a| a.is_loose())
        .map(|a| a.id)
        .collect();
    let mut candidates: Vec<Ranked> = ranked_orchestrations
        .iter()
        .chain(
            ranked_automations
                .iter()
                .filter(|r| loose.contains(&r.endpoint.node.id)),
        )
        .filter(|r| r.leverage.score > 0.0)
        .cloned()
        .collect();
    sort(&mut candidates);
    candidates.truncate(3);
    let scores: HashMap<i64, f64> = ranked_automations
        .iter()
        .map(|r| (r.endpoint.node.id, r.leverage.score))
        .collect();
    let loose_automations: Vec<&Automation> = automations.iter().filter(|a| a.is_loose()).collect();
    LeverageReport {
        top_three: candidates,
        orchestrations: ranked_orchestrations,
        automations: ranked_automations,
        suggestions: suggest_groups(&loose_automations, edges, user_names, &scores),
    }
}

/// Loose automations that share a dependency chain, then an owner, then a
/// tool: each group of two or more is a candidate orchestration. An
/// automation is suggested in one group only, the first it fits.
fn suggest_groups(
    loose: &[&Automation],
    edges: &[(NodeRef, NodeRef)],
    user_names: &HashMap<i64, String>,
    scores: &HashMap<i64, f64>,
) -> Vec<Suggestion> {
    let by_id: BTreeMap<i64, &Automation> = loose.iter().map(|a| (a.id, *a)).collect();
    let mut placed: HashSet<i64> = HashSet::new();
    let mut suggestions = Vec::new();

    // Chains: connected components of the edges between loose automations.
    let mut neighbours: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (up, down) in edges {
        if up.kind == NodeKind::Automation
            && down.kind == NodeKind::Automation
            && by_id.contains_key(&up.id)
            && by_id.contains_key(&down.id)
        {
            neighbours.entry(up.id).or_default().push(down.id);
            neighbours.entry(down.id).or_default().push(up.id);
        }
    }
    for &start in neighbours.keys() {
        if placed.contains(&start) {
            continue;
        }
        let mut component = vec![start];
        placed.insert(start);
        let mut at = 0;
        while at < component.len() {
            for &next in &neighbours[&component[at]] {
                if placed.insert(next) {
                    component.push(next);
                }
            }
            at += 1;
        }
        suggestions.push(("linked by dependencies".to_owned(), component));
    }

    type Key<'a> = Box<dyn Fn(&Automation) -> Option<String> + 'a>;
    let groupings: [Key; 2] = [
        Box::new(|a: &Automation| {
            a.fields.owner_id.map(|o| match user_names.get(&o) {
                Some(name) => format!("all owned by {name}"),
                None => format!("all owned by user {o}"),
            })
        }),
        Box::new(|a: &Automation| Some(format!("all in {}", a.fields.tool.label()))),
    ];
    for key in groupings {
        let mut groups: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for a in by_id.values().filter(|a| !placed.contains(&a.id)) {
            if let Some(reason) = key(a) {
                groups.entry(reason).or_default().push(a.id);
            }
        }
        for (reason, ids) in groups {
            if ids.len() >= 2 {
                placed.extend(&ids);
                suggestions.push((reason, ids));
            }
        }
    }

    let mut suggestions: Vec<Suggestion> = suggestions
        .into_iter()
        .map(|(reason, ids)| {
            let score = ids.iter().filter_map(|id| scores.get(id)).sum::<f64>();
            Suggestion {
                reason,
                automations: ids
                    .iter()
                    .filter_map(|id| by_id.get(id))
                    .map(|a| automation_endpoint(a))
                    .collect(),
                score: (score * 10.0).round() / 10.0,
            }
        })
        .collect();
    suggestions.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| b.automations.len().cmp(&a.automations.len()))
    });
    suggestions.truncate(MAX_SUGGESTIONS);
    suggestions
}

/// The whole catalog, ranked, with what runs showed until `now`.
pub async fn report(
    store: &dyn Store,
    now: chrono::DateTime<chrono::Utc>,
    runbook_stale_days: u32,
) -> StoreResult<LeverageReport> {
    let orchestrations = store.orchestrations().await?;
    let automations = store
        .automations(&InventoryFilter::default(), u32::MAX, 0)
        .await?;
    let observed = observe(store, RollupScope::All, now).await?;
    let runbooks = crate::runbooks::freshness(store, runbook_stale_days, now).await?;
    report_of(store, &orchestrations, &automations, &observed, &runbooks).await
}

/// [`report`] of a catalog the caller has already read (every
/// orchestration and every automation), with what runs showed and the
/// runbooks' standing.
pub async fn report_of(
    store: &dyn Store,
    orchestrations: &[Orchestration],
    automations: &[Automation],
    observed: &Observed,
    runbooks: &Runbooks,
) -> StoreResult<LeverageReport> {
    let edges: Vec<(NodeRef, NodeRef)> = store
        .dependencies()
        .await?
        .into_iter()
        .map(|d| (d.upstream.node, d.downstream.node))
        .collect();
    let names: HashMap<i64, String> = store.user_names().await?.into_iter().collect();
    Ok(rank(
        orchestrations,
        automations,
        &edges,
        &names,
        observed,
        runbooks,
    ))
}

/// One orchestration's leverage with its parts, given its automations and
/// what their runs showed ([`observe`] with its scope).
pub fn for_orchestration(
    o: &Orchestration,
    members: &[Automation],
    observed: &Observed,
    runbook: Freshness,
) -> Ranked {
    ranked(
        orchestration_endpoint(o),
        orchestration_leverage(o, members, observed, runbook),
    )
}

/// The standing of orchestration `id`'s runbook in `runbooks`.
pub fn freshness(runbooks: &Runbooks, id: i64) -> Freshness {
    runbooks.get(&id).copied().unwrap_or(Freshness::Missing)
}

/// One automation's leverage with its parts.
pub async fn for_automation(
    store: &dyn Store,
    a: &Automation,
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<Ranked> {
    let tier = match a.fields.orchestration_id {
        Some(id) => Some(store.orchestration(id).await?.fields.tier),
        None => None,
    };
    let observed = observe(store, RollupScope::Automation(a.id), now).await?;
    Ok(ranked(
        automation_endpoint(a),
        automation_leverage(a, tier, &observed),
    ))
}

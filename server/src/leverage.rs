//! The leverage ranking over the whole catalog (the score itself is
//! documented in [`app::model::leverage`]), and grouping suggestions for
//! loose automations.

use std::collections::{BTreeMap, HashMap, HashSet};

use app::model::catalog::{Lifecycle, Orchestration};
use app::model::dependencies::{Endpoint, NodeKind, NodeRef};
use app::model::health::Metrics;
use app::model::inventory::{Automation, InventoryFilter};
use app::model::leverage::{
    Gap, Leverage, LeverageInput, LeverageReport, Ranked, ShortObservation, Suggestion,
};
use app::model::runbooks::Freshness;

use crate::store::{RollupScope, Rollups, Store, StoreResult};

/// What runs showed of each automation over the last 30 days: finished
/// runs a week, the share that failed or were missed (and of those, the
/// missed), how much was seen and over how long; and whether it has an
/// expected schedule.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Observation {
    pub runs_per_week: Option<f64>,
    pub failure_rate: Option<f64>,
    pub missed_rate: Option<f64>,
    /// Finished runs (succeeded or failed).
    pub runs_seen: i64,
    /// Days from the first with a run (missed ones included) to today.
    pub days_seen: i64,
    pub scheduled: bool,
}

/// Observed runs stand for a week's once they span this many days…
pub const ENOUGH_DAYS: i64 = 14;
/// …or number this many.
pub const ENOUGH_RUNS: i64 = 20;

/// Observations by automation.
pub type Observed = HashMap<i64, Observation>;

/// What the rollups of `scope` show, by automation.
pub async fn observe(
    store: &dyn Store,
    scope: RollupScope<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<Observed> {
    let mut rollups = crate::health::recent_rollups(store, scope, now).await?;
    let mut observed = observed_in(&mut rollups, now.date_naive());
    mark_scheduled(&mut observed, &store.watched().await?);
    Ok(observed)
}

/// Marks the automations that have an expected schedule (`watched`).
pub fn mark_scheduled(observed: &mut Observed, watched: &[crate::store::Watched]) {
    for w in watched {
        observed.entry(w.automation_id).or_default().scheduled = true;
    }
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
        let month = metrics.rates.iter().find(|r| r.days == 30);
        let counted = month.map_or(0, |r| r.succeeded + r.failed + r.missed);
        let first = metrics
            .per_day
            .iter()
            .position(|d| d.succeeded + d.failed + d.missed + d.other > 0);
        Self {
            runs_per_week: metrics.runs_per_week(),
            failure_rate: metrics.failure_rate(),
            missed_rate: month
                .filter(|_| counted > 0)
                .map(|r| r.missed as f64 / counted as f64),
            runs_seen: month.map_or(0, |r| r.succeeded + r.failed),
            days_seen: first.map_or(0, |i| (metrics.per_day.len() - i) as i64),
            scheduled: false,
        }
    }

    /// Whether enough was observed for its runs a week to replace a
    /// declared figure.
    pub fn is_enough(&self) -> bool {
        self.days_seen >= ENOUGH_DAYS || self.runs_seen >= ENOUGH_RUNS
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

fn automation_gaps(a: &Automation, seen: &Observation) -> Vec<Gap> {
    let mut gaps = Vec::new();
    if a.is_unowned() {
        gaps.push(Gap::Owner);
    }
    if a.lacks_failure_mode() {
        gaps.push(Gap::FailureMode);
    }
    if seen.runs_seen == 0 {
        gaps.push(Gap::NoRunSeen);
    }
    if !seen.scheduled {
        gaps.push(Gap::NoSchedule);
    }
    if a.is_loose() {
        gaps.push(Gap::Loose);
    }
    gaps
}

/// An automation's leverage; `tier` is its orchestration's, if it has one.
/// Observed runs replace the declared ones once enough has been observed
/// ([`Observation::is_enough`]), or when none were declared.
pub fn automation_leverage(a: &Automation, tier: Option<i32>, observed: &Observed) -> Leverage {
    let seen = observed.get(&a.id).copied().unwrap_or_default();
    let declared = a.fields.runs_per_week;
    let usable = seen
        .runs_per_week
        .filter(|_| seen.is_enough() || declared.is_none());
    let short = (seen.runs_per_week.is_some() && !seen.is_enough()).then_some(ShortObservation {
        runs: seen.runs_seen,
        days: seen.days_seen,
    });
    LeverageInput {
        minutes_saved_per_run: a.fields.minutes_saved_per_run,
        declared_runs_per_week: declared,
        observed_runs_per_week: usable,
        failure_rate: seen.failure_rate,
        missed_rate: seen.missed_rate,
        observed_short: short,
        tier,
        gaps: automation_gaps(a, &seen),
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
    let (mut failures, mut misses, mut counted) = (0.0, 0.0, 0.0);
    let mut any_seen = false;
    for seen in members.iter().filter_map(|a| observed.get(&a.borrow().id)) {
        any_seen |= seen.runs_seen > 0;
        if let (Some(rate), Some(runs)) = (seen.failure_rate, seen.runs_per_week) {
            failures += rate * runs;
            misses += seen.missed_rate.unwrap_or(0.0) * runs;
            counted += runs;
        }
    }
    let mut gaps = orchestration_gaps(o, runbook);
    if !any_seen {
        gaps.push(Gap::NoRunSeen);
    }
    LeverageInput {
        minutes_saved_per_run: o.fields.minutes_saved_per_run,
        declared_runs_per_week: o.fields.expected_runs_per_week,
        parts_minutes_per_week: Some(parts),
        failure_rate: (counted > 0.0).then(|| failures / counted),
        missed_rate: (counted > 0.0).then(|| misses / counted),
        tier: Some(o.fields.tier),
        gaps,
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
    schedules: &HashMap<i64, String>,
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
        suggestions: suggest_groups(&loose_automations, edges, user_names, schedules, &scores),
    }
}

/// Loose automations that share something in use: a dependency chain,
/// then a repository, then the first word of their names, then an
/// expected schedule, then a tool and an owner together (an owner alone
/// says nothing of a flow). Each group of two or more is a candidate
/// orchestration, with why. An automation is suggested in one group only,
/// the first it fits.
fn suggest_groups(
    loose: &[&Automation],
    edges: &[(NodeRef, NodeRef)],
    user_names: &HashMap<i64, String>,
    schedules: &HashMap<i64, String>,
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
    let groupings: [Key; 4] = [
        Box::new(|a: &Automation| {
            repository(a).map(|repo| format!("all run from the repository {repo}"))
        }),
        Box::new(|a: &Automation| {
            name_stem(&a.fields.name).map(|stem| format!("all named “{stem} …”"))
        }),
        Box::new(|a: &Automation| {
            schedules
                .get(&a.id)
                .map(|when| format!("all expected {when}"))
        }),
        Box::new(|a: &Automation| {
            a.fields.owner_id.map(|o| {
                let owner = user_names
                    .get(&o)
                    .cloned()
                    .unwrap_or_else(|| format!("user {o}"));
                format!("all in {}, owned by {owner}", a.fields.tool.label())
            })
        }),
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

/// The repository a CI automation runs from: `owner/repo` of a GitHub
/// workflow, the project path of a GitLab pipeline (its id without the
/// last part).
fn repository(a: &Automation) -> Option<String> {
    use app::model::inventory::Tool;
    let id = a.fields.external_id.as_str();
    match a.fields.tool {
        Tool::GithubActions => {
            let mut parts = id.splitn(3, '/');
            let (owner, repo) = (parts.next()?, parts.next()?);
            (!owner.is_empty() && !repo.is_empty()).then(|| format!("{owner}/{repo}"))
        }
        Tool::GitlabCi => id
            .rsplit_once('/')
            .map(|(project, _)| project.to_owned())
            .filter(|p| !p.is_empty()),
        _ => None,
    }
}

/// When a schedule expects runs, in words that are the same for the same
/// schedule: "at 0 2 * * * (Europe/Paris)", "every 1h".
fn schedule_words(schedule: &app::model::schedule::Schedule) -> Option<String> {
    match (&schedule.cron, schedule.period_seconds) {
        (Some(cron), _) => Some(format!("at {} ({})", cron.trim(), schedule.time_zone)),
        (None, Some(period)) => Some(format!(
            "every {}",
            app::model::schedule::format_duration(period)
        )),
        (None, None) => None,
    }
}

/// Words that start many names without saying what they do.
const COMMON_FIRST_WORDS: [&str; 12] = [
    "the", "daily", "nightly", "weekly", "hourly", "monthly", "new", "test", "old", "auto", "sync",
    "job",
];

/// The first word of a name, when it says something: "Payroll" of
/// "Payroll export" (four letters at least, not a common word).
fn name_stem(name: &str) -> Option<String> {
    let first = name
        .split(|c: char| !c.is_alphanumeric())
        .find(|w| !w.is_empty())?;
    let lower = first.to_lowercase();
    (first.chars().count() >= 4 && !COMMON_FIRST_WORDS.contains(&lower.as_str())).then(|| {
        let mut chars = lower.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    })
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
    let schedules: HashMap<i64, String> = store
        .watched()
        .await?
        .into_iter()
        .filter_map(|w| schedule_words(&w.schedule).map(|when| (w.automation_id, when)))
        .collect();
    Ok(rank(
        orchestrations,
        automations,
        &edges,
        &names,
        observed,
        runbooks,
        &schedules,
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

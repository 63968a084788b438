//! One round of the incidents job: take in the runs that went wrong since
//! the last round, close incidents a success has ended, release alerts held
//! for an upstream incident that recovered, escalate what nobody
//! acknowledged, then send the alerts that are due.

use std::collections::{HashMap, HashSet, VecDeque};

use app::model::catalog::Orchestration;
use app::model::dependencies::{NodeKind, NodeRef};
use app::model::health::Pause;
use app::model::incidents::{
    AlertKind, AlertState, Channel, Concerned, Incident, IncidentKind, level_label,
};
use app::model::inventory::{Automation, InventoryFilter};
use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::watch;

use super::Settings;
use super::send::Sender;
use crate::clock::SharedClock;
use crate::health::paused_at;
use crate::store::{
    Change, HeldAlerts, IncidentFilter, IncidentTarget, IncidentWrite, NewAlert, NewIncident,
    NewIncidentEvent, RollupParts, RollupScope, SharedStore, Store, StoreError, StoreResult,
    TroubleRun,
};

pub const LEASE: &str = "incidents";
/// Runs written this long before the last round are looked at again (a
/// transaction on another instance may commit late); those already seen
/// are skipped.
const LOOK_BACK: TimeDelta = TimeDelta::minutes(10);
/// With no round yet, runs of the last day are looked at.
const FIRST_LOOK: TimeDelta = TimeDelta::days(1);
/// Runs taken in per round at most (the next round takes the rest).
const RUNS_PER_ROUND: i64 = 1_000;

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub opened: u64,
    /// Failures soon after a recovery, which reopened its incident.
    pub reopened: u64,
    pub joined: u64,
    pub resolved: u64,
    pub released: u64,
    pub escalated: u64,
    pub sent: u64,
    pub retried: u64,
    pub failed: u64,
    /// Overdue review notices queued.
    pub review_notices: u64,
}

impl Round {
    /// Whether an incident was opened, joined, resolved or escalated (what
    /// the screens show), not only alerts sent.
    pub fn changed_incidents(&self) -> bool {
        self.opened + self.reopened + self.joined + self.resolved + self.released + self.escalated
            > 0
    }
}

/// The catalog as the round needs it.
struct Catalog {
    automations: HashMap<i64, Automation>,
    orchestrations: HashMap<i64, Orchestration>,
    channels: Vec<Channel>,
    /// Upstream nodes of each node.
    upstream: HashMap<NodeRef, Vec<NodeRef>>,
    pauses: Vec<Pause>,
}

impl Catalog {
    async fn load(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<Self> {
        let automations = store
            .automations(&InventoryFilter::default(), u32::MAX, 0)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let orchestrations = store
            .orchestrations()
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect();
        let mut upstream: HashMap<NodeRef, Vec<NodeRef>> = HashMap::new();
        for d in store.dependencies().await? {
            upstream
                .entry(d.downstream.node)
                .or_default()
                .push(d.upstream.node);
        }
        Ok(Self {
            automations,
            orchestrations,
            channels: store.channels().await?,
            upstream,
            pauses: store.pauses(RollupScope::All, now).await?,
        })
    }

    fn orchestration_of(&self, a: &Automation) -> Option<&Orchestration> {
        a.fields
            .orchestration_id
            .and_then(|id| self.orchestrations.get(&id))
    }

    fn paused(&self, a: &Automation, now: DateTime<Utc>) -> bool {
        let o = self.orchestration_of(a);
        paused_at(
            &self.pauses,
            a.id,
            a.fields.orchestration_id,
            o.map(|o| o.fields.lifecycle.as_str()),
            now,
        )
        .is_some()
    }

    /// Who a level tells about `a`, and in words whom.
    fn recipients(&self, a: &Automation, level: i32) -> (Vec<&Channel>, &'static str) {
        Concerned::of(a, self.orchestration_of(a)).recipients(&self.channels, level)
    }

    /// The nearest open incident upstream of `a`, following dependencies
    /// through automations and orchestrations (an orchestration stands for
    /// each of its automations).
    fn upstream_incident<'a>(
        &self,
        a: &Automation,
        open: &'a HashMap<i64, Incident>,
    ) -> Option<&'a Incident> {
        let members = |o: i64| {
            self.automations
                .values()
                .filter(move |m| m.fields.orchestration_id == Some(o))
        };
        // Its own nodes; its orchestration's other automations are not
        // upstream of it.
        let own = [
            Some(NodeRef::automation(a.id)),
            a.fields.orchestration_id.map(NodeRef::orchestration),
        ];
        let mut seen: HashSet<NodeRef> = own.iter().flatten().copied().collect();
        let mut queue: VecDeque<NodeRef> = own.into_iter().flatten().collect();
        while let Some(node) = queue.pop_front() {
            for up in self.upstream.get(&node).into_iter().flatten() {
                if !seen.insert(*up) {
                    continue;
                }
                let found = match up.kind {
                    NodeKind::Automation => open.get(&up.id),
                    NodeKind::Orchestration => members(up.id).find_map(|m| open.get(&m.id)),
                };
                if found.is_some() {
                    return found;
                }
                queue.push_back(*up);
                if up.kind == NodeKind::Orchestration {
                    // What feeds its automations feeds it.
                    for m in members(up.id) {
                        if seen.insert(NodeRef::automation(m.id)) {
                            queue.push_back(NodeRef::automation(m.id));
                        }
                    }
                }
            }
        }
        None
    }
}

fn kind_of(run: &TroubleRun) -> IncidentKind {
    match run.status.as_str() {
        "failed" | "timed_out" => IncidentKind::Failed,
        "missed" => IncidentKind::Missed,
        _ => IncidentKind::TooLong,
    }
}

/// A run's trouble in words: "failed (exit 3) at 02:00:04 UTC".
fn what_happened(run: &TroubleRun) -> String {
    let at = run.at.format("%Y-%m-%d %H:%M:%S UTC");
    match kind_of(run) {
        IncidentKind::Failed => match run.exit_status {
            Some(code) if run.status == "failed" => format!("failed (exit {code}) at {at}"),
            _ if run.status == "timed_out" => format!("timed out at {at}"),
            _ => format!("failed at {at}"),
        },
        IncidentKind::Missed => format!("missed the run due at {at}"),
        IncidentKind::TooLong => format!("ran longer than its schedule allows (began {at})"),
    }
}

fn event(at: DateTime<Utc>, kind: &'static str, detail: String) -> NewIncidentEvent {
    NewIncidentEvent {
        at,
        kind,
        detail,
        actor_id: None,
    }
}

fn alerts_to(channels: &[&Channel], kind: AlertKind, note: &str, held: bool) -> Vec<NewAlert> {
    channels
        .iter()
        .map(|c| NewAlert {
            channel_id: c.id,
            channel_name: format!("{} ({})", c.name, c.belongs_to),
            kind,
            note: note.to_owned(),
            held,
            delay: TimeDelta::zero(),
        })
        .collect()
}

/// The automation's incident resolved less than `cooldown` before `run`,
/// if any: a failure then reopens it.
async fn cooling(
    store: &dyn Store,
    automation: i64,
    run: &TroubleRun,
    cooldown: TimeDelta,
) -> StoreResult<Option<Incident>> {
    if cooldown <= TimeDelta::zero() {
        return Ok(None);
    }
    let filter = IncidentFilter {
        open: Some(false),
        automation_id: Some(automation),
        orchestration_id: None,
    };
    let (latest, _) = store.incidents(&filter, 1, 0).await?;
    Ok(latest
        .into_iter()
        .next()
        .filter(|i| i.resolved_at.is_some_and(|r| run.at < r + cooldown)))
}

fn span(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    app::model::health::format_span((to - from).num_milliseconds().max(0))
}

/// Takes in one run: it joins the automation's open incident or opens one.
async fn take_in(
    store: &dyn Store,
    catalog: &Catalog,
    open: &mut HashMap<i64, Incident>,
    run: &TroubleRun,
    settings: &Settings,
    now: DateTime<Utc>,
    out: &mut Round,
) -> StoreResult<()> {
    let Some(a) = catalog.automations.get(&run.automation_id) else {
        return Ok(());
    };
    let happened = format!("{} {}.", a.fields.name, what_happened(run));
    if let Some(incident) = open.get(&a.id) {
        let mut write = IncidentWrite::on(IncidentTarget::Existing(incident.id));
        write.run = Some((run.run_id, run.at));
        let kind = match kind_of(run) {
            IncidentKind::Failed => "joined",
            IncidentKind::Missed => "missed",
            IncidentKind::TooLong => "too_long",
        };
        write.events.push(event(now, kind, happened));
        match store.write_incident(&write, now).await {
            Ok(_) => out.joined += 1,
            // Closed meanwhile (by another instance): the next round opens
            // a new one for this run.
            Err(StoreError::Conflict(_)) => {}
            Err(other) => return Err(other),
        }
        return Ok(());
    }
    // Nothing is alerted while paused: neither for a run during a pause nor
    // for one taken in while it is on.
    if catalog.paused(a, run.at) || catalog.paused(a, now) {
        return store.mark_runs_seen(&[run.run_id]).await;
    }
    if let Some(recent) = cooling(store, a.id, run, settings.cooldown).await? {
        let resolved = recent.resolved_at.unwrap_or(now);
        let mut write = IncidentWrite::on(IncidentTarget::Existing(recent.id));
        write.reopen = true;
        write.run = Some((run.run_id, run.at));
        write.events.push(event(
            now,
            "reopened",
            format!(
                "{happened} That is {} after it recovered, within the {} cooldown: the incident is reopened and its recovery notice withdrawn.",
                span(resolved, run.at),
                app::model::health::format_span(settings.cooldown.num_milliseconds())
            ),
        ));
        match store.write_incident(&write, now).await {
            Ok(id) => {
                out.reopened += 1;
                open.insert(a.id, store.incident(id).await?);
                return Ok(());
            }
            // Reopened or superseded meanwhile: open a new one below.
            Err(StoreError::Conflict(_)) => {}
            Err(other) => return Err(other),
        }
    }
    let kind = kind_of(run);
    let upstream = catalog.upstream_incident(a, open);
    let (channels, whom) = catalog.recipients(a, 0);
    let mut write = IncidentWrite::on(IncidentTarget::New(NewIncident {
        automation_id: a.id,
        kind,
        opened_at: run.at,
        held_by: upstream.map(|u| u.id),
    }));
    write.run = Some((run.run_id, run.at));
    write.events.push(event(now, "opened", happened));
    let note = match upstream {
        Some(up) => {
            let why = format!(
                "Alerts held: upstream {} has an open incident (#{}) since {}; they go out if this is still failing when it recovers.",
                up.title(),
                up.id,
                up.opened_at.format("%Y-%m-%d %H:%M UTC")
            );
            write.events.push(event(now, "held", why.clone()));
            why
        }
        None => String::new(),
    };
    if channels.is_empty() {
        write.events.push(event(
            now,
            "no_channel",
            "Nobody can be told: neither the owner nor the team has an alert channel.".to_owned(),
        ));
    } else if upstream.is_none() {
        write.events.push(event(
            now,
            "alerted",
            format!("Alert queued to {whom}: {} channel(s).", channels.len()),
        ));
    }
    write.alerts = alerts_to(&channels, AlertKind::Opened, &note, upstream.is_some());
    match store.write_incident(&write, now).await {
        Ok(id) => {
            out.opened += 1;
            open.insert(a.id, store.incident(id).await?);
            Ok(())
        }
        // Another instance opened one first: join it next round.
        Err(StoreError::Conflict(_)) => Ok(()),
        Err(other) => Err(other),
    }
}

/// Closes open incidents a success has ended; returns the ids closed.
async fn resolve(
    store: &dyn Store,
    catalog: &Catalog,
    open: &mut HashMap<i64, Incident>,
    settings: &Settings,
    now: DateTime<Utc>,
    out: &mut Round,
) -> StoreResult<Vec<i64>> {
    let ids: Vec<i64> = open.keys().copied().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let states = store
        .rollups(
            RollupScope::Several(&ids),
            now.date_naive(),
            RollupParts::Counts,
        )
        .await?
        .states;
    let mut closed = Vec::new();
    for (automation, state) in states {
        let Some(incident) = open.get(&automation) else {
            continue;
        };
        let Some(success) = state.last_success_at else {
            continue;
        };
        if success <= incident.last_trouble_at {
            continue;
        }
        let told: HashSet<i64> = store
            .incident_alerts(incident.id)
            .await?
            .into_iter()
            .filter(|a| {
                matches!(
                    a.state,
                    AlertState::Sent | AlertState::Pending | AlertState::Failed
                )
            })
            .filter_map(|a| a.channel_id)
            .collect();
        let recipients: Vec<&Channel> = catalog
            .channels
            .iter()
            .filter(|c| told.contains(&c.id))
            .collect();
        let mut write = IncidentWrite::on(IncidentTarget::Existing(incident.id));
        write.resolved_at = Some(success);
        let wait = if settings.cooldown > TimeDelta::zero() && !recipients.is_empty() {
            format!(
                " The recovery notice goes out at {} if it stays well until then.",
                (now + settings.cooldown).format("%H:%M UTC")
            )
        } else {
            String::new()
        };
        write.events.push(event(
            now,
            "resolved",
            format!(
                "Recovered: a run succeeded at {}, {} after it began, after {} failing run(s).{wait}",
                success.format("%Y-%m-%d %H:%M:%S UTC"),
                span(incident.opened_at, success),
                incident.troubles
            ),
        ));
        if incident.held_by.is_some() {
            write.held_alerts = Some(HeldAlerts::Withhold);
        }
        write.alerts = alerts_to(&recipients, AlertKind::Recovered, "", false)
            .into_iter()
            .map(|a| NewAlert {
                delay: settings.cooldown.max(TimeDelta::zero()),
                ..a
            })
            .collect();
        match store.write_incident(&write, now).await {
            Ok(_) => {
                out.resolved += 1;
                closed.push(incident.id);
                open.remove(&automation);
            }
            Err(StoreError::Conflict(_)) => {
                open.remove(&automation);
            }
            Err(other) => return Err(other),
        }
    }
    Ok(closed)
}

/// Sends the alerts of incidents held for an upstream incident that is no
/// longer open.
async fn release(
    store: &dyn Store,
    open: &mut HashMap<i64, Incident>,
    now: DateTime<Utc>,
    out: &mut Round,
) -> StoreResult<()> {
    let open_ids: HashSet<i64> = open.values().map(|i| i.id).collect();
    let held: Vec<(i64, i64)> = open
        .iter()
        .filter_map(|(a, i)| {
            i.held_by
                .filter(|up| !open_ids.contains(up))
                .map(|up| (*a, up))
        })
        .collect();
    for (automation, up) in held {
        let Some(incident) = open.get(&automation) else {
            continue;
        };
        let upstream = match store.incident(up).await {
            Ok(u) => u.title(),
            Err(StoreError::NotFound) => format!("incident #{up}"),
            Err(other) => return Err(other),
        };
        let note =
            format!("Released: upstream {upstream} recovered, and this one is still failing.");
        let mut write = IncidentWrite::on(IncidentTarget::Existing(incident.id));
        write.held_by = Some(None);
        write.held_alerts = Some(HeldAlerts::Release(note.clone()));
        // Escalation counts from the release.
        write.level = Some((incident.level, now));
        write.events.push(event(now, "released", note));
        store.write_incident(&write, now).await?;
        out.released += 1;
        if let Some(i) = open.get_mut(&automation) {
            i.held_by = None;
            i.level_at = now;
        }
    }
    Ok(())
}

/// Sends what nobody acknowledged in time to the next level.
async fn escalate(
    store: &dyn Store,
    catalog: &Catalog,
    open: &HashMap<i64, Incident>,
    settings: &Settings,
    now: DateTime<Utc>,
    out: &mut Round,
) -> StoreResult<()> {
    let mut due: Vec<&Incident> = open
        .values()
        .filter(|i| {
            i.acknowledged_at.is_none()
                && i.held_by.is_none()
                && i.level < 2
                && now >= i.level_at + settings.escalate_after
        })
        .collect();
    due.sort_by_key(|i| i.id);
    for incident in due {
        let Some(a) = catalog.automations.get(&incident.automation_id) else {
            continue;
        };
        let next = incident.level + 1;
        let already: HashSet<i64> = store
            .incident_alerts(incident.id)
            .await?
            .into_iter()
            .filter_map(|a| a.channel_id)
            .collect();
        let (channels, whom) = catalog.recipients(a, next);
        let channels: Vec<&Channel> = channels
            .into_iter()
            .filter(|c| !already.contains(&c.id))
            .collect();
        let waited = app::model::health::format_span(settings.escalate_after.num_milliseconds());
        let note = format!("Not acknowledged within {waited}: now sent to {whom} too.");
        let mut write = IncidentWrite::on(IncidentTarget::Existing(incident.id));
        write.level = Some((next, now));
        write.events.push(event(
            now,
            "escalated",
            if channels.is_empty() {
                format!(
                    "Not acknowledged within {waited}; escalated to the {}, who has no alert channel.",
                    level_label(next)
                )
            } else {
                note.clone()
            },
        ));
        write.alerts = alerts_to(&channels, AlertKind::Escalated, &note, false);
        store.write_incident(&write, now).await?;
        out.escalated += 1;
    }
    Ok(())
}

/// Where this round looks from: shortly before the last round.
async fn since(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<DateTime<Utc>> {
    let rounds = store.job_rounds().await?;
    Ok(rounds
        .into_iter()
        .find(|(name, _)| name == LEASE)
        .map_or(now - FIRST_LOOK, |(_, done)| done.min(now) - LOOK_BACK))
}

/// One round at `now` (the caller holds the lease).
pub async fn round(
    store: &dyn Store,
    sender: &Sender,
    settings: &Settings,
    now: DateTime<Utc>,
) -> StoreResult<Round> {
    let mut out = Round::default();
    let troubles = store
        .trouble_runs(since(store, now).await?, RUNS_PER_ROUND)
        .await?;
    let mut open: HashMap<i64, Incident> = store
        .open_incidents()
        .await?
        .into_iter()
        .map(|i| (i.automation_id, i))
        .collect();
    if !troubles.is_empty() || !open.is_empty() {
        let catalog = Catalog::load(store, now).await?;
        for run in &troubles {
            take_in(store, &catalog, &mut open, run, settings, now, &mut out).await?;
        }
        resolve(store, &catalog, &mut open, settings, now, &mut out).await?;
        release(store, &mut open, now, &mut out).await?;
        escalate(store, &catalog, &open, settings, now, &mut out).await?;
    }
    sender.send_due(store, settings, now, &mut out).await?;
    super::review_notices::step(store, sender, settings, now, &mut out).await?;
    store.job_round_done(LEASE, now).await?;
    Ok(out)
}

/// Runs a round every `every` until `stop`, on whichever instance holds the
/// lease; another takes over three rounds after the holder stops renewing.
pub async fn watch(
    store: SharedStore,
    clock: SharedClock,
    settings: Settings,
    every: std::time::Duration,
    mut stop: watch::Receiver<bool>,
) {
    let holder = format!("baton-{}-{}", std::process::id(), rand::random::<u32>());
    let ttl = TimeDelta::from_std(every * 3).unwrap_or(TimeDelta::seconds(30));
    let sender = Sender::new(settings.allow_private_targets);
    let mut held: bool;
    loop {
        let now = clock.now();
        let acquired = store.try_acquire_lease(LEASE, &holder, now, ttl).await;
        held = matches!(acquired, Ok(true));
        match acquired {
            Ok(true) => match round(&*store, &sender, &settings, now).await {
                Ok(done) => {
                    if done != Round::default() {
                        tracing::info!(?done, "incidents round");
                    }
                    if done.changed_incidents() {
                        crate::store::announce(&*store, Change::IncidentsChanged).await;
                    }
                }
                Err(err) => tracing::warn!(%err, "incidents round failed"),
            },
            Ok(false) => {}
            Err(err) => tracing::warn!(%err, "cannot take the incidents lease"),
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

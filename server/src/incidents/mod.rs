//! Incidents and alerts. A failed, timed-out or missed run, or one flagged
//! too long, opens an incident for its automation (one open incident per
//! automation); later ones join it; a success after the last of them
//! closes it. One alert goes out per incident to the owner's channels,
//! another if nobody acknowledges it in time (to the backup owner's, then
//! the team's), and a recovery notice at the end. An incident downstream of
//! another open one (along the catalog's dependencies) is opened with its
//! alerts held, and they go out only if it is still failing when the
//! upstream one recovers.
//!
//! The work is done in rounds ([`round`]) by whichever instance holds the
//! `incidents` lease ([`watch`]); every change is written in one
//! transaction with the alerts it causes (an outbox), and alerts are sent
//! at least once ([`send`]), each try carrying the same `Idempotency-Key`.

mod channels;
mod job;
mod review_notices;
mod send;
pub mod targets;

use app::model::accounts::Actor;
use app::model::incidents::{Incident, IncidentDetail};
use chrono::{DateTime, TimeDelta, Utc};

pub use channels::{
    add_channel, delete_channel, mask_url, masked_for, test_channel, visible_channels,
};
pub use job::{LEASE, Round, round, watch};
pub use send::{Sender, payload};

use crate::audit::Author;
use crate::catalog::CatalogError;
use crate::store::{
    Change, IncidentTarget, IncidentWrite, NewIncidentEvent, Store, StoreError, StoreResult,
};

fn conflict(why: &str) -> CatalogError {
    CatalogError::Store(StoreError::Conflict(why.to_owned()))
}

/// How incidents are handled.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Unacknowledged this long at a level, an incident goes to the next.
    pub escalate_after: TimeDelta,
    /// Links in alerts start with it (no trailing slash).
    pub public_url: String,
    /// A recovery is told only once the automation has stayed well this
    /// long; a failure within it reopens the incident instead.
    pub cooldown: TimeDelta,
    /// How long a round may spend sending alerts (the rest wait for the
    /// next round), well within the lease.
    pub send_budget: std::time::Duration,
    /// The fiscal calendar reviews follow, for overdue review notices.
    pub fiscal_calendar: app::model::reviews::FiscalCalendar,
    /// Whether alerts may go to addresses inside the network.
    pub allow_private_targets: bool,
}

/// An incident with its timeline and alerts.
pub async fn detail(store: &dyn Store, id: i64) -> StoreResult<IncidentDetail> {
    let incident = store.incident(id).await?;
    let events = store.incident_events(id).await?;
    let alerts = store.incident_alerts(id).await?;
    let runs = store
        .incident_runs(id, app::model::incidents::RUNS_SHOWN)
        .await?;
    let held_for = match incident.held_by {
        Some(up) => match store.incident(up).await {
            Ok(up) => Some(up.title()),
            Err(StoreError::NotFound) => None,
            Err(other) => return Err(other),
        },
        None => None,
    };
    Ok(IncidentDetail {
        incident,
        events,
        alerts,
        held_for,
        runs,
    })
}

/// Acknowledges an open incident: its escalation stops. Those who may
/// change the automation may (its owner, its orchestration's owner or
/// backup owner, admins); audited.
pub async fn acknowledge(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
    client: Option<String>,
) -> Result<Incident, CatalogError> {
    let incident = store.incident(id).await?;
    let automation = store.automation(incident.automation_id).await?;
    crate::access::check_automation(store, actor, &automation).await?;
    if incident.resolved_at.is_some() {
        return Err(conflict(
            "this incident is resolved: there is nothing left to acknowledge",
        ));
    }
    if let Some(by) = &incident.acknowledged_by {
        return Err(conflict(&format!(
            "this incident was already acknowledged by {by}"
        )));
    }
    let mut write = IncidentWrite::on(IncidentTarget::Existing(id));
    write.acknowledged = Some((now, actor.id));
    write.events.push(NewIncidentEvent {
        at: now,
        kind: "acknowledged",
        detail: format!("{} is on it; escalation stops.", actor.display_name),
        actor_id: Some(actor.id),
    });
    let audit = Author::of(actor).did(
        now,
        "incident.acknowledged",
        "incident",
        Some(id),
        incident.title(),
    );
    write.audit = Some(match client {
        Some(client) => audit.from_client(client),
        None => audit,
    });
    match store.write_incident(&write, now).await {
        Ok(_) => {
            crate::store::announce(store, Change::IncidentsChanged).await;
            Ok(store.incident(id).await?)
        }
        Err(StoreError::Conflict(_)) => Err(conflict(
            "this incident was acknowledged or resolved meanwhile; reload it",
        )),
        Err(other) => Err(other.into()),
    }
}

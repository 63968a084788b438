//! The Deliveries screen, the sources screen, the claim queue, and an
//! automation's name in a source and expected schedule.
// A form's server function takes each of its fields; the schedule form has
// eight, and the client function the macro writes cannot carry an allow.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::forms::SaveOutcome;
use crate::model::ingestion::{DeliveryFilter, RunFilter, RunHistory};
use crate::services::{ClaimQueue, DeliveriesScreen, DeliveryScreen, SourcesScreen};

/// A page (from 1) of the delivery log, newest first.
#[server(prefix = "/rpc", endpoint = "deliveries/page", input = Json)]
pub async fn load_deliveries(
    filter: DeliveryFilter,
    page: u32,
) -> Result<DeliveriesScreen, ServerFnError> {
    super::ingestion()?
        .deliveries(filter, page)
        .await
        .map_err(super::refused)
}

/// A page (from 1) of an orchestration's runs, newest first.
#[server(prefix = "/rpc", endpoint = "orchestrations/runs", input = Json)]
pub async fn load_run_history(
    slug: String,
    filter: RunFilter,
    page: u32,
) -> Result<Option<RunHistory>, ServerFnError> {
    super::ingestion()?
        .run_history(slug, filter, page)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "deliveries/one")]
pub async fn load_delivery(id: i64) -> Result<Option<DeliveryScreen>, ServerFnError> {
    super::ingestion()?
        .delivery(id)
        .await
        .map_err(super::refused)
}

/// Turns a delivery into its run again: admins.
#[server(prefix = "/rpc", endpoint = "deliveries/replay")]
pub async fn replay_delivery(id: i64) -> Result<SaveOutcome, ServerFnError> {
    super::ingestion()?.replay(id).await.map_err(super::refused)
}

/// Every source with its key: admins.
#[server(prefix = "/rpc", endpoint = "admin/sources")]
pub async fn load_sources() -> Result<SourcesScreen, ServerFnError> {
    super::ingestion()?.sources().await.map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "admin/sources/create")]
pub async fn create_source(
    name: String,
    team_id: String,
    tool: String,
) -> Result<SaveOutcome, ServerFnError> {
    super::ingestion()?
        .create_source(name, team_id.trim().parse().ok(), tool)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "admin/sources/rotate")]
pub async fn rotate_source_key(id: i64) -> Result<SaveOutcome, ServerFnError> {
    super::ingestion()?
        .rotate_source_key(id)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "admin/sources/secret")]
pub async fn rotate_source_secret(id: i64) -> Result<SaveOutcome, ServerFnError> {
    super::ingestion()?
        .rotate_source_secret(id)
        .await
        .map_err(super::refused)
}

/// Automations pings created, waiting for an owner.
#[server(prefix = "/rpc", endpoint = "claims")]
pub async fn load_claim_queue() -> Result<ClaimQueue, ServerFnError> {
    super::ingestion()?
        .claim_queue()
        .await
        .map_err(super::refused)
}

/// The signed-in editor claims a queued automation.
#[server(prefix = "/rpc", endpoint = "claims/claim")]
pub async fn claim_automation(
    id: i64,
    orchestration_id: String,
) -> Result<SaveOutcome, ServerFnError> {
    super::ingestion()?
        .claim(id, orchestration_id.trim().parse().ok())
        .await
        .map_err(super::refused)
}

/// Sets an automation's expected schedule from the form.
#[server(prefix = "/rpc", endpoint = "automations/schedule")]
pub async fn save_schedule(
    id: i64,
    kind: String,
    every: String,
    cron: String,
    time_zone: String,
    grace: String,
    max_duration: String,
    min_duration: String,
) -> Result<SaveOutcome, ServerFnError> {
    let draft = crate::model::schedule::ScheduleDraft {
        kind,
        every,
        cron,
        time_zone,
        grace,
        max_duration,
        min_duration,
    };
    super::ingestion()?
        .set_schedule(id, Some(draft))
        .await
        .map_err(super::refused)
}

/// Expects nothing of an automation any more.
#[server(prefix = "/rpc", endpoint = "automations/schedule/remove")]
pub async fn remove_schedule(id: i64) -> Result<SaveOutcome, ServerFnError> {
    super::ingestion()?
        .set_schedule(id, None)
        .await
        .map_err(super::refused)
}

/// Names an automation in a source (an empty source: no longer).
#[server(prefix = "/rpc", endpoint = "automations/slug")]
pub async fn set_slug(
    id: i64,
    source_id: String,
    slug: String,
) -> Result<SaveOutcome, ServerFnError> {
    super::ingestion()?
        .set_slug(id, source_id.trim().parse().ok(), slug)
        .await
        .map_err(super::refused)
}

//! The Incidents screens and a person's own alert channels.

use leptos::prelude::*;

use crate::model::forms::SaveOutcome;
use crate::model::incidents::Channel;
use crate::services::{IncidentScreen, IncidentsScreen};

/// A page (from 1) of incidents: `open`, `resolved` or `all`.
#[server(prefix = "/rpc", endpoint = "incidents/page")]
pub async fn load_incidents(state: String, page: u32) -> Result<IncidentsScreen, ServerFnError> {
    super::ingestion()?
        .incidents(state, page)
        .await
        .map_err(super::refused)
}

/// One incident with its timeline and alerts; `None` when there is none.
#[server(prefix = "/rpc", endpoint = "incidents/one")]
pub async fn load_incident(id: i64) -> Result<Option<IncidentScreen>, ServerFnError> {
    super::ingestion()?
        .incident(id)
        .await
        .map_err(super::refused)
}

/// Acknowledges an open incident: its escalation stops.
#[server(prefix = "/rpc", endpoint = "incidents/acknowledge")]
pub async fn acknowledge_incident(id: i64) -> Result<SaveOutcome, ServerFnError> {
    super::ingestion()?
        .acknowledge(id)
        .await
        .map_err(super::refused)
}

/// The signed-in person's own alert channels.
#[server(prefix = "/rpc", endpoint = "account/channels")]
pub async fn load_own_channels() -> Result<Vec<Channel>, ServerFnError> {
    super::ingestion()?
        .own_channels()
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "account/channels/add")]
pub async fn add_own_channel(
    name: String,
    kind: String,
    url: String,
) -> Result<SaveOutcome, ServerFnError> {
    super::ingestion()?
        .add_own_channel(name, kind, url)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "account/channels/remove")]
pub async fn remove_own_channel(id: i64) -> Result<SaveOutcome, ServerFnError> {
    super::ingestion()?
        .remove_own_channel(id)
        .await
        .map_err(super::refused)
}

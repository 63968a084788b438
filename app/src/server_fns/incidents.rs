//! The Incidents screens and a person's own alert channels.

use leptos::prelude::*;

use crate::model::forms::SaveOutcome;
use crate::model::incidents::{Channel, ChannelTest};
use crate::services::{ChannelsScreen, IncidentScreen, IncidentsScreen};

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

/// Every alert channel, with the people and teams one can be added for:
/// admins.
#[server(prefix = "/rpc", endpoint = "admin/channels")]
pub async fn load_channels() -> Result<ChannelsScreen, ServerFnError> {
    super::ingestion()?.channels().await.map_err(super::refused)
}

/// Adds a channel for a person (`whose` = `person:<id>`) or a team
/// (`team:<id>`): admins.
#[server(prefix = "/rpc", endpoint = "admin/channels/add")]
pub async fn add_channel(
    name: String,
    kind: String,
    url: String,
    whose: String,
) -> Result<SaveOutcome, ServerFnError> {
    let id = |prefix: &str| whose.strip_prefix(prefix).and_then(|id| id.parse().ok());
    let draft = crate::model::incidents::ChannelDraft {
        name,
        kind,
        url,
        user_id: id("person:"),
        team_id: id("team:"),
    };
    super::ingestion()?
        .add_channel(draft)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "admin/channels/remove")]
pub async fn remove_channel(id: i64) -> Result<SaveOutcome, ServerFnError> {
    super::ingestion()?
        .remove_channel(id)
        .await
        .map_err(super::refused)
}

/// Sends a test message to a channel the person may manage; answers what
/// its receiver said.
#[server(prefix = "/rpc", endpoint = "channels/test")]
pub async fn test_channel(id: i64) -> Result<ChannelTest, ServerFnError> {
    super::ingestion()?
        .test_channel(id)
        .await
        .map_err(super::refused)
}

//! Pauses and maintenance windows from the automation and orchestration
//! pages.

use leptos::prelude::*;

use crate::model::forms::SaveOutcome;
#[cfg(feature = "ssr")]
use crate::model::health::{PauseForm, PauseTarget};

/// Pauses an automation: for how long from now, or a window, and why.
#[server(prefix = "/rpc", endpoint = "automations/pause")]
pub async fn pause_automation(
    id: i64,
    for_how_long: String,
    starts: String,
    ends: String,
    reason: String,
) -> Result<SaveOutcome, ServerFnError> {
    let form = PauseForm {
        for_how_long,
        starts,
        ends,
        reason,
    };
    super::ingestion()?
        .pause(PauseTarget::Automation(id), form)
        .await
        .map_err(super::refused)
}

/// Pauses a whole orchestration, as [`pause_automation`].
#[server(prefix = "/rpc", endpoint = "orchestrations/pause")]
pub async fn pause_orchestration(
    id: i64,
    for_how_long: String,
    starts: String,
    ends: String,
    reason: String,
) -> Result<SaveOutcome, ServerFnError> {
    let form = PauseForm {
        for_how_long,
        starts,
        ends,
        reason,
    };
    super::ingestion()?
        .pause(PauseTarget::Orchestration(id), form)
        .await
        .map_err(super::refused)
}

/// Ends a pause now (resumes), or removes a window not begun yet.
#[server(prefix = "/rpc", endpoint = "pauses/end")]
pub async fn end_pause(id: i64) -> Result<SaveOutcome, ServerFnError> {
    super::ingestion()?
        .end_pause(id)
        .await
        .map_err(super::refused)
}

//! The catalog's changes from the screens: forms, retire, delete,
//! dependencies, and what the forms choose from.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::dependencies::{Endpoint, NodeRef};
use crate::model::forms::{AutomationForm, OrchestrationForm, SaveOutcome};
use crate::model::leverage::LeverageReport;
use crate::services::{AutomationEditor, AutomationPage, OrchestrationEditor};

/// The orchestration form: empty without a slug; `None` for an unknown slug.
#[server(prefix = "/rpc", endpoint = "orchestrations/editor")]
pub async fn open_orchestration_editor(
    slug: Option<String>,
) -> Result<Option<OrchestrationEditor>, ServerFnError> {
    super::catalog()?
        .orchestration_editor(slug)
        .await
        .map_err(super::refused)
}

/// Registers an orchestration (`id` empty) or saves a change made on `version`.
#[server(prefix = "/rpc", endpoint = "orchestrations/save")]
pub async fn save_orchestration(
    id: Option<i64>,
    version: i64,
    form: OrchestrationForm,
) -> Result<SaveOutcome, ServerFnError> {
    super::catalog()?
        .save_orchestration(id, version, form)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "orchestrations/retire")]
pub async fn retire_orchestration(id: i64, version: i64) -> Result<SaveOutcome, ServerFnError> {
    super::catalog()?
        .retire_orchestration(id, version)
        .await
        .map_err(super::refused)
}

/// Deletes for good once `confirm` is the orchestration's slug.
#[server(prefix = "/rpc", endpoint = "orchestrations/delete")]
pub async fn delete_orchestration(id: i64, confirm: String) -> Result<SaveOutcome, ServerFnError> {
    super::catalog()?
        .delete_orchestration(id, confirm)
        .await
        .map_err(super::refused)
}

/// The automation page; `None` for an unknown id.
#[server(prefix = "/rpc", endpoint = "automations/page")]
pub async fn load_automation(id: i64) -> Result<Option<AutomationPage>, ServerFnError> {
    super::catalog()?
        .automation_page(id)
        .await
        .map_err(super::refused)
}

/// The automation form: empty without an id; `None` for an unknown id.
#[server(prefix = "/rpc", endpoint = "automations/editor")]
pub async fn open_automation_editor(
    id: Option<i64>,
) -> Result<Option<AutomationEditor>, ServerFnError> {
    super::catalog()?
        .automation_editor(id)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "automations/save")]
pub async fn save_automation(
    id: Option<i64>,
    version: i64,
    form: AutomationForm,
) -> Result<SaveOutcome, ServerFnError> {
    super::catalog()?
        .save_automation(id, version, form)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "automations/delete")]
pub async fn delete_automation(id: i64) -> Result<SaveOutcome, ServerFnError> {
    super::catalog()?
        .delete_automation(id)
        .await
        .map_err(super::refused)
}

/// Records that `upstream` feeds `downstream`.
#[server(prefix = "/rpc", endpoint = "dependencies/add", input = Json)]
pub async fn add_dependency(
    upstream: NodeRef,
    downstream: NodeRef,
) -> Result<SaveOutcome, ServerFnError> {
    super::catalog()?
        .add_dependency(upstream, downstream)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "dependencies/remove")]
pub async fn remove_dependency(id: i64) -> Result<SaveOutcome, ServerFnError> {
    super::catalog()?
        .remove_dependency(id)
        .await
        .map_err(super::refused)
}

/// Automations and orchestrations whose name matches, for the picker.
#[server(prefix = "/rpc", endpoint = "dependencies/find")]
pub async fn find_nodes(query: String) -> Result<Vec<Endpoint>, ServerFnError> {
    super::catalog()?
        .find_nodes(query)
        .await
        .map_err(super::refused)
}

/// The leverage ranking with its suggestions.
#[server(prefix = "/rpc", endpoint = "leverage")]
pub async fn load_leverage() -> Result<LeverageReport, ServerFnError> {
    super::catalog()?
        .leverage_report()
        .await
        .map_err(super::refused)
}

/// Gives an automation a new ping key; the old one still works for a while.
#[server(prefix = "/rpc", endpoint = "automations/rotate-key")]
pub async fn rotate_ping_key(id: i64) -> Result<SaveOutcome, ServerFnError> {
    super::catalog()?
        .rotate_ping_key(id)
        .await
        .map_err(super::refused)
}

//! Runbooks from the screens: read, edit with a preview, history, compare,
//! restore, verify.

use leptos::prelude::*;

use crate::model::forms::SaveOutcome;
use crate::model::runbooks::RunbookDraft;
use crate::services::{
    RevisionScreen, RunbookComparison, RunbookEditor, RunbookHistory, RunbookSaveOutcome,
    RunbookScreen,
};

/// The runbook of the orchestration `slug`; `None` for an unknown slug.
#[server(prefix = "/rpc", endpoint = "runbooks/one")]
pub async fn load_runbook(slug: String) -> Result<Option<RunbookScreen>, ServerFnError> {
    super::runbooks()?
        .runbook(slug)
        .await
        .map_err(super::refused)
}

/// The editor on the current text, or on the template.
#[server(prefix = "/rpc", endpoint = "runbooks/editor")]
pub async fn open_runbook_editor(slug: String) -> Result<Option<RunbookEditor>, ServerFnError> {
    super::runbooks()?
        .runbook_editor(slug)
        .await
        .map_err(super::refused)
}

/// Markdown as the runbook would show it (sanitised HTML).
#[server(prefix = "/rpc", endpoint = "runbooks/preview")]
pub async fn preview_runbook(body: String) -> Result<String, ServerFnError> {
    super::runbooks()?
        .preview(body)
        .await
        .map_err(super::refused)
}

/// Saves the text as the next revision, if `base_revision` is the newest.
#[server(prefix = "/rpc", endpoint = "runbooks/save")]
pub async fn save_runbook(
    slug: String,
    draft: RunbookDraft,
) -> Result<RunbookSaveOutcome, ServerFnError> {
    super::runbooks()?
        .save_runbook(slug, draft)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "runbooks/history")]
pub async fn load_runbook_history(slug: String) -> Result<Option<RunbookHistory>, ServerFnError> {
    super::runbooks()?
        .runbook_history(slug)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "runbooks/revision")]
pub async fn load_runbook_revision(
    slug: String,
    number: i64,
) -> Result<Option<RevisionScreen>, ServerFnError> {
    super::runbooks()?
        .runbook_revision(slug, number)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "runbooks/compare")]
pub async fn compare_runbook(
    slug: String,
    from: i64,
    to: i64,
) -> Result<Option<RunbookComparison>, ServerFnError> {
    super::runbooks()?
        .compare_revisions(slug, from, to)
        .await
        .map_err(super::refused)
}

/// Brings an old revision back as the newest.
#[server(prefix = "/rpc", endpoint = "runbooks/restore")]
pub async fn restore_runbook(slug: String, number: i64) -> Result<SaveOutcome, ServerFnError> {
    super::runbooks()?
        .restore_revision(slug, number)
        .await
        .map_err(super::refused)
}

/// Marks the current revision verified.
#[server(prefix = "/rpc", endpoint = "runbooks/verify")]
pub async fn verify_runbook(slug: String) -> Result<SaveOutcome, ServerFnError> {
    super::runbooks()?
        .verify_runbook(slug)
        .await
        .map_err(super::refused)
}

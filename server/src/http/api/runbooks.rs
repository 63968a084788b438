//! `/api/v1/orchestrations/{slug}/runbook`: the runbook, its revisions,
//! comparisons, restores and verification; read by anyone who reads,
//! changed by the orchestration's owner, backup owner and admins.

use app::model::runbooks::{
    Revision, RevisionDiff, RevisionMeta, RunbookDraft, RunbookStatus, Verification,
};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};

use super::json::JsonBody;
use crate::http::error::AppError;
use crate::http::error::Caller;
use crate::runbooks::{self, RunbookError};
use crate::startup::AppState;

impl From<RunbookError> for AppError {
    fn from(err: RunbookError) -> Self {
        match err {
            RunbookError::Catalog(err) => err.into(),
            RunbookError::Conflict {
                base,
                theirs,
                yours,
                diff,
            } => AppError::Stale(serde_json::json!({
                "base_revision": base,
                "theirs": theirs,
                "yours": yours,
                "diff": diff,
            })),
            RunbookError::Refused(why) => AppError::Conflict(why),
        }
    }
}

/// A runbook as the API gives it.
#[derive(Debug, Serialize)]
pub struct RunbookView {
    pub orchestration: String,
    pub status: RunbookStatus,
    /// The current revision; `null` before the first save.
    pub current: Option<Revision>,
    /// The current text as sanitised HTML.
    pub html: Option<String>,
    /// Where to download it as markdown.
    pub markdown_url: String,
}

async fn view(state: &AppState, slug: &str) -> Result<RunbookView, AppError> {
    let o = state.store.orchestration_by_slug(slug).await?;
    let current = runbooks::current(
        &*state.store,
        o.id,
        state.config.runbook_stale_days,
        state.clock.now(),
    )
    .await?;
    Ok(RunbookView {
        html: current.revision.as_ref().map(|r| runbooks::render(&r.body)),
        markdown_url: format!(
            "{}/api/v1/orchestrations/{}/runbook.md",
            state.config.public_url, o.fields.slug
        ),
        orchestration: o.fields.slug,
        status: current.status,
        current: current.revision,
    })
}

/// `GET …/runbook`: the current revision and its standing.
pub async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<RunbookView>, AppError> {
    Ok(Json(view(&state, &slug).await?))
}

/// `PUT …/runbook`: saves `{body, note, base_revision}` as the next
/// revision. 409 with their revision, your text and the difference when
/// `base_revision` is not the newest; 422 per field.
pub async fn save(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(slug): Path<String>,
    JsonBody(draft): JsonBody<RunbookDraft>,
) -> Result<Json<RunbookView>, AppError> {
    let o = state.store.orchestration_by_slug(&slug).await?;
    runbooks::save(&*state.store, &*state.clock, &actor, &o, draft).await?;
    Ok(Json(view(&state, &slug).await?))
}

#[derive(Debug, Serialize)]
pub struct Template {
    pub body: String,
}

/// `GET …/runbook/template`: a new runbook's text, filled from the card.
pub async fn template(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Template>, AppError> {
    let o = state.store.orchestration_by_slug(&slug).await?;
    Ok(Json(Template {
        body: runbooks::template_for(&*state.store, &o).await?,
    }))
}

/// `GET …/runbook.md`: the current text as a markdown file.
pub async fn markdown(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let o = state.store.orchestration_by_slug(&slug).await?;
    let (current, _) = state.store.runbook(o.id).await?;
    let current = current.ok_or(AppError::NotFound)?;
    let disposition = format!(
        "attachment; filename=\"{}-runbook-r{}.md\"",
        o.fields.slug, current.number
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        current.body,
    ))
}

/// `GET …/runbook/revisions`: every revision without its text, newest first.
pub async fn revisions(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Vec<RevisionMeta>>, AppError> {
    let o = state.store.orchestration_by_slug(&slug).await?;
    Ok(Json(state.store.runbook_revisions(o.id).await?))
}

fn number(text: &str) -> Result<i64, AppError> {
    text.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Serialize)]
pub struct RevisionView {
    #[serde(flatten)]
    pub revision: Revision,
    pub html: String,
}

/// `GET …/runbook/revisions/{number}`: one revision with its text.
pub async fn revision(
    State(state): State<AppState>,
    Path((slug, n)): Path<(String, String)>,
) -> Result<Json<RevisionView>, AppError> {
    let o = state.store.orchestration_by_slug(&slug).await?;
    let revision = state.store.runbook_revision(o.id, number(&n)?).await?;
    Ok(Json(RevisionView {
        html: runbooks::render(&revision.body),
        revision,
    }))
}

/// `POST …/runbook/revisions/{number}/restore`: that text again, as a new
/// revision (201).
pub async fn restore(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path((slug, n)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Revision>), AppError> {
    let o = state.store.orchestration_by_slug(&slug).await?;
    let restored = runbooks::restore(&*state.store, &*state.clock, &actor, &o, number(&n)?).await?;
    Ok((StatusCode::CREATED, Json(restored)))
}

#[derive(Debug, Deserialize)]
pub struct DiffQuery {
    from: i64,
    to: i64,
}

/// `GET …/runbook/diff?from=&to=`: two revisions compared line by line.
pub async fn diff(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    query: Result<Query<DiffQuery>, QueryRejection>,
) -> Result<Json<RevisionDiff>, AppError> {
    let Query(query) = query.map_err(|_| {
        AppError::BadRequest(
            "name the two revisions to compare as numbers: ?from=1&to=2".to_owned(),
        )
    })?;
    let o = state.store.orchestration_by_slug(&slug).await?;
    Ok(Json(
        runbooks::compare(&*state.store, o.id, query.from, query.to).await?,
    ))
}

/// `POST …/runbook/verify`: the current revision is verified by the caller.
pub async fn verify(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(slug): Path<String>,
) -> Result<Json<Verification>, AppError> {
    let o = state.store.orchestration_by_slug(&slug).await?;
    Ok(Json(
        runbooks::verify(&*state.store, &*state.clock, &actor, &o).await?,
    ))
}

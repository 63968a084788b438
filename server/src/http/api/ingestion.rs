//! Ingestion's API: sources and their keys (admins), an automation's slug
//! and runs, the claim queue, and the delivery log with replay.

use app::model::ingestion::{
    ClaimItem, DeliveryDetails, DeliveryFilter, DeliveryOutcome, DeliveryPage, Run, RunFilter,
    RunHistory, RunStatus, Source, SourceDetails, SourceDraft, SourceUrls,
};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::json::JsonBody;
use crate::http::error::{AppError, Caller};
use crate::sources;
use crate::startup::AppState;

fn id(text: &str) -> Result<i64, AppError> {
    text.parse().map_err(|_| AppError::NotFound)
}

/// `GET /api/v1/sources`: every source with its key and URLs (admins).
pub async fn list_sources(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<Vec<SourceDetails>>, AppError> {
    Ok(Json(
        sources::sources(&*state.store, &actor, &state.config.public_url).await?,
    ))
}

/// `POST /api/v1/sources`: a new source, with its key.
pub async fn create_source(
    State(state): State<AppState>,
    Caller(actor): Caller,
    JsonBody(draft): JsonBody<SourceDraft>,
) -> Result<(StatusCode, Json<SourceDetails>), AppError> {
    let id = sources::create_source(&*state.store, &*state.clock, &actor, draft).await?;
    let created = sources::sources(&*state.store, &actor, &state.config.public_url)
        .await?
        .into_iter()
        .find(|s| s.source.id == id)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Debug, Serialize)]
pub struct RotatedKey {
    key: String,
    urls: SourceUrls,
}

/// `POST /api/v1/sources/{id}/key`: a new key; the old one keeps working
/// for the configured overlap.
pub async fn rotate_source_key(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(source): Path<String>,
) -> Result<Json<RotatedKey>, AppError> {
    let (key, tool) = sources::rotate_source_key(
        &*state.store,
        &*state.clock,
        &actor,
        id(&source)?,
        state.config.key_overlap,
    )
    .await?;
    Ok(Json(RotatedKey {
        urls: SourceUrls::new(&state.config.public_url, tool, &key),
        key,
    }))
}

#[derive(Debug, Serialize)]
pub struct RotatedSecret {
    secret: String,
    old_secret_accepted_until: DateTime<Utc>,
}

/// `POST /api/v1/sources/{id}/secret`: a new signing secret; deliveries
/// signed with the old one are accepted for the configured overlap.
pub async fn rotate_source_secret(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(source): Path<String>,
) -> Result<Json<RotatedSecret>, AppError> {
    let overlap = state.config.key_overlap;
    let secret =
        sources::rotate_source_secret(&*state.store, &*state.clock, &actor, id(&source)?, overlap)
            .await?;
    Ok(Json(RotatedSecret {
        secret,
        old_secret_accepted_until: state.clock.now() + overlap,
    }))
}

#[derive(Debug, Deserialize)]
pub struct SlugBody {
    source_id: i64,
    slug: String,
}

#[derive(Debug, Serialize)]
pub struct SlugView {
    source: Source,
    slug: String,
}

/// `PUT /api/v1/automations/{id}/slug`: names the automation in a source.
pub async fn set_slug(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(automation): Path<String>,
    JsonBody(body): JsonBody<SlugBody>,
) -> Result<Json<SlugView>, AppError> {
    let automation = id(&automation)?;
    sources::set_slug(
        &*state.store,
        &*state.clock,
        &actor,
        automation,
        Some((body.source_id, body.slug.trim().to_owned())),
    )
    .await?;
    let source = sources::source_names(&*state.store)
        .await?
        .into_iter()
        .find(|s| s.id == body.source_id)
        .ok_or(AppError::NotFound)?;
    Ok(Json(SlugView {
        source,
        slug: body.slug.trim().to_owned(),
    }))
}

/// `DELETE /api/v1/automations/{id}/slug`: no longer named in a source.
pub async fn remove_slug(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(automation): Path<String>,
) -> Result<StatusCode, AppError> {
    sources::set_slug(&*state.store, &*state.clock, &actor, id(&automation)?, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/automations/{id}/runs`: the newest 100 runs.
pub async fn runs(
    State(state): State<AppState>,
    Path(automation): Path<String>,
) -> Result<Json<Vec<Run>>, AppError> {
    let automation = id(&automation)?;
    state.store.automation(automation).await?;
    Ok(Json(state.store.runs(automation, 100).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HistoryQuery {
    automation_id: Option<i64>,
    outcome: Option<RunStatus>,
    page: Option<u32>,
}

/// `GET /api/v1/orchestrations/{slug}/runs`: its runs, newest first, a
/// page at a time, narrowed by automation and outcome.
pub async fn orchestration_runs(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<Json<RunHistory>, AppError> {
    let Query(query) = query.map_err(|err| AppError::BadRequest(err.body_text()))?;
    let filter = RunFilter {
        automation_id: query.automation_id,
        status: query.outcome,
    };
    Ok(Json(
        crate::runs::orchestration_history(&*state.store, &slug, &filter, query.page.unwrap_or(1))
            .await?,
    ))
}

/// `GET /api/v1/claims`: automations pings created, waiting for an owner.
pub async fn claim_queue(State(state): State<AppState>) -> Result<Json<Vec<ClaimItem>>, AppError> {
    Ok(Json(state.store.claim_queue().await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ClaimBody {
    orchestration_id: Option<i64>,
}

/// `POST /api/v1/automations/{id}/claim`: the caller owns it from now on,
/// in the orchestration given (or loose).
pub async fn claim(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(automation): Path<String>,
    JsonBody(body): JsonBody<ClaimBody>,
) -> Result<StatusCode, AppError> {
    sources::claim(
        &*state.store,
        &*state.clock,
        &actor,
        id(&automation)?,
        body.orchestration_id,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeliveryQuery {
    source_id: Option<i64>,
    automation_id: Option<i64>,
    outcome: Option<DeliveryOutcome>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    page: Option<u32>,
}

/// `GET /api/v1/deliveries`: the delivery log, newest first, filtered.
pub async fn deliveries(
    State(state): State<AppState>,
    Caller(actor): Caller,
    query: Result<Query<DeliveryQuery>, QueryRejection>,
) -> Result<Json<DeliveryPage>, AppError> {
    let Query(query) = query.map_err(|err| AppError::BadRequest(err.body_text()))?;
    let filter = DeliveryFilter {
        source_id: query.source_id,
        automation_id: query.automation_id,
        outcome: query.outcome,
        since: query.since,
        until: query.until,
    };
    Ok(Json(
        sources::deliveries(&*state.store, &actor, &filter, query.page.unwrap_or(1)).await?,
    ))
}

/// `GET /api/v1/deliveries/{id}`: one delivery with its headers and body.
pub async fn delivery(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(delivery): Path<String>,
) -> Result<Json<DeliveryDetails>, AppError> {
    Ok(Json(
        sources::delivery(&*state.store, &actor, id(&delivery)?).await?,
    ))
}

/// Bytes to download as the file `name` (`application/octet-stream`).
fn download(name: String, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse as _;
    (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /api/v1/deliveries/{id}/body`: the body exactly as received, to
/// download.
pub async fn delivery_body(
    State(state): State<AppState>,
    Caller(_): Caller,
    Path(delivery): Path<String>,
) -> Result<axum::response::Response, AppError> {
    let id = id(&delivery)?;
    let body = sources::delivery_body(&*state.store, id).await?;
    Ok(download(format!("delivery-{id}.bin"), body))
}

/// `GET /api/v1/runs/{id}/log`: a run's log exactly as received (as far
/// as it was kept), to download.
pub async fn run_log(
    State(state): State<AppState>,
    Path(run): Path<String>,
) -> Result<axum::response::Response, AppError> {
    let id = id(&run)?;
    let log = state.store.run_log(id).await?.ok_or(AppError::NotFound)?;
    Ok(download(
        format!("run-{id}.log"),
        app::model::received::as_received(&log),
    ))
}

/// `POST /api/v1/deliveries/{id}/replay`: processes it again (admins).
pub async fn replay(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(delivery): Path<String>,
) -> Result<StatusCode, AppError> {
    sources::replay(&*state.store, &*state.clock, &actor, id(&delivery)?).await?;
    Ok(StatusCode::ACCEPTED)
}

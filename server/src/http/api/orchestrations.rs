//! `/api/v1/orchestrations`: register, list, read, change, retire, delete.

use app::model::catalog::{Orchestration, OrchestrationDraft};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header::LOCATION};
use serde::{Deserialize, Serialize};

use super::json::JsonBody;
use crate::catalog;
use crate::http::error::{AppError, Caller};
use crate::startup::AppState;

/// An orchestration as the API shows it: its fields and its risk flags.
#[derive(Debug, Serialize)]
pub struct OrchestrationView {
    #[serde(flatten)]
    orchestration: Orchestration,
    unowned: bool,
    no_failure_mode: bool,
}

impl From<Orchestration> for OrchestrationView {
    fn from(orchestration: Orchestration) -> Self {
        Self {
            unowned: orchestration.is_unowned(),
            no_failure_mode: orchestration.lacks_failure_mode(),
            orchestration,
        }
    }
}

pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<OrchestrationView>>, AppError> {
    let all = state.store.orchestrations().await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

pub async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<OrchestrationView>, AppError> {
    Ok(Json(state.store.orchestration_by_slug(&slug).await?.into()))
}

pub async fn create(
    State(state): State<AppState>,
    Caller(actor): Caller,
    JsonBody(draft): JsonBody<OrchestrationDraft>,
) -> Result<(StatusCode, HeaderMap, Json<OrchestrationView>), AppError> {
    let created =
        catalog::create_orchestration(&*state.store, &*state.clock, &actor, draft).await?;
    let mut headers = HeaderMap::new();
    if let Ok(location) =
        HeaderValue::from_str(&format!("/api/v1/orchestrations/{}", created.fields.slug))
    {
        headers.insert(LOCATION, location);
    }
    Ok((StatusCode::CREATED, headers, Json(created.into())))
}

/// A change names the version it was made on.
#[derive(Debug, Deserialize)]
pub struct Versioned<T> {
    pub version: i64,
    #[serde(flatten)]
    pub fields: T,
}

pub async fn update(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(slug): Path<String>,
    JsonBody(change): JsonBody<Versioned<OrchestrationDraft>>,
) -> Result<Json<OrchestrationView>, AppError> {
    let id = state.store.orchestration_by_slug(&slug).await?.id;
    let saved = catalog::update_orchestration(
        &*state.store,
        &*state.clock,
        &actor,
        id,
        change.version,
        change.fields,
    )
    .await?;
    Ok(Json(saved.into()))
}

#[derive(Debug, Deserialize)]
pub struct VersionOnly {
    version: i64,
}

pub async fn retire(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(slug): Path<String>,
    JsonBody(body): JsonBody<VersionOnly>,
) -> Result<Json<OrchestrationView>, AppError> {
    let id = state.store.orchestration_by_slug(&slug).await?.id;
    let retired =
        catalog::retire_orchestration(&*state.store, &*state.clock, &actor, id, body.version)
            .await?;
    Ok(Json(retired.into()))
}

#[derive(Debug, Deserialize)]
pub struct Confirmation {
    #[serde(default)]
    confirm: String,
}

pub async fn delete(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(slug): Path<String>,
    Query(confirmation): Query<Confirmation>,
) -> Result<StatusCode, AppError> {
    let id = state.store.orchestration_by_slug(&slug).await?.id;
    catalog::delete_orchestration(
        &*state.store,
        &*state.clock,
        &actor,
        id,
        &confirmation.confirm,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

//! `/api/v1/dependencies`: "A feeds B" between automations and
//! orchestrations — add (refusing cycles), list, read, remove; and each
//! orchestration's neighbourhood.

use app::model::dependencies::{Dependency, DependencyDraft, Neighbourhood};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header::LOCATION};

use super::json::JsonBody;
use crate::graph;
use crate::http::error::{AppError, Caller};
use crate::startup::AppState;

/// An id from the path; anything else names nothing.
fn dependency_id(text: &str) -> Result<i64, AppError> {
    text.parse().map_err(|_| AppError::NotFound)
}

pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<Dependency>>, AppError> {
    Ok(Json(state.store.dependencies().await?))
}

pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Dependency>, AppError> {
    Ok(Json(state.store.dependency(dependency_id(&id)?).await?))
}

pub async fn create(
    State(state): State<AppState>,
    Caller(actor): Caller,
    JsonBody(draft): JsonBody<DependencyDraft>,
) -> Result<(StatusCode, HeaderMap, Json<Dependency>), AppError> {
    let added = graph::add_dependency(&*state.store, &*state.clock, &actor, draft).await?;
    let mut headers = HeaderMap::new();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/dependencies/{}", added.id)) {
        headers.insert(LOCATION, location);
    }
    Ok((StatusCode::CREATED, headers, Json(added)))
}

pub async fn delete(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    graph::remove_dependency(&*state.store, &*state.clock, &actor, dependency_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What feeds an orchestration (and its automations) and what it feeds.
pub async fn neighbourhood(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Neighbourhood>, AppError> {
    let orchestration = state.store.orchestration_by_slug(&slug).await?;
    let members = graph::members(&*state.store, orchestration.id).await?;
    Ok(Json(
        graph::neighbourhood(&*state.store, &orchestration, &members).await?,
    ))
}

//! Health through the API: states and figures of an automation, of an
//! orchestration (with its automations'), counts of everything by state,
//! and pauses (added and ended by those who may edit what they pause).

use app::model::health::{Health, Pause, PauseDraft};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;

use super::json::JsonBody;
use crate::graph;
use crate::health::{self, HealthCounts, MemberHealth, Paused};
use crate::http::error::{AppError, Caller};
use crate::startup::AppState;

fn id(text: &str) -> Result<i64, AppError> {
    text.parse().map_err(|_| AppError::NotFound)
}

/// `GET /api/v1/automations/{id}/health`.
pub async fn automation(
    State(state): State<AppState>,
    Path(automation): Path<String>,
) -> Result<Json<Health>, AppError> {
    let automation = state.store.automation(id(&automation)?).await?;
    let now = state.clock.now();
    Ok(Json(
        health::automation_health(&*state.store, &automation, now).await?,
    ))
}

#[derive(Debug, Serialize)]
pub struct OrchestrationHealth {
    #[serde(flatten)]
    health: Health,
    automations: Vec<MemberHealth>,
}

/// `GET /api/v1/orchestrations/{slug}/health`.
pub async fn orchestration(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<OrchestrationHealth>, AppError> {
    let o = state.store.orchestration_by_slug(&slug).await?;
    let members = graph::members(&*state.store, o.id).await?;
    let now = state.clock.now();
    let (health, automations) =
        health::orchestration_health(&*state.store, &o, &members, now).await?;
    Ok(Json(OrchestrationHealth {
        health,
        automations,
    }))
}

/// `GET /api/v1/health`: how many automations and orchestrations are in
/// each state.
pub async fn counts(State(state): State<AppState>) -> Result<Json<HealthCounts>, AppError> {
    let now = state.clock.now();
    Ok(Json(health::health_counts(&*state.store, now).await?))
}

/// `POST /api/v1/automations/{id}/pauses`.
pub async fn pause_automation(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(automation): Path<String>,
    JsonBody(body): JsonBody<PauseDraft>,
) -> Result<(StatusCode, Json<Pause>), AppError> {
    let what = Paused::Automation(id(&automation)?);
    let pause = health::add_pause(&*state.store, &*state.clock, &actor, what, body).await?;
    Ok((StatusCode::CREATED, Json(pause)))
}

/// `POST /api/v1/orchestrations/{slug}/pauses`.
pub async fn pause_orchestration(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(slug): Path<String>,
    JsonBody(body): JsonBody<PauseDraft>,
) -> Result<(StatusCode, Json<Pause>), AppError> {
    let what = Paused::Orchestration(state.store.orchestration_by_slug(&slug).await?.id);
    let pause = health::add_pause(&*state.store, &*state.clock, &actor, what, body).await?;
    Ok((StatusCode::CREATED, Json(pause)))
}

/// `POST /api/v1/pauses/{id}/end`: resumes now, or removes a window not
/// begun yet.
pub async fn end_pause(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(pause): Path<String>,
) -> Result<StatusCode, AppError> {
    health::end_pause(&*state.store, &*state.clock, &actor, id(&pause)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

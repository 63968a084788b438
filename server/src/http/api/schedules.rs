//! An automation's expected schedule: read by anyone who reads, set and
//! removed by those who may edit the automation.

use app::model::schedule::{Schedule, ScheduleView};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::json::JsonBody;
use crate::http::error::{AppError, Caller};
use crate::schedule;
use crate::startup::AppState;

fn id(text: &str) -> Result<i64, AppError> {
    text.parse().map_err(|_| AppError::NotFound)
}

/// `GET /api/v1/automations/{id}/schedule`: the schedule, in words, and
/// when the next run is due; `null` when nothing is expected of it.
pub async fn get(
    State(state): State<AppState>,
    Path(automation): Path<String>,
) -> Result<Json<Option<ScheduleView>>, AppError> {
    let automation = id(&automation)?;
    state.store.automation(automation).await?;
    Ok(Json(
        schedule::schedule_view(&*state.store, automation).await?,
    ))
}

/// `PUT /api/v1/automations/{id}/schedule`: sets it (422 per field).
pub async fn put(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(automation): Path<String>,
    JsonBody(body): JsonBody<Schedule>,
) -> Result<Json<ScheduleView>, AppError> {
    let automation = id(&automation)?;
    schedule::set_schedule(&*state.store, &*state.clock, &actor, automation, Some(body)).await?;
    schedule::schedule_view(&*state.store, automation)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

/// `DELETE /api/v1/automations/{id}/schedule`: nothing expected any more.
pub async fn delete(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(automation): Path<String>,
) -> Result<StatusCode, AppError> {
    schedule::set_schedule(&*state.store, &*state.clock, &actor, id(&automation)?, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

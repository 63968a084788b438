//! `/api/v1/orchestrations/{slug}/review-schedule`: how often an
//! orchestration is reviewed and when its next review is due; read by
//! anyone who reads, the cadence set by its owner, backup owner and admins.

use app::model::reviews::ReviewSchedule;
use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;

use super::json::JsonBody;
use crate::http::error::{AppError, Caller};
use crate::reviews;
use crate::startup::AppState;

async fn view(state: &AppState, slug: &str) -> Result<ReviewSchedule, AppError> {
    let o = state.store.orchestration_by_slug(slug).await?;
    Ok(reviews::schedule(
        &*state.store,
        state.config.fiscal_calendar,
        &o,
        state.clock.now(),
    )
    .await?)
}

/// `GET …/review-schedule`: the cadence, the due date and its standing in
/// the current fiscal quarter.
pub async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<ReviewSchedule>, AppError> {
    Ok(Json(view(&state, &slug).await?))
}

#[derive(Debug, Deserialize)]
pub struct CadenceBody {
    #[serde(default)]
    cadence: String,
}

/// `PUT …/review-schedule`: `{"cadence": "monthly" | "quarterly" |
/// "half_yearly"}`; 422 for any other.
pub async fn set(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(slug): Path<String>,
    JsonBody(body): JsonBody<CadenceBody>,
) -> Result<Json<ReviewSchedule>, AppError> {
    let o = state.store.orchestration_by_slug(&slug).await?;
    reviews::set_cadence(&*state.store, &*state.clock, &actor, &o, &body.cadence).await?;
    Ok(Json(view(&state, &slug).await?))
}

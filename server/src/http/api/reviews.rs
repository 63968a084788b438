//! Reviews in the API: an orchestration's review schedule and reviews
//! (`/api/v1/orchestrations/{slug}/review-schedule`, `…/reviews`), one
//! review (`/api/v1/reviews/{id}`: save, sign off, discard, action items),
//! the board of a quarter (`/api/v1/reviews`) and the quarterly report
//! (`/api/v1/reviews/report`, `.csv`). Read by anyone who reads; changed by
//! the orchestration's owner, backup owner and admins (an action item also
//! by its own owner).

use app::model::reviews::{
    ActionDraft, ActionItem, BoardFilter, Quarter, Review, ReviewBoard, ReviewDetail, ReviewDraft,
    ReviewReport, ReviewSchedule,
};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::json::JsonBody;
use crate::http::error::{AppError, Caller};
use crate::reviews::{self, ReviewError};
use crate::startup::AppState;

impl From<ReviewError> for AppError {
    fn from(err: ReviewError) -> Self {
        match err {
            ReviewError::Catalog(err) => err.into(),
            ReviewError::Stale(current) => {
                AppError::Stale(serde_json::to_value(current).unwrap_or_default())
            }
            ReviewError::Refused(why) => AppError::Conflict(why),
        }
    }
}

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

/// `GET …/reviews`: the orchestration's reviews, newest first.
pub async fn of_orchestration(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Vec<Review>>, AppError> {
    let o = state.store.orchestration_by_slug(&slug).await?;
    Ok(Json(state.store.reviews(o.id).await?))
}

async fn detail(state: &AppState, id: i64) -> Result<ReviewDetail, AppError> {
    Ok(reviews::detail(
        &*state.store,
        state.config.fiscal_calendar,
        state.config.runbook_stale_days,
        id,
        state.clock.now(),
    )
    .await?)
}

/// `POST …/reviews`: opens a draft review; 201 with it, 409 while one is
/// under way or for a retired orchestration.
pub async fn start(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(slug): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let o = state.store.orchestration_by_slug(&slug).await?;
    let review = reviews::start(&*state.store, &*state.clock, &actor, &o).await?;
    let location = format!("/api/v1/reviews/{}", review.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(detail(&state, review.id).await?),
    ))
}

/// `GET /api/v1/reviews/{id}`.
pub async fn one(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ReviewDetail>, AppError> {
    Ok(Json(detail(&state, id).await?))
}

/// Saves a draft, signing it off with `sign`, and answers with it.
async fn write(
    state: &AppState,
    actor: &app::model::accounts::Actor,
    id: i64,
    draft: ReviewDraft,
    sign: bool,
) -> Result<Json<ReviewDetail>, AppError> {
    let calendar = state.config.fiscal_calendar;
    reviews::save(
        &*state.store,
        &*state.clock,
        calendar,
        actor,
        id,
        draft,
        sign,
    )
    .await?;
    Ok(Json(detail(state, id).await?))
}

/// `PUT /api/v1/reviews/{id}`: saves a draft (`version` names the one it
/// was edited from: 409 with the current review when someone saved since).
pub async fn save(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    JsonBody(draft): JsonBody<ReviewDraft>,
) -> Result<Json<ReviewDetail>, AppError> {
    write(&state, &actor, id, draft, false).await
}

/// `POST /api/v1/reviews/{id}/sign`: saves and signs off; 422 with what is
/// still missing (unanswered items, a "no" without a note, no decision).
pub async fn sign(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    JsonBody(draft): JsonBody<ReviewDraft>,
) -> Result<Json<ReviewDetail>, AppError> {
    write(&state, &actor, id, draft, true).await
}

/// `DELETE /api/v1/reviews/{id}`: throws a draft away; 409 once signed.
pub async fn discard(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    reviews::discard(&*state.store, &*state.clock, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/reviews/{id}/actions`: adds an action item to a draft.
pub async fn add_action(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
    JsonBody(draft): JsonBody<ActionDraft>,
) -> Result<(StatusCode, Json<ActionItem>), AppError> {
    let item = reviews::add_action(&*state.store, &*state.clock, &actor, id, draft).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// `POST /api/v1/review-actions/{id}/done`.
pub async fn action_done(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> Result<Json<ActionItem>, AppError> {
    Ok(Json(
        reviews::set_action_done(&*state.store, &*state.clock, &actor, id, true).await?,
    ))
}

/// `POST /api/v1/review-actions/{id}/reopen`.
pub async fn action_reopen(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<i64>,
) -> Result<Json<ActionItem>, AppError> {
    Ok(Json(
        reviews::set_action_done(&*state.store, &*state.clock, &actor, id, false).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct BoardQuery {
    quarter: Option<String>,
    team: Option<i64>,
    owner: Option<i64>,
}

/// The quarter asked for (`2026-Q4`), or the current one.
fn quarter(state: &AppState, asked: Option<&str>) -> Result<Quarter, AppError> {
    match asked.map(str::trim).filter(|q| !q.is_empty()) {
        None => Ok(state
            .config
            .fiscal_calendar
            .quarter_of(state.clock.now().date_naive())),
        Some(text) => Quarter::parse(text).ok_or_else(|| {
            AppError::BadRequest(format!(
                "quarter must be written like 2026-Q4, not {text:?}"
            ))
        }),
    }
}

/// `GET /api/v1/reviews?quarter=2026-Q4&team=&owner=`: the board.
pub async fn board(
    State(state): State<AppState>,
    query: Result<Query<BoardQuery>, QueryRejection>,
) -> Result<Json<ReviewBoard>, AppError> {
    let Query(query) = query.map_err(|err| AppError::BadRequest(err.body_text()))?;
    let quarter = quarter(&state, query.quarter.as_deref())?;
    let filter = BoardFilter {
        team_id: query.team,
        owner_id: query.owner,
    };
    Ok(Json(
        reviews::board(
            &*state.store,
            state.config.fiscal_calendar,
            quarter,
            state.clock.now().date_naive(),
            filter,
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    quarter: Option<String>,
}

async fn build_report(state: &AppState, query: &ReportQuery) -> Result<ReviewReport, AppError> {
    let quarter = quarter(state, query.quarter.as_deref())?;
    Ok(reviews::report(
        &*state.store,
        state.config.fiscal_calendar,
        quarter,
        state.clock.now(),
        state.config.runbook_stale_days,
    )
    .await?)
}

/// `GET /api/v1/reviews/report?quarter=`: the quarterly report.
pub async fn report(
    State(state): State<AppState>,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Json<ReviewReport>, AppError> {
    let Query(query) = query.map_err(|err| AppError::BadRequest(err.body_text()))?;
    Ok(Json(build_report(&state, &query).await?))
}

/// `GET /api/v1/reviews/report.csv?quarter=`: the report's reviews as CSV.
pub async fn report_csv(
    State(state): State<AppState>,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(query) = query.map_err(|err| AppError::BadRequest(err.body_text()))?;
    let report = build_report(&state, &query).await?;
    let name = format!("baton-reviews-{}.csv", report.board.quarter);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        reviews::report_csv(&report),
    )
        .into_response())
}

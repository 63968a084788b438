//! `/api/v1/leverage`: the ranking, the top three and grouping
//! suggestions; and one orchestration's or automation's score with its
//! parts.

use app::model::leverage::{LeverageReport, Ranked};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use crate::http::error::AppError;
use crate::startup::AppState;
use crate::{graph, leverage};

const DEFAULT_AUTOMATIONS: usize = 50;
const MAX_AUTOMATIONS: usize = 500;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    /// How many automations of the ranking to return.
    limit: Option<usize>,
}

pub async fn report(
    State(state): State<AppState>,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Json<LeverageReport>, AppError> {
    let Query(query) = query.map_err(|err| AppError::BadRequest(err.body_text()))?;
    let limit = query.limit.unwrap_or(DEFAULT_AUTOMATIONS);
    if !(1..=MAX_AUTOMATIONS).contains(&limit) {
        return Err(AppError::BadRequest(format!(
            "limit is from 1 to {MAX_AUTOMATIONS}"
        )));
    }
    let mut report = leverage::report(
        &*state.store,
        state.clock.now(),
        state.config.runbook_stale_days,
    )
    .await?;
    report.automations.truncate(limit);
    Ok(Json(report))
}

pub async fn orchestration(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<Ranked>, AppError> {
    let o = state.store.orchestration_by_slug(&slug).await?;
    let members = graph::members(&*state.store, o.id).await?;
    let scope = crate::store::RollupScope::Orchestration(o.id);
    let now = state.clock.now();
    let observed = leverage::observe(&*state.store, scope, now).await?;
    let runbook =
        crate::runbooks::current(&*state.store, o.id, state.config.runbook_stale_days, now).await?;
    Ok(Json(leverage::for_orchestration(
        &o,
        &members,
        &observed,
        runbook.status.freshness,
    )))
}

pub async fn automation(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Ranked>, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let a = state.store.automation(id).await?;
    Ok(Json(
        leverage::for_automation(&*state.store, &a, state.clock.now()).await?,
    ))
}

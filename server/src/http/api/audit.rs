//! `/api/v1/audit`: the audit log, newest first, filtered — for admins. It
//! can only be read: no route changes or removes an entry.

use app::model::audit::{AuditFilter, AuditPage};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::audit;
use crate::http::error::{AppError, Caller};
use crate::startup::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    action: Option<String>,
    actor_id: Option<i64>,
    subject_kind: Option<String>,
    subject_id: Option<i64>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    page: Option<u32>,
}

pub async fn list(
    State(state): State<AppState>,
    Caller(actor): Caller,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<AuditPage>, AppError> {
    let Query(query) = query.map_err(|err| AppError::BadRequest(err.body_text()))?;
    let filter = AuditFilter {
        action: query.action,
        actor_id: query.actor_id,
        subject_kind: query.subject_kind,
        subject_id: query.subject_id,
        from: query.from,
        to: query.to,
    };
    Ok(Json(
        audit::browse(&*state.store, &actor, &filter, query.page.unwrap_or(1)).await?,
    ))
}

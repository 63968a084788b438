//! Incidents and alert channels through the API: incidents listed and shown
//! with their timeline and alerts, acknowledged by those who may change the
//! automation; alerts that gave up; each person's own channels, and every
//! channel for admins.

use app::model::incidents::{Alert, Channel, ChannelDraft, ChannelTest, Incident, IncidentDetail};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::json::JsonBody;
use crate::http::error::{AppError, Caller};
use crate::incidents;
use crate::startup::AppState;
use crate::store::IncidentFilter;

const PER_PAGE: u32 = 50;

fn id(text: &str) -> Result<i64, AppError> {
    text.parse().map_err(|_| AppError::NotFound)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IncidentQuery {
    /// `open`, `resolved` or `all` (the default).
    state: Option<String>,
    automation: Option<i64>,
    orchestration: Option<String>,
    page: Option<u32>,
}

#[derive(Debug, Serialize)]
pub struct IncidentPage {
    incidents: Vec<Incident>,
    total: u64,
    page: u32,
    per_page: u32,
}

/// `GET /api/v1/incidents`: newest first, filtered.
pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<IncidentQuery>, QueryRejection>,
) -> Result<Json<IncidentPage>, AppError> {
    let Query(query) = query.map_err(|err| AppError::BadRequest(err.body_text()))?;
    let open = match query.state.as_deref() {
        None | Some("all") => None,
        Some("open") => Some(true),
        Some("resolved") => Some(false),
        Some(other) => {
            return Err(AppError::BadRequest(format!(
                "state must be open, resolved or all, not {other:?}"
            )));
        }
    };
    let orchestration_id = match query.orchestration {
        Some(slug) => Some(state.store.orchestration_by_slug(&slug).await?.id),
        None => None,
    };
    let filter = IncidentFilter {
        open,
        automation_id: query.automation,
        orchestration_id,
    };
    let page = query.page.unwrap_or(1).max(1);
    let (incidents, total) = state
        .store
        .incidents(&filter, PER_PAGE, (page - 1).saturating_mul(PER_PAGE))
        .await?;
    Ok(Json(IncidentPage {
        incidents,
        total,
        page,
        per_page: PER_PAGE,
    }))
}

/// `GET /api/v1/incidents/{id}`: with its timeline and alerts.
pub async fn show(
    State(state): State<AppState>,
    Path(incident): Path<String>,
) -> Result<Json<IncidentDetail>, AppError> {
    Ok(Json(
        incidents::detail(&*state.store, id(&incident)?).await?,
    ))
}

/// `POST /api/v1/incidents/{id}/acknowledge`.
pub async fn acknowledge(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(incident): Path<String>,
) -> Result<Json<Incident>, AppError> {
    let now = state.clock.now();
    Ok(Json(
        incidents::acknowledge(&*state.store, &actor, id(&incident)?, now, None).await?,
    ))
}

/// `GET /api/v1/alerts/failed`: alerts that gave up, newest first.
pub async fn failed_alerts(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<Vec<Alert>>, AppError> {
    crate::access::require_admin(&actor, "list alerts that failed")?;
    Ok(Json(state.store.failed_alerts(100).await?))
}

/// `GET /api/v1/channels`: every channel (admins).
pub async fn channels(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<Vec<Channel>>, AppError> {
    crate::access::require_admin(&actor, "list everyone's alert channels")?;
    Ok(Json(
        incidents::visible_channels(&*state.store, &actor).await?,
    ))
}

/// Adds a channel as `actor`: 201 with it, as they may see it.
async fn added(
    state: &AppState,
    actor: &app::model::accounts::Actor,
    draft: ChannelDraft,
) -> Result<(StatusCode, Json<Channel>), AppError> {
    let channel = incidents::add_channel(
        &*state.store,
        actor,
        draft,
        state.clock.now(),
        state.config.allow_private_targets,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(channel)))
}

/// `POST /api/v1/channels`: a channel for anyone or any team (admins), or
/// for a team of the caller's (editors).
pub async fn add_channel(
    State(state): State<AppState>,
    Caller(actor): Caller,
    JsonBody(draft): JsonBody<ChannelDraft>,
) -> Result<(StatusCode, Json<Channel>), AppError> {
    added(&state, &actor, draft).await
}

/// `DELETE /api/v1/channels/{id}`: admins, and editors for their teams'.
pub async fn delete_channel(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(channel): Path<String>,
) -> Result<StatusCode, AppError> {
    let now = state.clock.now();
    incidents::delete_channel(&*state.store, &actor, id(&channel)?, now).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/channels/{id}/test`: sends a test message; 200 with what
/// the receiver answered (`reached` false when it did not arrive), 403 for
/// a channel the caller may not manage, 404 for none.
pub async fn test_channel(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(channel): Path<String>,
) -> Result<Json<ChannelTest>, AppError> {
    let sender = incidents::Sender::new(state.config.allow_private_targets);
    let now = state.clock.now();
    let tested = incidents::test_channel(
        &*state.store,
        &sender,
        &actor,
        id(&channel)?,
        &state.config.public_url,
        now,
    )
    .await?;
    Ok(Json(tested))
}

/// What someone submits for a channel of their own.
#[derive(Debug, Deserialize)]
pub struct OwnChannel {
    name: String,
    kind: String,
    url: String,
}

/// `GET /api/v1/account/channels`: the caller's own channels.
pub async fn own_channels(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<Vec<Channel>>, AppError> {
    let all = state.store.channels().await?;
    Ok(Json(
        all.into_iter()
            .filter(|c| c.user_id == Some(actor.id))
            .map(|c| incidents::masked_for(&actor, c))
            .collect(),
    ))
}

/// `POST /api/v1/account/channels`: a channel of the caller's own.
pub async fn add_own_channel(
    State(state): State<AppState>,
    Caller(actor): Caller,
    JsonBody(own): JsonBody<OwnChannel>,
) -> Result<(StatusCode, Json<Channel>), AppError> {
    let draft = ChannelDraft {
        name: own.name,
        kind: own.kind,
        url: own.url,
        user_id: Some(actor.id),
        team_id: None,
    };
    added(&state, &actor, draft).await
}

/// `DELETE /api/v1/account/channels/{id}`: one of the caller's own; 404
/// for anyone else's.
pub async fn delete_own_channel(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(channel): Path<String>,
) -> Result<StatusCode, AppError> {
    let channel = state.store.channel(id(&channel)?).await?;
    if channel.user_id != Some(actor.id) {
        return Err(AppError::NotFound);
    }
    let now = state.clock.now();
    incidents::delete_channel(&*state.store, &actor, channel.id, now).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! `/api/v1/automations`: the inventory — add, list with filters, read,
//! change, delete.

use app::model::accounts::{Actor, TokenScope};
use app::model::inventory::{Automation, AutomationDraft, InventoryFilter, InventorySort, Tool};
use app::model::ping::PingUrls;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header::LOCATION};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::json::JsonBody;
use super::orchestrations::Versioned;
use crate::http::auth::TokenAuth;
use crate::http::error::{AppError, Caller};
use crate::inventory;
use crate::startup::AppState;

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;

/// An automation as the API shows it: its fields and its risk flags, and
/// (when shown alone, to someone who may change it, through a session or a
/// read-write token) its ping URLs: they are write credentials.
#[derive(Debug, Serialize)]
pub struct AutomationView {
    #[serde(flatten)]
    automation: Automation,
    loose: bool,
    unowned: bool,
    no_failure_mode: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    ping: Option<PingUrls>,
}

impl From<Automation> for AutomationView {
    fn from(automation: Automation) -> Self {
        Self {
            loose: automation.is_loose(),
            unowned: automation.is_unowned(),
            no_failure_mode: automation.lacks_failure_mode(),
            automation,
            ping: None,
        }
    }
}

impl AutomationView {
    /// The view, with its ping URLs if `caller` may have them.
    async fn with_ping(
        automation: Automation,
        state: &AppState,
        caller: &Actor,
        token: Option<TokenAuth>,
    ) -> Result<Self, AppError> {
        let writes = !matches!(token, Some(TokenAuth(TokenScope::Read)));
        let shown = writes
            && crate::access::may_edit_automation(&*state.store, caller, &automation).await?;
        let key = if shown {
            state.store.ping_key(automation.id).await?
        } else {
            None
        };
        let mut view = Self::from(automation);
        view.ping = key.map(|key| PingUrls::new(&state.config.public_url, &key));
        Ok(view)
    }
}

/// The query string of the list: the filter plus paging. (Spelled out
/// rather than flattened: flattening loses numbers and booleans in query
/// strings.)
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    q: Option<String>,
    tool: Option<Tool>,
    owner_id: Option<i64>,
    team_id: Option<i64>,
    orchestration_id: Option<i64>,
    loose: bool,
    unowned: bool,
    no_failure_mode: bool,
    sort: InventorySort,
    limit: Option<u32>,
    offset: u32,
}

impl ListQuery {
    fn filter(&self) -> InventoryFilter {
        InventoryFilter {
            q: self.q.clone(),
            tool: self.tool,
            owner_id: self.owner_id,
            team_id: self.team_id,
            orchestration_id: self.orchestration_id,
            loose: self.loose,
            unowned: self.unowned,
            no_failure_mode: self.no_failure_mode,
            health: None,
            sort: self.sort,
        }
    }
}

/// An id from the path; anything else names nothing.
fn automation_id(text: &str) -> Result<i64, AppError> {
    text.parse().map_err(|_| AppError::NotFound)
}

pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<Vec<AutomationView>>, AppError> {
    let Query(query) = query.map_err(|err| AppError::BadRequest(err.body_text()))?;
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::BadRequest(format!(
            "limit is from 1 to {MAX_PAGE}"
        )));
    }
    let found = state
        .store
        .automations(&query.filter(), limit, query.offset)
        .await?;
    Ok(Json(found.into_iter().map(Into::into).collect()))
}

pub async fn show(
    State(state): State<AppState>,
    Caller(actor): Caller,
    token: Option<Extension<TokenAuth>>,
    Path(id): Path<String>,
) -> Result<Json<AutomationView>, AppError> {
    let automation = state.store.automation(automation_id(&id)?).await?;
    let token = token.map(|Extension(t)| t);
    Ok(Json(
        AutomationView::with_ping(automation, &state, &actor, token).await?,
    ))
}

pub async fn create(
    State(state): State<AppState>,
    Caller(actor): Caller,
    token: Option<Extension<TokenAuth>>,
    JsonBody(draft): JsonBody<AutomationDraft>,
) -> Result<(StatusCode, HeaderMap, Json<AutomationView>), AppError> {
    let created = inventory::create_automation(&*state.store, &*state.clock, &actor, draft).await?;
    let mut headers = HeaderMap::new();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/automations/{}", created.id)) {
        headers.insert(LOCATION, location);
    }
    Ok((
        StatusCode::CREATED,
        headers,
        Json(
            AutomationView::with_ping(created, &state, &actor, token.map(|Extension(t)| t)).await?,
        ),
    ))
}

pub async fn update(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
    JsonBody(change): JsonBody<Versioned<AutomationDraft>>,
) -> Result<Json<AutomationView>, AppError> {
    let id = automation_id(&id)?;
    let saved = inventory::update_automation(
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

pub async fn delete(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    inventory::delete_automation(&*state.store, &*state.clock, &actor, automation_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/automations/{id}/ping-key`: a new ping key; the old one
/// keeps working for the configured overlap.
pub async fn rotate_ping_key(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(id): Path<String>,
) -> Result<Json<PingUrls>, AppError> {
    let key = inventory::rotate_ping_key(
        &*state.store,
        &*state.clock,
        &actor,
        automation_id(&id)?,
        state.config.key_overlap,
    )
    .await?;
    Ok(Json(PingUrls::new(&state.config.public_url, &key)))
}

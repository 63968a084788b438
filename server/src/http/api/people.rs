//! `/api/v1/people` and `/api/v1/teams`: everyone and every team (for
//! anyone signed in); adding people, changing roles, deactivating and
//! reactivating, teams and their members (for admins).

use app::model::accounts::Role;
use app::model::people::{Directory, TeamView};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::json::JsonBody;
use crate::accounts::NewAccount;
use crate::accounts::password::Password;
use crate::http::error::{AppError, Caller};
use crate::people;
use crate::startup::AppState;

fn id(text: &str) -> Result<i64, AppError> {
    text.parse().map_err(|_| AppError::NotFound)
}

pub async fn directory(State(state): State<AppState>) -> Result<Json<Directory>, AppError> {
    Ok(Json(people::directory(&*state.store).await?))
}

#[derive(Debug, Deserialize)]
pub struct NewPerson {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    role: Role,
    /// The first password, which they should change.
    #[serde(default)]
    password: String,
}

pub async fn add(
    State(state): State<AppState>,
    Caller(actor): Caller,
    JsonBody(new): JsonBody<NewPerson>,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let account = NewAccount {
        email: new.email,
        display_name: new.display_name,
        role: new.role,
        password: Password::new(new.password),
    };
    let id = people::add_person(&*state.store, &*state.clock, &actor, account).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

#[derive(Debug, Deserialize)]
pub struct RoleChange {
    role: Role,
}

pub async fn change_role(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(user): Path<String>,
    JsonBody(change): JsonBody<RoleChange>,
) -> Result<StatusCode, AppError> {
    people::change_role(
        &*state.store,
        &*state.clock,
        &actor,
        id(&user)?,
        change.role,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn deactivate(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(user): Path<String>,
) -> Result<Json<serde_json::Value>, AppError> {
    let released = people::deactivate(&*state.store, &*state.clock, &actor, id(&user)?).await?;
    Ok(Json(serde_json::json!({ "released": released })))
}

pub async fn reactivate(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(user): Path<String>,
) -> Result<StatusCode, AppError> {
    people::reactivate(&*state.store, &*state.clock, &actor, id(&user)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
pub struct NewTeam {
    #[serde(default)]
    name: String,
    slug: Option<String>,
}

pub async fn create_team(
    State(state): State<AppState>,
    Caller(actor): Caller,
    JsonBody(new): JsonBody<NewTeam>,
) -> Result<(StatusCode, Json<TeamView>), AppError> {
    let team = people::create_team(
        &*state.store,
        &*state.clock,
        &actor,
        &new.name,
        new.slug.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(team)))
}

async fn membership(
    state: AppState,
    actor: app::model::accounts::Actor,
    (team, user): (String, String),
    member: bool,
) -> Result<StatusCode, AppError> {
    people::set_membership(
        &*state.store,
        &*state.clock,
        &actor,
        id(&team)?,
        id(&user)?,
        member,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn add_member(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(ids): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    membership(state, actor, ids, true).await
}

pub async fn remove_member(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(ids): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    membership(state, actor, ids, false).await
}

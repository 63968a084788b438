//! The signed-in person, for the top bar and for hiding controls the
//! server would refuse.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::accounts::{Actor, ApiToken};
use crate::model::audit::{AuditFilter, AuditPage};
use crate::model::forms::SaveOutcome;
use crate::model::people::Directory;
use crate::services::TokenOutcome;

/// Who is signed in; `None` for nobody. Open to anonymous callers.
#[server(prefix = "/rpc", endpoint = "me")]
pub async fn who_am_i() -> Result<Option<Actor>, ServerFnError> {
    Ok(super::ssr::actor())
}

/// The active administrators' names: who can help someone refused.
#[server(prefix = "/rpc", endpoint = "administrators")]
pub async fn load_administrators() -> Result<Vec<String>, ServerFnError> {
    super::account()?
        .administrators()
        .await
        .map_err(super::refused)
}

/// The signed-in person's API tokens.
#[server(prefix = "/rpc", endpoint = "account/tokens")]
pub async fn list_tokens() -> Result<Vec<ApiToken>, ServerFnError> {
    super::account()?.tokens().await.map_err(super::refused)
}

/// Makes an API token for the signed-in person; the answer holds it, once.
#[server(prefix = "/rpc", endpoint = "account/tokens/create")]
pub async fn create_token(name: String, scope: String) -> Result<TokenOutcome, ServerFnError> {
    super::account()?
        .create_token(name, scope)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "account/tokens/revoke")]
pub async fn revoke_token(id: i64) -> Result<SaveOutcome, ServerFnError> {
    super::account()?
        .revoke_token(id)
        .await
        .map_err(super::refused)
}

/// A page (from 1) of the audit log, newest first: for admins.
#[server(prefix = "/rpc", endpoint = "admin/audit", input = Json)]
pub async fn load_audit(filter: AuditFilter, page: u32) -> Result<AuditPage, ServerFnError> {
    super::account()?
        .audit_log(filter, page)
        .await
        .map_err(super::refused)
}

/// Everyone and every team, for the people screen: admins only.
#[server(prefix = "/rpc", endpoint = "admin/people")]
pub async fn load_directory() -> Result<Directory, ServerFnError> {
    super::account()?.directory().await.map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "admin/people/add")]
pub async fn add_person(
    email: String,
    display_name: String,
    role: String,
    password: String,
) -> Result<SaveOutcome, ServerFnError> {
    super::account()?
        .add_person(email, display_name, role, password)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "admin/people/role")]
pub async fn change_role(id: i64, role: String) -> Result<SaveOutcome, ServerFnError> {
    super::account()?
        .change_role(id, role)
        .await
        .map_err(super::refused)
}

/// Deactivates (`active` false) or reactivates someone.
#[server(prefix = "/rpc", endpoint = "admin/people/active")]
pub async fn set_active(id: i64, active: bool) -> Result<SaveOutcome, ServerFnError> {
    super::account()?
        .set_active(id, active)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "admin/teams/create")]
pub async fn create_team(name: String) -> Result<SaveOutcome, ServerFnError> {
    super::account()?
        .create_team(name)
        .await
        .map_err(super::refused)
}

/// Adds someone to a team (`member`) or removes them.
#[server(prefix = "/rpc", endpoint = "admin/teams/member")]
pub async fn set_membership(
    team: i64,
    user: i64,
    member: bool,
) -> Result<SaveOutcome, ServerFnError> {
    super::account()?
        .set_membership(team, user, member)
        .await
        .map_err(super::refused)
}

//! The signed-in person, for the top bar and for hiding controls the
//! server would refuse.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::accounts::{Actor, ApiToken};
use crate::model::audit::{AuditFilter, AuditPage};
use crate::model::forms::SaveOutcome;
use crate::services::TokenOutcome;

/// Who is signed in; `None` for nobody. Open to anonymous callers.
#[server(prefix = "/rpc", endpoint = "me")]
pub async fn who_am_i() -> Result<Option<Actor>, ServerFnError> {
    Ok(super::ssr::actor())
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

//! `/api/v1/tokens`: the caller's own API tokens — list, make (the token is
//! in the answer, once), revoke. Managed from a signed-in session only: a
//! token cannot make or revoke tokens, so a leaked one cannot entrench
//! itself.

use app::model::accounts::{ApiToken, NewToken, TokenScope};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::{Json, RequestPartsExt as _};
use serde::Deserialize;

use super::json::JsonBody;
use crate::accounts::tokens;
use crate::audit::Author;
use crate::http::auth::TokenAuth;
use crate::http::error::{AppError, Caller};
use crate::startup::AppState;

/// Refuses token management with a token.
pub struct SessionOnly;

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for SessionOnly {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        match parts.extract::<Option<axum::Extension<TokenAuth>>>().await {
            Ok(None) => Ok(SessionOnly),
            _ => Err(AppError::Forbidden(
                "API tokens cannot make or revoke tokens: sign in to Baton to manage them"
                    .to_owned(),
            )),
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> Result<Json<Vec<ApiToken>>, AppError> {
    Ok(Json(tokens::list(&*state.store, &actor).await?))
}

#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    #[serde(default)]
    name: String,
    scope: TokenScope,
}

pub async fn create(
    State(state): State<AppState>,
    Caller(actor): Caller,
    _: SessionOnly,
    JsonBody(request): JsonBody<TokenRequest>,
) -> Result<(StatusCode, Json<NewToken>), AppError> {
    let made = tokens::create(
        &*state.store,
        &*state.clock,
        &Author::of(&actor),
        actor.id,
        &request.name,
        request.scope,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

pub async fn revoke(
    State(state): State<AppState>,
    Caller(actor): Caller,
    _: SessionOnly,
    Path(id): Path<String>,
) -> Result<Json<ApiToken>, AppError> {
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    Ok(Json(
        tokens::revoke(&*state.store, &*state.clock, &actor, id).await?,
    ))
}

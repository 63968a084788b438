//! The one error type HTTP handlers return: a clear 4xx for the caller's
//! mistake, an opaque 500 for everything else, with the cause logged.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use app::model::errors::{FieldError, FieldErrors};

use crate::catalog::CatalogError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    /// Signed in, but not allowed: 403 saying why.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    /// Fields to correct: 422 with a message per field.
    #[error("some fields need correcting")]
    Invalid(FieldErrors),
    /// A save based on an old version: 409 with what is current now.
    #[error("changed by someone else since you opened it: review their change and save again")]
    Stale(serde_json::Value),
    #[error("service unavailable: {0}")]
    Unavailable(&'static str),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The stable JSON body of every error answer.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub error: String,
    /// With 422: what is wrong with each field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldError>>,
    /// With 409: the current state, for the person to compare with theirs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<serde_json::Value>,
}

impl From<CatalogError> for AppError {
    fn from(err: CatalogError) -> Self {
        match err {
            CatalogError::Invalid(fields) => AppError::Invalid(fields),
            CatalogError::NotFound => AppError::NotFound,
            CatalogError::Forbidden(why) => AppError::Forbidden(why),
            CatalogError::Stale { current } => {
                AppError::Stale(serde_json::to_value(*current).unwrap_or_default())
            }
            CatalogError::StaleAutomation { current } => {
                AppError::Stale(serde_json::to_value(*current).unwrap_or_default())
            }
            unconfirmed @ CatalogError::Unconfirmed { .. } => {
                AppError::BadRequest(unconfirmed.to_string())
            }
            CatalogError::Store(err) => err.into(),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(why) => AppError::Conflict(why),
            StoreError::Other(cause) => AppError::Internal(cause),
        }
    }
}

impl AppError {
    /// The status and stable body of the answer (logging internal errors).
    pub fn into_parts(self) -> (StatusCode, ErrorBody) {
        let status = match &self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) | AppError::Stale(_) => StatusCode::CONFLICT,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let error = match &self {
            AppError::Internal(_) => "internal error; the server log has the details".to_owned(),
            other => other.to_string(),
        };
        let (fields, current) = match self {
            AppError::Invalid(fields) => (Some(fields.0), None),
            AppError::Stale(current) => (None, Some(current)),
            _ => (None, None),
        };
        (
            status,
            ErrorBody {
                error,
                fields,
                current,
            },
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, body) = self.into_parts();
        (status, Json(body)).into_response()
    }
}

/// The answer for any path under a machine-facing prefix (`/api/`, `/ping/`,
/// `/hooks/`, `/p/`) that names nothing: JSON, never the HTML error page.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// The signed-in person a handler acts for. The authentication middleware
/// lets no anonymous request past a closed path, so a missing one is 401.
#[derive(Debug, Clone)]
pub struct Caller(pub app::model::accounts::Actor);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<app::model::accounts::Actor>()
            .cloned()
            .map(Caller)
            .ok_or_else(|| {
                (
                    StatusCode::UNAUTHORIZED,
                    Json(ErrorBody {
                        error: "sign in first".to_owned(),
                        fields: None,
                        current: None,
                    }),
                )
                    .into_response()
            })
    }
}

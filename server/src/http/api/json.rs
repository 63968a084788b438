//! Reading JSON bodies with an answer a person can act on when they are
//! malformed: 400 and where the parser stopped.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use crate::http::error::AppError;

/// Like `axum::Json`, with Baton's error bodies.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(AppError::BadRequest(
                "send the body as JSON with Content-Type: application/json".to_owned(),
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|err| AppError::BadRequest(format!("cannot read the body: {err}")))?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|err| AppError::BadRequest(format!("malformed JSON: {err}")))
    }
}

//! Values no backend can keep are refused at the door, naming where they
//! were: a NUL character, which PostgreSQL cannot store in text (and
//! which no name, purpose or search means), in a query parameter, a JSON
//! field, a form field or an uploaded file. Without this, the same request
//! was kept on SQLite and failed with a 500 on PostgreSQL.
//!
//! This guards the screens and the API; ingestion reads its own requests
//! (a ping body is kept as bytes, and what becomes a run loses its NULs).

use app::model::errors::FieldErrors;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::http::error::AppError;

const NUL: char = '\0';

fn refused(field: &str) -> Response {
    let mut errors = FieldErrors::default();
    errors.add(
        field,
        "holds a NUL character (\\u0000), which Baton cannot keep: remove it",
    );
    AppError::Invalid(errors).into_response()
}

/// Refuses a request carrying a NUL anywhere Baton would keep or search
/// for it; passes everything else on unchanged.
pub async fn refuse_nul(request: Request, next: Next) -> Response {
    if let Some(query) = request.uri().query()
        && let Some(field) = form_field_with_nul(query.as_bytes())
    {
        return refused(&field);
    }
    let kind = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let is_json = kind.starts_with("application/json");
    let is_form = kind.starts_with("application/x-www-form-urlencoded");
    let is_text = kind.starts_with("text/");
    if !(is_json || is_form || is_text) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // The body limit layers sit outside: this reads at most what they let
    // through, and a body over it is theirs to answer.
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(err) => {
            return AppError::BadRequest(format!("cannot read the body: {err}")).into_response();
        }
    };
    let found = if is_json {
        serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|value| json_field_with_nul(&value, String::new()))
    } else if is_form {
        form_field_with_nul(&bytes)
    } else {
        bytes.iter().position(|b| *b == 0).map(|at| {
            let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
            format!("file, line {line}")
        })
    };
    if let Some(field) = found {
        return refused(&field);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The name of the first form (or query) field whose name or value holds
/// a NUL once decoded.
fn form_field_with_nul(encoded: &[u8]) -> Option<String> {
    form_urlencoded::parse(encoded)
        .find(|(name, value)| name.contains(NUL) || value.contains(NUL))
        .map(|(name, _)| name.replace(NUL, ""))
}

/// Where in a JSON document the first NUL is: `name`, `links[0].label`.
fn json_field_with_nul(value: &Value, at: String) -> Option<String> {
    let here = || {
        if at.is_empty() {
            "body".to_owned()
        } else {
            at.clone()
        }
    };
    match value {
        Value::String(text) if text.contains(NUL) => Some(here()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| json_field_with_nul(item, format!("{at}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(name, item)| {
            if name.contains(NUL) {
                return Some(here());
            }
            let path = if at.is_empty() {
                name.clone()
            } else {
                format!("{at}.{name}")
            };
            json_field_with_nul(item, path)
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_holding_a_nul_is_named() {
        let doc: Value =
            serde_json::from_str(r#"{"name": "ok", "links": [{"label": "a\u0000b"}]}"#).unwrap();
        assert_eq!(
            json_field_with_nul(&doc, String::new()).as_deref(),
            Some("links[0].label")
        );
        let clean: Value = serde_json::from_str(r#"{"name": "ok", "tags": ["x"]}"#).unwrap();
        assert_eq!(json_field_with_nul(&clean, String::new()), None);
        assert_eq!(form_field_with_nul(b"q=a%00b&x=1").as_deref(), Some("q"));
        assert_eq!(form_field_with_nul(b"q=ab&x=%2500"), None);
    }
}

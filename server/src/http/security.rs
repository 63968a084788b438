//! What every answer carries for the browser's protection, and the paths
//! refused before anything decides who may see them.
//!
//! Pages get a Content-Security-Policy that runs only Baton's own scripts:
//! the bundle from `/pkg/` and the inline scripts Leptos writes, each with
//! the request's nonce (Leptos makes one per page and puts it on every
//! script it writes). A stored value that somehow became markup still
//! cannot run. Everything else (the API, assets, errors, ingestion) gets a
//! policy that allows nothing at all, which a JSON or CSV answer never needs.

use std::sync::{Arc, OnceLock};

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::http::error::ErrorBody;

/// The policy of answers that are not pages: nothing may load or run.
const NOTHING_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The policy of a page rendered with `nonce`.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// Where a page being rendered leaves its nonce. [`security_headers`]
/// puts one in every reading request and writes the page's policy from it
/// once the answer is made, so the policy of a page never depends on the
/// renderer carrying a header along: it is there whenever the page's
/// scripts carry a nonce.
#[derive(Debug, Clone, Default)]
pub struct PageNonce(Arc<OnceLock<String>>);

/// Leaves the page's nonce for its policy; called while Leptos renders a
/// page (the nonce and the request are in its context then).
pub fn note_page_nonce() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(parts)) = (
        leptos::nonce::use_nonce(),
        use_context::<axum::http::request::Parts>(),
    ) else {
        return;
    };
    if let Some(slot) = parts.extensions.get::<PageNonce>() {
        // A second render of the same request keeps the first nonce.
        let _ = slot.0.set(nonce.to_string());
    }
}

/// Whether Baton is reached over https (then browsers are told to keep to it).
#[derive(Debug, Clone, Copy)]
pub struct Https(pub bool);

/// Adds the security headers to every answer that lacks them.
pub async fn security_headers(
    State(Https(https)): State<Https>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = PageNonce::default();
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        request.extensions_mut().insert(nonce.clone());
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Some(value) = nonce
        .0
        .get()
        .and_then(|nonce| HeaderValue::from_str(&page_policy(nonce)).ok())
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    let mut set = |name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, NOTHING_POLICY);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "same-origin");
    set(header::X_FRAME_OPTIONS, "DENY");
    if https {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    response
}

/// Dot segments (`/pkg/../orchestrations`, also spelled `%2e%2e`) never
/// reach the routes: a reading is sent to the path they stand for, where the
/// sign-in check applies as to any other; a change is refused.
pub async fn normalise_path(request: Request, next: Next) -> Response {
    let Some(path) = without_dot_segments(request.uri().path()) else {
        return next.run(request).await;
    };
    if request.method() == Method::GET || request.method() == Method::HEAD {
        let target = match request.uri().query() {
            Some(query) => format!("{path}?{query}"),
            None => path,
        };
        if target.parse::<Uri>().is_ok() {
            return Redirect::permanent(&target).into_response();
        }
    }
    (
        StatusCode::BAD_REQUEST,
        axum::Json(ErrorBody {
            error: "the path holds `.` or `..` segments: send the path they stand for".to_owned(),
            fields: None,
            current: None,
        }),
    )
        .into_response()
}

/// A dot segment, however spelled: `.` (`Here`) or `..` (`Up`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dots {
    Here,
    Up,
}

fn dots(segment: &str) -> Option<Dots> {
    match segment.to_ascii_lowercase().replace("%2e", ".").as_str() {
        "." => Some(Dots::Here),
        ".." => Some(Dots::Up),
        _ => None,
    }
}

/// The path with its `.` and `..` segments resolved, or `None` when it has
/// none (the usual case, which costs one scan).
fn without_dot_segments(path: &str) -> Option<String> {
    if !path.split('/').any(|s| dots(s).is_some()) {
        return None;
    }
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    let mut kept: Vec<&str> = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        match dots(segment) {
            None => kept.push(segment),
            Some(dots) => {
                if dots == Dots::Up {
                    kept.pop();
                }
                // A trailing dot segment names the folder: keep its slash.
                if i == last {
                    kept.push("");
                }
            }
        }
    }
    Some(format!("/{}", kept.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_are_resolved_however_spelled() {
        for (path, normal) in [
            ("/pkg/../orchestrations", Some("/orchestrations")),
            ("/pkg/%2e%2e/orchestrations", Some("/orchestrations")),
            ("/pkg/%2E%2e/admin/people", Some("/admin/people")),
            ("/ping/./abc", Some("/ping/abc")),
            ("/../../etc/passwd", Some("/etc/passwd")),
            ("/a/b/..", Some("/a/")),
            ("/orchestrations", None),
            ("/ping//abc", None),
            ("/a/..b/c", None),
            ("/files/.hidden", None),
        ] {
            assert_eq!(without_dot_segments(path).as_deref(), normal, "{path}");
        }
    }
}

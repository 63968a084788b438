//! The ingestion URLs: `/ping/…` (Healthchecks, and Cronitor with
//! `state=`), `/p/…` (Cronitor) and `/api/push/…` (Uptime Kuma). Each
//! answers in its tool's manner; what they mean is decided in
//! [`crate::ingest`].

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;

use super::client_ip::ClientIp;
use crate::ingest::hooks::Tool;
use crate::ingest::verify::Unverified;
use crate::ingest::webhooks::HookReceipt;
use crate::ingest::{Answer, Entry, Family, Incoming, Ingestor, REJECTED_BODY_CAP, Refusal};

/// Headers that carry someone's credentials: a ping needs none, and the
/// delivery log (readable by everyone signed in) must not keep them.
/// GitLab's token is its webhook's secret itself.
const CREDENTIALS: [header::HeaderName; 4] = [
    header::COOKIE,
    header::AUTHORIZATION,
    header::PROXY_AUTHORIZATION,
    header::HeaderName::from_static("x-gitlab-token"),
];

/// What a credential header's value is kept as.
const REDACTED: &str = "[redacted]";

/// Answers with `answer`, timing it for `/metrics`.
async fn timed(ingest: &Ingestor, answer: impl Future<Output = Response>) -> Response {
    let started = std::time::Instant::now();
    let response = answer.await;
    ingest.counters.latency.observe(started.elapsed());
    response
}

pub async fn ping(State(ingest): State<Ingestor>, request: Request) -> Response {
    timed(&ingest, take(&ingest, Entry::Ping, request)).await
}

pub async fn cronitor(State(ingest): State<Ingestor>, request: Request) -> Response {
    timed(&ingest, take(&ingest, Entry::Cronitor, request)).await
}

pub async fn push(State(ingest): State<Ingestor>, request: Request) -> Response {
    timed(&ingest, take(&ingest, Entry::Push, request)).await
}

/// `POST /hooks/<tool>/<source-key>`: a CI tool's webhook, answered in
/// JSON (tools show the answer in their delivery logs).
pub async fn hook(State(ingest): State<Ingestor>, request: Request) -> Response {
    timed(&ingest, take_hook(&ingest, request)).await
}

async fn take_hook(ingest: &Ingestor, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let incoming = incoming(Entry::Hook, &parts);
    let family_of = |tool: Option<Tool>| tool.map_or(Family::Ping, Family::Hook);
    let (tool, key) = match incoming.segments.as_slice() {
        [tool, key] => (Tool::parse(tool), key.clone()),
        _ => (None, String::new()),
    };
    let source = match tool {
        Some(tool) => ingest.hook_source(tool, &key).await,
        None => Err(crate::ingest::Rejection {
            refusal: Refusal::NotFound,
            family: Family::Ping,
            scope: String::new(),
            source_id: None,
            automation_id: None,
        }),
    };
    let (tool, source) = match (tool, source) {
        (Some(tool), Ok(source)) => (tool, source),
        (_, Err(rejection)) => {
            let (body, _) = read(body, REJECTED_BODY_CAP).await;
            let answer = ingest.reject(&incoming, rejection, &body).await;
            return hook_answer(answer, None);
        }
        (None, Ok(_)) => {
            return hook_answer(Answer::Refused(family_of(None), Refusal::NotFound), None);
        }
    };
    if parts.method != axum::http::Method::POST {
        let mut response = hook_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "webhooks are delivered with POST".to_owned(),
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let limit = ingest.limits.request_body;
    let too_large = crate::ingest::Rejection {
        refusal: Refusal::TooLarge(limit),
        family: Family::Hook(tool),
        scope: format!("source:{}", source.id),
        source_id: Some(source.id),
        automation_id: None,
    };
    let (bytes, whole) = read(body, limit).await;
    match whole {
        Read::Whole => {}
        Read::Over(_) => {
            let answer = ingest.reject(&incoming, too_large, &bytes).await;
            return hook_answer(answer, None);
        }
        Read::Broken(why) => {
            let rejection = crate::ingest::Rejection {
                refusal: Refusal::Bad(format!("the request body could not be read: {why}")),
                ..too_large
            };
            let answer = ingest.reject(&incoming, rejection, &bytes).await;
            return hook_answer(answer, None);
        }
    }
    if let Err(Unverified(why)) = ingest
        .verify_hook(tool, &source, &parts.headers, &bytes)
        .await
    {
        return hook_error(StatusCode::UNAUTHORIZED, why);
    }
    let (answer, receipt) = ingest.keep_hook(tool, &source, &incoming, bytes).await;
    hook_answer(answer, receipt)
}

fn hook_error(status: StatusCode, why: String) -> Response {
    (status, axum::Json(serde_json::json!({ "error": why }))).into_response()
}

/// A webhook's answer: what was kept and what it maps to, or why not.
fn hook_answer(answer: Answer, receipt: Option<HookReceipt>) -> Response {
    let mut response = match answer {
        Answer::Kept { receipt: kept, .. } => {
            let mut body = serde_json::json!({
                "ok": true,
                "delivery": kept.id,
            });
            if let Some(first) = kept.duplicate_of {
                body["duplicate_of"] = first.into();
            }
            if let Some(receipt) = receipt {
                body["mapped"] = receipt.mapped.into();
                if let Some(reason) = receipt.reason {
                    body["reason"] = reason.into();
                }
            }
            let mut response = (StatusCode::OK, axum::Json(body)).into_response();
            response.extensions_mut().insert(Accepted);
            return response;
        }
        Answer::Refused(_, refusal) => {
            let status = match refusal {
                Refusal::NotFound => StatusCode::NOT_FOUND,
                Refusal::Bad(_) => StatusCode::BAD_REQUEST,
                Refusal::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
                Refusal::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            };
            hook_error(status, refusal.reason())
        }
        Answer::Conflict(_, why) => hook_error(StatusCode::CONFLICT, why),
        Answer::Unavailable(_) => hook_error(
            StatusCode::SERVICE_UNAVAILABLE,
            Refusal::Unavailable.reason(),
        ),
    };
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        response.extensions_mut().insert(Unkept);
    }
    response
}

/// A request as [`crate::ingest`] reads it; credential headers redacted.
fn incoming(entry: Entry, parts: &axum::http::request::Parts) -> Incoming {
    let prefix = match entry {
        Entry::Ping => "/ping/",
        Entry::Cronitor => "/p/",
        Entry::Push => "/api/push/",
        Entry::Hook => "/hooks/",
    };
    let path = crate::ingest::without_trailing_slash(parts.uri.path());
    let rest = path.strip_prefix(prefix).unwrap_or_default();
    Incoming {
        entry,
        segments: rest.split('/').map(str::to_owned).collect(),
        query: parts.uri.query().map(str::to_owned),
        method: parts.method.to_string(),
        uri: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), ToString::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                let value = if CREDENTIALS.contains(k) {
                    REDACTED.to_owned()
                } else {
                    String::from_utf8_lossy(v.as_bytes()).into_owned()
                };
                (k.to_string(), value)
            })
            .collect(),
        remote_addr: parts
            .extensions
            .get::<ClientIp>()
            .map(|ClientIp(ip)| ip.to_string()),
    }
}

async fn take(ingest: &Ingestor, entry: Entry, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if parts.method == axum::http::Method::OPTIONS {
        return preflight();
    }
    let incoming = incoming(entry, &parts);
    let limit = ingest.limits.request_body;
    let route = match ingest.route(&incoming).await {
        Ok(route) => route,
        Err(rejection) => {
            let (body, _) = read(body, REJECTED_BODY_CAP).await;
            let answer = ingest.reject(&incoming, rejection, &body).await;
            return respond(answer, ingest.limits.ping_body);
        }
    };
    let unreadable = |why: String| crate::ingest::Rejection {
        refusal: Refusal::Bad(format!("the request body could not be read: {why}")),
        family: route.family,
        scope: route.scope.clone(),
        source_id: route.source_id,
        automation_id: match route.target {
            crate::ingest::Target::Known(id) => Some(id),
            crate::ingest::Target::Create { .. } => None,
        },
    };
    // A ping's signal is its URL: a body over the cap is read up to it and
    // the rest discarded as it streams in, and the ping counts (a job's
    // long output never costs its success). The delivery keeps how much
    // was sent.
    let (bytes, whole) = read_capped(body, limit).await;
    let sent = match whole {
        Read::Whole => bytes.len() as u64,
        Read::Over(sent) => sent,
        Read::Broken(why) => {
            let answer = ingest.reject(&incoming, unreadable(why), &bytes).await;
            return respond(answer, ingest.limits.ping_body);
        }
    };
    let answer = ingest.keep(&incoming, route, bytes, sent).await;
    respond(answer, ingest.limits.ping_body)
}

enum Read {
    Whole,
    /// More than the limit was sent (this many bytes, as far as it was
    /// read); the bytes hold the first `limit`.
    Over(u64),
    Broken(String),
}

/// Reads at most `limit` bytes of the body, stopping as soon as it is over.
async fn read(body: Body, limit: usize) -> (Vec<u8>, Read) {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) => {
                if bytes.len() + chunk.len() > limit {
                    let room = limit - bytes.len();
                    bytes.extend_from_slice(&chunk[..room]);
                    let read = (bytes.len() + chunk.len() - room) as u64;
                    return (bytes, Read::Over(read));
                }
                bytes.extend_from_slice(&chunk);
            }
            Err(err) => return (bytes, Read::Broken(err.to_string())),
        }
    }
    (bytes, Read::Whole)
}

/// Reads the first `limit` bytes of the body and counts (without keeping)
/// the rest, however long it goes on: memory stays bounded.
async fn read_capped(body: Body, limit: usize) -> (Vec<u8>, Read) {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    let mut sent = 0u64;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) => {
                sent += chunk.len() as u64;
                let room = limit - bytes.len();
                bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Err(err) => return (bytes, Read::Broken(err.to_string())),
        }
    }
    if sent > bytes.len() as u64 {
        (bytes, Read::Over(sent))
    } else {
        (bytes, Read::Whole)
    }
}

/// Marks the answer to a kept ping (in its extensions, never on the wire),
/// so the request log can keep quiet about it.
#[derive(Debug, Clone, Copy)]
pub struct Accepted;

/// Marks a 503 answer to a ping or webhook: the outage behind it is
/// logged once (see [`crate::telemetry::Outage`]) and counted, so the
/// request log keeps quiet about each.
#[derive(Debug, Clone, Copy)]
pub struct Unkept;

/// What every ping answer carries, as Healthchecks' do: any page may ping
/// (a browser-side pinger reads the answer), and no cache keeps one.
fn open_to_browsers(headers: &mut header::HeaderMap) {
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
}

/// A browser's preflight before a ping it may not send unasked (a POST
/// with a JSON body, say): allowed from any page. Nothing is kept; the key
/// is not looked up, so the answer says nothing about it.
fn preflight() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    open_to_browsers(headers);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD, POST, PUT, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    response
}

/// The answer, in the manner of the tool whose URL was called.
fn respond(answer: Answer, ping_body_limit: usize) -> Response {
    let kept = matches!(answer, Answer::Kept { .. });
    let (family, status, text) = match answer {
        Answer::Kept {
            family, created, ..
        } => {
            // Healthchecks answers a check it created with 201; Cronitor
            // answers every telemetry ping alike.
            if created && family == Family::PingSlug {
                (family, StatusCode::CREATED, "Created".to_owned())
            } else {
                (family, StatusCode::OK, "OK".to_owned())
            }
        }
        Answer::Refused(family, refusal) => {
            let status = match refusal {
                Refusal::NotFound => StatusCode::NOT_FOUND,
                Refusal::Bad(_) => StatusCode::BAD_REQUEST,
                Refusal::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
                Refusal::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            };
            (family, status, refusal.reason())
        }
        Answer::Conflict(family, why) => (family, StatusCode::CONFLICT, why),
        Answer::Unavailable(family) => (
            family,
            StatusCode::SERVICE_UNAVAILABLE,
            Refusal::Unavailable.reason(),
        ),
    };
    let mut response = if family == Family::UptimeKuma {
        let body = if status.is_success() {
            serde_json::json!({ "ok": true })
        } else {
            serde_json::json!({ "ok": false, "msg": text })
        };
        (status, axum::Json(body)).into_response()
    } else {
        (status, text).into_response()
    };
    let headers = response.headers_mut();
    open_to_browsers(headers);
    if matches!(family, Family::Ping | Family::PingSlug) {
        headers.insert("ping-body-limit", HeaderValue::from(ping_body_limit));
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        response.extensions_mut().insert(Unkept);
    }
    if kept {
        response.extensions_mut().insert(Accepted);
    }
    response
}

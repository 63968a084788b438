//! Who is asking, and whether they may ask: sign-in sessions on every
//! request, the paths open without signing in, the refusal of cross-site
//! requests, and the sign-in, sign-out and first-run setup endpoints.

use app::model::accounts::{Actor, TokenScope};
use app::model::errors::FieldErrors;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use crate::accounts::password::Password;
use crate::accounts::sessions::{BatonSessions, SEEN_AT, SIGNED_IN_AT, USER_KEY};
use crate::accounts::sign_in::{self, SignInError};
use crate::accounts::tokens;
use crate::accounts::{AccountError, NewAccount};
use crate::http::client_ip::ClientIp;
use crate::http::error::{AppError, ErrorBody};
use crate::startup::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "baton_session";
/// A session's last use is noted at most this often, so an active person's
/// requests do not each write the session.
const RENEW_EVERY: TimeDelta = TimeDelta::minutes(1);

/// Probes: no proof needed.
const PROBES: &[&str] = &["/healthz", "/readyz", "/metrics"];
/// Ingestion: tools post without an `Origin`, proving themselves by key or
/// signature.
const INGESTION: &[&str] = &["/ping/", "/hooks/", "/p/", "/api/push/"];
/// Signing in, out and up, and asking who is signed in.
const SIGNING_IN: &[&str] = &["/sign-in", "/sign-out", "/setup", "/rpc/me"];

/// Whether `path` is served without signing in.
pub fn is_open(path: &str) -> bool {
    is_machine(path) || is_asset(path) || SIGNING_IN.contains(&path)
}

/// Probes and ingestion: called by machines, never with a session.
fn is_machine(path: &str) -> bool {
    PROBES.contains(&path) || INGESTION.iter().any(|p| path.starts_with(p))
}

/// The browser bundle and icons, the same for everyone.
fn is_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg"
}

/// Sessions kept in Baton's store, in a cookie only the server reads. The
/// cookie lasts as long as the browser runs; the timeouts are the server's,
/// counted by Baton's clock.
pub fn session_layer(state: &AppState) -> SessionManagerLayer<BatonSessions> {
    let sessions = BatonSessions::new(state.store.clone(), state.clock.clone())
        .with_timeouts(state.config.session_idle, state.config.session_lifetime);
    SessionManagerLayer::new(sessions)
        .with_name(COOKIE)
        .with_expiry(Expiry::OnSessionEnd)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.https())
        .with_path("/")
}

/// Identifies the caller on every request, refuses cross-site changes, and
/// keeps anonymous callers out of everything but the open paths.
pub async fn authenticate(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    // Probes and tools never carry a session, and the bundle is the same
    // for everyone: nothing to look up.
    if is_machine(&path) || is_asset(&path) {
        return next.run(request).await;
    }
    let changes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // Scripts: a bearer token, which no other site can make a browser send.
    if let Some(token) = bearer(request.headers()) {
        return match with_token(&state, &path, &token, changes).await {
            Ok(via) => {
                request.extensions_mut().insert(via.scope);
                request.extensions_mut().insert(via.actor);
                next.run(request).await
            }
            Err(refusal) => refusal,
        };
    }
    if changes && !same_origin(request.headers(), &state) {
        return refuse(
            StatusCode::FORBIDDEN,
            "cross-site request refused: it did not come from Baton's own pages",
        );
    }
    let actor = match signed_in(&state, &session).await {
        Ok(actor) => actor,
        Err(err) => return AppError::Internal(err).into_response(),
    };
    if !changes && (path == "/sign-in" || path == "/setup") {
        if actor.is_some() {
            return Redirect::to("/").into_response();
        }
        match state.store.count_users().await {
            Ok(0) if path == "/sign-in" => return Redirect::to("/setup").into_response(),
            Ok(n) if n > 0 && path == "/setup" => return Redirect::to("/sign-in").into_response(),
            Ok(_) => {}
            Err(err) => return AppError::from(err).into_response(),
        }
    }
    match actor {
        Some(actor) => {
            request.extensions_mut().insert(actor);
        }
        None if is_open(&path) => {}
        None => {
            let back = request
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned();
            return anonymous(&state, &path, &back, changes).await;
        }
    }
    next.run(request).await
}

/// The token of an `Authorization: Bearer …` header, if one is sent.
pub(super) fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// A request authenticated by an API token, and how.
struct ViaToken {
    actor: Actor,
    scope: TokenAuth,
}

/// Marks a request made with an API token (not a session), with its scope.
#[derive(Debug, Clone, Copy)]
pub struct TokenAuth(pub TokenScope);

/// Checks a bearer token: only for the API, unknown or revoked ones 401,
/// read-only ones refused anything but reading.
async fn with_token(
    state: &AppState,
    path: &str,
    token: &str,
    changes: bool,
) -> Result<ViaToken, Response> {
    let invalid = |why: &str| {
        let mut answer = refuse(StatusCode::UNAUTHORIZED, why);
        answer.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer realm=\"baton\", error=\"invalid_token\""),
        );
        answer
    };
    if !path.starts_with("/api/") {
        return Err(invalid(
            "API tokens open the API under /api/ only; sign in for the screens",
        ));
    }
    match tokens::authenticate(&*state.store, &*state.clock, token).await {
        Ok(Some((_, TokenScope::Read))) if changes => Err(refuse(
            StatusCode::FORBIDDEN,
            "this API token is read-only: make a read-write token to change things",
        )),
        Ok(Some((actor, scope))) => Ok(ViaToken {
            actor,
            scope: TokenAuth(scope),
        }),
        Ok(None) => Err(invalid(
            "the API token is not valid: it is unknown or was revoked",
        )),
        Err(err) => Err(AppError::from(err).into_response()),
    }
}

/// Who the session belongs to, if anyone: the person must still be active,
/// the session used within the idle timeout and begun within the absolute
/// one. Notes this use.
async fn signed_in(state: &AppState, session: &Session) -> anyhow::Result<Option<Actor>> {
    let Some(id) = session.get::<i64>(USER_KEY).await? else {
        return Ok(None);
    };
    let now = state.clock.now();
    let at = async |key: &str| -> anyhow::Result<DateTime<Utc>> {
        Ok(session
            .get::<i64>(key)
            .await?
            .and_then(|secs| DateTime::from_timestamp(secs, 0))
            .unwrap_or(DateTime::UNIX_EPOCH))
    };
    let (since, seen) = (at(SIGNED_IN_AT).await?, at(SEEN_AT).await?);
    let current =
        since + state.config.session_lifetime > now && seen + state.config.session_idle > now;
    let actor = if current {
        state.store.person(id).await?.and_then(sign_in::actor)
    } else {
        None
    };
    let Some(actor) = actor else {
        session.flush().await?;
        return Ok(None);
    };
    if now - seen >= RENEW_EVERY {
        session.insert(SEEN_AT, now.timestamp()).await?;
    }
    Ok(Some(actor))
}

/// What an anonymous caller gets outside the open paths: machines a 401,
/// people the sign-in screen (or the setup screen on the first run).
async fn anonymous(state: &AppState, path: &str, back: &str, changes: bool) -> Response {
    if changes || path.starts_with("/api/") || path.starts_with("/rpc/") {
        let mut answer = refuse(
            StatusCode::UNAUTHORIZED,
            "sign in first, or send an API token as Authorization: Bearer …",
        );
        answer.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer realm=\"baton\""),
        );
        return answer;
    }
    match state.store.count_users().await {
        Ok(0) => Redirect::to("/setup").into_response(),
        Ok(_) => Redirect::to(&format!("/sign-in?next={}", encode(back))).into_response(),
        Err(err) => AppError::from(err).into_response(),
    }
}

fn refuse(status: StatusCode, why: &str) -> Response {
    (
        status,
        Json(ErrorBody {
            error: why.to_owned(),
            fields: None,
            current: None,
        }),
    )
        .into_response()
}

/// Whether a state-changing request comes from Baton's own pages: its
/// `Origin` (or, without one, its `Referer`) is Baton's public origin or the
/// host the request was sent to. Browsers set both; another site's page
/// cannot forge them.
fn same_origin(headers: &HeaderMap, state: &AppState) -> bool {
    let named = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(named) = named else {
        return false;
    };
    let origin = origin_of(named);
    if origin.eq_ignore_ascii_case(state.config.public_origin()) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let named_host = origin.split_once("://").map(|(_, host)| host);
    matches!((host, named_host), (Some(h), Some(n)) if h.eq_ignore_ascii_case(n))
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find(['/', '?', '#']) {
        Some(end) => &url[..after_scheme + end],
        None => url,
    }
}

/// Percent-encodes a query value.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Where to go after signing in: a path on this site, never elsewhere.
/// Anything else goes to `/`: another host however spelled (`//host`,
/// `/\\host`, a tab or newline that browsers drop, the same once
/// percent-decoded), and anything a `Location` header cannot carry as is.
fn local_target(next: Option<&str>) -> String {
    match next {
        Some(next)
            if next.chars().all(|c| c.is_ascii_graphic())
                && is_local_path(next)
                && is_local_path(&percent_decoded(next)) =>
        {
            next.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// A path that starts at this site's root and names no other host.
fn is_local_path(path: &str) -> bool {
    let mut rest = path.chars();
    rest.next() == Some('/')
        && !matches!(rest.next(), Some('/' | '\\'))
        && !path.chars().any(|c| c.is_control() || c == '\\')
}

/// `text` with `%XX` escapes decoded as bytes (invalid ones kept as they
/// are); bytes that are not UTF-8 become U+FFFD, which no local path holds.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let value = hex(h).unwrap_or_default() * 16 + hex(l).unwrap_or_default();
                out.push(u8::try_from(value).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Scripts and tests ask for JSON answers; forms get redirects.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"))
}

/// Starts a signed-in session for `actor`, under a new id.
async fn start_session(state: &AppState, session: &Session, actor: &Actor) -> Result<(), AppError> {
    let now = state.clock.now();
    let fail = |err: tower_sessions::session::Error| AppError::Internal(err.into());
    session.cycle_id().await.map_err(fail)?;
    session.insert(USER_KEY, actor.id).await.map_err(fail)?;
    for key in [SIGNED_IN_AT, SEEN_AT] {
        session.insert(key, now.timestamp()).await.map_err(fail)?;
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// `POST /sign-in`: the form's email and password.
pub async fn sign_in_submit(
    State(state): State<AppState>,
    Extension(ClientIp(client)): Extension<ClientIp>,
    session: Session,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Result<Response, AppError> {
    let target = local_target(form.next.as_deref());
    let json = wants_json(&headers);
    let attempt = sign_in::sign_in(
        &*state.store,
        &*state.clock,
        &form.email,
        Password::new(form.password),
        client,
    )
    .await;
    let (status, code) = match attempt {
        Ok(actor) => {
            start_session(&state, &session, &actor).await?;
            tracing::info!(user = actor.id, "signed in");
            return Ok(if json {
                Json(actor).into_response()
            } else {
                Redirect::to(&target).into_response()
            });
        }
        Err(SignInError::Refused) => (StatusCode::UNAUTHORIZED, "failed"),
        Err(SignInError::Throttled) => (StatusCode::TOO_MANY_REQUESTS, "throttled"),
        Err(SignInError::Other(err)) => return Err(AppError::Internal(err)),
    };
    let why = match code {
        "failed" => SignInError::Refused.to_string(),
        _ => SignInError::Throttled.to_string(),
    };
    tracing::info!(outcome = code, "sign-in refused");
    Ok(if json {
        let mut answer = refuse(status, &why);
        if status == StatusCode::TOO_MANY_REQUESTS {
            answer.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(sign_in::WINDOW.num_seconds()),
            );
        }
        answer
    } else {
        Redirect::to(&format!("/sign-in?{code}=1&next={}", encode(&target))).into_response()
    })
}

/// `POST /sign-out`: ends the session, here and in the store.
pub async fn sign_out(
    State(state): State<AppState>,
    actor: Option<Extension<Actor>>,
    session: Session,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if let Some(Extension(actor)) = actor {
        let audit = crate::audit::Author::of(&actor).did(
            state.clock.now(),
            "user.signed_out",
            "user",
            Some(actor.id),
            &actor.email,
        );
        state.store.record_audit(&audit).await?;
    }
    session
        .flush()
        .await
        .map_err(|err| AppError::Internal(err.into()))?;
    Ok(if wants_json(&headers) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        Redirect::to("/sign-in?signed_out=1").into_response()
    })
}

#[derive(Debug, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

/// `POST /setup`: the first administrator, while nobody exists; then they
/// are signed in.
pub async fn set_up(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Result<Response, AppError> {
    let json = wants_json(&headers);
    let mismatch = form.password != form.password_again;
    let account = NewAccount {
        email: form.email.clone(),
        display_name: form.display_name.clone(),
        role: app::model::accounts::Role::Admin,
        password: Password::new(form.password),
    };
    let outcome = if mismatch {
        let mut errors = FieldErrors::default();
        errors.add("password_again", "the two passwords differ: type it again");
        Err(AccountError::Invalid(errors))
    } else {
        sign_in::set_up(&*state.store, &*state.clock, account).await
    };
    match outcome {
        Ok(Some(actor)) => {
            start_session(&state, &session, &actor).await?;
            tracing::info!(user = actor.id, "first administrator created");
            Ok(if json {
                (StatusCode::CREATED, Json(actor)).into_response()
            } else {
                Redirect::to("/").into_response()
            })
        }
        Ok(None) => Ok(if json {
            refuse(
                StatusCode::CONFLICT,
                "Baton is already set up: sign in, or ask an administrator for an account",
            )
        } else {
            Redirect::to("/sign-in").into_response()
        }),
        Err(AccountError::Invalid(errors)) if json => Err(AppError::Invalid(errors)),
        Err(AccountError::Invalid(errors)) => {
            let mut query = format!(
                "/setup?email={}&display_name={}",
                encode(form.email.trim()),
                encode(form.display_name.trim())
            );
            for error in &errors.0 {
                query.push_str(&format!(
                    "&error={}",
                    encode(&format!("{}: {}", error.field, error.message))
                ));
            }
            Ok(Redirect::to(&query).into_response())
        }
        Err(AccountError::Other(err)) => Err(AppError::Internal(err)),
    }
}

/// Forgets expired sessions and old failed sign-ins, every `period`, on one
/// instance at a time (the lease), until shutdown.
pub async fn clean_up_periodically(state: AppState, period: std::time::Duration) {
    let holder = format!("baton-{}", rand::random::<u64>());
    let mut stop = state.shutting_down.clone();
    loop {
        tokio::select! {
            () = tokio::time::sleep(period) => {}
            _ = stop.wait_for(|stopping| *stopping) => return,
        }
        let now = state.clock.now();
        let lease = chrono::TimeDelta::from_std(period).unwrap_or(TimeDelta::hours(1));
        match state
            .store
            .try_acquire_lease("sign-in-cleanup", &holder, now, lease)
            .await
        {
            Ok(true) => {}
            Ok(false) => continue,
            Err(err) => {
                tracing::warn!(%err, "cannot take the sign-in cleanup lease");
                continue;
            }
        }
        let sessions = state.store.delete_expired_sessions(now).await;
        let failures = state
            .store
            .forget_old_failures(now - TimeDelta::days(1))
            .await;
        match (sessions, failures) {
            (Ok(sessions), Ok(failures)) => {
                tracing::debug!(sessions, failures, "expired sign-in records forgotten");
            }
            (Err(err), _) | (_, Err(err)) => tracing::warn!(%err, "sign-in cleanup failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_probes_ingestion_assets_and_signing_in_are_open() {
        for open in [
            "/healthz",
            "/readyz",
            "/ping/abc",
            "/hooks/github/k",
            "/p/k/m",
            "/api/push/k",
            "/pkg/baton.js",
            "/sign-in",
            "/setup",
        ] {
            assert!(is_open(open), "{open}");
        }
        for closed in [
            "/",
            "/orchestrations",
            "/api/v1/orchestrations",
            "/rpc/orchestrations/save",
            "/sign-in/x",
            "/pingx",
            "/api/pushx",
        ] {
            assert!(!is_open(closed), "{closed}");
        }
    }

    #[test]
    fn only_local_paths_are_followed_after_signing_in() {
        assert_eq!(
            local_target(Some("/orchestrations?x=1")),
            "/orchestrations?x=1"
        );
        for elsewhere in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "evil",
            "/\t/evil.example",
            "/\n/evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/%09/evil.example",
            "/x\r\nSet-Cookie: a=b",
            "/caf\u{e9}",
            "/%00",
            "",
        ] {
            assert_eq!(local_target(Some(elsewhere)), "/", "{elsewhere:?}");
        }
        assert_eq!(
            local_target(Some("/orchestrations/a%20b?q=x%2Fy")),
            "/orchestrations/a%20b?q=x%2Fy"
        );
        assert_eq!(local_target(None), "/");
    }

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://b.example:8443/x?y"),
            "https://b.example:8443"
        );
        assert_eq!(origin_of("http://b.example"), "http://b.example");
        assert_eq!(encode("/a b?c=d&e"), "/a%20b%3Fc%3Dd%26e");
    }
}

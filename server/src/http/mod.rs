//! The HTTP surface: probes, the machine-facing URL space, the Leptos pages
//! and server functions, and the layers every request goes through.

mod api;
pub mod auth;
pub mod client_ip;
pub mod error;
mod health;
mod ingest;
pub mod live;
pub mod routes;
pub mod security;
pub mod serve;
mod services;
mod unstorable;

use std::sync::LazyLock;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::MatchedPath;
use axum::http::{Request, Response, StatusCode};
use axum::routing::{any, get};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::startup::AppState;
use client_ip::{ClientIp, TrustedProxies};
use routes::{Access, Routes};

/// Every route Baton answers besides its pages, with who may call it:
/// the public API, the imports, and signing in, out and up.
pub fn route_table() -> Vec<routes::RouteInfo> {
    api::routes()
        .merge(api::import_routes())
        .merge(account_routes())
        .merge(live_routes())
        .into_parts()
        .1
}

/// Streams that stay open: outside the request timeout.
fn live_routes() -> Routes {
    Routes::new().add(
        axum::http::Method::GET,
        "/api/v1/events",
        Access::Read,
        live::events,
    )
}

/// Signing in and out are plain form posts, so they work before (and
/// without) the browser bundle; their pages are Leptos routes.
fn account_routes() -> Routes {
    use axum::http::Method;
    Routes::new()
        .add(Method::POST, "/sign-in", Access::Open, auth::sign_in_submit)
        .add(Method::POST, "/sign-out", Access::Open, auth::sign_out)
        .add(Method::POST, "/setup", Access::Open, auth::set_up)
}

/// The pages' routes, found by running the app once, once per process.
/// While that run lasts, Leptos holds back every resource's first poll
/// process-wide (a global flag), and a resource first polled meanwhile never
/// loads: a page rendering for one `Application` while another was being
/// built (as tests do) hung until its client gave up.
static PAGE_ROUTES: LazyLock<Vec<AxumRouteListing>> =
    LazyLock::new(|| generate_route_list(app::App));

/// Builds every route with its layers.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let leptos_options = state.leptos.clone();
    let provide_state = {
        let state = state.clone();
        let services = services::services(state.store.clone(), state.clock.clone(), &state.config);
        move || {
            leptos::prelude::provide_context(state.clone());
            leptos::prelude::provide_context(services.clone());
            security::note_page_nonce();
        }
    };

    // Machine-facing prefixes answer JSON 404s of their own, never the HTML page.
    let machine = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics));

    // Ingestion reads its bodies itself, against its own limit, so that a
    // refused one is still noted in the delivery log.
    let ingestion = Router::new()
        .route("/ping/", any(ingest::ping))
        .route("/ping/{*rest}", any(ingest::ping))
        .route("/p/", any(ingest::cronitor))
        .route("/p/{*rest}", any(ingest::cronitor))
        .route("/api/push/", any(ingest::push))
        .route("/api/push/{*rest}", any(ingest::push))
        .route("/hooks/", any(ingest::hook))
        .route("/hooks/{*rest}", any(ingest::hook));

    // The bundle, gzipped once when built: served as it is (revalidated on
    // each use, a 304 when unchanged), never compressed per request.
    let bundle = Router::new().nest_service(
        "/pkg",
        ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::overriding(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-cache"),
            ))
            .service(
                tower_http::services::ServeDir::new(config.site_root.join("pkg"))
                    .precompressed_gzip(),
            ),
    );

    let pages = account_routes()
        .into_parts()
        .0
        .leptos_routes_with_context(&state, PAGE_ROUTES.clone(), provide_state.clone(), {
            let options = leptos_options.clone();
            move || app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_state, app::shell));

    // Everything that answers once. Live streams are merged outside it so
    // the timeout does not cut them; they still need signing in.
    // Imports take whole files: their own, larger, body limit.
    let (api, _) = api::routes().into_parts();
    let (imports, _) = api::import_routes().into_parts();
    let timeout =
        || TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, config.request_timeout);
    let bounded = machine
        .merge(api)
        .merge(api::fallback())
        .merge(pages)
        .merge(bundle)
        .layer(axum::middleware::from_fn(unstorable::refuse_nul))
        .layer(RequestBodyLimitLayer::new(config.max_body))
        .merge(
            imports
                .layer(axum::middleware::from_fn(unstorable::refuse_nul))
                .layer(RequestBodyLimitLayer::new(config.max_import)),
        )
        .layer(timeout())
        .merge(live_routes().into_parts().0)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(auth::session_layer(&state))
        // Tools call ingestion with a key, never a session: it skips the
        // session and sign-in layers altogether, the hottest path there is.
        .merge(ingestion.layer(timeout()));

    bounded
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::from_fn_with_state(
                    security::Https(config.https()),
                    security::security_headers,
                ))
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(axum::middleware::from_fn_with_state(
                    TrustedProxies::new(config.trusted_proxies.clone()),
                    client_ip::resolve_client_ip,
                ))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_request(())
                        .on_response(record_response)
                        .on_failure(()),
                )
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(CompressionLayer::new())
                .layer(axum::middleware::from_fn(security::normalise_path)),
        )
        .with_state(state)
}

fn request_span(request: &Request<Body>) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let client = request
        .extensions()
        .get::<ClientIp>()
        .map(|ClientIp(ip)| ip.to_string())
        .unwrap_or_default();
    // Ingestion paths carry their key: the log shows only its first
    // characters, so reading the log gives nobody a key.
    let path = app::model::ingestion::mask_keys(request.uri().path());
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %path,
        route = route.as_deref().unwrap_or_default(),
        request_id,
        client,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    )
}

fn record_response<B>(response: &Response<B>, latency: Duration, span: &Span) {
    span.record("status", response.status().as_u16());
    span.record("latency_ms", latency.as_secs_f64() * 1000.0);
    // A busy job pings all day: its accepted pings are kept as deliveries
    // already, so they are logged only at debug level; so are pings
    // answered 503 in an outage, which is logged once by itself.
    let extensions = response.extensions();
    if extensions.get::<ingest::Accepted>().is_some()
        || extensions.get::<ingest::Unkept>().is_some()
    {
        tracing::debug!("answered");
    } else {
        tracing::info!("answered");
    }
}

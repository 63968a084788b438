//! The public JSON API under `/api/v1`: a contract, with stable error
//! bodies (`{"error": …, "fields": [...]}`).

mod automations;
mod dependencies;
mod json;
mod leverage;
mod orchestrations;
mod transfer;

use axum::Router;
use axum::http::header;
use axum::routing::{any, get, post};

use crate::http::error;
use crate::startup::AppState;

/// The API's description, kept beside the routes it describes; a test
/// checks that every route is in it.
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> ([(header::HeaderName, &'static str); 1], &'static str) {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route(
            "/api/v1/orchestrations",
            get(orchestrations::list).post(orchestrations::create),
        )
        .route(
            "/api/v1/orchestrations/{slug}",
            get(orchestrations::show)
                .put(orchestrations::update)
                .delete(orchestrations::delete),
        )
        .route(
            "/api/v1/orchestrations/{slug}/retire",
            post(orchestrations::retire),
        )
        .route(
            "/api/v1/automations",
            get(automations::list).post(automations::create),
        )
        .route(
            "/api/v1/automations/{id}",
            get(automations::show)
                .put(automations::update)
                .delete(automations::delete),
        )
        .route(
            "/api/v1/orchestrations/{slug}/graph",
            get(dependencies::neighbourhood),
        )
        .route(
            "/api/v1/dependencies",
            get(dependencies::list).post(dependencies::create),
        )
        .route(
            "/api/v1/dependencies/{id}",
            get(dependencies::show).delete(dependencies::delete),
        )
        .route("/api/v1/leverage", get(leverage::report))
        .route(
            "/api/v1/export/inventory.csv",
            get(transfer::export_inventory),
        )
        .route(
            "/api/v1/export/orchestrations.csv",
            get(transfer::export_orchestrations),
        )
        .route("/api/v1/export/catalog.json", get(transfer::export_catalog))
        .route(
            "/api/v1/orchestrations/{slug}/leverage",
            get(leverage::orchestration),
        )
        .route(
            "/api/v1/automations/{id}/leverage",
            get(leverage::automation),
        )
        .route("/api/{*rest}", any(error::not_found))
}

/// The imports, which take whole files: the caller gives them their own
/// body limit.
pub fn import_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/import/inventory", post(transfer::import_inventory))
        .route("/api/v1/import/catalog", post(transfer::import_catalog))
}

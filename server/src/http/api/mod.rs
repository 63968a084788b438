//! The public JSON API under `/api/v1`: a contract, with stable error
//! bodies (`{"error": …, "fields": [...]}`).

mod audit;
mod automations;
mod dependencies;
mod health;
mod incidents;
mod ingestion;
mod json;
mod leverage;
mod orchestrations;
mod people;
mod reviews;
mod runbooks;
mod schedules;
mod tokens;
mod transfer;

use axum::Router;
use axum::http::Method;
use axum::http::header;
use axum::routing::any;

use crate::http::error;
use crate::http::routes::{Access, Routes};
use crate::startup::AppState;

/// The API's description, kept beside the routes it describes; a test
/// checks that every route is in it.
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> ([(header::HeaderName, &'static str); 1], &'static str) {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

const GET: Method = Method::GET;
const POST: Method = Method::POST;
const PUT: Method = Method::PUT;
const DELETE: Method = Method::DELETE;

pub fn routes() -> Routes {
    use Access::{Create, Owner, Read};
    Routes::new()
        .add(GET, "/api/v1/openapi.json", Read, openapi)
        .add(GET, "/api/v1/orchestrations", Read, orchestrations::list)
        .add(
            POST,
            "/api/v1/orchestrations",
            Create,
            orchestrations::create,
        )
        .add(
            GET,
            "/api/v1/orchestrations/{slug}",
            Read,
            orchestrations::show,
        )
        .add(
            PUT,
            "/api/v1/orchestrations/{slug}",
            Owner,
            orchestrations::update,
        )
        .add(
            DELETE,
            "/api/v1/orchestrations/{slug}",
            Owner,
            orchestrations::delete,
        )
        .add(
            POST,
            "/api/v1/orchestrations/{slug}/retire",
            Owner,
            orchestrations::retire,
        )
        .add(
            GET,
            "/api/v1/orchestrations/{slug}/graph",
            Read,
            dependencies::neighbourhood,
        )
        .add(
            GET,
            "/api/v1/orchestrations/{slug}/leverage",
            Read,
            leverage::orchestration,
        )
        .add(
            GET,
            "/api/v1/orchestrations/{slug}/runbook",
            Read,
            runbooks::show,
        )
        .add(
            PUT,
            "/api/v1/orchestrations/{slug}/runbook",
            Owner,
            runbooks::save,
        )
        .add(
            GET,
            "/api/v1/orchestrations/{slug}/runbook.md",
            Read,
            runbooks::markdown,
        )
        .add(
            GET,
            "/api/v1/orchestrations/{slug}/runbook/template",
            Read,
            runbooks::template,
        )
        .add(
            GET,
            "/api/v1/orchestrations/{slug}/runbook/revisions",
            Read,
            runbooks::revisions,
        )
        .add(
            GET,
            "/api/v1/orchestrations/{slug}/runbook/revisions/{number}",
            Read,
            runbooks::revision,
        )
        .add(
            POST,
            "/api/v1/orchestrations/{slug}/runbook/revisions/{number}/restore",
            Owner,
            runbooks::restore,
        )
        .add(
            GET,
            "/api/v1/orchestrations/{slug}/runbook/diff",
            Read,
            runbooks::diff,
        )
        .add(
            POST,
            "/api/v1/orchestrations/{slug}/runbook/verify",
            Owner,
            runbooks::verify,
        )
        .add(
            GET,
            "/api/v1/orchestrations/{slug}/review-schedule",
            Read,
            reviews::show,
        )
        .add(
            PUT,
            "/api/v1/orchestrations/{slug}/review-schedule",
            Owner,
            reviews::set,
        )
        .add(
            GET,
            "/api/v1/orchestrations/{slug}/reviews",
            Read,
            reviews::of_orchestration,
        )
        .add(
            POST,
            "/api/v1/orchestrations/{slug}/reviews",
            Owner,
            reviews::start,
        )
        .add(GET, "/api/v1/reviews", Read, reviews::board)
        .add(GET, "/api/v1/reviews/report", Read, reviews::report)
        .add(GET, "/api/v1/reviews/report.csv", Read, reviews::report_csv)
        .add(GET, "/api/v1/reviews/{id}", Read, reviews::one)
        .add(PUT, "/api/v1/reviews/{id}", Owner, reviews::save)
        .add(DELETE, "/api/v1/reviews/{id}", Owner, reviews::discard)
        .add(POST, "/api/v1/reviews/{id}/sign", Owner, reviews::sign)
        .add(
            POST,
            "/api/v1/reviews/{id}/actions",
            Owner,
            reviews::add_action,
        )
        .add(
            POST,
            "/api/v1/review-actions/{id}/done",
            Owner,
            reviews::action_done,
        )
        .add(
            POST,
            "/api/v1/review-actions/{id}/reopen",
            Owner,
            reviews::action_reopen,
        )
        .add(GET, "/api/v1/automations", Read, automations::list)
        .add(POST, "/api/v1/automations", Create, automations::create)
        .add(GET, "/api/v1/automations/{id}", Read, automations::show)
        .add(PUT, "/api/v1/automations/{id}", Owner, automations::update)
        .add(
            DELETE,
            "/api/v1/automations/{id}",
            Owner,
            automations::delete,
        )
        .add(
            GET,
            "/api/v1/automations/{id}/leverage",
            Read,
            leverage::automation,
        )
        .add(GET, "/api/v1/dependencies", Read, dependencies::list)
        .add(POST, "/api/v1/dependencies", Owner, dependencies::create)
        .add(GET, "/api/v1/dependencies/{id}", Read, dependencies::show)
        .add(
            DELETE,
            "/api/v1/dependencies/{id}",
            Owner,
            dependencies::delete,
        )
        .add(GET, "/api/v1/leverage", Read, leverage::report)
        .add(GET, "/api/v1/health", Read, health::counts)
        .add(
            GET,
            "/api/v1/automations/{id}/health",
            Read,
            health::automation,
        )
        .add(
            GET,
            "/api/v1/orchestrations/{slug}/health",
            Read,
            health::orchestration,
        )
        .add(
            POST,
            "/api/v1/automations/{id}/pauses",
            Owner,
            health::pause_automation,
        )
        .add(
            POST,
            "/api/v1/orchestrations/{slug}/pauses",
            Owner,
            health::pause_orchestration,
        )
        .add(POST, "/api/v1/pauses/{id}/end", Owner, health::end_pause)
        .add(GET, "/api/v1/incidents", Read, incidents::list)
        .add(GET, "/api/v1/incidents/{id}", Read, incidents::show)
        .add(
            POST,
            "/api/v1/incidents/{id}/acknowledge",
            Owner,
            incidents::acknowledge,
        )
        .add(
            GET,
            "/api/v1/alerts/failed",
            Access::Admin,
            incidents::failed_alerts,
        )
        .add(GET, "/api/v1/channels", Access::Admin, incidents::channels)
        // A team's channels: its member editors, and admins.
        .add(
            POST,
            "/api/v1/channels",
            Access::Owner,
            incidents::add_channel,
        )
        .add(
            DELETE,
            "/api/v1/channels/{id}",
            Access::Owner,
            incidents::delete_channel,
        )
        // Anyone who may remove a channel may test it: a team's by its
        // member editors and admins, a person's also by that person.
        .add(
            POST,
            "/api/v1/channels/{id}/test",
            Owner,
            incidents::test_channel,
        )
        .add(
            GET,
            "/api/v1/account/channels",
            Read,
            incidents::own_channels,
        )
        .add(
            POST,
            "/api/v1/account/channels",
            Read,
            incidents::add_own_channel,
        )
        .add(
            DELETE,
            "/api/v1/account/channels/{id}",
            Read,
            incidents::delete_own_channel,
        )
        .add(
            GET,
            "/api/v1/export/inventory.csv",
            Read,
            transfer::export_inventory,
        )
        .add(
            GET,
            "/api/v1/export/orchestrations.csv",
            Read,
            transfer::export_orchestrations,
        )
        .add(
            GET,
            "/api/v1/export/catalog.json",
            Read,
            transfer::export_catalog,
        )
        .add(
            POST,
            "/api/v1/automations/{id}/ping-key",
            Owner,
            automations::rotate_ping_key,
        )
        .add(GET, "/api/v1/audit", Access::Admin, audit::list)
        .add(GET, "/api/v1/people", Read, people::directory)
        .add(POST, "/api/v1/people", Access::Admin, people::add)
        .add(
            PUT,
            "/api/v1/people/{id}/role",
            Access::Admin,
            people::change_role,
        )
        .add(
            POST,
            "/api/v1/people/{id}/deactivate",
            Access::Admin,
            people::deactivate,
        )
        .add(
            POST,
            "/api/v1/people/{id}/reactivate",
            Access::Admin,
            people::reactivate,
        )
        .add(POST, "/api/v1/teams", Access::Admin, people::create_team)
        .add(
            PUT,
            "/api/v1/teams/{id}/members/{user_id}",
            Access::Admin,
            people::add_member,
        )
        .add(
            DELETE,
            "/api/v1/teams/{id}/members/{user_id}",
            Access::Admin,
            people::remove_member,
        )
        .add(
            GET,
            "/api/v1/sources",
            Access::Admin,
            ingestion::list_sources,
        )
        .add(
            POST,
            "/api/v1/sources",
            Access::Admin,
            ingestion::create_source,
        )
        .add(
            POST,
            "/api/v1/sources/{id}/key",
            Access::Admin,
            ingestion::rotate_source_key,
        )
        .add(
            POST,
            "/api/v1/sources/{id}/secret",
            Access::Admin,
            ingestion::rotate_source_secret,
        )
        .add(
            PUT,
            "/api/v1/automations/{id}/slug",
            Owner,
            ingestion::set_slug,
        )
        .add(
            DELETE,
            "/api/v1/automations/{id}/slug",
            Owner,
            ingestion::remove_slug,
        )
        .add(GET, "/api/v1/automations/{id}/runs", Read, ingestion::runs)
        .add(GET, "/api/v1/runs/{id}/log", Read, ingestion::run_log)
        .add(
            GET,
            "/api/v1/orchestrations/{slug}/runs",
            Read,
            ingestion::orchestration_runs,
        )
        .add(
            GET,
            "/api/v1/automations/{id}/schedule",
            Read,
            schedules::get,
        )
        .add(
            PUT,
            "/api/v1/automations/{id}/schedule",
            Owner,
            schedules::put,
        )
        .add(
            DELETE,
            "/api/v1/automations/{id}/schedule",
            Owner,
            schedules::delete,
        )
        .add(GET, "/api/v1/claims", Read, ingestion::claim_queue)
        .add(
            POST,
            "/api/v1/automations/{id}/claim",
            Create,
            ingestion::claim,
        )
        .add(GET, "/api/v1/deliveries", Read, ingestion::deliveries)
        .add(GET, "/api/v1/deliveries/{id}", Read, ingestion::delivery)
        .add(
            GET,
            "/api/v1/deliveries/{id}/body",
            Read,
            ingestion::delivery_body,
        )
        .add(
            POST,
            "/api/v1/deliveries/{id}/replay",
            Access::Admin,
            ingestion::replay,
        )
        .add(GET, "/api/v1/tokens", Read, tokens::list)
        .add(POST, "/api/v1/tokens", Read, tokens::create)
        .add(DELETE, "/api/v1/tokens/{id}", Owner, tokens::revoke)
}

/// The imports, which take whole files: the caller gives them their own
/// body limit.
pub fn import_routes() -> Routes {
    Routes::new()
        .add(
            POST,
            "/api/v1/import/inventory",
            Access::Admin,
            transfer::import_inventory,
        )
        .add(
            POST,
            "/api/v1/import/catalog",
            Access::Admin,
            transfer::import_catalog,
        )
        .add(
            POST,
            "/api/v1/import/monitors/{from}",
            Access::Admin,
            transfer::import_monitors,
        )
}

/// Any other path under `/api/` names nothing: a JSON 404.
pub fn fallback() -> Router<AppState> {
    Router::new().route("/api/{*rest}", any(error::not_found))
}

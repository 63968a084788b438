//! Liveness and readiness probes for load balancers and orchestrators.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::startup::AppState;

/// How long the readiness query may take before Baton reports not ready.
const READINESS_TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Debug, Serialize)]
pub struct Health {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    database: Option<String>,
}

/// The process is up and answering: always 200.
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        database: None,
    })
}

/// 200 when a real query reaches the database within a second, else 503.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let backend = state.store.backend().to_string();
    let failure = match tokio::time::timeout(READINESS_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => None,
        Ok(Err(err)) => Some(format!("{:#}", anyhow::Error::new(err))),
        Err(_) => Some(format!("no answer within {READINESS_TIMEOUT:?}")),
    };
    match failure {
        None => (
            StatusCode::OK,
            Json(Health {
                status: "ready",
                database: Some(backend),
            }),
        ),
        Some(why) => {
            tracing::warn!(%why, "not ready: the database is unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "database unreachable",
                    database: Some(backend),
                }),
            )
        }
    }
}

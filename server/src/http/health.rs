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

/// The job round the readiness probe writes while deliveries cannot be
/// kept (not a job: left out of the job lags).
pub const READINESS_ROUND: &str = "readiness";

/// 200 when a real query reaches the database within a second and
/// deliveries can be kept, else 503. After a batch of deliveries could
/// not be kept (a full disk), the probe writes once itself: ready again as
/// soon as a write succeeds, even with no ping arriving to try.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let backend = state.store.backend().to_string();
    let failure = match tokio::time::timeout(READINESS_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => None,
        Ok(Err(err)) => Some((
            "database unreachable",
            format!("{:#}", anyhow::Error::new(err)),
        )),
        Err(_) => Some((
            "database unreachable",
            format!("no answer within {READINESS_TIMEOUT:?}"),
        )),
    };
    let writer = state.ingest.writer();
    let failure = match failure {
        None if writer.failing() => {
            let probe = state
                .store
                .job_round_done(READINESS_ROUND, state.clock.now());
            match tokio::time::timeout(READINESS_TIMEOUT, probe).await {
                Ok(Ok(())) => {
                    writer.writes_again();
                    None
                }
                Ok(Err(err)) => Some((
                    "cannot keep deliveries",
                    format!("{:#}", anyhow::Error::new(err)),
                )),
                Err(_) => Some((
                    "cannot keep deliveries",
                    format!("no write within {READINESS_TIMEOUT:?}"),
                )),
            }
        }
        other => other,
    };
    match failure {
        None => (
            StatusCode::OK,
            Json(Health {
                status: "ready",
                database: Some(backend),
            }),
        ),
        Some((status, why)) => {
            tracing::warn!(%why, "not ready: {status}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status,
                    database: Some(backend),
                }),
            )
        }
    }
}

/// The background jobs' lag and the counts of automations and
/// orchestrations by health state, for every instance.
async fn health_metrics(
    state: &AppState,
    text: &mut String,
) -> Result<(), crate::store::StoreError> {
    use std::fmt::Write as _;
    let now = state.clock.now();
    let rounds = state.store.job_rounds().await?;
    let _ = writeln!(
        text,
        "# HELP baton_job_lag_seconds Time since each background job last finished a round, on any instance.\n\
         # TYPE baton_job_lag_seconds gauge"
    );
    for (job, done_at) in rounds.into_iter().filter(|(job, _)| job != READINESS_ROUND) {
        let lag = (now - done_at).num_milliseconds().max(0) as f64 / 1000.0;
        let _ = writeln!(text, "baton_job_lag_seconds{{job=\"{job}\"}} {lag}");
    }
    let counts = crate::health::health_counts(&*state.store, now).await?;
    for (name, help, by_state) in [
        (
            "baton_automations",
            "Automations by health state.",
            &counts.automations,
        ),
        (
            "baton_orchestrations",
            "Orchestrations by health state (retired ones left out).",
            &counts.orchestrations,
        ),
    ] {
        let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (health, n) in by_state {
            let _ = writeln!(text, "{name}{{state=\"{health}\"}} {n}");
        }
    }
    Ok(())
}

/// `GET /metrics`: ingestion's counters in Prometheus' text format, for
/// this instance since it started (what each ping was answered), and the
/// deliveries still waiting to become runs (for every instance).
pub async fn metrics(
    State(state): State<AppState>,
) -> (
    StatusCode,
    [(axum::http::HeaderName, &'static str); 1],
    String,
) {
    use std::fmt::Write as _;
    use std::sync::atomic::Ordering;
    let counters = &state.ingest.counters;
    let mut text = String::from(
        "# HELP baton_ingest_answers_total Ingestion requests by answer, since this instance started.\n\
         # TYPE baton_ingest_answers_total counter\n",
    );
    for (answer, counter) in [
        ("kept", &counters.kept),
        ("duplicate", &counters.duplicates),
        ("not_found", &counters.not_found),
        ("bad_request", &counters.bad),
        ("too_large", &counters.too_large),
        ("unavailable", &counters.unavailable),
        ("unauthorized", &counters.unauthorized),
    ] {
        let _ = writeln!(
            text,
            "baton_ingest_answers_total{{answer=\"{answer}\"}} {}",
            counter.load(Ordering::Relaxed)
        );
    }
    let (buckets, count, sum) = counters.latency.read();
    let _ = writeln!(
        text,
        "# HELP baton_ingest_answer_seconds Time from an ingestion request to its answer, since this instance started.\n\
         # TYPE baton_ingest_answer_seconds histogram"
    );
    for (bound, n) in buckets {
        let _ = writeln!(
            text,
            "baton_ingest_answer_seconds_bucket{{le=\"{bound}\"}} {n}"
        );
    }
    let _ = writeln!(
        text,
        "baton_ingest_answer_seconds_bucket{{le=\"+Inf\"}} {count}\n\
         baton_ingest_answer_seconds_sum {sum}\n\
         baton_ingest_answer_seconds_count {count}"
    );
    let _ = writeln!(
        text,
        "# HELP baton_delivery_batches_total Transactions the delivery writer committed.\n\
         # TYPE baton_delivery_batches_total counter\n\
         baton_delivery_batches_total {}",
        state.ingest.writer().batches_committed()
    );
    let _ = writeln!(
        text,
        "# HELP baton_deliveries_set_aside_total Deliveries whose effect the database refused, set aside as failed to apply, since this instance started.\n\
         # TYPE baton_deliveries_set_aside_total counter\n\
         baton_deliveries_set_aside_total {}",
        crate::ingest::processor::SET_ASIDE.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        text,
        "# HELP baton_connections_open Connections this instance is serving now.\n\
         # TYPE baton_connections_open gauge\n\
         baton_connections_open {}\n\
         # HELP baton_connections_refused_total Connections answered 503 at the connection cap since this instance started.\n\
         # TYPE baton_connections_refused_total counter\n\
         baton_connections_refused_total {}\n\
         # HELP baton_log_lines_held_back_total Warnings and errors not logged because the same place logged within 10 s.\n\
         # TYPE baton_log_lines_held_back_total counter\n\
         baton_log_lines_held_back_total {}",
        crate::http::serve::OPEN.load(Ordering::Relaxed),
        crate::http::serve::REFUSED.load(Ordering::Relaxed),
        crate::telemetry::HELD_BACK.load(Ordering::Relaxed),
    );
    let status = match state.store.count_pending_deliveries().await {
        Ok(pending) => {
            let _ = writeln!(
                text,
                "# HELP baton_deliveries_pending Deliveries kept but not yet turned into runs.\n\
                 # TYPE baton_deliveries_pending gauge\n\
                 baton_deliveries_pending {pending}"
            );
            StatusCode::OK
        }
        Err(err) => {
            tracing::warn!(%err, "cannot count pending deliveries for /metrics");
            StatusCode::SERVICE_UNAVAILABLE
        }
    };
    let status = match health_metrics(&state, &mut text).await {
        Ok(()) => status,
        Err(err) => {
            tracing::warn!(%err, "cannot read health for /metrics");
            StatusCode::SERVICE_UNAVAILABLE
        }
    };
    (
        status,
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        text,
    )
}

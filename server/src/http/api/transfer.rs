//! Import and export: the inventory as CSV (preview, then commit), the
//! orchestrations as CSV, the whole catalog as JSON.

use app::model::transfer::{CatalogDocument, CatalogImportCounts};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::json::JsonBody;
use crate::http::error::{AppError, Caller};
use crate::startup::AppState;
use crate::transfer::{self, TransferError};

impl From<TransferError> for AppError {
    fn from(err: TransferError) -> Self {
        match err {
            TransferError::BadFile(why) => AppError::BadRequest(why),
            TransferError::Invalid(fields) => AppError::Invalid(fields),
            TransferError::Changed(why) => AppError::Conflict(why),
            TransferError::Forbidden(why) => AppError::Forbidden(why),
            TransferError::Store(err) => err.into(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ImportQuery {
    /// Write the good rows; without it the answer is a preview.
    commit: bool,
}

/// Whether the caller asked for progress lines (`application/x-ndjson`).
fn wants_progress(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/x-ndjson"))
}

/// `POST /api/v1/import/inventory[?commit=true]` with the CSV file as the
/// body. The answer is the report of every row. With
/// `Accept: application/x-ndjson` it comes as lines instead: progress
/// (`{"written": n}`, every 500 rows and at the end) while rows are written, then
/// `{"report": …}` or `{"status": 4xx, "error": {the error body}}`.
pub async fn import_inventory(
    State(state): State<AppState>,
    Caller(actor): Caller,
    query: Result<Query<ImportQuery>, QueryRejection>,
    headers: HeaderMap,
    file: Bytes,
) -> Result<Response, AppError> {
    let Query(query) = query.map_err(|err| AppError::BadRequest(err.body_text()))?;
    // Refused before any progress stream starts, so the status says it.
    transfer::only_admins(&actor)?;
    if !wants_progress(&headers) {
        let report = transfer::import_inventory(
            &*state.store,
            &*state.clock,
            &actor,
            &file,
            query.commit,
            &|_| {},
        )
        .await?;
        return Ok(Json(report).into_response());
    }
    let (lines, receiver) = tokio::sync::mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        let progress = {
            let lines = lines.clone();
            move |written: usize| {
                let _ = lines.send(format!("{}\n", serde_json::json!({ "written": written })));
            }
        };
        let last = match transfer::import_inventory(
            &*state.store,
            &*state.clock,
            &actor,
            &file,
            query.commit,
            &progress,
        )
        .await
        {
            Ok(report) => serde_json::json!({ "report": report }),
            Err(err) => {
                let (status, body) = AppError::from(err).into_parts();
                serde_json::json!({ "status": status.as_u16(), "error": body })
            }
        };
        let _ = lines.send(format!("{last}\n"));
    });
    // Fused: the compression layer may poll once more after the end.
    let stream = futures::StreamExt::fuse(futures::stream::unfold(
        receiver,
        |mut receiver| async move {
            receiver.recv().await.map(|line| {
                (
                    Ok::<_, std::convert::Infallible>(Bytes::from(line)),
                    receiver,
                )
            })
        },
    ));
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response())
}

fn download(content_type: &'static str, name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub async fn export_inventory(State(state): State<AppState>) -> Result<Response, AppError> {
    let bytes = transfer::export_inventory(&*state.store).await?;
    Ok(download(
        "text/csv; charset=utf-8",
        "baton-inventory.csv",
        bytes,
    ))
}

pub async fn export_orchestrations(State(state): State<AppState>) -> Result<Response, AppError> {
    let bytes = transfer::export_orchestrations(&*state.store).await?;
    Ok(download(
        "text/csv; charset=utf-8",
        "baton-orchestrations.csv",
        bytes,
    ))
}

pub async fn export_catalog(State(state): State<AppState>) -> Result<Response, AppError> {
    let document = transfer::export_catalog(&*state.store).await?;
    let bytes = serde_json::to_vec_pretty(&document).map_err(anyhow::Error::new)?;
    Ok(download("application/json", "baton-catalog.json", bytes))
}

/// `POST /api/v1/import/catalog` with a catalog document: everything in it
/// added or changed in one transaction.
pub async fn import_catalog(
    State(state): State<AppState>,
    Caller(actor): Caller,
    JsonBody(document): JsonBody<CatalogDocument>,
) -> Result<(StatusCode, Json<CatalogImportCounts>), AppError> {
    let counts = transfer::import_catalog(&*state.store, &*state.clock, &actor, document).await?;
    Ok((StatusCode::OK, Json(counts)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MonitorQuery {
    /// Write the good entries; without it the answer is a preview.
    commit: bool,
    /// Cronitor: the ping source whose key its clients send as their API
    /// key; each monitor's key becomes its slug there.
    source_id: Option<i64>,
}

/// `POST /api/v1/import/monitors/{from}[?commit=true][&source_id=N]` with
/// the other tool's listing as the body (`healthchecks`: an API v3 checks
/// listing; `cronitor`: its monitors listing; `uptime-kuma`: a backup
/// file). The answer says what each monitor becomes, and its old and new
/// ping URLs.
pub async fn import_monitors(
    State(state): State<AppState>,
    Caller(actor): Caller,
    axum::extract::Path(from): axum::extract::Path<String>,
    query: Result<Query<MonitorQuery>, QueryRejection>,
    file: Bytes,
) -> Result<Json<app::model::transfer::MonitorReport>, AppError> {
    let Query(query) = query.map_err(|err| AppError::BadRequest(err.body_text()))?;
    transfer::only_admins(&actor)?;
    let origin = app::model::transfer::MonitorOrigin::parse(&from).ok_or_else(|| {
        AppError::BadRequest(format!(
            "{from:?} is not a tool Baton imports monitors from: healthchecks, cronitor or \
             uptime-kuma"
        ))
    })?;
    let source_key = match query.source_id {
        None => None,
        Some(id) => Some(
            state
                .store
                .sources()
                .await?
                .into_iter()
                .find(|s| s.source.id == id)
                .map(|s| s.key)
                .ok_or_else(|| AppError::BadRequest(format!("there is no source {id}")))?,
        ),
    };
    let report = crate::monitors::import(
        &*state.store,
        &*state.clock,
        &crate::audit::Author::of(&actor),
        crate::monitors::MonitorImport {
            origin,
            file: &file,
            commit: query.commit,
            public_url: &state.config.public_url,
            cronitor_source_key: source_key.as_deref(),
        },
    )
    .await?;
    Ok(Json(report))
}

//! Baton's benchmarks, on each backend: how fast deliveries are kept
//! durably (the group-commit writer), how fast a running Baton answers its
//! probes and renders a page, and the catalog at 10,000 automations (a CSV
//! import previewed, committed and repeated; the inventory searched and
//! paged). Run with `cargo xtask bench`; figures go to BENCHMARKS.md. Not a
//! test: nothing here passes or fails on speed.

#![expect(
    clippy::unwrap_used,
    reason = "a benchmark that cannot set up must stop"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use baton::clock::SystemClock;
use baton::config::{Cli, Config};
use baton::deliveries::DeliveryWriter;
use baton::startup::Application;
use baton::store::{self, NewDelivery, SharedStore};
use chrono::Utc;
use clap::Parser;
use pings::Measured;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

#[path = "figures/pings.rs"]
mod pings;

const PG_ADMIN: &str = "postgres://root@127.0.0.1:5432/postgres";

fn delivery(round: usize, n: usize) -> NewDelivery {
    NewDelivery {
        received_at: Utc::now(),
        endpoint: "ping".into(),
        scope: "automation:1".into(),
        source_id: None,
        automation_id: Some(1),
        external_id: Some(format!("bench-{round}-{n}")),
        method: "POST".into(),
        uri: "/ping/bench".into(),
        headers: vec![("content-type".into(), "text/plain".into()); 6],
        body: vec![b'x'; 512],
        body_size: 512,
        remote_addr: Some("127.0.0.1".into()),
        rejected: None,
    }
}

/// Keeps `total` deliveries from `producers` concurrent senders.
async fn keep_deliveries(store: SharedStore, producers: usize, total: usize) -> (f64, u64) {
    let writer = DeliveryWriter::spawn(store, 256);
    let started = Instant::now();
    let tasks: Vec<_> = (0..producers)
        .map(|p| {
            let writer = writer.clone();
            tokio::spawn(async move {
                for n in (p..total).step_by(producers) {
                    writer.keep(delivery(producers, n)).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let rate = total as f64 / started.elapsed().as_secs_f64();
    (rate, writer.batches_committed())
}

/// The bench administrator's password.
const PASSWORD: &str = "bench password, long enough";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Rows in the inventory file the catalog figures import.
const ROWS: usize = 10_000;

fn inventory_file() -> String {
    let mut file = String::from(
        "tool,external_id,name,description,failure_mode,minutes_saved_per_run,runs_per_week\n",
    );
    let tools = ["cron", "zapier", "github_actions", "n8n", "airflow"];
    for i in 0..ROWS {
        file.push_str(&format!(
            "{},job-{i:05},Job {i:05},Moves batch {i} along,Reports go stale,{},7\n",
            tools[i % tools.len()],
            i % 30
        ));
    }
    file
}

/// Imports the file; returns the time to the answer's end and, when
/// committing, to its first progress line.
async fn import(
    client: &reqwest::Client,
    base: &str,
    file: &str,
    commit: bool,
) -> (Duration, Option<Duration>) {
    let started = Instant::now();
    let mut res = client
        .post(format!("{base}/api/v1/import/inventory?commit={commit}"))
        .header(
            "accept",
            if commit {
                "application/x-ndjson"
            } else {
                "application/json"
            },
        )
        .body(file.to_owned())
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let mut first = None;
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.unwrap() {
        if first.is_none() && commit && chunk.windows(9).any(|w| w == b"\"written\"") {
            first = Some(started.elapsed());
        }
        body.extend_from_slice(&chunk);
    }
    assert!(
        !body.windows(7).any(|w| w == b"\"error\""),
        "the import failed"
    );
    (started.elapsed(), first)
}

async fn catalog_figures(name: &str, client: &reqwest::Client, base: &str) {
    let file = inventory_file();
    let (preview, _) = import(client, base, &file, false).await;
    println!("| {name} | CSV import of {ROWS} rows: preview of every row | {preview:.2?} |");
    let (commit, first) = import(client, base, &file, true).await;
    let first = first.unwrap_or_default();
    println!(
        "| {name} | CSV import of {ROWS} rows: commit in one transaction | {commit:.2?} (first progress line after {first:.2?}) |"
    );
    let (again, _) = import(client, base, &file, true).await;
    println!("| {name} | the same file again (every row unchanged) | {again:.2?} |");
    for (what, path) in [
        ("API search", "/api/v1/automations?q=job%2009&limit=50"),
        ("inventory page, search by name", "/inventory?q=job%2009"),
        (
            "inventory page, tool filter, newest first",
            "/inventory?tool=zapier&sort=updated",
        ),
        ("inventory page 150 of 200", "/inventory?page=150"),
    ] {
        let (p50, p99) = latency(client, &format!("{base}{path}"), 200).await;
        println!(
            "| {name} | {what} at {ROWS} automations (`{path}`), 200 requests | p50 {p50:.2?}, p99 {p99:.2?} |"
        );
    }
}

async fn latency(client: &reqwest::Client, url: &str, rounds: usize) -> (Duration, Duration) {
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        let res = client.get(url).send().await.unwrap();
        assert!(res.status().is_success());
        res.bytes().await.unwrap();
        times.push(started.elapsed());
    }
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.99))
}

/// Pings through HTTP: the most a running Baton keeps durably, then the
/// latency at half that rate, and how long turning them into runs takes.
async fn ping_figures(
    name: &str,
    client: &reqwest::Client,
    base: &str,
    store: SharedStore,
    dir: &tempfile::TempDir,
) {
    let mut keys = Vec::new();
    for i in 0..20 {
        let res = client
            .post(format!("{base}/api/v1/automations"))
            .json(&serde_json::json!({"tool": "cron", "external_id": format!("load-{i}"), "name": format!("Load {i}")}))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success());
        let created: serde_json::Value = res.json().await.unwrap();
        keys.push(created["ping"]["key"].as_str().unwrap().to_owned());
    }
    let requests = pings::pings(keys);
    let addr: std::net::SocketAddr = base.trim_start_matches("http://").parse().unwrap();
    if name == "SQLite" {
        println!(
            "| SQLite | `fdatasync` of 4 KiB in the database's folder (the disk under every commit) | p50 {:.2?} |",
            pings::fsync_latency(dir.path())
        );
    }
    let Measured {
        most,
        half,
        paced,
        catch_up,
    } = pings::measure(&store, addr, requests, 128).await;
    println!(
        "| {name} | pings over HTTP (GET, POST with a body, start/finish pairs with `rid`), 128 connections, 10 s flat out | {:.0} durable pings/s; p50 {:.2?}, p99 {:.2?}; {} answered 2xx, {} refused, {} of the 2xx missing afterwards |",
        most.rate, most.p50, most.p99, most.accepted, most.refused, most.missing
    );
    println!(
        "| {name} | pings at half that rate ({half:.0}/s, paced, latency from when each was due) | p50 {:.2?}, p99 {:.2?}; {} answered 2xx, {} missing afterwards |",
        paced.p50, paced.p99, paced.accepted, paced.missing
    );
    println!(
        "| {name} | turning those {} deliveries into runs | done {catch_up:.1?} after the last ping |",
        most.accepted + paced.accepted
    );
}

/// Signed GitHub `workflow_run` deliveries through HTTP: the most a
/// running Baton verifies and keeps durably, the latency at half that rate,
/// and how long turning them into runs takes.
async fn webhook_figures(name: &str, client: &reqwest::Client, base: &str, store: SharedStore) {
    let team: serde_json::Value = client
        .post(format!("{base}/api/v1/teams"))
        .json(&serde_json::json!({"name": "Bench"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = client
        .post(format!("{base}/api/v1/sources"))
        .json(&serde_json::json!({"name": "GitHub bench", "team_id": team["id"], "tool": "github"}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let source: serde_json::Value = res.json().await.unwrap();
    let template: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/webhooks/github-octokit/workflow_run.completed.success.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let size = serde_json::to_vec(&template).unwrap().len();
    let requests = pings::github(
        source["key"].as_str().unwrap().to_owned(),
        source["secret"].as_str().unwrap().to_owned(),
        template,
    );
    let addr: std::net::SocketAddr = base.trim_start_matches("http://").parse().unwrap();
    let connections = 64;
    let Measured {
        most,
        half,
        paced,
        catch_up,
    } = pings::measure(&store, addr, requests, connections).await;
    println!(
        "| {name} | signed GitHub `workflow_run` deliveries over HTTP (a real {size}-byte payload, each its own run, requested then completed; HMAC checked), {connections} connections, 10 s flat out | {:.0} durable deliveries/s; p50 {:.2?}, p99 {:.2?}; {} answered 2xx, {} refused, {} of the 2xx missing afterwards |",
        most.rate, most.p50, most.p99, most.accepted, most.refused, most.missing
    );
    println!(
        "| {name} | signed GitHub deliveries at half that rate ({half:.0}/s, paced) | p50 {:.2?}, p99 {:.2?}; {} answered 2xx, {} missing afterwards |",
        paced.p50, paced.p99, paced.accepted, paced.missing
    );
    println!(
        "| {name} | turning those {} deliveries into runs (each run created, then completed) | done {catch_up:.1?} after the last delivery |",
        most.accepted + paced.accepted
    );
}

async fn pg_database(name: &str) -> String {
    let mut admin = PgConnection::connect(PG_ADMIN).await.unwrap();
    sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    format!("postgres://root@127.0.0.1:5432/{name}")
}

/// What `BATON_BENCH_TRACE=1` logs: the writers, not every request.
const TRACE_WRITERS: &str =
    "baton::ingest=debug,baton::deliveries=debug,baton::startup=debug,baton::store=debug,warn";

#[tokio::main]
async fn main() {
    // The allocator as `baton serve` sets it (this runtime's threads
    // started already; the server's connections and tasks come later).
    baton::allocator::tune();
    // `BATON_BENCH_TRACE=1` logs, on stderr beside the slow answers, what
    // the server's writers do (debug): delivery batches, processing,
    // checkpoints. Any other value is the log filter itself.
    if let Some(trace) = std::env::var_os("BATON_BENCH_TRACE") {
        let filter = match trace.to_str() {
            Some("1") | None => TRACE_WRITERS,
            Some(filter) => filter,
        };
        baton::telemetry::init(filter, baton::config::LogFormat::Text);
    }
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let pg_url = pg_database("baton_bench").await;
    println!("| backend | what | figure |");
    println!("| --- | --- | --- |");
    // `BATON_BENCH=pings` measures the ping load alone.
    let only_pings = std::env::var("BATON_BENCH").is_ok_and(|v| v == "pings");
    let only_hooks = std::env::var("BATON_BENCH").is_ok_and(|v| v == "hooks");
    // `BATON_BENCH_BACKEND=sqlite` or `postgres` measures one backend.
    let backend = std::env::var("BATON_BENCH_BACKEND").unwrap_or_default();
    for (name, url) in [("SQLite", sqlite_url), ("PostgreSQL", pg_url)] {
        if !backend.is_empty() && !name.to_lowercase().starts_with(&backend) {
            continue;
        }
        for producers in [1, 64] {
            if only_pings || only_hooks {
                break;
            }
            let store = store::connect(&url.parse().unwrap()).await.unwrap();
            store.migrate().await.unwrap();
            let total = if producers == 1 { 2_000 } else { 20_000 };
            let (rate, batches) = keep_deliveries(store, producers, total).await;
            let senders = if producers == 1 {
                "1 sender".to_owned()
            } else {
                format!("{producers} concurrent senders")
            };
            println!(
                "| {name} | deliveries kept durably, {senders}, {total} in all | {rate:.0}/s in {batches} transactions |"
            );
        }
        let argv = [
            "baton",
            "--addr",
            "127.0.0.1:0",
            "--database-url",
            &url,
            "--site-root",
            "target/site",
        ];
        let config =
            Config::from_options(&Cli::try_parse_from(argv).unwrap().options, None).unwrap();
        let app = Application::build(config, Arc::new(SystemClock))
            .await
            .unwrap();
        let base = format!("http://{}", app.local_addr().unwrap());
        // Everything but the probes needs a signed-in person: an admin,
        // signed in as a browser is (its cookie, its Origin).
        let admin = baton::accounts::NewAccount {
            email: "bench@example.com".to_owned(),
            display_name: "Bench".to_owned(),
            role: app::model::accounts::Role::Admin,
            password: baton::accounts::password::Password::new(PASSWORD),
        };
        let author = baton::audit::Author::command_line();
        baton::accounts::create_account(&*app.state().store, &SystemClock, &author, admin)
            .await
            .unwrap();
        // `BATON_BENCH_NO_ROLLUPS=1` drops the health rollups' triggers, to
        // measure what keeping them costs ingestion (an A/B, never a setup).
        if std::env::var_os("BATON_BENCH_NO_ROLLUPS").is_some() {
            drop_rollup_triggers(&url).await;
        }
        let app_store = app.state().store.clone();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async {
            let _ = stop_rx.await;
        }));
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::ORIGIN, base.parse().unwrap());
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .build()
            .unwrap();
        let signed_in = client
            .post(format!("{base}/sign-in"))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[("email", "bench@example.com"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert!(
            signed_in.status().is_success(),
            "the bench could not sign in"
        );
        // `BATON_BENCH=hooks` measures the webhook load alone.
        if !only_hooks {
            ping_figures(name, &client, &base, app_store.clone(), &dir).await;
        }
        if !only_pings {
            webhook_figures(name, &client, &base, app_store.clone()).await;
        }
        if only_pings || only_hooks {
            let _ = stop_tx.send(());
            let _ = server.await;
            continue;
        }
        for (path, what) in [
            ("/readyz", "`GET /readyz`"),
            ("/", "`GET /` (server-rendered page, signed in)"),
        ] {
            let (p50, p99) = latency(&client, &format!("{base}{path}"), 2_000).await;
            println!(
                "| {name} | {what}, sequential, 2000 requests | p50 {p50:.2?}, p99 {p99:.2?} |"
            );
        }
        catalog_figures(name, &client, &base).await;
        let _ = stop_tx.send(());
        let _ = server.await;
    }
    let mut admin = PgConnection::connect(PG_ADMIN).await.unwrap();
    sqlx::query("DROP DATABASE IF EXISTS baton_bench WITH (FORCE)")
        .execute(&mut admin)
        .await
        .unwrap();
}

/// Drops the triggers that keep the health rollups (see
/// `BATON_BENCH_NO_ROLLUPS`).
async fn drop_rollup_triggers(url: &str) {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{path}"))
            .await
            .unwrap();
        for trigger in [
            "runs_roll_insert",
            "runs_roll_update",
            "runs_state_insert",
            "runs_state_update",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP TRIGGER {trigger}")))
                .execute(&pool)
                .await
                .unwrap();
        }
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query("DROP TRIGGER runs_roll ON runs")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
}

//! Fuzzing every parser of outside input, on the stable toolchain:
//!
//! ```text
//! cargo run --release -p baton --example fuzz -- [SECONDS_PER_TARGET] [TARGET...]
//! ```
//!
//! It prints its seed first; `BATON_FUZZ_SEED=<seed>` repeats a run.
//!
//! `cargo fuzz` needs a nightly compiler, which this project's machines do
//! not have; this is a mutation fuzzer without coverage guidance instead.
//! Each target starts from real inputs (the webhook fixtures, documented
//! ping URLs, a CSV and a catalog Baton exports) and mutates them: bytes
//! flipped, cut and spliced, and JSON values swapped for hostile ones (NUL
//! and control characters, 3,000-character text, huge and negative
//! numbers, years −5000 and 11476, nested objects). For each input it
//! asserts no panic and that whatever is accepted keeps the rules both
//! databases need (PostgreSQL's are the stricter): no NUL in text,
//! identifiers at most 200 bytes without control characters, names at most
//! 200 bytes, times between 1970 and 100 years ahead, durations within a
//! year. The imports run against a real SQLite database. It prints how
//! many inputs each target ran (BENCHMARKS.md keeps the figures).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a fuzzer stops at the first broken rule, loudly"
)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use app::model::accounts::{Actor, Role};
use app::model::ingestion::{DeliveryOutcome, Source, SourceTool};
use app::model::window;
use baton::clock::SystemClock;
use baton::ingest::hooks::{self, Tool};
use baton::ingest::limits::{MAX_DURATION_MS, MAX_ID, MAX_NAME, MAX_URL};
use baton::ingest::processor::interpret;
use baton::ingest::verify;
use baton::store::{Delivery, Effect, HookReport, SharedStore};
use chrono::Utc;
use rand::prelude::*;
use serde_json::Value;

const LOG_LIMIT: usize = 10_000;

/// Hostile text and values, spliced into inputs.
fn hostile_text(rng: &mut StdRng) -> String {
    let long = "x".repeat(3000);
    let pick = [
        "\0",
        "a\0b",
        "\u{1}\u{7}\u{1b}[31m",
        "\n\r\t",
        "",
        " ",
        "é",
        "🎉",
        "\u{202e}",
        "%00",
        "%ZZ",
        "-5000-01-01T00:00:00Z",
        "+11476-01-01T00:00:00Z",
        "0001-01-01 00:00:00 UTC",
        "9999-12-31T23:59:59Z",
        "1e400",
        "-1",
        "99999999999999999999",
        "NaN",
        "inf",
        "299000000000",
        long.as_str(),
    ];
    (*pick.choose(rng).unwrap()).to_owned()
}

fn hostile_value(rng: &mut StdRng) -> Value {
    match rng.random_range(0..10) {
        0 => Value::Null,
        1 => Value::Bool(rng.random()),
        2 => Value::from(rng.random::<i64>()),
        3 => Value::from(-rng.random_range(0..1_000_000_i64)),
        4 => Value::from(rng.random::<f64>() * 1e300),
        5 => serde_json::json!({"nested": hostile_text(rng)}),
        6 => serde_json::json!([hostile_text(rng)]),
        _ => Value::from(hostile_text(rng)),
    }
}

/// Swaps some leaves (and sometimes whole objects) of `value` for hostile
/// ones.
fn mutate_json(value: &mut Value, rng: &mut StdRng, rate: f64) {
    match value {
        Value::Object(map) => {
            for (_, v) in map.iter_mut() {
                if rng.random_bool(rate) {
                    *v = hostile_value(rng);
                } else {
                    mutate_json(v, rng, rate);
                }
            }
            if rng.random_bool(rate / 4.0) {
                map.insert(
                    hostile_text(rng).chars().take(20).collect(),
                    hostile_value(rng),
                );
            }
        }
        Value::Array(items) => {
            for v in items.iter_mut() {
                mutate_json(v, rng, rate);
            }
        }
        leaf => {
            if rng.random_bool(rate) {
                *leaf = hostile_value(rng);
            }
        }
    }
}

/// Swaps some text leaves of `value` for hostile text, keeping its shape
/// (so that typed documents still read).
fn mutate_strings(value: &mut Value, rng: &mut StdRng, rate: f64) {
    match value {
        Value::Object(map) => map.values_mut().for_each(|v| mutate_strings(v, rng, rate)),
        Value::Array(items) => items.iter_mut().for_each(|v| mutate_strings(v, rng, rate)),
        Value::String(text) if rng.random_bool(rate) => {
            *text = match rng.random_range(0..3) {
                0 => hostile_text(rng),
                1 => format!("{text}{}", hostile_text(rng)),
                _ => format!("{}{text}", hostile_text(rng)),
            };
        }
        _ => {}
    }
}

/// Flips, cuts, splices and inserts bytes.
fn mutate_bytes(bytes: &mut Vec<u8>, rng: &mut StdRng) {
    for _ in 0..rng.random_range(1..6) {
        if bytes.is_empty() {
            bytes.extend_from_slice(hostile_text(rng).as_bytes());
            continue;
        }
        let at = rng.random_range(0..bytes.len());
        match rng.random_range(0..5) {
            0 => bytes[at] = rng.random(),
            1 => bytes.truncate(at),
            2 => {
                let text = hostile_text(rng);
                bytes.splice(at..at, text.bytes());
            }
            3 => {
                let end = rng.random_range(at..bytes.len());
                let part = bytes[at..end].to_vec();
                bytes.extend_from_slice(&part);
            }
            _ => {
                bytes.remove(at);
            }
        }
    }
}

fn delivery(endpoint: &str, uri: &str, headers: Vec<(String, String)>, body: Vec<u8>) -> Delivery {
    Delivery {
        id: 1,
        received_at: Utc::now(),
        endpoint: endpoint.to_owned(),
        scope: "source:1".to_owned(),
        source_id: Some(1),
        automation_id: Some(1),
        external_id: None,
        method: "POST".to_owned(),
        uri: uri.to_owned(),
        headers,
        body_size: body.len() as i64,
        body,
        remote_addr: None,
        outcome: DeliveryOutcome::Pending,
        outcome_detail: None,
        processed_at: None,
        run_id: None,
        duplicate_of: None,
    }
}

fn is_identifier(text: &str) -> bool {
    text.len() <= MAX_ID && !text.chars().any(char::is_control)
}

fn is_name(text: &str) -> bool {
    text.len() <= MAX_NAME && !text.chars().any(char::is_control)
}

/// The rules both databases need, on what a delivery comes to.
fn check_effect(effect: &Effect, delivery: &Delivery, input: &dyn std::fmt::Debug) {
    let received = delivery.received_at;
    let ok = match effect {
        Effect::Run(event) => {
            !event.log.contains('\0')
                && event
                    .rid
                    .as_deref()
                    .is_none_or(|r| r.len() <= 64 && is_identifier(r))
                && window::contains(event.at, received)
                && event
                    .duration_ms
                    .is_none_or(|d| (0..=MAX_DURATION_MS).contains(&d))
                && event.note.as_deref().is_none_or(|n| !n.contains('\0'))
        }
        Effect::Hook(hook) => {
            let times_fine = window::contains(hook.status_at, received);
            let report_fine = match &hook.report {
                HookReport::Run(run) => {
                    let f = &run.automation.fields;
                    run.run_key.len() <= 4 * (MAX_ID + 8)
                        && !run.run_key.contains('\0')
                        && is_name(&f.name)
                        && f.external_id.len() <= 2 * MAX_ID + 110
                        && !f.external_id.contains('\0')
                        && run
                            .automation
                            .slug
                            .as_deref()
                            .is_none_or(|s| s.len() <= 100)
                        && run.started_at.is_none_or(|t| window::contains(t, received))
                        && run
                            .finished_at
                            .is_none_or(|t| window::contains(t, received))
                        && run.url.as_deref().is_none_or(|u| {
                            u.len() <= MAX_URL && u.to_ascii_lowercase().starts_with("http")
                        })
                        && run.message.as_deref().is_none_or(|m| !m.contains('\0'))
                }
                HookReport::Job(job) => {
                    !job.run_key.contains('\0') && is_identifier(&job.job_key) && is_name(&job.name)
                }
            };
            times_fine && report_fine
        }
        Effect::Ignored(why) | Effect::Failed(why) => !why.contains('\0'),
        Effect::Replayed(_) => true,
    };
    if !ok {
        let input = format!("{input:?}");
        let input: String = input.chars().take(2000).collect();
        panic!("a rule is broken: {effect:?}\nby the input {input}");
    }
}

/// A webhook fixture: its tool, event header and body.
fn webhook_seeds() -> Vec<(Tool, Option<String>, Vec<u8>)> {
    use base64::Engine as _;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webhooks");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let mut seeds = Vec::new();
    for entry in manifest["fixtures"].as_array().unwrap() {
        let tool = Tool::parse(entry["kind"].as_str().unwrap()).unwrap();
        let file = dir.join(entry["file"].as_str().unwrap());
        let (body, headers): (Vec<u8>, Value) = if entry["headers"]["from_file"] == true {
            let recorded: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
            let body = base64::engine::general_purpose::STANDARD
                .decode(recorded["body_raw_base64"].as_str().unwrap())
                .unwrap();
            (body, recorded["headers"].clone())
        } else {
            (std::fs::read(&file).unwrap(), entry["headers"].clone())
        };
        let event = headers.as_object().and_then(|h| {
            h.iter()
                .find(|(k, _)| {
                    let k = k.to_ascii_lowercase();
                    k == "x-github-event" || k == "x-gitlab-event"
                })
                .and_then(|(_, v)| v.as_str().map(str::to_owned))
        });
        seeds.push((tool, event, body));
    }
    let generic = br#"{"automation":"nightly-export","run_id":"2026-12-07","status":"failed",
        "name":"Nightly export","started_at":"2026-12-07T01:00:00Z","finished_at":"2026-12-07T01:05:00Z",
        "message":"3 rows refused","url":"https://ci.example/runs/1","metrics":{"rows":42}}"#;
    seeds.push((Tool::Generic, None, generic.to_vec()));
    seeds
}

fn sources() -> HashMap<i64, Source> {
    let source = Source {
        id: 1,
        slug: "ci".to_owned(),
        name: "CI".to_owned(),
        team_id: 1,
        tool: SourceTool::Github,
        created_at: Utc::now(),
        rejected_count: 0,
        last_rejected_at: None,
    };
    HashMap::from([(1, source)])
}

/// Webhook bodies through the door's reading and the processor's.
fn fuzz_webhooks(rng: &mut StdRng, seeds: &[(Tool, Option<String>, Vec<u8>)]) -> bool {
    let sources = sources();
    let (tool, event, seed) = seeds.choose(rng).unwrap();
    let body = if rng.random_bool(0.7) {
        match serde_json::from_slice::<Value>(seed) {
            Ok(mut value) => {
                if rng.random_bool(0.5) {
                    mutate_json(&mut value, rng, 0.08);
                } else {
                    mutate_strings(&mut value, rng, 0.1);
                }
                serde_json::to_vec(&value).unwrap()
            }
            Err(_) => seed.clone(),
        }
    } else {
        let mut bytes = seed.clone();
        mutate_bytes(&mut bytes, rng);
        bytes
    };
    let door = hooks::map(*tool, event.as_deref(), &body);
    let header = match tool {
        Tool::Github => Some("x-github-event"),
        Tool::Gitlab => Some("x-gitlab-event"),
        _ => None,
    };
    let headers = header
        .zip(event.clone())
        .map(|(h, e)| vec![(h.to_owned(), e)])
        .unwrap_or_default();
    let d = delivery(tool.as_str(), "/hooks/x/key", headers, body);
    let effect = interpret(&d, &sources, LOG_LIMIT);
    check_effect(&effect, &d, &String::from_utf8_lossy(&d.body));
    // What the door took, the processor applies (never fails on it).
    if let Ok(hooks::Mapping::Run(_) | hooks::Mapping::Job(_)) = door
        && *tool != Tool::Generic
    {
        assert!(
            !matches!(effect, Effect::Failed(_)),
            "accepted at the door, failed in processing: {effect:?}"
        );
    }
    matches!(effect, Effect::Hook(_))
}

/// Ping URLs of every family through the processor's reading.
fn fuzz_pings(rng: &mut StdRng) -> bool {
    let seeds = [
        ("ping", "/ping/key"),
        (
            "ping",
            "/ping/key/start?rid=5b5f0a9e-3f1d-4a52-9c2b-0d5d3b2f7a10",
        ),
        ("ping", "/ping/key/1?rid=r1"),
        ("ping_slug", "/ping/skey/nightly-backup/fail?create=1"),
        (
            "cronitor",
            "/p/skey/Nightly.Report?state=complete&series=s1&status_code=0&msg=42%20rows&stamp=1795000000.5&duration=12.5",
        ),
        ("cronitor", "/ping/skey/job?state=run&series=x"),
        (
            "uptime_kuma",
            "/api/push/key?status=down&msg=timeout&ping=41.6",
        ),
    ];
    let (endpoint, uri) = seeds.choose(rng).unwrap();
    let mut bytes = uri.as_bytes().to_vec();
    mutate_bytes(&mut bytes, rng);
    let uri = String::from_utf8_lossy(&bytes).into_owned();
    let mut body = b"job output\n".to_vec();
    if rng.random_bool(0.5) {
        mutate_bytes(&mut body, rng);
    }
    let d = delivery(endpoint, &uri, Vec::new(), body);
    let effect = interpret(&d, &HashMap::new(), LOG_LIMIT);
    check_effect(&effect, &d, &uri);
    matches!(effect, Effect::Run(_))
}

/// Signature headers against the secrets a source holds.
fn fuzz_signatures(rng: &mut StdRng) -> bool {
    let secrets = vec![
        "s3cret".to_owned(),
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned(),
    ];
    let mut body = br#"{"a":1}"#.to_vec();
    mutate_bytes(&mut body, rng);
    let mut header = |seed: &str| {
        let mut bytes = seed.as_bytes().to_vec();
        mutate_bytes(&mut bytes, rng);
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let github = header("sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    let gitlab = header("s3cret");
    let (id, timestamp, signature) = (header("msg_1"), header("1795000000"), header("v1,abc="));
    // A made-up signature never verifies; none panics.
    assert!(verify::github(Some(&github), &body, &secrets).is_err());
    let gitlab_ok = verify::gitlab(Some(&gitlab), &secrets).is_ok();
    let _ = verify::standard(
        verify::StandardHeaders {
            id: Some(&id),
            timestamp: Some(&timestamp),
            signature: Some(&signature),
        },
        &body,
        &secrets,
        Utc::now(),
    );
    gitlab_ok
}

/// What an import accepts, a real SQLite database keeps.
struct Imports {
    store: SharedStore,
    admin: Actor,
    csv: Vec<u8>,
    catalog: Value,
    _dir: tempfile::TempDir,
}

impl Imports {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("fuzz.db").display());
        let store = baton::store::connect(&url.parse().unwrap()).await.unwrap();
        store.migrate().await.unwrap();
        let admin = Actor {
            id: 0,
            email: "fuzz@example.com".to_owned(),
            display_name: "Fuzz".to_owned(),
            role: Role::Admin,
        };
        let catalog = serde_json::json!({
            "format": "baton-catalog", "version": 1,
            "teams": [{"slug": "ops", "name": "Ops"}],
            "people": [],
            "orchestrations": [{"slug": "payroll", "name": "Payroll", "purpose": "Pays people",
                                "tags": ["finance"], "tier": 1, "team": "ops",
                                "owner": null, "backup_owner": null}],
            "automations": [{"tool": "cron", "external_id": "pay.sh", "name": "Pay",
                             "owner": null, "team": "ops", "orchestration": "payroll",
                             "minutes_saved_per_run": 5.0, "runs_per_week": 7.0}],
            "dependencies": []
        });
        let document = serde_json::from_value(catalog).expect("the seed catalog reads");
        baton::transfer::import_catalog(&*store, &SystemClock, &admin, document)
            .await
            .expect("the seed catalog imports");
        // Seeds as Baton itself writes them.
        let catalog =
            serde_json::to_value(baton::transfer::export_catalog(&*store).await.unwrap()).unwrap();
        let csv = baton::transfer::export_inventory(&*store).await.unwrap();
        Self {
            store,
            admin,
            csv,
            catalog,
            _dir: dir,
        }
    }

    async fn fuzz_csv(&self, rng: &mut StdRng) -> bool {
        let mut file = self.csv.clone();
        mutate_bytes(&mut file, rng);
        let commit = rng.random_bool(0.2);
        let imported = baton::transfer::import_inventory(
            &*self.store,
            &SystemClock,
            &self.admin,
            &file,
            commit,
            &|_| {},
        )
        .await;
        match imported {
            Err(baton::transfer::TransferError::Store(err)) => panic!(
                "the database refused an accepted CSV: {err} in {:?}",
                String::from_utf8_lossy(&file)
            ),
            Ok(report) => report.new + report.updated + report.unchanged > 0,
            Err(_) => false,
        }
    }

    async fn fuzz_catalog(&self, rng: &mut StdRng) -> bool {
        let mut value = self.catalog.clone();
        for part in ["teams", "orchestrations", "automations", "dependencies"] {
            if rng.random_bool(0.2) {
                mutate_json(&mut value[part], rng, 0.1);
            } else {
                mutate_strings(&mut value[part], rng, 0.2);
            }
        }
        let Ok(document) = serde_json::from_value(value.clone()) else {
            return false;
        };
        let imported =
            baton::transfer::import_catalog(&*self.store, &SystemClock, &self.admin, document)
                .await;
        match imported {
            Err(baton::transfer::TransferError::Store(err)) => {
                panic!("the database refused an accepted catalog: {err} in {value}")
            }
            Ok(_) => true,
            Err(_) => false,
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let only: Vec<String> = args.collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let budget = Duration::from_secs(seconds);
    // A run is repeated by giving its seed back: BATON_FUZZ_SEED=<seed>.
    let seed: u64 = std::env::var("BATON_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    let mut rng = StdRng::seed_from_u64(seed);
    let seeds = webhook_seeds();
    let imports = Imports::new().await;
    println!("seed {seed} (BATON_FUZZ_SEED={seed} repeats this run)");
    println!("target       inputs  accepted  per second  ({seconds} s each)");
    let report = |name: &str, n: u64, accepted: u64, took: Duration| {
        let rate = n as f64 / took.as_secs_f64();
        println!("{name:<10} {n:>8} {accepted:>9} {rate:>11.0}");
    };
    macro_rules! run {
        ($name:literal, $body:expr) => {
            if wanted($name) {
                let start = Instant::now();
                let (mut n, mut accepted) = (0u64, 0u64);
                while start.elapsed() < budget {
                    accepted += u64::from($body);
                    n += 1;
                }
                report($name, n, accepted, start.elapsed());
            }
        };
    }
    run!("webhooks", fuzz_webhooks(&mut rng, &seeds));
    run!("pings", fuzz_pings(&mut rng));
    run!("signatures", fuzz_signatures(&mut rng));
    run!("csv", imports.fuzz_csv(&mut rng).await);
    run!("catalog", imports.fuzz_catalog(&mut rng).await);
}

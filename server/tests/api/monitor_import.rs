//! Monitors move over from Healthchecks, Cronitor and Uptime Kuma in one
//! step: a preview that writes nothing, then automations with their
//! schedules and each old ping URL beside its new one; the same listing
//! again changes nothing, a changed one only what changed; probes and
//! schedules Baton cannot read are refused with their reason. From files
//! written in each tool's documented shape (`fixtures/monitors`), and from
//! a local server answering as Healthchecks' API does. On both backends.

use app::model::inventory::{Automation, InventoryFilter, Tool};
use app::model::schedule::Schedule;
use app::model::transfer::{MonitorOrigin, MonitorReport, RowStatus};
use baton::audit::Author;
use baton::monitors::{MonitorImport, import};
use baton::transfer::TransferError;
use reqwest::StatusCode;
use rstest::rstest;

use crate::helpers::{Backend, TestApp, plain_client, spawn_app};
use crate::ingestion::{runs, source};

const PUBLIC: &str = "https://baton.example.com";

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/monitors")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

async fn run(
    app: &TestApp,
    origin: MonitorOrigin,
    file: &[u8],
    commit: bool,
    cronitor_source_key: Option<&str>,
) -> Result<MonitorReport, TransferError> {
    import(
        &*app.store,
        &*app.clock,
        &Author::command_line(),
        MonitorImport {
            origin,
            file,
            commit,
            public_url: PUBLIC,
            cronitor_source_key,
        },
    )
    .await
}

async fn inventory(app: &TestApp) -> Vec<Automation> {
    app.store
        .automations(&InventoryFilter::default(), u32::MAX, 0)
        .await
        .unwrap()
}

async fn imported(app: &TestApp, tool: Tool, external_id: &str) -> (Automation, Option<Schedule>) {
    let found = inventory(app)
        .await
        .into_iter()
        .find(|a| a.fields.tool == tool && a.fields.external_id == external_id)
        .unwrap_or_else(|| panic!("{external_id} was not imported"));
    let schedule = app.store.schedule(found.id).await.unwrap().map(|(s, _)| s);
    (found, schedule)
}

fn statuses(report: &MonitorReport) -> Vec<(String, RowStatus)> {
    report
        .entries
        .iter()
        .map(|e| (e.name.clone(), e.status))
        .collect()
}

async fn key_of(app: &TestApp, automation: i64) -> String {
    app.store.ping_key(automation).await.unwrap().unwrap()
}

async fn ping(app: &TestApp, path: &str) {
    let res = plain_client().get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn healthchecks_checks_move_over_with_their_schedules_once(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let file = fixture("healthchecks-checks.json");

    // The preview says what each check becomes, and writes nothing.
    let preview = run(&app, MonitorOrigin::Healthchecks, &file, false, None)
        .await
        .unwrap();
    assert!(!preview.committed);
    assert_eq!(
        statuses(&preview),
        [
            ("Nightly database backup".to_owned(), RowStatus::New),
            ("Invoice run".to_owned(), RowStatus::New),
            ("Weekday report".to_owned(), RowStatus::Error),
        ]
    );
    let refused = &preview.entries[2];
    assert_eq!(refused.position, 3);
    assert!(
        refused.reasons[0].contains("\"Mon..Fri 09:00\"")
            && refused.reasons[0].contains("five-field cron"),
        "{refused:?}"
    );
    assert_eq!(
        preview.entries[0].schedule.as_deref(),
        Some("Every 1d, with 1h of grace")
    );
    assert_eq!(preview.entries[0].new_url, None, "no key before it exists");
    assert!(inventory(&app).await.is_empty(), "a preview writes nothing");

    // Imported: automations, schedules, and each old URL with its new one.
    let report = run(&app, MonitorOrigin::Healthchecks, &file, true, None)
        .await
        .unwrap();
    assert!(report.committed);
    assert_eq!((report.new, report.refused), (2, 1));
    let (backup, schedule) = imported(
        &app,
        Tool::Cron,
        "healthchecks:0f4b8c5e-1d3a-4f7e-9b21-6a0c2d9e8f10",
    )
    .await;
    assert_eq!(backup.fields.name, "Nightly database backup");
    assert_eq!(
        backup.fields.description,
        "Dumps the orders database to object storage.\nTags: prod, backups"
    );
    let schedule = schedule.expect("a schedule");
    assert_eq!(
        (
            schedule.period_seconds,
            schedule.cron.clone(),
            schedule.grace_seconds
        ),
        (Some(86_400), None, 3600)
    );
    let (invoices, schedule) = imported(
        &app,
        Tool::Cron,
        "healthchecks:5a1e7c3d-88b2-4c61-a0f4-3e9d2b7c6a55",
    )
    .await;
    let schedule = schedule.expect("a schedule");
    assert_eq!(
        (
            schedule.cron.as_deref(),
            schedule.time_zone.as_str(),
            schedule.grace_seconds
        ),
        (Some("15 2 * * 1-5"), "Europe/Paris", 600)
    );
    let entry = &report.entries[0];
    assert_eq!(
        entry.old_url.as_deref(),
        Some("https://hc-ping.com/0f4b8c5e-1d3a-4f7e-9b21-6a0c2d9e8f10")
    );
    let key = key_of(&app, backup.id).await;
    assert_eq!(
        entry.new_url.as_deref(),
        Some(format!("{PUBLIC}/ping/{key}").as_str())
    );
    // The new URL takes the job's pings.
    ping(&app, &format!("/ping/{key}")).await;
    assert_eq!(runs(&app, backup.id).await.len(), 1);
    assert_eq!(inventory(&app).await.len(), 2);

    // Again: nothing changes, and the URLs are given again.
    let again = run(&app, MonitorOrigin::Healthchecks, &file, true, None)
        .await
        .unwrap();
    assert_eq!(
        (again.new, again.updated, again.unchanged, again.refused),
        (0, 0, 2, 1)
    );
    assert_eq!(again.entries[0].new_url, entry.new_url);
    assert_eq!(inventory(&app).await.len(), 2, "no second automation");
    assert_eq!(key_of(&app, backup.id).await, key, "the key stays");

    // A renamed check with a new timeout: only that changes.
    let changed = String::from_utf8(file.clone())
        .unwrap()
        .replace("\"Invoice run\"", "\"Invoice run (EU)\"")
        .replace("\"timeout\": 86400", "\"timeout\": 43200");
    let report = run(
        &app,
        MonitorOrigin::Healthchecks,
        changed.as_bytes(),
        true,
        None,
    )
    .await
    .unwrap();
    assert_eq!((report.updated, report.unchanged), (2, 0), "{report:?}");
    assert_eq!(report.entries[0].changes, ["schedule"]);
    assert_eq!(report.entries[1].changes, ["name"]);
    let (renamed, _) = imported(&app, Tool::Cron, &invoices.fields.external_id).await;
    assert_eq!(renamed.fields.name, "Invoice run (EU)");
    let (_, schedule) = imported(&app, Tool::Cron, &backup.fields.external_id).await;
    assert_eq!(schedule.unwrap().period_seconds, Some(43_200));

    // A read-only key lists unique keys and no ping URL: still imported.
    let read_only = br#"{"checks": [{"name": "Disk check", "unique_key": "a6c7b0a8a66bed0df66abfdab3c77736861703ee",
        "tags": "", "desc": "", "grace": 60, "timeout": 300}]}"#;
    let report = run(&app, MonitorOrigin::Healthchecks, read_only, true, None)
        .await
        .unwrap();
    assert_eq!(report.new, 1);
    assert_eq!(report.entries[0].old_url, None);
    assert!(report.entries[0].new_url.is_some());

    // Files that are not a listing: refused whole, nothing written.
    let before = inventory(&app).await.len();
    for (file, says) in [
        (&b"not json"[..], "this is not a JSON document"),
        (br#"{"monitors": []}"#, "it has no \"checks\" list"),
        (br#"{"checks": {"a": 1}}"#, "it has no \"checks\" list"),
    ] {
        match run(&app, MonitorOrigin::Healthchecks, file, true, None).await {
            Err(TransferError::BadFile(why)) => assert!(why.contains(says), "{why}"),
            other => panic!("{}: {other:?}", String::from_utf8_lossy(file)),
        }
    }
    // Entries without an id, or twice in one file.
    let odd = br#"{"checks": [{"name": "No id", "timeout": 60},
        {"name": "Twice", "uuid": "11111111-2222-3333-4444-555555555555", "timeout": 3600},
        {"name": "Twice again", "uuid": "11111111-2222-3333-4444-555555555555", "timeout": 3600}]}"#;
    let report = run(&app, MonitorOrigin::Healthchecks, odd, true, None)
        .await
        .unwrap();
    assert_eq!(
        statuses(&report),
        [
            ("No id".to_owned(), RowStatus::Error),
            ("Twice".to_owned(), RowStatus::New),
            ("Twice again".to_owned(), RowStatus::Error),
        ]
    );
    assert!(report.entries[0].reasons[0].contains("neither a uuid nor a unique_key"));
    assert!(report.entries[2].reasons[0].contains("entry 2 of this file"));
    assert_eq!(inventory(&app).await.len(), before + 1);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn cronitor_and_uptime_kuma_monitors_move_over_and_probes_are_refused(
    #[case] backend: Backend,
) {
    let app = spawn_app(backend).await;

    // Cronitor, with a ping source standing for Cronitor's API key: the
    // jobs change only the host and that key.
    let (_, source_key) = source(&app, "cronitor").await;
    let file = fixture("cronitor-monitors.json");
    let report = run(
        &app,
        MonitorOrigin::Cronitor,
        &file,
        true,
        Some(&source_key),
    )
    .await
    .unwrap();
    assert_eq!(
        statuses(&report),
        [
            ("Nightly ETL".to_owned(), RowStatus::New),
            ("Queue worker heartbeat".to_owned(), RowStatus::New),
            ("Homepage".to_owned(), RowStatus::Error),
        ]
    );
    assert!(
        report.entries[2].reasons[0].contains("probes"),
        "{report:?}"
    );
    let (etl, schedule) = imported(&app, Tool::Cron, "cronitor:nightly-etl").await;
    let schedule = schedule.unwrap();
    assert_eq!(
        (
            schedule.cron.as_deref(),
            schedule.time_zone.as_str(),
            schedule.grace_seconds
        ),
        (Some("0 3 * * *"), "America/New_York", 300)
    );
    assert_eq!(
        etl.fields.description,
        "Loads yesterday's orders into the warehouse.\nTags: etl, prod"
    );
    assert_eq!(
        report.entries[0].new_url.as_deref(),
        Some(format!("{PUBLIC}/p/{source_key}/nightly-etl").as_str())
    );
    let (_, schedule) = imported(&app, Tool::Cron, "cronitor:queue-worker").await;
    let schedule = schedule.unwrap();
    assert_eq!(
        (schedule.period_seconds, schedule.grace_seconds),
        (Some(300), 60)
    );
    assert!(
        report.entries[1].notes[0].contains("grace raised from 0 s"),
        "{:?}",
        report.entries[1]
    );
    // A Cronitor ping at the new URL is the imported automation's run.
    ping(&app, &format!("/p/{source_key}/nightly-etl?state=complete")).await;
    assert_eq!(runs(&app, etl.id).await.len(), 1);
    assert!(app.store.claim_queue().await.unwrap().is_empty());
    // Without a source, the key URL; an unknown source key is refused.
    match run(
        &app,
        MonitorOrigin::Cronitor,
        &file,
        true,
        Some("no-such-key"),
    )
    .await
    {
        Err(TransferError::BadFile(why)) => assert!(why.contains("no source"), "{why}"),
        other => panic!("{other:?}"),
    }
    let again = run(&app, MonitorOrigin::Cronitor, &file, true, None)
        .await
        .unwrap();
    assert_eq!((again.new, again.unchanged), (0, 2));
    let key = key_of(&app, etl.id).await;
    assert_eq!(
        again.entries[0].new_url.as_deref(),
        Some(format!("{PUBLIC}/ping/{key}").as_str())
    );

    // Uptime Kuma: push monitors move, probes stay.
    let file = fixture("uptime-kuma-backup.json");
    let report = run(&app, MonitorOrigin::UptimeKuma, &file, true, None)
        .await
        .unwrap();
    assert_eq!(
        statuses(&report),
        [
            ("Hourly sync".to_owned(), RowStatus::New),
            ("Public website".to_owned(), RowStatus::Error),
            ("Monthly archive".to_owned(), RowStatus::New),
        ]
    );
    assert!(report.entries[1].reasons[0].contains("its type is http: Uptime Kuma probes"));
    let (sync, schedule) = imported(&app, Tool::Other, "uptime-kuma:Xq3vB8kT2m").await;
    let schedule = schedule.unwrap();
    assert_eq!(
        (schedule.period_seconds, schedule.grace_seconds),
        (Some(3600), 360),
        "grace: 3 retries 2 minutes apart"
    );
    assert_eq!(
        sync.fields.description,
        "Copies new tickets into the CRM.\nTags: prod, team:crm"
    );
    let key = key_of(&app, sync.id).await;
    assert_eq!(
        report.entries[0].old_url.as_deref(),
        Some("/api/push/Xq3vB8kT2m?status=up&msg=OK&ping=")
    );
    assert_eq!(
        report.entries[0].new_url.as_deref(),
        Some(format!("{PUBLIC}/api/push/{key}?status=up&msg=OK&ping=").as_str())
    );
    let archive = &report.entries[2];
    assert!(
        archive
            .notes
            .iter()
            .any(|n| n.contains("paused in Uptime Kuma"))
            && archive.notes.iter().any(|n| n.contains("grace raised")),
        "{archive:?}"
    );
    ping(&app, &format!("/api/push/{key}?status=up&msg=OK&ping=12")).await;
    let kept = runs(&app, sync.id).await;
    assert_eq!((kept.len(), kept[0]["duration_ms"].as_i64()), (1, Some(12)));
    match run(
        &app,
        MonitorOrigin::UptimeKuma,
        br#"{"checks": []}"#,
        true,
        None,
    )
    .await
    {
        Err(TransferError::BadFile(why)) => {
            assert!(
                why.contains("Uptime Kuma") && why.contains("monitorList"),
                "{why}"
            )
        }
        other => panic!("{other:?}"),
    }
}

/// A local server answering `GET /api/v3/checks/` as Healthchecks does:
/// the listing for the right `X-Api-Key`, 401 otherwise.
async fn healthchecks_api() -> String {
    use axum::http::HeaderMap;
    let listing = fixture("healthchecks-checks.json");
    let app = axum::Router::new().route(
        "/api/v3/checks/",
        axum::routing::get(move |headers: HeaderMap| {
            let listing = listing.clone();
            async move {
                if headers.get("x-api-key").and_then(|k| k.to_str().ok()) == Some("hc-read-key") {
                    (StatusCode::OK, listing)
                } else {
                    (
                        StatusCode::UNAUTHORIZED,
                        br#"{"error": "wrong api key"}"#.to_vec(),
                    )
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn baton_import_reads_healthchecks_itself_and_prints_old_and_new_urls(
    #[case] backend: Backend,
) {
    let app = spawn_app(backend).await;
    let hc = healthchecks_api().await;
    let database = app.db.url();
    let baton = |extra: &[&str]| {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_baton"));
        cmd.env_remove("BATON_DATABASE_URL")
            .env_remove("DATABASE_URL")
            .env_remove("BATON_IMPORT_API_KEY")
            .args(["import", "healthchecks", "--from-url", &hc])
            .args(["--database-url", &database, "--public-url", PUBLIC])
            .args(extra);
        async move {
            let out = cmd.output().await.unwrap();
            (
                out.status.success(),
                String::from_utf8(out.stdout).unwrap(),
                String::from_utf8(out.stderr).unwrap(),
            )
        }
    };

    let (ok, out, err) = baton(&["--api-key", "hc-read-key"]).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("  1. Nightly database backup — new; Every 1d, with 1h of grace"),
        "{out}"
    );
    assert!(out.contains("  3. Weekday report — refused"), "{out}");
    assert!(
        out.contains("     refused: its schedule \"Mon..Fri 09:00\""),
        "{out}"
    );
    assert!(
        out.contains("Healthchecks: 2 new, 0 updated, 0 unchanged, 1 refused (a preview"),
        "{out}"
    );
    assert!(inventory(&app).await.is_empty(), "a preview writes nothing");

    let (ok, out, err) = baton(&["--api-key", "hc-read-key", "--apply"]).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("Healthchecks: 2 new, 0 updated, 0 unchanged, 1 refused\n"),
        "{out}"
    );
    let (backup, _) = imported(
        &app,
        Tool::Cron,
        "healthchecks:0f4b8c5e-1d3a-4f7e-9b21-6a0c2d9e8f10",
    )
    .await;
    let key = key_of(&app, backup.id).await;
    assert!(
        out.contains(&format!(
            "Ping URLs, old → new:\nNightly database backup\n  \
             https://hc-ping.com/0f4b8c5e-1d3a-4f7e-9b21-6a0c2d9e8f10\n→ {PUBLIC}/ping/{key}\n"
        )),
        "{out}"
    );

    // A wrong key: the tool's answer, nothing written, a failing status.
    let (ok, out, err) = baton(&["--api-key", "wrong", "--apply"]).await;
    assert!(!ok, "{out}");
    assert!(
        err.contains("401") && err.contains("wrong api key"),
        "{err}"
    );
    assert_eq!(inventory(&app).await.len(), 2);
}

async fn audited(app: &TestApp, action: &str) -> u64 {
    app.get_json(&format!("/api/v1/audit?action={action}"))
        .await["total"]
        .as_u64()
        .unwrap()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn reruns_name_slugs_keep_what_baton_adds_and_refuse_taken_slugs(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let file = fixture("cronitor-monitors.json");
    let (source_id, source_key) = source(&app, "cronitor").await;

    // A monitor that already reported to the source holds its slug there.
    ping(
        &app,
        &format!("/p/{source_key}/queue-worker?state=complete"),
    )
    .await;
    app.settle().await;
    let loose = app.store.claim_queue().await.unwrap()[0].automation_id;

    // First without the source: key URLs.
    let report = run(&app, MonitorOrigin::Cronitor, &file, true, None)
        .await
        .unwrap();
    assert_eq!((report.new, report.refused), (2, 1), "{report:?}");
    let (etl, _) = imported(&app, Tool::Cron, "cronitor:nightly-etl").await;
    assert!(
        report.entries[0]
            .new_url
            .as_deref()
            .unwrap()
            .contains("/ping/")
    );

    // Then with it, over the screen's door: the slugs are what changes,
    // and the taken one is refused with its reason.
    let answer = app
        .client
        .post(app.url(&format!(
            "/api/v1/import/monitors/cronitor?commit=true&source_id={source_id}"
        )))
        .body(file.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    let report: MonitorReport = answer.json().await.unwrap();
    assert_eq!(
        statuses(&report),
        [
            ("Nightly ETL".to_owned(), RowStatus::Updated),
            ("Queue worker heartbeat".to_owned(), RowStatus::Error),
            ("Homepage".to_owned(), RowStatus::Error),
        ]
    );
    assert_eq!(report.entries[0].changes, ["slug"]);
    assert!(
        report.entries[1].reasons[0].contains(&format!(
            "already names automation {loose} (it reported before this import)"
        )),
        "{:?}",
        report.entries[1]
    );
    // (The server's own public URL: a test one.)
    let url = report.entries[0].new_url.as_deref().unwrap();
    assert!(
        url.ends_with(&format!("/p/{source_key}/nightly-etl")),
        "{url}"
    );
    ping(&app, &format!("/p/{source_key}/nightly-etl?state=complete")).await;
    assert_eq!(runs(&app, etl.id).await.len(), 1, "the slug reaches it");

    // What only Baton sets (a run's longest) stays, and an unchanged
    // listing writes nothing, not even an audit entry per automation.
    let mut schedule = app.store.schedule(etl.id).await.unwrap().unwrap().0;
    schedule.max_duration_seconds = Some(1800);
    app.set_schedule(&etl.id.into(), serde_json::to_value(&schedule).unwrap())
        .await;
    let (schedules, slugs) = (
        audited(&app, "automation.schedule_set").await,
        audited(&app, "automation.slug_set").await,
    );
    let again = run(
        &app,
        MonitorOrigin::Cronitor,
        &file,
        true,
        Some(&source_key),
    )
    .await
    .unwrap();
    assert_eq!((again.unchanged, again.refused), (1, 2), "{again:?}");
    let (_, kept) = imported(&app, Tool::Cron, "cronitor:nightly-etl").await;
    assert_eq!(kept.unwrap().max_duration_seconds, Some(1800));
    assert_eq!(audited(&app, "automation.schedule_set").await, schedules);
    assert_eq!(audited(&app, "automation.slug_set").await, slugs);

    // Refused whole, nothing written: a webhook source, an unknown
    // source, an unknown tool, a key Cronitor's clients cannot send.
    let before = inventory(&app).await.len();
    let (hook_source, _) = {
        let team: serde_json::Value = app
            .post_json("/api/v1/teams", &serde_json::json!({"name": "CI team"}))
            .await
            .json()
            .await
            .unwrap();
        let made: serde_json::Value = app
            .post_json(
                "/api/v1/sources",
                &serde_json::json!({"name": "ci", "tool": "github", "team_id": team["id"]}),
            )
            .await
            .json()
            .await
            .unwrap();
        (made["id"].as_i64().unwrap(), ())
    };
    for (path, says) in [
        (
            format!("/api/v1/import/monitors/cronitor?commit=true&source_id={hook_source}"),
            "Cronitor's clients report to a ping source",
        ),
        (
            "/api/v1/import/monitors/cronitor?commit=true&source_id=999999".to_owned(),
            "there is no source 999999",
        ),
        (
            "/api/v1/import/monitors/zabbix?commit=true".to_owned(),
            "zabbix\\\" is not a tool Baton imports monitors from: healthchecks, cronitor or uptime-kuma",
        ),
    ] {
        let answer = app
            .client
            .post(app.url(&path))
            .body(file.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST, "{path}");
        let why = answer.text().await.unwrap();
        assert!(why.contains(says), "{path}: {why}");
    }
    let odd = br#"{"monitors": [{"key": "has space", "name": "Odd", "type": "job"}]}"#;
    let report = run(&app, MonitorOrigin::Cronitor, odd, true, None)
        .await
        .unwrap();
    assert!(
        report.entries[0].reasons[0].contains("not one Cronitor's clients can send"),
        "{report:?}"
    );
    assert_eq!(inventory(&app).await.len(), before);
}

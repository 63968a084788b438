//! Expected schedules through the API, on both backends: set, read in
//! words with the next run due, refused field by field with nothing
//! changed, and removed; only those who may edit the automation change it.

use app::model::accounts::Role;
use chrono::TimeDelta;
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use baton::clock::Clock as _;

use crate::helpers::{Backend, spawn_app};

/// Raw runs kept, as by default.
const RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(90);

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_schedule_is_set_read_refused_and_removed(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let automation = app
        .add_automation(json!({"tool": "cron", "external_id": "backup.sh", "name": "Backup"}))
        .await;
    let path = format!("/api/v1/automations/{}/schedule", automation["id"]);
    assert_eq!(app.get_json(&path).await, Value::Null, "none yet");

    // Every day, counted from when it was set (no run yet).
    let set_at = app.clock.now();
    let res = app
        .put_json(&path, &json!({"period_seconds": 86_400, "grace_seconds": 3_600, "max_duration_seconds": 1_800}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let view: Value = res.json().await.unwrap();
    assert_eq!(
        view["described"],
        "Every 1d, with 1h of grace; a run takes at most 30m"
    );
    let due = (set_at + TimeDelta::days(1)).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    assert_eq!(view["next_due"], due);

    // At 02:00 in Paris: after a run, the next 02:00 there.
    let res = app
        .put_json(
            &path,
            &json!({"cron": "0 2 * * *", "time_zone": "Europe/Paris", "grace_seconds": 1_800}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let view: Value = app.get_json(&path).await;
    assert_eq!(view["schedule"]["cron"], "0 2 * * *");
    assert!(
        view["described"].as_str().unwrap().contains("Europe/Paris"),
        "{view}"
    );
    // The test clock stands at 2026-11-25 09:00 UTC; Paris is UTC+1 then.
    assert_eq!(view["next_due"], "2026-11-26T01:00:00Z");
    assert_eq!(view["missed_after"], "2026-11-26T01:30:00Z");

    // Refused, field by field; the schedule stays as it was.
    for (body, field, why) in [
        (
            json!({"cron": "0 2 * *", "grace_seconds": 600}),
            "cron",
            "five fields",
        ),
        (
            json!({"cron": "0 2 * * *", "time_zone": "Mars/Olympus", "grace_seconds": 600}),
            "time_zone",
            "IANA",
        ),
        (
            json!({"period_seconds": 30, "grace_seconds": 600}),
            "every",
            "1 minute",
        ),
        (
            json!({"period_seconds": 3600, "cron": "0 2 * * *", "grace_seconds": 600}),
            "kind",
            "either",
        ),
        (
            json!({"period_seconds": 3600, "grace_seconds": 0}),
            "grace",
            "1 minute",
        ),
        (
            json!({"period_seconds": 3600, "grace_seconds": 600, "min_duration_seconds": 600, "max_duration_seconds": 60}),
            "min_duration",
            "shorter",
        ),
    ] {
        let res = app.put_json(&path, &body).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let answer: Value = res.json().await.unwrap();
        let message = answer["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == field)
            .map(|f| f["message"].as_str().unwrap().to_owned())
            .unwrap_or_default();
        assert!(message.contains(why), "{body}: {answer}");
    }
    assert_eq!(app.get_json(&path).await["schedule"]["cron"], "0 2 * * *");

    // A viewer reads it but cannot change it.
    let (viewer, _) = app.as_new("viewer@example.com", Role::Viewer).await;
    let res = viewer.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = viewer.delete(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get_json(&path).await["schedule"]["cron"],
        "0 2 * * *",
        "a refused removal changes nothing"
    );

    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get_json(&path).await, Value::Null);
    let missing = app.get("/api/v1/automations/999999/schedule").await;
    assert_eq!(
        missing.status(),
        StatusCode::NOT_FOUND,
        "no such automation"
    );
    // Each change is in the audit log.
    let audit = app
        .get_json(&format!(
            "/api/v1/audit?subject_kind=automation&subject_id={}",
            automation["id"]
        ))
        .await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"automation.schedule_set"), "{actions:?}");
    assert!(
        actions.contains(&"automation.schedule_removed"),
        "{actions:?}"
    );
}

/// The statuses and times of an automation's runs, oldest first.
async fn runs_of(app: &crate::helpers::TestApp, automation: &Value) -> Vec<(String, String)> {
    app.settle().await;
    let mut runs: Vec<(String, String)> = app
        .get_json(&format!("/api/v1/automations/{}/runs", automation["id"]))
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["status"].as_str().unwrap().to_owned(),
                r["at"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    runs.reverse();
    runs
}

fn missed_at(times: &[&str]) -> Vec<(String, String)> {
    times
        .iter()
        .map(|t| ("missed".to_owned(), format!("2026-11-25T{t}:00Z")))
        .collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_missed_slot_is_recorded_once_and_caught_up_after_downtime(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let automation = app
        .add_automation(json!({"tool": "cron", "external_id": "sync.sh", "name": "Sync"}))
        .await;
    let path = format!("/api/v1/automations/{}/schedule", automation["id"]);
    // Hourly, 10 minutes of grace, set at 09:00 (the test clock).
    let res = app
        .put_json(
            &path,
            &json!({"period_seconds": 3_600, "grace_seconds": 600}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let look = || async {
        baton::health::look(&*app.store, app.clock.now(), RETENTION)
            .await
            .unwrap()
            .missed
    };

    app.clock.advance(TimeDelta::minutes(69));
    look().await;
    assert!(
        runs_of(&app, &automation).await.is_empty(),
        "10:09: still in its grace"
    );
    app.clock.advance(TimeDelta::minutes(1));
    look().await;
    assert_eq!(runs_of(&app, &automation).await, missed_at(&["10:00"]));
    assert_eq!(look().await, 0, "looking again records nothing new");

    // Five hours of downtime: each slot once, oldest first.
    app.clock.advance(TimeDelta::hours(5));
    look().await;
    assert_eq!(
        runs_of(&app, &automation).await,
        missed_at(&["10:00", "11:00", "12:00", "13:00", "14:00", "15:00"])
    );
    // Two instances looking at once on one database record nothing twice.
    let other = app.db.store().await;
    let now = app.clock.now();
    app.clock.advance(TimeDelta::hours(2));
    let later = app.clock.now();
    let (a, b) = tokio::join!(
        baton::health::look(&*app.store, later, RETENTION),
        baton::health::look(&*other, later, RETENTION)
    );
    // (The background watcher may have taken one of them first.)
    assert!(a.unwrap().missed + b.unwrap().missed <= 2);
    assert!(later > now);
    let runs = runs_of(&app, &automation).await;
    assert_eq!(runs.len(), 8, "16:00 and 17:00 once each: {runs:?}");

    // A run resets the count: the next is due an hour after it.
    let key = automation["ping"]["key"].as_str().unwrap();
    let ping = crate::helpers::plain_client()
        .get(app.url(&format!("/ping/{key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), StatusCode::OK);
    app.settle().await;
    app.clock.advance(TimeDelta::minutes(69));
    look().await;
    assert_eq!(
        runs_of(&app, &automation).await.len(),
        9,
        "the ping's run; nothing missed yet"
    );
    app.clock.advance(TimeDelta::minutes(1));
    look().await;
    let runs = runs_of(&app, &automation).await;
    assert_eq!(runs.len(), 10);
    assert_eq!(runs[8].0, "succeeded");
    assert_eq!(
        runs[9],
        ("missed".to_owned(), "2026-11-25T18:10:00Z".to_owned())
    );

    // Without a schedule nothing is expected, so nothing is missed.
    assert_eq!(app.delete(&path).await.status(), StatusCode::NO_CONTENT);
    app.clock.advance(TimeDelta::days(2));
    assert_eq!(look().await, 0);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_longer_or_shorter_than_their_schedule_allows_are_flagged(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let automation = app
        .add_automation(json!({"tool": "cron", "external_id": "etl.sh", "name": "ETL"}))
        .await;
    let key = automation["ping"]["key"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/automations/{}/schedule", automation["id"]);
    let res = app
        .put_json(
            &path,
            &json!({"period_seconds": 3_600, "grace_seconds": 600,
                    "max_duration_seconds": 600, "min_duration_seconds": 30}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let tool = crate::helpers::plain_client();
    let ping = |suffix: String| {
        let url = app.url(&format!("/ping/{key}{suffix}"));
        let tool = tool.clone();
        async move {
            let res = tool.get(url).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
        }
    };
    // 15 minutes: too long. 10 seconds: too short. 5 minutes: fine.
    for (rid, took) in [("long", 900), ("short", 10), ("fine", 300)] {
        ping(format!("/start?rid={rid}")).await;
        app.clock.advance(TimeDelta::seconds(took));
        ping(format!("?rid={rid}")).await;
        app.clock.advance(TimeDelta::seconds(60));
    }
    // Still going 11 minutes after its start: too long already.
    ping("/start?rid=stuck".to_owned()).await;
    app.clock.advance(TimeDelta::minutes(11));
    app.settle().await;
    baton::health::look(&*app.store, app.clock.now(), RETENTION)
        .await
        .unwrap();
    let runs = app
        .get_json(&format!("/api/v1/automations/{}/runs", automation["id"]))
        .await;
    let flag = |rid: &str| {
        runs.as_array()
            .unwrap()
            .iter()
            .find(|r| r["rid"] == rid)
            .unwrap_or_else(|| panic!("no run {rid}: {runs}"))["flag"]
            .clone()
    };
    assert_eq!(flag("long"), "too_long");
    assert_eq!(flag("short"), "too_short");
    assert_eq!(flag("fine"), Value::Null);
    assert_eq!(flag("stuck"), "too_long");
    assert_eq!(
        baton::health::look(&*app.store, app.clock.now(), RETENTION)
            .await
            .unwrap()
            .flagged,
        0,
        "each run is flagged once"
    );
}

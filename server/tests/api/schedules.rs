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

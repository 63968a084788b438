//! The dashboard for a leader who looks once a week: the week's figures
//! beside the week before, the automations behind each orchestration that
//! needs attention (loose ones too), and the lists its counts lead to.

use chrono::TimeDelta;
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::incidents::{ping, round};
use crate::live::dashboard;

/// A Baton whose incidents job waits for the test's rounds, and whose
/// sessions outlast the weeks the test's clock moves on.
async fn spawn(backend: Backend) -> TestApp {
    spawn_app_with(
        backend,
        &[
            "--incident-look-seconds",
            "3600",
            "--session-idle-hours",
            "2000",
            "--session-max-days",
            "90",
        ],
    )
    .await
}

/// `(this week, the week before)` of one of the week's figures.
fn week(d: &Value, figure: &str) -> (Value, Value) {
    let f = &d["this_week"][figure];
    (f["this_week"].clone(), f["last_week"].clone())
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_week_moves_and_every_number_leads_to_what_is_behind_it(#[case] backend: Backend) {
    let app = spawn(backend).await;
    let o = app
        .add_orchestration(json!({"name": "Ledger", "tier": 1}))
        .await;
    let pull = app
        .add_automation(
            json!({"tool": "cron", "external_id": "pull.sh", "name": "Ledger pull",
                               "orchestration_id": o["id"]}),
        )
        .await;
    let post = app
        .add_automation(
            json!({"tool": "cron", "external_id": "post.sh", "name": "Ledger post",
                               "orchestration_id": o["id"]}),
        )
        .await;
    let loose = app
        .add_automation(json!({"tool": "cron", "external_id": "sweep.sh", "name": "Sweep"}))
        .await;
    let quiet = dashboard(&app).await;
    for figure in [
        "new_incidents",
        "resolved",
        "reviews_signed",
        "runbooks_verified",
    ] {
        assert_eq!(week(&quiet, figure), (json!(0), json!(0)), "{figure}");
    }
    assert_eq!(
        week(&quiet, "time_to_recover_ms"),
        (Value::Null, Value::Null)
    );

    ping(&app, &pull, "").await;
    ping(&app, &post, "/fail").await;
    ping(&app, &loose, "/fail").await;
    assert_eq!(round(&app).await.opened, 2);

    let d = dashboard(&app).await;
    assert_eq!(week(&d, "new_incidents"), (json!(2), json!(0)));
    assert_eq!(week(&d, "resolved"), (json!(0), json!(0)));
    // Needs attention: the orchestration, with the automation failing in
    // it (not the healthy one), and the loose automation by itself.
    let attention = d["attention"].as_array().unwrap();
    let ledger = attention.iter().find(|a| a["name"] == "Ledger").unwrap();
    assert_eq!(
        ledger["troubled"],
        json!([[post["id"], "Ledger post", "failing"]]),
        "{ledger}"
    );
    let sweep = attention.iter().find(|a| a["name"] == "Sweep").unwrap();
    assert_eq!(sweep["automation_id"], loose["id"]);
    assert_eq!(sweep["slug"], "");
    assert_eq!(d["attention_count"], 2);

    // It recovers an hour later: resolved this week, in an hour.
    app.clock.advance(TimeDelta::hours(1));
    ping(&app, &post, "").await;
    round(&app).await;
    let d = dashboard(&app).await;
    assert_eq!(week(&d, "resolved"), (json!(1), json!(0)));
    let (mttr, before) = week(&d, "time_to_recover_ms");
    assert_eq!(before, Value::Null);
    let mttr = mttr.as_i64().unwrap();
    assert!(
        (3_600_000..3_700_000).contains(&mttr),
        "an hour from opening to resolution: {mttr}"
    );

    // A runbook written and verified counts this week.
    let res = app
        .put_json(
            "/api/v1/orchestrations/ledger/runbook",
            &json!({"body": "# Ledger\n\n## Failed\n\nPost by hand.", "note": "", "base_revision": 0}),
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let res = app
        .client
        .post(app.url("/api/v1/orchestrations/ledger/runbook/verify"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        week(&dashboard(&app).await, "runbooks_verified"),
        (json!(1), json!(0))
    );

    // A week on, all of it is the week before.
    app.clock.advance(TimeDelta::days(7));
    let later = dashboard(&app).await;
    assert_eq!(week(&later, "new_incidents"), (json!(0), json!(2)));
    assert_eq!(week(&later, "resolved"), (json!(0), json!(1)));
    assert_eq!(week(&later, "runbooks_verified"), (json!(0), json!(1)));
    assert_eq!(week(&later, "time_to_recover_ms").0, Value::Null);

    // The counts lead to lists that count the same.
    let failing = app
        .get("/inventory?health=failing")
        .await
        .text()
        .await
        .unwrap();
    assert!(failing.contains(">Sweep<"), "the failing loose automation");
    assert!(!failing.contains(">Ledger pull<"), "not a healthy one");
    let page = app
        .client
        .post(app.url("/rpc/inventory/page"))
        .json(&json!({"filter": {"health": "failing"}, "page": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page: Value = page.json().await.unwrap();
    let names: Vec<&str> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Sweep"]);
    assert_eq!(page["total"], 1);
}

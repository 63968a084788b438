//! `/api/v1/leverage`: the documented score with its parts, the ranking,
//! the top three and grouping suggestions, on both backends.

use app::model::accounts::Role;
use baton::clock::Clock as _;
use chrono::Utc;
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app, spawn_app_with};

/// The gaps of an automation nobody owns, whose failure is undescribed,
/// which never ran, has no schedule and belongs to no orchestration.
const UNWATCHED: [&str; 5] = [
    "owner",
    "failure_mode",
    "no_run_seen",
    "no_schedule",
    "loose",
];

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_catalog_is_ranked_with_reasons(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let store = app.db.store().await;
    let ada = store
        .insert_user("ada@example.com", "Ada", Role::Editor, Utc::now())
        .await
        .unwrap();
    app.add_orchestration(json!({
        "name": "Billing", "tier": 1, "owner_id": ada, "failure_mode": "Invoices stop",
        "minutes_saved_per_run": 30, "expected_runs_per_week": 10
    }))
    .await;
    let reporting = app
        .add_orchestration(json!({"name": "Reporting", "tier": 3}))
        .await;
    app.add_automation(json!({
        "tool": "airflow", "external_id": "weekly_report", "name": "Weekly report",
        "orchestration_id": reporting["id"], "minutes_saved_per_run": 10, "runs_per_week": 7
    }))
    .await;
    app.add_automation(json!({
        "tool": "zapier", "external_id": "z1", "name": "Lead to CRM", "owner_id": ada,
        "minutes_saved_per_run": 5, "runs_per_week": 100
    }))
    .await;
    app.add_automation(json!({
        "tool": "cron", "external_id": "crm-export", "name": "CRM export", "owner_id": ada,
        "failure_mode": "Sales see stale numbers", "minutes_saved_per_run": 2, "runs_per_week": 7
    }))
    .await;
    app.add_automation(json!({"tool": "cron", "external_id": "backup", "name": "Nightly backup"}))
        .await;
    // Loose automations that share a repository, or a name.
    for (tool, id, name) in [
        (
            "github_actions",
            "acme/site/.github/workflows/deploy.yml",
            "Deploy site",
        ),
        (
            "github_actions",
            "acme/site/.github/workflows/test.yml",
            "Test site",
        ),
        ("zapier", "p1", "Payroll export"),
        ("make", "p2", "payroll import"),
    ] {
        app.add_automation(json!({"tool": tool, "external_id": id, "name": name}))
            .await;
    }
    // Two that share only when they are expected.
    for (id, name) in [("s1", "Invoice mailer"), ("s2", "Stock count")] {
        let a = app
            .add_automation(json!({"tool": "cron", "external_id": id, "name": name}))
            .await;
        app.set_schedule(
            &a["id"],
            json!({"cron": "0 2 * * *", "time_zone": "Europe/Paris", "grace_seconds": 600}),
        )
        .await;
    }
    let a = app
        .add_automation(json!({"tool": "n8n", "external_id": "a", "name": "Form intake"}))
        .await;
    let b = app
        .add_automation(json!({"tool": "make", "external_id": "b", "name": "Ticket triage"}))
        .await;
    let res = app
        .post_json(
            "/api/v1/dependencies",
            &json!({"upstream": {"kind": "automation", "id": a["id"]},
                    "downstream": {"kind": "automation", "id": b["id"]}}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let res = app.get("/api/v1/leverage").await;
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    let top: Vec<(&str, f64)> = report["top_three"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap(),
                r["leverage"]["score"].as_f64().unwrap(),
            )
        })
        .collect();
    // Billing: 30 min × 10 runs × tier 1 (×3) × (1 + no backup 0.25 + no
    // runbook 0.25 + no run seen 0.25).
    // Lead to CRM: 5 × 100 × 1 × (1 + no failure mode 0.25 + no run seen
    // 0.25 + no schedule 0.25 + in no orchestration 0.25).
    // Reporting: its automation's 10 × 7, × (1 + 0.5 + 0.25 + 0.25 + 0.25
    // + no run seen 0.25).
    assert_eq!(
        top,
        [
            ("Billing", 1575.0),
            ("Lead to CRM", 1000.0),
            ("Reporting", 175.0)
        ]
    );
    let billing = &report["top_three"][0];
    assert_eq!(billing["kind"], "orchestration");
    assert_eq!(billing["slug"], "billing");
    assert_eq!(billing["leverage"]["minutes_per_week"], 300.0);
    assert_eq!(billing["leverage"]["tier_weight"], 3.0);
    assert_eq!(billing["leverage"]["fragility"], 1.75);
    assert_eq!(
        billing["leverage"]["gaps"],
        json!(["backup_owner", "runbook", "no_run_seen"])
    );
    assert_eq!(
        billing["why"],
        "5.0 h a week at stake (declared runs), tier weight ×3, fragility ×1.75 \
         (no backup owner, no runbook, no run seen in 30 days)"
    );
    // A never-monitored automation is never "nothing fragile".
    let lead = &report["top_three"][1];
    assert_eq!(
        lead["why"],
        "8.3 h a week at stake (declared runs), tier weight ×1, fragility ×2 (no failure mode \
         written, no run seen in 30 days, no expected schedule, in no orchestration)"
    );
    assert_eq!(report["orchestrations"].as_array().unwrap().len(), 2);
    assert_eq!(report["automations"].as_array().unwrap().len(), 12);
    // The automation inside Reporting carries its orchestration's tier.
    let weekly = report["automations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Weekly report")
        .unwrap();
    assert_eq!(weekly["leverage"]["tier_weight"], 1.0);

    let suggestions: Vec<(String, Vec<String>)> = report["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let names = s["automations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["name"].as_str().unwrap().to_owned())
                .collect();
            (s["reason"].as_str().unwrap().to_owned(), names)
        })
        .collect();
    // What they share in use, each with why; an owner alone (Ada owns
    // two loose automations in different tools) suggests nothing.
    assert_eq!(
        suggestions,
        [
            (
                "linked by dependencies".to_owned(),
                vec!["Form intake".to_owned(), "Ticket triage".to_owned()]
            ),
            (
                "all run from the repository acme/site".to_owned(),
                vec!["Deploy site".to_owned(), "Test site".to_owned()]
            ),
            (
                "all named “Payroll …”".to_owned(),
                vec!["Payroll export".to_owned(), "payroll import".to_owned()]
            ),
            (
                "all expected at 0 2 * * * (Europe/Paris)".to_owned(),
                vec!["Invoice mailer".to_owned(), "Stock count".to_owned()]
            ),
        ]
    );

    let one: Value = app
        .get("/api/v1/orchestrations/reporting/leverage")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["leverage"]["runs_source"], "automations");
    assert_eq!(one["leverage"]["score"], 175.0);
    assert!(
        one["why"]
            .as_str()
            .unwrap()
            .starts_with("1.2 h a week at stake across its automations")
    );
    let one = leverage_of(&app, a["id"].as_i64().unwrap()).await;
    assert_eq!(one["leverage"]["score"], 0.0);
    assert_eq!(one["leverage"]["gaps"], json!(UNWATCHED));

    let res = app.get("/api/v1/leverage?limit=0").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "limit is from 1 to 500");
    let res = app.get("/api/v1/leverage?limit=2").await;
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["automations"].as_array().unwrap().len(), 2);
}

/// An automation's leverage, as the API gives it.
async fn leverage_of(app: &crate::helpers::TestApp, id: i64) -> Value {
    app.get_json(&format!("/api/v1/automations/{id}/leverage"))
        .await
}

// What was seen is what counts, and the sentence says which figure was
// used: a never-monitored automation is fragile; runs seen over a few days
// do not replace the declared rate until two weeks (or 20 runs) are seen;
// a missed run is missed, never failed.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn leverage_counts_what_was_seen_and_says_which_figure_it_used(#[case] backend: Backend) {
    // The test's clock moves weeks on: the session lasts as long.
    let app = spawn_app_with(
        backend,
        &["--session-idle-hours", "2000", "--session-max-days", "90"],
    )
    .await;
    let a = app
        .add_automation(
            json!({"tool": "cron", "external_id": "r.sh", "name": "Report",
                               "minutes_saved_per_run": 10, "runs_per_week": 7}),
        )
        .await;
    let id = a["id"].as_i64().unwrap();

    let never = leverage_of(&app, id).await;
    assert_eq!(never["leverage"]["gaps"], json!(UNWATCHED), "{never}");
    assert_eq!(never["leverage"]["runs_source"], "declared");
    assert_eq!(never["leverage"]["score"], 70.0 * 2.5);

    // Three runs over three days: too little; the declared rate stands.
    for day in 0..3 {
        if day > 0 {
            app.clock.advance(chrono::TimeDelta::days(1));
        }
        crate::incidents::ping(&app, &a, "").await;
    }
    let early = leverage_of(&app, id).await;
    assert_eq!(early["leverage"]["runs_source"], "declared", "{early}");
    assert_eq!(early["leverage"]["runs_per_week"], 7.0);
    assert_eq!(
        early["leverage"]["observed_short"],
        json!({"runs": 3, "days": 3})
    );
    assert!(
        early["why"].as_str().unwrap().starts_with(
            "1.2 h a week at stake (declared runs; 3 runs over 3 days observed so far is not yet enough)"
        ),
        "{early}"
    );
    assert!(
        !early["leverage"]["gaps"]
            .as_array()
            .unwrap()
            .contains(&json!("no_run_seen"))
    );

    // Two weeks of daily runs: what was seen replaces what was declared.
    for _ in 3..15 {
        app.clock.advance(chrono::TimeDelta::days(1));
        crate::incidents::ping(&app, &a, "").await;
    }
    let seen = leverage_of(&app, id).await;
    assert_eq!(seen["leverage"]["runs_source"], "observed", "{seen}");
    assert_eq!(seen["leverage"]["runs_per_week"], 15.0 * 7.0 / 30.0);
    assert_eq!(seen["leverage"]["observed_short"], Value::Null);
    assert!(
        seen["why"]
            .as_str()
            .unwrap()
            .starts_with("0.6 h a week at stake (observed runs)"),
        "{seen}"
    );

    // With a schedule, runs that do not come are missed: never "failed".
    let res = app
        .put_json(
            &format!("/api/v1/automations/{id}/schedule"),
            &json!({"period_seconds": 86_400, "grace_seconds": 600}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    for _ in 0..3 {
        app.clock.advance(chrono::TimeDelta::days(1));
        baton::health::look(&*app.store, app.clock.now(), chrono::TimeDelta::days(90))
            .await
            .unwrap();
    }
    let missed = leverage_of(&app, id).await;
    let gaps = missed["leverage"]["gaps"].as_array().unwrap();
    assert!(!gaps.contains(&json!("no_schedule")), "{missed}");
    let why = missed["why"].as_str().unwrap();
    assert!(why.contains("of expected runs missed"), "{why}");
    assert!(
        !why.contains("failed"),
        "a missed run is not a failure: {why}"
    );
    assert!(missed["leverage"]["missed_rate"].as_f64().unwrap() > 0.0);
}

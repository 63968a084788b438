//! `/api/v1/leverage`: the documented score with its parts, the ranking,
//! the top three and grouping suggestions, on both backends.

use app::model::accounts::Role;
use chrono::Utc;
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app};

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
    // Billing: 30 min × 10 runs × tier 1 (×3) × (1 + no backup 0.25 + no runbook 0.25).
    // Lead to CRM: 5 × 100 × 1 × (1 + no failure mode 0.25).
    // Reporting: its automation's 10 × 7, × (1 + 0.5 + 0.25 + 0.25 + 0.25).
    assert_eq!(
        top,
        [
            ("Billing", 1350.0),
            ("Lead to CRM", 625.0),
            ("Reporting", 157.5)
        ]
    );
    let billing = &report["top_three"][0];
    assert_eq!(billing["kind"], "orchestration");
    assert_eq!(billing["slug"], "billing");
    assert_eq!(billing["leverage"]["minutes_per_week"], 300.0);
    assert_eq!(billing["leverage"]["tier_weight"], 3.0);
    assert_eq!(billing["leverage"]["fragility"], 1.5);
    assert_eq!(
        billing["leverage"]["gaps"],
        json!(["backup_owner", "runbook"])
    );
    assert_eq!(
        billing["why"],
        "5.0 h a week at stake, tier weight ×3, fragility ×1.5 (no backup owner, no runbook)"
    );
    assert_eq!(report["orchestrations"].as_array().unwrap().len(), 2);
    assert_eq!(report["automations"].as_array().unwrap().len(), 6);
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
    assert_eq!(
        suggestions,
        [
            (
                "all owned by Ada".to_owned(),
                vec!["Lead to CRM".to_owned(), "CRM export".to_owned()]
            ),
            (
                "linked by dependencies".to_owned(),
                vec!["Form intake".to_owned(), "Ticket triage".to_owned()]
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
    assert_eq!(one["leverage"]["score"], 157.5);
    assert!(
        one["why"]
            .as_str()
            .unwrap()
            .starts_with("1.2 h a week at stake across its automations")
    );
    let one: Value = app
        .get(&format!("/api/v1/automations/{}/leverage", a["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["leverage"]["score"], 0.0);
    assert_eq!(one["leverage"]["gaps"], json!(["owner", "failure_mode"]));

    let res = app.get("/api/v1/leverage?limit=0").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "limit is from 1 to 500");
    let res = app.get("/api/v1/leverage?limit=2").await;
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["automations"].as_array().unwrap().len(), 2);
}

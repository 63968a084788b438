//! `/api/v1/automations`: the inventory, over HTTP, on both backends.

use app::model::accounts::Role;
use chrono::Utc;
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};

impl TestApp {
    async fn automation_names(&self, query: &str) -> Vec<String> {
        let res = self.get(&format!("/api/v1/automations{query}")).await;
        assert_eq!(res.status(), StatusCode::OK, "{query}");
        let list: Vec<Value> = res.json().await.unwrap();
        list.iter()
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn automations_are_listed_with_their_risk_flags(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let store = app.db.store().await;
    let ada = store
        .insert_user("ada@example.com", "Ada", Role::Editor, Utc::now())
        .await
        .unwrap();
    let team = store
        .insert_team("finance", "Finance", Utc::now())
        .await
        .unwrap();
    let orchestration: Value = app
        .post_json("/api/v1/orchestrations", &json!({"name": "Invoicing"}))
        .await
        .json()
        .await
        .unwrap();

    let full = app
        .add_automation(json!({
            "tool": "github_actions", "external_id": "acme/billing:.github/workflows/invoice.yml",
            "url": "https://github.com/acme/billing/actions", "name": "Invoice run",
            "description": "Generates invoices", "owner_id": ada, "team_id": team,
            "failure_mode": "No invoices go out", "orchestration_id": orchestration["id"],
            "minutes_saved_per_run": 90, "runs_per_week": 1
        }))
        .await;
    assert_eq!(full["tool"], "github_actions");
    assert_eq!(full["orchestration_id"], orchestration["id"]);
    assert_eq!(
        (
            full["loose"].clone(),
            full["unowned"].clone(),
            full["no_failure_mode"].clone()
        ),
        (json!(false), json!(false), json!(false))
    );
    let shown: Value = app
        .get(&format!("/api/v1/automations/{}", full["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown, full);

    let bare = app
        .add_automation(json!({"tool": "zapier", "external_id": "123456", "name": "Lead to CRM"}))
        .await;
    assert_eq!(
        (
            bare["loose"].clone(),
            bare["unowned"].clone(),
            bare["no_failure_mode"].clone()
        ),
        (json!(true), json!(true), json!(true))
    );
    app.add_automation(
        json!({"tool": "cron", "external_id": "backup-nightly", "name": "Nightly backup",
        "owner_id": ada, "failure_mode": "No backup for a day"}),
    )
    .await;

    assert_eq!(
        app.automation_names("").await,
        ["Invoice run", "Lead to CRM", "Nightly backup"]
    );
    assert_eq!(app.automation_names("?q=INVOICE").await, ["Invoice run"]);
    assert_eq!(app.automation_names("?q=backup").await, ["Nightly backup"]);
    assert_eq!(app.automation_names("?tool=zapier").await, ["Lead to CRM"]);
    assert_eq!(
        app.automation_names(&format!("?owner_id={ada}")).await,
        ["Invoice run", "Nightly backup"]
    );
    assert_eq!(
        app.automation_names(&format!("?team_id={team}")).await,
        ["Invoice run"]
    );
    assert_eq!(
        app.automation_names(&format!("?orchestration_id={}", orchestration["id"]))
            .await,
        ["Invoice run"]
    );
    assert_eq!(
        app.automation_names("?loose=true").await,
        ["Lead to CRM", "Nightly backup"]
    );
    assert_eq!(app.automation_names("?unowned=true").await, ["Lead to CRM"]);
    assert_eq!(
        app.automation_names("?no_failure_mode=true").await,
        ["Lead to CRM"]
    );
    assert_eq!(
        app.automation_names("?loose=true&unowned=false").await,
        ["Lead to CRM", "Nightly backup"]
    );
    assert_eq!(
        app.automation_names("?limit=2").await,
        ["Invoice run", "Lead to CRM"]
    );
    assert_eq!(
        app.automation_names("?limit=2&offset=2").await,
        ["Nightly backup"]
    );

    for (query, says) in [
        ("?limit=0", "limit is from 1 to 500"),
        ("?tool=bash", "unknown variant"),
        ("?loose=maybe", "loose"),
    ] {
        let res = app.get(&format!("/api/v1/automations{query}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{query}");
        let body: Value = res.json().await.unwrap();
        assert!(
            body["error"].as_str().unwrap().contains(says),
            "{query}: {body}"
        );
    }

    // Deleting the orchestration leaves its automations in the inventory, loose.
    let res = app
        .client
        .delete(app.url("/api/v1/orchestrations/invoicing?confirm=invoicing"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let after: Value = app
        .get(&format!("/api/v1/automations/{}", full["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["orchestration_id"], Value::Null);
    assert_eq!(after["loose"], true);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn bad_automations_get_422_per_field_and_nothing_is_saved(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.post_json("/api/v1/automations", &json!({"tool": "bash", "url": "ftp://x", "owner_id": 9, "team_id": 9, "orchestration_id": 9})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "tool",
            "external_id",
            "name",
            "url",
            "owner_id",
            "team_id",
            "orchestration_id"
        ]
    );
    assert!(app.automation_names("").await.is_empty());

    // One automation is listed once per tool; the same id in another tool is another automation.
    app.add_automation(json!({"tool": "jenkins", "external_id": "deploy-prod", "name": "Deploy"}))
        .await;
    let res = app
        .post_json(
            "/api/v1/automations",
            &json!({"tool": "jenkins", "external_id": "deploy-prod", "name": "Deploy again"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "external_id");
    assert_eq!(
        body["fields"][0]["message"],
        r#"Jenkins "deploy-prod" is already in the inventory"#
    );
    app.add_automation(
        json!({"tool": "gitlab_ci", "external_id": "deploy-prod", "name": "Deploy (GitLab)"}),
    )
    .await;
    assert_eq!(
        app.automation_names("").await,
        ["Deploy", "Deploy (GitLab)"]
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn automation_changes_need_the_current_version(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let added = app
        .add_automation(json!({"tool": "n8n", "external_id": "wf-7", "name": "Sync"}))
        .await;
    let path = format!("/api/v1/automations/{}", added["id"]);

    let res = app
        .put_json(
            &path,
            &json!({"version": 1, "tool": "n8n", "external_id": "wf-7", "name": "Sync contacts",
            "failure_mode": "CRM goes stale"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let saved: Value = res.json().await.unwrap();
    assert_eq!(saved["version"], 2);
    assert_eq!(saved["no_failure_mode"], false);

    let res = app
        .put_json(
            &path,
            &json!({"version": 1, "tool": "n8n", "external_id": "wf-7", "name": "Sync leads"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["current"]["name"], "Sync contacts");
    let now: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(now["name"], "Sync contacts", "nothing overwritten");

    assert_eq!(
        app.client
            .delete(app.url(&path))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.client
            .delete(app.url(&path))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let res = app.get("/api/v1/automations/not-a-number").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"error": "not found"})
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_openapi_document_describes_the_api_routes(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/json");
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    // Every API route the router has is documented, and nothing else is.
    let mut routes: Vec<(String, String)> = baton::http::route_table()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/v1/") && r.path != "/api/v1/openapi.json")
        .map(|r| (r.path.to_owned(), r.method.as_str().to_lowercase()))
        .collect();
    routes.sort();
    let mut documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .filter(|key| *key != "parameters")
                .map(move |method| (path.clone(), method.clone()))
        })
        .collect();
    documented.sort();
    assert_eq!(
        documented, routes,
        "the OpenAPI document and the router differ"
    );
    assert!(routes.len() >= 30, "{routes:?}");
    assert!(doc["components"]["securitySchemes"]["token"].is_object());
    for schema in [
        "Error",
        "Orchestration",
        "OrchestrationDraft",
        "Automation",
        "AutomationDraft",
        "NodeRef",
        "Endpoint",
        "Dependency",
        "DependencyDraft",
        "Neighbourhood",
        "Leverage",
        "Ranked",
        "LeverageReport",
        "ImportReport",
        "CatalogDocument",
        "CatalogImportCounts",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_deleted_automation_s_id_is_never_given_again(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    // Its deliveries and audit history must not become another's.
    for kind in ["automations", "orchestrations"] {
        let body = |n: u32| match kind {
            "automations" => {
                json!({"tool": "cron", "external_id": format!("reuse-{n}"), "name": format!("Reuse {n}")})
            }
            _ => json!({"name": format!("Reuse {n}")}),
        };
        let first = app.post_json(&format!("/api/v1/{kind}"), &body(1)).await;
        assert_eq!(first.status(), StatusCode::CREATED);
        let first: Value = first.json().await.unwrap();
        let deleted = match kind {
            "automations" => {
                app.delete(&format!("/api/v1/automations/{}", first["id"]))
                    .await
            }
            _ => {
                let slug = first["slug"].as_str().unwrap();
                app.delete(&format!("/api/v1/orchestrations/{slug}?confirm={slug}"))
                    .await
            }
        };
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT, "{kind}");
        let second: Value = app
            .post_json(&format!("/api/v1/{kind}"), &body(2))
            .await
            .json()
            .await
            .unwrap();
        assert!(
            second["id"].as_i64().unwrap() > first["id"].as_i64().unwrap(),
            "{kind}: {} after {}",
            second["id"],
            first["id"]
        );
    }
}

//! `/api/v1/orchestrations`, over HTTP, on both backends.

use app::model::accounts::Role;
use chrono::Utc;
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};

impl TestApp {
    async fn orchestration_list(&self) -> Vec<Value> {
        self.get("/api/v1/orchestrations")
            .await
            .json()
            .await
            .unwrap()
    }
}

fn fields(body: &Value) -> Vec<(String, String)> {
    body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn an_orchestration_is_registered_with_every_field(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let store = app.db.store().await;
    let now = Utc::now();
    let ada = store
        .insert_user("Ada@Example.com", "Ada", Role::Editor, now)
        .await
        .unwrap();
    let bo = store
        .insert_user("bo@example.com", "Bo", Role::Editor, now)
        .await
        .unwrap();
    let finance = store.insert_team("finance", "Finance", now).await.unwrap();

    let res = app
        .post_json(
            "/api/v1/orchestrations",
            &json!({
                "name": "  Monthly invoicing ",
                "purpose": "Bill every customer on the first working day",
                "owner_id": ada, "backup_owner_id": bo, "team_id": finance,
                "inputs": "Usage export", "outputs": "Invoices in the ledger",
                "failure_mode": "Customers are not billed; cash flow slips a month",
                "fallback": "Run the export by hand and import it",
                "tier": 1, "lifecycle": "active",
                "tags": ["Finance", "billing", "finance"],
                "links": [{"label": "Runbook", "url": "https://wiki.example.com/invoicing"}],
                "minutes_saved_per_run": 240, "expected_runs_per_week": 0.25,
                "success_rate_target": 0.99
            }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        res.headers()["location"],
        "/api/v1/orchestrations/monthly-invoicing"
    );
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["name"], "Monthly invoicing");
    assert_eq!(created["slug"], "monthly-invoicing");
    assert_eq!(created["owner_id"], ada);
    assert_eq!(created["backup_owner_id"], bo);
    assert_eq!(created["team_id"], finance);
    assert_eq!(created["tier"], 1);
    assert_eq!(created["lifecycle"], "active");
    assert_eq!(created["tags"], json!(["billing", "finance"]));
    assert_eq!(
        created["links"][0]["url"],
        "https://wiki.example.com/invoicing"
    );
    assert_eq!(created["minutes_saved_per_run"], 240.0);
    assert_eq!(created["success_rate_target"], 0.99);
    assert_eq!(created["version"], 1);
    assert_eq!(created["unowned"], false);
    assert_eq!(created["no_failure_mode"], false);
    assert_eq!(created["retired_at"], Value::Null);

    let shown: Value = app
        .get("/api/v1/orchestrations/monthly-invoicing")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown, created);
    assert_eq!(app.orchestration_list().await, vec![created]);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_bare_orchestration_is_flagged_as_a_risk(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app
        .post_json("/api/v1/orchestrations", &json!({"name": "Lead routing"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["slug"], "lead-routing");
    assert_eq!(created["tier"], 3);
    assert_eq!(created["lifecycle"], "draft");
    assert_eq!(created["unowned"], true);
    assert_eq!(created["no_failure_mode"], true);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn bad_fields_get_422_with_a_message_each_and_nothing_is_saved(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app
        .post_json(
            "/api/v1/orchestrations",
            &json!({
                "name": "", "slug": "Not A Slug", "tier": 9, "lifecycle": "archived",
                "owner_id": 404, "team_id": 405, "success_rate_target": 99,
                "links": [{"label": "x", "url": "javascript:alert(1)"}]
            }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "some fields need correcting");
    let fields = fields(&body);
    let named: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        named,
        [
            "name",
            "slug",
            "tier",
            "lifecycle",
            "links",
            "success_rate_target",
            "owner_id",
            "team_id"
        ]
    );
    assert!(fields.contains(&("owner_id".into(), "there is no active user 404".into())));
    assert!(fields.contains(&("name".into(), "give the orchestration a name".into())));
    assert!(
        app.orchestration_list().await.is_empty(),
        "nothing was written"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn malformed_bodies_get_400_saying_what_is_wrong(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app
        .client
        .post(app.url("/api/v1/orchestrations"))
        .header("content-type", "application/json")
        .body(r#"{"name": "x","#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("malformed JSON: "),
        "{body}"
    );

    let res = app
        .post_json(
            "/api/v1/orchestrations",
            &json!({"name": "x", "tier": "high"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("invalid type"),
        "{body}"
    );

    let res = app
        .client
        .post(app.url("/api/v1/orchestrations"))
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["error"],
        "send the body as JSON with Content-Type: application/json"
    );
    assert!(app.orchestration_list().await.is_empty());
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_taken_slug_is_refused_on_its_field(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app
        .post_json("/api/v1/orchestrations", &json!({"name": "Payroll"}))
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let res = app
        .post_json("/api/v1/orchestrations", &json!({"name": "payroll!"}))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        fields(&body),
        vec![(
            "slug".into(),
            r#""payroll" is taken by another orchestration: choose another slug"#.into()
        )]
    );
    assert_eq!(app.orchestration_list().await.len(), 1);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_save_based_on_an_old_version_is_a_conflict_not_an_overwrite(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let created: Value = app
        .post_json(
            "/api/v1/orchestrations",
            &json!({"name": "Payroll", "purpose": "Pay people"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(created["version"], 1);

    // Ann saves on version 1.
    let res = app
        .put_json(
            "/api/v1/orchestrations/payroll",
            &json!({"version": 1, "name": "Payroll", "purpose": "Pay people on the 25th"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let saved: Value = res.json().await.unwrap();
    assert_eq!(saved["version"], 2);
    assert_eq!(saved["purpose"], "Pay people on the 25th");

    // Bo, who also opened version 1, saves later: refused, shown Ann's change.
    let res = app
        .put_json(
            "/api/v1/orchestrations/payroll",
            &json!({"version": 1, "name": "Payroll", "purpose": "Pay people monthly"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("changed by someone else")
    );
    assert_eq!(body["current"]["purpose"], "Pay people on the 25th");
    assert_eq!(body["current"]["version"], 2);
    let now: Value = app
        .get("/api/v1/orchestrations/payroll")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        now["purpose"], "Pay people on the 25th",
        "nothing overwritten"
    );

    // Invalid changes are refused whole.
    let res = app
        .put_json(
            "/api/v1/orchestrations/payroll",
            &json!({"version": 2, "name": "", "purpose": "x"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let now: Value = app
        .get("/api/v1/orchestrations/payroll")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now["version"], 2);
    assert_eq!(now["purpose"], "Pay people on the 25th");

    // Renaming the slug moves the address.
    let res = app
        .put_json(
            "/api/v1/orchestrations/payroll",
            &json!({"version": 2, "name": "Payroll", "slug": "payroll-eu"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/orchestrations/payroll").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/orchestrations/payroll-eu").await.status(),
        StatusCode::OK
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn retiring_keeps_the_orchestration_and_delete_needs_confirming(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    app.post_json(
        "/api/v1/orchestrations",
        &json!({"name": "Old sync", "lifecycle": "active"}),
    )
    .await;

    let res = app
        .post_json(
            "/api/v1/orchestrations/old-sync/retire",
            &json!({"version": 1}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let retired: Value = res.json().await.unwrap();
    assert_eq!(retired["lifecycle"], "retired");
    assert_eq!(retired["version"], 2);
    let retired_at = retired["retired_at"].as_str().unwrap().to_owned();
    assert_eq!(
        app.orchestration_list().await.len(),
        1,
        "retired, still in the catalog"
    );

    // Retiring on a stale version is a conflict too.
    let res = app
        .post_json(
            "/api/v1/orchestrations/old-sync/retire",
            &json!({"version": 1}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // Back to active clears the retirement date.
    let res = app
        .put_json(
            "/api/v1/orchestrations/old-sync",
            &json!({"version": 2, "name": "Old sync", "lifecycle": "active"}),
        )
        .await;
    let revived: Value = res.json().await.unwrap();
    assert_eq!(revived["retired_at"], Value::Null, "was {retired_at}");

    let res = app
        .client
        .delete(app.url("/api/v1/orchestrations/old-sync"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["error"],
        "to delete, confirm with the orchestration's slug (old-sync)"
    );
    let res = app
        .client
        .delete(app.url("/api/v1/orchestrations/old-sync?confirm=other"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.orchestration_list().await.len(), 1, "still there");

    let res = app
        .client
        .delete(app.url("/api/v1/orchestrations/old-sync?confirm=old-sync"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(app.orchestration_list().await.is_empty());
    let res = app.get("/api/v1/orchestrations/old-sync").await;
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
async fn the_screens_list_comes_from_a_server_function_under_rpc(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let store = app.db.store().await;
    let ada = store
        .insert_user("ada@example.com", "Ada Lovelace", Role::Editor, Utc::now())
        .await
        .unwrap();
    app.post_json(
        "/api/v1/orchestrations",
        &json!({"name": "Payroll", "owner_id": ada, "failure_mode": "Nobody is paid", "tags": ["hr"]}),
    )
    .await;
    app.post_json(
        "/api/v1/orchestrations",
        &json!({"name": "Lead routing", "tier": 1}),
    )
    .await;

    let res = app
        .client
        .post(app.url("/rpc/orchestrations/list"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let list: Value = res.json().await.unwrap();
    assert_eq!(
        list,
        json!([
            {"slug": "lead-routing", "name": "Lead routing", "purpose": "", "owner": null, "tier": 1,
             "lifecycle": "draft", "tags": [], "no_failure_mode": true,
             "health": "unknown", "health_why": "It has no automations.",
             "owner_id": null, "team_id": null},
            {"slug": "payroll", "name": "Payroll", "purpose": "", "owner": "Ada Lovelace", "tier": 3,
             "lifecycle": "draft", "tags": ["hr"], "no_failure_mode": false,
             "health": "unknown", "health_why": "It has no automations.",
             "owner_id": ada, "team_id": null},
        ])
    );
    // The public API's prefix is not the server functions'.
    let res = app
        .client
        .post(app.url("/api/orchestrations/list"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The page renders the list on the server, flags in words.
    let html = app.get("/orchestrations").await.text().await.unwrap();
    assert!(html.contains("Ada Lovelace"), "{html}");
    assert!(html.contains("Unowned"));
    assert!(html.contains("No failure mode"));
    assert!(html.contains("2 orchestrations"));
}

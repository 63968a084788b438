//! A NUL character (which PostgreSQL cannot keep in text) in any field,
//! parameter or file the API and the screens take gets 422 naming where it
//! was, on both backends alike, and nothing is written; never a 500.

use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app};

/// The one field an answer names.
async fn named(res: reqwest::Response, what: &str) -> String {
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{what}");
    let body: Value = res.json().await.unwrap();
    assert!(
        body["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("NUL character"),
        "{what}: {body}"
    );
    body["fields"][0]["field"].as_str().unwrap().to_owned()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_nul_anywhere_gets_422_naming_its_field_and_nothing_is_written(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let o = app
        .add_orchestration(json!({"name": "Payroll", "owner_id": app.admin_id}))
        .await;
    let slug = o["slug"].as_str().unwrap();
    let a = app
        .add_automation(json!({"tool": "cron", "external_id": "pay.sh", "name": "Pay"}))
        .await;
    let before = (
        app.get_json("/api/v1/orchestrations").await,
        app.get_json("/api/v1/automations").await,
        app.get_json("/api/v1/audit").await["total"].clone(),
    );

    for (path, body, field) in [
        (
            "/api/v1/orchestrations",
            json!({"name": "Pay\u{0}roll"}),
            "name",
        ),
        (
            "/api/v1/orchestrations",
            json!({"name": "P", "purpose": "x\u{0}"}),
            "purpose",
        ),
        (
            "/api/v1/orchestrations",
            json!({"name": "P", "tags": ["ok", "a\u{0}"]}),
            "tags[1]",
        ),
        (
            "/api/v1/orchestrations",
            json!({"name": "P", "links": [{"label": "a\u{0}", "url": "https://x.example"}]}),
            "links[0].label",
        ),
        (
            "/api/v1/automations",
            json!({"tool": "cron", "external_id": "x\u{0}", "name": "X"}),
            "external_id",
        ),
        ("/api/v1/teams", json!({"name": "Ops\u{0}"}), "name"),
        (
            "/api/v1/account/channels",
            json!({"name": "Me\u{0}", "kind": "slack", "url": "https://93.184.216.34/x"}),
            "name",
        ),
    ] {
        let res = app.post_json(path, &body).await;
        assert_eq!(named(res, path).await, field, "{path}");
    }
    let res = app
        .put_json(
            &format!("/api/v1/orchestrations/{slug}/runbook"),
            &json!({"body": "# Steps\n\u{0}", "note": "", "base_revision": 0}),
        )
        .await;
    assert_eq!(named(res, "runbook").await, "body");
    let res = app
        .post_json(
            &format!("/api/v1/automations/{}/pauses", a["id"]),
            &json!({"reason": "maintenance\u{0}"}),
        )
        .await;
    assert_eq!(named(res, "pause").await, "reason");

    // A search parameter, a CSV file, a screen's form, the sign-in form.
    let res = app.get("/api/v1/automations?q=pa%00y").await;
    assert_eq!(named(res, "search").await, "q");
    let res = app
        .client
        .post(app.url("/api/v1/import/inventory?commit=true"))
        .header("content-type", "text/csv")
        .body(b"tool,external_id,name\ncron,n.sh,Nul\0here\n".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(named(res, "csv").await, "file, line 2");
    let res = app
        .client
        .post(app.url("/rpc/orchestrations/save"))
        .form(&[("draft[name]", "Pay\0roll")])
        .send()
        .await
        .unwrap();
    assert_eq!(named(res, "screen form").await, "draft[name]");
    let res = app
        .browser()
        .post(app.url("/sign-in"))
        .form(&[("email", "ada\0@example.com"), ("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(named(res, "sign-in").await, "email");

    let after = (
        app.get_json("/api/v1/orchestrations").await,
        app.get_json("/api/v1/automations").await,
        app.get_json("/api/v1/audit").await["total"].clone(),
    );
    assert_eq!(before, after, "nothing was written");
    assert!(app.store.teams().await.unwrap().is_empty());
}

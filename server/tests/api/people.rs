//! Administering people and teams, on both backends: adding someone,
//! roles taking effect at once, deactivation (history kept, what they
//! owned released and flagged unowned, sessions and tokens dead), never
//! without an active admin; teams and their members.

use app::model::accounts::Role;
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app};

async fn person(app: &TestApp, email: &str) -> Value {
    let directory = app.get_json("/api/v1/people").await;
    directory["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["email"] == email)
        .cloned()
        .unwrap_or(Value::Null)
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn admins_add_people_and_roles_take_effect_at_once(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app
        .post_json(
            "/api/v1/people",
            &json!({"email": "nope", "display_name": "", "role": "editor", "password": "short"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["fields"].as_array().unwrap().len(), 3, "{body}");
    let res = app
        .post_json("/api/v1/people", &json!({"email": "x@example.com", "display_name": "X", "role": "owner", "password": PASSWORD}))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "an unknown role");
    assert_eq!(
        app.get_json("/api/v1/people").await["people"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let res = app
        .post_json("/api/v1/people", &json!({"email": "Ada@Example.com", "display_name": "Ada", "role": "viewer", "password": PASSWORD}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let ada = app.browser();
    assert_eq!(
        app.sign_in(&ada, "ada@example.com", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    let create = || {
        ada.post(app.url("/api/v1/orchestrations"))
            .json(&json!({"name": "Hers"}))
            .send()
    };
    assert_eq!(create().await.unwrap().status(), StatusCode::FORBIDDEN);

    let res = app
        .put_json(
            &format!("/api/v1/people/{id}/role"),
            &json!({"role": "editor"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        create().await.unwrap().status(),
        StatusCode::CREATED,
        "same session, new role"
    );
    assert_eq!(person(&app, "ada@example.com").await["role"], "editor");
    let res = app
        .put_json("/api/v1/people/999/role", &json!({"role": "editor"}))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn deactivating_keeps_history_releases_ownership_and_ends_access(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let (bo, bo_id) = app.as_new("bo@example.com", Role::Editor).await;
    let owned = app
        .add_orchestration(json!({"name": "Billing", "owner_id": bo_id}))
        .await;
    let backed = app
        .add_orchestration(
            json!({"name": "Payroll", "owner_id": app.admin_id, "backup_owner_id": bo_id}),
        )
        .await;
    let automation = app
        .add_automation(
            json!({"tool": "cron", "external_id": "bill.sh", "name": "Bill", "owner_id": bo_id}),
        )
        .await;
    let res = bo
        .put(app.url("/api/v1/orchestrations/billing"))
        .json(&json!({"version": 1, "name": "Billing", "owner_id": bo_id, "purpose": "Invoices"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "their own change, for the record"
    );
    let token = bo
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"name": "script", "scope": "read"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let res = app
        .post_json(&format!("/api/v1/people/{bo_id}/deactivate"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["released"],
        json!({"orchestrations_owned": 1, "orchestrations_backed_up": 1, "automations_owned": 1, "sessions_ended": 1, "tokens_revoked": 1})
    );

    // What they owned is unowned now, and flagged so.
    let billing = app.get_json("/api/v1/orchestrations/billing").await;
    assert_eq!(billing["owner_id"], Value::Null);
    assert_eq!(billing["unowned"], true);
    assert_eq!(billing["purpose"], "Invoices", "their work stays");
    let payroll = app
        .get_json(&format!(
            "/api/v1/orchestrations/{}",
            backed["slug"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (
            payroll["owner_id"].as_i64(),
            payroll["backup_owner_id"].as_i64()
        ),
        (Some(app.admin_id), None)
    );
    let bill = app
        .get_json(&format!("/api/v1/automations/{}", automation["id"]))
        .await;
    assert_eq!(bill["owner_id"], Value::Null);
    assert_eq!(bill["unowned"], true);
    let _ = owned;

    // They are out: session, password and token.
    let res = bo
        .get(app.url("/api/v1/orchestrations"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app
        .sign_in(&app.browser(), "bo@example.com", PASSWORD)
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(with_token(&app, &token).await, StatusCode::UNAUTHORIZED);
    // Nobody can choose them as an owner any more.
    let res = app
        .post_json(
            "/api/v1/orchestrations",
            &json!({"name": "New", "owner_id": bo_id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Their history stays, under their name.
    let theirs = app
        .get_json(&format!("/api/v1/audit?actor_id={bo_id}"))
        .await;
    let actions: Vec<&str> = theirs["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"orchestration.updated"), "{actions:?}");
    assert_eq!(person(&app, "bo@example.com").await["active"], false);
    let deactivated = app.get_json("/api/v1/audit?action=user.deactivated").await;
    assert_eq!(
        deactivated["entries"][0]["after"]["orchestrations_owned"],
        1
    );

    // Again: nothing more to do. Reactivated: they may sign in, owning nothing.
    let res = app
        .post_json(&format!("/api/v1/people/{bo_id}/deactivate"), &json!({}))
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["released"], Value::Null);
    let res = app
        .post_json(&format!("/api/v1/people/{bo_id}/reactivate"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .sign_in(&app.browser(), "bo@example.com", PASSWORD)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        app.get_json("/api/v1/orchestrations/billing").await["owner_id"],
        Value::Null
    );
    // Their old token stays revoked: reactivation gives back the person,
    // not the keys they held.
    assert_eq!(with_token(&app, &token).await, StatusCode::UNAUTHORIZED);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn there_is_always_an_active_admin(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let me = app.admin_id;
    let res = app
        .post_json(&format!("/api/v1/people/{me}/deactivate"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("cannot deactivate yourself")
    );
    let res = app
        .put_json(
            &format!("/api/v1/people/{me}/role"),
            &json!({"role": "viewer"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("last active administrator")
    );
    assert_eq!(person(&app, "admin@example.com").await["role"], "admin");

    // With a second admin, the first may step down.
    let (_, second) = app.as_new("second@example.com", Role::Admin).await;
    let res = app
        .put_json(
            &format!("/api/v1/people/{second}/role"),
            &json!({"role": "admin"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT, "no change is fine");
    let res = app
        .put_json(
            &format!("/api/v1/people/{me}/role"),
            &json!({"role": "editor"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app.get("/api/v1/audit").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "an editor now");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn teams_have_members(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, ada) = app.as_new("ada@example.com", Role::Editor).await;
    let res = app.post_json("/api/v1/teams", &json!({"name": "  "})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .post_json("/api/v1/teams", &json!({"name": "People Ops"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let team: Value = res.json().await.unwrap();
    assert_eq!(team["slug"], "people-ops");
    let res = app
        .post_json("/api/v1/teams", &json!({"name": "People ops"}))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("taken by another team"));

    let members = format!("/api/v1/teams/{}/members/{ada}", team["id"]);
    let res = app.client.put(app.url(&members)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let directory = app.get_json("/api/v1/people").await;
    assert_eq!(directory["teams"][0]["members"], json!([[ada, "ada"]]));
    assert_eq!(
        person(&app, "ada@example.com").await["teams"],
        json!(["People Ops"])
    );
    let res = app.delete(&members).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get_json("/api/v1/people").await["teams"][0]["members"],
        json!([])
    );
    let res = app
        .client
        .put(app.url(&format!("/api/v1/teams/999/members/{ada}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let added = app.get_json("/api/v1/audit?action=team.").await;
    assert_eq!(added["total"], 3);
}

/// What the API answers a read with `token`.
async fn with_token(app: &crate::helpers::TestApp, token: &str) -> StatusCode {
    crate::helpers::plain_client()
        .get(app.url("/api/v1/orchestrations"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

//! The audit log, on both backends: every change through the API or the
//! screens recorded once with who, when, before and after; sign-ins and
//! failures too; refused changes not at all; readable (and filterable) by
//! admins only; impossible to change or delete, even in the database.

use app::model::accounts::Role;
use chrono::TimeDelta;
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, PASSWORD, TestDb, spawn_app};

async fn audit(app: &crate::helpers::TestApp, query: &str) -> Value {
    app.get_json(&format!("/api/v1/audit{query}")).await
}

fn actions(page: &Value) -> Vec<String> {
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn every_change_is_recorded_once_with_before_and_after(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let start = audit(&app, "").await["total"].as_u64().unwrap();

    let created = app
        .add_orchestration(json!({"name": "Payroll", "tier": 2}))
        .await;
    let slug = created["slug"].as_str().unwrap();
    let id = created["id"].as_i64().unwrap();
    let res = app
        .put_json(
            &format!("/api/v1/orchestrations/{slug}"),
            &json!({"version": 1, "name": "Payroll", "tier": 1, "purpose": "Pay people"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // A refused change (a stale version) is not recorded.
    let res = app
        .put_json(
            &format!("/api/v1/orchestrations/{slug}"),
            &json!({"version": 1, "name": "Late"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let automation = app
        .add_automation(json!({"tool": "cron", "external_id": "pay.sh", "name": "Pay script", "orchestration_id": id}))
        .await;
    let edge = app
        .post_json(
            "/api/v1/dependencies",
            &json!({"upstream": {"kind": "automation", "id": automation["id"]},
                    "downstream": {"kind": "orchestration", "id": id}}),
        )
        .await;
    assert_eq!(edge.status(), StatusCode::CREATED);
    let edge: Value = edge.json().await.unwrap();
    assert_eq!(
        app.delete(&format!("/api/v1/dependencies/{}", edge["id"]))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let res = app
        .post_json(
            &format!("/api/v1/orchestrations/{slug}/retire"),
            &json!({"version": 2}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .delete(&format!("/api/v1/automations/{}", automation["id"]))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .delete(&format!("/api/v1/orchestrations/{slug}?confirm={slug}"))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let page = audit(&app, "?action=orchestration.").await;
    assert_eq!(
        actions(&page),
        [
            "orchestration.deleted",
            "orchestration.retired",
            "orchestration.updated",
            "orchestration.created"
        ]
    );
    let entries = page["entries"].as_array().unwrap();
    for entry in entries {
        assert_eq!(entry["actor_id"], app.admin_id);
        assert_eq!(entry["actor_label"], "admin <admin@example.com>");
        assert_eq!(entry["subject_id"], id, "{entry}");
        assert_eq!(entry["at"], "2026-11-25T09:00:00Z");
    }
    let updated = &entries[2];
    assert_eq!(updated["before"]["tier"], 2);
    assert_eq!(updated["after"]["tier"], 1);
    assert_eq!(updated["after"]["purpose"], "Pay people");
    assert_eq!(entries[3]["before"], Value::Null);
    assert_eq!(entries[3]["after"]["name"], "Payroll");
    assert_eq!(
        entries[0]["before"]["lifecycle"], "retired",
        "what was deleted"
    );

    assert_eq!(
        actions(&audit(&app, "?action=automation.").await),
        ["automation.deleted", "automation.created"]
    );
    let deps = audit(&app, "?action=dependency.").await;
    assert_eq!(actions(&deps), ["dependency.removed", "dependency.added"]);
    assert_eq!(
        deps["entries"][0]["subject_label"],
        "Pay script feeds Payroll"
    );
    let total = audit(&app, "").await["total"].as_u64().unwrap();
    assert_eq!(
        total - start,
        8,
        "one entry a change, none for the refused one"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn sign_ins_failures_and_tokens_are_recorded_and_only_admins_read_them(
    #[case] backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (viewer, viewer_id) = app.as_new("vera@example.com", Role::Viewer).await;
    let anonymous = app.browser();
    let res = app
        .sign_in(&anonymous, "vera@example.com", "wrong wrong wrong")
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = viewer
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"name": "report", "scope": "read"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let token: Value = res.json().await.unwrap();
    let res = viewer
        .delete(app.url(&format!("/api/v1/tokens/{}", token["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = viewer.post(app.url("/sign-out")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let mine = audit(&app, &format!("?actor_id={viewer_id}")).await;
    assert_eq!(
        actions(&mine),
        [
            "user.signed_out",
            "token.revoked",
            "token.created",
            "user.signed_in"
        ]
    );
    assert_eq!(mine["entries"][3]["client"], "127.0.0.1");
    assert!(
        !mine.to_string().contains(token["token"].as_str().unwrap()),
        "never the token itself"
    );
    let failed = audit(&app, "?action=user.sign_in_failed").await;
    assert_eq!(failed["total"], 1);
    assert_eq!(failed["entries"][0]["actor_label"], "vera@example.com");
    assert_eq!(failed["entries"][0]["subject_id"], viewer_id);
    assert_eq!(failed["entries"][0]["client"], "127.0.0.1");

    // Dates narrow it (by UTC day).
    assert_eq!(audit(&app, "?from=2026-11-26").await["total"], 0);
    assert!(
        audit(&app, "?from=2026-11-25&to=2026-11-25").await["total"]
            .as_u64()
            .unwrap()
            >= 5
    );
    app.clock.advance(TimeDelta::days(1));
    // (a day idle ends the admin's session too)
    for (client, email) in [
        (&app.browser(), "vera@example.com"),
        (&app.client, "admin@example.com"),
    ] {
        let res = app.sign_in(client, email, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    assert_eq!(
        actions(&audit(&app, "?from=2026-11-26").await),
        ["user.signed_in", "user.signed_in"]
    );
    let res = app.get("/api/v1/audit?from=yesterday").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // Only admins read it.
    let (editor, _) = app.as_new("ed@example.com", Role::Editor).await;
    for client in [&editor, &app.browser()] {
        let res = client.get(app.url("/api/v1/audit")).send().await.unwrap();
        assert!(matches!(
            res.status(),
            StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED
        ));
    }
    let res = editor.get(app.url("/api/v1/audit")).send().await.unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["error"],
        "only an administrator may read the audit log"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_log_cannot_be_changed_even_in_the_database(#[case] backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let entry = baton::audit::Author::command_line().did(
        chrono::Utc::now(),
        "user.created",
        "user",
        Some(1),
        "ada@example.com",
    );
    store.record_audit(&entry).await.unwrap();
    for statement in [
        "UPDATE audit_log SET actor_label = 'someone else'",
        "DELETE FROM audit_log",
    ] {
        let err = match backend {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&db.url()).await.unwrap();
                sqlx::query(statement).execute(&pool).await.unwrap_err()
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
                sqlx::query(statement).execute(&pool).await.unwrap_err()
            }
        };
        assert!(
            err.to_string().contains("append-only"),
            "{statement}: {err}"
        );
    }
    assert_eq!(store.count_audit(&Default::default()).await.unwrap(), 1);
}

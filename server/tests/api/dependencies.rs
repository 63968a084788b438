//! `/api/v1/dependencies` and each orchestration's graph, on both backends.

use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};

fn automation(id: &Value) -> Value {
    json!({"kind": "automation", "id": id})
}

fn orchestration(id: &Value) -> Value {
    json!({"kind": "orchestration", "id": id})
}

impl TestApp {
    async fn feeds(&self, upstream: Value, downstream: Value) -> reqwest::Response {
        self.post_json(
            "/api/v1/dependencies",
            &json!({"upstream": upstream, "downstream": downstream}),
        )
        .await
    }

    async fn edge_count(&self) -> usize {
        let list: Vec<Value> = self.get("/api/v1/dependencies").await.json().await.unwrap();
        list.len()
    }

    async fn zap(&self, id: &str, name: &str) -> Value {
        self.add_automation(json!({"tool": "zapier", "external_id": id, "name": name}))
            .await
    }
}

/// The `downstream` field's message of a 422 answer.
async fn downstream_message(res: reqwest::Response) -> String {
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    let fields = body["fields"].as_array().unwrap();
    let field = fields.iter().find(|f| f["field"] == "downstream").unwrap();
    field["message"].as_str().unwrap().to_owned()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn edges_are_added_shown_drawn_and_removed(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let billing = app.add_orchestration(json!({"name": "Billing"})).await;
    let reporting = app.add_orchestration(json!({"name": "Reporting"})).await;
    let export = app
        .add_automation(json!({"tool": "cron", "external_id": "crm-export", "name": "CRM export"}))
        .await;
    let invoice = app
        .add_automation(json!({
            "tool": "github_actions", "external_id": "acme/billing:invoice.yml",
            "name": "Invoice run", "orchestration_id": billing["id"]
        }))
        .await;

    let res = app
        .feeds(automation(&export["id"]), automation(&invoice["id"]))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let edge: Value = res.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/dependencies/{}", edge["id"]));
    assert_eq!(edge["upstream"]["name"], "CRM export");
    assert_eq!(edge["upstream"]["tool"], "cron");
    assert_eq!(edge["downstream"]["kind"], "automation");
    let shown: Value = app.get(&location).await.json().await.unwrap();
    assert_eq!(shown, edge);

    let res = app
        .feeds(
            orchestration(&billing["id"]),
            orchestration(&reporting["id"]),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(app.edge_count().await, 2);

    // Billing's graph: the export feeds its automation, it feeds Reporting.
    let graph: Value = app
        .get("/api/v1/orchestrations/billing/graph")
        .await
        .json()
        .await
        .unwrap();
    let layer_of = |name: &str| {
        let nodes = graph["nodes"].as_array().unwrap();
        let node = nodes.iter().find(|n| n["name"] == name).unwrap();
        (
            node["layer"].as_i64().unwrap(),
            node["focus"].as_bool().unwrap(),
        )
    };
    assert_eq!(layer_of("CRM export"), (-1, false));
    assert_eq!(layer_of("Invoice run"), (0, true));
    assert_eq!(layer_of("Billing"), (0, true));
    assert_eq!(layer_of("Reporting"), (1, false));
    assert_eq!(graph["edges"].as_array().unwrap().len(), 2);
    // Reporting's graph reaches back through Billing only.
    let graph: Value = app
        .get("/api/v1/orchestrations/reporting/graph")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(graph["nodes"].as_array().unwrap().len(), 2);

    assert_eq!(app.delete(&location).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&location).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&location).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.edge_count().await, 1);

    // Deleting an automation takes its edges with it.
    let res = app
        .feeds(automation(&export["id"]), automation(&invoice["id"]))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let gone = app
        .delete(&format!("/api/v1/automations/{}", export["id"]))
        .await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.edge_count().await, 1);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_cycle_is_refused_with_the_cycle_named(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let leads = app.zap("1", "Lead capture").await;
    let crm = app.zap("2", "CRM sync").await;
    let billing = app.add_orchestration(json!({"name": "Billing"})).await;
    for (up, down) in [
        (automation(&leads["id"]), automation(&crm["id"])),
        (automation(&crm["id"]), orchestration(&billing["id"])),
    ] {
        assert_eq!(app.feeds(up, down).await.status(), StatusCode::CREATED);
    }

    let refused = app
        .feeds(orchestration(&billing["id"]), automation(&leads["id"]))
        .await;
    assert_eq!(
        downstream_message(refused).await,
        "this would close a cycle: Billing → Lead capture → CRM sync → Billing \
         (a dependency chain must not lead back to where it started)"
    );
    let itself = app
        .feeds(automation(&crm["id"]), automation(&crm["id"]))
        .await;
    assert!(
        downstream_message(itself)
            .await
            .starts_with("this would close a cycle: CRM sync → CRM sync")
    );
    let again = app
        .feeds(automation(&leads["id"]), automation(&crm["id"]))
        .await;
    assert_eq!(
        downstream_message(again).await,
        "Lead capture already feeds CRM sync"
    );
    assert_eq!(app.edge_count().await, 2, "nothing was written");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn bad_edges_get_a_clear_answer_and_change_nothing(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let crm = app.zap("2", "CRM sync").await;

    let res = app
        .feeds(automation(&crm["id"]), orchestration(&json!(404)))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["fields"],
        json!([{"field": "downstream", "message": "there is no orchestration 404"}])
    );

    let res = app
        .post_json(
            "/api/v1/dependencies",
            &json!({"upstream": {"kind": "job", "id": 1}, "downstream": automation(&crm["id"])}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    let error = body["error"].as_str().unwrap();
    assert!(
        error.starts_with("malformed JSON: unknown variant `job`"),
        "{error}"
    );

    let res = app
        .post_json(
            "/api/v1/dependencies",
            &json!({"upstream": automation(&crm["id"])}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("missing field `downstream`")
    );

    assert_eq!(
        app.get("/api/v1/dependencies/x").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/orchestrations/nope/graph").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.edge_count().await, 0, "nothing was written");
}

/// Two people closing the same loop at the same moment: the graph's lock
/// lets exactly one of the two edges in, on every backend.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn concurrent_additions_cannot_close_a_cycle(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    for round in 0..10 {
        let a = app.zap(&format!("a{round}"), &format!("A{round}")).await;
        let b = app.zap(&format!("b{round}"), &format!("B{round}")).await;
        let (one, two) = tokio::join!(
            app.feeds(automation(&a["id"]), automation(&b["id"])),
            app.feeds(automation(&b["id"]), automation(&a["id"])),
        );
        let mut statuses = [one.status(), two.status()];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY],
            "round {round}"
        );
    }
    assert_eq!(app.edge_count().await, 10);
}

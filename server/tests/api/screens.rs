//! The screens' server functions under `/rpc/`, called as the browser calls
//! them (forms URL-encoded, answers in JSON), on both backends: the same
//! rules as the API, answered as outcomes a form can show.

use app::model::accounts::Role;
use chrono::Utc;
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};

impl TestApp {
    /// Posts a form to a server function; it must answer 200 with JSON.
    async fn rpc(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let res = self
            .client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        res.json().await.unwrap()
    }

    async fn orchestration_count(&self) -> usize {
        self.get_json("/api/v1/orchestrations")
            .await
            .as_array()
            .map_or(0, Vec::len)
    }
}

/// The message for `field` in an `Invalid` outcome.
fn message<'a>(outcome: &'a Value, field: &str) -> &'a str {
    outcome["Invalid"]
        .as_array()
        .unwrap_or_else(|| panic!("not Invalid: {outcome}"))
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["message"].as_str())
        .unwrap_or_else(|| panic!("no message for {field}: {outcome}"))
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_orchestration_form_reports_by_field_saves_and_shows_conflicts(
    #[case] backend: Backend,
) {
    let app = spawn_app(backend).await;
    let store = app.db.store().await;
    let ada = store
        .insert_user("ada@example.com", "Ada", Role::Editor, Utc::now())
        .await
        .unwrap()
        .to_string();
    let grace = store
        .insert_user("grace@example.com", "Grace", Role::Editor, Utc::now())
        .await
        .unwrap()
        .to_string();

    // Unreadable figures and the draft's own mistakes, all at once, in the
    // form's order; nothing saved.
    let outcome = app
        .rpc(
            "/rpc/orchestrations/save",
            &[
                ("version", "0"),
                ("form[name]", "  "),
                ("form[owner_id]", &ada),
                ("form[backup_owner_id]", &ada),
                ("form[tier]", "7"),
                ("form[minutes_saved_per_run]", "lots"),
                ("form[success_rate_target]", "101"),
            ],
        )
        .await;
    let fields: Vec<&str> = outcome["Invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "tier",
            "backup_owner_id",
            "minutes_saved_per_run",
            "success_rate_target"
        ]
    );
    assert_eq!(message(&outcome, "name"), "give the orchestration a name");
    assert!(message(&outcome, "minutes_saved_per_run").contains("\"lots\" is not a number"));
    assert!(message(&outcome, "success_rate_target").contains("percentage from 0 to 100"));
    assert_eq!(app.orchestration_count().await, 0);

    // An owner who does not exist is named beside the field.
    let outcome = app
        .rpc(
            "/rpc/orchestrations/save",
            &[
                ("version", "0"),
                ("form[name]", "Payroll"),
                ("form[owner_id]", "999"),
            ],
        )
        .await;
    assert_eq!(message(&outcome, "owner_id"), "there is no active user 999");
    assert_eq!(app.orchestration_count().await, 0);

    // Saved: the answer is the page to go to.
    let outcome = app
        .rpc(
            "/rpc/orchestrations/save",
            &[
                ("version", "0"),
                ("form[name]", "Payroll"),
                ("form[owner_id]", &ada),
                ("form[success_rate_target]", "99,5"),
                ("form[tags]", "HR, money"),
                ("form[links]", "Handbook | https://example.com/h"),
            ],
        )
        .await;
    assert_eq!(
        outcome,
        json!({"Saved": {"path": "/orchestrations/payroll"}})
    );
    let saved = app.get_json("/api/v1/orchestrations/payroll").await;
    assert_eq!(saved["success_rate_target"], 0.995);
    assert_eq!(saved["tags"], json!(["hr", "money"]));
    assert_eq!(saved["links"][0]["label"], "Handbook");

    // The same slug again is refused beside the slug.
    let outcome = app
        .rpc(
            "/rpc/orchestrations/save",
            &[("version", "0"), ("form[name]", "Payroll")],
        )
        .await;
    assert!(message(&outcome, "slug").contains("is taken"));

    // Someone else saves first: the later save is refused with their change
    // beside ours, people by name; nothing of ours is written.
    let mut theirs = saved.clone();
    theirs["owner_id"] = json!(grace.parse::<i64>().unwrap());
    theirs["purpose"] = json!("Pay everyone");
    let res = app
        .put_json("/api/v1/orchestrations/payroll", &theirs)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let id = saved["id"].to_string();
    let mine = [
        ("id", id.as_str()),
        ("version", "1"),
        ("form[name]", "Payroll"),
        ("form[slug]", "payroll"),
        ("form[owner_id]", ada.as_str()),
        ("form[purpose]", "Pay staff monthly"),
        ("form[success_rate_target]", "99.5"),
        ("form[tags]", "hr, money"),
        ("form[links]", "Handbook | https://example.com/h"),
    ];
    let outcome = app.rpc("/rpc/orchestrations/save", &mine).await;
    assert_eq!(outcome["Conflict"]["version"], 2, "{outcome}");
    assert_eq!(
        outcome["Conflict"]["changes"],
        json!([
            {"field": "purpose", "label": "Purpose", "theirs": "Pay everyone", "yours": "Pay staff monthly"},
            {"field": "owner_id", "label": "Owner", "theirs": "Grace", "yours": "Ada"},
        ])
    );
    let now = app.get_json("/api/v1/orchestrations/payroll").await;
    assert_eq!(now["purpose"], "Pay everyone");
    assert_eq!(now["version"], 2);

    // Saving again on their version is deliberate, and wins.
    let mut again = mine;
    again[1] = ("version", "2");
    let outcome = app.rpc("/rpc/orchestrations/save", &again).await;
    assert_eq!(
        outcome,
        json!({"Saved": {"path": "/orchestrations/payroll"}})
    );
    let now = app.get_json("/api/v1/orchestrations/payroll").await;
    assert_eq!(now["purpose"], "Pay staff monthly");
    assert_eq!(now["version"], 3);

    // Retire on an old version: a conflict; on the current one: retired.
    let outcome = app
        .rpc(
            "/rpc/orchestrations/retire",
            &[("id", id.as_str()), ("version", "1")],
        )
        .await;
    assert_eq!(outcome["Conflict"]["version"], 3, "{outcome}");
    let outcome = app
        .rpc(
            "/rpc/orchestrations/retire",
            &[("id", id.as_str()), ("version", "3")],
        )
        .await;
    assert_eq!(
        outcome,
        json!({"Saved": {"path": "/orchestrations/payroll"}})
    );
    let now = app.get_json("/api/v1/orchestrations/payroll").await;
    assert_eq!(now["lifecycle"], "retired");

    // Delete: refused until confirmed with the slug, then gone.
    let outcome = app
        .rpc(
            "/rpc/orchestrations/delete",
            &[("id", id.as_str()), ("confirm", "Payroll")],
        )
        .await;
    assert_eq!(
        outcome,
        json!({"Refused": "To delete, confirm with the orchestration's slug (payroll)"})
    );
    assert_eq!(app.orchestration_count().await, 1);
    let outcome = app
        .rpc(
            "/rpc/orchestrations/delete",
            &[("id", id.as_str()), ("confirm", "payroll")],
        )
        .await;
    assert_eq!(outcome, json!({"Saved": {"path": "/orchestrations"}}));
    assert_eq!(app.orchestration_count().await, 0);
    let outcome = app
        .rpc(
            "/rpc/orchestrations/delete",
            &[("id", id.as_str()), ("confirm", "payroll")],
        )
        .await;
    assert!(
        outcome["Refused"]
            .as_str()
            .unwrap()
            .contains("no longer exists")
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_automation_form_and_the_dependency_picker_follow_the_api_rules(
    #[case] backend: Backend,
) {
    let app = spawn_app(backend).await;
    let billing = app.add_orchestration(json!({"name": "Billing"})).await;
    let billing_id = billing["id"].to_string();

    let outcome = app
        .rpc(
            "/rpc/automations/save",
            &[
                ("version", "0"),
                ("form[name]", "Invoice run"),
                ("form[tool]", "github_actions"),
                ("form[external_id]", "acme/billing:invoice.yml"),
                ("form[orchestration_id]", &billing_id),
                ("form[runs_per_week]", "5"),
            ],
        )
        .await;
    let path = outcome["Saved"]["path"].as_str().unwrap().to_owned();
    let invoice_id: i64 = path.trim_start_matches("/automations/").parse().unwrap();
    let stored = app
        .get_json(&format!("/api/v1/automations/{invoice_id}"))
        .await;
    assert_eq!(stored["orchestration_id"], billing["id"]);
    assert_eq!(stored["runs_per_week"], 5.0);

    // The same tool and external id again; an unknown tool; a bad address.
    let outcome = app
        .rpc(
            "/rpc/automations/save",
            &[
                ("version", "0"),
                ("form[name]", "Invoice run again"),
                ("form[tool]", "github_actions"),
                ("form[external_id]", "acme/billing:invoice.yml"),
            ],
        )
        .await;
    assert_eq!(
        message(&outcome, "external_id"),
        "GitHub Actions \"acme/billing:invoice.yml\" is already in the inventory"
    );
    let outcome = app
        .rpc(
            "/rpc/automations/save",
            &[
                ("version", "0"),
                ("form[name]", "X"),
                ("form[tool]", "teams"),
                ("form[external_id]", "x"),
                ("form[url]", "ftp://x"),
            ],
        )
        .await;
    assert!(message(&outcome, "tool").starts_with("the tool is one of"));
    assert_eq!(
        message(&outcome, "url"),
        "give an http(s) address, or leave it empty"
    );
    let list = app.get_json("/api/v1/automations").await;
    assert_eq!(list.as_array().unwrap().len(), 1);

    // The picker finds by name, orchestrations and automations alike.
    let upload = app
        .add_automation(json!({"tool": "cron", "external_id": "upload", "name": "Bank upload"}))
        .await;
    let found: Value = app.rpc("/rpc/dependencies/find", &[("query", "run")]).await;
    let names: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Invoice run"]);

    // An edge added, then the cycle it would close refused by name.
    let add = |up: i64, down: i64| {
        json!({
            "upstream": {"kind": "automation", "id": up},
            "downstream": {"kind": "automation", "id": down},
        })
    };
    let upload_id = upload["id"].as_i64().unwrap();
    let res = app
        .post_json("/rpc/dependencies/add", &add(invoice_id, upload_id))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let outcome: Value = res.json().await.unwrap();
    assert!(
        outcome["Saved"]["path"]
            .as_str()
            .unwrap()
            .starts_with("/api/v1/dependencies/")
    );
    let res = app
        .post_json("/rpc/dependencies/add", &add(upload_id, invoice_id))
        .await;
    let outcome: Value = res.json().await.unwrap();
    assert_eq!(
        outcome["Refused"],
        "This would close a cycle: Bank upload → Invoice run → Bank upload (a dependency chain must not lead back to where it started)"
    );
    let edges = app.get_json("/api/v1/dependencies").await;
    assert_eq!(edges.as_array().unwrap().len(), 1);

    // The automation page carries its leverage parts and its edges.
    let page: Value = app
        .rpc("/rpc/automations/page", &[("id", &invoice_id.to_string())])
        .await;
    assert_eq!(page["row"]["orchestration"], json!(["billing", "Billing"]));
    assert_eq!(page["dependencies"].as_array().unwrap().len(), 1);
    assert_eq!(page["leverage"]["leverage"]["runs_per_week"], 5.0);

    // Removing the edge, then the automation.
    let edge = edges[0]["id"].to_string();
    let outcome = app.rpc("/rpc/dependencies/remove", &[("id", &edge)]).await;
    assert!(outcome.get("Saved").is_some(), "{outcome}");
    let outcome = app
        .rpc("/rpc/automations/delete", &[("id", &upload_id.to_string())])
        .await;
    assert_eq!(outcome, json!({"Saved": {"path": "/inventory"}}));
    assert_eq!(
        app.get(&format!("/api/v1/automations/{upload_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

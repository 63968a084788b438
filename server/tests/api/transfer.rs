//! Import and export: the inventory CSV with its preview, the
//! orchestrations CSV, and the catalog JSON round trip, on both backends.

use app::model::accounts::Role;
use chrono::Utc;
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};

impl TestApp {
    async fn import_csv(&self, csv: &str, commit: bool) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/v1/import/inventory?commit={commit}")))
            .header("content-type", "text/csv")
            .body(csv.to_owned())
            .send()
            .await
            .unwrap()
    }

    async fn import_report(&self, csv: &str, commit: bool) -> Value {
        let res = self.import_csv(csv, commit).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    async fn inventory(&self) -> Vec<Value> {
        self.get("/api/v1/automations?limit=500")
            .await
            .json()
            .await
            .unwrap()
    }

    async fn text(&self, path: &str) -> String {
        let res = self.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        res.text().await.unwrap()
    }
}

fn counts(report: &Value) -> [u64; 4] {
    ["new", "updated", "unchanged", "errors"].map(|k| report[k].as_u64().unwrap())
}

const FILE: &str = "\
tool,external_id,name,owner_email,team,orchestration,failure_mode,minutes_saved_per_run,runs_per_week
GitHub Actions,acme/billing:invoice.yml,Invoice run,ada@example.com,finance,billing,No invoices go out,90,1
cron,backup-db,Database backup,,,,No restore point,10,7
zapier,128734,Lead to CRM,,,,,5,120
bash,x,Bad tool,,,,,,
zapier,2,Unknown owner,bob@example.com,,,,,
zapier,3,Not a number,,,,,ten,
zapier,128734,Lead to CRM again,,,,,,
";

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_csv_import_previews_every_row_then_writes_only_the_good_ones(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let store = app.db.store().await;
    store
        .insert_user("ada@example.com", "Ada", Role::Editor, Utc::now())
        .await
        .unwrap();
    store
        .insert_team("finance", "Finance", Utc::now())
        .await
        .unwrap();
    app.add_orchestration(json!({"name": "Billing"})).await;
    app.add_automation(
        json!({"tool": "cron", "external_id": "backup-db", "name": "Database backup"}),
    )
    .await;
    app.add_automation(json!({
        "tool": "zapier", "external_id": "128734", "name": "Lead to CRM",
        "minutes_saved_per_run": 5, "runs_per_week": 120
    }))
    .await;
    let before = app.inventory().await;

    let preview = app.import_report(FILE, false).await;
    assert_eq!(preview["committed"], false);
    assert_eq!(counts(&preview), [1, 1, 1, 4]);
    let rows = preview["rows"].as_array().unwrap();
    let row = |line: u64| rows.iter().find(|r| r["row"] == line).unwrap();
    assert_eq!(row(2)["status"], "new");
    assert_eq!(row(2)["tool"], "github_actions");
    assert_eq!(row(3)["status"], "updated");
    assert_eq!(
        row(3)["changes"],
        json!(["failure_mode", "minutes_saved_per_run", "runs_per_week"])
    );
    assert_eq!(row(4)["status"], "unchanged");
    assert_eq!(row(5)["status"], "error");
    assert!(
        row(5)["reasons"][0]
            .as_str()
            .unwrap()
            .starts_with("tool: the tool is one of github_actions")
    );
    assert_eq!(
        row(6)["reasons"],
        json!(["owner_email: no active person has the email \"bob@example.com\""])
    );
    assert_eq!(
        row(7)["reasons"],
        json!(["minutes_saved_per_run: \"ten\" is not a number"])
    );
    assert_eq!(
        row(8)["reasons"],
        json!(["external_id: Zapier \"128734\" is already on line 4 of this file"])
    );
    assert_eq!(app.inventory().await, before, "a preview writes nothing");

    let done = app.import_report(FILE, true).await;
    assert_eq!(done["committed"], true);
    assert_eq!(counts(&done), [1, 1, 1, 4]);
    let after = app.inventory().await;
    assert_eq!(after.len(), 3, "the good new row is in, no bad one");
    let invoice = after.iter().find(|a| a["name"] == "Invoice run").unwrap();
    assert_eq!(invoice["orchestration_id"].as_i64(), Some(1));
    assert_eq!(invoice["loose"], false);
    let backup = after
        .iter()
        .find(|a| a["external_id"] == "backup-db")
        .unwrap();
    assert_eq!(backup["failure_mode"], "No restore point");
    assert_eq!(backup["version"], 2);

    // The same file again changes nothing.
    let again = app.import_report(FILE, true).await;
    assert_eq!(counts(&again), [0, 0, 3, 4]);
    assert_eq!(app.inventory().await, after);

    // A column left out leaves that field as it is.
    let names_only = "tool,external_id,name\ncron,backup-db,Database backup\n";
    let report = app.import_report(names_only, true).await;
    assert_eq!(counts(&report), [0, 0, 1, 0]);

    // The export reads back as unchanged, row for row.
    let exported = app.text("/api/v1/export/inventory.csv").await;
    assert!(exported.starts_with(
        "tool,external_id,name,url,description,owner_email,team,orchestration,failure_mode,"
    ));
    assert!(exported.contains("ada@example.com,finance,billing,No invoices go out,90,1"));
    let report = app.import_report(&exported, false).await;
    assert_eq!(counts(&report), [0, 0, 3, 0]);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn an_unreadable_file_is_refused_whole(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    for (file, message) in [
        (
            "",
            "the file is empty: its first line must name the columns",
        ),
        (
            "tool,external_id,name,colour\n",
            "unknown column \"colour\": the columns are tool, external_id, name, url, \
             description, owner_email, team, orchestration, failure_mode, \
             minutes_saved_per_run, runs_per_week",
        ),
        (
            "tool,name\ncron,x\n",
            "the header must name the columns tool, external_id and name; missing: external_id",
        ),
        (
            "tool,tool,external_id,name\n",
            "the column \"tool\" appears twice",
        ),
    ] {
        let res = app.import_csv(file, true).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{file:?}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], message);
    }
    let res = app
        .client
        .post(app.url("/api/v1/import/inventory?commit=yes"))
        .body("tool,external_id,name\n")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(app.inventory().await.is_empty(), "nothing was written");
}

/// 10,000 rows in one transaction, with progress lines on the way.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn ten_thousand_rows_import_with_progress(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let mut file =
        String::from("tool,external_id,name,failure_mode,minutes_saved_per_run,runs_per_week\n");
    for i in 0..10_000 {
        file.push_str(&format!(
            "cron,job-{i:05},Job {i:05},Reports go stale,{},7\n",
            i % 30
        ));
    }
    let res = app
        .client
        .post(app.url("/api/v1/import/inventory?commit=true"))
        .header("accept", "application/x-ndjson")
        .body(file.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/x-ndjson");
    let body = res.text().await.unwrap();
    let lines: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let written: Vec<u64> = lines.iter().filter_map(|l| l["written"].as_u64()).collect();
    assert_eq!(written.first(), Some(&500));
    assert_eq!(written.last(), Some(&10_000));
    let report = &lines.last().unwrap()["report"];
    assert_eq!(counts(report), [10_000, 0, 0, 0]);
    assert_eq!(report["committed"], true);
    let page: Vec<Value> = app
        .get("/api/v1/automations?limit=1&offset=9999")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page[0]["name"], "Job 09999");
    // Again: all unchanged, nothing written.
    let report = app.import_report(&file, true).await;
    assert_eq!(counts(&report), [0, 0, 10_000, 0]);
    // Browsers ask for compression: the stream still ends cleanly.
    let res = app
        .client
        .post(app.url("/api/v1/import/inventory?commit=true"))
        .header("accept", "application/x-ndjson")
        .header("accept-encoding", "gzip")
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let body = res
        .bytes()
        .await
        .expect("the compressed stream ends cleanly");
    assert!(body.starts_with(&[0x1f, 0x8b]), "a gzip stream");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_json_export_imports_into_an_empty_baton_as_the_same_catalog(#[case] backend: Backend) {
    let source = spawn_app(backend).await;
    let store = source.db.store().await;
    let ada = store
        .insert_user("ada@example.com", "Ada", Role::Editor, Utc::now())
        .await
        .unwrap();
    let grace = store
        .insert_user("grace@example.com", "Grace", Role::Admin, Utc::now())
        .await
        .unwrap();
    let team = store
        .insert_team("finance", "Finance", Utc::now())
        .await
        .unwrap();
    let billing = source
        .add_orchestration(json!({
            "name": "Billing", "purpose": "Bill customers", "owner_id": ada,
            "backup_owner_id": grace, "team_id": team, "tier": 1, "lifecycle": "active",
            "tags": ["money", "monthly"], "failure_mode": "Invoices stop",
            "links": [{"label": "Wiki", "url": "https://wiki.example.com/billing"}],
            "minutes_saved_per_run": 30, "expected_runs_per_week": 4,
            "success_rate_target": 0.98
        }))
        .await;
    source
        .add_orchestration(json!({"name": "Reporting", "lifecycle": "retired"}))
        .await;
    let invoice = source
        .add_automation(json!({
            "tool": "github_actions", "external_id": "acme/billing:invoice.yml",
            "name": "Invoice run", "owner_id": ada, "team_id": team,
            "orchestration_id": billing["id"], "runs_per_week": 4
        }))
        .await;
    let leads = source
        .add_automation(json!({"tool": "zapier", "external_id": "1", "name": "Lead to CRM"}))
        .await;
    for (up, down) in [
        (
            json!({"kind": "automation", "id": leads["id"]}),
            json!({"kind": "automation", "id": invoice["id"]}),
        ),
        (
            json!({"kind": "automation", "id": invoice["id"]}),
            json!({"kind": "orchestration", "id": 2}),
        ),
    ] {
        let res = source
            .post_json(
                "/api/v1/dependencies",
                &json!({"upstream": up, "downstream": down, "note": "daily"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let exported: Value = source
        .get("/api/v1/export/catalog.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(exported["format"], "baton-catalog");
    assert_eq!(exported["orchestrations"][0]["owner"], "ada@example.com");
    assert_eq!(
        exported["dependencies"][1]["downstream"],
        json!({"orchestration": "reporting"})
    );

    let target = spawn_app(backend).await;
    let res = target.post_json("/api/v1/import/catalog", &exported).await;
    assert_eq!(res.status(), StatusCode::OK);
    let imported: Value = res.json().await.unwrap();
    assert_eq!(
        imported,
        json!({"teams": 1, "people": 2, "orchestrations": 2, "automations": 2, "dependencies": 2})
    );
    let round_trip: Value = target
        .get("/api/v1/export/catalog.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(round_trip, exported);

    // Importing it again changes nothing it describes.
    let res = target.post_json("/api/v1/import/catalog", &exported).await;
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["people"], 0);
    assert_eq!(again["dependencies"], 0);
    let twice: Value = target
        .get("/api/v1/export/catalog.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(twice, exported);

    let orchestrations_csv = source.text("/api/v1/export/orchestrations.csv").await;
    assert!(
        orchestrations_csv
            .contains("billing,Billing,Bill customers,ada@example.com,grace@example.com,finance")
    );
    assert!(orchestrations_csv.contains("money; monthly,Wiki <https://wiki.example.com/billing>"));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_bad_catalog_document_writes_nothing(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app
        .post_json(
            "/api/v1/import/catalog",
            &json!({"format": "other", "version": 1}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("this is not a Baton catalog")
    );

    let document = json!({
        "format": "baton-catalog", "version": 1,
        "orchestrations": [{"slug": "ok", "name": "Fine", "owner": null, "backup_owner": null, "team": null}],
        "automations": [
            {"tool": "cron", "external_id": "a", "name": "Good"},
            {"tool": "bash", "external_id": "b", "name": ""}
        ]
    });
    let res = app.post_json("/api/v1/import/catalog", &document).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["automations[1].tool", "automations[1].name"]);

    // One person as both owner and backup owner (told apart by email only).
    let document = json!({
        "format": "baton-catalog", "version": 1,
        "orchestrations": [{"slug": "ok", "name": "Fine", "owner": "Admin@example.com ",
                            "backup_owner": "admin@example.com", "team": null}],
    });
    let res = app.post_json("/api/v1/import/catalog", &document).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "orchestrations[0].backup_owner");
    assert_eq!(
        body["fields"][0]["message"],
        "the backup owner must be someone other than the owner"
    );
    assert!(app.inventory().await.is_empty(), "nothing written");

    // A reference to nobody is found inside the transaction: all rolled back.
    let document = json!({
        "format": "baton-catalog", "version": 1,
        "orchestrations": [{"slug": "ok", "name": "Fine", "owner": null, "backup_owner": null, "team": null}],
        "automations": [{"tool": "cron", "external_id": "a", "name": "Good", "owner": "nobody@example.com", "team": null, "orchestration": "ok"}]
    });
    let res = app.post_json("/api/v1/import/catalog", &document).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["fields"][0]["message"],
        "the person \"nobody@example.com\" is not in the document or in this Baton"
    );
    let orchestrations: Vec<Value> = app
        .get("/api/v1/orchestrations")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        orchestrations.is_empty(),
        "the orchestration was rolled back"
    );
    assert!(app.inventory().await.is_empty());
}

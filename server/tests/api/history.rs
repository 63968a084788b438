//! An orchestration's run history (`GET /api/v1/orchestrations/{slug}/runs`
//! and the page's server function): every run of its automations and none
//! of another's, newest first, 25 a page, narrowed by automation and
//! outcome, each with its automation's name and the delivery that told of
//! it; bad filters get a 400 that says why.

use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, plain_client, spawn_app};

async fn ping(app: &TestApp, automation: &Value, suffix: &str, body: &str) {
    let key = automation["ping"]["key"].as_str().unwrap();
    let res = plain_client()
        .post(app.url(&format!("/ping/{key}{suffix}")))
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

fn ids(page: &Value) -> Vec<i64> {
    page["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run"]["id"].as_i64().unwrap())
        .collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_history_pages_and_filters_an_orchestrations_runs(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let o = app
        .add_orchestration(json!({"name": "Payroll run", "purpose": "Pay everyone"}))
        .await;
    let member = |name: &str| json!({"tool": "cron", "external_id": name, "name": name, "orchestration_id": o["id"]});
    let payslips = app.add_automation(member("Compute payslips")).await;
    let bank = app.add_automation(member("Send bank file")).await;
    let loose = app
        .add_automation(json!({"tool": "cron", "external_id": "other", "name": "Elsewhere"}))
        .await;
    for i in 0..28 {
        ping(&app, &payslips, "", &format!("batch {i}\ndone")).await;
    }
    for i in 0..3 {
        ping(&app, &bank, "/fail", &format!("SFTP refused: attempt {i}")).await;
    }
    ping(&app, &loose, "/fail", "not this orchestration's").await;
    app.settle().await;

    let runs = "/api/v1/orchestrations/payroll-run/runs";
    let first = app.get_json(runs).await;
    assert_eq!(
        (first["total"].as_u64(), first["page"].as_u64()),
        (Some(31), Some(1))
    );
    assert_eq!(first["per_page"], 25);
    let first_ids = ids(&first);
    assert_eq!(first_ids.len(), 25);
    let mut newest_first = first_ids.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(first_ids, newest_first, "newest first");
    // The newest: the bank file's last failure, its log and its delivery.
    let newest = &first["runs"][0];
    assert_eq!(newest["automation_name"], "Send bank file");
    assert_eq!(newest["run"]["status"], "failed");
    assert_eq!(newest["run"]["log"], "SFTP refused: attempt 2");
    let delivery = app
        .get_json(&format!("/api/v1/deliveries/{}", newest["delivery_id"]))
        .await;
    assert_eq!(delivery["automation_id"], bank["id"]);
    assert_eq!(delivery["body"], "SFTP refused: attempt 2");

    let second = app.get_json(&format!("{runs}?page=2")).await;
    assert_eq!(ids(&second).len(), 6);
    assert!(ids(&second).iter().all(|id| !first_ids.contains(id)));
    let past = app.get_json(&format!("{runs}?page=3")).await;
    assert_eq!((past["total"].as_u64(), ids(&past).len()), (Some(31), 0));

    let failed = app.get_json(&format!("{runs}?outcome=failed")).await;
    assert_eq!(
        failed["total"], 3,
        "the loose automation's failure is not here"
    );
    assert!(
        failed["runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["automation_name"] == "Send bank file" && r["delivery_id"].is_i64())
    );
    let one = app
        .get_json(&format!(
            "{runs}?automation_id={}&outcome=succeeded",
            payslips["id"]
        ))
        .await;
    assert_eq!(one["total"], 28);
    let none = app
        .get_json(&format!(
            "{runs}?automation_id={}&outcome=failed",
            payslips["id"]
        ))
        .await;
    assert_eq!((none["total"].as_u64(), ids(&none).len()), (Some(0), 0));

    // The page's server function answers the same.
    let rpc: Value = app
        .client
        .post(app.url("/rpc/orchestrations/runs"))
        .json(&json!({"slug": "payroll-run", "filter": {"status": "failed"}, "page": 1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rpc, failed);

    // Bad filters: 400 with the reason; an unknown orchestration: 404.
    for (query, why) in [
        ("outcome=sideways", "unknown variant `sideways`"),
        ("page=two", "page: invalid digit"),
        ("automation_id=x", "automation_id: invalid digit"),
    ] {
        let res = app.get(&format!("{runs}?{query}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{query}");
        let body: Value = res.json().await.unwrap();
        assert!(
            body["error"].as_str().unwrap().contains(why),
            "{query}: {body}"
        );
    }
    let res = app.get("/api/v1/orchestrations/no-such-thing/runs").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let rpc: Value = app
        .client
        .post(app.url("/rpc/orchestrations/runs"))
        .json(&json!({"slug": "no-such-thing", "filter": {}, "page": 1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rpc, Value::Null);
}

//! A delivery whose effect the database refuses cannot stop the others:
//! it is tried a few times, then set aside as failed to apply (shown, and
//! replayable once the cause is fixed), while every other delivery becomes
//! its run. A NUL in a ping's body, which PostgreSQL cannot keep in text,
//! becomes a run that keeps it in a form text can hold. On both backends.

use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, TestDb, plain_client, spawn_app};

/// A trigger that refuses any run with the run id `poison`, as the
/// database refuses a value it cannot keep.
async fn poison_runs(db: &TestDb, backend: Backend) {
    match backend {
        Backend::Sqlite => {
            db.exec(&[
                "CREATE TRIGGER poison BEFORE INSERT ON runs WHEN NEW.rid = 'poison' \
                       BEGIN SELECT RAISE(ABORT, 'poisoned run'); END",
            ])
            .await;
        }
        Backend::Postgres => {
            db.exec(&[
                "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN \
                 IF NEW.rid = 'poison' THEN RAISE EXCEPTION 'poisoned run' USING ERRCODE = '22023'; END IF; \
                 RETURN NEW; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER poison BEFORE INSERT ON runs FOR EACH ROW EXECUTE FUNCTION poison()",
            ])
            .await;
        }
    }
}

async fn cure(db: &TestDb, backend: Backend) {
    match backend {
        Backend::Sqlite => db.exec(&["DROP TRIGGER poison"]).await,
        Backend::Postgres => db.exec(&["DROP TRIGGER poison ON runs"]).await,
    }
}

async fn automation(app: &TestApp, name: &str) -> (i64, String) {
    let made = app
        .add_automation(json!({"tool": "cron", "external_id": name, "name": name}))
        .await;
    (
        made["id"].as_i64().unwrap(),
        made["ping"]["key"].as_str().unwrap().to_owned(),
    )
}

async fn ping(app: &TestApp, path: &str) {
    let res = plain_client().get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
}

async fn runs(app: &TestApp, id: i64) -> Vec<Value> {
    app.get_json(&format!("/api/v1/automations/{id}/runs"))
        .await
        .as_array()
        .unwrap()
        .clone()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_delivery_the_database_refuses_is_set_aside_and_the_rest_flow(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let (bad, bad_key) = automation(&app, "refused").await;
    let (good, good_key) = automation(&app, "fine").await;
    let (other, other_key) = automation(&app, "also fine").await;
    poison_runs(&app.db, backend).await;

    // One batch: a good delivery on each side of the refused one.
    ping(&app, &format!("/ping/{good_key}")).await;
    ping(&app, &format!("/ping/{bad_key}?rid=poison")).await;
    ping(&app, &format!("/ping/{other_key}/fail")).await;
    app.settle().await;

    assert_eq!(runs(&app, good).await.len(), 1, "the good ones applied");
    assert_eq!(runs(&app, other).await[0]["status"], "failed");
    assert!(runs(&app, bad).await.is_empty());
    let set_aside = app
        .get_json(&format!("/api/v1/deliveries?automation_id={bad}"))
        .await;
    let delivery = &set_aside["deliveries"][0];
    assert_eq!(delivery["outcome"], "failed", "{delivery}");
    let detail = delivery["outcome_detail"].as_str().unwrap();
    assert!(detail.starts_with("failed to apply (3 tries)"), "{detail}");
    assert!(detail.contains("poisoned run"), "{detail}");
    let failed = app.get_json("/api/v1/deliveries?outcome=failed").await;
    assert_eq!(
        failed["deliveries"].as_array().unwrap().len(),
        1,
        "{failed}"
    );
    let metrics = app.get("/metrics").await.text().await.unwrap();
    let counted: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("baton_deliveries_set_aside_total "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(counted >= 1, "{metrics}");

    // Later deliveries, the refused automation's own included, keep flowing.
    ping(&app, &format!("/ping/{bad_key}")).await;
    app.settle().await;
    assert_eq!(runs(&app, bad).await.len(), 1);

    // Once the cause is gone, an admin replays it: its run is written.
    cure(&app.db, backend).await;
    let res = app
        .post_json(
            &format!("/api/v1/deliveries/{}/replay", delivery["id"]),
            &json!({}),
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    app.settle().await;
    let replayed = app
        .get_json(&format!("/api/v1/deliveries/{}", delivery["id"]))
        .await;
    assert_eq!(replayed["outcome"], "recorded", "{replayed}");
    assert_eq!(runs(&app, bad).await.len(), 2);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_nul_in_a_ping_becomes_a_run_without_it(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, key) = automation(&app, "nul").await;
    // A run id is refused at the door; a body is kept as it came.
    let res = plain_client()
        .post(app.url(&format!("/ping/{key}/fail?rid=a%00b")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let why = res.text().await.unwrap();
    assert!(why.contains("rid"), "{why}");
    let res = plain_client()
        .post(app.url(&format!("/ping/{key}/fail")))
        .body(b"line one\0line two".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    app.settle().await;
    let kept = runs(&app, id).await;
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        kept[0]["log"], "line one\u{fffd}line two",
        "the NUL kept, marked"
    );
    assert_eq!(kept[0]["status"], "failed");
    // The next ping is a run within the usual wait.
    ping(&app, &format!("/ping/{key}")).await;
    app.settle().await;
    assert_eq!(runs(&app, id).await.len(), 2);
}

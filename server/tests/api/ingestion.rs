//! The ingestion URLs, on both backends: every row of the URL table in docs/reporting-runs.md,
//! every answer code, rid pairing, truncation, duplicates, the claim queue
//! and the delivery log. Each refused request writes no run.

use app::model::accounts::Role;
use chrono::TimeDelta;
use reqwest::{Method, StatusCode};
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, plain_client, spawn_app, spawn_app_with};

/// A tool: no cookies, no origin.
pub(crate) struct Tool {
    client: reqwest::Client,
    base: String,
}

impl Tool {
    pub(crate) fn of(app: &TestApp) -> Self {
        Self {
            client: plain_client(),
            base: app.base.clone(),
        }
    }

    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        body: &[u8],
    ) -> (StatusCode, String, Option<String>) {
        let res = self
            .client
            .request(method, format!("{}{path}", self.base))
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        let status = res.status();
        let limit = res
            .headers()
            .get("ping-body-limit")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, res.text().await.unwrap(), limit)
    }

    pub(crate) async fn get(&self, path: &str) -> (StatusCode, String) {
        let (status, text, _) = self.call(Method::GET, path, b"").await;
        (status, text)
    }
}

pub(crate) async fn automation(app: &TestApp, name: &str) -> (i64, String) {
    let created = app
        .add_automation(json!({"tool": "cron", "external_id": name, "name": name}))
        .await;
    (
        created["id"].as_i64().unwrap(),
        created["ping"]["key"].as_str().unwrap().to_owned(),
    )
}

pub(crate) async fn source(app: &TestApp, name: &str) -> (i64, String) {
    let team = app
        .post_json("/api/v1/teams", &json!({"name": format!("{name} team")}))
        .await;
    assert_eq!(team.status(), StatusCode::CREATED);
    let team: Value = team.json().await.unwrap();
    let res = app
        .post_json(
            "/api/v1/sources",
            &json!({"name": name, "team_id": team["id"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    (
        created["id"].as_i64().unwrap(),
        created["key"].as_str().unwrap().to_owned(),
    )
}

pub(crate) async fn runs(app: &TestApp, automation: i64) -> Vec<Value> {
    app.settle().await;
    let mut runs = app
        .get_json(&format!("/api/v1/automations/{automation}/runs"))
        .await
        .as_array()
        .unwrap()
        .clone();
    runs.reverse();
    runs
}

async fn outcomes(app: &TestApp, automation: i64) -> Vec<String> {
    app.settle().await;
    let page = app
        .get_json(&format!("/api/v1/deliveries?automation_id={automation}"))
        .await;
    let mut outcomes: Vec<String> = page["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["outcome"].as_str().unwrap().to_owned())
        .collect();
    outcomes.reverse();
    outcomes
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn pings_by_automation_key_answer_as_healthchecks(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let tool = Tool::of(&app);
    let (id, key) = automation(&app, "backup").await;

    let (status, text, limit) = tool.call(Method::GET, &format!("/ping/{key}"), b"").await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "OK"));
    assert_eq!(
        limit.as_deref(),
        Some("100000"),
        "Ping-Body-Limit is advertised"
    );
    let (status, _, _) = tool
        .call(Method::HEAD, &format!("/ping/{key}/start"), b"")
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = tool
        .call(Method::POST, &format!("/ping/{key}/fail"), b"disk full")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        tool.get(&format!("/ping/{key}/log")).await.0,
        StatusCode::OK
    );
    for code in ["0", "1", "255"] {
        assert_eq!(
            tool.get(&format!("/ping/{key}/{code}")).await,
            (StatusCode::OK, "OK".into())
        );
    }
    let before = runs(&app, id).await;

    // Refused: each says why, none makes a run.
    let (status, text) = tool.get(&format!("/ping/{key}/256")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("0 to 255"), "{text}");
    let (status, text) = tool.get(&format!("/ping/{key}?rid=not%20a%20rid")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("rid"), "{text}");
    for path in [
        format!("/ping/{key}/finish"),
        format!("/ping/{key}/start/now"),
        "/ping/00000000000000000000000000000000".to_owned(),
        "/ping/00000000000000000000000000000000/start".to_owned(),
        "/ping/".to_owned(),
    ] {
        assert_eq!(
            tool.get(&path).await,
            (StatusCode::NOT_FOUND, "not found".into()),
            "{path}"
        );
    }
    assert_eq!(runs(&app, id).await, before, "refused pings write no run");

    let statuses: Vec<(&str, Option<i64>)> = before
        .iter()
        .map(|r| (r["status"].as_str().unwrap(), r["exit_status"].as_i64()))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("succeeded", None),
            ("failed", None), // the start, closed by /fail
            ("succeeded", Some(0)),
            ("failed", Some(1)),
            ("failed", Some(255)),
        ]
    );
    assert_eq!(before[1]["log"], "disk full");
    assert_eq!(
        outcomes(&app, id).await,
        [
            vec!["recorded"; 7],
            vec!["rejected"; 4], // 256, bad rid, two unknown suffixes (a known key)
        ]
        .concat()
    );
    // Refusals for unknown keys are logged too, with nothing to name.
    let rejected = app.get_json("/api/v1/deliveries?outcome=rejected").await;
    assert_eq!(rejected["total"], 7, "{rejected}");
    let detail = &rejected["deliveries"][0]["outcome_detail"];
    assert_eq!(detail, "not found");

    // Counted for monitoring too, without signing in.
    app.settle().await;
    let metrics = plain_client()
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
    let metrics = metrics.text().await.unwrap();
    for line in [
        "baton_ingest_answers_total{answer=\"kept\"} 7",
        "baton_ingest_answers_total{answer=\"not_found\"} 5",
        "baton_ingest_answers_total{answer=\"bad_request\"} 2",
        "baton_deliveries_pending 0",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn rid_pairs_each_start_with_its_finish(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let tool = Tool::of(&app);
    let (id, key) = automation(&app, "report").await;
    let rid1 = "5b5f0a9e-3f1d-4a52-9c2b-0d5d3b2f7a10";
    let rid2 = "second-run";

    tool.get(&format!("/ping/{key}/start?rid={rid1}")).await;
    app.settle().await;
    app.clock.advance(TimeDelta::seconds(90));
    tool.get(&format!("/ping/{key}/start?rid={rid2}")).await;
    app.settle().await;
    app.clock.advance(TimeDelta::seconds(30));
    // Finished in the other order: each finds its own start.
    tool.get(&format!("/ping/{key}/3?rid={rid2}")).await;
    tool.get(&format!("/ping/{key}?rid={rid1}")).await;
    // A finish with no start is a run of its own, without a duration.
    tool.get(&format!("/ping/{key}?rid=lonely")).await;

    let runs = runs(&app, id).await;
    assert_eq!(runs.len(), 3, "{runs:?}");
    let by_rid = |rid: &str| runs.iter().find(|r| r["rid"] == rid).unwrap().clone();
    assert_eq!(by_rid(rid1)["status"], "succeeded");
    assert_eq!(by_rid(rid1)["duration_ms"], 120_000);
    assert_eq!(by_rid(rid2)["status"], "failed");
    assert_eq!(by_rid(rid2)["exit_status"], 3);
    assert_eq!(by_rid(rid2)["duration_ms"], 30_000);
    assert_eq!(by_rid("lonely")["duration_ms"], Value::Null);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn bodies_are_cut_for_the_run_and_for_the_delivery_and_the_ping_counts(
    #[case] backend: Backend,
) {
    let app = spawn_app_with(
        backend,
        &["--ping-body-limit", "1000", "--max-delivery", "65536"],
    )
    .await;
    let tool = Tool::of(&app);
    let (id, key) = automation(&app, "export").await;

    let body = "é".repeat(1500); // 3000 bytes
    let (status, _, limit) = tool
        .call(Method::POST, &format!("/ping/{key}"), body.as_bytes())
        .await;
    assert_eq!(status, StatusCode::OK, "truncated, not refused");
    assert_eq!(limit.as_deref(), Some("1000"));
    let runs_now = runs(&app, id).await;
    assert_eq!(runs_now[0]["log"], "é".repeat(500));
    let page = app
        .get_json(&format!("/api/v1/deliveries?automation_id={id}"))
        .await;
    let kept = app
        .get_json(&format!(
            "/api/v1/deliveries/{}",
            page["deliveries"][0]["id"]
        ))
        .await;
    assert_eq!(
        kept["body"],
        body.as_str(),
        "the delivery keeps all it was sent"
    );

    // Over the delivery cap the ping still counts: long output never
    // costs the signal. The delivery keeps the first part and the size sent.
    let huge = vec![b'x'; 65537];
    let (status, _, _) = tool
        .call(Method::POST, &format!("/ping/{key}/fail"), &huge)
        .await;
    assert_eq!(status, StatusCode::OK, "{status}");
    let after = runs(&app, id).await;
    assert_eq!(after.len(), runs_now.len() + 1, "the failure is a run");
    let failure = after.last().unwrap();
    assert_eq!(failure["status"], "failed");
    assert_eq!(failure["log"], "x".repeat(1000), "its log is cut as any");
    let kept = newest_delivery(&app, id).await;
    assert_eq!(kept["body"].as_str().unwrap().len(), 65536);
    assert_eq!(kept["body_size"], 65537, "what was sent is recorded");
    assert_eq!(
        kept["outcome_detail"],
        "its log keeps the first 1000 of the 65537 bytes sent"
    );
    assert_eq!(
        app.get_json("/api/v1/deliveries?outcome=rejected").await["total"],
        0
    );

    // Sent without a length, it is read to its end and only the cap kept.
    let status = chunked_post(&app, &format!("/ping/{key}"), 20, 4096).await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    app.settle().await;
    let last = runs(&app, id).await;
    assert_eq!(last.len(), after.len() + 1);
    assert_eq!(last.last().unwrap()["status"], "succeeded");
    let kept = newest_delivery(&app, id).await;
    assert_eq!(kept["body"].as_str().unwrap().len(), 65536);
    assert_eq!(kept["body_size"], 20 * 4096);
}

/// The newest delivery to automation `id`, with its body.
pub(crate) async fn newest_delivery(app: &TestApp, id: i64) -> serde_json::Value {
    app.settle().await;
    let page = app
        .get_json(&format!("/api/v1/deliveries?automation_id={id}"))
        .await;
    app.get_json(&format!(
        "/api/v1/deliveries/{}",
        page["deliveries"][0]["id"]
    ))
    .await
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn slugs_find_automations_and_create_them_into_the_claim_queue(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let tool = Tool::of(&app);
    let (source_id, sk) = source(&app, "Batch servers").await;

    assert_eq!(
        tool.get(&format!("/ping/{sk}/nightly")).await,
        (StatusCode::NOT_FOUND, "not found".into())
    );
    assert_eq!(
        tool.get(&format!("/ping/{sk}/Nightly")).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, text) = tool.get(&format!("/ping/{sk}/Nightly?create=1")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("a-z"), "{text}");
    assert!(
        app.get_json("/api/v1/claims")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );

    let (status, text, limit) = tool
        .call(
            Method::GET,
            &format!("/ping/{sk}/nightly/start?create=1"),
            b"",
        )
        .await;
    assert_eq!((status, text.as_str()), (StatusCode::CREATED, "Created"));
    assert_eq!(limit.as_deref(), Some("100000"));
    assert_eq!(
        tool.get(&format!("/ping/{sk}/nightly?create=1")).await,
        (StatusCode::OK, "OK".into())
    );
    assert_eq!(
        tool.get(&format!("/ping/{sk}/nightly/7")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        tool.get(&format!("/ping/{sk}/nightly/256")).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        tool.get(&format!("/ping/{sk}/nightly/7/8")).await.0,
        StatusCode::NOT_FOUND
    );

    let queue = app.get_json("/api/v1/claims").await;
    assert_eq!(queue.as_array().unwrap().len(), 1, "{queue}");
    assert_eq!(queue[0]["slug"], "nightly");
    assert_eq!(queue[0]["source_id"], source_id);
    let nightly = queue[0]["automation_id"].as_i64().unwrap();
    let shown = app
        .get_json(&format!("/api/v1/automations/{nightly}"))
        .await;
    assert_eq!(shown["name"], "nightly");
    assert_eq!(shown["owner_id"], Value::Null);
    let runs_now = runs(&app, nightly).await;
    assert_eq!(runs_now.len(), 2, "{runs_now:?}");
    assert_eq!(runs_now[0]["status"], "succeeded");
    assert_eq!(runs_now[1]["exit_status"], 7);

    // An existing automation named in the source.
    let (backup, _) = automation(&app, "backup").await;
    let res = app
        .put_json(
            &format!("/api/v1/automations/{backup}/slug"),
            &json!({"source_id": source_id, "slug": "backup"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        tool.get(&format!("/ping/{sk}/backup/fail")).await.0,
        StatusCode::OK
    );
    assert_eq!(runs(&app, backup).await[0]["status"], "failed");
    let res = app
        .put_json(
            &format!("/api/v1/automations/{backup}/slug"),
            &json!({"source_id": source_id, "slug": "nightly"}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a slug is one automation's"
    );

    // Claiming: a viewer may not; an editor becomes its owner.
    let (viewer, _) = app.as_new("viewer@example.com", Role::Viewer).await;
    let res = viewer
        .post(app.url(&format!("/api/v1/automations/{nightly}/claim")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (editor, editor_id) = app.as_new("editor@example.com", Role::Editor).await;
    let orchestration = app
        .add_orchestration(json!({"name": "Nightly batch", "owner_id": editor_id}))
        .await;
    let claim = |client: reqwest::Client| {
        let url = app.url(&format!("/api/v1/automations/{nightly}/claim"));
        let body = json!({"orchestration_id": orchestration["id"]});
        async move { client.post(url).json(&body).send().await.unwrap().status() }
    };
    assert_eq!(claim(editor.clone()).await, StatusCode::NO_CONTENT);
    assert_eq!(claim(editor).await, StatusCode::CONFLICT, "claimed once");
    let claimed = app
        .get_json(&format!("/api/v1/automations/{nightly}"))
        .await;
    assert_eq!(claimed["owner_id"], editor_id);
    assert_eq!(claimed["orchestration_id"], orchestration["id"]);
    assert!(
        app.get_json("/api/v1/claims")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn cronitor_telemetry_and_uptime_kuma_pushes_make_runs(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let tool = Tool::of(&app);
    let (_, sk) = source(&app, "Cron hosts").await;

    let (status, text) = tool
        .get(&format!("/p/{sk}/Nightly.Report?state=run&series=s1"))
        .await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::OK, "OK"),
        "a new monitor is created"
    );
    tool.get(&format!(
        "/p/{sk}/Nightly.Report?state=complete&series=s1&status_code=0&msg=42%20rows&duration=12.5"
    ))
    .await;
    // The /ping form with state= is Cronitor's too; stamp sets the time.
    tool.get(&format!(
        "/ping/{sk}/cleanup?state=fail&message=oops&stamp=1795000000"
    ))
    .await;
    assert_eq!(
        tool.get(&format!("/p/{sk}/x?state=paused")).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        tool.get(&format!("/p/{sk}/bad%20name?state=run")).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        tool.get("/p/unknown/x?state=run").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(tool.get(&format!("/p/{sk}")).await.0, StatusCode::NOT_FOUND);

    let queue = app.get_json("/api/v1/claims").await;
    let names: Vec<&str> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Nightly.Report", "cleanup"]);
    let report = runs(&app, queue[0]["automation_id"].as_i64().unwrap()).await;
    assert_eq!(
        report.len(),
        1,
        "run and complete with one series are one run"
    );
    assert_eq!(report[0]["status"], "succeeded");
    assert_eq!(report[0]["log"], "42 rows");
    assert_eq!(report[0]["exit_status"], 0);
    let cleanup = runs(&app, queue[1]["automation_id"].as_i64().unwrap()).await;
    assert_eq!(cleanup[0]["status"], "failed");
    assert_eq!(cleanup[0]["log"], "oops");
    assert_eq!(cleanup[0]["at"], "2026-11-18T11:06:40Z");

    // Uptime Kuma.
    let (id, key) = automation(&app, "website").await;
    let res = plain_client()
        .get(app.url(&format!("/api/push/{key}?status=up&msg=OK&ping=41")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"ok": true}));
    tool.get(&format!("/api/push/{key}?status=down&msg=timeout&ping="))
        .await;
    let res = plain_client()
        .get(app.url(&format!("/api/push/{key}?status=sideways")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["ok"], false);
    assert!(
        body["msg"].as_str().unwrap().contains("up or down"),
        "{body}"
    );
    let res = plain_client()
        .get(app.url("/api/push/nope?status=up"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"ok": false, "msg": "not found"})
    );
    let pushes = runs(&app, id).await;
    assert_eq!(pushes.len(), 2);
    assert_eq!(
        (
            pushes[0]["status"].as_str(),
            pushes[0]["duration_ms"].as_i64()
        ),
        (Some("succeeded"), Some(41))
    );
    assert_eq!(
        (pushes[1]["status"].as_str(), pushes[1]["log"].as_str()),
        (Some("failed"), Some("timeout"))
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_repeated_idempotency_key_is_kept_once_and_counted_once(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, key) = automation(&app, "sync").await;
    for _ in 0..3 {
        let res = plain_client()
            .post(app.url(&format!("/ping/{key}")))
            .header("idempotency-key", "job-2026-11-26")
            .body("once")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    assert_eq!(runs(&app, id).await.len(), 1);
    assert_eq!(
        outcomes(&app, id).await,
        ["recorded", "duplicate", "duplicate"]
    );
    let res = plain_client()
        .post(app.url(&format!("/ping/{key}")))
        .header("idempotency-key", "k".repeat(201))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(runs(&app, id).await.len(), 1);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn keys_rotate_with_an_overlap_for_sources_too(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let tool = Tool::of(&app);
    let (source_id, old) = source(&app, "Rotating").await;
    // Sources are admins' business.
    let (editor, _) = app.as_new("editor@example.com", Role::Editor).await;
    let res = editor.get(app.url("/api/v1/sources")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app.post_json("/api/v1/sources", &json!({"name": ""})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "slug", "team_id"], "{body}");
    assert_eq!(
        tool.get(&format!("/ping/{old}/job?create=1")).await.0,
        StatusCode::CREATED
    );
    let res = app
        .post_json(&format!("/api/v1/sources/{source_id}/key"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let new: Value = res.json().await.unwrap();
    let new = new["key"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(
        tool.get(&format!("/ping/{new}/job")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        tool.get(&format!("/ping/{old}/job")).await.0,
        StatusCode::OK,
        "in the overlap"
    );
    app.clock.advance(TimeDelta::hours(25));
    assert_eq!(
        tool.get(&format!("/ping/{old}/job")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        tool.get(&format!("/ping/{new}/job")).await.0,
        StatusCode::OK
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn deliveries_are_listed_masked_and_replayed_by_admins(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let tool = Tool::of(&app);
    let (id, key) = automation(&app, "mailer").await;
    tool.get(&format!("/ping/{key}/log")).await; // nothing open: recorded, no run
    // Credentials a tool happens to send are not kept.
    let res = plain_client()
        .get(app.url(&format!("/ping/{key}/start")))
        .header("cookie", "baton_session=stolen")
        .header("authorization", "Bearer baton_secret")
        .header("x-job", "nightly")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    app.settle().await;

    let page = app
        .get_json(&format!("/api/v1/deliveries?automation_id={id}"))
        .await;
    assert_eq!(page["total"], 2);
    assert!(
        page["deliveries"][0]["uri"]
            .as_str()
            .unwrap()
            .contains(&key),
        "admins see keys"
    );
    let (viewer, _) = app.as_new("viewer@example.com", Role::Viewer).await;
    let seen: Value = viewer
        .get(app.url(&format!("/api/v1/deliveries?automation_id={id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uri = seen["deliveries"][0]["uri"].as_str().unwrap();
    assert!(!uri.contains(&key) && uri.starts_with("/ping/"), "{uri}");
    let start = app
        .get_json(&format!(
            "/api/v1/deliveries/{}",
            page["deliveries"][0]["id"]
        ))
        .await;
    let header = |name: &str| {
        start["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0] == name)
            .map(|h| h[1].as_str().unwrap().to_owned())
    };
    assert_eq!(header("cookie").as_deref(), Some("[redacted]"));
    assert_eq!(header("authorization").as_deref(), Some("[redacted]"));
    assert_eq!(header("x-job").as_deref(), Some("nightly"));
    assert!(!start.to_string().contains("stolen") && !start.to_string().contains("baton_secret"));
    let log = &page["deliveries"][1];
    assert_eq!(log["outcome"], "recorded");
    assert_eq!(log["run_id"], Value::Null);

    // Replay: viewers may not; for an admin it runs again, making no second run.
    let start = page["deliveries"][0]["id"].as_i64().unwrap();
    let res = viewer
        .post(app.url(&format!("/api/v1/deliveries/{start}/replay")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .post_json(&format!("/api/v1/deliveries/{start}/replay"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(runs(&app, id).await.len(), 1, "replayed, not doubled");
    let replayed = app.get_json(&format!("/api/v1/deliveries/{start}")).await;
    assert_eq!(replayed["outcome"], "recorded");
    assert!(
        replayed["outcome_detail"]
            .as_str()
            .unwrap()
            .contains("already recorded"),
        "{replayed}"
    );
    let audit = app.get_json("/api/v1/audit?action=delivery.replayed").await;
    assert_eq!(audit["total"], 1);

    // A refused request has nothing to replay.
    tool.get(&format!("/ping/{key}/999")).await;
    let refused = app.get_json("/api/v1/deliveries?outcome=rejected").await;
    let refused = refused["deliveries"][0]["id"].as_i64().unwrap();
    let res = app
        .post_json(&format!("/api/v1/deliveries/{refused}/replay"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    let bad = app.get("/api/v1/deliveries?outcome=lost").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_database_that_cannot_keep_a_ping_gets_503_and_nothing_half_written(
    #[case] backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (id, key) = automation(&app, "fragile").await;
    let before = app.store.recent_deliveries(100).await.unwrap().len();
    let blocker = block_writes(&app).await;
    let res = plain_client()
        .get(app.url(&format!("/ping/{key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["retry-after"], "5");
    assert!(res.text().await.unwrap().contains("try again"));
    unblock_writes(&app, blocker).await;
    assert_eq!(
        app.store.recent_deliveries(100).await.unwrap().len(),
        before,
        "nothing kept"
    );
    assert!(runs(&app, id).await.is_empty());
    // And once it is back, pings are kept again.
    let res = plain_client()
        .get(app.url(&format!("/ping/{key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(runs(&app, id).await.len(), 1);
}

/// Makes the database refuse Baton's writes: on SQLite another connection
/// holds the write lock (Baton waits out its busy timeout); PostgreSQL
/// refuses connections.
async fn block_writes(app: &TestApp) -> Option<sqlx::SqliteConnection> {
    use sqlx::Connection as _;
    match &app.db {
        crate::helpers::TestDb::Sqlite { path, .. } => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut conn)
                .await
                .unwrap();
            Some(conn)
        }
        crate::helpers::TestDb::Postgres { .. } => {
            app.db.make_unreachable().await;
            None
        }
    }
}

async fn unblock_writes(app: &TestApp, blocker: Option<sqlx::SqliteConnection>) {
    match blocker {
        Some(mut conn) => {
            sqlx::query("ROLLBACK").execute(&mut conn).await.unwrap();
        }
        None => app.db.restore().await,
    }
}

/// POSTs `chunks` chunks of `size` bytes with no declared length; the
/// answer's status line.
pub(crate) async fn chunked_post(app: &TestApp, path: &str, chunks: usize, size: usize) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let addr = app.base.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head =
        format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\n\r\n");
    tcp.write_all(head.as_bytes()).await.unwrap();
    for _ in 0..chunks {
        let chunk = format!("{size:x}\r\n{}\r\n", "y".repeat(size));
        // Baton may answer and close before the last chunks: that is the point.
        if tcp.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = tcp.write_all(b"0\r\n\r\n").await;
    let mut answer = vec![0u8; 512];
    let n = tcp.read(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn deliveries_are_forgotten_after_the_retention_period_and_runs_stay(
    #[case] backend: Backend,
) {
    let app = spawn_app_with(backend, &["--delivery-retention-days", "30"]).await;
    let tool = Tool::of(&app);
    let (id, key) = automation(&app, "archiver").await;
    tool.get(&format!("/ping/{key}")).await;
    assert_eq!(runs(&app, id).await.len(), 1);
    app.clock.advance(TimeDelta::days(29));
    tool.get(&format!("/ping/{key}/fail")).await;
    app.settle().await;
    assert_eq!(app.store.recent_deliveries(10).await.unwrap().len(), 2);

    // A day later the first is 30 days old: the next sweep forgets it.
    app.clock
        .advance(TimeDelta::days(1) + TimeDelta::minutes(1));
    let mut left = 2;
    for _ in 0..100 {
        left = app.store.recent_deliveries(10).await.unwrap().len();
        if left == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        left, 1,
        "the delivery past retention is forgotten, the other kept"
    );
    // (The admin's session ended with the month: ask the store.)
    assert_eq!(app.store.runs(id, 10).await.unwrap().len(), 2, "runs stay");
}

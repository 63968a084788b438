//! Every value a ping or webhook turns into a stored field is checked at
//! the door, on both backends alike: identifiers that would not fit are
//! refused with 400 naming the field; names lose their control characters
//! and are cut; messages keep their NULs (marked when read); times outside 1970 to 100 years
//! ahead become the receive time, and the delivery says so; durations
//! over a year are refused. After each value a normal ping still becomes
//! a run within seconds, and no delivery ever fails to apply.

use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use baton::clock::Clock as _;

use crate::helpers::{Backend, TestApp, plain_client, spawn_app};
use crate::webhooks::{github_signature, post, source, standard_signature};

/// A Baton with an automation to ping, a canary automation, and a source
/// of each kind.
struct Door {
    app: TestApp,
    automation: i64,
    key: String,
    canary: (i64, String),
    canary_runs: usize,
    pings: (i64, String),
    github_id: i64,
    github: (String, String),
    gitlab: (String, String),
    jenkins: String,
    generic: (String, String),
}

const GITHUB_SECRET: &str = "limits-test-secret";

impl Door {
    async fn new(backend: Backend) -> Self {
        let app = spawn_app(backend).await;
        let made = app
            .add_automation(json!({"tool": "cron", "external_id": "target", "name": "target"}))
            .await;
        let canary = app
            .add_automation(json!({"tool": "cron", "external_id": "canary", "name": "canary"}))
            .await;
        let (pings_id, pings_key, _) = source(&app, "ping", None).await;
        let (github_id, github_key, github_secret) =
            source(&app, "github", Some(GITHUB_SECRET)).await;
        let (_, gitlab_key, gitlab_secret) = source(&app, "gitlab", None).await;
        let (_, jenkins_key, _) = source(&app, "jenkins", None).await;
        let (_, generic_key, generic_secret) = source(&app, "generic", None).await;
        Self {
            automation: made["id"].as_i64().unwrap(),
            key: made["ping"]["key"].as_str().unwrap().to_owned(),
            canary: (
                canary["id"].as_i64().unwrap(),
                canary["ping"]["key"].as_str().unwrap().to_owned(),
            ),
            github_id,
            canary_runs: 0,
            pings: (pings_id, pings_key),
            github: (github_key, github_secret.unwrap()),
            gitlab: (gitlab_key, gitlab_secret.unwrap()),
            jenkins: jenkins_key,
            generic: (generic_key, generic_secret.unwrap()),
            app,
        }
    }

    /// Sends a ping (POST when it has a body); its status and answer.
    async fn ping(&self, path: &str, body: Option<&[u8]>) -> (StatusCode, String) {
        let client = plain_client();
        let request = match body {
            Some(body) => client.post(self.app.url(path)).body(body.to_vec()),
            None => client.get(self.app.url(path)),
        };
        let res = request.send().await.unwrap();
        (res.status(), res.text().await.unwrap())
    }

    /// A normal ping after whatever came before still becomes a run.
    async fn still_flows(&mut self, after: &str) {
        let (status, _) = self.ping(&format!("/ping/{}", self.canary.1), None).await;
        assert_eq!(status, StatusCode::OK);
        self.app.settle().await;
        self.canary_runs += 1;
        let runs = self.runs(self.canary.0).await;
        assert_eq!(runs.len(), self.canary_runs, "after {after}");
    }

    async fn runs(&self, automation: i64) -> Vec<Value> {
        self.app
            .get_json(&format!("/api/v1/automations/{automation}/runs"))
            .await
            .as_array()
            .unwrap()
            .clone()
    }

    /// The newest delivery to an automation.
    async fn last_delivery(&self, automation: i64) -> Value {
        let page = self
            .app
            .get_json(&format!("/api/v1/deliveries?automation_id={automation}"))
            .await;
        page["deliveries"][0].clone()
    }

    /// The automation a delivery was recorded for.
    async fn automation_of(&self, delivery: &Value) -> Value {
        let path = format!("/api/v1/automations/{}", delivery["automation_id"]);
        self.app.get_json(&path).await
    }

    async fn delivery(&self, id: &Value) -> Value {
        self.app
            .get_json(&format!("/api/v1/deliveries/{}", id.as_i64().unwrap()))
            .await
    }

    async fn github(&self, event: &str, body: &Value) -> (StatusCode, Value) {
        let body = body.to_string().into_bytes();
        let headers = [
            ("X-GitHub-Event".to_owned(), event.to_owned()),
            (
                "X-Hub-Signature-256".to_owned(),
                github_signature(&self.github.1, &body),
            ),
        ];
        let path = format!("/hooks/github/{}", self.github.0);
        post(&self.app, &path, &headers, &body).await
    }

    async fn gitlab(&self, body: &Value) -> (StatusCode, Value) {
        let headers = [
            ("X-Gitlab-Event".to_owned(), "Pipeline Hook".to_owned()),
            ("X-Gitlab-Token".to_owned(), self.gitlab.1.clone()),
        ];
        let path = format!("/hooks/gitlab/{}", self.gitlab.0);
        post(&self.app, &path, &headers, body.to_string().as_bytes()).await
    }

    async fn jenkins(&self, body: &Value) -> (StatusCode, Value) {
        let path = format!("/hooks/jenkins/{}", self.jenkins);
        post(&self.app, &path, &[], body.to_string().as_bytes()).await
    }

    async fn generic(&self, body: &Value) -> (StatusCode, Value) {
        let body = body.to_string().into_bytes();
        let now = self.app.clock.now().timestamp();
        let id = format!("msg_{}", rand::random::<u32>());
        let headers = [
            ("webhook-id".to_owned(), id.clone()),
            ("webhook-timestamp".to_owned(), now.to_string()),
            (
                "webhook-signature".to_owned(),
                standard_signature(&self.generic.1, &id, now, &body),
            ),
        ];
        let path = format!("/hooks/generic/{}", self.generic.0);
        post(&self.app, &path, &headers, &body).await
    }

    /// The run a kept webhook delivery made, and the delivery.
    async fn hook_run(&self, answer: &Value) -> (Value, Value) {
        self.app.settle().await;
        let delivery = self.delivery(&answer["delivery"]).await;
        assert_eq!(delivery["outcome"], "recorded", "{delivery}");
        let automation = delivery["automation_id"].as_i64().unwrap();
        let runs = self.runs(automation).await;
        let run = runs
            .iter()
            .find(|r| r["id"] == delivery["run_id"])
            .unwrap_or_else(|| panic!("no run for {delivery}"))
            .clone();
        (run, delivery)
    }
}

/// A webhook's 400, whose error says `why`.
fn refused(status: StatusCode, answer: &Value, why: &str) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let said = answer["error"].as_str().unwrap_or_default();
    assert!(said.contains(why), "{said}");
}

fn long(n: usize) -> String {
    "x".repeat(n)
}

/// A GitHub `workflow_run` delivery with these run fields over a valid one.
fn workflow_run(changes: &Value) -> Value {
    let mut run = json!({
        "id": 30433642,
        "run_attempt": 1,
        "name": "Nightly export",
        "path": ".github/workflows/export.yml",
        "status": "completed",
        "conclusion": "success",
        "run_started_at": "2026-12-07T10:00:00Z",
        "created_at": "2026-12-07T10:00:00Z",
        "updated_at": "2026-12-07T10:05:00Z",
        "html_url": "https://github.com/acme/exports/actions/runs/30433642",
        "display_title": "Export"
    });
    for (k, v) in changes.as_object().unwrap() {
        run[k] = v.clone();
    }
    json!({
        "action": "completed",
        "workflow_run": run,
        "repository": {"full_name": "acme/exports"}
    })
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_are_refused_or_tamed_at_the_door_and_the_rest_flow(#[case] backend: Backend) {
    let mut door = Door::new(backend).await;
    let key = door.key.clone();
    let sk = door.pings.1.clone();
    let id = door.automation;

    // Refused with 400 and a reason that names the value; nothing is run.
    let bad = [
        (format!("/ping/{key}?rid={}", long(3000)), "not a run id"),
        (format!("/ping/{key}?rid=a%00b"), "not a run id"),
        (format!("/ping/{key}?rid=a%0Ab"), "not a run id"),
        (format!("/ping/{key}?rid="), "not a run id"),
        (format!("/ping/{key}/99999999999"), "out of range"),
        (format!("/ping/{key}/256"), "out of range"),
        (
            format!("/p/{sk}/job?state=run&series={}", long(3000)),
            "not a run id",
        ),
        (
            format!("/p/{sk}/job?state=complete&duration=1e12"),
            "over a year",
        ),
        (
            format!("/p/{sk}/job?state=complete&duration=-1"),
            "not a number of seconds",
        ),
        (
            format!("/p/{sk}/job?state=complete&duration=NaN"),
            "not a number of seconds",
        ),
        (
            format!("/p/{sk}/job?state=fail&status_code=99999999999"),
            "not a whole number",
        ),
        (format!("/p/{sk}/job?stamp=-5000"), "not a Unix time"),
        (format!("/p/{sk}/{}?state=run", long(3000)), "at most 100"),
        (format!("/p/{sk}/a%00b?state=run"), "may hold only"),
        (
            format!("/api/push/{key}?status=up&ping=1e15"),
            "over a year",
        ),
        (
            format!("/api/push/{key}?status=up&ping=-3"),
            "not a number of milliseconds",
        ),
        (format!("/ping/{sk}/{}?create=1", long(3000)), "at most 100"),
        (format!("/ping/{sk}/a%00b?create=1"), "may hold only"),
    ];
    for (path, why) in &bad {
        let (status, answer) = door.ping(path, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {answer}");
        assert!(answer.contains(why), "{path}: {answer}");
    }
    door.still_flows("the refused pings").await;
    assert!(
        door.runs(id).await.is_empty(),
        "a refused ping makes no run"
    );
    let loose = door.app.store.claim_queue().await.unwrap();
    assert!(loose.is_empty(), "no automation made: {loose:?}");

    // Tamed: kept (200) and run, without what cannot be stored.
    let (status, _) = door
        .ping(&format!("/ping/{key}/fail"), Some(b"a\0b\x01c \xff end"))
        .await;
    assert_eq!(status, StatusCode::OK);
    door.still_flows("a body with NUL, a control byte and invalid UTF-8")
        .await;
    let run = &door.runs(id).await[0];
    assert_eq!(run["status"], "failed");
    assert_eq!(
        run["log"], "a\u{fffd}b\u{1}c \u{fffd} end",
        "kept as sent, what is not text marked (the bytes: dropin.rs)"
    );

    let (status, _) = door
        .ping(
            &format!("/api/push/{key}?status=down&msg=time%00out&ping=41.6"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    door.still_flows("a Kuma message with a NUL").await;
    let run = &door.runs(id).await[0];
    assert_eq!(run["log"], "time\u{fffd}out", "the NUL kept, marked");
    assert_eq!(run["duration_ms"], 42);

    // Unicode, maximal lengths and an empty message go through as sent.
    let rid = "r".repeat(64);
    let (status, _) = door
        .ping(
            &format!("/ping/{key}?rid={rid}"),
            Some("Grüße, 世界 🎉".as_bytes()),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    door.still_flows("Unicode").await;
    let run = &door.runs(id).await[0];
    assert_eq!(run["log"], "Grüße, 世界 🎉");
    assert_eq!(run["rid"], rid.as_str());

    // A Cronitor stamp in year 11476 or before 1970: the receive time is
    // used and the delivery says why. A failed run then a completed one
    // at that stamp (which once broke SQLite's rollup) both count.
    let received = door.app.clock.now();
    for query in [
        "state=fail&series=far1&stamp=299000000000&msg=late",
        "state=complete&series=far2&stamp=299000000000",
        "state=complete&series=old&stamp=0.5",
        "state=complete&series=nul&msg=fi%00ne",
    ] {
        let (status, answer) = door.ping(&format!("/p/{sk}/far-stamp?{query}"), None).await;
        assert_eq!(status, StatusCode::OK, "{query}: {answer}");
        door.still_flows(query).await;
    }
    let far = door
        .app
        .store
        .automation_by_slug(door.pings.0, "far-stamp")
        .await
        .unwrap()
        .unwrap();
    let runs = door.runs(far).await;
    assert_eq!(runs.len(), 4, "{runs:?}");
    for run in &runs {
        let at: chrono::DateTime<chrono::Utc> = serde_json::from_value(run["at"].clone()).unwrap();
        if run["rid"] == "nul" {
            assert_eq!(
                run["log"], "fi\u{fffd}ne",
                "a Cronitor message keeps its NUL, marked"
            );
        }
        if run["rid"] == "old" {
            assert_eq!(
                at.timestamp_millis(),
                500,
                "1970-01-01 00:00:00.5 is in the window"
            );
        } else {
            assert!(
                (at - received).num_seconds().abs() < 60,
                "the receive time, not year 11445: {run}"
            );
        }
    }
    let delivery = door.last_delivery(far).await;
    assert_eq!(delivery["outcome"], "recorded", "{delivery}");
    let page = door
        .app
        .get_json(&format!("/api/v1/deliveries?automation_id={far}"))
        .await;
    let details: Vec<&str> = page["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["outcome_detail"].as_str())
        .collect();
    assert_eq!(
        details
            .iter()
            .filter(|d| d.contains("outside 1970 to 100 years ahead"))
            .count(),
        2,
        "{details:?}"
    );
    let health = door
        .app
        .get(&format!("/api/v1/automations/{far}/health"))
        .await;
    assert_eq!(health.status(), StatusCode::OK);

    // Nothing reached the database that it refused.
    let failed = door.app.get_json("/api/v1/deliveries?outcome=failed").await;
    assert_eq!(failed["total"], 0, "{failed}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_refused_or_tamed_at_the_door_and_the_rest_flow(#[case] backend: Backend) {
    let mut door = Door::new(backend).await;

    // Identifiers that would not fit, or are not identifiers: 400 naming
    // the field, and nothing kept but the refusal.
    let cases = [
        (
            json!({"id": long(3000)}),
            "workflow_run.id is 3000 bytes long",
        ),
        (
            json!({"id": "a\u{0}b"}),
            "workflow_run.id holds a control character",
        ),
        (json!({"id": ""}), "workflow_run.id is empty"),
        (
            json!({"id": {"nested": 1}}),
            "workflow_run.id is neither text nor a number",
        ),
        (
            json!({"path": long(3000)}),
            "workflow_run.path is 3000 bytes long",
        ),
        (
            json!({"path": ["a"]}),
            "workflow_run.path is neither text nor a number",
        ),
        (
            json!({"run_attempt": long(300)}),
            "workflow_run.run_attempt is 300 bytes long",
        ),
    ];
    for (changes, why) in &cases {
        let (status, answer) = door.github("workflow_run", &workflow_run(changes)).await;
        refused(status, &answer, why);
    }
    let mut body = workflow_run(&json!({}));
    body["repository"]["full_name"] = json!(format!("acme/{}", long(3000)));
    let (status, answer) = door.github("workflow_run", &body).await;
    refused(status, &answer, "repository.full_name is 3005 bytes");
    let job = json!({
        "action": "completed",
        "workflow_job": {"id": long(3000), "run_id": 1, "status": "completed", "conclusion": "success", "name": "build"},
        "repository": {"full_name": "acme/exports"}
    });
    let (status, answer) = door.github("workflow_job", &job).await;
    refused(status, &answer, "workflow_job.id is 3000 bytes");
    let pipeline = json!({
        "object_kind": "pipeline",
        "project": {"id": 7, "name": "exports", "path_with_namespace": long(3000)},
        "object_attributes": {"id": 99, "status": "success"}
    });
    let (status, answer) = door.gitlab(&pipeline).await;
    refused(status, &answer, "project.path_with_namespace is 3000 bytes");
    let (status, answer) = door
        .jenkins(&json!({"name": format!("a\u{0}{}", long(10)), "build": {"number": 1, "phase": "STARTED"}}))
        .await;
    refused(status, &answer, "name holds a control character");
    let (status, answer) = door
        .generic(&json!({"automation": "export", "run_id": long(201), "status": "succeeded"}))
        .await;
    refused(status, &answer, "run_id is 201 bytes long");
    door.still_flows("the refused webhooks").await;
    let loose = door.app.store.claim_queue().await.unwrap();
    assert!(loose.is_empty(), "no automation made: {loose:?}");
    let rejected = door
        .app
        .get_json("/api/v1/deliveries?outcome=rejected")
        .await;
    assert_eq!(rejected["total"], cases.len() + 5, "each refusal noted");

    // Names and messages are tamed, links that are not web addresses
    // dropped, times outside the window replaced: kept and run.
    let name = format!("Nightly\u{0} export\n{}", "ü".repeat(300));
    let changes = json!({
        "name": name,
        "display_title": "Export\u{0} done",
        "html_url": "javascript:alert(1)",
        "run_started_at": "0001-01-01T00:00:00Z",
        "created_at": "0001-01-01T00:00:00Z",
        "updated_at": "9999-12-31T23:59:59Z"
    });
    let (status, answer) = door.github("workflow_run", &workflow_run(&changes)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let received = door.app.clock.now();
    let (run, delivery) = door.hook_run(&answer).await;
    door.still_flows("a tamed GitHub run").await;
    assert_eq!(run["status"], "succeeded");
    assert_eq!(run["log"], "Export\u{fffd} done", "the NUL kept, marked");
    assert_eq!(run["url"], Value::Null, "{run}");
    let started: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(run["started_at"].clone()).unwrap();
    assert!((started - received).num_seconds().abs() < 60, "{run}");
    let detail = delivery["outcome_detail"].as_str().unwrap();
    assert!(detail.contains("the start time 0001-01-01"), "{detail}");
    assert!(detail.contains("the finish time 9999-12-31"), "{detail}");
    assert!(detail.contains("the receive time was used"), "{detail}");
    let automation = door.automation_of(&delivery).await;
    let named = automation["name"].as_str().unwrap();
    assert!(named.starts_with("Nightly export üü"), "{named}");
    assert!(named.len() <= 200, "{} bytes", named.len());
    assert!(!named.contains('\0') && !named.contains('\n'));

    // A job whose name holds a NUL, in the run above.
    let job = json!({
        "action": "completed",
        "workflow_job": {"id": 5, "run_id": 30433642, "run_attempt": 1, "status": "completed",
                         "conclusion": "failure", "name": "build\u{0}\u{7} linux",
                         "completed_at": "+50000-01-01T00:00:00Z"},
        "repository": {"full_name": "acme/exports"}
    });
    let (status, answer) = door.github("workflow_job", &job).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    door.app.settle().await;
    let kept = door.delivery(&answer["delivery"]).await;
    assert_eq!(kept["outcome"], "recorded", "{kept}");
    let jobs = door
        .app
        .store
        .jobs(door.github_id, r#"["acme/exports",30433642,1]"#)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].name, "build  linux");
    door.still_flows("a GitHub job").await;

    // GitLab's own time form, 5000 years before Christ.
    let pipeline = json!({
        "object_kind": "pipeline",
        "project": {"id": 7, "name": "exports\u{0}", "path_with_namespace": "acme/exports"},
        "object_attributes": {"id": 99, "status": "failed",
                              "created_at": "-5000-01-01 00:00:00 UTC",
                              "finished_at": "-5000-01-01 00:10:00 UTC"},
        "commit": {"message": "fix\u{0}"}
    });
    let (status, answer) = door.gitlab(&pipeline).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (run, delivery) = door.hook_run(&answer).await;
    door.still_flows("a GitLab pipeline from 5000 BC").await;
    assert_eq!(run["status"], "failed");
    assert_eq!(run["log"], "fix\u{fffd}", "the NUL kept, marked");
    assert!(
        delivery["outcome_detail"]
            .as_str()
            .unwrap()
            .contains("-5000"),
        "{delivery}"
    );

    // Baton's own body: a maximal run id, Unicode, control characters.
    let run_id = "é".repeat(100);
    let (status, answer) = door
        .generic(&json!({
            "automation": "export",
            "run_id": run_id,
            "status": "failed",
            "name": "Export\u{1b}[31m ✓",
            "message": "line one\nline two\u{0}",
            "started_at": "1969-12-31T23:59:59Z",
            "url": format!("https://ci.example/{}", long(3000))
        }))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (run, delivery) = door.hook_run(&answer).await;
    door.still_flows("a generic run").await;
    assert_eq!(
        run["log"], "line one\nline two\u{fffd}",
        "the NUL kept, marked"
    );
    assert_eq!(
        run["url"],
        Value::Null,
        "a link over 2,048 bytes is dropped"
    );
    assert!(
        delivery["outcome_detail"]
            .as_str()
            .unwrap()
            .contains("1969-12-31"),
        "{delivery}"
    );
    let automation = door.automation_of(&delivery).await;
    assert_eq!(automation["name"], "Export [31m ✓");

    let failed = door.app.get_json("/api/v1/deliveries?outcome=failed").await;
    assert_eq!(failed["total"], 0, "{failed}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn times_far_outside_the_window_are_refused_or_bounded(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let made = app
        .add_automation(json!({"tool": "cron", "external_id": "t", "name": "t"}))
        .await;
    let pauses = format!("/api/v1/automations/{}/pauses", made["id"]);

    // A pause a person asks for: 422 naming the field, nothing written.
    for (body, field) in [
        (json!({"ends_at": "+10000-01-01T00:00:00Z"}), "ends_at"),
        (json!({"starts_at": "1900-01-01T00:00:00Z"}), "starts_at"),
        (
            json!({"starts_at": "2026-12-01T00:00:00Z", "ends_at": "2200-01-01T00:00:00Z"}),
            "ends_at",
        ),
    ] {
        let res = app.post_json(&pauses, &body).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let answer: Value = res.json().await.unwrap();
        let said = answer.to_string();
        assert!(said.contains(field), "{body}: {said}");
        assert!(
            said.contains("between 1970 and 100 years from now"),
            "{said}"
        );
    }
    let health = app
        .get_json(&format!("/api/v1/automations/{}/health", made["id"]))
        .await;
    assert!(
        health["pauses"].as_array().is_none_or(Vec::is_empty),
        "{health}"
    );

    // Filters with bounds far outside select what the window holds.
    for path in [
        "/api/v1/deliveries?since=%2B10000-01-01T00:00:00Z",
        "/api/v1/deliveries?until=%2B10000-01-01T00:00:00Z",
        "/api/v1/deliveries?since=0001-01-01T00:00:00Z&until=9999-12-31T23:59:59Z",
        "/api/v1/audit?from=0001-01-01&to=%2B99999-12-31",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
    }
    let all = app.get_json("/api/v1/audit").await;
    let wide = app
        .get_json("/api/v1/audit?from=0001-01-01&to=%2B99999-12-31")
        .await;
    assert_eq!(
        wide["total"], all["total"],
        "a bound outside filters nothing out"
    );
    let none = app
        .get_json("/api/v1/deliveries?since=%2B10000-01-01T00:00:00Z")
        .await;
    assert_eq!(none["total"], 0);
}

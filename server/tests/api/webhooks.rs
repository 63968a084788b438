//! Webhooks on both backends: every real delivery of the fixture manifest
//! (`tests/fixtures/webhooks/manifest.json`), each in a fresh database,
//! gets exactly the answer, effect, status and identity it lists; each
//! group of deliveries of one run, in the manifest's order, ends as it
//! says. Signatures are checked on the raw bytes: a missing or wrong one
//! gets 401 and writes nothing but the source's rejection count.

use base64::Engine as _;
use hmac::{KeyInit as _, Mac as _};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use baton::clock::Clock as _;

use crate::helpers::{Backend, TestApp, plain_client, spawn_app};

/// The secret the captured GitHub deliveries were signed with (published
/// with them; see the fixtures' SOURCES.md).
const CAPTURED_SECRET: &str = "402786017574bd28f9d8f7a18648939751c47fe09077d56e10f0444f14fbb73b";

fn fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webhooks")
}

fn read_json(file: &str) -> Value {
    serde_json::from_slice(&std::fs::read(fixtures().join(file)).unwrap()).unwrap()
}

fn manifest() -> Value {
    read_json("manifest.json")
}

/// A source of `tool` in a new team; its id, key and secret.
pub(crate) async fn source(
    app: &TestApp,
    tool: &str,
    secret: Option<&str>,
) -> (i64, String, Option<String>) {
    let n = rand::random::<u32>();
    let team = app
        .post_json(
            "/api/v1/teams",
            &json!({"name": format!("{tool} team {n}")}),
        )
        .await;
    assert_eq!(team.status(), StatusCode::CREATED);
    let team: Value = team.json().await.unwrap();
    let mut body =
        json!({"name": format!("{tool} source {n}"), "team_id": team["id"], "tool": tool});
    if let Some(secret) = secret {
        body["secret"] = secret.into();
    }
    let res = app.post_json("/api/v1/sources", &body).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{body}");
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["tool"], tool);
    (
        created["id"].as_i64().unwrap(),
        created["key"].as_str().unwrap().to_owned(),
        created["secret"].as_str().map(str::to_owned),
    )
}

type Headers = [(String, String)];

/// The hex HMAC-SHA256 GitHub sends of `body` with `secret`.
pub(crate) fn github_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    let tag: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={tag}")
}

/// A Standard Webhooks signature of `body` with a `whsec_` secret.
pub(crate) fn standard_signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let tag = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    format!("v1,{tag}")
}

/// A manifest entry's body and headers as its tool sends them.
fn delivery(entry: &Value) -> (Vec<u8>, Vec<(String, String)>) {
    let file = entry["file"].as_str().unwrap();
    if entry["headers"]["from_file"] == Value::Bool(true) {
        let recorded = read_json(file);
        let body = base64::engine::general_purpose::STANDARD
            .decode(recorded["body_raw_base64"].as_str().unwrap())
            .unwrap();
        // What the client sets itself is not replayed.
        let hop = ["host", "content-length", "connection", "accept-encoding"];
        let headers = recorded["headers"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| !hop.contains(&k.to_ascii_lowercase().as_str()))
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        return (body, headers);
    }
    let body = std::fs::read(fixtures().join(file)).unwrap();
    let headers = entry["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    (body, headers)
}

/// POSTs to `path` with these headers; the status and the JSON answer.
pub(crate) async fn post(
    app: &TestApp,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (StatusCode, Value) {
    let mut request = plain_client()
        .post(app.url(path))
        .header("content-type", "application/json")
        .body(body.to_vec());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let res = request.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    let answer = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, answer)
}

/// One Baton and one source per kind, as a manifest entry needs.
struct Hooked {
    app: TestApp,
    source: i64,
    key: String,
    kind: String,
    secret: Option<String>,
}

impl Hooked {
    async fn new(backend: Backend, kind: &str) -> Self {
        let app = spawn_app(backend).await;
        let given = (kind == "github").then_some(CAPTURED_SECRET);
        let (source, key, secret) = source(&app, kind, given).await;
        Self {
            app,
            source,
            key,
            kind: kind.to_owned(),
            secret,
        }
    }

    /// Sends a manifest entry as its tool would, signed with the source's
    /// secret unless it carries its own signature.
    async fn send(&self, entry: &Value) -> (StatusCode, Value) {
        let (body, mut headers) = delivery(entry);
        let secret = self.secret.clone().unwrap_or_default();
        let has = |headers: &[(String, String)], name: &str| {
            headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
        };
        match self.kind.as_str() {
            "github" if !has(&headers, "x-hub-signature-256") => {
                headers.push((
                    "X-Hub-Signature-256".into(),
                    github_signature(&secret, &body),
                ));
            }
            "gitlab" => headers.push(("X-Gitlab-Token".into(), secret)),
            _ => {}
        }
        let path = format!("/hooks/{}/{}", self.kind, self.key);
        post(&self.app, &path, &headers, &body).await
    }

    async fn delivery(&self, id: &Value) -> Value {
        self.app
            .get_json(&format!("/api/v1/deliveries/{}", id.as_i64().unwrap()))
            .await
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_gets_its_answer_effect_status_and_identity(#[case] backend: Backend) {
    let manifest = manifest();
    let entries = manifest["fixtures"].as_array().unwrap();
    assert_eq!(entries.len(), 27);
    for entry in entries {
        let file = entry["file"].as_str().unwrap();
        let expect = &entry["expect"];
        let hooked = Hooked::new(backend, entry["kind"].as_str().unwrap()).await;
        let store = &hooked.app.store;
        let (status, answer) = hooked.send(entry).await;
        assert_eq!(
            i64::from(status.as_u16()),
            expect["http"].as_i64().unwrap(),
            "{file}: {answer}"
        );
        hooked.app.settle().await;
        let effect = expect["effect"].as_str().unwrap();
        let key = expect["run_key"].to_string();
        match effect {
            "run" => {
                assert_eq!(answer["mapped"], "run", "{file}");
                let run = store
                    .run_by_key(hooked.source, &key)
                    .await
                    .unwrap()
                    .unwrap_or_else(|| panic!("{file}: no run under {key}"));
                assert_eq!(run.status.as_str(), expect["status"], "{file}");
                let automation = store.automation(run.automation_id).await.unwrap();
                if let Some(parts) = expect["automation"].as_array() {
                    let identity: Vec<String> = parts
                        .iter()
                        .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                        .collect();
                    assert_eq!(automation.fields.external_id, identity.join("/"), "{file}");
                }
                assert_eq!(
                    store.runs(run.automation_id, 10).await.unwrap().len(),
                    1,
                    "{file}: one delivery, one run"
                );
                let claims = store.claim_queue().await.unwrap();
                assert_eq!(
                    claims.len(),
                    1,
                    "{file}: a new automation waits to be claimed"
                );
                assert_eq!(claims[0].automation_id, run.automation_id);
                let kept = hooked.delivery(&answer["delivery"]).await;
                assert_eq!(kept["outcome"], "recorded", "{file}");
                assert_eq!(kept["run_id"], run.id, "{file}");
                assert_eq!(kept["automation_id"], run.automation_id, "{file}");
            }
            "job" => {
                assert_eq!(answer["mapped"], "job", "{file}");
                let jobs = store.jobs(hooked.source, &key).await.unwrap();
                assert_eq!(jobs.len(), 1, "{file}: {jobs:?}");
                assert_eq!(jobs[0].status.as_str(), expect["status"], "{file}");
                assert!(
                    store
                        .run_by_key(hooked.source, &key)
                        .await
                        .unwrap()
                        .is_none(),
                    "{file}: a job makes no run"
                );
                assert!(store.claim_queue().await.unwrap().is_empty(), "{file}");
                let kept = hooked.delivery(&answer["delivery"]).await;
                assert_eq!(kept["outcome"], "recorded", "{file}");
            }
            "ignored" => {
                assert_eq!(answer["mapped"], "ignored", "{file}");
                assert!(answer["reason"].is_string(), "{file}: {answer}");
                let kept = hooked.delivery(&answer["delivery"]).await;
                assert_eq!(kept["outcome"], "ignored", "{file}");
                assert!(store.claim_queue().await.unwrap().is_empty(), "{file}");
            }
            other => panic!("{file}: effect {other} is not in the manifest's rules"),
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_group_in_the_manifest_order_ends_as_the_manifest_says(#[case] backend: Backend) {
    let manifest = manifest();
    let by_file = |file: &str| {
        manifest["fixtures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["file"] == file)
            .cloned()
            .unwrap()
    };
    let groups = manifest["groups"].as_object().unwrap();
    assert_eq!(groups.len(), 5);
    for (name, group) in groups {
        let order = group["order_if_together"].as_array().unwrap();
        let first = by_file(order[0].as_str().unwrap());
        let hooked = Hooked::new(backend, first["kind"].as_str().unwrap()).await;
        for file in order {
            let (status, answer) = hooked.send(&by_file(file.as_str().unwrap())).await;
            assert_eq!(status, StatusCode::OK, "{name}: {file}: {answer}");
            hooked.app.settle().await;
        }
        let key = group["run_key"].to_string();
        let finals = &group["final_if_together"];
        let run = hooked
            .app
            .store
            .run_by_key(hooked.source, &key)
            .await
            .unwrap();
        match finals["run_status"].as_str() {
            Some(status) => {
                let run = run.unwrap_or_else(|| panic!("{name}: no run"));
                assert_eq!(run.status.as_str(), status, "{name}");
                // The automation is asserted where the manifest does not
                // leave it to the service.
                if let Some(parts) = finals["automation"].as_array()
                    && finals["caveat"].is_null()
                {
                    let automation = hooked
                        .app
                        .store
                        .automation(run.automation_id)
                        .await
                        .unwrap();
                    let identity: Vec<&str> = parts.iter().map(|p| p.as_str().unwrap()).collect();
                    assert_eq!(automation.fields.external_id, identity.join("/"), "{name}");
                }
                assert_eq!(
                    hooked
                        .app
                        .store
                        .runs(run.automation_id, 10)
                        .await
                        .unwrap()
                        .len(),
                    1,
                    "{name}: one execution, one run"
                );
            }
            None => assert!(run.is_none(), "{name}: jobs make no run"),
        }
        if let Some(status) = finals["job_status"].as_str() {
            let jobs = hooked.app.store.jobs(hooked.source, &key).await.unwrap();
            assert_eq!(jobs.len(), 1, "{name}: {jobs:?}");
            assert_eq!(jobs[0].status.as_str(), status, "{name}");
        }
    }
}

/// The rows a refused webhook could have written.
async fn written(app: &TestApp) -> (u64, usize) {
    let page = app.get_json("/api/v1/deliveries").await;
    (
        page["total"].as_u64().unwrap(),
        app.store.claim_queue().await.unwrap().len(),
    )
}

async fn rejected_count(app: &TestApp, source: i64) -> i64 {
    let sources = app.get_json("/api/v1/sources").await;
    sources
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == source)
        .unwrap()["rejected_count"]
        .as_i64()
        .unwrap()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_wrong_signature_gets_401_and_writes_only_the_count(#[case] backend: Backend) {
    let github = Hooked::new(backend, "github").await;
    let app = &github.app;
    let manifest = manifest();
    let entry = &manifest["fixtures"][2];
    assert_eq!(
        entry["file"],
        "github-captured/workflow_run.in_progress.signed-delivery.json"
    );
    let (body, headers) = delivery(entry);
    let path = format!("/hooks/github/{}", github.key);
    let without: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| !k.to_ascii_lowercase().starts_with("x-hub-signature"))
        .cloned()
        .collect();
    let mut changed = body.clone();
    changed[10] ^= 1;
    let mut wrong = without.clone();
    wrong.push((
        "X-Hub-Signature-256".into(),
        github_signature("another secret", &body),
    ));
    let mut malformed = without.clone();
    malformed.push(("X-Hub-Signature-256".into(), "sha1=abc".into()));
    let cases: [(&str, &Headers, &[u8], &str); 4] = [
        (
            "missing",
            &without,
            &body,
            "X-Hub-Signature-256 header is missing",
        ),
        ("another secret", &wrong, &body, "does not match"),
        ("a changed byte", &headers, &changed, "does not match"),
        ("not sha256", &malformed, &body, "not sha256="),
    ];
    for (n, (case, headers, body, why)) in cases.into_iter().enumerate() {
        let (status, answer) = post(app, &path, headers, body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}: {answer}");
        let error = answer["error"].as_str().unwrap();
        assert!(error.contains(why), "{case}: {error}");
        app.settle().await;
        assert_eq!(written(app).await, (0, 0), "{case}: nothing written");
        assert_eq!(
            rejected_count(app, github.source).await,
            n as i64 + 1,
            "{case}"
        );
    }
    // The same bytes, rightly signed, are taken.
    let (status, answer) = post(app, &path, &headers, &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");

    // GitLab: the token, compared whole.
    let gitlab = Hooked::new(backend, "gitlab").await;
    let entry = &manifest["fixtures"][23];
    assert_eq!(entry["file"], "gitlab/go-gitlab.job_hook.created.json");
    let (body, headers) = delivery(entry);
    let path = format!("/hooks/gitlab/{}", gitlab.key);
    let secret = gitlab.secret.clone().unwrap();
    for token in [
        None,
        Some(format!("{secret}x")),
        Some(secret[..secret.len() - 1].to_owned()),
    ] {
        let mut sent = headers.clone();
        if let Some(token) = &token {
            sent.push(("X-Gitlab-Token".into(), token.clone()));
        }
        let (status, answer) = post(&gitlab.app, &path, &sent, &body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}: {answer}");
        assert_eq!(written(&gitlab.app).await, (0, 0));
    }
    assert_eq!(rejected_count(&gitlab.app, gitlab.source).await, 3);
    let (status, answer) = gitlab.send(entry).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    // The token is the secret itself: the delivery log keeps it redacted.
    let kept = gitlab.delivery(&answer["delivery"]).await;
    let token = kept["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "x-gitlab-token")
        .unwrap()[1]
        .clone();
    assert_eq!(token, "[redacted]");
    assert!(
        !kept.to_string().contains(&secret),
        "the secret is nowhere in the log"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standard_webhooks_vectors_pass_and_fail_at_their_timestamps(#[case] backend: Backend) {
    let vectors = read_json("standard-webhooks/signature-vectors.json");
    let app = spawn_app(backend).await;
    let invalid: Vec<String> = vectors["invalid_signature_values_from_official_tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap().to_owned())
        .collect();
    let mut refused = 0;
    for v in vectors["vectors"].as_array().unwrap() {
        let secret = v["secret"].as_str().unwrap();
        let (source, key, _) = source(&app, "generic", Some(secret)).await;
        let timestamp: i64 = v["webhook-timestamp"].as_str().unwrap().parse().unwrap();
        let at = chrono::DateTime::from_timestamp(timestamp, 0).unwrap();
        let path = format!("/hooks/generic/{key}");
        let body = v["body"].as_str().unwrap().as_bytes();
        let headers = |signature: &str| {
            vec![
                (
                    "webhook-id".to_owned(),
                    v["webhook-id"].as_str().unwrap().to_owned(),
                ),
                ("webhook-timestamp".to_owned(), timestamp.to_string()),
                ("webhook-signature".to_owned(), signature.to_owned()),
            ]
        };
        let good = v["expected_signature"].as_str().unwrap();
        // Within five minutes either way of the clock, the vector verifies;
        // its body is not Baton's generic body, so it is then refused as
        // such (400), never as unsigned.
        for offset in [-300, 0, 300] {
            app.clock.set(at + chrono::TimeDelta::seconds(offset));
            let (status, answer) = post(&app, &path, &headers(good), body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{offset}: {answer}");
            assert!(
                !answer["error"].as_str().unwrap().contains("signature"),
                "{answer}"
            );
        }
        for offset in [-301, 301] {
            app.clock.set(at + chrono::TimeDelta::seconds(offset));
            let (status, answer) = post(&app, &path, &headers(good), body).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{offset}: {answer}");
            refused += 1;
        }
        app.clock.set(at);
        for bad in &invalid {
            let (status, answer) = post(&app, &path, &headers(bad), body).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad}: {answer}");
            refused += 1;
        }
        assert_eq!(
            rejected_count(&app, source).await,
            2 + invalid.len() as i64,
            "every refusal is counted on its source"
        );
    }
    assert!(refused > 0);

    // Baton's own body, signed as Standard Webhooks, makes a run under the
    // automation named by its slug in the source.
    let (source, key, secret) = source(&app, "generic", None).await;
    let secret = secret.unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let now = app.clock.now();
    let body = json!({
        "automation": "nightly-export", "run_id": "2026-11-26", "status": "failed",
        "started_at": "2026-11-26T02:00:00Z", "finished_at": "2026-11-26T02:03:10Z",
        "message": "disk full", "url": "https://ci.example.com/runs/7", "metrics": {"rows": 10}
    })
    .to_string();
    let signed = |id: &str| {
        vec![
            ("webhook-id".to_owned(), id.to_owned()),
            ("webhook-timestamp".to_owned(), now.timestamp().to_string()),
            (
                "webhook-signature".to_owned(),
                standard_signature(&secret, id, now.timestamp(), body.as_bytes()),
            ),
        ]
    };
    let path = format!("/hooks/generic/{key}");
    let (status, first) = post(&app, &path, &signed("msg_1"), body.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    // A repeated delivery (same webhook-id) counts once.
    let (status, again) = post(&app, &path, &signed("msg_1"), body.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["duplicate_of"], first["delivery"]);
    app.settle().await;
    let run = app
        .store
        .run_by_key(source, r#"["nightly-export","2026-11-26"]"#)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.status.as_str(), "failed");
    assert_eq!(run.duration_ms, Some(190_000));
    assert_eq!(run.log, "disk full");
    assert_eq!(run.url.as_deref(), Some("https://ci.example.com/runs/7"));
    assert_eq!(
        app.store.runs(run.automation_id, 10).await.unwrap().len(),
        1
    );
    assert_eq!(
        app.store
            .automation_by_slug(source, "nightly-export")
            .await
            .unwrap(),
        Some(run.automation_id),
        "generic JSON names its automation by slug"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_errors_and_write_no_run(#[case] backend: Backend) {
    let generic = Hooked::new(backend, "generic").await;
    let app = &generic.app;
    let secret = generic.secret.clone().unwrap();
    let now = app.clock.now().timestamp();
    let send = |body: String, id: &'static str| {
        let headers = vec![
            ("webhook-id".to_owned(), id.to_owned()),
            ("webhook-timestamp".to_owned(), now.to_string()),
            (
                "webhook-signature".to_owned(),
                standard_signature(&secret, id, now, body.as_bytes()),
            ),
        ];
        let path = format!("/hooks/generic/{}", generic.key);
        async move { post(app, &path, &headers, body.as_bytes()).await }
    };
    let cases = [
        ("not json", "the body is not JSON"),
        (
            r#"{"automation":"a","status":"succeeded"}"#,
            "run_id is missing",
        ),
        (
            r#"{"automation":"a","run_id":"1","status":"done"}"#,
            "status \"done\" is not one of",
        ),
        (
            r#"{"automation":"Nightly Export","run_id":"1","status":"failed"}"#,
            "slug",
        ),
        (
            r#"{"automation":"a","run_id":"1","status":"failed","started_at":"yesterday"}"#,
            "started_at is not an RFC 3339 time",
        ),
    ];
    for (body, why) in cases {
        let (status, answer) = send(body.to_owned(), "msg_bad").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert!(
            answer["error"].as_str().unwrap().contains(why),
            "{body}: {answer}"
        );
    }
    app.settle().await;
    assert!(
        app.store.claim_queue().await.unwrap().is_empty(),
        "no automation made"
    );
    let page = app.get_json("/api/v1/deliveries?outcome=rejected").await;
    assert_eq!(page["total"], cases.len(), "each refusal is noted, capped");

    // Wrong tool in the URL, unknown key, unknown tool: 404.
    for path in [
        format!("/hooks/github/{}", generic.key),
        "/hooks/generic/nope".to_owned(),
        format!("/hooks/bitbucket/{}", generic.key),
        "/hooks/generic".to_owned(),
    ] {
        let (status, answer) = post(app, &path, &[], b"{}").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {answer}");
        assert_eq!(answer["error"], "not found");
    }
    // Webhooks come by POST.
    let res = plain_client()
        .get(app.url(&format!("/hooks/generic/{}", generic.key)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers()["allow"], "POST");

    // A secret given at creation must be one the tool can use.
    let team = app
        .post_json("/api/v1/teams", &json!({"name": "More"}))
        .await
        .json::<Value>()
        .await
        .unwrap();
    for (tool, secret, why) in [
        ("generic", "not-a-standard-secret", "whsec_"),
        ("github", "short", "16 to 200"),
        ("jenkins", "0123456789abcdef0123", "not signed"),
    ] {
        let res = app
            .post_json(
                "/api/v1/sources",
                &json!({"name": format!("{tool} 2"), "team_id": team["id"], "tool": tool, "secret": secret}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{tool}");
        let body: Value = res.json().await.unwrap();
        assert!(body.to_string().contains(why), "{tool}: {body}");
    }
    assert_eq!(
        app.get_json("/api/v1/sources")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_secret_is_accepted_until_its_overlap_ends(#[case] backend: Backend) {
    let github = Hooked::new(backend, "github").await;
    let app = &github.app;
    let res = app
        .post_json(
            &format!("/api/v1/sources/{}/secret", github.source),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let rotated: Value = res.json().await.unwrap();
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, CAPTURED_SECRET);
    let path = format!("/hooks/github/{}", github.key);
    let body = br#"{"zen":"Keep it logically awesome."}"#;
    let with = |secret: &str, id: &str| {
        vec![
            ("X-GitHub-Event".to_owned(), "ping".to_owned()),
            ("X-GitHub-Delivery".to_owned(), id.to_owned()),
            (
                "X-Hub-Signature-256".to_owned(),
                github_signature(secret, body),
            ),
        ]
    };
    // The key cache trusts a lookup for 5 s: past it, the new secret is known.
    app.clock.advance(chrono::TimeDelta::seconds(6));
    for (secret, id) in [(CAPTURED_SECRET, "d-1"), (new.as_str(), "d-2")] {
        let (status, answer) = post(app, &path, &with(secret, id), body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["mapped"], "ignored", "a ping maps to nothing");
    }
    app.clock.advance(chrono::TimeDelta::hours(25));
    let (status, _) = post(app, &path, &with(CAPTURED_SECRET, "d-3"), body).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old secret has expired"
    );
    let (status, _) = post(app, &path, &with(&new, "d-4"), body).await;
    assert_eq!(status, StatusCode::OK);
}

//! Live updates: `GET /api/v1/events` tells a signed-in screen that runs or
//! incidents changed, gathering bursts, and ends when Baton stops. (Two
//! instances on one PostgreSQL: the browser test `live.spec.ts`.)

use std::time::Duration;

use baton::clock::Clock as _;
use baton::incidents::{Sender, Settings};
use chrono::TimeDelta;
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, plain_client, spawn_app_with};

/// Reads server-sent events off a response, skipping keep-alive comments.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    async fn open(app: &TestApp) -> Self {
        let response = app.get("/api/v1/events").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "an event stream"
        );
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next event's name and data; `None` when the stream ended.
    async fn next(&mut self) -> Option<(String, Value)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event: ") {
                        name = value.to_owned();
                    } else if let Some(value) = line.strip_prefix("data: ") {
                        data.push_str(value);
                    }
                }
                if name.is_empty() {
                    continue; // a keep-alive comment
                }
                return Some((name, serde_json::from_str(&data).unwrap()));
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("no event within 10 s")
                .unwrap()?;
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// Reads `change` events until `runs` have been counted; the events.
    async fn runs(&mut self, runs: u64) -> Vec<Value> {
        let mut seen = Vec::new();
        let mut counted = 0;
        while counted < runs {
            let (name, data) = self.next().await.expect("the stream ended");
            assert_eq!(name, "change", "{data}");
            counted += data["runs"].as_u64().unwrap();
            seen.push(data);
        }
        assert_eq!(counted, runs, "{seen:?}");
        seen
    }
}

async fn ping(app: &TestApp, key: &str, suffix: &str) {
    let res = plain_client()
        .get(app.url(&format!("/ping/{key}{suffix}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screen_hears_of_runs_and_incidents_until_baton_stops(#[case] backend: Backend) {
    // The incidents job looks once at start; the test runs the next round.
    let app = spawn_app_with(backend, &["--incident-look-seconds", "3600"]).await;

    // Not signed in: refused, as the API is.
    let res = plain_client()
        .get(app.url("/api/v1/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let why: Value = res.json().await.unwrap();
    assert!(why["error"].as_str().unwrap().contains("sign in"), "{why}");

    let mut events = Events::open(&app).await;
    let (name, ready) = events.next().await.unwrap();
    assert_eq!(name, "ready");
    assert_eq!(
        ready["quiet_ms"],
        Value::Null,
        "no news since Baton started: a screen need not reload"
    );

    // Adding an automation is no news to the figures; its runs are.
    let automation = app
        .add_automation(json!({"tool": "cron", "external_id": "sync.sh", "name": "Sync"}))
        .await;
    let key = automation["ping"]["key"].as_str().unwrap().to_owned();
    for _ in 0..5 {
        ping(&app, &key, "").await;
    }
    let seen = events.runs(5).await;
    // Gathered: at most one event a second, so a burst takes few.
    assert!(seen.len() <= 3, "{seen:?}");
    // A screen whose stream opens now hears how long ago the last news
    // came, so one rendered before those runs reloads once.
    let (name, late) = Events::open(&app).await.next().await.unwrap();
    assert_eq!(name, "ready");
    let quiet = late["quiet_ms"].as_u64().expect("a number of milliseconds");
    assert!(quiet < 10_000, "{late}");
    assert!(
        seen.iter()
            .all(|e| e["incidents"] == false && e["lagged"] == false)
    );

    // A failure is a run; the incident it opens (a round) and its
    // acknowledgement are news too.
    ping(&app, &key, "/fail").await;
    events.runs(1).await;
    app.settle().await;
    let settings = Settings {
        escalate_after: TimeDelta::minutes(30),
        public_url: "https://baton.example.com".to_owned(),
        cooldown: TimeDelta::zero(),
        send_budget: Duration::from_secs(10),
        fiscal_calendar: Default::default(),
        allow_private_targets: true,
    };
    let round =
        baton::incidents::round(&*app.store, &Sender::new(true), &settings, app.clock.now())
            .await
            .unwrap();
    assert_eq!(round.opened, 1);
    let open = app.get_json("/api/v1/incidents?state=open").await;
    let ack = format!(
        "/api/v1/incidents/{}/acknowledge",
        open["incidents"][0]["id"]
    );
    let res = app.client.post(app.url(&ack)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (name, data) = events.next().await.unwrap();
    assert_eq!(name, "change");
    assert_eq!(data["incidents"], true, "{data}");
    assert_eq!(data["runs"], 0, "{data}");

    // A pause changes what health reads, and so does its end: news too.
    crate::incidents::pause(&app, &automation).await;
    let (name, data) = events.next().await.unwrap();
    assert_eq!(name, "change");
    assert_eq!(data["pauses"], true, "{data}");
    crate::incidents::resume(&app, &automation).await;
    let (_, data) = events.next().await.unwrap();
    assert_eq!(data["pauses"], true, "{data}");

    // Stopping ends the stream at once, rather than after the grace period.
    let stopped = std::time::Instant::now();
    drop(app);
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if events.next().await.is_none() {
                return;
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the stream outlived the server");
    assert!(stopped.elapsed() < Duration::from_secs(5));
}

/// The count of `state` in one of the dashboard's `…_by_state` lists.
fn count(dashboard: &Value, list: &str, state: &str) -> u64 {
    dashboard[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|pair| pair[0] == state)
        .and_then(|pair| pair[1].as_u64())
        .unwrap()
}

pub(crate) async fn dashboard(app: &TestApp) -> Value {
    let res = app
        .client
        .post(app.url("/rpc/dashboard"))
        .json(&json!({"filter": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// The dashboard keeps what no filter changes between requests, and sees
/// every change at once: a catalog change (audited), a new run, a run that
/// finishes (announced by the store), and time passing.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_is_kept_until_something_changes(#[case] backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let o = app
        .add_orchestration(json!({"name": "Nightly close", "owner_id": app.admin_id}))
        .await;
    let automation = app
        .add_automation(
            json!({"tool": "cron", "external_id": "close.sh", "name": "Close",
                               "orchestration_id": o["id"], "owner_id": app.admin_id}),
        )
        .await;
    let key = automation["ping"]["key"].as_str().unwrap().to_owned();
    let first = dashboard(&app).await;
    assert_eq!(count(&first, "automations_by_state", "unknown"), 1);
    assert_eq!(
        dashboard(&app).await,
        first,
        "nothing changed: the same figures"
    );

    // A catalog change shows at once: it is audited.
    app.add_orchestration(json!({"name": "Nobody's flow"}))
        .await;
    let second = dashboard(&app).await;
    let unowned = second["unowned_orchestrations"].as_array().unwrap();
    assert_eq!(unowned.len(), 1, "{second}");
    assert_eq!(unowned[0][1], "Nobody's flow");

    // A run starts (a new run), then finishes (the same run, changed): the
    // store announces it once the delivery is processed.
    ping(&app, &key, "/start").await;
    app.settle().await;
    ping(&app, &key, "").await;
    app.settle().await;
    let mut healthy = 0;
    for _ in 0..100 {
        healthy = count(&dashboard(&app).await, "automations_by_state", "healthy");
        if healthy == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(healthy, 1, "the finished run was not seen");

    // Half a minute later the figures are read again, as of then.
    let before = dashboard(&app).await;
    app.clock.advance(TimeDelta::seconds(31));
    let after = dashboard(&app).await;
    assert_ne!(after["as_of"], before["as_of"]);
}

/// Reads the stream until it ends; `false` if it was still open after 10 s.
async fn ends_within_ten_seconds(response: &mut reqwest::Response) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Err(_) => return false,
            Ok(Ok(None) | Err(_)) => return true,
            Ok(Ok(Some(_))) => {}
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_stream_closes_when_its_sign_in_ends(#[case] backend: Backend) {
    let app = spawn_app_with(backend, &["--incident-look-seconds", "3600"]).await;

    // Signed out: the open stream ends with the session.
    let (ada, _) = app
        .as_new("ada@example.com", app::model::accounts::Role::Viewer)
        .await;
    let mut stream = ada.get(app.url("/api/v1/events")).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(stream.chunk().await.unwrap().is_some(), "ready");
    let res = ada
        .post(app.url("/sign-out"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(ends_within_ten_seconds(&mut stream).await, "still open");

    // A revoked token: its stream ends too.
    let made: Value = app
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "wallboard", "scope": "read"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let mut stream = plain_client()
        .get(app.url("/api/v1/events"))
        .bearer_auth(made["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(stream.chunk().await.unwrap().is_some(), "ready");
    let res = app.delete(&format!("/api/v1/tokens/{}", made["id"])).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(ends_within_ten_seconds(&mut stream).await, "still open");

    // A stream whose sign-in holds stays open (keep-alives only).
    let mut stream = app.get("/api/v1/events").await;
    assert!(stream.chunk().await.unwrap().is_some(), "ready");
    assert!(
        !ends_within_ten_seconds(&mut stream).await,
        "a stream ended while its session held"
    );
}

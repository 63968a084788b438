//! Incidents and alerts, on both backends, with the controllable clock and
//! a real HTTP receiver on a local port: an incident opens once and runs
//! join it; nobody acknowledging sends it on to the backup owner, then the
//! team; a success closes it with a recovery notice; acknowledging stops
//! the escalation; an incident downstream of an open one is held, then
//! released or withheld; failed sends are retried with backoff, with the
//! same idempotency key, and given up visibly; channels refuse bad input.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use app::model::accounts::Role;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use baton::clock::Clock as _;
use baton::incidents::{Round, Sender, Settings};
use chrono::TimeDelta;
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, plain_client, spawn_app_with};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).unwrap().to_str().unwrap()
    }
}

#[derive(Clone, Default)]
struct Inbox {
    got: Arc<Mutex<Vec<Received>>>,
    /// Answer 500 to this many requests first.
    fail_next: Arc<AtomicU32>,
}

/// A local HTTP server that keeps what it is sent.
pub struct Receiver {
    base: String,
    inbox: Inbox,
}

impl Receiver {
    pub async fn start() -> Self {
        async fn take(
            State(inbox): State<Inbox>,
            uri: axum::http::Uri,
            headers: HeaderMap,
            body: Bytes,
        ) -> AxumStatus {
            inbox.got.lock().unwrap().push(Received {
                path: uri.path().to_owned(),
                headers,
                body: body.to_vec(),
            });
            let failing = inbox
                .fail_next
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if failing {
                AxumStatus::INTERNAL_SERVER_ERROR
            } else {
                AxumStatus::NO_CONTENT
            }
        }
        let inbox = Inbox::default();
        let router = axum::Router::new()
            .route("/{*path}", axum::routing::post(take))
            .with_state(inbox.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self {
            base: format!("http://{addr}"),
            inbox,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn got(&self, path: &str) -> Vec<Received> {
        self.inbox
            .got
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    pub fn count(&self) -> usize {
        self.inbox.got.lock().unwrap().len()
    }
}

const PUBLIC: &str = "https://baton.example.com";

/// A Baton whose own incidents job waits an hour between rounds: the
/// tests run rounds themselves, at the clock's time.
async fn spawn(backend: Backend) -> TestApp {
    spawn_app_with(
        backend,
        &["--incident-look-seconds", "3600", "--public-url", PUBLIC],
    )
    .await
}

fn settings() -> Settings {
    Settings {
        escalate_after: TimeDelta::minutes(30),
        public_url: PUBLIC.to_owned(),
        // Recovery notices at once, except in the cooldown's own test.
        cooldown: TimeDelta::zero(),
        send_budget: std::time::Duration::from_secs(600),
        fiscal_calendar: Default::default(),
        allow_private_targets: true,
    }
}

pub(crate) async fn round(app: &TestApp) -> Round {
    round_with(app, &settings()).await
}

async fn round_with(app: &TestApp, settings: &Settings) -> Round {
    baton::incidents::round(&*app.store, &Sender::new(true), settings, app.clock.now())
        .await
        .unwrap()
}

pub(crate) async fn ping(app: &TestApp, automation: &Value, suffix: &str) {
    let key = automation["ping"]["key"].as_str().unwrap();
    let res = plain_client()
        .get(app.url(&format!("/ping/{key}{suffix}")))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    app.settle().await;
}

/// An address on a port nothing listens on.
fn dead_url() -> String {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}/hook", closed.local_addr().unwrap())
}

/// Pauses `automation` until resumed; it must be accepted.
pub(crate) async fn pause(app: &TestApp, automation: &Value) {
    let res = app
        .post_json(
            &format!("/api/v1/automations/{}/pauses", automation["id"]),
            &json!({"reason": "migration"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

/// Ends `automation`'s pause; it must be accepted.
pub(crate) async fn resume(app: &TestApp, automation: &Value) {
    let pause = app
        .get_json(&format!("/api/v1/automations/{}/health", automation["id"]))
        .await["pauses"][0]["id"]
        .clone();
    let res = app
        .post_json(&format!("/api/v1/pauses/{pause}/end"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

/// Adds a channel through the admin API; it must be accepted.
async fn channel(app: &TestApp, body: Value) -> Value {
    let res = app.post_json("/api/v1/channels", &body).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{body}");
    res.json().await.unwrap()
}

/// A webhook channel of `person`'s whose address nobody answers.
async fn dead_channel(app: &TestApp, person: i64) -> Value {
    channel(
        app,
        json!({"name": "Dead", "kind": "webhook", "url": dead_url(), "user_id": person}),
    )
    .await
}

/// A cron automation owned by `owner`.
async fn owned_automation(app: &TestApp, owner: i64, external_id: &str, name: &str) -> Value {
    app.add_automation(
        json!({"tool": "cron", "external_id": external_id, "name": name,
                              "owner_id": owner}),
    )
    .await
}

/// An orchestration with an owner, a backup owner and a team, each with a
/// channel at `receiver`, and one automation in it.
struct Setup {
    automation: Value,
    owner: (reqwest::Client, i64),
    other: reqwest::Client,
    secret: String,
}

async fn setup(app: &TestApp, receiver: &Receiver) -> Setup {
    let owner = app.as_new("owner@example.com", Role::Editor).await;
    let (_, backup) = app.as_new("backup@example.com", Role::Editor).await;
    let (other, _) = app.as_new("other@example.com", Role::Editor).await;
    let res = app
        .post_json("/api/v1/teams", &json!({"name": "Finance ops"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let team: Value = res.json().await.unwrap();
    let o = app
        .add_orchestration(json!({
            "name": "Month-end close", "owner_id": owner.1, "backup_owner_id": backup,
            "team_id": team["id"], "failure_mode": "Books stay open; reports are late",
            "fallback": "Close by hand from the runbook",
        }))
        .await;
    let automation = app
        .add_automation(
            json!({"tool": "cron", "external_id": "close.sh", "name": "Ledger close",
                               "orchestration_id": o["id"]}),
        )
        .await;
    let hook = channel(
        app,
        json!({"name": "Owner's hook", "kind": "webhook", "url": receiver.url("/owner"),
               "user_id": owner.1}),
    )
    .await;
    channel(
        app,
        json!({"name": "Backup's Slack", "kind": "slack", "url": receiver.url("/backup"),
               "user_id": backup}),
    )
    .await;
    channel(
        app,
        json!({"name": "Team room", "kind": "slack", "url": receiver.url("/team"),
               "team_id": team["id"]}),
    )
    .await;
    Setup {
        automation,
        owner,
        other,
        secret: hook["secret"].as_str().unwrap().to_owned(),
    }
}

async fn only_incident(app: &TestApp) -> Value {
    let page = app.get_json("/api/v1/incidents").await;
    assert_eq!(page["total"], 1, "{page}");
    let id = page["incidents"][0]["id"].as_i64().unwrap();
    app.get_json(&format!("/api/v1/incidents/{id}")).await
}

fn kinds(detail: &Value) -> Vec<String> {
    detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_opens_once_escalates_unanswered_and_closes_on_a_success(
    #[case] backend: Backend,
) {
    let app = spawn(backend).await;
    let receiver = Receiver::start().await;
    let s = setup(&app, &receiver).await;

    // A failure opens one incident and alerts the owner once.
    ping(&app, &s.automation, "/3").await;
    let done = round(&app).await;
    assert_eq!((done.opened, done.sent), (1, 1), "{done:?}");
    let owner = receiver.got("/owner");
    assert_eq!(owner.len(), 1);
    let alert = &owner[0];
    let body = alert.json();
    assert_eq!(body["type"], "incident.opened");
    assert_eq!(body["incident"]["kind"], "failed");
    assert_eq!(body["automation"]["name"], "Ledger close");
    assert_eq!(
        body["orchestration"]["failure_mode"],
        "Books stay open; reports are late"
    );
    assert_eq!(
        body["orchestration"]["runbook_url"],
        format!("{PUBLIC}/orchestrations/month-end-close/runbook#failed")
    );
    let incident_id = body["incident"]["id"].as_i64().unwrap();
    assert_eq!(
        body["incident"]["url"],
        format!("{PUBLIC}/incidents/{incident_id}")
    );
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .contains("Ledger close failed"),
        "{body}"
    );
    // Signed per Standard Webhooks with the channel's secret, keyed for
    // idempotency.
    let key = alert.header("idempotency-key").to_owned();
    assert!(key.starts_with("baton-alert-"), "{key}");
    assert_eq!(alert.header("webhook-id"), key);
    baton::ingest::verify::standard(
        baton::ingest::verify::StandardHeaders {
            id: Some(alert.header("webhook-id")),
            timestamp: Some(alert.header("webhook-timestamp")),
            signature: Some(alert.header("webhook-signature")),
        },
        &alert.body,
        std::slice::from_ref(&s.secret),
        chrono::Utc::now(),
    )
    .unwrap();

    // More failures join it: no second alert.
    ping(&app, &s.automation, "/fail").await;
    ping(&app, &s.automation, "/4").await;
    let done = round(&app).await;
    assert_eq!((done.opened, done.joined, done.sent), (0, 2, 0), "{done:?}");
    assert_eq!(round(&app).await, Round::default());
    assert_eq!(receiver.count(), 1);

    // Unacknowledged for 30 minutes: the backup owner hears, by Slack.
    app.clock.advance(TimeDelta::minutes(29));
    assert_eq!(round(&app).await.escalated, 0);
    app.clock.advance(TimeDelta::minutes(2));
    let done = round(&app).await;
    assert_eq!((done.escalated, done.sent), (1, 1), "{done:?}");
    let backup = receiver.got("/backup");
    assert_eq!(backup.len(), 1);
    let text = backup[0].json()["text"].as_str().unwrap().to_owned();
    assert!(text.starts_with("Still not acknowledged"), "{text}");
    assert!(text.contains("*Failure mode:* Books stay open"), "{text}");
    assert!(text.contains("|Runbook>"), "{text}");
    // Another 30 minutes: the team.
    app.clock.advance(TimeDelta::minutes(31));
    assert_eq!(round(&app).await.escalated, 1);
    assert_eq!(receiver.got("/team").len(), 1);
    app.clock.advance(TimeDelta::hours(3));
    assert_eq!(round(&app).await.escalated, 0, "the team is the last level");

    // A success closes it, and everyone told hears it recovered.
    ping(&app, &s.automation, "").await;
    let done = round(&app).await;
    assert_eq!((done.resolved, done.sent), (1, 3), "{done:?}");
    let recovered = receiver.got("/owner")[1].json();
    assert_eq!(recovered["type"], "incident.recovered");
    assert_eq!(recovered["incident"]["state"], "resolved");
    assert!(
        receiver.got("/team")[1].json()["text"]
            .as_str()
            .unwrap()
            .starts_with("Recovered")
    );
    let detail = only_incident(&app).await;
    assert_eq!(detail["troubles"], 3);
    assert_eq!(detail["level"], 2);
    assert_eq!(
        kinds(&detail),
        [
            "opened",
            "alerted",
            "joined",
            "joined",
            "escalated",
            "escalated",
            "resolved"
        ]
    );
    let alerts = detail["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 6);
    assert!(
        alerts
            .iter()
            .all(|a| a["state"] == "sent" && a["attempts"] == 1)
    );

    // The next failure is a new incident.
    ping(&app, &s.automation, "/fail").await;
    assert_eq!(round(&app).await.opened, 1);
    let open = app.get_json("/api/v1/incidents?state=open").await;
    assert_eq!(open["total"], 1);
    assert_ne!(open["incidents"][0]["id"], incident_id);
    let _ = (s.owner, s.other);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledging_stops_the_escalation_and_only_the_owners_may(#[case] backend: Backend) {
    let app = spawn(backend).await;
    let receiver = Receiver::start().await;
    let s = setup(&app, &receiver).await;
    ping(&app, &s.automation, "/fail").await;
    round(&app).await;
    let detail = only_incident(&app).await;
    let ack = format!("/api/v1/incidents/{}/acknowledge", detail["id"]);

    // Someone who may not change the automation is refused; nothing changes.
    let res = s.other.post(app.url(&ack)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let why: Value = res.json().await.unwrap();
    assert!(why["error"].as_str().unwrap().contains("owner"), "{why}");
    assert_eq!(only_incident(&app).await, detail);

    let res = s.owner.0.post(app.url(&ack)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let acked: Value = res.json().await.unwrap();
    assert_eq!(acked["acknowledged_by"], "owner");
    let res = app.client.post(app.url(&ack)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let why: Value = res.json().await.unwrap();
    assert!(
        why["error"]
            .as_str()
            .unwrap()
            .contains("already acknowledged by owner"),
        "{why}"
    );

    // Hours later nobody else has been told.
    app.clock.advance(TimeDelta::hours(5));
    assert_eq!(round(&app).await.escalated, 0);
    assert!(receiver.got("/backup").is_empty());
    let after = only_incident(&app).await;
    assert_eq!(after["level"], 0);
    assert_eq!(kinds(&after), ["opened", "alerted", "acknowledged"]);
    let audit = app
        .get_json("/api/v1/audit?action=incident.acknowledged")
        .await;
    assert_eq!(audit["total"], 1, "{audit}");

    // A resolved incident cannot be acknowledged.
    ping(&app, &s.automation, "").await;
    round(&app).await;
    let res = app.client.post(app.url(&ack)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app
        .client
        .post(app.url("/api/v1/incidents/999999/acknowledge"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downstream_alerts_are_held_then_released_or_withheld(#[case] backend: Backend) {
    let app = spawn(backend).await;
    let receiver = Receiver::start().await;
    let (_, owner) = app.as_new("owner@example.com", Role::Editor).await;
    channel(
        &app,
        json!({"name": "Hook", "kind": "webhook", "url": receiver.url("/owner"),
               "user_id": owner}),
    )
    .await;
    let add = |name: &str| {
        json!({"tool": "cron", "external_id": format!("{name}.sh"), "name": name,
               "owner_id": owner})
    };
    let rates = app.add_automation(add("Fetch rates")).await;
    let prices = app.add_automation(add("Reprice")).await;
    let report = app.add_automation(add("Price report")).await;
    // Fetch rates → Reprice → Price report.
    for (up, down) in [(&rates, &prices), (&prices, &report)] {
        let res = app
            .post_json(
                "/api/v1/dependencies",
                &json!({"upstream": {"kind": "automation", "id": up["id"]},
                        "downstream": {"kind": "automation", "id": down["id"]}}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }

    ping(&app, &rates, "/fail").await;
    ping(&app, &prices, "/fail").await;
    ping(&app, &report, "/fail").await;
    let done = round(&app).await;
    assert_eq!((done.opened, done.sent), (3, 1), "{done:?}");
    assert_eq!(
        receiver.got("/owner")[0].json()["automation"]["name"],
        "Fetch rates"
    );
    let page = app.get_json("/api/v1/incidents?state=open").await;
    let by_name = |name: &str| {
        page["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["automation"] == name)
            .unwrap()
            .clone()
    };
    let (up, mid, low) = (
        by_name("Fetch rates"),
        by_name("Reprice"),
        by_name("Price report"),
    );
    assert_eq!(mid["held_by"], up["id"]);
    assert_eq!(
        low["held_by"], mid["id"],
        "held by the nearest open upstream"
    );
    let held = app
        .get_json(&format!("/api/v1/incidents/{}", mid["id"]))
        .await;
    assert_eq!(held["held_for"], "Fetch rates failed");
    assert_eq!(held["alerts"][0]["state"], "held");
    assert!(
        held["alerts"][0]["note"]
            .as_str()
            .unwrap()
            .contains("upstream Fetch rates failed has an open incident"),
        "{held}"
    );
    // Held incidents do not escalate.
    app.clock.advance(TimeDelta::hours(2));
    let done = round(&app).await;
    assert_eq!(done.escalated, 1, "only the upstream one: {done:?}");

    // The report recovers by itself first: its alerts are never sent.
    ping(&app, &report, "").await;
    let done = round(&app).await;
    assert_eq!((done.resolved, done.sent), (1, 0), "{done:?}");
    let withheld = app
        .get_json(&format!("/api/v1/incidents/{}", low["id"]))
        .await;
    assert_eq!(withheld["alerts"][0]["state"], "withheld");

    // The upstream recovers while Reprice still fails: its alert goes out.
    ping(&app, &rates, "").await;
    let done = round(&app).await;
    assert_eq!((done.resolved, done.released), (1, 1), "{done:?}");
    let sent: Vec<Value> = receiver.got("/owner").iter().map(Received::json).collect();
    let released = sent
        .iter()
        .find(|b| b["type"] == "incident.released")
        .unwrap();
    assert_eq!(released["automation"]["name"], "Reprice");
    assert!(
        released["text"]
            .as_str()
            .unwrap()
            .contains("Released: upstream Fetch rates failed recovered"),
        "{released}"
    );
    let recovered = sent
        .iter()
        .filter(|b| b["type"] == "incident.recovered")
        .count();
    assert_eq!(recovered, 1, "only Fetch rates' owner had been told");
    let mid_now = app
        .get_json(&format!("/api/v1/incidents/{}", mid["id"]))
        .await;
    assert_eq!(mid_now["held_by"], Value::Null);
    assert!(kinds(&mid_now).contains(&"released".to_owned()));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sends_are_retried_with_backoff_then_given_up_visibly(#[case] backend: Backend) {
    let app = spawn(backend).await;
    let receiver = Receiver::start().await;
    let (_, owner) = app.as_new("owner@example.com", Role::Editor).await;
    channel(
        &app,
        json!({"name": "Flaky", "kind": "slack", "url": receiver.url("/flaky"),
               "user_id": owner}),
    )
    .await;
    dead_channel(&app, owner).await;
    let automation = owned_automation(&app, owner, "b.sh", "Backup").await;

    receiver.inbox.fail_next.store(2, Ordering::SeqCst);
    ping(&app, &automation, "/fail").await;
    let done = round(&app).await;
    assert_eq!(
        (done.opened, done.retried, done.sent),
        (1, 2, 0),
        "{done:?}"
    );
    let detail = only_incident(&app).await;
    let flaky = detail["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["channel"] == "Flaky (owner)")
        .unwrap()
        .clone();
    assert_eq!(flaky["state"], "pending");
    assert_eq!(flaky["attempts"], 1);
    assert!(
        flaky["last_error"].as_str().unwrap().contains("500"),
        "{flaky}"
    );
    // Not before its time.
    app.clock.advance(TimeDelta::seconds(29));
    assert_eq!(round(&app).await.retried, 0);
    app.clock.advance(TimeDelta::seconds(1));
    assert_eq!(round(&app).await.retried, 2);
    app.clock.advance(TimeDelta::seconds(60));
    let done = round(&app).await;
    assert_eq!((done.sent, done.retried), (1, 1), "{done:?}");
    let tries = receiver.got("/flaky");
    assert_eq!(tries.len(), 3);
    let keys: Vec<&str> = tries.iter().map(|r| r.header("idempotency-key")).collect();
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");

    // The dead channel gives up after eight tries, and says why.
    let mut failed = 0;
    for _ in 0..10 {
        app.clock.advance(TimeDelta::hours(1));
        failed += round(&app).await.failed;
    }
    assert_eq!(failed, 1);
    let list = app.get_json("/api/v1/alerts/failed").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["attempts"], 8);
    assert_eq!(list[0]["channel"], "Dead (owner)");
    assert!(
        list[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("could not connect"),
        "{list}"
    );
    assert_eq!(
        receiver.got("/flaky").len(),
        3,
        "a sent alert is not sent again"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_alerted_while_paused(#[case] backend: Backend) {
    let app = spawn(backend).await;
    let automation = app
        .add_automation(json!({"tool": "cron", "external_id": "p.sh", "name": "Paused one"}))
        .await;
    pause(&app, &automation).await;
    ping(&app, &automation, "/fail").await;
    assert_eq!(round(&app).await, Round::default());
    assert_eq!(app.get_json("/api/v1/incidents").await["total"], 0);
    // Seen once: resuming does not open an incident for it later.
    resume(&app, &automation).await;
    assert_eq!(round(&app).await, Round::default());
    // A failure after resuming opens one.
    ping(&app, &automation, "/fail").await;
    assert_eq!(round(&app).await.opened, 1);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channels_refuse_bad_input_and_belong_to_their_person(#[case] backend: Backend) {
    let app = spawn(backend).await;
    let (editor, editor_id) = app.as_new("ed@example.com", Role::Editor).await;
    let before = app.get_json("/api/v1/channels").await;
    assert_eq!(before, json!([]));

    // Each bad field says what is wrong; nothing is written.
    for (body, field, why) in [
        (
            json!({"name": "", "kind": "slack", "url": "https://h.example/x", "user_id": editor_id}),
            "name",
            "name",
        ),
        (
            json!({"name": "A", "kind": "email", "url": "https://h.example/x", "user_id": editor_id}),
            "kind",
            "webhook or slack",
        ),
        (
            json!({"name": "A", "kind": "slack", "url": "hooks.example/x", "user_id": editor_id}),
            "url",
            "https://",
        ),
        (
            json!({"name": "A", "kind": "slack", "url": "https://h.example/x"}),
            "user_id",
            "whose",
        ),
        (
            json!({"name": "A", "kind": "slack", "url": "https://h.example/x", "user_id": 999_999}),
            "user_id",
            "No active person",
        ),
        (
            json!({"name": "A", "kind": "slack", "url": "https://h.example/x", "team_id": 999_999}),
            "team_id",
            "No team",
        ),
    ] {
        let res = app.post_json("/api/v1/channels", &body).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let answer: Value = res.json().await.unwrap();
        let message = answer["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == field)
            .unwrap_or_else(|| panic!("{field}: {answer}"))["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(why), "{field}: {message}");
    }
    let res = app
        .client
        .post(app.url("/api/v1/channels"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.get_json("/api/v1/channels").await, before);

    // A person's own channels: theirs to add and remove; a webhook one
    // gets a secret.
    let res = editor
        .post(app.url("/api/v1/account/channels"))
        .json(&json!({"name": "Mine", "kind": "webhook", "url": "https://h.example/mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let mine: Value = res.json().await.unwrap();
    assert!(mine["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(mine["belongs_to"], "ed");
    let admins = channel(
        &app,
        json!({"name": "Admin's", "kind": "slack", "url": "https://h.example/a",
               "user_id": app.admin_id}),
    )
    .await;
    let theirs: Vec<Value> = editor
        .get(app.url("/api/v1/account/channels"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs, vec![mine.clone()]);
    let res = editor
        .delete(app.url(&format!("/api/v1/account/channels/{}", admins["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "someone else's");
    assert_eq!(
        app.get_json("/api/v1/channels")
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let res = editor
        .delete(app.url(&format!("/api/v1/account/channels/{}", mine["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let left = app.get_json("/api/v1/channels").await;
    assert_eq!(left.as_array().unwrap().len(), 1);
    let audit = app.get_json("/api/v1/audit?subject_kind=channel").await;
    assert_eq!(audit["total"], 3, "{audit}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flapping_automation_is_told_once_and_recovers_after_the_cooldown(
    #[case] backend: Backend,
) {
    let app = spawn(backend).await;
    let receiver = Receiver::start().await;
    let s = setup(&app, &receiver).await;
    let cooling = Settings {
        cooldown: TimeDelta::minutes(10),
        ..settings()
    };
    ping(&app, &s.automation, "/fail").await;
    assert_eq!(round_with(&app, &cooling).await.opened, 1);
    let first = only_incident(&app).await;

    // Well again a minute later: closed, but nobody is told yet.
    app.clock.advance(TimeDelta::minutes(1));
    ping(&app, &s.automation, "").await;
    let done = round_with(&app, &cooling).await;
    assert_eq!((done.resolved, done.sent), (1, 0), "{done:?}");
    let detail = only_incident(&app).await;
    assert_eq!(
        detail["state"],
        Value::Null,
        "state is not a field: {detail}"
    );
    assert!(detail["resolved_at"].is_string());
    let waiting: Vec<&Value> = detail["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "recovered")
        .collect();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["state"], "pending");

    // Failing again 3 minutes later: the same incident reopens, silently.
    app.clock.advance(TimeDelta::minutes(3));
    ping(&app, &s.automation, "/fail").await;
    let done = round_with(&app, &cooling).await;
    assert_eq!(
        (done.reopened, done.opened, done.sent),
        (1, 0, 0),
        "{done:?}"
    );
    let detail = only_incident(&app).await;
    assert_eq!(detail["id"], first["id"]);
    assert_eq!(detail["resolved_at"], Value::Null);
    assert_eq!(detail["troubles"], 2);
    assert!(kinds(&detail).contains(&"reopened".to_owned()));
    assert!(
        detail["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "recovered" && a["state"] == "withheld"),
        "{detail}"
    );

    // Well again, and it stays well: one recovery notice, ten minutes on.
    app.clock.advance(TimeDelta::minutes(1));
    ping(&app, &s.automation, "").await;
    assert_eq!(round_with(&app, &cooling).await.resolved, 1);
    app.clock.advance(TimeDelta::minutes(9));
    assert_eq!(round_with(&app, &cooling).await.sent, 0);
    app.clock.advance(TimeDelta::minutes(1));
    assert_eq!(round_with(&app, &cooling).await.sent, 1);
    let owner = receiver.got("/owner");
    let types: Vec<Value> = owner.iter().map(|r| r.json()["type"].clone()).collect();
    assert_eq!(
        types,
        [json!("incident.opened"), json!("incident.recovered")]
    );

    // After the cooldown a failure is a new incident, with its own alert.
    app.clock.advance(TimeDelta::minutes(1));
    ping(&app, &s.automation, "/fail").await;
    let done = round_with(&app, &cooling).await;
    assert_eq!(
        (done.opened, done.reopened, done.sent),
        (1, 0, 1),
        "{done:?}"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_still_going_past_its_longest_opens_an_incident_and_its_end_closes_it(
    #[case] backend: Backend,
) {
    let app = spawn(backend).await;
    let receiver = Receiver::start().await;
    let s = setup(&app, &receiver).await;
    app.set_schedule(
        &s.automation["id"],
        json!({"period_seconds": 86_400, "grace_seconds": 3_600,
                "max_duration_seconds": 600}),
    )
    .await;
    ping(&app, &s.automation, "/start?rid=close-1").await;
    app.clock.advance(TimeDelta::minutes(11));
    // The health watcher flags it; the incidents job takes it in.
    baton::health::look(&*app.store, app.clock.now(), TimeDelta::days(90))
        .await
        .unwrap();
    let done = round(&app).await;
    assert_eq!((done.opened, done.sent), (1, 1), "{done:?}");
    let detail = only_incident(&app).await;
    assert_eq!(detail["kind"], "too_long");
    let alert = receiver.got("/owner")[0].json();
    assert!(
        alert["text"]
            .as_str()
            .unwrap()
            .contains("Ledger close ran too long"),
        "{alert}"
    );
    assert_eq!(
        alert["orchestration"]["runbook_url"],
        format!("{PUBLIC}/orchestrations/month-end-close/runbook#too-long")
    );
    // It ends well after all, then the next run is fine: closed.
    app.clock.advance(TimeDelta::minutes(1));
    ping(&app, &s.automation, "?rid=close-1").await;
    app.clock.advance(TimeDelta::hours(1));
    ping(&app, &s.automation, "/start?rid=close-2").await;
    app.clock.advance(TimeDelta::minutes(2));
    ping(&app, &s.automation, "?rid=close-2").await;
    let done = round(&app).await;
    assert_eq!(done.resolved, 1, "{done:?}");
    assert!(only_incident(&app).await["resolved_at"].is_string());
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missed_runs_join_as_missed_and_the_timeline_collapses_them(#[case] backend: Backend) {
    let app = spawn(backend).await;
    let receiver = Receiver::start().await;
    let s = setup(&app, &receiver).await;
    app.set_schedule(
        &s.automation["id"],
        json!({"period_seconds": 300, "grace_seconds": 60}),
    )
    .await;
    ping(&app, &s.automation, "").await;
    // Expected runs go by unseen, the watcher and the job looking each
    // time; the owner acknowledges the first (so nothing escalates).
    for n in 0..7 {
        app.clock.advance(TimeDelta::minutes(6));
        baton::health::look(&*app.store, app.clock.now(), TimeDelta::days(90))
            .await
            .unwrap();
        round(&app).await;
        if n == 0 {
            let id = only_incident(&app).await["id"].as_i64().unwrap();
            let ack = app.url(&format!("/api/v1/incidents/{id}/acknowledge"));
            let res = s.owner.0.post(ack).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
        }
    }
    // Then it runs, and fails twice.
    ping(&app, &s.automation, "/fail").await;
    ping(&app, &s.automation, "/2").await;
    round(&app).await;
    let detail = only_incident(&app).await;
    assert_eq!(detail["kind"], "missed");
    let kinds = kinds(&detail);
    let missed = kinds.iter().filter(|k| *k == "missed").count();
    assert!(missed >= 3, "each missed run joins as missed: {kinds:?}");
    assert_eq!(
        kinds.iter().filter(|k| *k == "joined").count(),
        2,
        "{kinds:?}"
    );

    let id = detail["id"].as_i64().unwrap();
    let html = app
        .get(&format!("/incidents/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let timeline = html
        .split("id=\"incident-timeline\"")
        .nth(1)
        .and_then(|rest| rest.split("</ol>").next())
        .unwrap();
    assert!(
        timeline.contains(&format!("Missed {missed} more runs")),
        "{timeline}"
    );
    assert!(timeline.contains("Failed 2 more times"), "{timeline}");
    assert_eq!(
        timeline.matches("<li").count(),
        kinds.len() - missed - 2 + 2,
        "one line for the missed runs, one for the failures: {timeline}"
    );
    assert!(!timeline.contains("Failed again"), "{timeline}");

    // Each failing run it took in is listed, newest first, with its
    // outcome and its delivery (a missed run has none: nothing came).
    let runs = detail["runs"].as_array().unwrap();
    assert_eq!(
        runs.len() as i64,
        detail["troubles"].as_i64().unwrap(),
        "every run it took in: {detail}"
    );
    let statuses: Vec<&str> = runs
        .iter()
        .map(|r| r["run"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses[..2],
        ["failed", "failed"],
        "newest first: {statuses:?}"
    );
    assert!(statuses[2..].iter().all(|s| *s == "missed"), "{statuses:?}");
    assert!(
        runs[..2].iter().all(|r| r["delivery_id"].is_i64()),
        "{runs:?}"
    );
    assert!(
        runs[2..].iter().all(|r| r["delivery_id"].is_null()),
        "{runs:?}"
    );
    let listed = html
        .split("id=\"incident-runs\"")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .unwrap();
    assert!(
        listed.contains(&format!("Its {} failing runs, newest first", runs.len())),
        "{listed}"
    );
    let first_delivery = runs[0]["delivery_id"].as_i64().unwrap();
    assert!(
        listed.contains(&format!("href=\"/deliveries/{first_delivery}\"")),
        "{listed}"
    );
    assert!(listed.contains("(expected; none came)"), "{listed}");
}

/// The page at `path`, as served (with its resources streamed in), its
/// apostrophes read back whichever way they were escaped.
async fn page(app: &TestApp, path: &str) -> String {
    let res = app.get(path).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text()
        .await
        .unwrap()
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
}

// Who was told is what the alerts did: a channel reached (named, with the
// time), nobody because nobody concerned has a channel, nobody because
// every send failed. Each is in the API, on the incident page, its list
// row, the dashboard and the orchestration page; before anything fails,
// the orchestration page says who a failure would tell, and the
// dashboard lists the orchestrations a failure of which would alert nobody.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_was_told_is_what_the_alerts_did(#[case] backend: Backend) {
    let app = spawn(backend).await;
    let receiver = Receiver::start().await;
    let s = setup(&app, &receiver).await;

    // Nobody concerned has a channel: an orchestration with an owner and
    // nothing else.
    let (_, lone) = app.as_new("lone@example.com", Role::Editor).await;
    let quiet = app
        .add_orchestration(json!({"name": "Quiet payroll", "owner_id": lone}))
        .await;
    let unheard = app
        .add_automation(
            json!({"tool": "cron", "external_id": "pay.sh", "name": "Payroll run",
                               "orchestration_id": quiet["id"]}),
        )
        .await;
    // Before anything fails: who a failure would tell, and the gap.
    let told_plan = page(&app, "/orchestrations/month-end-close").await;
    assert!(
        told_plan.contains("Who a failure would tell"),
        "{told_plan}"
    );
    for step in [
        "First: </strong>the owner (owner), on “Owner's hook”.",
        "If nobody acknowledges it: </strong>the backup owner (backup), on “Backup's Slack”.",
        "Then: </strong>the team (Finance ops), on “Team room”.",
    ] {
        assert!(told_plan.contains(step), "{step}");
    }
    let silent_plan = page(&app, "/orchestrations/quiet-payroll").await;
    assert!(
        silent_plan.contains("Nobody would be told: neither the owner, the backup owner nor the team has an alert channel."),
        "the orchestration page warns before anything fails"
    );
    let dashboard = page(&app, "/").await;
    let gaps = dashboard.split("id=\"gaps\"").nth(1).unwrap();
    assert!(
        gaps.contains("1 orchestration's failure would alert nobody"),
        "{gaps}"
    );
    assert!(
        gaps.contains("/orchestrations/quiet-payroll"),
        "the gap links to it"
    );
    assert!(
        !gaps.contains("/orchestrations/month-end-close\""),
        "a heard one is no gap"
    );

    // A failure of each.
    ping(&app, &s.automation, "/fail").await;
    ping(&app, &unheard, "/fail").await;
    let done = round(&app).await;
    assert_eq!((done.opened, done.sent), (2, 1), "{done:?}");
    let list = app.get_json("/api/v1/incidents").await;
    let by_name = |name: &str| {
        list["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["automation"] == name)
            .unwrap()
            .clone()
    };
    let heard = by_name("Ledger close");
    assert_eq!(heard["told"]["sent"], 1, "{heard}");
    assert_eq!(heard["told"]["first"][0], "Owner's hook (owner)", "{heard}");
    let told_at: chrono::DateTime<chrono::Utc> =
        heard["told"]["first"][1].as_str().unwrap().parse().unwrap();
    assert!(
        (told_at - app.clock.now()).num_milliseconds().abs() < 1000,
        "told when the round sent it: {heard}"
    );
    let nobody = by_name("Payroll run");
    assert_eq!(
        nobody["told"],
        json!({"sent": 0, "first": null, "sending": 0, "held": 0, "failed": 0}),
        "{nobody}"
    );

    let heard_page = page(&app, &format!("/incidents/{}", heard["id"])).await;
    assert!(
        heard_page.contains("Told “Owner"),
        "the incident names the channel reached"
    );
    assert!(!heard_page.contains("Nobody was told"));
    let nobody_page = page(&app, &format!("/incidents/{}", nobody["id"])).await;
    for words in [
        "Nobody was told: neither the owner, the backup owner nor the team has an alert channel.",
        "Add an alert channel",
        "told--nobody",
    ] {
        assert!(nobody_page.contains(words), "{words}");
    }
    assert!(
        !nobody_page.contains("has been told"),
        "it never claims anyone was told"
    );
    let rows = page(&app, "/incidents").await;
    assert!(
        rows.contains("nobody: no channel"),
        "the list row says nobody"
    );
    assert!(
        rows.contains("Owner's hook (owner)"),
        "and the channel reached"
    );
    let dashboard = page(&app, "/").await;
    let open = dashboard.split("id=\"open-incidents\"").nth(1).unwrap();
    assert!(open.contains("told: nobody: no channel"), "{open}");

    // Every send fails: nobody was told, and the page says so.
    let (_, doomed) = app.as_new("doomed@example.com", Role::Editor).await;
    dead_channel(&app, doomed).await;
    let failing = owned_automation(&app, doomed, "d.sh", "Doomed sync").await;
    ping(&app, &failing, "/fail").await;
    round(&app).await;
    let sending = app.get_json("/api/v1/incidents").await;
    let sending = sending["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["automation"] == "Doomed sync")
        .unwrap()
        .clone();
    assert_eq!(sending["told"]["sending"], 1, "{sending}");
    let waiting = page(&app, &format!("/incidents/{}", sending["id"])).await;
    assert!(
        waiting.contains("Nobody yet: an alert is on its way"),
        "retrying is not nobody"
    );
    for _ in 0..10 {
        app.clock.advance(TimeDelta::hours(1));
        round(&app).await;
    }
    let gave_up = app
        .get_json(&format!("/api/v1/incidents/{}", sending["id"]))
        .await;
    assert_eq!(gave_up["told"]["failed"], 1, "{gave_up}");
    assert_eq!(gave_up["told"]["sending"], 0, "{gave_up}");
    let failed_page = page(&app, &format!("/incidents/{}", sending["id"])).await;
    assert!(
        failed_page.contains("Nobody was told: the alert failed after every try."),
        "every send failed"
    );
    assert!(failed_page.contains("Check the channel"), "and what to do");
}

// Every channel can be sent a test by those who may manage it, and the
// answer is what its receiver said: arrived (with the status), refused by
// the receiver, or never reached. Anyone else is refused and nothing is
// sent.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_test_shows_what_the_receiver_answered(#[case] backend: Backend) {
    let app = spawn(backend).await;
    let receiver = Receiver::start().await;
    let s = setup(&app, &receiver).await;
    let all = app.get_json("/api/v1/channels").await;
    let id_of = |name: &str| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (own, team) = (id_of("Owner's hook"), id_of("Team room"));
    let test = |client: reqwest::Client, id: i64| {
        let url = app.url(&format!("/api/v1/channels/{id}/test"));
        async move { client.post(url).send().await.unwrap() }
    };

    // The owner tests their own webhook: it arrives, signed.
    let res = test(s.owner.0.clone(), own).await;
    assert_eq!(res.status(), StatusCode::OK);
    let answer: Value = res.json().await.unwrap();
    assert_eq!(
        answer,
        json!({"reached": true, "answer": "answered 204 No Content"})
    );
    let got = receiver.got("/owner");
    assert_eq!(got.len(), 1);
    let body = got[0].json();
    assert_eq!(body["type"], "test");
    assert!(
        body["text"].as_str().unwrap().contains("sent by owner"),
        "{body}"
    );
    assert!(got[0].header("webhook-signature").starts_with("v1,"));

    // The receiver refuses: what it answered, and that it did not arrive.
    receiver.inbox.fail_next.store(1, Ordering::SeqCst);
    let answer: Value = test(s.owner.0.clone(), own).await.json().await.unwrap();
    assert_eq!(
        answer,
        json!({"reached": false, "answer": "answered 500 Internal Server Error"})
    );

    // An address nothing listens on: never reached.
    let dead_url = dead_url();
    let dead = channel(
        &app,
        json!({"name": "Dead", "kind": "slack", "url": dead_url, "user_id": s.owner.1}),
    )
    .await;
    let answer: Value = test(s.owner.0.clone(), dead["id"].as_i64().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"reached": false, "answer": "could not connect to the channel's address"})
    );

    // Someone else may not test the owner's channel or the team's: 403,
    // and nothing is sent.
    let before = receiver.count();
    for id in [own, team] {
        let res = test(s.other.clone(), id).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let why: Value = res.json().await.unwrap();
        assert!(
            why["error"]
                .as_str()
                .unwrap()
                .contains("you may test your own channels"),
            "{why}"
        );
    }
    assert_eq!(receiver.count(), before, "a refused test sends nothing");
    // None such: 404.
    assert_eq!(
        test(app.client.clone(), 999_999).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(receiver.count(), before);

    // An administrator tests the team's Slack room: its message arrives.
    let answer: Value = test(app.client.clone(), team).await.json().await.unwrap();
    assert_eq!(answer["reached"], true, "{answer}");
    let room = receiver.got("/team");
    assert_eq!(room.len(), 1);
    let text = room[0].json()["text"].as_str().unwrap().to_owned();
    assert!(text.starts_with("Test from Baton, sent by "), "{text}");
    assert!(text.contains("“Team room” (Finance ops)"), "{text}");
}

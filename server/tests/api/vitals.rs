//! Health figures and states, on both backends: the rollups the database
//! keeps as runs arrive give the same figures as the raw runs themselves
//! (counts exactly, percentiles within the histogram's written bound);
//! retention deletes raw runs and leaves the figures; pauses excuse missed
//! runs; `/metrics` reports job lag, health counts and answer times.

use std::collections::BTreeMap;

use app::model::ingestion::{Run, RunStatus};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use baton::clock::Clock as _;

use crate::helpers::{Backend, TestApp, spawn_app};

const RETENTION: TimeDelta = TimeDelta::days(90);

async fn look(app: &TestApp) -> baton::health::Looked {
    baton::health::look(&*app.store, app.clock.now(), RETENTION)
        .await
        .unwrap()
}

/// What the raw runs say, computed here the plain way.
struct FromRaw {
    per_day: BTreeMap<NaiveDate, [i64; 4]>,
    durations_30d: Vec<i64>,
    mttr_ms: Option<i64>,
    last_success: Option<DateTime<Utc>>,
}

fn from_raw(runs: &[Run], today: NaiveDate) -> FromRaw {
    let mut sorted: Vec<&Run> = runs.iter().collect();
    sorted.sort_by_key(|r| (r.at, r.id));
    let mut per_day: BTreeMap<NaiveDate, [i64; 4]> = BTreeMap::new();
    let mut durations_30d = Vec::new();
    let (mut down_since, mut last_success): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) =
        (None, None);
    let (mut recoveries, mut recovery_ms) = (0_i64, 0_i64);
    for r in sorted {
        let day = r.at.date_naive();
        let slot = match r.status {
            RunStatus::Succeeded => Some(0),
            RunStatus::Failed | RunStatus::TimedOut => Some(1),
            RunStatus::Missed => Some(2),
            RunStatus::Cancelled | RunStatus::Skipped => Some(3),
            RunStatus::Started => None,
        };
        if let Some(slot) = slot {
            per_day.entry(day).or_default()[slot] += 1;
        }
        if matches!(
            r.status,
            RunStatus::Succeeded | RunStatus::Failed | RunStatus::TimedOut
        ) && let Some(d) = r.duration_ms
            && day > today - TimeDelta::days(30)
        {
            durations_30d.push(d);
        }
        match r.status {
            RunStatus::Succeeded => {
                if let Some(since) = down_since.take()
                    && day > today - TimeDelta::days(90)
                {
                    recoveries += 1;
                    recovery_ms += (r.at - since).num_milliseconds();
                }
                last_success = Some(r.at);
            }
            RunStatus::Failed | RunStatus::TimedOut | RunStatus::Missed => {
                down_since = down_since.or(Some(r.at));
            }
            _ => {}
        }
    }
    durations_30d.sort_unstable();
    FromRaw {
        per_day,
        durations_30d,
        mttr_ms: (recoveries > 0).then(|| recovery_ms / recoveries),
        last_success,
    }
}

/// A client that sends an API token with every request.
fn token_client(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// The nearest-rank quantile of sorted durations.
fn exact_quantile(sorted: &[i64], q: f64) -> i64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn day_of(v: &Value) -> NaiveDate {
    v["day"].as_str().unwrap().parse().unwrap()
}

/// Reads the automation's health and checks its figures against `runs`
/// (all of its raw runs) computed plainly; the health read. Recoveries and
/// the last success follow the order outcomes arrived in: they are checked
/// only when that is the runs' time order (`in_order`).
async fn agrees_with_raw_runs(app: &TestApp, id: i64, runs: &[Run], in_order: bool) -> Value {
    let today = app.clock.now().date_naive();
    let raw = from_raw(runs, today);
    let health = app
        .get_json(&format!("/api/v1/automations/{id}/health"))
        .await;
    let metrics = &health["metrics"];

    // Counts per day, exactly.
    for d in metrics["per_day"].as_array().unwrap() {
        let want = raw.per_day.get(&day_of(d)).copied().unwrap_or_default();
        let got =
            [&d["succeeded"], &d["failed"], &d["missed"], &d["other"]].map(|v| v.as_i64().unwrap());
        assert_eq!(got, want, "{}", d["day"]);
    }
    // Success rates over 7, 30 and 90 days, exactly.
    for rate in metrics["rates"].as_array().unwrap() {
        let days = rate["days"].as_i64().unwrap();
        let (mut ok, mut counted) = (0, 0);
        for (day, c) in &raw.per_day {
            if *day > today - TimeDelta::days(days) {
                ok += c[0];
                counted += c[0] + c[1] + c[2];
            }
        }
        assert_eq!(rate["succeeded"].as_i64().unwrap(), ok, "{days} days");
        let percent = rate["percent"].as_f64().unwrap();
        assert!(
            (percent - 100.0 * ok as f64 / counted as f64).abs() < 1e-9,
            "{days} days: {percent}"
        );
    }
    // Percentiles within the written bound: 1/32 of the true duration.
    for (field, q) in [("duration_p50_ms", 0.5), ("duration_p95_ms", 0.95)] {
        let exact = exact_quantile(&raw.durations_30d, q);
        let read = metrics[field].as_i64().unwrap();
        assert!(
            (read - exact).abs() as f64 <= exact as f64 / 32.0 + 1.0,
            "{field}: {read} read, {exact} exact"
        );
    }
    if in_order {
        // Mean time to recover, to the millisecond.
        let mttr = metrics["mttr_ms"].as_i64();
        let want = raw.mttr_ms;
        assert!(
            matches!((mttr, want), (Some(a), Some(b)) if (a - b).abs() <= 1),
            "{mttr:?} != {want:?}"
        );
        assert_eq!(
            metrics["last_success_at"]
                .as_str()
                .map(|t| t.parse::<DateTime<Utc>>().unwrap()),
            raw.last_success
        );
    }
    health
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollups_give_the_figures_of_the_raw_runs(#[case] backend: Backend) {
    let mut app = spawn_app(backend).await;
    let orchestration = app
        .add_orchestration(json!({"name": "Nightly billing", "success_rate_target": 0.9}))
        .await;
    let automation = app
        .add_automation(
            json!({"tool": "cron", "external_id": "bill.sh", "name": "Bill",
                               "orchestration_id": orchestration["id"]}),
        )
        .await;
    let id = automation["id"].as_i64().unwrap();
    let key = automation["ping"]["key"].as_str().unwrap().to_owned();
    let health_path = format!("/api/v1/automations/{id}/health");
    assert_eq!(app.get_json(&health_path).await["state"], "unknown");
    let res = app
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "reader", "scope": "write"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let token = res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .put_json(
            &format!("/api/v1/automations/{id}/schedule"),
            &json!({"period_seconds": 21_600, "grace_seconds": 3_600}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // Twelve days of runs: successes and failures of many durations, a run
    // that changes its mind, and silences long enough to miss slots.
    let tool = crate::helpers::plain_client();
    let mut seed: u64 = 7;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) % n
    };
    for step in 0..70 {
        let rid = format!("r{step}");
        let ping = |suffix: String| {
            let (tool, url) = (tool.clone(), app.url(&format!("/ping/{key}{suffix}")));
            async move {
                let res = tool.post(url).body("log").send().await.unwrap();
                assert!(res.status().is_success(), "{}", res.status());
            }
        };
        ping(format!("/start?rid={rid}")).await;
        app.clock
            .advance(TimeDelta::milliseconds(1 + next(3_600_000) as i64));
        let end = match next(10) {
            0..=6 => format!("?rid={rid}"),
            7 => format!("/fail?rid={rid}"),
            _ => format!("/{}?rid={rid}", 1 + next(5)),
        };
        ping(end).await;
        app.settle().await;
        // Now and then a silence long enough to miss slots.
        let hours = if next(8) == 0 { 20 } else { 1 + next(5) as i64 };
        app.clock.advance(TimeDelta::hours(hours));
        look(&app).await;
    }
    app.settle().await;
    look(&app).await;
    // Days have passed: sessions are over; a token reads on.
    app.client = token_client(&token);

    let now = app.clock.now();
    let today = now.date_naive();
    let runs = app.store.runs(id, 10_000).await.unwrap();
    assert!(runs.len() >= 70, "{} runs", runs.len());
    let raw = from_raw(&runs, today);
    assert!(
        raw.per_day.values().any(|c| c[2] > 0) && raw.per_day.values().any(|c| c[1] > 0),
        "the story has failures and missed runs: {:?}",
        raw.per_day
    );
    let health = agrees_with_raw_runs(&app, id, &runs, true).await;
    let metrics = &health["metrics"];
    // The state follows the latest outcome.
    let latest = runs
        .iter()
        .filter(|r| r.status != RunStatus::Started)
        .max_by_key(|r| (r.at, r.id))
        .unwrap();
    let expected = match latest.status {
        RunStatus::Missed => "silent",
        RunStatus::Failed | RunStatus::TimedOut => "failing",
        _ => {
            if metrics["rates"][0]["percent"].as_f64().unwrap() < 90.0 {
                "degraded"
            } else {
                "healthy"
            }
        }
    };
    assert_eq!(health["state"], expected, "{health}");
    // The orchestration (its one automation) reads the same.
    let slug = orchestration["slug"].as_str().unwrap();
    let of_orchestration = app
        .get_json(&format!("/api/v1/orchestrations/{slug}/health"))
        .await;
    assert_eq!(of_orchestration["metrics"], health["metrics"]);
    assert_eq!(of_orchestration["automations"][0]["state"], expected);
    // Leverage now counts the runs seen, not the declared ones.
    let leverage = app
        .get_json(&format!("/api/v1/automations/{id}/leverage"))
        .await;
    assert_eq!(
        leverage["leverage"]["runs_source"], "observed",
        "{leverage}"
    );

    // Runs that change after the fact (a tool's re-run turning a failure
    // into a success, a run moved to another day, a duration corrected):
    // each moves from what it was to what it is.
    let failed = runs.iter().find(|r| r.status == RunStatus::Failed).unwrap();
    let succeeded = runs
        .iter()
        .find(|r| r.status == RunStatus::Succeeded && r.duration_ms.is_some())
        .unwrap();
    app.db
        .execute(
            "UPDATE runs SET status = 'succeeded' WHERE id = $1",
            failed.id,
        )
        .await;
    app.db
        .execute(
            "UPDATE runs SET duration_ms = duration_ms * 7 + 3 WHERE id = $1",
            succeeded.id,
        )
        .await;
    app.db
        .execute(
            &format!(
                "UPDATE runs SET status = 'timed_out', at = {} WHERE id = $1",
                match backend {
                    Backend::Sqlite => "'2026-11-26T00:00:01+00:00'",
                    Backend::Postgres => "'2026-11-26T00:00:01Z'",
                }
            ),
            runs.iter()
                .find(|r| r.status == RunStatus::Succeeded && r.id != succeeded.id)
                .unwrap()
                .id,
        )
        .await;
    let changed = app.store.runs(id, 10_000).await.unwrap();
    let before_changes = health;
    let health = agrees_with_raw_runs(&app, id, &changed, false).await;
    assert_ne!(
        health["metrics"], before_changes["metrics"],
        "the changes show"
    );

    // Retention: raw runs older than a week go, the figures stay.
    let gone = baton::health::look(&*app.store, now, TimeDelta::days(7))
        .await
        .unwrap()
        .deleted;
    let left = app.store.runs(id, 10_000).await.unwrap();
    assert!(gone > 0 && left.len() + gone as usize == changed.len());
    assert!(left.iter().all(|r| r.at >= now - TimeDelta::days(7)));
    let again = baton::health::look(&*app.store, now, TimeDelta::days(7))
        .await
        .unwrap()
        .deleted;
    assert_eq!(again, 0, "nothing older is left to delete");
    assert_eq!(app.store.runs(id, 10_000).await.unwrap().len(), left.len());
    let after = app.get_json(&health_path).await;
    assert_eq!(after["metrics"], health["metrics"], "rollups kept");
    assert_eq!(look(&app).await.missed, 0, "nothing missed again");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pauses_excuse_missed_runs_and_are_refused_when_they_make_no_sense(
    #[case] backend: Backend,
) {
    let app = spawn_app(backend).await;
    let orchestration = app.add_orchestration(json!({"name": "Payroll"})).await;
    let slug = orchestration["slug"].as_str().unwrap().to_owned();
    let automation = app
        .add_automation(
            json!({"tool": "cron", "external_id": "pay.sh", "name": "Pay",
                               "orchestration_id": orchestration["id"]}),
        )
        .await;
    let id = automation["id"].as_i64().unwrap();
    let res = app
        .put_json(
            &format!("/api/v1/automations/{id}/schedule"),
            &json!({"period_seconds": 3_600, "grace_seconds": 600}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let start = app.clock.now(); // 09:00
    let at =
        |h: i64| (start + TimeDelta::hours(h)).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);

    // Bad windows: refused with the field and why; nothing written.
    let pauses_path = format!("/api/v1/orchestrations/{slug}/pauses");
    for (body, field, why) in [
        (
            json!({"starts_at": at(3), "ends_at": at(2)}),
            "ends_at",
            "after the start",
        ),
        (
            json!({"starts_at": at(-3), "ends_at": at(-1)}),
            "ends_at",
            "in the future",
        ),
        (
            json!({"reason": "x".repeat(501)}),
            "reason",
            "500 characters",
        ),
    ] {
        let res = app.post_json(&pauses_path, &body).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let answer: Value = res.json().await.unwrap();
        assert_eq!(answer["fields"][0]["field"], field, "{answer}");
        assert!(
            answer["fields"][0]["message"]
                .as_str()
                .unwrap()
                .contains(why),
            "{answer}"
        );
    }
    let res = app
        .post_json(&pauses_path, &json!({"ends_at": "soon"}))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let health_path = format!("/api/v1/automations/{id}/health");
    assert_eq!(
        app.get_json(&health_path).await["pauses"],
        json!([]),
        "nothing written"
    );
    let (viewer, _) = app
        .as_new("viewer@example.com", app::model::accounts::Role::Viewer)
        .await;
    let res = viewer
        .post(app.url(&pauses_path))
        .header("Origin", app.url(""))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // A maintenance window of the orchestration from 11:30 to 14:30.
    let res = app
        .post_json(
            &pauses_path,
            &json!({"starts_at": at(2) .replace(":00:00", ":30:00"), "ends_at": at(5).replace(":00:00", ":30:00"), "reason": "database upgrade"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let window: Value = res.json().await.unwrap();
    // Paused now by hand, until resumed.
    let res = app
        .post_json(
            &format!("/api/v1/automations/{id}/pauses"),
            &json!({"reason": "investigating"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let pause: Value = res.json().await.unwrap();
    let health = app.get_json(&health_path).await;
    assert_eq!(health["state"], "paused");
    assert_eq!(health["why"], "Paused until resumed: investigating.");
    assert_eq!(health["pauses"].as_array().unwrap().len(), 2);
    app.clock.advance(TimeDelta::minutes(30));
    let res = app
        .post_json(&format!("/api/v1/pauses/{}/end", pause["id"]), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .post_json(&format!("/api/v1/pauses/{}/end", pause["id"]), &json!({}))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "over already"
    );
    assert_eq!(
        app.post_json("/api/v1/pauses/999999/end", &json!({}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // At 16:30: 10:00 was missed (the hand pause ended at 09:30), 12:00 to
    // 14:00 fall in the window, 15:00 and 16:00 are missed again.
    app.clock.set(start + TimeDelta::minutes(450));
    look(&app).await;
    let missed: Vec<String> = app
        .store
        .runs(id, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.status == RunStatus::Missed)
        .map(|r| r.at.format("%H:%M").to_string())
        .rev()
        .collect();
    assert_eq!(missed, ["10:00", "11:00", "15:00", "16:00"]);
    let health = app.get_json(&health_path).await;
    assert_eq!(health["state"], "silent", "{health}");
    let of_orchestration = app
        .get_json(&format!("/api/v1/orchestrations/{slug}/health"))
        .await;
    assert_eq!(of_orchestration["state"], "silent");

    // A window planned ahead is removed outright when ended before it
    // begins; one on now makes the orchestration paused.
    let res = app
        .post_json(
            &pauses_path,
            &json!({"starts_at": at(30), "ends_at": at(32)}),
        )
        .await;
    let planned: Value = res.json().await.unwrap();
    let res = app
        .post_json(&format!("/api/v1/pauses/{}/end", planned["id"]), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app.post_json(&pauses_path, &json!({})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let of_orchestration = app
        .get_json(&format!("/api/v1/orchestrations/{slug}/health"))
        .await;
    assert_eq!(of_orchestration["state"], "paused");
    let ids: Vec<i64> = of_orchestration["pauses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert!(!ids.contains(&planned["id"].as_i64().unwrap()), "{ids:?}");
    assert!(
        !ids.contains(&window["id"].as_i64().unwrap()),
        "over: {ids:?}"
    );
    let audit = app.get_json("/api/v1/audit?action=pause.added").await;
    assert_eq!(
        audit["entries"].as_array().map(Vec::len),
        Some(4),
        "{audit}"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_report_job_lag_health_counts_and_answer_times(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let automation = app
        .add_automation(json!({"tool": "cron", "external_id": "m.sh", "name": "M"}))
        .await;
    let key = automation["ping"]["key"].as_str().unwrap();
    let res = crate::helpers::plain_client()
        .get(app.url(&format!("/ping/{key}/1")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    app.settle().await;
    app.store
        .job_round_done(
            baton::health::LEASE,
            app.clock.now() - TimeDelta::seconds(42),
        )
        .await
        .unwrap();
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(
        text.contains("baton_job_lag_seconds{job=\"missed-runs\"} 42"),
        "{text}"
    );
    assert!(
        text.contains("baton_automations{state=\"failing\"} 1"),
        "{text}"
    );
    assert!(text.contains("baton_automations{state=\"healthy\"} 0"));
    assert!(
        text.contains("baton_ingest_answer_seconds_count 1"),
        "{text}"
    );
    assert!(text.contains("baton_ingest_answer_seconds_bucket{le=\"+Inf\"} 1"));
    let counts = app.get_json("/api/v1/health").await;
    assert_eq!(counts["automations"]["failing"], 1);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_show_each_state_as_its_own_page_does(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let billing = app
        .add_orchestration(
            json!({"name": "Billing", "tier": 1, "minutes_saved_per_run": 30,
                   "expected_runs_per_week": 5}),
        )
        .await;
    let ledger = app.add_orchestration(json!({"name": "Ledger"})).await;
    let empty = app.add_orchestration(json!({"name": "Empty"})).await;
    let member = |name: &str, o: &Value| {
        json!({"tool": "cron", "external_id": format!("{name}.sh"), "name": name,
               "orchestration_id": o["id"]})
    };
    let invoice = app.add_automation(member("Invoice", &billing)).await;
    let charge = app.add_automation(member("Charge", &billing)).await;
    let post = app.add_automation(member("Post", &ledger)).await;
    let loose = app
        .add_automation(json!({"tool": "cron", "external_id": "x.sh", "name": "Loose"}))
        .await;
    let ping = |a: &Value, suffix: &str| {
        let key = a["ping"]["key"].as_str().unwrap().to_owned();
        let url = app.url(&format!("/ping/{key}{suffix}"));
        async move {
            let res = crate::helpers::plain_client()
                .get(url)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
        }
    };
    ping(&invoice, "").await;
    ping(&charge, "/fail").await;
    ping(&post, "").await;
    app.settle().await;
    let res = app
        .post_json(
            &format!("/api/v1/automations/{}/pauses", post["id"]),
            &json!({"reason": "ledger migration"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);

    // What each one's own health says.
    let mut expected = BTreeMap::new();
    for a in [&invoice, &charge, &post, &loose] {
        let health = app
            .get_json(&format!("/api/v1/automations/{}/health", a["id"]))
            .await;
        expected.insert(
            a["name"].as_str().unwrap().to_owned(),
            health["state"].clone(),
        );
    }
    assert_eq!(
        expected,
        BTreeMap::from([
            ("Charge".to_owned(), json!("failing")),
            ("Invoice".to_owned(), json!("healthy")),
            ("Loose".to_owned(), json!("unknown")),
            ("Post".to_owned(), json!("paused")),
        ])
    );
    let mut expected_o = BTreeMap::new();
    for o in [&billing, &ledger, &empty] {
        let health = app
            .get_json(&format!(
                "/api/v1/orchestrations/{}/health",
                o["slug"].as_str().unwrap()
            ))
            .await;
        expected_o.insert(
            o["name"].as_str().unwrap().to_owned(),
            health["state"].clone(),
        );
    }
    assert_eq!(
        expected_o,
        BTreeMap::from([
            ("Billing".to_owned(), json!("failing")),
            ("Empty".to_owned(), json!("unknown")),
            ("Ledger".to_owned(), json!("paused")),
        ])
    );

    // The lists say the same, with why when all is not well.
    let (browser, _) = app
        .as_new("lead@example.com", app::model::accounts::Role::Viewer)
        .await;
    let res = browser
        .post(app.url("/rpc/orchestrations/list"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let list: Vec<Value> = res.json().await.unwrap();
    let listed: BTreeMap<String, Value> = list
        .iter()
        .map(|o| (o["name"].as_str().unwrap().to_owned(), o["health"].clone()))
        .collect();
    assert_eq!(listed, expected_o);
    let billing_row = list.iter().find(|o| o["name"] == "Billing").unwrap();
    assert_eq!(billing_row["health_why"], "1 of its automations failing.");

    let res = browser
        .post(app.url("/rpc/inventory/page"))
        .json(&json!({"filter": {}, "page": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page: Value = res.json().await.unwrap();
    let rows: BTreeMap<String, Value> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap().to_owned(), r["health"].clone()))
        .collect();
    assert_eq!(rows, expected);

    // The dashboard counts the same, and puts the failing one first.
    let res = browser
        .post(app.url("/rpc/dashboard"))
        .json(&json!({"filter": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let dashboard: Value = res.json().await.unwrap();
    let by_state = |key: &str| -> BTreeMap<String, i64> {
        dashboard[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().to_owned(), p[1].as_i64().unwrap()))
            .filter(|(_, n)| *n > 0)
            .collect()
    };
    assert_eq!(
        by_state("orchestrations_by_state"),
        BTreeMap::from([
            ("failing".to_owned(), 1),
            ("paused".to_owned(), 1),
            ("unknown".to_owned(), 1)
        ])
    );
    assert_eq!(
        by_state("automations_by_state"),
        BTreeMap::from([
            ("failing".to_owned(), 1),
            ("healthy".to_owned(), 1),
            ("paused".to_owned(), 1),
            ("unknown".to_owned(), 1)
        ])
    );
    let attention = dashboard["attention"].as_array().unwrap();
    assert_eq!(attention.len(), 1, "{dashboard}");
    assert_eq!(attention[0]["name"], "Billing");
    assert_eq!(attention[0]["state"], "failing");
    assert!(
        attention[0]["last_success_at"].is_string(),
        "Invoice succeeded"
    );
    assert_eq!(dashboard["loose_automations"], 1);
    assert_eq!(dashboard["unowned_automations"], 4);
    assert_eq!(
        dashboard["unowned_orchestrations"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let top = &dashboard["top_three"];
    assert_eq!(top[0]["name"], "Billing", "{top}");
    assert!(!top[0]["why"].as_str().unwrap().is_empty());
    // Narrowed to tier 1: Billing and its automations only.
    let res = browser
        .post(app.url("/rpc/dashboard"))
        .json(&json!({"filter": {"tier": 1}}))
        .send()
        .await
        .unwrap();
    let tier1: Value = res.json().await.unwrap();
    let count = |key: &str| -> i64 {
        tier1[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[1].as_i64().unwrap())
            .sum()
    };
    assert_eq!(count("orchestrations_by_state"), 1, "{tier1}");
    assert_eq!(count("automations_by_state"), 2, "Invoice and Charge");
    assert_eq!(tier1["loose_automations"], 0);
    assert_eq!(tier1["attention"][0]["name"], "Billing");
    assert_eq!(tier1["filter"]["tier"], 1);
    // Without JavaScript the page says the same, and takes the filter
    // from the address.
    let page = |path: &'static str| {
        let request = browser.get(app.url(path));
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    let html = page("/?tier=2").await;
    assert!(
        html.contains("No orchestration or loose automation is failing"),
        "tier 2 has none"
    );
    assert!(
        html.contains("<option value=\"2\" selected"),
        "the form keeps it"
    );
    let html = page("/").await;
    assert!(html.contains("Needs attention"), "{html}");
    assert!(html.contains("1 of its automations failing."));

    // The counts agree with the lists.
    let counts = app.get_json("/api/v1/health").await;
    assert_eq!(counts["automations"]["failing"], 1);
    assert_eq!(counts["automations"]["healthy"], 1);
    assert_eq!(counts["automations"]["paused"], 1);
    assert_eq!(counts["automations"]["unknown"], 1);
    assert_eq!(counts["orchestrations"]["failing"], 1);
    assert_eq!(counts["orchestrations"]["paused"], 1);
    assert_eq!(counts["orchestrations"]["unknown"], 1);
}

//! Review schedules (`/api/v1/orchestrations/{slug}/review-schedule`): a
//! new orchestration is due within its first quarter; the cadence moves the
//! due date; the standing follows the controllable clock across month,
//! quarter and year ends; the fiscal year's first month moves the quarters.
//! Requests go with an API token: the clock moves past any session's end.

use chrono::TimeDelta;
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, plain_client, spawn_app, spawn_app_with};

const SCHEDULE: &str = "/api/v1/orchestrations/payroll-run/review-schedule";

/// An administrator's read-write token.
async fn token(app: &TestApp) -> String {
    let res = app
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "reviews", "scope": "write"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let res = plain_client()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.json().await.unwrap()
}

async fn read(app: &TestApp, token: &str) -> Value {
    get(app, token, SCHEDULE).await
}

async fn set(app: &TestApp, token: &str, cadence: &str) -> (StatusCode, Value) {
    let res = plain_client()
        .put(app.url(SCHEDULE))
        .bearer_auth(token)
        .json(&json!({ "cadence": cadence }))
        .send()
        .await
        .unwrap();
    (res.status(), res.json().await.unwrap())
}

fn due(schedule: &Value) -> (&str, &str, &str) {
    (
        schedule["due_on"].as_str().unwrap(),
        schedule["standing"].as_str().unwrap(),
        schedule["quarter"].as_str().unwrap(),
    )
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn due_dates_follow_the_cadence_and_the_clock(#[case] backend: Backend) {
    // The clock starts on 2026-11-25.
    let app = spawn_app(backend).await;
    app.add_orchestration(json!({"name": "Payroll run"})).await;
    let token = token(&app).await;

    // New: quarterly by default, due by the end of its first quarter.
    let s = read(&app, &token).await;
    assert_eq!(
        (s["cadence"].as_str(), s["cadence_set"].as_bool()),
        (Some("quarterly"), Some(false))
    );
    assert_eq!(s["last_review_on"], Value::Null);
    assert_eq!(due(&s), ("2026-12-31", "due", "2026-Q4"));
    assert_eq!(
        (s["quarter_starts"].as_str(), s["quarter_ends"].as_str()),
        (Some("2026-10-01"), Some("2026-12-31"))
    );

    // Monthly: due by the end of November; overdue on 1 December.
    let (status, s) = set(&app, &token, "monthly").await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["cadence_set"], true);
    assert_eq!(due(&s), ("2026-11-30", "due", "2026-Q4"));
    app.clock.advance(TimeDelta::days(5));
    assert_eq!(
        due(&read(&app, &token).await),
        ("2026-11-30", "due", "2026-Q4")
    );
    app.clock.advance(TimeDelta::days(1));
    assert_eq!(
        due(&read(&app, &token).await),
        ("2026-11-30", "overdue", "2026-Q4")
    );

    // Half-yearly: due by the end of December again.
    let (_, s) = set(&app, &token, "half_yearly").await;
    assert_eq!(due(&s), ("2026-12-31", "due", "2026-Q4"));
    // Across the year's end: a new quarter, and overdue.
    app.clock.advance(TimeDelta::days(31));
    assert_eq!(
        due(&read(&app, &token).await),
        ("2026-12-31", "overdue", "2027-Q1")
    );

    // An unknown cadence: 422 naming the ones there are; nothing changed.
    let audit_before = get(&app, &token, "/api/v1/audit").await["total"].clone();
    for bad in ["weekly", "", "Quarterly"] {
        let (status, body) = set(&app, &token, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(body["fields"][0]["field"], "cadence");
        assert_eq!(
            body["fields"][0]["message"],
            format!("unknown cadence {bad:?}: monthly, quarterly or half_yearly")
        );
    }
    let res = plain_client()
        .put(app.url(SCHEDULE))
        .bearer_auth(&token)
        .body("cadence=monthly")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(read(&app, &token).await["cadence"], "half_yearly");
    let audit = get(
        &app,
        &token,
        "/api/v1/audit?action=orchestration.review_cadence_set",
    )
    .await;
    assert_eq!(audit["total"], 2, "{audit}");
    assert_eq!(audit["entries"][0]["before"], "monthly");
    assert_eq!(audit["entries"][0]["after"], "half_yearly");
    assert_eq!(
        get(&app, &token, "/api/v1/audit").await["total"],
        audit_before
    );

    // Unknown orchestration: 404.
    let res = plain_client()
        .get(app.url("/api/v1/orchestrations/nothing/review-schedule"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_fiscal_year_from_april_moves_the_quarters(#[case] backend: Backend) {
    let app = spawn_app_with(backend, &["--fiscal-year-start", "4"]).await;
    app.add_orchestration(json!({"name": "Payroll run"})).await;
    let token = token(&app).await;
    // 25 November is in the third quarter of the year from April 2026.
    let s = read(&app, &token).await;
    assert_eq!(due(&s), ("2026-12-31", "due", "2026-Q3"));
    assert_eq!(s["quarter_starts"], "2026-10-01");
    // Its half years run October to March.
    let (_, s) = set(&app, &token, "half_yearly").await;
    assert_eq!(due(&s), ("2027-03-31", "upcoming", "2026-Q3"));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn only_those_who_may_edit_set_the_cadence(#[case] backend: Backend) {
    use app::model::accounts::Role;
    let app = spawn_app(backend).await;
    let (viewer, _) = app.as_new("viewer@example.com", Role::Viewer).await;
    let (other, _) = app.as_new("other@example.com", Role::Editor).await;
    let (owner, owner_id) = app.as_new("owner@example.com", Role::Editor).await;
    app.add_orchestration(json!({"name": "Payroll run", "owner_id": owner_id}))
        .await;
    for client in [&viewer, &other] {
        let res = client
            .put(app.url(SCHEDULE))
            .json(&json!({"cadence": "monthly"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    let read: Value = viewer
        .get(app.url(SCHEDULE))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["cadence_set"], false, "nothing was set");
    let res = owner
        .put(app.url(SCHEDULE))
        .json(&json!({"cadence": "monthly"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.get_json(SCHEDULE).await["cadence"], "monthly");
}

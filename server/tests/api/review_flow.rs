//! Reviews themselves (`/api/v1/orchestrations/{slug}/reviews`,
//! `/api/v1/reviews/…`, `/api/v1/review-actions/…`), on both backends with
//! the controllable clock: a draft saved, refused when stale or unfinished,
//! signed off (then read-only) with the due date it answered and the next
//! one; action items carried to the next review and tracked to done; the
//! board and the report of a quarter, on time and late; each bad input's
//! answer, with nothing changed. Requests go with an API token: the clock
//! moves past any session's end.

use app::model::accounts::Role;
use chrono::TimeDelta;
use reqwest::{Method, StatusCode};
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, plain_client, spawn_app};

const ITEMS: [&str; 6] = [
    "owner_right",
    "backup_owner_set",
    "runbook_verified",
    "failure_mode_true",
    "health_within_target",
    "dependencies_correct",
];

/// An administrator's read-write token.
async fn token(app: &TestApp) -> String {
    let res = app
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "review", "scope": "write"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Sends `method path` with a JSON body (or none); the status and the body.
async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = plain_client()
        .request(method, app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let res = request.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let (status, body) = send(app, token, Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

/// A request, the status it gets, and the field and message it names.
type BadCase = (
    Method,
    String,
    Option<Value>,
    StatusCode,
    &'static str,
    &'static str,
);

/// Every item answered yes, with a decision.
fn complete(version: i64, decision: &str) -> Value {
    let answers: serde_json::Map<String, Value> = ITEMS
        .iter()
        .map(|i| ((*i).to_owned(), json!({"answer": "yes", "note": ""})))
        .collect();
    json!({"version": version, "answers": answers, "decision": decision, "notes": "All good."})
}

fn board_rows(board: &Value) -> Vec<(String, String, String)> {
    board["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["slug"].as_str().unwrap().to_owned(),
                r["status"].as_str().unwrap().to_owned(),
                r["due_on"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The dashboard's reviews, as the signed-in administrator sees them.
async fn dashboard_reviews(app: &TestApp) -> Value {
    let d: Value = app
        .client
        .post(app.url("/rpc/dashboard"))
        .json(&json!({"filter": {}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    d["reviews"].clone()
}

async fn audit_total(app: &TestApp, token: &str) -> i64 {
    get(app, token, "/api/v1/audit").await["total"]
        .as_i64()
        .unwrap()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_review_is_saved_signed_off_and_carries_its_actions_to_the_next(
    #[case] backend: Backend,
) {
    // The clock starts on 2026-11-25: Q4, payroll due by 31 December.
    let app = spawn_app(backend).await;
    let token = token(&app).await;
    let me = app.admin_id;
    app.add_orchestration(json!({"name": "Payroll run", "owner_id": me}))
        .await;

    // Started: a draft, every question unanswered, Baton's hints beside.
    let (status, started) = send(
        &app,
        &token,
        Method::POST,
        "/api/v1/orchestrations/payroll-run/reviews",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let id = started["review"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/reviews/{id}");
    assert_eq!(started["review"]["state"], "draft");
    assert_eq!(started["review"]["version"], 1);
    assert_eq!(started["quarter"], "2026-Q4");
    assert_eq!(started["review"]["answers"].as_array().unwrap().len(), 6);
    assert!(
        started["review"]["answers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["answer"].is_null())
    );
    let hints = started["hints"].as_array().unwrap();
    assert_eq!(hints[1]["item"], "backup_owner_set");
    assert_eq!(hints[1]["seen"], "No backup owner is set.");
    assert_eq!(hints[1]["suggests"], "no");
    assert_eq!(hints[2]["seen"], "It has no runbook.");
    // A second start while the draft is open: 409, no second draft.
    let (status, body) = send(
        &app,
        &token,
        Method::POST,
        "/api/v1/orchestrations/payroll-run/reviews",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["error"],
        "a review of Payroll run is already under way: continue it"
    );

    // The owner's dashboard: due this quarter, under way.
    let d = dashboard_reviews(&app).await;
    assert_eq!(
        (d["quarter"].as_str(), d["due"].as_i64()),
        (Some("2026-Q4"), Some(1))
    );
    assert_eq!(d["mine"][0]["slug"], "payroll-run");
    assert_eq!(d["mine"][0]["due_on"], "2026-12-31");
    assert_eq!(d["mine"][0]["in_progress"], true);

    // Saved part-way: version 2.
    let partial = json!({"version": 1, "answers": {"owner_right": {"answer": "yes", "note": "Still Ana."},
        "backup_owner_set": {"answer": "no", "note": ""}}, "decision": "keep"});
    let (status, saved) = send(&app, &token, Method::PUT, &path, Some(partial.clone())).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["review"]["version"], 2);
    assert_eq!(saved["review"]["answers"][0]["note"], "Still Ana.");
    assert_eq!(saved["review"]["answers"][1]["answer"], "no");
    assert_eq!(saved["review"]["decision"], "keep");

    // The same save again, from version 1: 409 with what is there now.
    let audit = audit_total(&app, &token).await;
    let (status, body) = send(&app, &token, Method::PUT, &path, Some(partial)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["current"]["version"], 2, "{body}");
    // Signing off unfinished: 422 with each thing missing; nothing kept.
    let unfinished = json!({"version": 2, "answers": {"owner_right": {"answer": "yes"},
        "backup_owner_set": {"answer": "no", "note": ""}}});
    let (status, body) = send(
        &app,
        &token,
        Method::POST,
        &format!("{path}/sign"),
        Some(unfinished),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<(&str, &str)> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        vec![
            (
                "answers.backup_owner_set",
                "say in a note what is wrong and what will be done"
            ),
            (
                "answers.runbook_verified",
                "answer yes or no before signing off"
            ),
            (
                "answers.failure_mode_true",
                "answer yes or no before signing off"
            ),
            (
                "answers.health_within_target",
                "answer yes or no before signing off"
            ),
            (
                "answers.dependencies_correct",
                "answer yes or no before signing off"
            ),
            ("decision", "choose a decision before signing off"),
        ]
    );
    let still = get(&app, &token, &path).await;
    assert_eq!(
        (
            still["review"]["state"].as_str(),
            still["review"]["version"].as_i64()
        ),
        (Some("draft"), Some(2))
    );
    assert_eq!(audit_total(&app, &token).await, audit);

    // An action item, due in January, for the admin.
    let (status, action) = send(
        &app,
        &token,
        Method::POST,
        &format!("{path}/actions"),
        Some(json!({"title": "Name a backup owner", "owner_id": me.to_string(), "due_on": "2027-01-15"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{action}");
    let action_id = action["id"].as_i64().unwrap();
    assert_eq!(action["owner"], "admin");
    assert_eq!(action["done_at"], Value::Null);

    // Signed off on 25 November: on time for 31 December; read-only.
    let (status, signed) = send(
        &app,
        &token,
        Method::POST,
        &format!("{path}/sign"),
        Some(complete(2, "keep")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(signed["review"]["state"], "signed");
    assert_eq!(signed["review"]["answered"], "2026-12-31");
    assert_eq!(signed["review"]["signed_by"], "admin");
    assert_eq!(signed["actions"][0]["title"], "Name a backup owner");
    let schedule = &signed["schedule"];
    assert_eq!(schedule["last_review_on"], "2026-11-25");
    assert_eq!(schedule["due_on"], "2027-03-31");
    assert_eq!(schedule["standing"], "upcoming");
    let audit = audit_total(&app, &token).await;
    for (method, target, body) in [
        (Method::PUT, path.clone(), Some(complete(3, "retire"))),
        (
            Method::POST,
            format!("{path}/sign"),
            Some(complete(3, "retire")),
        ),
        (
            Method::POST,
            format!("{path}/actions"),
            Some(json!({"title": "Late", "due_on": "2027-01-15"})),
        ),
        (Method::DELETE, path.clone(), None),
    ] {
        let (status, body) = send(&app, &token, method.clone(), &target, body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{method} {target}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains("signed off"),
            "{body}"
        );
    }
    assert_eq!(get(&app, &token, &path).await["review"], signed["review"]);
    assert_eq!(audit_total(&app, &token).await, audit);

    // Off the owner's list on the dashboard; counted done.
    let d = dashboard_reviews(&app).await;
    assert_eq!(d["mine"], json!([]));
    assert_eq!((d["due"].as_i64(), d["done"].as_i64()), (Some(0), Some(1)));

    // The board of Q4: done on time; the share is 100 %.
    let board = get(&app, &token, "/api/v1/reviews?quarter=2026-Q4").await;
    assert_eq!(
        board_rows(&board),
        vec![(
            "payroll-run".to_owned(),
            "done".to_owned(),
            "2026-12-31".to_owned()
        )]
    );
    assert_eq!(board["counts"]["on_time_share"], 1.0);
    assert_eq!(board["rows"][0]["decision"], "keep");
    // Q1 2027 shows it due again.
    let q1 = get(&app, &token, "/api/v1/reviews?quarter=2027-Q1").await;
    assert_eq!(
        board_rows(&q1),
        vec![(
            "payroll-run".to_owned(),
            "due".to_owned(),
            "2027-03-31".to_owned()
        )]
    );

    // Into Q1: the next review shows the open action item again.
    app.clock.advance(TimeDelta::days(50));
    let (status, next) = send(
        &app,
        &token,
        Method::POST,
        "/api/v1/orchestrations/payroll-run/reviews",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{next}");
    assert_eq!(next["quarter"], "2027-Q1");
    assert_eq!(next["actions"], json!([]));
    assert_eq!(next["carried_actions"][0]["id"], action_id);
    // Done, reopened, done: each once; the second "done" is refused.
    let done_path = format!("/api/v1/review-actions/{action_id}/done");
    let (status, done) = send(&app, &token, Method::POST, &done_path, None).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["done_by"], "admin");
    assert_eq!(done["done_at"].as_str().unwrap()[..10], *"2027-01-14");
    let (status, body) = send(&app, &token, Method::POST, &done_path, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"], "this action item is already done");
    let (status, reopened) = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/review-actions/{action_id}/reopen"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reopened["done_at"], Value::Null);
    send(&app, &token, Method::POST, &done_path, None).await;
    // Done in this quarter: still shown on this quarter's review.
    let next_id = next["review"]["id"].as_i64().unwrap();
    let again = get(&app, &token, &format!("/api/v1/reviews/{next_id}")).await;
    assert_eq!(again["carried_actions"][0]["done_by"], "admin");
    // The draft thrown away: 204, and the orchestration's reviews are the
    // signed one alone.
    let (status, _) = send(
        &app,
        &token,
        Method::DELETE,
        &format!("/api/v1/reviews/{next_id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let list = get(&app, &token, "/api/v1/orchestrations/payroll-run/reviews").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], id);

    // Every step in the audit log, in order.
    let audit = get(&app, &token, "/api/v1/audit?subject_kind=orchestration").await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str().filter(|a| a.starts_with("review.")))
        .collect();
    assert_eq!(
        actions,
        vec![
            "review.discarded",
            "review.action_done",
            "review.action_reopened",
            "review.action_done",
            "review.started",
            "review.signed",
            "review.action_added",
            "review.saved",
            "review.started",
        ]
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn overdue_late_reviews_the_board_the_report_and_cadence_changes(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let token = token(&app).await;
    app.add_orchestration(json!({"name": "Payroll run", "tier": 1}))
        .await;
    app.add_orchestration(json!({"name": "Invoice sync", "tier": 2}))
        .await;

    // 2 January 2027: both were due by 31 December and are overdue; Q1's
    // board carries them, Q4's says what became of Q4.
    app.clock.advance(TimeDelta::days(38));
    let q1 = get(&app, &token, "/api/v1/reviews").await;
    assert_eq!(q1["quarter"], "2027-Q1");
    assert_eq!(
        board_rows(&q1),
        vec![
            (
                "payroll-run".to_owned(),
                "overdue".to_owned(),
                "2026-12-31".to_owned()
            ),
            (
                "invoice-sync".to_owned(),
                "overdue".to_owned(),
                "2026-12-31".to_owned()
            ),
        ]
    );
    assert_eq!(q1["counts"]["overdue"], 2);
    assert_eq!(q1["counts"]["on_time_share"], Value::Null);
    let q4 = get(&app, &token, "/api/v1/reviews?quarter=2026-Q4").await;
    assert_eq!(q4["counts"]["overdue"], 2);
    assert_eq!(q4["counts"]["on_time_share"], 0.0);

    // Payroll signed off late, deciding to merge into Invoice sync.
    let (_, started) = send(
        &app,
        &token,
        Method::POST,
        "/api/v1/orchestrations/payroll-run/reviews",
        None,
    )
    .await;
    let id = started["review"]["id"].as_i64().unwrap();
    let mut body = complete(1, "merge");
    body["merge_into"] = json!("invoice-sync");
    let (status, signed) = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/reviews/{id}/sign"),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(signed["review"]["answered"], "2026-12-31");
    assert_eq!(
        signed["merge_into"],
        json!(["invoice-sync", "Invoice sync"])
    );
    // Signed in January: due again by the end of the quarter after Q1.
    assert_eq!(signed["schedule"]["due_on"], "2027-06-30");
    let q4 = get(&app, &token, "/api/v1/reviews?quarter=2026-Q4").await;
    assert_eq!(
        board_rows(&q4),
        vec![
            (
                "invoice-sync".to_owned(),
                "overdue".to_owned(),
                "2026-12-31".to_owned()
            ),
            (
                "payroll-run".to_owned(),
                "done_late".to_owned(),
                "2026-12-31".to_owned()
            ),
        ]
    );
    assert_eq!(q4["counts"]["done_late"], 1);
    assert_eq!(q4["counts"]["on_time_share"], 0.0);

    // Monthly from now: counted from the January review, due by the end
    // of February; a half year: by the end of December.
    let schedule = "/api/v1/orchestrations/payroll-run/review-schedule";
    let (_, s) = send(
        &app,
        &token,
        Method::PUT,
        schedule,
        Some(json!({"cadence": "monthly"})),
    )
    .await;
    assert_eq!(s["due_on"], "2027-02-28");
    let (_, s) = send(
        &app,
        &token,
        Method::PUT,
        schedule,
        Some(json!({"cadence": "half_yearly"})),
    )
    .await;
    assert_eq!(s["due_on"], "2027-12-31");

    // The Q1 report: the merge decision, both orchestrations' health, the
    // board; its CSV has one line per review with a header.
    let report = get(&app, &token, "/api/v1/reviews/report?quarter=2027-Q1").await;
    assert_eq!(report["decisions"][0]["decision"], "merge");
    assert_eq!(
        report["decisions"][0]["merge_into"],
        json!(["invoice-sync", "Invoice sync"])
    );
    assert_eq!(report["health"].as_array().unwrap().len(), 2);
    assert_eq!(report["board"]["counts"]["overdue"], 1);
    let res = plain_client()
        .get(app.url("/api/v1/reviews/report.csv?quarter=2026-Q4"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"baton-reviews-2026-Q4.csv\""
    );
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("quarter,orchestration,slug,owner"));
    assert!(
        lines[2].starts_with("2026-Q4,Payroll run,payroll-run,,,1,half_yearly,2026-12-31,done_late,2027-01-02,admin,merge,"),
        "{csv}"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn bad_review_input_gets_its_answer_and_changes_nothing(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let token = token(&app).await;
    app.add_orchestration(json!({"name": "Payroll run"})).await;
    let (_, started) = send(
        &app,
        &token,
        Method::POST,
        "/api/v1/orchestrations/payroll-run/reviews",
        None,
    )
    .await;
    let id = started["review"]["id"].as_i64().unwrap();
    let path = format!("/api/v1/reviews/{id}");
    let before = get(&app, &token, &path).await;
    let audit = audit_total(&app, &token).await;

    let mut merge_self = complete(1, "merge");
    merge_self["merge_into"] = json!("payroll-run");
    let mut merge_unknown = complete(1, "merge");
    merge_unknown["merge_into"] = json!("nothing");
    let cases: Vec<BadCase> = vec![
        (
            Method::PUT,
            path.clone(),
            Some(json!({"version": 1, "answers": {"owner_right": {"answer": "perhaps"}}})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "answers.owner_right",
            "answer yes or no, or leave it empty",
        ),
        (
            Method::PUT,
            path.clone(),
            Some(json!({"version": 1, "decision": "scrap"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "decision",
            "keep, redesign, merge, retire or invest (or empty for not yet)",
        ),
        (
            Method::PUT,
            path.clone(),
            Some(json!({"answers": {}})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "version",
            "the version the edit started from (1 or more)",
        ),
        (
            Method::POST,
            format!("{path}/sign"),
            Some(merge_self),
            StatusCode::UNPROCESSABLE_ENTITY,
            "merge_into",
            "an orchestration cannot merge into itself",
        ),
        (
            Method::POST,
            format!("{path}/sign"),
            Some(merge_unknown),
            StatusCode::UNPROCESSABLE_ENTITY,
            "merge_into",
            "no orchestration is called \"nothing\"",
        ),
        (
            Method::POST,
            format!("{path}/actions"),
            Some(json!({"title": "Fix", "due_on": "2026-11-24"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "due_on",
            "a day from 2026-11-25 on",
        ),
        (
            Method::POST,
            format!("{path}/actions"),
            Some(json!({"title": "Fix", "due_on": "2027-01-01", "owner_id": "999"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "owner_id",
            "no active person has this id",
        ),
    ];
    for (method, target, body, expected, field, message) in cases {
        let (status, answer) = send(&app, &token, method.clone(), &target, body).await;
        assert_eq!(status, expected, "{method} {target}: {answer}");
        let found = answer["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["field"] == field && f["message"] == message);
        assert!(found, "{method} {target}: {answer}");
    }
    for (path, expected, message) in [
        (
            "/api/v1/reviews?quarter=2026-Q5",
            StatusCode::BAD_REQUEST,
            "quarter must be written like 2026-Q4, not \"2026-Q5\"",
        ),
        (
            "/api/v1/reviews/report?quarter=Q4",
            StatusCode::BAD_REQUEST,
            "quarter must be written like 2026-Q4, not \"Q4\"",
        ),
        ("/api/v1/reviews/99999", StatusCode::NOT_FOUND, "not found"),
        (
            "/api/v1/orchestrations/nothing/reviews",
            StatusCode::NOT_FOUND,
            "not found",
        ),
    ] {
        let (status, body) = send(&app, &token, Method::GET, path, None).await;
        assert_eq!((status, body["error"].as_str()), (expected, Some(message)));
    }
    let (status, _) = send(
        &app,
        &token,
        Method::POST,
        "/api/v1/review-actions/99999/done",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, &token, &path).await, before);
    assert_eq!(audit_total(&app, &token).await, audit);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn owners_review_viewers_read_and_an_action_owner_closes_their_item(
    #[case] backend: Backend,
) {
    let app = spawn_app(backend).await;
    let (viewer, _) = app.as_new("viewer@example.com", Role::Viewer).await;
    let (other, other_id) = app.as_new("other@example.com", Role::Editor).await;
    let (owner, owner_id) = app.as_new("owner@example.com", Role::Editor).await;
    app.add_orchestration(json!({"name": "Payroll run", "owner_id": owner_id}))
        .await;
    let start = app.url("/api/v1/orchestrations/payroll-run/reviews");
    for client in [&viewer, &other] {
        let res = client.post(&start).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    let res = owner.post(&start).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["review"]["id"]
        .as_i64()
        .unwrap();
    // A viewer reads the review and the board.
    let res = viewer
        .get(app.url(&format!("/api/v1/reviews/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = viewer.get(app.url("/api/v1/reviews")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // The other editor may not save it, but once an action item is theirs
    // they may close it.
    let res = other
        .put(app.url(&format!("/api/v1/reviews/{id}")))
        .json(&json!({"version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = owner
        .post(app.url(&format!("/api/v1/reviews/{id}/actions")))
        .json(&json!({"title": "Check the bank file", "owner_id": other_id.to_string(), "due_on": "2026-12-20"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let action = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let done = app.url(&format!("/api/v1/review-actions/{action}/done"));
    let res = viewer.post(&done).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = other.post(&done).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["done_by"], "other");
    // Anonymous: 401.
    let res = plain_client()
        .get(app.url("/api/v1/reviews"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

/// Runs one alerts round at the clock's time.
async fn alerts_round(app: &TestApp) -> baton::incidents::Round {
    use baton::clock::Clock as _;
    let settings = baton::incidents::Settings {
        escalate_after: TimeDelta::minutes(30),
        public_url: "https://baton.example.com".to_owned(),
        cooldown: TimeDelta::zero(),
        send_budget: std::time::Duration::from_secs(60),
        fiscal_calendar: Default::default(),
        allow_private_targets: true,
    };
    baton::incidents::round(
        &*app.store,
        &baton::incidents::Sender::new(true),
        &settings,
        app.clock.now(),
    )
    .await
    .unwrap()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn an_overdue_review_is_told_to_its_owner_once_per_due_date(#[case] backend: Backend) {
    use crate::incidents::Receiver;
    // The server's own alerts job waits an hour between rounds: the test
    // runs them at the clock's time.
    let app = crate::helpers::spawn_app_with(backend, &["--incident-look-seconds", "3600"]).await;
    let receiver = Receiver::start().await;
    let token = token(&app).await;
    let (_, owner) = app.as_new("olga@example.com", Role::Editor).await;
    let team = app
        .post_json("/api/v1/teams", &json!({"name": "Finance"}))
        .await;
    assert_eq!(team.status(), StatusCode::CREATED);
    let team = team.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    // Olga's own channel; the team's; an orchestration of each kind.
    for body in [
        json!({"name": "Olga's hook", "kind": "webhook", "url": receiver.url("/olga"), "user_id": owner}),
        json!({"name": "Finance room", "kind": "slack", "url": receiver.url("/finance"), "team_id": team}),
    ] {
        let res = app.post_json("/api/v1/channels", &body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{body}");
    }
    app.add_orchestration(json!({"name": "Payroll run", "owner_id": owner, "team_id": team}))
        .await;
    app.add_orchestration(json!({"name": "Invoice sync", "team_id": team}))
        .await;
    app.add_orchestration(json!({"name": "Reviewed", "owner_id": owner}))
        .await;
    // Reviewed on time: never overdue in this test.
    let (_, started) = send(
        &app,
        &token,
        Method::POST,
        "/api/v1/orchestrations/reviewed/reviews",
        None,
    )
    .await;
    let id = started["review"]["id"].as_i64().unwrap();
    let (status, _) = send(
        &app,
        &token,
        Method::POST,
        &format!("/api/v1/reviews/{id}/sign"),
        Some(complete(1, "keep")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // 31 December: due today, not overdue; nobody is told.
    app.clock.advance(TimeDelta::days(36));
    assert_eq!(alerts_round(&app).await.review_notices, 0);
    assert_eq!(receiver.count(), 0);

    // 1 January: overdue. Olga hears of Payroll run on her own channel;
    // Invoice sync has no owner: its team's room hears of it.
    app.clock.advance(TimeDelta::days(1));
    let round = alerts_round(&app).await;
    assert_eq!(round.review_notices, 2);
    let olga = receiver.got("/olga");
    assert_eq!(olga.len(), 1);
    let body = olga[0].json();
    assert_eq!(body["type"], "review.overdue");
    assert_eq!(body["due_on"], "2026-12-31");
    assert_eq!(body["days_overdue"], 1);
    assert_eq!(body["orchestration"]["slug"], "payroll-run");
    assert_eq!(
        body["orchestration"]["url"],
        "https://baton.example.com/orchestrations/payroll-run#reviews"
    );
    assert_eq!(
        body["text"],
        "The review of Payroll run is overdue: it was due by 2026-12-31 (1 day ago)."
    );
    let key = olga[0].header("idempotency-key").to_owned();
    assert!(key.starts_with("baton-review-notice-"), "{key}");
    let finance = receiver.got("/finance");
    assert_eq!(finance.len(), 1);
    let text = finance[0].json()["text"].as_str().unwrap().to_owned();
    assert!(
        text.starts_with("The review of Invoice sync is overdue: it was due by 2026-12-31"),
        "{text}"
    );

    // Told once: later rounds, hours and days on, send nothing more.
    for hours in [1, 2, 30] {
        app.clock.advance(TimeDelta::hours(hours));
        assert_eq!(alerts_round(&app).await.review_notices, 0);
    }
    assert_eq!(receiver.count(), 2);
    let audit = get(&app, &token, "/api/v1/audit?action=review.overdue_noticed").await;
    assert_eq!(audit["total"], 2, "{audit}");
    let noticed: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject_label"].as_str().unwrap())
        .collect();
    assert!(noticed.contains(&"Payroll run") && noticed.contains(&"Invoice sync"));
    let stored = app
        .store
        .review_notices(
            app.store
                .orchestration_by_slug("payroll-run")
                .await
                .unwrap()
                .id,
        )
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].state.as_str(), stored[0].attempts), ("sent", 1));
}

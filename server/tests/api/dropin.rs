//! Healthchecks' ping behaviour, as its documented API and its own tests
//! pin it down, written as a table of cases on both backends: what each
//! request gets, with which headers, and what run it leaves. Then what a
//! Healthchecks client relies on beyond one request: a new start without
//! a run id supersedes the open one, UUID run ids pair in any case, and
//! long output never costs the signal.

use chrono::TimeDelta;
use reqwest::{Method, StatusCode};
use rstest::rstest;
use serde_json::Value;

use crate::helpers::{Backend, TestApp, plain_client, spawn_app_with};
use crate::ingestion::{Tool, automation, chunked_post, newest_delivery, runs, source};

/// What a request leaves among the automation's runs.
#[derive(Debug, Clone, Copy)]
enum Leaves {
    /// A new run, the newest, in this status.
    New(&'static str),
    /// No new run; the newest is now in this status (a finish or a log
    /// line for the run in progress).
    Newest(&'static str),
    /// Every run as it was.
    Nothing,
}

/// One request and what it must get.
struct Case {
    method: Method,
    path: String,
    body: &'static [u8],
    status: StatusCode,
    run: Leaves,
}

fn case(
    method: Method,
    path: String,
    body: &'static [u8],
    status: StatusCode,
    run: Leaves,
) -> Case {
    Case {
        method,
        path,
        body,
        status,
        run,
    }
}

/// Sends `case` and checks its answer, its headers and the run it left.
async fn check(app: &TestApp, id: i64, case: &Case) {
    let before = runs(app, id).await;
    let res = plain_client()
        .request(case.method.clone(), app.url(&case.path))
        .body(case.body.to_vec())
        .send()
        .await
        .unwrap();
    let what = format!("{} {}", case.method, case.path);
    assert_eq!(res.status(), case.status, "{what}");
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(
        header("access-control-allow-origin").as_deref(),
        Some("*"),
        "{what}: any page may ping"
    );
    assert_eq!(
        header("cache-control").as_deref(),
        Some("no-cache"),
        "{what}: no cache keeps a ping's answer"
    );
    let after = runs(app, id).await;
    match case.run {
        Leaves::Nothing => assert_eq!(after, before, "{what}: no run changed"),
        Leaves::New(status) => {
            assert_eq!(after.len(), before.len() + 1, "{what}: one new run");
            assert_eq!(after.last().unwrap()["status"], status, "{what}");
        }
        Leaves::Newest(status) => {
            assert_eq!(after.len(), before.len(), "{what}: no new run");
            assert_eq!(after.last().unwrap()["status"], status, "{what}");
            assert_eq!(after[..after.len() - 1], before[..before.len() - 1]);
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn pings_answer_as_healthchecks_answers_them(#[case] backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (id, key) = automation(&app, "nightly-export").await;
    let (_, source_key) = source(&app, "Batch").await;
    let (ok, created, bad, missing) = (
        StatusCode::OK,
        StatusCode::CREATED,
        StatusCode::BAD_REQUEST,
        StatusCode::NOT_FOUND,
    );
    let k = |rest: &str| format!("/ping/{key}{rest}");
    let table = [
        case(Method::GET, k(""), b"", ok, Leaves::New("succeeded")),
        case(Method::GET, k("/"), b"", ok, Leaves::New("succeeded")),
        case(Method::HEAD, k("/start/"), b"", ok, Leaves::New("started")),
        case(
            Method::POST,
            k("/fail/"),
            b"disk full",
            ok,
            Leaves::Newest("failed"),
        ),
        case(Method::POST, k("/0/"), b"", ok, Leaves::New("succeeded")),
        case(Method::GET, k("/1"), b"", ok, Leaves::New("failed")),
        case(Method::PUT, k("/start"), b"", ok, Leaves::New("started")),
        case(
            Method::GET,
            k("/log/"),
            b"a line",
            ok,
            Leaves::Newest("started"),
        ),
        case(Method::GET, k("/256"), b"", bad, Leaves::Nothing),
        case(Method::GET, k("/finish"), b"", missing, Leaves::Nothing),
        case(Method::GET, k("/start/now"), b"", missing, Leaves::Nothing),
        case(Method::GET, k("//"), b"", missing, Leaves::Nothing),
        case(Method::GET, k("?rid=a%20b"), b"", bad, Leaves::Nothing),
        case(Method::GET, "/ping/".into(), b"", missing, Leaves::Nothing),
        case(
            Method::GET,
            "/ping/00000000000000000000000000000000/".into(),
            b"",
            missing,
            Leaves::Nothing,
        ),
    ];
    for case in &table {
        check(&app, id, case).await;
    }
    // Oldest first: the HEAD start closed by the POST failure is the third.
    let all = runs(&app, id).await;
    assert_eq!(all.len(), 6, "{all:?}");
    assert_eq!(all[2]["status"], "failed");
    assert_eq!(all[2]["log"], "disk full", "the failure closed the start");
    assert_eq!(all[5]["status"], "started");
    assert_eq!(all[5]["log"], "a line", "the log line joined the PUT start");

    // Slug URLs take the trailing slash too; `?create=1` answers 201 once.
    let slug = |rest: &str| format!("/ping/{source_key}/db-backup{rest}");
    let res = plain_client()
        .get(app.url(&slug("/?create=1")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), created);
    let queue = app.get_json("/api/v1/claims").await;
    assert_eq!(queue[0]["slug"], "db-backup", "{queue}");
    let slug_id = queue[0]["automation_id"].as_i64().unwrap();
    for case in [
        case(
            Method::GET,
            slug("/start/"),
            b"",
            ok,
            Leaves::New("started"),
        ),
        case(
            Method::POST,
            slug("/"),
            b"",
            ok,
            Leaves::Newest("succeeded"),
        ),
        case(Method::GET, slug("/fail/"), b"", ok, Leaves::New("failed")),
        case(Method::GET, slug("/nope/"), b"", missing, Leaves::Nothing),
    ] {
        check(&app, slug_id, &case).await;
    }

    // Uptime Kuma and Cronitor answers carry the same headers.
    for path in [
        format!("/api/push/{key}/?status=up&msg=fine"),
        format!("/p/{source_key}/db-backup/?state=run"),
    ] {
        let res = plain_client().get(app.url(&path)).send().await.unwrap();
        assert_eq!(res.status(), ok, "{path}");
        assert_eq!(res.headers()["access-control-allow-origin"], "*", "{path}");
        assert_eq!(res.headers()["cache-control"], "no-cache", "{path}");
    }

    // A browser's preflight is answered and kept nowhere.
    let deliveries = app.get_json("/api/v1/deliveries").await["total"].clone();
    let res = plain_client()
        .request(Method::OPTIONS, app.url(&k("/fail")))
        .header("origin", "https://status.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let headers = res.headers();
    assert_eq!(headers["access-control-allow-origin"], "*");
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(methods.contains("POST"), "{methods}");
    assert_eq!(headers["access-control-allow-headers"], "*");
    app.settle().await;
    assert_eq!(
        app.get_json("/api/v1/deliveries").await["total"],
        deliveries,
        "a preflight is not a ping"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn runs_pair_as_healthchecks_pairs_them(#[case] backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let tool = Tool::of(&app);
    let (id, key) = automation(&app, "hourly-sync").await;

    // A start, then another start without a run id ten minutes later (the
    // first run died unreported), then the finish.
    tool.get(&format!("/ping/{key}/start")).await;
    app.settle().await;
    app.clock.advance(TimeDelta::minutes(10));
    tool.get(&format!("/ping/{key}/start")).await;
    app.settle().await;
    app.clock.advance(TimeDelta::seconds(30));
    tool.get(&format!("/ping/{key}")).await;
    let both = runs(&app, id).await; // oldest first
    assert_eq!(both.len(), 2, "{both:?}");
    assert_eq!(both[1]["status"], "succeeded");
    assert_eq!(
        both[1]["duration_ms"], 30_000,
        "timed from the newer start, not the stale one"
    );
    assert_eq!(both[0]["status"], "cancelled", "the older start is closed");
    assert_eq!(
        both[0]["duration_ms"],
        Value::Null,
        "its end was never told"
    );
    assert!(
        both[0]["log"].as_str().unwrap().contains("superseded"),
        "{}",
        both[0]["log"]
    );
    let outcome = app
        .get_json(&format!("/api/v1/deliveries?automation_id={id}"))
        .await["deliveries"][1]["outcome_detail"]
        .clone();
    assert!(
        outcome.as_str().unwrap().contains("closed as superseded"),
        "the second start's delivery says so: {outcome}"
    );

    // A start with a run id leaves an open start without one alone.
    tool.get(&format!("/ping/{key}/start")).await;
    tool.get(&format!("/ping/{key}/start?rid=job-7")).await;
    let open = runs(&app, id).await;
    assert_eq!(open.len(), 4);
    assert!(
        open[2..].iter().all(|r| r["status"] == "started"),
        "{open:?}"
    );

    // A UUID run id pairs whatever its case; other run ids as sent.
    let upper = "5B5F0A9E-3F1D-4A52-9C2B-0D5D3B2F7A10";
    tool.get(&format!("/ping/{key}/start?rid={upper}")).await;
    app.settle().await;
    app.clock.advance(TimeDelta::seconds(5));
    tool.get(&format!("/ping/{key}?rid={}", upper.to_lowercase()))
        .await;
    tool.get(&format!("/ping/{key}/fail?rid=JOB-7")).await;
    let all = runs(&app, id).await;
    let paired = all
        .iter()
        .find(|r| r["rid"] == upper.to_lowercase())
        .unwrap();
    assert_eq!(paired["status"], "succeeded");
    assert_eq!(paired["duration_ms"], 5_000);
    assert_eq!(
        all.iter().filter(|r| r["rid"] == "job-7").count(),
        1,
        "job-7 still open"
    );
    let other = all.iter().find(|r| r["rid"] == "JOB-7").unwrap();
    assert_eq!(other["status"], "failed", "not a UUID: a run of its own");
    assert_eq!(all.len(), 6, "{all:?}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn long_output_never_costs_the_signal(#[case] backend: Backend) {
    let app = spawn_app_with(
        backend,
        &["--ping-body-limit", "1000", "--max-delivery", "65536"],
    )
    .await;
    let tool = Tool::of(&app);
    let (id, key) = automation(&app, "verbose-job").await;
    // (bytes sent, log kept, delivery body kept, outcome note)
    let table: [(usize, usize, usize, Option<String>); 5] = [
        (1000, 1000, 1000, None),
        (
            1001,
            1000,
            1001,
            Some("its log keeps the first 1000 of the 1001 bytes sent".into()),
        ),
        (
            65536,
            1000,
            65536,
            Some("its log keeps the first 1000 of the 65536 bytes sent".into()),
        ),
        (
            65537,
            1000,
            65536,
            Some("its log keeps the first 1000 of the 65537 bytes sent".into()),
        ),
        (
            2_000_000,
            1000,
            65536,
            Some("its log keeps the first 1000 of the 2000000 bytes sent".into()),
        ),
    ];
    for (n, (sent, log, body, note)) in table.into_iter().enumerate() {
        let (status, text, _) = tool
            .call(Method::POST, &format!("/ping/{key}/1"), &vec![b'z'; sent])
            .await;
        assert_eq!((status, text.as_str()), (StatusCode::OK, "OK"), "{sent}");
        let all = runs(&app, id).await;
        assert_eq!(all.len(), n + 1, "{sent} bytes: a run");
        let newest = all.last().unwrap();
        assert_eq!(newest["status"], "failed");
        assert_eq!(newest["exit_status"], 1);
        assert_eq!(newest["log"].as_str().unwrap().len(), log, "{sent}");
        let kept = newest_delivery(&app, id).await;
        assert_eq!(kept["body"].as_str().unwrap().len(), body, "{sent}");
        assert_eq!(kept["body_size"], sent, "{sent}");
        assert_eq!(kept["outcome"], "recorded");
        assert_eq!(kept["outcome_detail"].as_str(), note.as_deref(), "{sent}");
    }
    // Streamed without a length, it is read to its end.
    let status = chunked_post(&app, &format!("/ping/{key}/0"), 64, 16_384).await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert_eq!(runs(&app, id).await.last().unwrap()["status"], "succeeded");
    assert_eq!(newest_delivery(&app, id).await["body_size"], 64 * 16_384);
    assert_eq!(
        app.get_json("/api/v1/deliveries?outcome=rejected").await["total"],
        0,
        "no ping was refused"
    );

    // A webhook's body is its message: over the limit it is still 413.
    let team: Value = app
        .post_json("/api/v1/teams", &serde_json::json!({"name": "CI team"}))
        .await
        .json()
        .await
        .unwrap();
    let res = app
        .post_json(
            "/api/v1/sources",
            &serde_json::json!({"name": "CI", "tool": "generic", "team_id": team["id"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let source_key = res.json::<Value>().await.unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = plain_client()
        .post(app.url(&format!("/hooks/generic/{source_key}")))
        .header("content-type", "application/json")
        .body(vec![b' '; 65537])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let why: Value = res.json().await.unwrap();
    assert!(why["error"].as_str().unwrap().contains("65536"), "{why}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn cronitor_parameters_are_understood_or_deliberately_ignored(#[case] backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let tool = Tool::of(&app);
    let (_, source_key) = source(&app, "Cron hosts").await;
    let monitor = |query: &str| format!("/p/{source_key}/nightly-report?{query}");
    let (status, _) = tool
        .get(&monitor(
            "state=complete&msg=42%20rows&host=app-01&env=production\
             &metric=count:42&metric=error_count:0&metric=duration:12.5&try=2",
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let queue = app.get_json("/api/v1/claims").await;
    let id = queue[0]["automation_id"].as_i64().unwrap();
    let run = runs(&app, id).await.pop().unwrap();
    assert_eq!(run["status"], "succeeded");
    assert_eq!(run["duration_ms"], 12_500, "metric=duration, in seconds");
    assert_eq!(
        run["log"],
        "host: app-01 · env: production · count: 42 · error_count: 0\n42 rows"
    );
    // A metric of another form is refused, saying which, and writes no run.
    let (status, why) = tool.get(&monitor("state=complete&metric=rows:3")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(why.contains("metric"), "{why}");
    assert_eq!(runs(&app, id).await.len(), 1);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn bodies_and_run_logs_download_byte_for_byte_and_show_invalid_bytes_marked(
    #[case] backend: Backend,
) {
    let app = spawn_app_with(
        backend,
        &["--max-delivery", "4096", "--ping-body-limit", "3000"],
    )
    .await;
    let tool = Tool::of(&app);
    let (id, key) = automation(&app, "binary-output").await;
    let sent: &[u8] = b"ok \xff\xfe not text \x00 end\n\xc3\xa9";
    let (status, _, _) = tool
        .call(Method::POST, &format!("/ping/{key}/fail"), sent)
        .await;
    assert_eq!(status, StatusCode::OK);
    let kept = newest_delivery(&app, id).await;
    assert_eq!(kept["body"], "ok \u{fffd}\u{fffd} not text \u{0} end\né");
    assert_eq!(kept["body_kept"], sent.len());
    let delivery = kept["id"].as_i64().unwrap();

    let res = app
        .get(&format!("/api/v1/deliveries/{delivery}/body"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/octet-stream");
    assert_eq!(
        res.headers()["content-disposition"],
        format!("attachment; filename=\"delivery-{delivery}.bin\"")
    );
    assert_eq!(&res.bytes().await.unwrap()[..], sent, "exactly as sent");

    // Its run's log: marked in JSON, exact as a download.
    app.settle().await;
    let run = runs(&app, id).await.pop().unwrap();
    assert_eq!(run["log"], "ok \u{fffd}\u{fffd} not text \u{fffd} end\né");
    let run_log = |run: &Value| format!("/api/v1/runs/{}/log", run["id"]);
    let res = app.get(&run_log(&run)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/octet-stream");
    assert_eq!(
        res.headers()["content-disposition"],
        format!("attachment; filename=\"run-{}.log\"", run["id"])
    );
    assert_eq!(
        &res.bytes().await.unwrap()[..],
        sent,
        "the run's log as sent"
    );

    // A start and its end, each with bytes that are not text: joined as
    // the log reads, byte for byte; a character of the range Baton marks
    // bytes with, sent as text, comes back as sent.
    for (path, body) in [
        ("/start?rid=joined", &b"begin \xff"[..]),
        ("?rid=joined", "done \0 \u{10FF41}".as_bytes()),
    ] {
        let (status, _, _) = tool
            .call(Method::POST, &format!("/ping/{key}{path}"), body)
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    app.settle().await;
    let run = runs(&app, id).await.pop().unwrap();
    assert_eq!(run["rid"], "joined");
    assert_eq!(run["status"], "succeeded");
    let res = app.get(&run_log(&run)).await;
    assert_eq!(
        &res.bytes().await.unwrap()[..],
        [&b"begin \xff\ndone \0 "[..], "\u{10FF41}".as_bytes()].concat()
    );

    // Over the cap: the kept part, byte for byte.
    let long: Vec<u8> = (0..10_000u32).map(|n| (n % 251) as u8).collect();
    tool.call(Method::POST, &format!("/ping/{key}"), &long)
        .await;
    let kept = newest_delivery(&app, id).await;
    assert_eq!(
        (kept["body_kept"].clone(), kept["body_size"].clone()),
        (4096.into(), 10_000.into())
    );
    let res = app
        .get(&format!("/api/v1/deliveries/{}/body", kept["id"]))
        .await;
    assert_eq!(&res.bytes().await.unwrap()[..], &long[..4096]);
    // Its run keeps the ping body limit's first bytes.
    app.settle().await;
    let run = runs(&app, id).await.pop().unwrap();
    let res = app.get(&run_log(&run)).await;
    assert_eq!(&res.bytes().await.unwrap()[..], &long[..3000]);

    // Refused without signing in; an unknown delivery is a 404.
    let res = plain_client()
        .get(app.url(&format!("/api/v1/deliveries/{delivery}/body")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app.get("/api/v1/deliveries/999999/body").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = plain_client()
        .get(app.url(&run_log(&run)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    for unknown in ["/api/v1/runs/999999/log", "/api/v1/runs/abc/log"] {
        let res = app.get(unknown).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{unknown}");
    }
}

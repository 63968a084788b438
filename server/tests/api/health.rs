//! Probes, the machine-facing URL space and the request layers, over HTTP.

use std::time::Duration;

use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app};

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn healthz_answers_while_the_process_is_alive(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"status": "ok"}));
}

#[rstest]
#[case::sqlite(Backend::Sqlite, "SQLite")]
#[case::postgres(Backend::Postgres, "PostgreSQL")]
#[tokio::test]
async fn readyz_follows_the_database_without_a_restart(
    #[case] backend: Backend,
    #[case] name: &str,
) {
    let app = spawn_app(backend).await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"status": "ready", "database": name})
    );

    app.db.make_unreachable().await;
    let started = std::time::Instant::now();
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered within the probe's bound"
    );
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"status": "database unreachable", "database": name})
    );
    // Liveness does not depend on the database.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);

    app.db.restore().await;
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..50 {
        status = app.get("/readyz").await.status();
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        status,
        StatusCode::OK,
        "ready again once the database is back"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn machine_prefixes_answer_json_404s(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    for path in [
        // Ingestion's own 404s answer as its tools do: see `ingestion`.
        "/api/v1/nothing",
        "/hooks/github/unknown",
    ] {
        for method in [
            reqwest::Method::GET,
            reqwest::Method::POST,
            reqwest::Method::HEAD,
        ] {
            let res = app
                .client
                .request(method.clone(), app.url(path))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {path}");
            assert_eq!(
                res.headers()["content-type"],
                "application/json",
                "{method} {path}"
            );
            if method != reqwest::Method::HEAD {
                assert_eq!(
                    res.json::<Value>().await.unwrap(),
                    json!({"error": "not found"})
                );
            }
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_finish_while_another_baton_starts_in_the_same_process(#[case] backend: Backend) {
    // Finding the pages' routes runs the app once, and while that lasts
    // Leptos holds back resources process-wide; a page rendering then
    // used to hang until its client gave up.
    let app = spawn_app(backend).await;
    let building = tokio::spawn(async move {
        for _ in 0..6 {
            drop(spawn_app(backend).await);
        }
    });
    let mut pages = 0;
    while !building.is_finished() || pages == 0 {
        let page = tokio::time::timeout(Duration::from_secs(10), async {
            let res = app.get("/").await;
            (res.status(), res.text().await.unwrap_or_default())
        })
        .await;
        let (status, html) = page.expect("the dashboard finished within 10 s");
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<h1>Dashboard</h1>"), "{html}");
        pages += 1;
    }
    building.await.unwrap();
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn pages_render_on_the_server_and_unknown_ones_are_404(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    for (path, heading) in [
        ("/", "Dashboard"),
        ("/inventory", "Inventory"),
        ("/admin", "Admin"),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = res.text().await.unwrap();
        assert!(
            html.contains(&format!("<h1>{heading}</h1>")),
            "{path}: {html}"
        );
        assert!(
            html.contains("/pkg/baton.js"),
            "{path} loads the hydration bundle"
        );
    }
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let html = res.text().await.unwrap();
    assert!(html.contains("Page not found"), "{html}");
    assert!(html.contains("/no/such/page"));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_chosen_theme_is_rendered_by_the_server(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    // The sign-in page, which anyone sees (a cookie header of our own
    // replaces the client's session cookie).
    let html = crate::helpers::plain_client()
        .get(app.url("/sign-in"))
        .header("cookie", "baton_theme=dark")
        .send()
        .await
        .unwrap();
    let html = html.text().await.unwrap();
    assert!(
        html.contains(r#"<html lang="en" data-theme="dark">"#),
        "{html}"
    );
    let html = app.get("/").await.text().await.unwrap();
    assert!(
        html.contains(r#"<html lang="en">"#),
        "no cookie, the system's theme: {html}"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn every_answer_carries_a_request_id(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/healthz").await;
    let generated = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "from-the-proxy-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "from-the-proxy-1");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn an_oversized_body_is_refused_with_413(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app
        .client
        .post(app.url("/api/v1/anything"))
        .body(vec![b'x'; 1024 * 1024 + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // The limit is inclusive.
    let res = app
        .client
        .post(app.url("/api/v1/anything"))
        .body(vec![b'x'; 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn responses_are_compressed_for_clients_that_ask(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app
        .client
        .get(app.url("/"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-encoding"], "gzip");
}

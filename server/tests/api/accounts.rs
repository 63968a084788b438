//! Signing in, out and up, on both backends: who may reach what without
//! an account, the first run's setup, sessions (rotated, timed out,
//! destroyed), throttled guessing, and cross-site requests refused.

use app::model::accounts::Role;
use chrono::TimeDelta;
use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, PASSWORD, TestApp, create_person, spawn_app, spawn_without_people};

/// The session cookie a response sets: its value and its attributes.
fn session_cookie(res: &reqwest::Response) -> Option<(String, String)> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("baton_session="))
        .map(|c| {
            let (pair, attributes) = c.split_once(';').unwrap_or((c, ""));
            (
                pair["baton_session=".len()..].to_owned(),
                attributes.to_owned(),
            )
        })
}

/// A request carrying only this session cookie (none of the client's).
async fn with_cookie(app: &TestApp, path: &str, id: &str) -> StatusCode {
    crate::helpers::plain_client()
        .get(app.url(path))
        .header("cookie", format!("baton_session={id}"))
        .send()
        .await
        .unwrap()
        .status()
}

async fn count_orchestrations(app: &TestApp) -> usize {
    app.store.orchestrations().await.unwrap().len()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn anonymous_callers_see_only_probes_ingestion_and_sign_in(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let anonymous = app.browser();
    let get = |path: &'static str| anonymous.get(app.url(path)).send();

    let res = get("/orchestrations?tier=1").await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[LOCATION],
        "/sign-in?next=/orchestrations%3Ftier%3D1"
    );
    for path in ["/api/v1/orchestrations", "/api/v1/export/catalog.json"] {
        let res = get(path).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert!(res.headers().contains_key("www-authenticate"));
        let body: Value = res.json().await.unwrap();
        assert!(
            body["error"].as_str().unwrap().contains("sign in first"),
            "{body}"
        );
    }
    let res = anonymous
        .post(app.url("/rpc/orchestrations/list"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = anonymous
        .post(app.url("/api/v1/orchestrations"))
        .json(&json!({"name": "Sneaky"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(count_orchestrations(&app).await, 0, "nothing was written");

    assert_eq!(get("/healthz").await.unwrap().status(), StatusCode::OK);
    assert_eq!(get("/readyz").await.unwrap().status(), StatusCode::OK);
    // Ingestion answers for itself (no key here: its own 404), never a sign-in.
    assert_eq!(
        get("/ping/unknown-key").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let page = get("/sign-in").await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"action="/sign-in""#), "{html}");
    assert!(
        !html.contains(r#"id="main-nav""#),
        "no navigation before signing in"
    );
    let me: Value = anonymous
        .post(app.url("/rpc/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me, Value::Null);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_first_run_sets_up_one_administrator_once(#[case] backend: Backend) {
    let app = spawn_without_people(backend).await;
    for path in ["/", "/sign-in", "/orchestrations"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(res.headers()[LOCATION], "/setup", "{path}");
    }
    let page = app.get("/setup").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Create the administrator")
    );

    let setup = |client: reqwest::Client, email: &'static str, again: &'static str| {
        let url = app.url("/setup");
        async move {
            client
                .post(url)
                .header("accept", "application/json")
                .form(&[
                    ("email", email),
                    ("display_name", "Ada"),
                    ("password", PASSWORD),
                    ("password_again", again),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // Mistakes: every field's problem at once, nobody created.
    let res = app
        .client
        .post(app.url("/setup"))
        .header("accept", "application/json")
        .form(&[
            ("email", "ada"),
            ("display_name", " "),
            ("password", "short"),
            ("password_again", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "display_name", "password"]);
    let res = setup(app.browser(), "ada@example.com", "another password").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("the two passwords differ")
    );
    assert_eq!(app.store.count_users().await.unwrap(), 0);

    // Without JavaScript the form comes back with the messages and what was typed.
    let res = app
        .client
        .post(app.url("/setup"))
        .form(&[
            ("email", "ada@example.com"),
            ("display_name", "Ada"),
            ("password", "short"),
            ("password_again", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let back = res.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        back.starts_with("/setup?email=ada%40example.com&display_name=Ada&error=password"),
        "{back}"
    );
    let html = app.get(&back).await.text().await.unwrap();
    assert!(html.contains("at least 12"), "{html}");

    // Two setups at once: one administrator.
    let (first, second) = tokio::join!(
        setup(app.browser(), "ada@example.com", PASSWORD),
        setup(app.browser(), "grace@example.com", PASSWORD)
    );
    let mut statuses = [first.status(), second.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
    assert_eq!(app.store.count_users().await.unwrap(), 1);
    let winner = if first.status() == StatusCode::CREATED {
        first
    } else {
        second
    };
    let admin: Value = winner.json().await.unwrap();
    assert_eq!(admin["role"], "admin");

    // Setup is over: its screen leads to signing in, its form refuses.
    let res = app.get("/setup").await;
    assert_eq!(res.headers()[LOCATION], "/sign-in");
    let res = setup(app.browser(), "eve@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(app.store.count_users().await.unwrap(), 1);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn signing_in_rotates_the_session_and_signing_out_destroys_it(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let client = app.browser();
    let res = app.sign_in(&client, "ADMIN@example.com ", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    let (first, attributes) = session_cookie(&res).unwrap();
    assert!(first.len() >= 22, "a 128-bit id: {first}");
    let lower = attributes.to_lowercase();
    assert!(lower.contains("httponly"), "{attributes}");
    assert!(lower.contains("samesite=lax"), "{attributes}");
    assert!(lower.contains("path=/"), "{attributes}");
    assert!(
        !lower.contains("secure"),
        "served over plain HTTP: {attributes}"
    );
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["email"], "admin@example.com");
    assert_eq!(
        with_cookie(&app, "/api/v1/orchestrations", &first).await,
        StatusCode::OK
    );

    // Signing in again (or over a planted id) starts a new session.
    let res = app.sign_in(&client, "admin@example.com", PASSWORD).await;
    let (second, _) = session_cookie(&res).unwrap();
    assert_ne!(first, second);
    assert_eq!(
        with_cookie(&app, "/api/v1/orchestrations", &first).await,
        StatusCode::UNAUTHORIZED,
        "the old id is dead"
    );

    // The form (no JSON asked) goes where the person was headed, never elsewhere.
    let form_sign_in = |next: &'static str| {
        client
            .post(app.url("/sign-in"))
            .form(&[
                ("email", "admin@example.com"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
    };
    let res = form_sign_in("/inventory?q=x").await.unwrap();
    assert_eq!(res.headers()[LOCATION], "/inventory?q=x");
    let res = form_sign_in("//evil.example/").await.unwrap();
    assert_eq!(res.headers()[LOCATION], "/");
    let (current, _) = session_cookie(&res).unwrap();

    let res = client.post(app.url("/sign-out")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/sign-in?signed_out=1");
    assert_eq!(
        with_cookie(&app, "/api/v1/orchestrations", &current).await,
        StatusCode::UNAUTHORIZED,
        "destroyed on the server, not only forgotten by the browser"
    );
    let res = client
        .get(app.url("/api/v1/orchestrations"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn sessions_end_after_idle_hours_and_after_seven_days(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let api = "/api/v1/orchestrations";
    let status = |client: &reqwest::Client| {
        let request = client.get(app.url(api)).send();
        async move { request.await.unwrap().status() }
    };
    // Used every 11 hours, a session lives on…
    for _ in 0..3 {
        app.clock.advance(TimeDelta::hours(11));
        assert_eq!(status(&app.client).await, StatusCode::OK);
    }
    // …unused for 12 hours, it ends.
    app.clock.advance(TimeDelta::hours(12));
    assert_eq!(status(&app.client).await, StatusCode::UNAUTHORIZED);

    // However much it is used, it ends 7 days after signing in.
    let client = app.browser();
    app.sign_in(&client, "admin@example.com", PASSWORD).await;
    for _ in 0..15 {
        app.clock.advance(TimeDelta::hours(11));
        assert_eq!(status(&client).await, StatusCode::OK);
    }
    app.clock.advance(TimeDelta::hours(4));
    assert_eq!(
        status(&client).await,
        StatusCode::UNAUTHORIZED,
        "7 days and 1 hour"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn failed_sign_ins_get_one_answer_and_guessing_is_throttled(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    create_person(&app.store, &*app.clock, "grace@example.com", Role::Editor).await;
    let client = app.browser();
    let generic = "that email and password do not match an active account";
    for (email, password) in [
        ("admin@example.com", "not the password at all"),
        ("nobody@example.com", PASSWORD),
        ("not an email", PASSWORD),
    ] {
        let res = app.sign_in(&client, email, password).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{email}");
        assert!(session_cookie(&res).is_none(), "no session for a failure");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], generic, "{email}");
    }
    // Without JavaScript: back to the form, with no password in the address.
    let res = client
        .post(app.url("/sign-in"))
        .form(&[
            ("email", "admin@example.com"),
            ("password", "wrong wrong wrong"),
            ("next", "/leverage"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[LOCATION], "/sign-in?failed=1&next=/leverage");
    let html = client
        .get(app.url("/sign-in?failed=1"))
        .send()
        .await
        .unwrap();
    assert!(
        html.text()
            .await
            .unwrap()
            .contains("do not match an active account")
    );

    // Five failures in five minutes: the account waits, even for the right password.
    for _ in 0..3 {
        app.sign_in(&client, "admin@example.com", "still wrong, still wrong")
            .await;
    }
    let res = app.sign_in(&client, "admin@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers()["retry-after"], "300");
    assert!(session_cookie(&res).is_none());
    let body: Value = res.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("too many failed sign-ins")
    );
    // Another account from the same address is not locked out by it.
    let res = app.sign_in(&client, "grace@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);

    app.clock.advance(TimeDelta::minutes(5));
    let res = app.sign_in(&client, "admin@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK, "the wait is over");

    // Twenty failures from one address, whatever the accounts: the address waits.
    for n in 0..20 {
        app.sign_in(
            &client,
            &format!("guess{n}@example.com"),
            "guess guess guess",
        )
        .await;
    }
    let res = app.sign_in(&client, "grace@example.com", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn cross_site_requests_are_refused_and_change_nothing(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let refused = "cross-site request refused: it did not come from Baton's own pages";
    let cookie = {
        let client = crate::helpers::plain_client();
        let res = client
            .post(app.url("/sign-in"))
            .header("origin", &app.base)
            .header("accept", "application/json")
            .form(&[("email", "admin@example.com"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        let (id, _) = session_cookie(&res).unwrap();
        format!("baton_session={id}")
    };
    let post = |origin: Option<&str>, referer: Option<&str>, path: &str, body: Value| {
        let mut request = crate::helpers::plain_client()
            .post(app.url(path))
            .header("cookie", cookie.clone())
            .json(&body);
        if let Some(origin) = origin {
            request = request.header("origin", origin.to_owned());
        }
        if let Some(referer) = referer {
            request = request.header("referer", referer.to_owned());
        }
        request.send()
    };
    for (origin, referer) in [
        (Some("https://evil.example"), None),
        (Some("null"), None),
        (None, Some("https://evil.example/page")),
        (None, None),
    ] {
        let res = post(
            origin,
            referer,
            "/api/v1/orchestrations",
            json!({"name": "Forged"}),
        )
        .await
        .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::FORBIDDEN,
            "{origin:?} {referer:?}"
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], refused);
        let res = post(origin, referer, "/rpc/orchestrations/delete", json!({}))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "server functions too");
        let res = post(origin, referer, "/sign-out", json!({})).await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "signing out too");
    }
    assert_eq!(count_orchestrations(&app).await, 0, "nothing was written");
    assert_eq!(
        with_cookie(
            &app,
            "/api/v1/orchestrations",
            &cookie["baton_session=".len()..]
        )
        .await,
        StatusCode::OK
    );

    // From Baton's own pages: the Origin, or without one the Referer, matches.
    let own_page = format!("{}/orchestrations/new", app.base);
    let res = post(
        None,
        Some(&own_page),
        "/api/v1/orchestrations",
        json!({"name": "Real"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = post(
        Some(&app.base),
        None,
        "/api/v1/orchestrations",
        json!({"name": "Also real"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(count_orchestrations(&app).await, 2);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn api_tokens_are_shown_once_scoped_and_revocable(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let made = |scope: &'static str| {
        let request = app
            .client
            .post(app.url("/api/v1/tokens"))
            .json(&json!({"name": format!("{scope} script"), "scope": scope}))
            .send();
        async move {
            let res = request.await.unwrap();
            assert_eq!(res.status(), StatusCode::CREATED);
            res.json::<Value>().await.unwrap()
        }
    };
    let read = made("read").await;
    let write = made("write").await;
    let secret = read["token"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with("baton_") && secret.len() == 70,
        "{secret}"
    );
    assert!(secret.starts_with(read["prefix"].as_str().unwrap()));
    assert_eq!(read["scope"], "read");

    // Listed without the token; only its hash is kept.
    let listed = app.get_json("/api/v1/tokens").await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(!listed.to_string().contains(&secret));
    assert!(listed[0]["last_used_at"].is_null());

    let plain = crate::helpers::plain_client();
    let with = |token: &str, method: reqwest::Method, path: &str| {
        plain
            .request(method, app.url(path))
            .bearer_auth(token)
            .json(&json!({"name": "By token"}))
            .send()
    };
    let res = with(&secret, reqwest::Method::GET, "/api/v1/orchestrations")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let listed = app.get_json("/api/v1/tokens").await;
    assert_eq!(listed[0]["last_used_at"], "2026-11-25T09:00:00Z");

    // Read-only: no changes, whatever the person's role.
    let res = with(&secret, reqwest::Method::POST, "/api/v1/orchestrations")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("read-only"),
        "{body}"
    );
    assert_eq!(count_orchestrations(&app).await, 0);

    // Read-write: changes, without any Origin (scripts are not browsers).
    let writer = write["token"].as_str().unwrap().to_owned();
    let res = with(&writer, reqwest::Method::POST, "/api/v1/orchestrations")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(count_orchestrations(&app).await, 1);

    // A token cannot make or revoke tokens, nor open the screens.
    let res = with(&writer, reqwest::Method::POST, "/api/v1/tokens")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = with(&writer, reqwest::Method::POST, "/rpc/orchestrations/list")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // Unknown tokens are refused, never taken as anonymous.
    for bad in ["baton_0000", "not-a-token", ""] {
        let res = with(bad, reqwest::Method::GET, "/api/v1/orchestrations")
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{bad:?}");
    }

    // Revoked: refused from then on; kept in the list, marked.
    let id = read["id"].as_i64().unwrap();
    let res = app.delete(&format!("/api/v1/tokens/{id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = with(&secret, reqwest::Method::GET, "/api/v1/orchestrations")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("revoked"),
        "{body}"
    );
    let listed = app.get_json("/api/v1/tokens").await;
    assert_eq!(listed[0]["revoked_at"], "2026-11-25T09:00:00Z");

    // Another person sees only their own tokens and cannot revoke others'.
    let (grace, _) = app.as_new("grace@example.com", Role::Editor).await;
    let theirs: Value = grace
        .get(app.url("/api/v1/tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs, json!([]));
    let res = grace
        .delete(app.url(&format!("/api/v1/tokens/{}", write["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = with(&writer, reqwest::Method::GET, "/api/v1/orchestrations")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "still valid");
    // Bad requests say what is wrong and make nothing.
    let res = app
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"name": " ", "scope": "read"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"name": "x", "scope": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get_json("/api/v1/tokens")
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

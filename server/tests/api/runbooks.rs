//! Runbooks (`/api/v1/orchestrations/{slug}/runbook…` and the screens'
//! server functions): revisions that are never changed, comparisons,
//! restores, a save on an old revision refused with both texts, a
//! verification that goes stale with time and counts in the leverage and
//! on the dashboard, who may change them, and markdown served sanitised.

use baton::clock::Clock;
use chrono::TimeDelta;
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app, spawn_app_with};

const RUNBOOK: &str = "/api/v1/orchestrations/payroll-run/runbook";

async fn payroll(app: &TestApp) -> Value {
    app.add_orchestration(json!({
        "name": "Payroll run",
        "purpose": "Pay everyone on the 25th",
        "owner_id": app.admin_id,
        "inputs": "Timesheets from the HR tool",
        "outputs": "A bank file",
        "failure_mode": "Nobody is paid; staff notice on the 26th",
        "fallback": "Send last month's file by hand",
        "minutes_saved_per_run": 120,
        "expected_runs_per_week": 1,
    }))
    .await
}

async fn save(app: &TestApp, body: &str, note: &str, base: i64) -> reqwest::Response {
    app.put_json(
        RUNBOOK,
        &json!({"body": body, "note": note, "base_revision": base}),
    )
    .await
}

async fn numbers(app: &TestApp) -> Vec<i64> {
    app.get_json(&format!("{RUNBOOK}/revisions"))
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_i64().unwrap())
        .collect()
}

async fn error_of(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    (status, res.json().await.unwrap())
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    app.get_json("/api/v1/audit?action=runbook.")
        .await
        .get("entries")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .filter(|a| a.starts_with("runbook."))
        .map(str::to_owned)
        .collect()
}

const FIRST: &str = "# Payroll run\n\n## When a run fails {#failed}\n\nRe-send the bank file.\n\n## Contacts\n\n- Ann\n";
const SECOND: &str = "# Payroll run\n\n## When a run fails {#failed}\n\nRe-send the bank file from the SFTP host.\nCall the bank if it fails twice.\n\n## Contacts\n\n- Ann\n";

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_runbook_is_written_revised_compared_and_restored(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    payroll(&app).await;

    // None yet: missing, and a template filled from the product card.
    let none = app.get_json(RUNBOOK).await;
    assert_eq!(none["status"]["freshness"], "missing");
    assert_eq!(none["current"], Value::Null);
    let template = app.get_json(&format!("{RUNBOOK}/template")).await["body"]
        .as_str()
        .unwrap()
        .to_owned();
    for part in [
        "# Payroll run: runbook",
        "Pay everyone on the 25th",
        "**Owner:** admin",
        "Timesheets from the HR tool",
        "A bank file",
        "## When a run fails {#failed}",
        "## When a run is missed {#missed}",
        "Nobody is paid; staff notice on the 26th",
        "## When a run takes too long {#too-long}",
        "**Fallback:** Send last month's file by hand",
        "## How to re-run {#re-run}",
        "## Contacts {#contacts}",
    ] {
        assert!(template.contains(part), "{part:?} missing from {template}");
    }
    let res = app.get(&format!("{RUNBOOK}.md")).await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "nothing to download yet"
    );

    // Two saves: revisions 1 and 2, each with its author, time and note.
    let res = save(&app, &template, "From the template", 0).await;
    assert_eq!(res.status(), StatusCode::OK);
    let first: Value = res.json().await.unwrap();
    assert_eq!(first["current"]["number"], 1);
    assert_eq!(first["current"]["author"], "admin");
    assert_eq!(first["current"]["note"], "From the template");
    assert_eq!(first["status"]["freshness"], "unverified");
    assert_eq!(
        first["status"]["stale_after_days"], 90,
        "the default period"
    );
    let html = first["html"].as_str().unwrap();
    for anchor in ["failed", "missed", "too-long", "re-run", "contacts"] {
        assert!(
            html.contains(&format!("id=\"{anchor}\"")),
            "#{anchor} in {html}"
        );
    }
    let res = save(&app, FIRST, "", 1).await;
    assert_eq!(res.status(), StatusCode::OK);
    app.clock.advance(TimeDelta::minutes(5));
    let res = save(&app, SECOND, "SFTP host and the bank", 2).await;
    assert_eq!(res.status(), StatusCode::OK);
    let third: Value = res.json().await.unwrap();
    assert_eq!(third["current"]["number"], 3);
    assert_eq!(third["current"]["body"], SECOND);

    // A save based on revision 2, now that 3 exists: 409 with their
    // revision, your text and how yours differs; nothing written.
    let yours = format!("{FIRST}\nMy own addition.\n");
    let (status, body) = error_of(save(&app, &yours, "mine", 2).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("changed by someone else"),
        "{body}"
    );
    assert_eq!(body["current"]["base_revision"], 2);
    assert_eq!(body["current"]["theirs"]["number"], 3);
    assert_eq!(body["current"]["theirs"]["body"], SECOND);
    assert_eq!(body["current"]["yours"], yours.as_str());
    assert_eq!(body["current"]["diff"]["added"], 3, "{body}");
    assert_eq!(body["current"]["diff"]["removed"], 2, "{body}");
    assert_eq!(numbers(&app).await, vec![3, 2, 1]);

    // The history, newest first, without the texts.
    let history = app.get_json(&format!("{RUNBOOK}/revisions")).await;
    assert_eq!(history[0]["note"], "SFTP host and the bank");
    assert_eq!(history[0]["lines"], SECOND.lines().count());
    assert_eq!(history[0].get("body"), None);
    assert_eq!(history[2]["note"], "From the template");
    let two = app.get_json(&format!("{RUNBOOK}/revisions/2")).await;
    assert_eq!(two["body"], FIRST);
    assert!(two["html"].as_str().unwrap().contains("<h2 id=\"failed\">"));

    // Revisions 2 and 3 compared: one line changed, one added.
    let diff = app.get_json(&format!("{RUNBOOK}/diff?from=2&to=3")).await;
    assert_eq!(
        (
            diff["from"]["number"].as_i64(),
            diff["to"]["number"].as_i64()
        ),
        (Some(2), Some(3))
    );
    assert_eq!(
        (
            diff["diff"]["added"].as_u64(),
            diff["diff"]["removed"].as_u64()
        ),
        (Some(2), Some(1))
    );
    let lines: Vec<&Value> = diff["diff"]["hunks"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let removed: Vec<&&Value> = lines.iter().filter(|l| l["change"] == "removed").collect();
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["old"], 5);
    let added: Vec<String> = lines
        .iter()
        .filter(|l| l["change"] == "added")
        .map(|l| {
            l["parts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p[1].as_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(
        added,
        vec![
            "Re-send the bank file from the SFTP host.",
            "Call the bank if it fails twice."
        ]
    );
    let same = app.get_json(&format!("{RUNBOOK}/diff?from=3&to=3")).await;
    assert_eq!(same["diff"]["hunks"], json!([]));

    // Restoring revision 2 makes revision 4 with its text; 3 stays.
    let res = app
        .post_json(&format!("{RUNBOOK}/revisions/2/restore"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let restored: Value = res.json().await.unwrap();
    assert_eq!(restored["number"], 4);
    assert_eq!(restored["restored_from"], 2);
    assert_eq!(restored["note"], "Restored revision 2");
    assert_eq!(app.get_json(RUNBOOK).await["current"]["body"], FIRST);
    assert_eq!(numbers(&app).await, vec![4, 3, 2, 1]);
    let (status, body) = error_of(
        app.post_json(&format!("{RUNBOOK}/revisions/4/restore"), &json!({}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["error"],
        "revision 4 is already the current one: there is nothing to restore"
    );

    // The markdown file.
    let res = app.get(&format!("{RUNBOOK}.md")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "text/markdown; charset=utf-8"
    );
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"payroll-run-runbook-r4.md\""
    );
    assert_eq!(res.text().await.unwrap(), FIRST);

    // Every change is in the audit log, newest first.
    assert_eq!(
        audit_actions(&app).await,
        vec![
            "runbook.restored",
            "runbook.saved",
            "runbook.saved",
            "runbook.saved"
        ]
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn bad_input_gets_a_reason_and_writes_nothing(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    payroll(&app).await;
    assert_eq!(save(&app, FIRST, "", 0).await.status(), StatusCode::OK);
    let audit_before = audit_actions(&app).await;

    let field = |body: &Value, name: &str| {
        body["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == name)
            .map(|f| f["message"].as_str().unwrap().to_owned())
    };
    let (status, body) = error_of(save(&app, "  \n", "", 1).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field(&body, "body").as_deref(),
        Some("write the runbook: it is empty")
    );
    let (status, body) = error_of(save(&app, "x", &"n".repeat(201), 1).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field(&body, "note").as_deref(),
        Some("at most 200 characters")
    );
    let (status, body) = error_of(save(&app, &"x".repeat(200_001), "", 1).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        field(&body, "body").unwrap().contains("at most 200 KB"),
        "{body}"
    );
    let (status, body) = error_of(save(&app, "x", "", -1).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field(&body, "base_revision").is_some(), "{body}");
    let res = app
        .client
        .put(app.url(RUNBOOK))
        .body("body=x")
        .send()
        .await
        .unwrap();
    let (status, body) = error_of(res).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"],
        "send the body as JSON with Content-Type: application/json"
    );
    let (status, body) = error_of(app.get(&format!("{RUNBOOK}/diff?from=1")).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"],
        "name the two revisions to compare as numbers: ?from=1&to=2"
    );
    for path in [
        format!("{RUNBOOK}/diff?from=1&to=9"),
        format!("{RUNBOOK}/revisions/9"),
        format!("{RUNBOOK}/revisions/0"),
        format!("{RUNBOOK}/revisions/one"),
        "/api/v1/orchestrations/nothing-here/runbook".to_owned(),
    ] {
        let (status, body) = error_of(app.get(&path).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["error"], "not found", "{path}");
    }
    let res = app
        .post_json(&format!("{RUNBOOK}/revisions/9/restore"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .put_json(
            "/api/v1/orchestrations/nothing-here/runbook",
            &json!({"body": "x", "base_revision": 0}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Nothing was written by any of them.
    assert_eq!(numbers(&app).await, vec![1]);
    assert_eq!(app.get_json(RUNBOOK).await["current"]["body"], FIRST);
    assert_eq!(audit_actions(&app).await, audit_before);
}

/// Moves the clock on by `by`, signing in again (the session has expired).
async fn later(app: &TestApp, by: TimeDelta) {
    app.clock.advance(by);
    let res = app
        .sign_in(&app.client, "admin@example.com", crate::helpers::PASSWORD)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn freshness(app: &TestApp) -> String {
    app.get_json(RUNBOOK).await["status"]["freshness"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn gaps(app: &TestApp) -> Value {
    app.get_json("/api/v1/orchestrations/payroll-run/leverage")
        .await["leverage"]["gaps"]
        .clone()
}

async fn dashboard_gaps(app: &TestApp) -> Value {
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
    json!([d["runbook_gap_count"], d["runbook_gaps"]])
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_verification_goes_stale_after_its_period(#[case] backend: Backend) {
    // Ten days rather than the default 90: signing in again after the
    // clock moves on only works within the session cookie's two weeks.
    let app = spawn_app_with(backend, &["--runbook-stale-days", "10"]).await;
    payroll(&app).await;
    let verify = format!("{RUNBOOK}/verify");

    // Nothing to verify yet; no runbook is a gap everywhere.
    let (status, body) = error_of(app.post_json(&verify, &json!({})).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["error"],
        "there is no runbook to verify yet: write it first"
    );
    // (It has no run seen either: a gap of its own, whatever its runbook.)
    assert_eq!(
        gaps(&app).await,
        json!(["backup_owner", "runbook", "no_run_seen"])
    );
    let gap = |freshness: &str| json!([1, [{"slug": "payroll-run", "name": "Payroll run", "tier": 3, "freshness": freshness}]]);
    assert_eq!(dashboard_gaps(&app).await, gap("missing"));

    // Written, never verified: still a gap, of another kind.
    assert_eq!(save(&app, FIRST, "", 0).await.status(), StatusCode::OK);
    assert_eq!(freshness(&app).await, "unverified");
    assert_eq!(
        gaps(&app).await,
        json!(["backup_owner", "stale_runbook", "no_run_seen"])
    );
    assert_eq!(dashboard_gaps(&app).await, gap("unverified"));

    // Verified: who, when, which revision; no gap.
    let res = app.post_json(&verify, &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let verified_at = app.clock.now();
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["by"], "admin");
    assert_eq!(v["by_id"], app.admin_id);
    assert_eq!(v["revision"], 1);
    let status = app.get_json(RUNBOOK).await["status"].clone();
    assert_eq!(status["freshness"], "verified");
    assert_eq!(status["stale_after_days"], 10);
    assert_eq!(
        status["verified_until"].as_str().unwrap(),
        (verified_at + TimeDelta::days(10)).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    );
    assert_eq!(gaps(&app).await, json!(["backup_owner", "no_run_seen"]));
    assert_eq!(dashboard_gaps(&app).await, json!([0, []]));

    // An edit keeps the verification, and says so.
    assert_eq!(save(&app, SECOND, "", 1).await.status(), StatusCode::OK);
    let runbook = app.get_json(RUNBOOK).await;
    assert_eq!(runbook["status"]["freshness"], "verified");
    assert_eq!(runbook["status"]["verification"]["revision"], 1);
    assert_eq!(runbook["status"]["revision"], 2);

    // Ten days on it still holds; a second later it is stale.
    later(&app, TimeDelta::days(10)).await;
    assert_eq!(freshness(&app).await, "verified");
    app.clock.advance(TimeDelta::seconds(1));
    assert_eq!(freshness(&app).await, "stale");
    assert_eq!(
        gaps(&app).await,
        json!(["backup_owner", "stale_runbook", "no_run_seen"])
    );
    assert_eq!(dashboard_gaps(&app).await, gap("stale"));
    let report = app.get_json("/api/v1/leverage").await;
    let ranked = report["orchestrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["slug"] == "payroll-run")
        .unwrap()
        .clone();
    assert_eq!(
        ranked["leverage"]["gaps"],
        json!(["backup_owner", "stale_runbook", "no_run_seen"])
    );
    assert!(
        ranked["why"]
            .as_str()
            .unwrap()
            .contains("runbook not verified recently"),
        "{ranked}"
    );

    // Verifying again makes it current for another ten days.
    assert_eq!(
        app.post_json(&verify, &json!({})).await.status(),
        StatusCode::OK
    );
    let status = app.get_json(RUNBOOK).await["status"].clone();
    assert_eq!(status["freshness"], "verified");
    assert_eq!(status["verification"]["revision"], 2);
    assert_eq!(
        audit_actions(&app).await,
        vec![
            "runbook.verified",
            "runbook.saved",
            "runbook.verified",
            "runbook.saved"
        ]
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn owners_backup_owners_and_admins_write_and_everyone_reads(#[case] backend: Backend) {
    use app::model::accounts::Role;
    let app = spawn_app(backend).await;
    let (owner, owner_id) = app.as_new("owner@example.com", Role::Editor).await;
    let (backup, backup_id) = app.as_new("backup@example.com", Role::Editor).await;
    let (other, _) = app.as_new("other@example.com", Role::Editor).await;
    let (viewer, _) = app.as_new("viewer@example.com", Role::Viewer).await;
    app.add_orchestration(json!({
        "name": "Payroll run", "owner_id": owner_id, "backup_owner_id": backup_id,
    }))
    .await;
    let put = |client: &reqwest::Client, body: &str, base: i64| {
        client
            .put(app.url(RUNBOOK))
            .json(&json!({"body": body, "base_revision": base}))
            .send()
    };
    let res = put(&viewer, "viewer's", 0).await.unwrap();
    let (status, body) = error_of(res).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["error"].as_str().unwrap().contains("viewer role"),
        "{body}"
    );
    let (status, body) = error_of(put(&other, "other's", 0).await.unwrap()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body["error"],
        "only the owner or backup owner of \u{201c}Payroll run\u{201d}, or an administrator, may change it"
    );
    let res = other
        .post(app.url(&format!("{RUNBOOK}/verify")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get_json(RUNBOOK).await["current"],
        Value::Null,
        "nothing written"
    );

    assert_eq!(
        put(&owner, "owner's", 0).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        put(&backup, "backup's", 1).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(save(&app, "admin's", "", 2).await.status(), StatusCode::OK);
    let res = viewer
        .post(app.url(&format!("{RUNBOOK}/revisions/1/restore")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Everyone signed in reads; the authors are named.
    let history: Value = viewer
        .get(app.url(&format!("{RUNBOOK}/revisions")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let authors: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["author"].as_str().unwrap())
        .collect();
    assert_eq!(authors, vec!["admin", "backup", "owner"]);
    let res = crate::helpers::plain_client()
        .get(app.url(RUNBOOK))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn hostile_markdown_is_kept_as_written_and_shown_harmless(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    payroll(&app).await;
    let hostile = "# Steps\n\n<script>fetch('/api/v1/tokens')</script>\n\n\
        <img src=x onerror=\"alert(1)\">\n\n[Open](javascript:alert(2))\n\n\
        <a href=\"https://wiki.example.com\" onclick=\"alert(3)\">Wiki</a>\n\n\
        <iframe src=\"https://evil.example\"></iframe>\n\n<p style=\"color:red\">Careful</p>\n";
    assert_eq!(save(&app, hostile, "", 0).await.status(), StatusCode::OK);
    let shown = app.get_json(RUNBOOK).await;
    assert_eq!(
        shown["current"]["body"], hostile,
        "the text is kept as written"
    );
    let preview: String = app
        .client
        .post(app.url("/rpc/runbooks/preview"))
        .form(&[("body", hostile)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let screen: Value = app
        .client
        .post(app.url("/rpc/runbooks/one"))
        .form(&[("slug", "payroll-run")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let revision = app.get_json(&format!("{RUNBOOK}/revisions/1")).await;
    for html in [
        shown["html"].as_str().unwrap(),
        preview.as_str(),
        screen["html"].as_str().unwrap(),
        revision["html"].as_str().unwrap(),
    ] {
        assert_eq!(
            html,
            "<h1 id=\"steps\">Steps</h1>\n\n<img src=\"x\">\n<p><a rel=\"noopener noreferrer nofollow\">Open</a></p>\n\
             <p><a href=\"https://wiki.example.com\" rel=\"noopener noreferrer nofollow\">Wiki</a></p>\n\n\
             <p>Careful</p>\n"
        );
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_screens_save_meet_a_conflict_and_restore(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    payroll(&app).await;
    let rpc = |path: &'static str, form: Vec<(&'static str, String)>| {
        let request = app.client.post(app.url(path)).form(&form);
        async move {
            let res = request.send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            res.json::<Value>().await.unwrap()
        }
    };
    let slug = || ("slug", "payroll-run".to_owned());
    let editor = rpc("/rpc/runbooks/editor", vec![slug()]).await;
    assert_eq!(editor["base_revision"], 0);
    assert!(
        editor["body"]
            .as_str()
            .unwrap()
            .starts_with("# Payroll run: runbook")
    );
    assert!(
        editor["html"]
            .as_str()
            .unwrap()
            .contains("<h2 id=\"failed\">")
    );

    let saved = |body: &str, base: i64| {
        vec![
            slug(),
            ("draft[body]", body.to_owned()),
            ("draft[note]", String::new()),
            ("draft[base_revision]", base.to_string()),
        ]
    };
    let outcome = rpc("/rpc/runbooks/save", saved(FIRST, 0)).await;
    assert_eq!(
        outcome,
        json!({"Saved": {"revision": 1, "path": "/orchestrations/payroll-run/runbook"}})
    );
    assert_eq!(
        rpc("/rpc/runbooks/save", saved(SECOND, 1)).await["Saved"]["revision"],
        2
    );
    // A second person still on revision 1.
    let outcome = rpc("/rpc/runbooks/save", saved("# Mine\n", 1)).await;
    let conflict = &outcome["Conflict"];
    assert_eq!(conflict["theirs"]["number"], 2, "{outcome}");
    assert_eq!(conflict["theirs"]["body"], SECOND);
    assert!(
        conflict["theirs_html"]
            .as_str()
            .unwrap()
            .contains("Call the bank")
    );
    assert_eq!(conflict["diff"]["added"], 1);
    let invalid = rpc("/rpc/runbooks/save", saved(" ", 2)).await;
    assert_eq!(
        invalid,
        json!({"Invalid": [{"field": "body", "message": "write the runbook: it is empty"}]})
    );
    assert_eq!(numbers(&app).await, vec![2, 1]);

    let history = rpc("/rpc/runbooks/history", vec![slug()]).await;
    assert_eq!(history["revisions"].as_array().unwrap().len(), 2);
    let compared = rpc(
        "/rpc/runbooks/compare",
        vec![slug(), ("from", "1".into()), ("to", "2".into())],
    )
    .await;
    assert_eq!(compared["diff"]["diff"]["added"], 2);
    let restored = rpc(
        "/rpc/runbooks/restore",
        vec![slug(), ("number", "1".into())],
    )
    .await;
    assert_eq!(
        restored,
        json!({"Saved": {"path": "/orchestrations/payroll-run/runbook"}})
    );
    let old = rpc(
        "/rpc/runbooks/revision",
        vec![slug(), ("number", "3".into())],
    )
    .await;
    assert_eq!(old["revision"]["restored_from"], 1);
    assert_eq!(old["current"], 3);
    let missing = rpc(
        "/rpc/runbooks/revision",
        vec![slug(), ("number", "9".into())],
    )
    .await;
    assert_eq!(missing, Value::Null);
    let verified = rpc("/rpc/runbooks/verify", vec![slug()]).await;
    assert_eq!(
        verified,
        json!({"Saved": {"path": "/orchestrations/payroll-run/runbook"}})
    );
    let screen = rpc("/rpc/runbooks/one", vec![slug()]).await;
    assert_eq!(screen["status"]["freshness"], "verified");
    assert_eq!(screen["current"]["number"], 3);
    assert_eq!(screen["can_edit"], true);
}

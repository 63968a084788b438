//! Ping keys, on both backends: every automation gets one however it is
//! added, its ready-to-paste URLs are shown, and rotating it keeps the old
//! key working for the overlap, then not.

use app::model::accounts::Role;
use chrono::TimeDelta;
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Backend, spawn_app};

fn is_key(key: &str) -> bool {
    key.len() == 32
        && key
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn automations_get_ping_urls_and_keys_rotate_with_an_overlap(#[case] backend: Backend) {
    let app = spawn_app(backend).await;
    let created = app
        .add_automation(
            json!({"tool": "cron", "external_id": "backup.sh", "name": "Nightly backup"}),
        )
        .await;
    let id = created["id"].as_i64().unwrap();
    let key = created["ping"]["key"].as_str().unwrap().to_owned();
    assert!(is_key(&key), "{key}");
    assert_eq!(
        created["ping"]["success"],
        format!("http://127.0.0.1:0/ping/{key}")
    );
    assert_eq!(
        created["ping"]["start"],
        format!("http://127.0.0.1:0/ping/{key}/start")
    );
    assert_eq!(
        created["ping"]["exit_status"],
        format!("http://127.0.0.1:0/ping/{key}/<status>")
    );
    let shown = app.get_json(&format!("/api/v1/automations/{id}")).await;
    assert_eq!(shown["ping"]["key"], key.as_str());
    let listed = app.get_json("/api/v1/automations").await;
    assert!(
        !listed.to_string().contains(&key),
        "lists do not repeat keys"
    );

    let now = baton::clock::Clock::now(&*app.clock);
    assert_eq!(
        app.store.automation_by_ping_key(&key, now).await.unwrap(),
        Some(id)
    );
    assert_eq!(
        app.store.automation_by_ping_key("0000", now).await.unwrap(),
        None
    );

    // Imported automations have keys too, each its own.
    let csv = "tool,external_id,name\ncron,a.sh,A\ncron,b.sh,B\n";
    let res = app
        .client
        .post(app.url("/api/v1/import/inventory?commit=true"))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let all = app
        .store
        .automations(&Default::default(), 100, 0)
        .await
        .unwrap();
    let mut keys = Vec::new();
    for automation in &all {
        keys.push(app.store.ping_key(automation.id).await.unwrap().unwrap());
    }
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 3);

    // Rotating: a new key; the old one works for the overlap (24 h), then not.
    let (viewer, _) = app.as_new("vera@example.com", Role::Viewer).await;
    let res = viewer
        .post(app.url(&format!("/api/v1/automations/{id}/ping-key")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .post_json(&format!("/api/v1/automations/{id}/ping-key"), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let rotated: Value = res.json().await.unwrap();
    let new_key = rotated["key"].as_str().unwrap().to_owned();
    assert!(is_key(&new_key) && new_key != key);
    assert_eq!(
        app.get_json(&format!("/api/v1/automations/{id}")).await["ping"]["key"],
        new_key.as_str()
    );
    for (after, old_works) in [(TimeDelta::hours(23), true), (TimeDelta::hours(25), false)] {
        let at = now + after;
        let old = app.store.automation_by_ping_key(&key, at).await.unwrap();
        assert_eq!(old.is_some(), old_works, "{after}");
        assert_eq!(
            app.store
                .automation_by_ping_key(&new_key, at)
                .await
                .unwrap(),
            Some(id)
        );
    }
    let audit = app
        .get_json("/api/v1/audit?action=automation.ping_key_rotated")
        .await;
    assert_eq!(audit["total"], 1);
    assert!(
        !audit.to_string().contains(&new_key),
        "keys stay out of the audit log"
    );
    let res = app
        .post_json("/api/v1/automations/999/ping-key", &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // An orchestration's page shows its automations' current keys (read
    // together): the rotated key, not the one in its overlap.
    let o = app
        .add_orchestration(json!({"name": "Backups", "purpose": "Keep copies"}))
        .await;
    let put = app
        .put_json(
            &format!("/api/v1/automations/{id}"),
            &json!({"tool": "cron", "external_id": "backup.sh", "name": "Nightly backup",
                    "orchestration_id": o["id"], "version": shown["version"]}),
        )
        .await;
    assert_eq!(put.status(), StatusCode::OK);
    let other = app
        .add_automation(
            json!({"tool": "cron", "external_id": "verify.sh", "name": "Verify",
                               "orchestration_id": o["id"]}),
        )
        .await;
    let other_key = other["ping"]["key"].as_str().unwrap().to_owned();
    let mut keys = app
        .store
        .orchestration_ping_keys(o["id"].as_i64().unwrap())
        .await
        .unwrap();
    keys.sort();
    let other_id = other["id"].as_i64().unwrap();
    assert_eq!(
        keys,
        vec![(id, new_key.clone()), (other_id, other_key.clone())]
    );
    assert_eq!(
        app.store.orchestration_ping_keys(999).await.unwrap(),
        vec![]
    );
    let page = app
        .client
        .post(app.url("/rpc/orchestrations/page"))
        .form(&[("slug", o["slug"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page: Value = page.json().await.unwrap();
    let shown_keys: Vec<(i64, String)> = page["ingestion"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let key = m["ping"]["key"].as_str().unwrap().to_owned();
            (m["automation_id"].as_i64().unwrap(), key)
        })
        .collect();
    assert_eq!(shown_keys.len(), 2);
    assert!(shown_keys.contains(&(id, new_key)));
    assert!(shown_keys.contains(&(other_id, other_key)));
}

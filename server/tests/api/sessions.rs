//! Sign-in sessions on Baton's own store, on both backends: kept, shared
//! by every instance, expired by the clock, revoked per person.

use std::collections::HashMap;
use std::sync::Arc;

use app::model::accounts::Role;
use baton::accounts::sessions::{BatonSessions, USER_KEY};
use baton::clock::ManualClock;
use chrono::{TimeDelta, TimeZone, Utc};
use rstest::rstest;
use serde_json::json;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};

use crate::helpers::{Backend, TestDb};

fn record(user: Option<i64>, expires: chrono::DateTime<Utc>) -> Record {
    let mut data = HashMap::new();
    if let Some(user) = user {
        data.insert(USER_KEY.to_owned(), json!(user));
    }
    Record {
        id: Id::default(),
        data,
        expiry_date: time::OffsetDateTime::from_unix_timestamp(expires.timestamp()).unwrap(),
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn sessions_are_kept_shared_expired_and_revoked(#[case] backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let start = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let sessions = BatonSessions::new(store.clone(), clock.clone());
    let ada = store
        .insert_user("ada@example.com", "Ada", Role::Admin, start)
        .await
        .unwrap();
    let grace = store
        .insert_user("grace@example.com", "Grace", Role::Viewer, start)
        .await
        .unwrap();

    let mut kept = record(Some(ada), start + TimeDelta::hours(8));
    sessions.create(&mut kept).await.unwrap();
    assert_eq!(sessions.load(&kept.id).await.unwrap(), Some(kept.clone()));

    // Another instance on the same database sees it (a fresh connection).
    let other = BatonSessions::new(db.store().await, clock.clone());
    assert_eq!(other.load(&kept.id).await.unwrap(), Some(kept.clone()));

    // A new session whose id collides gets a fresh id; the first is intact.
    let mut collides = record(Some(grace), start + TimeDelta::hours(8));
    collides.id = kept.id;
    sessions.create(&mut collides).await.unwrap();
    assert_ne!(collides.id, kept.id);
    assert_eq!(sessions.load(&kept.id).await.unwrap(), Some(kept.clone()));

    // A save replaces what was kept.
    kept.data.insert("note".into(), json!("changed"));
    sessions.save(&kept).await.unwrap();
    assert_eq!(
        sessions.load(&kept.id).await.unwrap().unwrap().data["note"],
        "changed"
    );

    // The database holds no id a cookie could carry: rows are keyed by the
    // id's hash, and records leave the id out.
    let ids = db.texts("SELECT id FROM sessions").await;
    let records = db.texts("SELECT record FROM sessions").await;
    assert_eq!(ids.len(), 2, "{ids:?}");
    for live in [kept.id.to_string(), collides.id.to_string()] {
        assert!(!ids.contains(&live), "{live} kept as it is: {ids:?}");
        assert!(
            records.iter().all(|r| !r.contains(&live)),
            "{live} in a record: {records:?}"
        );
    }

    // Revoking Ada's sessions ends hers and leaves Grace's.
    assert_eq!(store.delete_user_sessions(ada).await.unwrap(), 1);
    assert_eq!(sessions.load(&kept.id).await.unwrap(), None);
    assert!(sessions.load(&collides.id).await.unwrap().is_some());

    // A request that was in flight when it ended saves it afterwards (its
    // last use noted): the session stays ended.
    kept.data.insert("seen_at".into(), json!(start.timestamp()));
    sessions.save(&kept).await.unwrap();
    assert_eq!(sessions.load(&kept.id).await.unwrap(), None);
    assert_eq!(db.texts("SELECT id FROM sessions").await.len(), 1);

    // Expiry follows the clock; expired sessions are then forgotten.
    let mut anonymous = record(None, start + TimeDelta::hours(1));
    sessions.create(&mut anonymous).await.unwrap();
    clock.advance(TimeDelta::minutes(59));
    assert!(sessions.load(&anonymous.id).await.unwrap().is_some());
    clock.advance(TimeDelta::minutes(1));
    assert_eq!(sessions.load(&anonymous.id).await.unwrap(), None);
    assert_eq!(sessions.delete_expired().await.unwrap(), 1);

    // Sign-out deletes it.
    sessions.delete(&collides.id).await.unwrap();
    assert_eq!(sessions.load(&collides.id).await.unwrap(), None);
    assert_eq!(sessions.delete_expired().await.unwrap(), 0);
}

//! The `Store` contract: the same story against SQLite and PostgreSQL.

use std::time::Duration;

use baton::store::{Change, DeliveryOutcome, NewDelivery, StoreError};
use chrono::{TimeDelta, TimeZone, Utc};
use rstest::rstest;

use crate::helpers::{Backend, TestDb};

fn delivery(external_id: Option<&str>, body: &[u8]) -> NewDelivery {
    NewDelivery {
        received_at: Utc.timestamp_opt(1_795_000_000, 123_456_000).unwrap(),
        endpoint: "github".into(),
        scope: "source:3".into(),
        source_id: Some(3),
        automation_id: None,
        external_id: external_id.map(str::to_owned),
        method: "POST".into(),
        uri: "/hooks/github/src_k3y?x=1".into(),
        headers: vec![
            ("x-github-event".into(), "workflow_run".into()),
            ("content-type".into(), "application/json".into()),
            ("x-b".into(), "2".into()),
            ("x-a".into(), "1".into()),
        ],
        body: body.to_vec(),
        body_size: body.len() as i64,
        remote_addr: Some("192.0.2.10".into()),
        rejected: None,
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn migrating_twice_changes_nothing(#[case] backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
    assert_eq!(store.recent_deliveries(10).await.unwrap(), vec![]);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_lease_has_one_holder_until_it_expires_or_is_released(#[case] backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let t0 = Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap();
    let ttl = TimeDelta::seconds(30);

    assert!(
        store
            .try_acquire_lease("missed-runs", "a", t0, ttl)
            .await
            .unwrap()
    );
    assert!(
        !store
            .try_acquire_lease("missed-runs", "b", t0 + TimeDelta::seconds(10), ttl)
            .await
            .unwrap()
    );
    // Another lease is independent.
    assert!(
        store
            .try_acquire_lease("rollups", "b", t0, ttl)
            .await
            .unwrap()
    );
    // The holder renews, pushing expiry to t0+20s+30s.
    assert!(
        store
            .try_acquire_lease("missed-runs", "a", t0 + TimeDelta::seconds(20), ttl)
            .await
            .unwrap()
    );
    assert!(
        !store
            .try_acquire_lease("missed-runs", "b", t0 + TimeDelta::seconds(45), ttl)
            .await
            .unwrap()
    );
    // Expired: another instance takes over, and the old holder is out.
    assert!(
        store
            .try_acquire_lease("missed-runs", "b", t0 + TimeDelta::seconds(50), ttl)
            .await
            .unwrap()
    );
    assert!(
        !store
            .try_acquire_lease("missed-runs", "a", t0 + TimeDelta::seconds(51), ttl)
            .await
            .unwrap()
    );
    // Releasing by a non-holder does nothing; by the holder frees it.
    store.release_lease("missed-runs", "a").await.unwrap();
    assert!(
        !store
            .try_acquire_lease("missed-runs", "a", t0 + TimeDelta::seconds(52), ttl)
            .await
            .unwrap()
    );
    store.release_lease("missed-runs", "b").await.unwrap();
    assert!(
        store
            .try_acquire_lease("missed-runs", "a", t0 + TimeDelta::seconds(53), ttl)
            .await
            .unwrap()
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_instances_get_exactly_one_lease(#[case] backend: Backend) {
    let db = TestDb::new(backend).await;
    // Separate stores, as separate instances would have.
    let mut stores = Vec::new();
    for _ in 0..4 {
        stores.push(db.store().await);
    }
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap();
    for round in 0..5 {
        let name = format!("job-{round}");
        let attempts = stores
            .iter()
            .cycle()
            .take(16)
            .enumerate()
            .map(|(i, store)| {
                let store = store.clone();
                let name = name.clone();
                tokio::spawn(async move {
                    store
                        .try_acquire_lease(
                            &name,
                            &format!("instance-{i}"),
                            now,
                            TimeDelta::seconds(60),
                        )
                        .await
                        .unwrap()
                })
            });
        let won = futures::future::join_all(attempts)
            .await
            .into_iter()
            .filter(|r| *r.as_ref().unwrap())
            .count();
        assert_eq!(won, 1, "round {round}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn deliveries_are_kept_exactly_as_received(#[case] backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let binary = [0u8, 159, 146, 150, 255, b'{'];
    let batch = vec![
        delivery(Some("guid-1"), br#"{"action":"completed"}"#),
        delivery(None, &binary),
    ];
    let receipts = store.record_deliveries(&batch).await.unwrap();
    assert_eq!(receipts.len(), 2);
    assert!(receipts.iter().all(|r| !r.is_duplicate()));
    assert!(receipts[1].id > receipts[0].id);

    let kept = store.delivery(receipts[0].id).await.unwrap();
    assert_eq!(kept.received_at, batch[0].received_at);
    assert_eq!(kept.endpoint, "github");
    assert_eq!(kept.scope, "source:3");
    assert_eq!(kept.source_id, Some(3));
    assert_eq!(kept.body_size, 22);
    assert_eq!(kept.external_id.as_deref(), Some("guid-1"));
    assert_eq!(kept.method, "POST");
    assert_eq!(kept.uri, "/hooks/github/src_k3y?x=1");
    assert_eq!(
        kept.headers, batch[0].headers,
        "header order and values survive"
    );
    assert_eq!(kept.body, br#"{"action":"completed"}"#);
    assert_eq!(kept.remote_addr.as_deref(), Some("192.0.2.10"));
    assert_eq!(kept.outcome, DeliveryOutcome::Pending);
    assert_eq!(kept.processed_at, None);
    assert_eq!(store.delivery(receipts[1].id).await.unwrap().body, binary);

    let recent = store.recent_deliveries(10).await.unwrap();
    assert_eq!(
        recent.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![receipts[1].id, receipts[0].id]
    );
    assert_eq!(store.recent_deliveries(1).await.unwrap().len(), 1);
    assert!(matches!(
        store.delivery(receipts[1].id + 100).await,
        Err(StoreError::NotFound)
    ));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_redelivered_tool_id_is_counted_once(#[case] backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let first = store
        .record_deliveries(&[delivery(Some("guid-7"), b"one")])
        .await
        .unwrap()[0];
    assert!(!first.is_duplicate());
    // Again in a later batch, and twice within one batch.
    let again = store
        .record_deliveries(&[
            delivery(Some("guid-7"), b"two"),
            delivery(Some("guid-8"), b"three"),
            delivery(Some("guid-8"), b"four"),
            delivery(None, b"five"),
            delivery(None, b"five"),
        ])
        .await
        .unwrap();
    assert_eq!(again[0].duplicate_of, Some(first.id));
    assert!(!again[1].is_duplicate());
    assert_eq!(again[2].duplicate_of, Some(again[1].id));
    // Without a tool id nothing can be matched: both are kept.
    assert!(!again[3].is_duplicate() && !again[4].is_duplicate());
    assert_ne!(again[3].id, again[4].id);
    // The first copy is what is processed; each repeat is logged as one.
    assert_eq!(store.delivery(first.id).await.unwrap().body, b"one");
    let repeat = store.delivery(again[0].id).await.unwrap();
    assert_eq!(repeat.outcome, DeliveryOutcome::Duplicate);
    assert_eq!(repeat.duplicate_of, Some(first.id));
    assert_eq!(repeat.body, b"two");
    assert_eq!(store.recent_deliveries(100).await.unwrap().len(), 6);
    assert_eq!(store.count_pending_deliveries().await.unwrap(), 4);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn subscribers_hear_published_changes(#[case] backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let mut changes = store.subscribe();
    let change = Change::DeliveriesRecorded {
        count: 3,
        last_id: 42,
    };
    store.publish(&change).await.unwrap();
    let heard = tokio::time::timeout(Duration::from_secs(5), changes.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(heard, change);
    // Heard once, not again through the database.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(changes.try_recv().is_err());
}

#[tokio::test]
async fn another_postgres_instance_hears_a_change() {
    let db = TestDb::new(Backend::Postgres).await;
    let here = db.store().await;
    let there = db.store().await;
    let mut heard_there = there.subscribe();
    let mut heard_here = here.subscribe();
    let change = Change::DeliveriesRecorded {
        count: 1,
        last_id: 7,
    };
    here.publish(&change).await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(5), heard_there.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, change);
    assert_eq!(heard_here.recv().await.unwrap(), change);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        heard_here.try_recv().is_err(),
        "an instance hears its own change once"
    );
    assert!(heard_there.try_recv().is_err());
}

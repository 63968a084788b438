//! The group-commit writer that keeps deliveries before Baton answers.

use std::time::Duration;

use baton::deliveries::DeliveryWriter;
use baton::store::{Change, NewDelivery};
use chrono::{TimeZone, Utc};
use rstest::rstest;

use crate::helpers::{Backend, TestDb};

fn ping(n: usize) -> NewDelivery {
    NewDelivery {
        received_at: Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap(),
        endpoint: "ping".into(),
        scope: "automation:1".into(),
        source_id: None,
        automation_id: Some(1),
        external_id: Some(format!("d-{}", n % 150)),
        method: "POST".into(),
        uri: "/ping/k".into(),
        headers: vec![],
        body: format!("run {n}").into_bytes(),
        body_size: 5,
        remote_addr: None,
        rejected: None,
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_burst_is_kept_in_a_few_transactions(#[case] backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let mut changes = store.subscribe();
    let writer = DeliveryWriter::spawn(store.clone(), 64);

    // 200 requests at once, 50 of them redeliveries of an earlier id.
    let receipts = futures::future::join_all((0..200).map(|n| writer.keep(ping(n)))).await;
    let receipts: Vec<_> = receipts.into_iter().map(Result::unwrap).collect();

    assert_eq!(receipts.iter().filter(|r| !r.is_duplicate()).count(), 150);
    assert_eq!(receipts.iter().filter(|r| r.is_duplicate()).count(), 50);
    // The 200 queued while the first transaction ran: 200 / 64 → 4 batches.
    assert_eq!(writer.batches_committed(), 4);
    // Each repeat is logged as a duplicate of its first copy.
    assert_eq!(store.recent_deliveries(1000).await.unwrap().len(), 200);
    assert_eq!(store.count_pending_deliveries().await.unwrap(), 150);
    for (n, receipt) in receipts.iter().enumerate().take(150) {
        assert_eq!(
            store.delivery(receipt.id).await.unwrap().body,
            format!("run {n}").into_bytes()
        );
    }

    // One announcement per batch that wrote something.
    let mut announced = 0;
    while let Ok(Ok(Change::DeliveriesRecorded { count, .. })) =
        tokio::time::timeout(Duration::from_millis(500), changes.recv()).await
    {
        announced += count;
    }
    assert_eq!(announced, 150);
}

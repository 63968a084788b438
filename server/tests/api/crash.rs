//! Nothing acknowledged is lost: the real `baton` process is SIGKILLed with
//! dozens of pings in flight, restarted on the same database, and every ping
//! it answered 2xx is there, each turned into its run.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use app::model::ingestion::{DeliveryFilter, DeliveryOutcome};
use rstest::rstest;

use crate::helpers::{Backend, TestDb, plain_client, serve, stored_automation};

/// Connections pinging at once.
const SENDERS: usize = 64;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_loses_no_acknowledged_ping(#[case] backend: Backend) {
    let db = TestDb::new(backend).await;
    let site = tempfile::tempdir().unwrap();
    let store = db.store().await;
    let (automation_id, key) = stored_automation(&store, "Crash test", None).await;

    let mut running = serve(&db.url(), site.path());
    let addr = running.addr;
    let stop = Arc::new(AtomicBool::new(false));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let (stop, in_flight, key) = (stop.clone(), in_flight.clone(), key.clone());
            tokio::spawn(async move {
                let client = plain_client();
                let mut acknowledged = Vec::new();
                for n in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let mark = format!("s{s}n{n}");
                    in_flight.fetch_add(1, Ordering::SeqCst);
                    let sent = client
                        .post(format!("http://{addr}/ping/{key}?rid={mark}"))
                        .body(format!("run {mark}"))
                        .send()
                        .await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    match sent {
                        Ok(res) if res.status().is_success() => acknowledged.push(mark),
                        Ok(res) => panic!("{mark}: {}", res.status()),
                        Err(_) => break, // the server is gone
                    }
                }
                acknowledged
            })
        })
        .collect();

    // Let the load build up, then kill the server mid-flight.
    let mut busiest = 0;
    for _ in 0..2000 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        busiest = in_flight.load(Ordering::SeqCst);
        if busiest >= 50
            && store
                .recent_deliveries(1)
                .await
                .unwrap()
                .first()
                .map_or(0, |d| d.id)
                > 300
        {
            break;
        }
    }
    running.child.kill().unwrap();
    running.child.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    assert!(
        busiest >= 50,
        "only {busiest} pings were in flight when it was killed"
    );
    let mut acknowledged = HashSet::new();
    for sender in senders {
        acknowledged.extend(sender.await.unwrap());
    }
    assert!(
        acknowledged.len() >= 100,
        "only {} pings were answered",
        acknowledged.len()
    );

    // Restarted, it finishes turning what it kept into runs.
    let _restarted = serve(&db.url(), site.path());
    for _ in 0..600 {
        if store.count_pending_deliveries().await.unwrap() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        store.count_pending_deliveries().await.unwrap(),
        0,
        "every delivery was processed"
    );

    let filter = DeliveryFilter {
        automation_id: Some(automation_id),
        ..Default::default()
    };
    let kept = store.deliveries(&filter, 100_000, 0).await.unwrap();
    let kept_marks: HashSet<String> = kept
        .iter()
        .filter_map(|d| d.uri.split("rid=").nth(1).map(str::to_owned))
        .collect();
    let lost: Vec<_> = acknowledged.difference(&kept_marks).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged pings lost: {lost:?}",
        lost.len()
    );
    assert!(kept.iter().all(|d| d.outcome == DeliveryOutcome::Recorded));
    let runs = store.runs(automation_id, 100_000).await.unwrap();
    let run_ids: HashSet<String> = runs.iter().filter_map(|r| r.rid.clone()).collect();
    assert_eq!(runs.len(), kept.len(), "one run per kept ping, none twice");
    assert!(
        acknowledged.is_subset(&run_ids),
        "every acknowledged ping has its run"
    );
    eprintln!(
        "{} acknowledged, {} kept (answered, or committed as it died), {busiest} in flight at the kill",
        acknowledged.len(),
        kept.len()
    );
}

//! Keeping deliveries before answering: a group-commit writer. Each request
//! hands its delivery over and waits for the receipt; one task writes
//! whatever has queued up meanwhile in a single transaction, so a burst of
//! requests costs a few fsyncs rather than one each.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

use crate::store::{Change, NewDelivery, RecordedDelivery, SharedStore, StoreError, StoreResult};

/// How many requests may wait for the writer before senders wait too.
const QUEUE_CAPACITY: usize = 4096;

/// How long after its last commit the writer still counts as busy: pings
/// arriving at any steady rate leave gaps shorter than this between
/// batches, and background work should not take them for quiet.
const BUSY_AFTER: Duration = Duration::from_millis(250);

/// A batch that takes this long to commit is logged (at debug).
const SLOW_BATCH: Duration = Duration::from_millis(5);

struct Pending {
    delivery: NewDelivery,
    reply: oneshot::Sender<StoreResult<RecordedDelivery>>,
}

/// A handle to the writer task; clones share it. The task ends when the
/// last handle is dropped, after writing what was queued.
#[derive(Clone)]
pub struct DeliveryWriter {
    queue: mpsc::Sender<Pending>,
    batches: Arc<AtomicU64>,
    writing: Arc<AtomicBool>,
    /// The last batch could not be kept (a full disk, the database away).
    failing: Arc<AtomicBool>,
    /// When the last batch was committed, in milliseconds after `started`.
    last_commit: Arc<AtomicU64>,
    started: Instant,
}

impl DeliveryWriter {
    /// Starts the writer; each transaction takes at most `max_batch` deliveries.
    pub fn spawn(store: SharedStore, max_batch: usize) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE_CAPACITY);
        let batches = Arc::new(AtomicU64::new(0));
        let writing = Arc::new(AtomicBool::new(false));
        let failing = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        // Never committed: as long ago as can be.
        let last_commit = Arc::new(AtomicU64::new(u64::MAX));
        tokio::spawn(write_batches(
            store,
            rx,
            max_batch.max(1),
            Progress {
                batches: batches.clone(),
                writing: writing.clone(),
                failing: failing.clone(),
                last_commit: last_commit.clone(),
                started,
            },
        ));
        Self {
            queue,
            batches,
            writing,
            failing,
            last_commit,
            started,
        }
    }

    /// Keeps one delivery; returns once it is committed.
    pub async fn keep(&self, delivery: NewDelivery) -> StoreResult<RecordedDelivery> {
        let (reply, receipt) = oneshot::channel();
        self.queue
            .send(Pending { delivery, reply })
            .await
            .map_err(|_| StoreError::Other(anyhow::anyhow!("the delivery writer has stopped")))?;
        receipt
            .await
            .map_err(|_| StoreError::Other(anyhow::anyhow!("the delivery writer has stopped")))?
    }

    /// Whether deliveries are being written, waiting to be, or were a
    /// moment ago: background work on the same database gives way then.
    pub fn busy(&self) -> bool {
        if self.writing.load(Ordering::Relaxed) || self.queue.capacity() < self.queue.max_capacity()
        {
            return true;
        }
        let last = self.last_commit.load(Ordering::Relaxed);
        last != u64::MAX && millis_since(self.started) < last.saturating_add(millis(BUSY_AFTER))
    }

    /// Whether the last batch could not be kept: until a write succeeds
    /// again, Baton is not ready.
    pub fn failing(&self) -> bool {
        self.failing.load(Ordering::Relaxed)
    }

    /// A write succeeded elsewhere (the readiness probe's): deliveries can
    /// be kept again.
    pub fn writes_again(&self) {
        self.failing.store(false, Ordering::Relaxed);
    }

    /// Transactions committed so far (for metrics and tests).
    pub fn batches_committed(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn millis_since(started: Instant) -> u64 {
    millis(started.elapsed())
}

/// What the writer task tells its handles.
struct Progress {
    batches: Arc<AtomicU64>,
    writing: Arc<AtomicBool>,
    failing: Arc<AtomicBool>,
    last_commit: Arc<AtomicU64>,
    started: Instant,
}

async fn write_batches(
    store: SharedStore,
    mut rx: mpsc::Receiver<Pending>,
    max_batch: usize,
    progress: Progress,
) {
    let Progress {
        batches,
        writing,
        failing,
        last_commit,
        started,
    } = progress;
    let mut pending = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut pending, max_batch).await > 0 {
        writing.store(true, Ordering::Relaxed);
        let (deliveries, replies): (Vec<_>, Vec<_>) =
            pending.drain(..).map(|p| (p.delivery, p.reply)).unzip();
        let began = Instant::now();
        match store.record_deliveries(&deliveries).await {
            Ok(receipts) => {
                let took = began.elapsed();
                if took >= SLOW_BATCH {
                    tracing::debug!(
                        ?took,
                        deliveries = deliveries.len(),
                        "a slow batch of deliveries"
                    );
                }
                batches.fetch_add(1, Ordering::Relaxed);
                crate::telemetry::DATABASE.answered();
                failing.store(false, Ordering::Relaxed);
                last_commit.store(millis_since(started), Ordering::Relaxed);
                let fresh = receipts.iter().filter(|r| !r.is_duplicate());
                let (count, last) = fresh.fold((0u32, None), |(n, last), r| {
                    (n.saturating_add(1), last.max(Some(r.id)))
                });
                // Senders first: the announcement is for the processor.
                for (reply, receipt) in replies.into_iter().zip(receipts) {
                    let _ = reply.send(Ok(receipt));
                }
                if let Some(last_id) = last {
                    let change = Change::DeliveriesRecorded { count, last_id };
                    if let Err(err) = store.publish(&change).await {
                        tracing::warn!(err = %err, "cannot announce recorded deliveries");
                    }
                }
            }
            Err(err) => {
                // Nothing of the batch was written: every sender hears why.
                let why = format!("{:#}", anyhow::Error::new(err));
                crate::telemetry::DATABASE.failed(&why);
                failing.store(true, Ordering::Relaxed);
                tracing::error!(error = %why, "cannot keep a batch of deliveries");
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Other(anyhow::anyhow!(why.clone()))));
                }
            }
        }
        writing.store(false, Ordering::Relaxed);
    }
}

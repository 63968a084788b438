//! Keeping deliveries before answering: a group-commit writer. Each request
//! hands its delivery over and waits for the receipt; one task writes
//! whatever has queued up meanwhile in a single transaction, so a burst of
//! requests costs a few fsyncs rather than one each.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};

use crate::store::{Change, NewDelivery, RecordedDelivery, SharedStore, StoreError, StoreResult};

/// How many requests may wait for the writer before senders wait too.
const QUEUE_CAPACITY: usize = 4096;

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
}

impl DeliveryWriter {
    /// Starts the writer; each transaction takes at most `max_batch` deliveries.
    pub fn spawn(store: SharedStore, max_batch: usize) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE_CAPACITY);
        let batches = Arc::new(AtomicU64::new(0));
        tokio::spawn(write_batches(store, rx, max_batch.max(1), batches.clone()));
        Self { queue, batches }
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

    /// Transactions committed so far (for metrics and tests).
    pub fn batches_committed(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }
}

async fn write_batches(
    store: SharedStore,
    mut rx: mpsc::Receiver<Pending>,
    max_batch: usize,
    batches: Arc<AtomicU64>,
) {
    let mut pending = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut pending, max_batch).await > 0 {
        let (deliveries, replies): (Vec<_>, Vec<_>) =
            pending.drain(..).map(|p| (p.delivery, p.reply)).unzip();
        match store.record_deliveries(&deliveries).await {
            Ok(receipts) => {
                batches.fetch_add(1, Ordering::Relaxed);
                let fresh: Vec<_> = receipts.iter().filter(|r| !r.is_duplicate()).collect();
                if let Some(last) = fresh.iter().map(|r| r.id).max() {
                    let change = Change::DeliveriesRecorded {
                        count: u32::try_from(fresh.len()).unwrap_or(u32::MAX),
                        last_id: last,
                    };
                    if let Err(err) = store.publish(&change).await {
                        tracing::warn!(err = %err, "cannot announce recorded deliveries");
                    }
                }
                for (reply, receipt) in replies.into_iter().zip(receipts) {
                    let _ = reply.send(Ok(receipt));
                }
            }
            Err(err) => {
                // Nothing of the batch was written: every sender hears why.
                let why = format!("{:#}", anyhow::Error::new(err));
                tracing::error!(error = %why, "cannot keep a batch of deliveries");
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Other(anyhow::anyhow!(why.clone()))));
                }
            }
        }
    }
}

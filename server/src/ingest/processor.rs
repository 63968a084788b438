//! Turning kept deliveries into runs. One instance at a time processes
//! (a lease), oldest first, a batch per transaction; each delivery is
//! settled in the transaction that applies its effect, so a crash leaves it
//! pending, to be processed again from scratch, never half-applied. Kept
//! deliveries wake the processor at once; it also looks every second, for
//! those another instance kept.

use std::time::Duration;

use chrono::TimeDelta;
use tokio::sync::{broadcast, watch};

use super::signals::{self, Family, Query, Reading};
use crate::clock::SharedClock;
use crate::deliveries::DeliveryWriter;
use crate::runs::cut;
use crate::store::{Delivery, Effect, RunEvent, SharedStore, StoreResult};

const LEASE: &str = "delivery-processing";
const LEASE_TTL: TimeDelta = TimeDelta::seconds(30);
/// Deliveries settled per transaction when ingestion is quiet.
pub const BATCH: u32 = 200;
/// …and while pings are being written: few, so the write lock it holds
/// never keeps a ping waiting long.
const SMALL_BATCH: u32 = 16;
/// The pause between batches while pings are being written: ingestion
/// goes first, processing catches up when it is quiet.
const GIVE_WAY: Duration = Duration::from_millis(20);

/// What a kept delivery comes to: the run event its URL and body describe.
pub fn interpret(delivery: &Delivery, log_limit: usize) -> Effect {
    let Some(family) = Family::parse(&delivery.endpoint) else {
        return Effect::Ignored(format!(
            "Baton does not map deliveries to {:?}",
            delivery.endpoint
        ));
    };
    if let Some(run) = delivery.run_id {
        return Effect::Replayed(run);
    }
    let Some(automation_id) = delivery.automation_id else {
        return Effect::Failed("it names no automation".to_owned());
    };
    let (path, query) = delivery
        .uri
        .split_once('?')
        .map_or((delivery.uri.as_str(), None), |(p, q)| (p, Some(q)));
    let query = Query::parse(query);
    let segments: Vec<&str> = path.split('/').skip(2).collect();
    let reading = match family {
        // /ping/<key>[/<suffix>]
        Family::Ping => signals::read_healthchecks(segments.get(1).copied(), &query),
        // /ping/<key>/<slug>[/<suffix>]
        Family::PingSlug => signals::read_healthchecks(segments.get(2).copied(), &query),
        Family::Cronitor => signals::read_cronitor(&query),
        Family::UptimeKuma => signals::read_uptime_kuma(&query),
    };
    match reading {
        Ok(reading) => Effect::Run(event(automation_id, delivery, reading, log_limit)),
        Err(refusal) => Effect::Failed(refusal.reason()),
    }
}

fn event(automation_id: i64, delivery: &Delivery, reading: Reading, log_limit: usize) -> RunEvent {
    let log = match reading.message {
        Some(message) => cut(&message, log_limit).to_owned(),
        None => {
            let body = &delivery.body[..delivery.body.len().min(log_limit)];
            cut(&String::from_utf8_lossy(body), log_limit).to_owned()
        }
    };
    RunEvent {
        automation_id,
        signal: reading.signal,
        rid: reading.rid,
        at: reading.at.unwrap_or(delivery.received_at),
        exit_status: reading.exit_status,
        duration_ms: reading.duration_ms,
        log,
    }
}

/// Processes one batch of pending deliveries; how many it settled.
pub async fn process_batch(
    store: &SharedStore,
    clock: &SharedClock,
    log_limit: usize,
    size: u32,
) -> StoreResult<usize> {
    let pending = store.pending_deliveries(size).await?;
    if pending.is_empty() {
        return Ok(0);
    }
    let effects: Vec<(i64, Effect)> = pending
        .iter()
        .map(|d| (d.id, interpret(d, log_limit)))
        .collect();
    store
        .apply_effects(&effects, log_limit, clock.now())
        .await?;
    Ok(effects.len())
}

/// The processing lease, renewed only when half of it has run out: each
/// renewal is a durable write, and pings should not queue behind them.
struct Lease {
    holder: String,
    until: Option<chrono::DateTime<chrono::Utc>>,
}

impl Lease {
    /// Whether this instance holds the lease at `now`, renewing it (one
    /// write) when half of it has run out.
    async fn held(&mut self, store: &SharedStore, now: chrono::DateTime<chrono::Utc>) -> bool {
        if self.until.is_some_and(|until| until - now > LEASE_TTL / 2) {
            return true;
        }
        match store
            .try_acquire_lease(LEASE, &self.holder, now, LEASE_TTL)
            .await
        {
            Ok(true) => {
                self.until = Some(now + LEASE_TTL);
                true
            }
            Ok(false) => {
                self.until = None;
                false
            }
            Err(err) => {
                tracing::warn!(%err, "cannot take the delivery processing lease");
                self.until = None;
                false
            }
        }
    }
}

/// Processes deliveries until `stop` turns `true`; forgets settled ones
/// older than `retention` once an hour.
pub async fn run(
    store: SharedStore,
    clock: SharedClock,
    writer: DeliveryWriter,
    log_limit: usize,
    retention: TimeDelta,
    mut stop: watch::Receiver<bool>,
) {
    let mut lease = Lease {
        holder: format!("baton-{}", rand::random::<u64>()),
        until: None,
    };
    let mut changes = store.subscribe();
    let mut last_sweep: Option<chrono::DateTime<chrono::Utc>> = None;
    loop {
        let now = clock.now();
        if lease.held(&store, now).await {
            drain(&store, &clock, &writer, log_limit, &mut lease).await;
            if last_sweep.is_none_or(|at| now - at >= TimeDelta::hours(1)) {
                last_sweep = Some(now);
                match store.forget_deliveries(now - retention).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(forgotten = n, "deliveries past retention forgotten"),
                    Err(err) => tracing::warn!(%err, "cannot forget old deliveries"),
                }
            }
        }
        tokio::select! {
            heard = changes.recv() => {
                if let Err(broadcast::error::RecvError::Closed) = heard {
                    return;
                }
                // One look at the log answers every announcement so far.
                loop {
                    match changes.try_recv() {
                        Ok(_) | Err(broadcast::error::TryRecvError::Lagged(_)) => {}
                        Err(broadcast::error::TryRecvError::Empty) => break,
                        Err(broadcast::error::TryRecvError::Closed) => return,
                    }
                }
            }
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.wait_for(|stopping| *stopping) => return,
        }
    }
}

async fn drain(
    store: &SharedStore,
    clock: &SharedClock,
    writer: &DeliveryWriter,
    log_limit: usize,
    lease: &mut Lease,
) {
    loop {
        let size = if writer.busy() { SMALL_BATCH } else { BATCH };
        match process_batch(store, clock, log_limit, size).await {
            Ok(0) => return,
            Ok(n) => {
                tracing::debug!(settled = n, "deliveries processed");
                // A long catch-up keeps its lease, or stops when it lost it.
                if !lease.held(store, clock.now()).await {
                    return;
                }
                if writer.busy() {
                    tokio::time::sleep(GIVE_WAY).await;
                }
            }
            Err(err) => {
                tracing::error!(%err, "cannot process deliveries; trying again shortly");
                return;
            }
        }
    }
}

//! Turning kept deliveries into runs. One instance at a time processes
//! (a lease), oldest first, a batch per transaction; each delivery is
//! settled in the transaction that applies its effect, so a crash leaves it
//! pending, to be processed again from scratch, never half-applied. Kept
//! deliveries wake the processor at once; it also looks every second, for
//! those another instance kept.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::Duration;

use app::model::ingestion::Source;
use app::model::received;

use chrono::TimeDelta;
use tokio::sync::{broadcast, watch};

use super::limits;
use super::signals::{self, Family, Query, Reading};
use crate::clock::SharedClock;
use crate::deliveries::DeliveryWriter;
use crate::runs::cut;
use crate::store::{Backend, Change, Delivery, Effect, RunEvent, SharedStore, StoreResult};

const LEASE: &str = "delivery-processing";
const LEASE_TTL: TimeDelta = TimeDelta::seconds(30);
/// Deliveries settled per transaction at most.
pub const BATCH: u32 = 200;
/// Each batch is sized (from how long the last one took) to hold the write
/// turn about [`QUIET_SLICE`], or [`BUSY_SLICE`] while pings are being
/// written: a ping never waits long behind processing.
const FIRST_BATCH: u32 = 16;
const MIN_BATCH: u32 = 4;
const QUIET_SLICE: Duration = Duration::from_millis(5);
const BUSY_SLICE: Duration = Duration::from_millis(2);
/// While pings are being written the processor rests, after each batch,
/// this many times as long as the batch took (at least [`MIN_REST`]):
/// ingestion goes first, yet processing keeps up with a steady load of
/// hundreds of pings a second, and catches up on the rest when it is quiet.
const REST_FACTOR: u32 = 4;
const MIN_REST: Duration = Duration::from_millis(5);

/// The next batch size, from how long the last batch of `size` took and
/// the time it should take.
fn next_batch(size: u32, took: Duration, slice: Duration) -> u32 {
    let scaled = f64::from(size) * slice.as_secs_f64() / took.as_secs_f64().max(1e-6);
    // In range before the cast, so nothing is cut.
    scaled.clamp(f64::from(MIN_BATCH), f64::from(BATCH)) as u32
}

/// What a kept delivery comes to: the run event its URL and body describe,
/// or what a webhook reports. `sources` holds the sources of the batch's
/// webhooks.
pub fn interpret(delivery: &Delivery, sources: &HashMap<i64, Source>, log_limit: usize) -> Effect {
    let Some(family) = Family::parse(&delivery.endpoint) else {
        return Effect::Ignored(format!(
            "Baton does not map deliveries to {:?}",
            delivery.endpoint
        ));
    };
    // A webhook's replay applies its report again: the tie rule makes
    // that safe.
    if let Some(run) = delivery.run_id
        && !matches!(family, Family::Hook(_))
    {
        return Effect::Replayed(run);
    }
    let (path, query) = delivery
        .uri
        .split_once('?')
        .map_or((delivery.uri.as_str(), None), |(p, q)| (p, Some(q)));
    let query = Query::parse(query);
    let segments: Vec<&str> = super::without_trailing_slash(path)
        .split('/')
        .skip(2)
        .collect();
    let reading = match family {
        // /ping/<key>[/<suffix>]
        Family::Ping => signals::read_healthchecks(segments.get(1).copied(), &query),
        // /ping/<key>/<slug>[/<suffix>]
        Family::PingSlug => signals::read_healthchecks(segments.get(2).copied(), &query),
        Family::Cronitor => signals::read_cronitor(&query),
        Family::UptimeKuma => signals::read_uptime_kuma(&query),
        Family::Hook(tool) => {
            return super::webhooks::effect(tool, delivery, sources, log_limit);
        }
    };
    let Some(automation_id) = delivery.automation_id else {
        return Effect::Failed("it names no automation".to_owned());
    };
    match reading {
        Ok(reading) => Effect::Run(event(automation_id, delivery, reading, log_limit)),
        Err(refusal) => Effect::Failed(refusal.reason()),
    }
}

fn event(automation_id: i64, delivery: &Delivery, reading: Reading, log_limit: usize) -> RunEvent {
    let reading_has_no_message = reading.message.is_none();
    // Borrowed from the body in the common case: no copy before the cut.
    // Kept byte for byte, whatever was sent (see `received`).
    let said: Cow<'_, str> = match reading.message {
        Some(message) => Cow::Owned(received::keep(message.as_bytes()).into_owned()),
        None => received::keep(&delivery.body[..delivery.body.len().min(log_limit)]),
    };
    let said = match reading.context {
        Some(context) if said.is_empty() => {
            Cow::Owned(received::keep(context.as_bytes()).into_owned())
        }
        Some(context) => format!("{}\n{said}", received::keep(context.as_bytes())).into(),
        None => said,
    };
    let log = received::cut(&said, log_limit).to_owned();
    let (at, time_note) = match reading.at {
        Some(stamp) => limits::time("the stamp", stamp, delivery.received_at),
        None => (delivery.received_at, None),
    };
    let sent = u64::try_from(delivery.body_size).unwrap_or(0);
    let cut_note = (reading_has_no_message && sent > log_limit as u64).then(|| {
        let kept = delivery.body.len().min(log_limit);
        format!("its log keeps the first {kept} of the {sent} bytes sent")
    });
    let note = limits::join_notes([time_note, cut_note]);
    RunEvent {
        automation_id,
        signal: reading.signal,
        rid: reading.rid,
        at,
        exit_status: reading.exit_status,
        duration_ms: reading.duration_ms,
        log,
        note,
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
    // Webhooks need their source (its team owns what they create).
    let sources = if pending
        .iter()
        .any(|d| matches!(Family::parse(&d.endpoint), Some(Family::Hook(_))))
    {
        store
            .sources()
            .await?
            .into_iter()
            .map(|row| (row.source.id, row.source))
            .collect()
    } else {
        HashMap::new()
    };
    let effects: Vec<(i64, Effect)> = pending
        .iter()
        .map(|d| (d.id, interpret(d, &sources, log_limit)))
        .collect();
    match store.apply_effects(&effects, log_limit, clock.now()).await {
        Ok(()) => Ok(effects.len()),
        Err(err) if err.is_about_the_data() => {
            apply_one_by_one(store, clock, log_limit, effects).await
        }
        Err(err) => Err(err),
    }
}

/// Tries of a delivery whose effect the database refuses, before it is
/// set aside; the waits between them double from [`FIRST_WAIT`].
const APPLY_TRIES: u32 = 3;
const FIRST_WAIT: Duration = Duration::from_millis(100);

/// Deliveries set aside as failed to apply since this instance started.
pub static SET_ASIDE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A batch the database refused, applied one delivery at a time: the good
/// ones as ever, and one it still refuses after [`APPLY_TRIES`] settled as
/// failed with the reason (on the Deliveries screen, replayable by an
/// admin), so it cannot hold up every delivery after it. An error that is
/// the database's own state (unreachable, busy, full) leaves the rest
/// pending, as before.
async fn apply_one_by_one(
    store: &SharedStore,
    clock: &SharedClock,
    log_limit: usize,
    effects: Vec<(i64, Effect)>,
) -> StoreResult<usize> {
    let count = effects.len();
    for (id, effect) in effects {
        let one = [(id, effect)];
        let mut wait = FIRST_WAIT;
        let mut tries = 1;
        loop {
            match store.apply_effects(&one, log_limit, clock.now()).await {
                Ok(()) => break,
                Err(err) if !err.is_about_the_data() => return Err(err),
                Err(_) if tries < APPLY_TRIES => {
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                    tries += 1;
                }
                Err(err) => {
                    tracing::error!(delivery = id, %err, "a delivery could not be applied: set aside");
                    let why = format!(
                        "failed to apply ({tries} tries): {}",
                        cut(&err.to_string().replace('\0', ""), 500)
                    );
                    store
                        .apply_effects(&[(id, Effect::Failed(why))], log_limit, clock.now())
                        .await?;
                    SET_ASIDE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    break;
                }
            }
        }
    }
    Ok(count)
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
            more = deliveries_announced(&mut changes) => if !more { return },
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.wait_for(|stopping| *stopping) => break,
        }
    }
    // Stopping: another instance takes over now, not when the lease runs out.
    if lease.until.is_some() {
        crate::store::release(&*store, LEASE, &lease.holder).await;
    }
}

/// Waits until deliveries are announced (here or, on PostgreSQL, by another
/// instance); `false` when no more announcements can come. Other changes
/// (the runs this processor wrote, incidents) do not wake it.
async fn deliveries_announced(changes: &mut broadcast::Receiver<Change>) -> bool {
    loop {
        match changes.recv().await {
            Ok(Change::DeliveriesRecorded { .. }) | Err(broadcast::error::RecvError::Lagged(_)) => {
                break;
            }
            Ok(_) => {}
            Err(broadcast::error::RecvError::Closed) => return false,
        }
    }
    // One look at the log answers every announcement so far.
    loop {
        match changes.try_recv() {
            Ok(_) | Err(broadcast::error::TryRecvError::Lagged(_)) => {}
            Err(broadcast::error::TryRecvError::Empty) => return true,
            Err(broadcast::error::TryRecvError::Closed) => return false,
        }
    }
}

/// Tells the screens (here and on other instances) that runs changed: at
/// the end of a drain, and once a second during a long one.
#[derive(Default)]
struct Announcer {
    settled: u64,
    last: Option<std::time::Instant>,
}

impl Announcer {
    const EVERY: Duration = Duration::from_secs(1);

    async fn settled(&mut self, store: &SharedStore, n: u64) {
        self.settled += n;
        if self.last.is_none_or(|at| at.elapsed() >= Self::EVERY) {
            self.flush(store).await;
        }
    }

    async fn flush(&mut self, store: &SharedStore) {
        if self.settled > 0 {
            let count = std::mem::take(&mut self.settled);
            crate::store::announce(&**store, Change::RunsChanged { count }).await;
            self.last = Some(std::time::Instant::now());
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
    // PostgreSQL has no single writer: a quiet spell there takes whole
    // batches, each commit being a round trip and a log flush.
    let single_writer = store.backend() == Backend::Sqlite;
    let mut size = FIRST_BATCH;
    let mut announcer = Announcer::default();
    loop {
        let slice = if writer.busy() {
            Some(BUSY_SLICE)
        } else if single_writer {
            Some(QUIET_SLICE)
        } else {
            None
        };
        let want = if slice.is_some() { size } else { BATCH };
        let started = std::time::Instant::now();
        match process_batch(store, clock, log_limit, want).await {
            Ok(0) => break,
            Ok(n) => {
                crate::telemetry::DATABASE.answered();
                let took = started.elapsed();
                tracing::debug!(settled = n, ?took, "deliveries processed");
                announcer.settled(store, n as u64).await;
                size = slice.map_or(FIRST_BATCH, |slice| next_batch(want, took, slice));
                // A long catch-up keeps its lease, or stops when it lost it.
                if !lease.held(store, clock.now()).await {
                    break;
                }
                if writer.busy() {
                    tokio::time::sleep((took * REST_FACTOR).max(MIN_REST)).await;
                }
            }
            Err(err) => {
                crate::telemetry::DATABASE.failed(&err);
                tracing::error!(%err, "cannot process deliveries; trying again shortly");
                break;
            }
        }
    }
    announcer.flush(store).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_sized_to_take_about_its_slice() {
        // Took twice the slice: half as many next time.
        assert_eq!(next_batch(16, BUSY_SLICE * 2, BUSY_SLICE), 8);
        assert_eq!(next_batch(16, QUIET_SLICE / 2, QUIET_SLICE), 32);
        // Much faster: more, but never over the most.
        assert_eq!(next_batch(16, BUSY_SLICE / 100, BUSY_SLICE), BATCH);
        assert_eq!(next_batch(16, Duration::ZERO, QUIET_SLICE), BATCH);
        // Stuck behind something slow: never below the minimum.
        assert_eq!(
            next_batch(16, Duration::from_secs(3), BUSY_SLICE),
            MIN_BATCH
        );
    }
}

//! Taking in what tools report: routing a request by its key to the
//! automation it concerns, keeping it as a delivery before answering, and
//! (in [`processor`]) turning kept deliveries into runs.
//!
//! Which URL means what is decided here, once: see the URL table in docs/reporting-runs.md.

pub mod hooks;
pub mod limits;
pub mod processor;
pub mod signals;
pub mod verify;
pub mod webhooks;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use app::model::inventory::{AutomationFields, Tool};

use crate::audit::Author;
use crate::clock::SharedClock;
use crate::deliveries::DeliveryWriter;
use chrono::{DateTime, Utc};

use crate::store::{NewDelivery, RecordedDelivery, SharedStore, SourceMatch, StoreError};
pub use signals::{Family, Query, Reading, Refusal};

/// How much of a refused request's body is kept: enough to see what was
/// sent, too little to make Baton anyone's free storage.
pub const REJECTED_BODY_CAP: usize = 1024;

/// The longest `Idempotency-Key` taken.
pub const MAX_IDEMPOTENCY_KEY: usize = 200;

/// Which URL prefix a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// `/ping/…`: Healthchecks, and Cronitor with `state=`.
    Ping,
    /// `/p/…`: Cronitor.
    Cronitor,
    /// `/api/push/…`: Uptime Kuma.
    Push,
    /// `/hooks/…`: a CI tool's webhook.
    Hook,
}

/// A request as it arrived, before its body is read.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub entry: Entry,
    /// The path after the prefix, split at `/`.
    pub segments: Vec<String>,
    pub query: Option<String>,
    pub method: String,
    /// Path and query as requested.
    pub uri: String,
    pub headers: Vec<(String, String)>,
    pub remote_addr: Option<String>,
}

impl Incoming {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The automation a request concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Known(i64),
    /// Named by a slug (or Cronitor monitor) in a source, created in the
    /// claim queue when missing.
    Create {
        source: i64,
        source_slug: String,
        team: i64,
        slug: String,
    },
}

/// Where a request goes and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub family: Family,
    pub scope: String,
    pub source_id: Option<i64>,
    pub target: Target,
    pub reading: Reading,
}

/// A refusal, with what was known of the request when it was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub refusal: Refusal,
    pub family: Family,
    pub scope: String,
    pub source_id: Option<i64>,
    pub automation_id: Option<i64>,
}

/// What Baton answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Kept (`created`: its automation was created by this request).
    Kept {
        family: Family,
        created: bool,
        receipt: RecordedDelivery,
    },
    Refused(Family, Refusal),
    /// An automation already has this tool and external id: 409.
    Conflict(Family, String),
    /// The database could not keep it: 503, try again.
    Unavailable(Family),
}

/// Counters of what ingestion answered, for `/metrics`.
#[derive(Debug, Default)]
pub struct Counters {
    pub kept: AtomicU64,
    pub duplicates: AtomicU64,
    pub not_found: AtomicU64,
    pub bad: AtomicU64,
    pub too_large: AtomicU64,
    pub unavailable: AtomicU64,
    /// Webhooks refused for a missing or wrong signature.
    pub unauthorized: AtomicU64,
    /// How long answers took, from the request to its answer (a kept
    /// delivery's answer waits for its commit).
    pub latency: Latency,
}

/// Upper bounds, in seconds, of the answer-time histogram's buckets.
pub const LATENCY_BOUNDS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// A Prometheus histogram of answer times.
#[derive(Debug, Default)]
pub struct Latency {
    /// Answers at most each bound (cumulative as Prometheus reads them).
    below: [AtomicU64; LATENCY_BOUNDS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Latency {
    pub fn observe(&self, took: std::time::Duration) {
        let seconds = took.as_secs_f64();
        for (bound, counter) in LATENCY_BOUNDS.iter().zip(&self.below) {
            if seconds <= *bound {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(
            took.as_micros().min(u128::from(u64::MAX)) as u64,
            Ordering::Relaxed,
        );
    }

    /// `(bound, answers at most it)` for each bucket, then the count and
    /// the sum in seconds.
    pub fn read(&self) -> (Vec<(f64, u64)>, u64, f64) {
        let buckets = LATENCY_BOUNDS
            .iter()
            .zip(&self.below)
            .map(|(bound, n)| (*bound, n.load(Ordering::Relaxed)))
            .collect();
        (
            buckets,
            self.count.load(Ordering::Relaxed),
            self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6,
        )
    }
}

impl Counters {
    fn count(&self, answer: &Answer) {
        let counter = match answer {
            Answer::Kept { receipt, .. } if receipt.is_duplicate() => &self.duplicates,
            Answer::Kept { .. } => &self.kept,
            Answer::Refused(_, Refusal::NotFound) => &self.not_found,
            Answer::Refused(_, Refusal::Bad(_)) | Answer::Conflict(..) => &self.bad,
            Answer::Refused(_, Refusal::TooLarge(_)) => &self.too_large,
            Answer::Unavailable(_) | Answer::Refused(_, Refusal::Unavailable) => &self.unavailable,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// A path without its one trailing slash: `/ping/<key>/` is `/ping/<key>`,
/// as in Healthchecks. Read the same at the door and in processing.
pub fn without_trailing_slash(path: &str) -> &str {
    path.strip_suffix('/')
        .filter(|p| !p.is_empty() && !p.ends_with('/'))
        .unwrap_or(path)
}

/// Limits on what is taken in.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A request body over this is refused (413), checked while reading.
    pub request_body: usize,
    /// A run keeps this much of a ping's body (advertised in `Ping-Body-Limit`).
    pub ping_body: usize,
}

/// How long a key's lookup is trusted: a rotated key stops at most this
/// long (and the moment a lookup takes) after its overlap ends, a deleted
/// automation's at most this long after it is gone (its pings are then
/// kept and marked ignored).
const KEY_CACHE_TTL: chrono::TimeDelta = chrono::TimeDelta::seconds(5);
/// Entries kept before the cache starts over (unknown keys are cached too,
/// so a flood of them does not reach the database each time).
const KEY_CACHE_SIZE: usize = 100_000;

/// What keys opened lately, so a busy job's pings do not each cost a read.
#[derive(Debug, Default)]
struct KeyCache {
    automations: KeyMap<Option<i64>>,
    sources: KeyMap<Option<SourceMatch>>,
}

/// One key's lookup and until when it is trusted.
#[derive(Debug)]
struct Cached<T> {
    found: T,
    until: DateTime<Utc>,
    /// A request is looking the key up again; the others meanwhile take
    /// the stale answer rather than all reading the database at once.
    refreshing: bool,
}

#[derive(Debug)]
struct KeyMap<T>(std::collections::HashMap<String, Cached<T>>);

impl<T> Default for KeyMap<T> {
    fn default() -> Self {
        Self(std::collections::HashMap::new())
    }
}

impl<T: Clone> KeyMap<T> {
    /// What is known of `key` at `now`. `None`: the caller looks it up (and
    /// reports with [`KeyMap::keep`] or [`KeyMap::failed`]). While one
    /// request looks an expired key up again, the others get the stale
    /// answer, for at most one more TTL.
    fn look(&mut self, key: &str, now: DateTime<Utc>) -> Option<T> {
        let entry = self.0.get_mut(key)?;
        if entry.until > now || (entry.refreshing && now < entry.until + KEY_CACHE_TTL) {
            return Some(entry.found.clone());
        }
        entry.refreshing = true;
        None
    }

    fn keep(&mut self, key: &str, found: T, now: DateTime<Utc>) {
        if self.0.len() >= KEY_CACHE_SIZE {
            self.0.clear();
        }
        let entry = Cached {
            found,
            until: now + KEY_CACHE_TTL,
            refreshing: false,
        };
        self.0.insert(key.to_owned(), entry);
    }

    /// The lookup failed: the next request tries again.
    fn failed(&mut self, key: &str) {
        if let Some(entry) = self.0.get_mut(key) {
            entry.refreshing = false;
        }
    }
}

/// Takes requests in; clones share the writer, counters and key cache.
#[derive(Clone)]
pub struct Ingestor {
    store: SharedStore,
    clock: SharedClock,
    writer: DeliveryWriter,
    pub limits: Limits,
    pub counters: Arc<Counters>,
    keys: Arc<std::sync::Mutex<KeyCache>>,
}

impl Ingestor {
    pub fn new(
        store: SharedStore,
        clock: SharedClock,
        writer: DeliveryWriter,
        limits: Limits,
    ) -> Self {
        Self {
            store,
            clock,
            writer,
            limits,
            counters: Arc::default(),
            keys: Arc::default(),
        }
    }

    pub fn writer(&self) -> &DeliveryWriter {
        &self.writer
    }

    /// Where a request goes, from its path and query alone (before its
    /// body is read). Keys are looked up; nothing is written.
    pub async fn route(&self, incoming: &Incoming) -> Result<Route, Rejection> {
        let query = Query::parse(incoming.query.as_deref());
        let segments: Vec<&str> = incoming.segments.iter().map(String::as_str).collect();
        let family = match incoming.entry {
            Entry::Ping | Entry::Hook => Family::Ping,
            Entry::Cronitor => Family::Cronitor,
            Entry::Push => Family::UptimeKuma,
        };
        let unknown = |family| Rejection {
            refusal: Refusal::NotFound,
            family,
            scope: String::new(),
            source_id: None,
            automation_id: None,
        };
        match (incoming.entry, segments.as_slice()) {
            (Entry::Push, [key]) => {
                let automation = self.automation(key).await?.ok_or(unknown(family))?;
                self.known(family, automation, signals::read_uptime_kuma(&query))
            }
            (Entry::Cronitor, [key, monitor]) => {
                let source = self.source(key).await?.ok_or(unknown(family))?;
                self.monitor(source, monitor, &query).await
            }
            (Entry::Ping, [key, rest @ ..]) if rest.len() <= 2 => {
                if let Some(automation) = self.automation(key).await? {
                    return match rest {
                        [] => {
                            self.known(family, automation, signals::read_healthchecks(None, &query))
                        }
                        [suffix] => self.known(
                            family,
                            automation,
                            signals::read_healthchecks(Some(suffix), &query),
                        ),
                        _ => Err(Rejection {
                            automation_id: Some(automation),
                            scope: automation_scope(automation),
                            ..unknown(family)
                        }),
                    };
                }
                let source = self.source(key).await?.ok_or(unknown(family))?;
                match rest {
                    [monitor] if query.has("state") => self.monitor(source, monitor, &query).await,
                    [slug] => self.slug(source, slug, None, &query).await,
                    [slug, suffix] => self.slug(source, slug, Some(suffix), &query).await,
                    _ => Err(Rejection {
                        family: Family::PingSlug,
                        source_id: Some(source.id),
                        scope: source_scope(source.id),
                        ..unknown(family)
                    }),
                }
            }
            _ => Err(unknown(family)),
        }
    }

    fn known(
        &self,
        family: Family,
        automation: i64,
        reading: Result<Reading, Refusal>,
    ) -> Result<Route, Rejection> {
        let scope = automation_scope(automation);
        match reading {
            Ok(reading) => Ok(Route {
                family,
                scope,
                source_id: None,
                target: Target::Known(automation),
                reading,
            }),
            Err(refusal) => Err(Rejection {
                refusal,
                family,
                scope,
                source_id: None,
                automation_id: Some(automation),
            }),
        }
    }

    /// Cronitor telemetry for `monitor`: its automation, created when new.
    async fn monitor(
        &self,
        source: SourceMatch,
        monitor: &str,
        query: &Query,
    ) -> Result<Route, Rejection> {
        let family = Family::Cronitor;
        let refuse = |refusal| Rejection {
            refusal,
            family,
            scope: source_scope(source.id),
            source_id: Some(source.id),
            automation_id: None,
        };
        if !signals::is_monitor_key(monitor) {
            return Err(refuse(Refusal::Bad(format!(
                "the monitor key {monitor:?} may hold only letters, digits, '-', '_' and '.' (at most 100)"
            ))));
        }
        let reading = signals::read_cronitor(query).map_err(refuse)?;
        // A known monitor goes through the group-commit writer like any
        // ping; only a new one needs the transaction that creates it.
        let found = self
            .store
            .automation_by_slug(source.id, monitor)
            .await
            .map_err(|err| unavailable(family, &err))?;
        Ok(Route {
            family,
            scope: source_scope(source.id),
            source_id: Some(source.id),
            target: match found {
                Some(id) => Target::Known(id),
                None => Target::Create {
                    source: source.id,
                    source_slug: source.slug,
                    team: source.team_id,
                    slug: monitor.to_owned(),
                },
            },
            reading,
        })
    }

    async fn slug(
        &self,
        source: SourceMatch,
        slug: &str,
        suffix: Option<&str>,
        query: &Query,
    ) -> Result<Route, Rejection> {
        let family = Family::PingSlug;
        let refuse = |refusal, automation_id| Rejection {
            refusal,
            family,
            scope: source_scope(source.id),
            source_id: Some(source.id),
            automation_id,
        };
        let create = query.get("create") == Some("1");
        if !signals::is_slug(slug) {
            // No automation can have it; creating one with it is refused.
            return Err(refuse(
                if create {
                    Refusal::Bad(format!(
                        "the slug {slug:?} may hold only a-z, 0-9, '-' and '_' (at most 100)"
                    ))
                } else {
                    Refusal::NotFound
                },
                None,
            ));
        }
        let found = self
            .store
            .automation_by_slug(source.id, slug)
            .await
            .map_err(|err| unavailable(family, &err))?;
        let reading = signals::read_healthchecks(suffix, query).map_err(|r| refuse(r, found))?;
        let target = match (found, create) {
            (Some(id), _) => Target::Known(id),
            (None, true) => Target::Create {
                source: source.id,
                source_slug: source.slug.clone(),
                team: source.team_id,
                slug: slug.to_owned(),
            },
            (None, false) => return Err(refuse(Refusal::NotFound, None)),
        };
        Ok(Route {
            family,
            scope: source_scope(source.id),
            source_id: Some(source.id),
            target,
            reading,
        })
    }

    async fn automation(&self, key: &str) -> Result<Option<i64>, Rejection> {
        let now = self.clock.now();
        if let Some(found) = self.cache().automations.look(key, now) {
            return Ok(found);
        }
        match self.store.automation_by_ping_key(key, now).await {
            Ok(found) => {
                self.cache().automations.keep(key, found, now);
                Ok(found)
            }
            Err(err) => {
                self.cache().automations.failed(key);
                Err(unavailable(Family::Ping, &err))
            }
        }
    }

    async fn source(&self, key: &str) -> Result<Option<SourceMatch>, Rejection> {
        let now = self.clock.now();
        if let Some(found) = self.cache().sources.look(key, now) {
            return Ok(found);
        }
        match self.store.source_by_key(key, now).await {
            Ok(found) => {
                self.cache().sources.keep(key, found.clone(), now);
                Ok(found)
            }
            Err(err) => {
                self.cache().sources.failed(key);
                Err(unavailable(Family::PingSlug, &err))
            }
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, KeyCache> {
        // A panic while holding it leaves nothing half-done: keep using it.
        self.keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keeps a routed request with its body (the first part of the `sent`
    /// bytes when it was cut); answers once it is committed.
    pub async fn keep(
        &self,
        incoming: &Incoming,
        route: Route,
        body: Vec<u8>,
        sent: u64,
    ) -> Answer {
        let family = route.family;
        let external_id = match incoming.header("idempotency-key") {
            Some(key) if key.len() > MAX_IDEMPOTENCY_KEY || key.is_empty() => {
                let rejection = Rejection {
                    refusal: Refusal::Bad(format!(
                        "the Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters"
                    )),
                    family,
                    scope: route.scope,
                    source_id: route.source_id,
                    automation_id: match route.target {
                        Target::Known(id) => Some(id),
                        Target::Create { .. } => None,
                    },
                };
                return self.reject(incoming, rejection, &body).await;
            }
            other => other.map(str::to_owned),
        };
        let delivery = NewDelivery {
            received_at: self.clock.now(),
            endpoint: family.as_str().to_owned(),
            scope: route.scope,
            source_id: route.source_id,
            automation_id: None,
            external_id,
            method: incoming.method.clone(),
            uri: incoming.uri.clone(),
            headers: incoming.headers.clone(),
            body_size: i64::try_from(sent.max(body.len() as u64)).unwrap_or(i64::MAX),
            body,
            remote_addr: incoming.remote_addr.clone(),
            rejected: None,
        };
        let answer = match route.target {
            Target::Known(id) => match self
                .writer
                .keep(NewDelivery {
                    automation_id: Some(id),
                    ..delivery
                })
                .await
            {
                Ok(receipt) => Answer::Kept {
                    family,
                    created: false,
                    receipt,
                },
                Err(err) => unavailable_answer(family, &err),
            },
            Target::Create {
                source,
                source_slug,
                team,
                slug,
            } => {
                let fields = claimable(family, &source_slug, team, &slug);
                let audit = Author::ingestion()
                    .did(
                        delivery.received_at,
                        "automation.created_by_ping",
                        "automation",
                        None,
                        &fields.name,
                    )
                    .after(&fields);
                match self
                    .store
                    .record_for_slug(source, &slug, &fields, &delivery, &audit)
                    .await
                {
                    Ok((_, created, receipt)) => {
                        announce(&*self.store, receipt.id).await;
                        Answer::Kept {
                            family,
                            created,
                            receipt,
                        }
                    }
                    Err(StoreError::Conflict(why)) => Answer::Conflict(family, why),
                    Err(err) => unavailable_answer(family, &err),
                }
            }
        };
        self.counters.count(&answer);
        answer
    }

    /// Notes a refused request in the delivery log (its body capped) and
    /// answers the refusal. The note is best effort: the answer does not
    /// wait on the database being able to take it.
    pub async fn reject(&self, incoming: &Incoming, rejection: Rejection, body: &[u8]) -> Answer {
        if rejection.refusal == Refusal::Unavailable {
            return self.unavailable(rejection.family);
        }
        let kept = &body[..body.len().min(REJECTED_BODY_CAP)];
        let delivery = NewDelivery {
            received_at: self.clock.now(),
            endpoint: rejection.family.as_str().to_owned(),
            scope: rejection.scope,
            source_id: rejection.source_id,
            automation_id: rejection.automation_id,
            external_id: None,
            method: incoming.method.clone(),
            uri: incoming.uri.clone(),
            headers: incoming.headers.clone(),
            body: kept.to_vec(),
            body_size: i64::try_from(body.len()).unwrap_or(i64::MAX),
            remote_addr: incoming.remote_addr.clone(),
            rejected: Some(rejection.refusal.reason()),
        };
        if let Err(err) = self.writer.keep(delivery).await {
            tracing::warn!(%err, "cannot note a refused ingestion request");
        }
        let answer = Answer::Refused(rejection.family, rejection.refusal);
        self.counters.count(&answer);
        answer
    }

    /// Answers a request the database could not route.
    pub fn unavailable(&self, family: Family) -> Answer {
        let answer = Answer::Unavailable(family);
        self.counters.count(&answer);
        answer
    }
}

/// Wakes the processor (here and on other instances) for a delivery kept
/// outside the group-commit writer.
pub async fn announce(store: &dyn crate::store::Store, id: i64) {
    let change = crate::store::Change::DeliveriesRecorded {
        count: 1,
        last_id: id,
    };
    crate::store::announce(store, change).await;
}

fn automation_scope(id: i64) -> String {
    format!("automation:{id}")
}

fn source_scope(id: i64) -> String {
    format!("source:{id}")
}

/// A lookup that failed: the database, not the caller.
fn unavailable(family: Family, err: &StoreError) -> Rejection {
    tracing::error!(%err, "cannot look an ingestion key up");
    Rejection {
        refusal: Refusal::Unavailable,
        family,
        scope: String::new(),
        source_id: None,
        automation_id: None,
    }
}

fn unavailable_answer(family: Family, err: &StoreError) -> Answer {
    tracing::error!(%err, "cannot keep a delivery");
    Answer::Unavailable(family)
}

/// The automation a ping creates: named by its slug, in the source's team,
/// loose and unowned until claimed.
fn claimable(family: Family, source_slug: &str, team: i64, slug: &str) -> AutomationFields {
    AutomationFields {
        tool: Tool::Cron,
        external_id: format!("{source_slug}/{slug}"),
        url: String::new(),
        name: slug.to_owned(),
        description: match family {
            Family::Cronitor => {
                format!("Created by Cronitor telemetry to the source {source_slug}.")
            }
            _ => format!("Created by a ping to the source {source_slug}."),
        },
        owner_id: None,
        team_id: Some(team),
        failure_mode: String::new(),
        orchestration_id: None,
        minutes_saved_per_run: None,
        runs_per_week: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap_or_default()
    }

    #[test]
    fn an_expired_key_is_looked_up_by_one_request_while_the_others_take_the_stale_answer() {
        let mut map = KeyMap::<Option<i64>>::default();
        assert_eq!(map.look("k", at(0)), None, "never seen: look it up");
        map.keep("k", Some(7), at(0));
        assert_eq!(map.look("k", at(4)), Some(Some(7)), "fresh");
        assert_eq!(map.look("k", at(5)), None, "expired: this request looks");
        assert_eq!(map.look("k", at(6)), Some(Some(7)), "meanwhile: stale");
        map.keep("k", None, at(6));
        assert_eq!(map.look("k", at(7)), Some(None), "the new answer");
    }

    #[test]
    fn a_failed_or_abandoned_lookup_lets_the_next_request_try() {
        let mut map = KeyMap::<Option<i64>>::default();
        map.keep("k", Some(7), at(0));
        assert_eq!(map.look("k", at(5)), None);
        map.failed("k");
        assert_eq!(map.look("k", at(5)), None, "after a failure: look again");
        // Nobody reported back (the request was dropped): the stale answer
        // is served for one more TTL at most.
        assert_eq!(map.look("k", at(9)), Some(Some(7)));
        assert_eq!(map.look("k", at(10)), None);
    }
}

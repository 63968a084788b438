//! Structured logs through `tracing`: readable lines or JSON, to stderr.
//!
//! Warnings and errors are logged at most once per place in the code per
//! [`QUIET_FOR`]: while the database is away every request and job fails
//! the same way, and one line with a count says more than ten thousand.
//! The next line from that place after the quiet says how many were held
//! back, and the database coming back is logged once ([`Outage`]).

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tracing::callsite::Identifier;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::config::LogFormat;

/// How long a place in the code stays quiet after logging a warning or an
/// error.
pub const QUIET_FOR: Duration = Duration::from_secs(10);

/// Warnings and errors held back since start, for `/metrics`.
pub static HELD_BACK: AtomicU64 = AtomicU64::new(0);

/// Installs the global subscriber. A bad filter falls back to `info` and
/// says so, rather than refusing to start.
pub fn init(filter: &str, format: LogFormat) {
    let (filter, bad_filter) = match EnvFilter::try_new(filter) {
        Ok(f) => (f, None),
        Err(err) => (EnvFilter::new("info"), Some(err)),
    };
    let fmt = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Text => registry.with(Quieter::new(fmt, QUIET_FOR)).try_init(),
        LogFormat::Json => registry
            .with(Quieter::new(fmt.json().flatten_event(true), QUIET_FOR))
            .try_init(),
    };
    if let Some(err) = bad_filter {
        tracing::warn!(%err, "BATON_LOG is not a valid filter; logging at info");
    }
}

/// A layer that passes warnings and errors on to `inner` at most once per
/// place in the code per `quiet`, and everything else as it comes.
pub struct Quieter<L> {
    inner: L,
    quiet: Duration,
    places: Mutex<HashMap<Identifier, Place>>,
}

/// When a place last logged, and how many it held back since.
struct Place {
    logged: Instant,
    held_back: u64,
}

impl<L> Quieter<L> {
    pub fn new(inner: L, quiet: Duration) -> Self {
        Self {
            inner,
            quiet,
            places: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(n)`: log it, after `n` held back; `None`: hold it back.
    fn admit(&self, place: Identifier, now: Instant) -> Option<u64> {
        let mut places = self
            .places
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match places.get_mut(&place) {
            Some(seen) if now.duration_since(seen.logged) < self.quiet => {
                seen.held_back += 1;
                HELD_BACK.fetch_add(1, Ordering::Relaxed);
                None
            }
            Some(seen) => {
                seen.logged = now;
                Some(std::mem::take(&mut seen.held_back))
            }
            None => {
                places.insert(
                    place,
                    Place {
                        logged: now,
                        held_back: 0,
                    },
                );
                Some(0)
            }
        }
    }
}

impl<S, L> Layer<S> for Quieter<L>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    L: Layer<S>,
{
    fn on_register_dispatch(&self, subscriber: &tracing::Dispatch) {
        self.inner.on_register_dispatch(subscriber);
    }

    fn on_layer(&mut self, subscriber: &mut S) {
        self.inner.on_layer(subscriber);
    }

    fn register_callsite(
        &self,
        metadata: &'static Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        self.inner.register_callsite(metadata)
    }

    fn enabled(&self, metadata: &Metadata<'_>, ctx: Context<'_, S>) -> bool {
        self.inner.enabled(metadata, ctx)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        self.inner.on_new_span(attrs, id, ctx);
    }

    fn on_record(&self, span: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        self.inner.on_record(span, values, ctx);
    }

    fn on_follows_from(&self, span: &Id, follows: &Id, ctx: Context<'_, S>) {
        self.inner.on_follows_from(span, follows, ctx);
    }

    fn event_enabled(&self, event: &Event<'_>, ctx: Context<'_, S>) -> bool {
        self.inner.event_enabled(event, ctx)
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let metadata = event.metadata();
        // Levels order by verbosity: WARN and ERROR are the least verbose.
        if *metadata.level() > Level::WARN {
            return self.inner.on_event(event, ctx);
        }
        let Some(held_back) = self.admit(metadata.callsite(), Instant::now()) else {
            return;
        };
        self.inner.on_event(event, ctx);
        if held_back > 0 {
            tracing::info!(
                target: "baton::telemetry",
                held_back,
                "{held_back} more lines like the one above (from {}) were held back in the last {} s",
                metadata.target(),
                self.quiet.as_secs()
            );
        }
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        self.inner.on_enter(id, ctx);
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        self.inner.on_exit(id, ctx);
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        self.inner.on_close(id, ctx);
    }

    fn on_id_change(&self, old: &Id, new: &Id, ctx: Context<'_, S>) {
        self.inner.on_id_change(old, new, ctx);
    }
}

/// Whether the database is answering, as the paths that use it most (the
/// delivery writer, the processor) find: a failure after it answered is
/// the start of an outage, an answer after failures its end, each logged
/// once.
pub struct Outage {
    failing: AtomicBool,
    since: Mutex<Option<Instant>>,
    failures: AtomicU64,
}

/// The database's state as Baton sees it.
pub static DATABASE: Outage = Outage {
    failing: AtomicBool::new(false),
    since: Mutex::new(None),
    failures: AtomicU64::new(0),
};

impl Outage {
    /// A call failed because the database did not answer.
    pub fn failed(&self, err: &dyn std::fmt::Display) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        if !self.failing.swap(true, Ordering::AcqRel) {
            *self
                .since
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Instant::now());
            tracing::error!(%err, "the database does not answer; retrying");
        }
    }

    /// A call succeeded: cheap when nothing failed.
    pub fn answered(&self) {
        if !self.failing.load(Ordering::Acquire) || !self.failing.swap(false, Ordering::AcqRel) {
            return;
        }
        let failures = self.failures.swap(0, Ordering::Relaxed);
        let since = self
            .since
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let seconds = since.map_or(0.0, |s| s.elapsed().as_secs_f64());
        tracing::info!(
            failures,
            seconds,
            held_back = HELD_BACK.load(Ordering::Relaxed),
            "the database answers again after {seconds:.1} s; {failures} calls failed meanwhile"
        );
    }

    pub fn is_failing(&self) -> bool {
        self.failing.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static PLACE: tracing::callsite::DefaultCallsite =
        tracing::callsite::DefaultCallsite::new(&META);
    static META: Metadata<'static> = tracing::metadata! {
        name: "test",
        target: "baton",
        level: Level::ERROR,
        fields: &[],
        callsite: &PLACE,
        kind: tracing::metadata::Kind::EVENT,
    };

    #[test]
    fn a_place_logs_once_per_quiet_period_and_counts_the_rest() {
        let quieter = Quieter::new((), Duration::from_secs(10));
        let place = Identifier(&PLACE);
        let start = Instant::now();
        assert_eq!(quieter.admit(place.clone(), start), Some(0));
        for s in 1..10 {
            assert_eq!(
                quieter.admit(place.clone(), start + Duration::from_secs(s)),
                None
            );
        }
        assert_eq!(
            quieter.admit(place.clone(), start + Duration::from_secs(10)),
            Some(9),
            "the first after the quiet says how many were held back"
        );
        assert_eq!(
            quieter.admit(place, start + Duration::from_secs(21)),
            Some(0)
        );
    }
}

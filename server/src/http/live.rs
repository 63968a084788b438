//! `GET /api/v1/events`: server-sent events that tell an open screen what
//! it shows has changed, so it reloads its figures without a page load.
//! They come from the store's notifications, so on PostgreSQL a run that
//! another instance took in is heard here too.
//!
//! The stream opens with `ready` (and a two-second reconnection delay for
//! the browser), whose `{"quiet_ms": <ms>}` says how long ago this instance
//! last heard of a change a screen shows (`null`: none since it started),
//! so a page rendered before that change and connected after it reloads
//! its figures once instead of missing it. Then it sends `change` at most
//! once a second, gathering what
//! happened meanwhile: `{"runs": <settled deliveries, missed or flagged
//! runs>, "incidents": <bool>, "lagged": <bool>}`. A comment every 15
//! seconds keeps proxies from closing a quiet stream. It ends when Baton
//! shuts down (browsers then reconnect on their own), and within
//! [`RECHECK`] of its sign-in ending: the session signed out, timed out or
//! its person deactivated, or the API token revoked.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;
use tower_sessions::Session;
use tower_sessions::session::Id;

use crate::startup::AppState;
use crate::store::Change;

/// At most one `change` event this often.
const THROTTLE: Duration = Duration::from_secs(1);
/// How long a browser waits before reconnecting.
const RETRY: Duration = Duration::from_secs(2);
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How often an open stream checks that its sign-in still holds.
const RECHECK: Duration = Duration::from_secs(3);

/// What signed the stream's caller in.
enum SignedInBy {
    Session(Id),
    Token(String),
}

/// `GET /api/v1/events`.
pub async fn events(
    State(state): State<AppState>,
    Extension(actor): Extension<app::model::accounts::Actor>,
    session: Session,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let by = match (super::auth::bearer(&headers), session.id()) {
        (Some(token), _) => Some(SignedInBy::Token(token)),
        (None, Some(id)) => Some(SignedInBy::Session(id)),
        (None, None) => None,
    };
    let mut recheck = tokio::time::interval_at(Instant::now() + RECHECK, RECHECK);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let listening = Listening {
        changes: state.store.subscribe(),
        news: state.news.clone(),
        stop: state.shutting_down.clone(),
        last_sent: None,
        holder: Holder {
            state: state.clone(),
            by,
            person: actor.id,
        },
        recheck,
    };
    let stream = futures::stream::unfold(listening, |mut listening| async move {
        let event = listening.next().await?;
        Some((Ok(event), listening))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}

struct Listening {
    changes: broadcast::Receiver<Change>,
    news: LastNews,
    stop: watch::Receiver<bool>,
    /// When the last event went; `None` before `ready`.
    last_sent: Option<Instant>,
    holder: Holder,
    recheck: tokio::time::Interval,
}

/// Whose stream it is, to check that their sign-in still holds.
struct Holder {
    state: AppState,
    /// `None` only if the caller got in without either (not possible
    /// through the sign-in layer): then the stream ends at the first check.
    by: Option<SignedInBy>,
    person: i64,
}

impl Holder {
    /// Whether the sign-in that opened the stream still holds. A store
    /// that cannot answer ends the stream too: the browser reconnects,
    /// and is signed in again or not.
    async fn still_signed_in(&self) -> bool {
        let store = &*self.state.store;
        let now = self.state.clock.now();
        match &self.by {
            Some(SignedInBy::Session(id)) => {
                let kept = store
                    .load_session(&crate::accounts::sessions::stored_id(id), now)
                    .await;
                let person = store.person(self.person).await;
                matches!(kept, Ok(Some(_))) && matches!(person, Ok(Some(p)) if p.active)
            }
            Some(SignedInBy::Token(token)) => matches!(
                crate::accounts::tokens::authenticate(store, &*self.state.clock, token).await,
                Ok(Some(_))
            ),
            None => false,
        }
    }
}

/// When this instance last heard of a change a screen shows (its own or,
/// on PostgreSQL, another instance's), followed from the store's changes.
#[derive(Debug, Clone, Default)]
pub struct LastNews(Arc<Mutex<Option<Instant>>>);

impl LastNews {
    /// Follows `store`'s changes until it closes or shutdown starts.
    pub fn follow(store: &crate::store::SharedStore, mut stop: watch::Receiver<bool>) -> Self {
        let news = Self::default();
        let mut changes = store.subscribe();
        let heard = news.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    change = changes.recv() => match change {
                        Ok(change) if Gathered::default().add(&change) => heard.heard(),
                        Ok(_) => {}
                        // Missed some: they may have been news.
                        Err(broadcast::error::RecvError::Lagged(_)) => heard.heard(),
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                    _ = stop.wait_for(|stopping| *stopping) => return,
                }
            }
        });
        news
    }

    fn heard(&self) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Instant::now());
    }

    /// How long ago the last news came; `None` if none came yet.
    pub fn quiet_for(&self) -> Option<Duration> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .map(|at| at.elapsed())
    }
}

/// What happened since the last event.
#[derive(Debug, Default, PartialEq, Eq)]
struct Gathered {
    runs: u64,
    incidents: bool,
    pauses: bool,
    /// Changes were missed (the stream fell behind): reload everything.
    lagged: bool,
}

impl Gathered {
    /// Adds a change; whether the screens show what it changed.
    fn add(&mut self, change: &Change) -> bool {
        match change {
            Change::DeliveriesRecorded { .. } => return false,
            Change::RunsChanged { count } => self.runs += count,
            Change::IncidentsChanged => self.incidents = true,
            Change::PausesChanged => self.pauses = true,
        }
        true
    }

    fn event(&self) -> Event {
        Event::default().event("change").data(
            serde_json::json!({
                "runs": self.runs,
                "incidents": self.incidents,
                "pauses": self.pauses,
                "lagged": self.lagged,
            })
            .to_string(),
        )
    }
}

impl Listening {
    /// The next event, or `None` when the stream should end.
    async fn next(&mut self) -> Option<Event> {
        let Some(last_sent) = self.last_sent else {
            self.last_sent = Some(Instant::now());
            let quiet_ms = self
                .news
                .quiet_for()
                .map(|quiet| u64::try_from(quiet.as_millis()).unwrap_or(u64::MAX));
            let ready = serde_json::json!({ "quiet_ms": quiet_ms }).to_string();
            return Some(Event::default().event("ready").retry(RETRY).data(ready));
        };
        let mut gathered = Gathered::default();
        // Wait for something the screens show…
        loop {
            let mut recheck = false;
            tokio::select! {
                heard = self.changes.recv() => match heard {
                    Ok(change) => if gathered.add(&change) { break },
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        gathered.lagged = true;
                        break;
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = self.stop.wait_for(|stopping| *stopping) => return None,
                _ = self.recheck.tick() => recheck = true,
            }
            if recheck && !self.holder.still_signed_in().await {
                return None;
            }
        }
        // …then gather what else comes until a second after the last event.
        let until = last_sent + THROTTLE;
        loop {
            let mut recheck = false;
            tokio::select! {
                heard = self.changes.recv() => match heard {
                    Ok(change) => { gathered.add(&change); }
                    Err(broadcast::error::RecvError::Lagged(_)) => gathered.lagged = true,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                () = tokio::time::sleep_until(until) => break,
                _ = self.stop.wait_for(|stopping| *stopping) => return None,
                _ = self.recheck.tick() => recheck = true,
            }
            if recheck && !self.holder.still_signed_in().await {
                return None;
            }
        }
        self.last_sent = Some(Instant::now());
        Some(gathered.event())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deliveries_alone_are_not_news_to_a_screen() {
        let mut gathered = Gathered::default();
        assert!(!gathered.add(&Change::DeliveriesRecorded {
            count: 3,
            last_id: 9
        }));
        assert_eq!(gathered, Gathered::default());
        assert!(gathered.add(&Change::RunsChanged { count: 2 }));
        assert!(gathered.add(&Change::RunsChanged { count: 5 }));
        assert!(gathered.add(&Change::IncidentsChanged));
        assert!(gathered.add(&Change::PausesChanged));
        assert_eq!(
            gathered,
            Gathered {
                runs: 7,
                incidents: true,
                pauses: true,
                lagged: false
            }
        );
    }
}

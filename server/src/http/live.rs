//! `GET /api/v1/events`: server-sent events that tell an open screen what
//! it shows has changed, so it reloads its figures without a page load.
//! They come from the store's notifications, so on PostgreSQL a run that
//! another instance took in is heard here too.
//!
//! The stream opens with `ready` (and a two-second reconnection delay for
//! the browser), then sends `change` at most once a second, gathering what
//! happened meanwhile: `{"runs": <settled deliveries, missed or flagged
//! runs>, "incidents": <bool>, "lagged": <bool>}`. A comment every 15
//! seconds keeps proxies from closing a quiet stream. It ends when Baton
//! shuts down; browsers then reconnect on their own.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use crate::startup::AppState;
use crate::store::Change;

/// At most one `change` event this often.
const THROTTLE: Duration = Duration::from_secs(1);
/// How long a browser waits before reconnecting.
const RETRY: Duration = Duration::from_secs(2);
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `GET /api/v1/events`.
pub async fn events(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let listening = Listening {
        changes: state.store.subscribe(),
        stop: state.shutting_down.clone(),
        last_sent: None,
    };
    let stream = futures::stream::unfold(listening, |mut listening| async move {
        let event = listening.next().await?;
        Some((Ok(event), listening))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
}

struct Listening {
    changes: broadcast::Receiver<Change>,
    stop: watch::Receiver<bool>,
    /// When the last event went; `None` before `ready`.
    last_sent: Option<Instant>,
}

/// What happened since the last event.
#[derive(Debug, Default, PartialEq, Eq)]
struct Gathered {
    runs: u64,
    incidents: bool,
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
        }
        true
    }

    fn event(&self) -> Event {
        Event::default().event("change").data(
            serde_json::json!({
                "runs": self.runs,
                "incidents": self.incidents,
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
            return Some(Event::default().event("ready").retry(RETRY).data("{}"));
        };
        let mut gathered = Gathered::default();
        // Wait for something the screens show…
        loop {
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
            }
        }
        // …then gather what else comes until a second after the last event.
        let until = last_sent + THROTTLE;
        loop {
            tokio::select! {
                heard = self.changes.recv() => match heard {
                    Ok(change) => { gathered.add(&change); }
                    Err(broadcast::error::RecvError::Lagged(_)) => gathered.lagged = true,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                () = tokio::time::sleep_until(until) => break,
                _ = self.stop.wait_for(|stopping| *stopping) => return None,
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
        assert_eq!(
            gathered,
            Gathered {
                runs: 7,
                incidents: true,
                lagged: false
            }
        );
    }
}

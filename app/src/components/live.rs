//! Live updates: a screen that shows figures listens to Baton's events
//! (`/api/v1/events`, server-sent) and reloads its figures when runs or
//! incidents change, without a page load. A quiet line says whether the
//! page is live, and when the connection was lost and came back.
//!
//! Before the script runs (and without JavaScript) the page is what the
//! server rendered, and says nothing about being live.

use leptos::prelude::*;

/// Where the live connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveState {
    /// Server-rendered, or connecting for the first time.
    Starting,
    Live,
    /// The connection dropped; the browser is reconnecting.
    Lost,
    /// Reconnected after a loss; the figures were reloaded.
    Back,
    /// Baton refused the stream (signed out, say): no more tries.
    Stopped,
}

impl LiveState {
    pub fn as_str(self) -> &'static str {
        match self {
            LiveState::Starting => "starting",
            LiveState::Live => "live",
            LiveState::Lost => "lost",
            LiveState::Back => "back",
            LiveState::Stopped => "stopped",
        }
    }

    /// What the page says about it.
    pub fn message(self) -> &'static str {
        match self {
            LiveState::Starting => "",
            LiveState::Live => "Live: updates as runs arrive.",
            LiveState::Lost => {
                "Live updates lost; reconnecting… The figures may be out of date meanwhile."
            }
            LiveState::Back => "Live updates are back; the figures were reloaded.",
            LiveState::Stopped => "Live updates stopped: reload the page to start them again.",
        }
    }
}

/// What a screen reads: `version` moves on whenever it should reload.
#[derive(Debug, Clone, Copy)]
pub struct Live {
    pub version: ReadSignal<u64>,
    pub state: ReadSignal<LiveState>,
}

/// Starts listening once the page is live in the browser; stops when the
/// screen goes away.
pub fn use_live() -> Live {
    let (version, set_version) = signal(0_u64);
    let (state, set_state) = signal(LiveState::Starting);
    #[cfg(feature = "hydrate")]
    client::listen(set_version, set_state);
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_version, set_state);
    Live { version, state }
}

/// The quiet line: announced politely to screen readers when it changes.
#[component]
pub fn LiveStatus(live: Live) -> impl IntoView {
    let state = live.state;
    view! {
        <p class="live-status" role="status" data-live=move || state.get().as_str()>
            <span class="live-status__dot" aria-hidden="true"></span>
            {move || state.get().message()}
        </p>
    }
}

#[cfg(feature = "hydrate")]
mod client {
    use std::cell::Cell;
    use std::rc::Rc;

    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{Event, EventSource, MessageEvent};

    use super::LiveState;

    const URL: &str = "/api/v1/events";

    /// The open stream and the handlers it calls, dropped together.
    struct Connection {
        source: EventSource,
        _handlers: Vec<Closure<dyn FnMut(Event)>>,
    }

    /// Milliseconds on the page's clock (`performance.now()`).
    fn now() -> f64 {
        web_sys::window()
            .and_then(|w| w.performance())
            .map_or(0.0, |p| p.now())
    }

    /// When the figures a screen shows were read, on the page's clock: the
    /// page the server rendered read them after the navigation began (0);
    /// a screen opened in place loads its own from now on.
    fn figures_read_at() -> f64 {
        let hydrated = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .is_some_and(|root| root.has_attribute("data-hydrated"));
        if hydrated { now() } else { 0.0 }
    }

    /// Whether `ready` says a change came after the figures were read: it
    /// gives how long ago the last one came (`quiet_ms`), which is measured
    /// on the server, so the network's delay only makes this say yes more
    /// often, never less.
    fn news_since(ready: &Event, read_at: f64) -> bool {
        let Some(data) = ready
            .dyn_ref::<MessageEvent>()
            .and_then(|m| m.data().as_string())
        else {
            return true;
        };
        let quiet_ms = serde_json::from_str::<serde_json::Value>(&data)
            .ok()
            .map(|ready| ready["quiet_ms"].as_f64());
        match quiet_ms {
            // Nothing since that instance started.
            Some(None) => false,
            Some(Some(quiet)) => quiet < now() - read_at,
            // Not understood: reloading once is safe.
            None => true,
        }
    }

    pub fn listen(set_version: WriteSignal<u64>, set_state: WriteSignal<LiveState>) {
        let held = StoredValue::new_local(None::<Connection>);
        Effect::new(move |_| {
            let Ok(source) = EventSource::new(URL) else {
                set_state.set(LiveState::Stopped);
                return;
            };
            let lost = Rc::new(Cell::new(false));
            let read_at = figures_read_at();
            let on_ready = {
                let lost = lost.clone();
                Closure::<dyn FnMut(Event)>::new(move |event: Event| {
                    if lost.replace(false) {
                        // What changed while it was away is not known.
                        set_version.update(|v| *v += 1);
                        set_state.set(LiveState::Back);
                    } else {
                        if news_since(&event, read_at) {
                            set_version.update(|v| *v += 1);
                        }
                        set_state.set(LiveState::Live);
                    }
                })
            };
            let on_change = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                set_version.update(|v| *v += 1);
            });
            let on_error = {
                let source = source.clone();
                Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                    if source.ready_state() == EventSource::CLOSED {
                        set_state.set(LiveState::Stopped);
                    } else {
                        lost.set(true);
                        set_state.set(LiveState::Lost);
                    }
                })
            };
            let _ =
                source.add_event_listener_with_callback("ready", on_ready.as_ref().unchecked_ref());
            let _ = source
                .add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
            source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            held.set_value(Some(Connection {
                source,
                _handlers: vec![on_ready, on_change, on_error],
            }));
        });
        on_cleanup(move || {
            held.try_update_value(|connection| {
                if let Some(connection) = connection.take() {
                    connection.source.set_onerror(None);
                    connection.source.close();
                }
            });
        });
    }
}

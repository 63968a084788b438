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

    /// Whether `ready` says a change came since the page began loading:
    /// it gives how long ago the last one came (`quiet_ms`), measured on
    /// the server, and the page's clock starts when its navigation began,
    /// before any figure was read. (A screen opened in place may reload
    /// once more than it needs; it never misses a change.)
    fn news_since_load(ready: &Event) -> bool {
        let Some(data) = ready
            .dyn_ref::<MessageEvent>()
            .and_then(|m| m.data().as_string())
        else {
            return true;
        };
        let Ok(ready) = serde_json::from_str::<serde_json::Value>(&data) else {
            return true;
        };
        match ready.get("quiet_ms") {
            // Nothing since that instance started.
            Some(serde_json::Value::Null) => false,
            Some(quiet) => quiet.as_f64().is_none_or(|quiet| quiet < now()),
            // An answer that does not say: reloading once is safe.
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
            let on_ready = {
                let lost = lost.clone();
                Closure::<dyn FnMut(Event)>::new(move |event: Event| {
                    if lost.replace(false) {
                        // What changed while it was away is not known.
                        set_version.update(|v| *v += 1);
                        set_state.set(LiveState::Back);
                    } else {
                        if news_since_load(&event) {
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

//! The parts of an alert channel both channel screens show: the fields
//! that add one (name, kind, address) and its address with its secret.

use leptos::prelude::*;

use crate::model::errors::FieldErrors;
use leptos::form::ActionForm;

use crate::model::incidents::Channel;
use crate::server_fns::incidents::TestChannel;

/// Name, kind and address, each with its message from `errors`.
#[component]
pub fn ChannelFields(errors: Signal<FieldErrors>, name_hint: &'static str) -> impl IntoView {
    let error = move |field: &'static str| errors.with(|e| e.get(field).map(str::to_owned));
    view! {
        <div class="field field--form" class:field--invalid=move || error("name").is_some()>
            <label for="field-name">"Name"</label>
            <input id="field-name" name="name" type="text" required placeholder=name_hint/>
            {move || error("name").map(|why| view! { <p class="field__error">{why}</p> })}
        </div>
        <div class="field field--form">
            <label for="field-kind">"Kind"</label>
            <select id="field-kind" name="kind">
                <option value="slack">"Slack-compatible webhook"</option>
                <option value="webhook">"JSON webhook"</option>
            </select>
        </div>
        <div class="field field--form" class:field--invalid=move || error("url").is_some()>
            <label for="field-url">"Address"</label>
            <input id="field-url" name="url" type="url" required
                placeholder="https://hooks.slack.com/services/…"/>
            {move || error("url").map(|why| view! { <p class="field__error">{why}</p> })}
        </div>
    }
}

/// A channel's address and, for a webhook, its signing secret.
#[component]
pub fn ChannelAddress(channel: Channel) -> impl IntoView {
    view! {
        <span class="mono">{channel.url}</span>
        {channel.secret.map(|secret| view! {
            <span class="table__sub">"Signing secret: "<code>{secret}</code></span>
        })}
    }
}

/// *Send a test* for one channel: posts a test message and shows what its
/// receiver answered, or why nothing arrived.
#[component]
pub fn SendTest(channel_id: i64, name: String) -> impl IntoView {
    let test = ServerAction::<TestChannel>::new();
    let label = format!("Send a test to {name}");
    view! {
        <ActionForm action=test>
            <input type="hidden" name="id" value=channel_id/>
            <button type="submit" class="button button--small" aria-label=label
                disabled=move || test.pending().get()>"Send a test"</button>
            {move || test.pending().get().then(|| view! { <span class="muted" role="status">" Sending…"</span> })}
            {move || test.value().get().map(|answer| match answer {
                Ok(t) if t.reached => view! {
                    <p class="notice notice--ok test-answer" role="status">{format!("Arrived: the receiver {}.", t.answer)}</p>
                }.into_any(),
                Ok(t) => view! {
                    <p class="notice notice--error test-answer" role="alert">{format!("Did not arrive: {}.", t.answer)}</p>
                }.into_any(),
                Err(err) => {
                    let why = match err {
                        ServerFnError::ServerError(why) => why,
                        other => format!("the server could not be reached ({other})"),
                    };
                    view! { <p class="notice notice--error test-answer" role="alert">{format!("Not sent: {why}.")}</p> }.into_any()
                }
            })}
        </ActionForm>
    }
}

//! `/account`: who you are, your API tokens — made (shown once), listed
//! with when each was last used, revoked — and your alert channels.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::channels::{ChannelAddress, ChannelFields, SendTest};
use crate::components::form::{SaveMessages, load_failed};
use crate::model::accounts::{ApiToken, NewToken};
use crate::model::incidents::Channel;
use crate::server_fns::account::{CreateToken, RevokeToken, list_tokens};
use crate::server_fns::incidents::{AddOwnChannel, RemoveOwnChannel, load_own_channels};
use crate::services::TokenOutcome;

fn when(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map_or_else(
        || "never".to_owned(),
        |at| at.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_tokens(),
    );
    let made = move || match create.value().get() {
        Some(Ok(TokenOutcome::Made(made))) => Some(made),
        _ => None,
    };
    let name_error = move || match create.value().get() {
        Some(Ok(TokenOutcome::Invalid(errors))) => errors.get("name").map(str::to_owned),
        Some(Err(err)) => Some(crate::components::form::server_words(&err)),
        _ => None,
    };
    view! {
        <Title text="Your account"/>
        <div class="page-header">
            <h1>"Your account"</h1>
            <Suspense fallback=|| ()>
                {move || crate::session::me().map(|me| view! {
                    <p class="lede">
                        {me.display_name.clone()}" · "{me.email.clone()}" · "
                        <span class="account__role">{me.role.as_str()}</span>
                    </p>
                })}
            </Suspense>
        </div>
        <section class="card" aria-labelledby="tokens-title">
            <h2 id="tokens-title">"API tokens"</h2>
            <p>
                "Scripts call "<code>"/api/v1"</code>" with a token instead of a password: "
                <code>"Authorization: Bearer baton_…"</code>". A token acts as you, within your role; "
                "a read-only one can only read. Baton keeps only a hash of each token."
            </p>
            {move || made().map(|made| view! { <MadeToken made/> })}
            <ActionForm action=create attr:class="form token-form">
                <div class="form__row">
                    <div class="field field--form" class:field--invalid=move || name_error().is_some()>
                        <label for="token-name">"What will use it"</label>
                        <input id="token-name" name="name" type="text" required
                            placeholder="nightly export"
                            aria-invalid=move || name_error().is_some().to_string()
                            aria-describedby=move || name_error().map(|_| "token-name-message")/>
                        {move || name_error().map(|why| view! {
                            <p class="field__error" id="token-name-message">{why}</p>
                        })}
                    </div>
                    <div class="field field--form">
                        <label for="token-scope">"It may"</label>
                        <select id="token-scope" name="scope">
                            <option value="read">"Read only"</option>
                            <option value="write">"Read and write"</option>
                        </select>
                    </div>
                </div>
                <div class="form__actions">
                    <button type="submit" class="button button--primary"
                        disabled=move || create.pending().get()>"Make a token"</button>
                </div>
            </ActionForm>
            <SaveMessages outcome=revoke.value().into()/>
            <Suspense fallback=|| view! { <p class="muted">"Loading your tokens…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="muted">"You have no API tokens."</p>
                        }.into_any(),
                        Ok(list) => view! { <TokenTable list revoke/> }.into_any(),
                        Err(err) => load_failed("Your tokens could not be loaded", err),
                    }
                })}
            </Suspense>
        </section>
        <AlertChannels/>
    }
}

const CHANNEL_LABELS: &[(&str, &str)] = &[("name", "Name"), ("kind", "Kind"), ("url", "Address")];

/// Your own alert channels: where Baton tells you of incidents of what you
/// own or back up.
#[component]
fn AlertChannels() -> impl IntoView {
    let add = ServerAction::<AddOwnChannel>::new();
    let remove = ServerAction::<RemoveOwnChannel>::new();
    let channels = Resource::new(
        move || (add.version().get(), remove.version().get()),
        |_| load_own_channels(),
    );
    let errors = Signal::derive(move || {
        add.value()
            .with(|o| crate::components::form::errors_of(o.as_ref()))
    });
    view! {
        <section class="card" aria-labelledby="channels-title">
            <h2 id="channels-title">"Your alert channels"</h2>
            <p>
                "When something you own (or back up) fails, misses a run or runs too long, Baton "
                "posts an alert here, once per incident, and a notice when it recovers. A "
                <strong>"JSON webhook"</strong>" gets Baton's JSON, signed per Standard Webhooks "
                "with the secret shown below; a "<strong>"Slack-compatible"</strong>
                " one gets a message (Slack, Mattermost, Rocket.Chat incoming webhooks)."
            </p>
            <ActionForm action=add attr:class="form channel-form">
                <SaveMessages outcome=add.value().into() labels=CHANNEL_LABELS/>
                <div class="form__row">
                    <ChannelFields errors name_hint="My phone"/>
                </div>
                <div class="form__actions">
                    <button type="submit" class="button button--primary"
                        disabled=move || add.pending().get()>"Add the channel"</button>
                </div>
            </ActionForm>
            <SaveMessages outcome=remove.value().into()/>
            <Suspense fallback=|| view! { <p class="muted">"Loading your channels…"</p> }>
                {move || Suspend::new(async move {
                    match channels.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="muted">"You have no alert channel: incidents of what you own go to your team's channels, if it has any."</p>
                        }.into_any(),
                        Ok(list) => view! { <ChannelTable list remove/> }.into_any(),
                        Err(err) => load_failed("Your channels could not be loaded", err),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ChannelTable(list: Vec<Channel>, remove: ServerAction<RemoveOwnChannel>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table">
                <caption>"Your channels"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Address and secret"</th>
                        <th scope="col"><span class="visually-hidden">"Test or remove"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|c| {
                        let label = format!("Remove {}", c.name);
                        view! {
                            <tr>
                                <th scope="row">{c.name.clone()}</th>
                                <td>{c.kind.label()}</td>
                                <td><ChannelAddress channel=c.clone()/></td>
                                <td class="row-actions">
                                    <SendTest channel_id=c.id name=c.name.clone()/>
                                    <ActionForm action=remove>
                                        <input type="hidden" name="id" value=c.id/>
                                        <button type="submit" class="button button--small button--danger"
                                            aria-label=label>"Remove"</button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The token just made: the one time it is shown.
#[component]
fn MadeToken(made: NewToken) -> impl IntoView {
    view! {
        <div class="notice notice--ok made-token" role="status">
            <p><strong>{format!("Token “{}” made.", made.details.name)}</strong>
                " Copy it now: Baton keeps only its hash and cannot show it again."</p>
            <p><code class="made-token__value">{made.token.clone()}</code></p>
            <p class="muted">"Try it: "<code>{format!(
                "curl -H \"Authorization: Bearer {}\" {}/api/v1/orchestrations",
                made.token, "$BATON_URL"
            )}</code></p>
        </div>
    }
}

#[component]
fn TokenTable(list: Vec<ApiToken>, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table">
                <caption>"Your tokens, oldest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"May"</th>
                        <th scope="col">"Starts with"</th>
                        <th scope="col">"Made"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col"><span class="visually-hidden">"Revoke"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|t| {
                        let label = format!("Revoke {}", t.name);
                        view! {
                            <tr>
                                <th scope="row">{t.name.clone()}</th>
                                <td>{t.scope.label()}</td>
                                <td class="mono">{format!("{}…", t.prefix)}</td>
                                <td>{when(Some(t.created_at))}</td>
                                <td>{when(t.last_used_at)}</td>
                                <td>{match t.revoked_at {
                                    Some(at) => view! {
                                        <span class="flag">{format!("Revoked {}", when(Some(at)))}</span>
                                    }.into_any(),
                                    None => view! {
                                        <ActionForm action=revoke>
                                            <input type="hidden" name="id" value=t.id/>
                                            <button type="submit" class="button button--small button--danger"
                                                aria-label=label>"Revoke"</button>
                                        </ActionForm>
                                    }.into_any(),
                                }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

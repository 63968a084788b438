//! `/admin/channels`: every alert channel, a person's or a team's, for
//! admins: added (for anyone or any team) and removed.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::channels::{ChannelAddress, ChannelFields, SendTest};
use crate::components::form::{SaveMessages, errors_of, load_failed};
use crate::model::incidents::Channel;
use crate::server_fns::incidents::{AddChannel, RemoveChannel, load_channels};
use crate::services::ChannelsScreen;

const LABELS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("kind", "Kind"),
    ("url", "Address"),
    ("user_id", "For"),
    ("team_id", "For"),
];

#[component]
pub fn ChannelsPage() -> impl IntoView {
    let add = ServerAction::<AddChannel>::new();
    let remove = ServerAction::<RemoveChannel>::new();
    let screen = Resource::new(
        move || (add.version().get(), remove.version().get()),
        |_| load_channels(),
    );
    view! {
        <Title text="Alert channels"/>
        <div class="page-header">
            <p class="breadcrumb"><a href="/admin">"Admin"</a>" / "</p>
            <h1>"Alert channels"</h1>
            <p class="lede">
                "Where Baton tells people of incidents: a person's channels hear of what they own or "
                "back up; a team's hear when its owner has none, and when an incident is escalated to "
                "the team. Everyone can add their own on their account page."
            </p>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading the channels…"</p> }>
            {move || Suspend::new(async move {
                match screen.await {
                    Ok(screen) => view! { <ChannelsView screen add remove/> }.into_any(),
                    Err(err) => load_failed("The channels could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ChannelsView(
    screen: ChannelsScreen,
    add: ServerAction<AddChannel>,
    remove: ServerAction<RemoveChannel>,
) -> impl IntoView {
    let errors = Signal::derive(move || add.value().with(|o| errors_of(o.as_ref())));
    view! {
        <section class="card" aria-labelledby="add-channel">
            <h2 id="add-channel">"Add a channel"</h2>
            <ActionForm action=add attr:class="form channel-form">
                <SaveMessages outcome=add.value().into() labels=LABELS/>
                <div class="form__row">
                    <div class="field field--form">
                        <label for="field-whose">"For"</label>
                        <select id="field-whose" name="whose">
                            <optgroup label="Teams">
                                {screen.teams.iter().map(|(id, name)| view! {
                                    <option value=format!("team:{id}")>{name.clone()}</option>
                                }).collect_view()}
                            </optgroup>
                            <optgroup label="People">
                                {screen.people.iter().map(|(id, name)| view! {
                                    <option value=format!("person:{id}")>{name.clone()}</option>
                                }).collect_view()}
                            </optgroup>
                        </select>
                    </div>
                    <ChannelFields errors name_hint="Finance on-call"/>
                </div>
                <div class="form__actions">
                    <button type="submit" class="button button--primary"
                        disabled=move || add.pending().get()>"Add the channel"</button>
                </div>
            </ActionForm>
        </section>
        <SaveMessages outcome=remove.value().into()/>
        {if screen.channels.is_empty() {
            view! { <section class="card"><p class="muted">"No alert channel yet: incidents open, but nobody is told."</p></section> }.into_any()
        } else {
            view! { <ChannelList channels=screen.channels remove/> }.into_any()
        }}
    }
}

#[component]
fn ChannelList(channels: Vec<Channel>, remove: ServerAction<RemoveChannel>) -> impl IntoView {
    let count = channels.len();
    view! {
        <div class="table-wrap">
            <table class="table">
                <caption>{format!("{count} channel{}", if count == 1 { "" } else { "s" })}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"For"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Address and secret"</th>
                        <th scope="col"><span class="visually-hidden">"Test or remove"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {channels.into_iter().map(|c| {
                        let label = format!("Remove {}", c.name);
                        let whose = if c.team_id.is_some() { format!("{} (team)", c.belongs_to) } else { c.belongs_to.clone() };
                        view! {
                            <tr>
                                <th scope="row">{c.name.clone()}</th>
                                <td data-label="For">{whose}</td>
                                <td data-label="Kind">{c.kind.label()}</td>
                                <td data-label="Address"><ChannelAddress channel=c.clone()/></td>
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

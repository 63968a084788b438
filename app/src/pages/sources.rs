//! `/admin/sources`: where tools report from. Each source belongs to a
//! team and has a key: its ping URLs by slug, and Cronitor's telemetry.
//! Admins add sources and rotate their keys.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::form::{SaveMessages, load_failed};
use crate::model::forms::SaveOutcome;
use crate::model::ingestion::SourceDetails;
use crate::server_fns::ingestion::{CreateSource, RotateSourceKey, load_sources};

/// `/admin/sources`.
#[component]
pub fn SourcesPage() -> impl IntoView {
    let create = ServerAction::<CreateSource>::new();
    let rotate = ServerAction::<RotateSourceKey>::new();
    let screen = Resource::new(
        move || (create.version().get(), rotate.version().get()),
        |_| load_sources(),
    );
    let error = move |key: &str| match create.value().get() {
        Some(Ok(SaveOutcome::Invalid(errors))) => errors.get(key).map(str::to_owned),
        _ => None,
    };
    // Emptied once the source is added, ready for the next.
    let create_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(Ok(SaveOutcome::Saved { .. })) = create.value().get()
            && let Some(form) = create_form.get()
        {
            form.reset();
        }
    });
    view! {
        <Title text="Sources"/>
        <div class="page-header">
            <p class="breadcrumb"><a href="/admin">"Admin"</a>" / "</p>
            <h1>"Sources"</h1>
            <p class="lede">"Where tools report from, each owned by a team, with its own key. A source's key reaches its automations by slug ("<code>"/ping/<key>/<slug>"</code>"), creates new ones into the claim queue with "<code>"?create=1"</code>", and takes Cronitor's telemetry."</p>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading the sources…"</p> }>
            {move || Suspend::new(async move {
                match screen.await {
                    Ok(screen) => {
                        let teams = screen.teams.clone();
                        let no_team = teams.is_empty();
                        view! {
                        <section class="card" aria-labelledby="add-source">
                            <h2 id="add-source">"Add a source"</h2>
                            {no_team.then(|| view! {
                                <p class="notice">"A source belongs to a team: "<a href="/admin/people">"add a team"</a>" first."</p>
                            })}
                            <ActionForm action=create node_ref=create_form attr:class="form">
                                <SaveMessages outcome=create.value().into()/>
                                <div class="form__row">
                                    <div class="field field--form" class:field--invalid=move || error("name").or(error("slug")).is_some()>
                                        <label for="source-name">"Name"</label>
                                        <input id="source-name" name="name" type="text" required placeholder="Batch servers"/>
                                        {move || error("name").or(error("slug")).map(|why| view! { <p class="field__error">{why}</p> })}
                                    </div>
                                    <div class="field field--form" class:field--invalid=move || error("team_id").is_some()>
                                        <label for="source-team">"Owned by the team"</label>
                                        <select id="source-team" name="team_id">
                                            <option value="">"Choose a team"</option>
                                            {teams.iter().map(|(id, name)| view! {
                                                <option value=id.to_string()>{name.clone()}</option>
                                            }).collect_view()}
                                        </select>
                                        {move || error("team_id").map(|why| view! { <p class="field__error">{why}</p> })}
                                    </div>
                                </div>
                                <div class="form__actions">
                                    <button type="submit" class="button button--primary">"Add the source"</button>
                                </div>
                            </ActionForm>
                        </section>
                        {if screen.sources.is_empty() {
                            view! { <p class="muted">"No source yet. Automations can still be pinged by their own keys."</p> }.into_any()
                        } else {
                            screen.sources.into_iter().map(|source| {
                                let team = screen.teams.iter().find(|(id, _)| *id == source.source.team_id)
                                    .map(|(_, n)| n.clone()).unwrap_or_default();
                                view! { <SourceCard source team rotate/> }
                            }).collect_view().into_any()
                        }}
                    }.into_any()
                    }
                    Err(err) => load_failed("The sources could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SourceCard(
    source: SourceDetails,
    team: String,
    rotate: ServerAction<RotateSourceKey>,
) -> impl IntoView {
    let heading = format!("source-{}", source.source.id);
    let labelled = heading.clone();
    view! {
        <section class="card" aria-labelledby=labelled>
            <h2 id=heading>{source.source.name.clone()}</h2>
            <p class="muted">{format!("{} · owned by {team}", source.source.slug)}</p>
            <dl class="facts ping-urls">
                <dt>"Key"</dt><dd><code class="mono">{source.key.clone()}</code></dd>
                <dt>"By slug"</dt><dd><code class="mono">{source.urls.by_slug.clone()}</code></dd>
                <dt>"Creating it"</dt><dd><code class="mono">{source.urls.auto_create.clone()}</code></dd>
                <dt>"Cronitor"</dt><dd><code class="mono">{source.urls.cronitor.clone()}</code></dd>
            </dl>
            <p><a href=format!("/deliveries?source_id={}", source.source.id)>"Its deliveries"</a></p>
            <ActionForm action=rotate>
                <input type="hidden" name="id" value=source.source.id/>
                <button type="submit" class="button"
                    onclick="return confirm('Make a new key? The old one keeps working for the overlap the server is set to (24 hours by default), then stops.')">"Rotate the key"</button>
            </ActionForm>
        </section>
    }
}

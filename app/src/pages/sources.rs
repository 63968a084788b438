//! `/admin/sources`: where tools report from. Each source belongs to a
//! team, takes one tool's deliveries and has a key: its ping URLs by slug
//! and Cronitor's telemetry, or a CI tool's webhook URL with the secret
//! that signs its deliveries. Admins add sources and rotate keys and
//! secrets.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::form::{SaveMessages, load_failed};
use crate::model::forms::SaveOutcome;
use crate::model::ingestion::{SourceDetails, SourceTool};
use crate::server_fns::ingestion::{
    CreateSource, RotateSourceKey, RotateSourceSecret, load_sources,
};

/// `/admin/sources`.
#[component]
pub fn SourcesPage() -> impl IntoView {
    let create = ServerAction::<CreateSource>::new();
    let rotate = ServerAction::<RotateSourceKey>::new();
    let rotate_secret = ServerAction::<RotateSourceSecret>::new();
    let screen = Resource::new(
        move || {
            (
                create.version().get(),
                rotate.version().get(),
                rotate_secret.version().get(),
            )
        },
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
            <p class="lede">"Where tools report from, each owned by a team, with its own key. A ping source's key reaches its automations by slug ("<code>"/ping/<key>/<slug>"</code>"), creates new ones into the claim queue with "<code>"?create=1"</code>", and takes Cronitor's telemetry. A GitHub, GitLab, Jenkins or generic JSON source has a webhook URL to paste into the tool, and (but for Jenkins) a secret that signs what it sends; the runs it reports find their automation by the tool's own name for it, and new ones land in the claim queue."</p>
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
                                    <div class="field field--form" class:field--invalid=move || error("tool").is_some()>
                                        <label for="source-tool">"Takes"</label>
                                        <select id="source-tool" name="tool">
                                            {SourceTool::ALL.into_iter().map(|tool| view! {
                                                <option value=tool.as_str()>{tool.label()}</option>
                                            }).collect_view()}
                                        </select>
                                        {move || error("tool").map(|why| view! { <p class="field__error">{why}</p> })}
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
                                view! { <SourceCard source team rotate rotate_secret/> }
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

/// Where to paste the URL and the secret, in the tool's own words.
fn setup(tool: SourceTool) -> &'static str {
    match tool {
        SourceTool::Ping => "",
        SourceTool::Github => {
            "In GitHub: the repository's or organisation's Settings → Webhooks → Add webhook (or your GitHub App's webhook settings). Payload URL: the webhook URL; Content type: application/json; Secret: the secret. Choose the events Workflow runs, Workflow jobs and Deployment statuses (Check suites and Check runs for other apps' checks), or send everything: what Baton does not map is kept and answered 200."
        }
        SourceTool::Gitlab => {
            "In GitLab: the project's or group's Settings → Webhooks → Add new webhook. URL: the webhook URL; Secret token: the secret. Trigger on Pipeline events, Job events and Deployment events."
        }
        SourceTool::Jenkins => {
            "In Jenkins, with the Notification plugin: the job's configuration → Job Notifications → Add Endpoint. Format: JSON; Protocol: HTTP; Event: All Events; URL: the webhook URL. The plugin signs nothing, so the key in the URL is the secret: rotate the key if it leaks."
        }
        SourceTool::Generic => {
            "POST Baton's JSON body (automation, run_id, status, started_at, finished_at, message, url, metrics: see docs/webhooks.md in Baton's repository) signed as Standard Webhooks: the headers webhook-id, webhook-timestamp and webhook-signature, with the secret (whsec_…). Any Standard Webhooks library signs it."
        }
    }
}

#[component]
fn SourceCard(
    source: SourceDetails,
    team: String,
    rotate: ServerAction<RotateSourceKey>,
    rotate_secret: ServerAction<RotateSourceSecret>,
) -> impl IntoView {
    let heading = format!("source-{}", source.source.id);
    let labelled = heading.clone();
    let tool = source.source.tool;
    let id = source.source.id;
    let refused = (source.source.rejected_count > 0).then(|| {
        let last = source
            .source
            .last_rejected_at
            .map(|at| format!(", the last at {}", at.format("%Y-%m-%d %H:%M UTC")))
            .unwrap_or_default();
        format!(
            "{} deliveries refused for a missing or wrong signature{last}: is the secret pasted in the tool the current one?",
            source.source.rejected_count
        )
    });
    let urls = if let Some(hook) = source.urls.hook.clone() {
        view! {
            <dl class="facts ping-urls">
                <dt>"Webhook URL"</dt><dd><code class="mono">{hook}</code></dd>
                {source.secret.clone().map(|secret| view! {
                    <dt>"Secret"</dt>
                    <dd>
                        <details class="secret">
                            <summary>"Show the secret"</summary>
                            <code class="mono">{secret}</code>
                        </details>
                    </dd>
                })}
                <dt>"Key"</dt><dd><code class="mono">{source.key.clone()}</code></dd>
            </dl>
            <p class="setup">{setup(tool)}</p>
        }
        .into_any()
    } else {
        view! {
            <dl class="facts ping-urls">
                <dt>"Key"</dt><dd><code class="mono">{source.key.clone()}</code></dd>
                <dt>"By slug"</dt><dd><code class="mono">{source.urls.by_slug.clone()}</code></dd>
                <dt>"Creating it"</dt><dd><code class="mono">{source.urls.auto_create.clone()}</code></dd>
                <dt>"Cronitor"</dt><dd><code class="mono">{source.urls.cronitor.clone()}</code></dd>
            </dl>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby=labelled>
            <h2 id=heading>{source.source.name.clone()}</h2>
            <p class="muted">{format!("{} · {} · owned by {team}", source.source.slug, tool.label())}</p>
            {urls}
            {refused.map(|text| view! { <p class="notice">{text}</p> })}
            <p class="source__links"><a href=format!("/deliveries?source_id={id}")>"Its deliveries"</a></p>
            <div class="source__actions">
                <ActionForm action=rotate>
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class="button"
                        on:click=crate::components::form::confirm_first("Make a new key? The old one keeps working for the overlap the server is set to (24 hours by default), then stops.")>"Rotate the key"</button>
                </ActionForm>
                {tool.signs().then(|| view! {
                    <ActionForm action=rotate_secret>
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="button"
                            on:click=crate::components::form::confirm_first("Make a new secret? Deliveries signed with the old one are still taken for the overlap the server is set to (24 hours by default): paste the new one into the tool before then.")>"Rotate the secret"</button>
                    </ActionForm>
                })}
            </div>
        </section>
    }
}

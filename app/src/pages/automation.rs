//! One automation: what it is, who owns it, its leverage with its parts,
//! its dependencies; and the form that adds or changes one.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::dependencies::DependencyEditor;
use crate::components::form::{
    FormFooter, SaveMessages, SelectField, TextField, follow_saved, id_options, load_failed,
    text_or_missing, track_save,
};
use crate::components::health::HealthCard;
use crate::components::leverage::LeverageCard;
use crate::components::runs::RunsTable;
use crate::model::dependencies::NodeRef;
use crate::model::forms::{AutomationForm, SaveOutcome};
use crate::model::health::PauseTarget;
use crate::model::inventory::Tool;
use crate::model::ping::PingUrls;
use crate::model::schedule::{ScheduleView, format_duration};
use crate::pages::not_found::answer_not_found;
use crate::server_fns::editing::{
    DeleteAutomation, RotatePingKey, SaveAutomation, load_automation, open_automation_editor,
};
use crate::server_fns::ingestion::{
    ClaimAutomation, RemoveSchedule, SaveSchedule, SetSlug, load_claim_queue,
};
use crate::services::{AutomationEditor, AutomationPage as Page};

fn id_param() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse().ok())))
}

fn missing() -> AnyView {
    answer_not_found();
    view! {
        <Title text="Not found"/>
        <section class="card">
            <h1>"No such automation"</h1>
            <p>"It may have been deleted. "<a href="/inventory">"See the inventory"</a>"."</p>
        </section>
    }
    .into_any()
}

/// `/automations/:id`.
#[component]
pub fn AutomationPage() -> impl IntoView {
    let id = id_param();
    let page = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => load_automation(id).await,
                None => Ok(None),
            }
        },
    );
    let changed = Callback::new(move |()| page.refetch());
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the automation…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some(page)) => view! { <Details page changed/> }.into_any(),
                    Ok(None) => missing(),
                    Err(err) => load_failed("The automation could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Details(page: Page, changed: Callback<()>) -> impl IntoView {
    // Its health moves with every live event; the rest stays as it is.
    let live = crate::components::live::use_live();
    let id = page.automation.id;
    let fresh = Resource::new(
        move || live.version.get(),
        move |version| async move {
            if version == 0 {
                None
            } else {
                load_automation(id).await.ok().flatten()
            }
        },
    );
    let first = StoredValue::new((page.health.clone(), page.runs.clone()));
    let current = move || {
        fresh
            .get()
            .flatten()
            .map_or_else(|| first.get_value(), |p| (p.health, p.runs))
    };
    let live_health = Signal::derive(move || current().0);
    let a = page.automation;
    let row = page.row;
    let f = a.fields;
    let this = vec![(
        NodeRef::automation(a.id),
        format!("{} (this automation)", f.name),
    )];
    let figure = |v: Option<f64>| v.map_or("—".to_owned(), |v| v.to_string());
    let delete = ServerAction::<DeleteAutomation>::new();
    follow_saved(delete.value().into());
    view! {
        <Title text=f.name.clone()/>
        <div class="page-header">
            <p class="breadcrumb"><a href="/inventory">"Inventory"</a>" / "</p>
            <div class="title-row">
                <h1>{f.name.clone()}</h1>
                {page.can_edit.then(|| view! {
                    <p class="actions"><a class="button" href=format!("/automations/{}/edit", a.id)>"Edit"</a></p>
                })}
            </div>
            <p class="lede">{if f.description.is_empty() { "What it does is not written yet.".to_owned() } else { f.description.clone() }}</p>
            <p class="flags">
                <span class="flag">{f.tool.label()}</span>
                {row.orchestration.is_none().then(|| view! { <span class="flag flag--risk">"Loose"</span> })}
                {row.owner.is_none().then(|| view! { <span class="flag flag--risk">"Unowned"</span> })}
                {row.no_failure_mode.then(|| view! { <span class="flag flag--risk">"No failure mode"</span> })}
            </p>
        </div>
        <div class="grid-2">
            <section class="card" aria-labelledby="facts-title">
                <h2 id="facts-title">"Facts"</h2>
                <dl class="facts">
                    <dt>"Tool"</dt><dd>{f.tool.label()}</dd>
                    <dt>"External id"</dt><dd class="mono">{f.external_id.clone()}</dd>
                    <dt>"Address"</dt>
                    <dd>{if f.url.is_empty() {
                        view! { <span class="muted">"—"</span> }.into_any()
                    } else if crate::model::catalog::is_http_url(&f.url) {
                        view! { <a href=f.url.clone() rel="noopener">{f.url.clone()}</a> }.into_any()
                    } else {
                        // Only http(s) becomes a link: a tool's webhook may
                        // have sent anything (`javascript:` included).
                        view! { <span class="mono">{f.url.clone()}</span> }.into_any()
                    }}</dd>
                    <dt>"Owner"</dt><dd>{row.owner.clone().unwrap_or_else(|| "—".to_owned())}</dd>
                    <dt>"Team"</dt><dd>{row.team.clone().unwrap_or_else(|| "—".to_owned())}</dd>
                    <dt>"Orchestration"</dt>
                    <dd>{match row.orchestration.clone() {
                        Some((slug, name)) => view! { <a href=format!("/orchestrations/{slug}")>{name}</a> }.into_any(),
                        None => view! { <span>"None: it is loose"</span> }.into_any(),
                    }}</dd>
                    <dt>"If it fails silently"</dt><dd>{text_or_missing(f.failure_mode.clone())}</dd>
                    <dt>"Minutes saved per run"</dt><dd>{figure(f.minutes_saved_per_run)}</dd>
                    <dt>"Runs per week (declared)"</dt><dd>{figure(f.runs_per_week)}</dd>
                </dl>
            </section>
            <LeverageCard ranked=page.leverage/>
        </div>
        <HealthCard health=live_health target=PauseTarget::Automation(a.id) can_edit=page.can_edit changed/>
        {page.unclaimed.then(|| view! { <ClaimCard id=a.id changed/> })}
        {move || view! { <RunsCard runs=current().1 id=a.id/> }}
        <ScheduleCard id=a.id schedule=page.schedule can_edit=page.can_edit changed/>
        {page.ping.map(|ping| view! { <PingCard ping id=a.id can_edit=page.can_edit changed/> })}
        {page.ping_hidden.then(|| view! {
            <section class="card" aria-labelledby="ping-title">
                <h2 id="ping-title">"Ping URLs"</h2>
                <p class="muted">"Its job reports runs through ping URLs. Whoever holds one can report runs for it, so they are shown only to its owners and administrators."</p>
            </section>
        })}
        <SlugCard id=a.id slug=page.slug sources=page.sources can_edit=page.can_edit changed/>
        <section class="card" aria-labelledby="deps-title">
            <h2 id="deps-title">"Dependencies"</h2>
            <DependencyEditor this dependencies=page.dependencies changed can_edit=page.can_edit/>
        </section>
        {page.can_edit.then(|| view! {
        <section class="card danger" aria-labelledby="delete-title">
            <h2 id="delete-title">"Delete"</h2>
            <p>"Deleting removes it from the inventory with its dependencies. A re-import of a file that lists it adds it again."</p>
            <ActionForm action=delete>
                <input type="hidden" name="id" value=a.id/>
                <SaveMessages outcome=delete.value().into()/>
                <button type="submit" class="button button--danger"
                    on:click=crate::components::form::confirm_first("Delete this automation for good?")>"Delete for good"</button>
            </ActionForm>
        </section>
        })}
    }
}

/// `/automations/new` (`?orchestration=<id>` preselects it).
#[component]
pub fn NewAutomationPage() -> impl IntoView {
    let query = use_query_map();
    let editor = Resource::new(|| (), |_| open_automation_editor(None));
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the form…"</p> }>
            {move || Suspend::new(async move {
                match editor.await {
                    Ok(Some(mut editor)) => {
                        if let Some(o) = query.with_untracked(|q| q.get("orchestration")) {
                            editor.form.orchestration_id = o;
                        }
                        view! { <AutomationEditorForm editor/> }.into_any()
                    }
                    Ok(None) => missing(),
                    Err(err) => load_failed("The form could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

/// `/automations/:id/edit`.
#[component]
pub fn EditAutomationPage() -> impl IntoView {
    let id = id_param();
    let editor = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => open_automation_editor(Some(id)).await,
                None => Ok(None),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the form…"</p> }>
            {move || Suspend::new(async move {
                match editor.await {
                    Ok(Some(editor)) => view! { <AutomationEditorForm editor/> }.into_any(),
                    Ok(None) => missing(),
                    Err(err) => load_failed("The form could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AutomationEditorForm(editor: AutomationEditor) -> impl IntoView {
    let save = ServerAction::<SaveAutomation>::new();
    let outcome = save.value();
    let (errors, version) = track_save(outcome.into(), editor.version);
    let f = editor.form;
    let (title, back) = match editor.id {
        Some(id) => (format!("Edit {}", f.name), format!("/automations/{id}")),
        None => ("Add an automation".to_owned(), "/inventory".to_owned()),
    };
    let tools: Vec<(String, String)> = Tool::ALL
        .into_iter()
        .map(|t| (t.as_str().to_owned(), t.label().to_owned()))
        .collect();
    let people = id_options(&editor.choices.people);
    view! {
        <Title text=title.clone()/>
        <div class="page-header">
            <p class="breadcrumb"><a href="/inventory">"Inventory"</a>" / "</p>
            <h1>{title}</h1>
            <p class="lede">"One automation as its tool knows it: a workflow, a job, a Zap, a scenario, a DAG or a cron line."</p>
        </div>
        <ActionForm action=save attr:class="form card" attr:novalidate=true>
            {editor.id.map(|id| view! { <input type="hidden" name="id" value=id/> })}
            <input type="hidden" name="version" value=move || version.get()/>
            <fieldset class="form__group">
                <legend>"What it is"</legend>
                <TextField label="Name" key="name" value=f.name errors required=true/>
                <div class="form__row">
                    <SelectField label="Tool" key="tool" value=f.tool options=tools errors empty="Choose the tool"/>
                    <TextField label="External id" key="external_id" value=f.external_id errors required=true
                        hint="The tool's own id: workflow path, job name, Zap id…"/>
                </div>
                <TextField label="Address" key="url" value=f.url errors kind="url" hint="Where it lives in its tool (optional)."/>
                <TextField label="What it does" key="description" value=f.description errors multiline=true/>
            </fieldset>
            <fieldset class="form__group">
                <legend>"Who answers for it, and where it belongs"</legend>
                <div class="form__row">
                    <SelectField label="Owner" key="owner_id" value=f.owner_id options=people errors empty="Nobody yet"/>
                    <SelectField label="Team" key="team_id" value=f.team_id options=id_options(&editor.choices.teams) errors empty="No team"/>
                    <SelectField label="Orchestration" key="orchestration_id" value=f.orchestration_id
                        options=id_options(&editor.choices.orchestrations) errors empty="None (loose)"/>
                </div>
                <TextField label="If it fails silently" key="failure_mode" value=f.failure_mode errors multiline=true
                    hint="What goes wrong, and who notices, when it stops without telling anyone."/>
            </fieldset>
            <fieldset class="form__group">
                <legend>"Figures"</legend>
                <div class="form__row">
                    <TextField label="Minutes saved per run" key="minutes_saved_per_run" value=f.minutes_saved_per_run errors kind="number"/>
                    <TextField label="Runs per week" key="runs_per_week" value=f.runs_per_week errors kind="number"
                        hint="Declared; replaced by the runs counted once they arrive."/>
                </div>
            </fieldset>
            <FormFooter outcome=outcome.into() labels=&AutomationForm::LABELS pending=save.pending().into() back/>
        </ActionForm>
    }
}

/// Where the automation's job reports its runs, ready to paste.
#[component]
fn PingCard(ping: PingUrls, id: i64, can_edit: bool, changed: Callback<()>) -> impl IntoView {
    let rotate = ServerAction::<RotatePingKey>::new();
    // The page reloads its data, showing the new key.
    Effect::new(move |_| {
        if let Some(Ok(SaveOutcome::Saved { .. })) = rotate.value().get() {
            changed.run(());
        }
    });
    let rows = [
        ("Success", ping.success.clone()),
        ("Start", ping.start.clone()),
        ("Failure", ping.fail.clone()),
        ("Log line", ping.log.clone()),
        ("Exit status", ping.exit_status.clone()),
    ];
    view! {
        <section class="card" aria-labelledby="ping-title">
            <h2 id="ping-title">"Ping URLs"</h2>
            <p>"Its job reports each run by calling these with GET, POST or HEAD. Anyone who has the key can report runs for it, so keep it as you would a password."</p>
            <dl class="facts ping-urls">
                {rows.into_iter().map(|(label, url)| view! {
                    <dt>{label}</dt><dd><code class="mono">{url}</code></dd>
                }).collect_view()}
            </dl>
            <p>"In a crontab, report the start and the exit status:"</p>
            <pre class="code"><code>{ping.cron_example()}</code></pre>
            <p>"From a script, with its output as the run's log:"</p>
            <pre class="code"><code>{format!("./job.sh 2>&1 | tail -c 100000 | curl -fsS -m 10 --retry 5 --data-binary @- {}", ping.success)}</code></pre>
            <p>"A start and its finish are one run: add "<code>"?rid=<id>"</code>" to both when runs can overlap. "
                "Every call is kept as a delivery: "<a href=format!("/deliveries?automation_id={id}")>"see what it sent"</a>"."</p>
            {can_edit.then(|| view! {
                <ActionForm action=rotate>
                    <input type="hidden" name="id" value=id/>
                    <SaveMessages outcome=rotate.value().into()/>
                    <button type="submit" class="button"
                        on:click=crate::components::form::confirm_first("Make a new key? The old one keeps working for 24 hours (the server setting), then stops.")>"Rotate the key"</button>
                </ActionForm>
            })}
        </section>
    }
}

/// Its newest runs, as its tool reported them.
#[component]
fn RunsCard(runs: Vec<crate::model::ingestion::Run>, id: i64) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="runs-title">
            <h2 id="runs-title">"Runs"</h2>
            {if runs.is_empty() {
                view! { <p class="muted">"No run reported yet. Its job reports runs through the ping URLs below."</p> }.into_any()
            } else {
                view! {
                    <RunsTable runs/>
                    <p><a href=format!("/deliveries?automation_id={id}")>"Every delivery for it"</a></p>
                }.into_any()
            }}
        </section>
    }
}

fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// When its runs are expected: the schedule in words, the next run due,
/// and (for those who may) the form to set or remove it.
#[component]
fn ScheduleCard(
    id: i64,
    schedule: Option<ScheduleView>,
    can_edit: bool,
    changed: Callback<()>,
) -> impl IntoView {
    let save = ServerAction::<SaveSchedule>::new();
    let remove = ServerAction::<RemoveSchedule>::new();
    Effect::new(move |_| {
        let saved = matches!(save.value().get(), Some(Ok(SaveOutcome::Saved { .. })));
        let removed = matches!(remove.value().get(), Some(Ok(SaveOutcome::Saved { .. })));
        if saved || removed {
            changed.run(());
        }
    });
    let error = move |field: &'static str| match save.value().get() {
        Some(Ok(SaveOutcome::Invalid(errors))) => errors.get(field).map(str::to_owned),
        _ => None,
    };
    let refused = move || match save.value().get().or_else(|| remove.value().get()) {
        Some(Ok(SaveOutcome::Refused(why))) => Some(why),
        Some(Err(err)) => Some(crate::components::form::server_words(&err)),
        _ => None,
    };
    let current = schedule.as_ref().map(|v| v.schedule.clone());
    let is_cron = current.as_ref().is_some_and(|s| s.cron.is_some());
    let every = current
        .as_ref()
        .and_then(|s| s.period_seconds)
        .map(format_duration)
        .unwrap_or_default();
    let cron = current
        .as_ref()
        .and_then(|s| s.cron.clone())
        .unwrap_or_default();
    let zone = current
        .as_ref()
        .map_or_else(|| "UTC".to_owned(), |s| s.time_zone.clone());
    let grace = current
        .as_ref()
        .map(|s| format_duration(s.grace_seconds))
        .unwrap_or_default();
    let longest = current
        .as_ref()
        .and_then(|s| s.max_duration_seconds)
        .map(format_duration)
        .unwrap_or_default();
    let shortest = current
        .as_ref()
        .and_then(|s| s.min_duration_seconds)
        .map(format_duration)
        .unwrap_or_default();
    let field = move |name: &'static str,
                      label: &'static str,
                      value: String,
                      placeholder: &'static str,
                      hint: &'static str| {
        let input_id = format!("schedule-{name}");
        let hint_id = format!("schedule-{name}-hint");
        view! {
            <div class="field field--form" class:field--invalid=move || error(name).is_some()>
                <label for=input_id.clone()>{label}</label>
                <input id=input_id name=name type="text" value=value placeholder=placeholder
                    aria-describedby=hint_id.clone()/>
                <p class="field__hint" id=hint_id>{hint}</p>
                {move || error(name).map(|why| view! { <p class="field__error" role="alert">{why}</p> })}
            </div>
        }
    };
    view! {
        <section class="card" aria-labelledby="schedule-title">
            <h2 id="schedule-title">"Expected schedule"</h2>
            {match &schedule {
                Some(view) => view! {
                    <p>{view.described.clone()}"."</p>
                    {view.next_due.map(|due| view! {
                        <p>"Next run due "<strong>{when(due)}</strong>
                            {view.missed_after.map(|late| format!("; missed if none has come by {}.", when(late)))}</p>
                    })}
                }.into_any(),
                None => view! {
                    <p class="muted">"No schedule: Baton cannot tell when a run is missing. Say when runs are expected, and a run that does not come is recorded as missed."</p>
                }.into_any(),
            }}
            {can_edit.then(|| view! {
                <ActionForm action=save attr:class="form">
                    <input type="hidden" name="id" value=id/>
                    {move || refused().map(|why| view! { <p class="notice notice--error" role="alert">{why}</p> })}
                    <fieldset class="field field--form field--checks" class:field--invalid=move || error("kind").is_some()>
                        <legend>"Expect a run"</legend>
                        <label><input type="radio" name="kind" value="period" checked=!is_cron/>" every so often, counted from the last run"</label>
                        <label><input type="radio" name="kind" value="cron" checked=is_cron/>" at the times of a cron expression"</label>
                        {move || error("kind").map(|why| view! { <p class="field__error" role="alert">{why}</p> })}
                    </fieldset>
                    <div class="form__row">
                        {field("every", "Every", every.clone(), "1d", "For every so often: 30m, 1h, 1d 12h")}
                        {field("cron", "Cron expression", cron.clone(), "0 2 * * *", "minute hour day month weekday, e.g. 0 2 * * 1-5")}
                        {field("time_zone", "Time zone", zone.clone(), "UTC", "The cron's times are in it: UTC, Europe/Paris, America/New_York")}
                    </div>
                    <div class="form__row">
                        {field("grace", "Grace", grace.clone(), "30m", "How late a run may be before it counts as missed")}
                        {field("max_duration", "Longest a run may take", longest.clone(), "1h", "Optional: a longer run is flagged")}
                        {field("min_duration", "Shortest a run may take", shortest.clone(), "10s", "Optional: a run that ends sooner did nothing, likely")}
                    </div>
                    <div class="form__actions">
                        <button type="submit" class="button button--primary">"Save the schedule"</button>
                    </div>
                </ActionForm>
                {schedule.is_some().then(|| view! {
                    <ActionForm action=remove>
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="button">"Expect nothing"</button>
                    </ActionForm>
                })}
            })}
        </section>
    }
}

/// Naming it in a source: `/ping/<source-key>/<slug>`.
#[component]
fn SlugCard(
    id: i64,
    slug: Option<(i64, String, String)>,
    sources: Vec<(i64, String)>,
    can_edit: bool,
    changed: Callback<()>,
) -> impl IntoView {
    let save = ServerAction::<SetSlug>::new();
    Effect::new(move |_| {
        if let Some(Ok(SaveOutcome::Saved { .. })) = save.value().get() {
            changed.run(());
        }
    });
    let error = move || match save.value().get() {
        Some(Ok(SaveOutcome::Invalid(errors))) => errors.0.first().map(|e| e.message.clone()),
        Some(Ok(SaveOutcome::Refused(why))) => Some(why),
        Some(Err(err)) => Some(crate::components::form::server_words(&err)),
        _ => None,
    };
    let (chosen, current) = slug
        .as_ref()
        .map(|(source, _, slug)| (source.to_string(), slug.clone()))
        .unwrap_or_default();
    let shown = slug.clone().map(|(_, source, slug)| view! {
        <p>"Named "<code class="mono">{slug.clone()}</code>" in the source "<strong>{source}</strong>
            ": its job may also ping "<code>{format!("/ping/<source-key>/{slug}")}</code>"."</p>
    });
    (!sources.is_empty() && (can_edit || slug.is_some())).then(|| view! {
        <section class="card" aria-labelledby="slug-title">
            <h2 id="slug-title">"Name in a source"</h2>
            {shown}
            {can_edit.then(|| view! {
                <ActionForm action=save attr:class="form">
                    <input type="hidden" name="id" value=id/>
                    <div class="form__row">
                        <div class="field field--form">
                            <label for="slug-source">"Source"</label>
                            <select id="slug-source" name="source_id">
                                <option value="" selected=chosen.is_empty()>"None"</option>
                                {sources.iter().map(|(s, name)| view! {
                                    <option value=s.to_string() selected=chosen == s.to_string()>{name.clone()}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="field field--form" class:field--invalid=move || error().is_some()>
                            <label for="slug-slug">"Slug"</label>
                            <input id="slug-slug" name="slug" type="text" value=current.clone()
                                placeholder="nightly-backup" pattern="[a-z0-9_-]{1,100}"
                                aria-describedby="slug-hint"/>
                            <p class="field__hint" id="slug-hint">"a-z, 0-9, '-' and '_'"</p>
                            {move || error().map(|why| view! { <p class="field__error" role="alert">{why}</p> })}
                        </div>
                    </div>
                    <div class="form__actions">
                        <button type="submit" class="button">"Save the name"</button>
                    </div>
                </ActionForm>
            })}
        </section>
    })
}

/// A ping created it: an editor makes it theirs, in an orchestration.
#[component]
fn ClaimCard(id: i64, changed: Callback<()>) -> impl IntoView {
    let claim = ServerAction::<ClaimAutomation>::new();
    // The page reloads its data: owned now, out of the queue.
    Effect::new(move |_| {
        if let Some(Ok(SaveOutcome::Saved { .. })) = claim.value().get() {
            changed.run(());
        }
    });
    let queue = Resource::new(|| (), |_| load_claim_queue());
    view! {
        <section class="card notice notice--warning" aria-labelledby="claim-title">
            <h2 id="claim-title">"Waiting to be claimed"</h2>
            <p>"A tool reported a run of it (a ping or a webhook to a source), so Baton created it. Until someone claims it, it has no owner and belongs to no orchestration."</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let queue = queue.await.ok()?;
                    queue.may_claim.then(|| view! {
                        <ActionForm action=claim attr:class="form">
                            <input type="hidden" name="id" value=id/>
                            <SaveMessages outcome=claim.value().into()/>
                            <div class="field field--form">
                                <label for="claim-orchestration">"Into the orchestration"</label>
                                <select id="claim-orchestration" name="orchestration_id">
                                    <option value="">"None (keep it loose)"</option>
                                    {queue.orchestrations.iter().map(|(o, name)| view! {
                                        <option value=o.to_string()>{name.clone()}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                            <div class="form__actions">
                                <button type="submit" class="button button--primary">"Claim it: I own it"</button>
                            </div>
                        </ActionForm>
                    })
                })}
            </Suspense>
        </section>
    }
}

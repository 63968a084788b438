//! Registering and changing an orchestration; retiring and deleting it.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::pages::not_found::answer_not_found;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::form::{
    FormFooter, SaveMessages, SelectField, TextField, follow_saved, id_options, load_failed,
    track_save,
};
use crate::model::catalog::{Lifecycle, TIERS};
use crate::model::forms::OrchestrationForm;
use crate::server_fns::editing::{
    DeleteOrchestration, RetireOrchestration, SaveOrchestration, open_orchestration_editor,
};
use crate::services::OrchestrationEditor;

/// `/orchestrations/new`.
#[component]
pub fn NewOrchestrationPage() -> impl IntoView {
    let editor = Resource::new(|| (), |_| open_orchestration_editor(None));
    view! { <EditorLoader editor/> }
}

/// `/orchestrations/:slug/edit`.
#[component]
pub fn EditOrchestrationPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug").unwrap_or_default()));
    let editor = Resource::new(
        move || slug.get(),
        |slug| open_orchestration_editor(Some(slug)),
    );
    view! { <EditorLoader editor/> }
}

#[component]
fn EditorLoader(
    editor: Resource<Result<Option<OrchestrationEditor>, ServerFnError>>,
) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the form…"</p> }>
            {move || Suspend::new(async move {
                match editor.await {
                    Ok(Some(editor)) => view! { <Editor editor/> }.into_any(),
                    Ok(None) => {
                        answer_not_found();
                        view! {
                            <Title text="Not found"/>
                            <section class="card">
                                <h1>"No such orchestration"</h1>
                                <p><a href="/orchestrations">"See every orchestration"</a></p>
                            </section>
                        }
                        .into_any()
                    }
                    Err(err) => load_failed("The form could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Editor(editor: OrchestrationEditor) -> impl IntoView {
    let save = ServerAction::<SaveOrchestration>::new();
    let outcome = save.value();
    let (errors, version) = track_save(outcome.into(), editor.version);
    let f = editor.form.clone();
    let title = if editor.id.is_some() {
        format!("Edit {}", f.name)
    } else {
        "Register an orchestration".to_owned()
    };
    let back = match editor.id {
        Some(_) => format!("/orchestrations/{}", f.slug),
        None => "/orchestrations".to_owned(),
    };
    let people = id_options(&editor.choices.people);
    let no_people = people.is_empty();
    let people_hint = if no_people {
        "Nobody has an account yet; leave it empty for now and it is flagged as unowned."
    } else {
        ""
    };
    let tiers: Vec<(String, String)> = TIERS
        .map(|t| {
            let label = match t {
                1 => "1 · most critical",
                2 => "2",
                _ => "3 · least critical",
            };
            (t.to_string(), label.to_owned())
        })
        .collect();
    let lifecycles: Vec<(String, String)> = Lifecycle::ALL
        .into_iter()
        .map(|l| (l.as_str().to_owned(), l.as_str().to_owned()))
        .collect();
    view! {
        <Title text=title.clone()/>
        <div class="page-header">
            <p class="breadcrumb"><a href="/orchestrations">"Orchestrations"</a>" / "</p>
            <h1>{title}</h1>
            <p class="lede">"An orchestration is managed as a product: say what it is for, who answers for it, and what happens when it fails."</p>
        </div>
        <ActionForm action=save attr:class="form card" attr:novalidate=true>
            {editor.id.map(|id| view! { <input type="hidden" name="id" value=id/> })}
            <input type="hidden" name="version" value=move || version.get()/>
            <fieldset class="form__group">
                <legend>"What it is"</legend>
                <TextField label="Name" key="name" value=f.name errors required=true/>
                <TextField label="Slug" key="slug" value=f.slug errors
                    hint="Its address: /orchestrations/<slug>. Left empty, it is made from the name."/>
                <TextField label="Purpose" key="purpose" value=f.purpose errors multiline=true
                    hint="The outcome it exists for, in a sentence a leader understands."/>
                <div class="form__row">
                    <SelectField label="Criticality tier" key="tier" value=f.tier options=tiers errors/>
                    <SelectField label="Lifecycle" key="lifecycle" value=f.lifecycle options=lifecycles errors/>
                </div>
                <TextField label="Tags" key="tags" value=f.tags errors hint="Separated by commas: finance, month-end"/>
            </fieldset>
            <fieldset class="form__group">
                <legend>"Who answers for it"</legend>
                <div class="form__row">
                    <SelectField label="Owner" key="owner_id" value=f.owner_id options=people.clone() errors empty="Nobody yet" hint=people_hint/>
                    <SelectField label="Backup owner" key="backup_owner_id" value=f.backup_owner_id options=people errors empty="Nobody yet"/>
                    <SelectField label="Team" key="team_id" value=f.team_id options=id_options(&editor.choices.teams) errors empty="No team"/>
                </div>
            </fieldset>
            <fieldset class="form__group">
                <legend>"How it works, and how it fails"</legend>
                <div class="form__row">
                    <TextField label="Inputs" key="inputs" value=f.inputs errors multiline=true/>
                    <TextField label="Outputs" key="outputs" value=f.outputs errors multiline=true/>
                </div>
                <TextField label="If it fails silently" key="failure_mode" value=f.failure_mode errors multiline=true
                    hint="What goes wrong, and who notices, when it stops without telling anyone."/>
                <TextField label="Fallback" key="fallback" value=f.fallback errors multiline=true
                    hint="What people do by hand until it works again."/>
                <TextField label="Links" key="links" value=f.links errors multiline=true
                    hint="One a line: label | https://…"/>
            </fieldset>
            <fieldset class="form__group">
                <legend>"Figures"</legend>
                <div class="form__row">
                    <TextField label="Minutes saved per run" key="minutes_saved_per_run" value=f.minutes_saved_per_run errors kind="number"/>
                    <TextField label="Expected runs per week" key="expected_runs_per_week" value=f.expected_runs_per_week errors kind="number"/>
                    <TextField label="Success-rate target (%)" key="success_rate_target" value=f.success_rate_target errors kind="number"
                        hint="Such as 95"/>
                </div>
            </fieldset>
            <FormFooter outcome=outcome.into() labels=&OrchestrationForm::LABELS pending=save.pending().into() back/>
        </ActionForm>
        {editor.id.map(|id| view! { <DangerZone id version slug=editor.form.slug.clone() retired=editor.form.lifecycle == "retired"/> })}
    }
}

/// Retire (kept, with its history) or delete for good (confirmed).
#[component]
fn DangerZone(id: i64, version: RwSignal<i64>, slug: String, retired: bool) -> impl IntoView {
    let retire = ServerAction::<RetireOrchestration>::new();
    let delete = ServerAction::<DeleteOrchestration>::new();
    follow_saved(retire.value().into());
    follow_saved(delete.value().into());
    let confirm_hint = format!("Type {slug} to confirm.");
    view! {
        <section class="card danger" aria-labelledby="danger-title">
            <h2 id="danger-title">"Retire or delete"</h2>
            <div class="grid-2">
                <div>
                    <h3>"Retire"</h3>
                    <p>"A retired orchestration stays in the catalog with its automations, runs and reviews, marked retired. Change the lifecycle back to bring it back."</p>
                    {if retired {
                        view! { <p class="muted">"It is retired."</p> }.into_any()
                    } else {
                        view! {
                            <ActionForm action=retire>
                                <input type="hidden" name="id" value=id/>
                                <input type="hidden" name="version" value=move || version.get()/>
                                <SaveMessages outcome=retire.value().into()/>
                                <button type="submit" class="button">"Retire it"</button>
                            </ActionForm>
                        }.into_any()
                    }}
                </div>
                <div>
                    <h3>"Delete"</h3>
                    <p>"Deleting removes it and its dependencies for good; its automations stay in the inventory, loose. Prefer retiring."</p>
                    <ActionForm action=delete>
                        <input type="hidden" name="id" value=id/>
                        <div class="field field--form">
                            <label for="delete-confirm">{confirm_hint}</label>
                            <input id="delete-confirm" name="confirm" autocomplete="off"/>
                        </div>
                        <SaveMessages outcome=delete.value().into()/>
                        <button type="submit" class="button button--danger">"Delete for good"</button>
                    </ActionForm>
                </div>
            </div>
        </section>
    }
}

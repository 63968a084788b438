//! The dependencies of one orchestration or automation: the list, with a
//! remove button each, and the form that adds one ("A feeds B"), with a
//! picker that searches the catalog by name.

use leptos::prelude::*;

use crate::model::dependencies::{Dependency, Endpoint, NodeKind, NodeRef};
use crate::model::forms::SaveOutcome;
use crate::model::inventory::Tool;
use crate::server_fns::editing::{add_dependency, find_nodes, remove_dependency};

fn describe(e: &Endpoint) -> String {
    match e.node.kind {
        NodeKind::Orchestration => format!("{} (orchestration)", e.name),
        NodeKind::Automation => {
            let tool = e
                .tool
                .as_deref()
                .and_then(Tool::parse)
                .map_or("automation", Tool::label);
            format!("{} ({tool})", e.name)
        }
    }
}

fn link(e: &Endpoint) -> AnyView {
    let href = match (e.node.kind, &e.slug) {
        (NodeKind::Orchestration, Some(slug)) => format!("/orchestrations/{slug}"),
        _ => format!("/automations/{}", e.node.id),
    };
    view! { <a href=href>{e.name.clone()}</a> }.into_any()
}

/// `this` lists what the local end can be (the page's orchestration and
/// its automations, or the automation); `changed` runs after each change.
/// Without `can_edit` the list is shown without its controls.
#[component]
pub fn DependencyEditor(
    this: Vec<(NodeRef, String)>,
    dependencies: Vec<Dependency>,
    changed: Callback<()>,
    can_edit: bool,
) -> impl IntoView {
    let remove = Action::new(|id: &i64| remove_dependency(*id));
    Effect::new(move |_| {
        if let Some(Ok(SaveOutcome::Saved { .. })) = remove.value().get() {
            changed.run(());
        }
    });
    let count = dependencies.len();
    view! {
        <div class="dependency-editor">
            <h3>{format!("Recorded dependencies ({count})")}</h3>
            {if dependencies.is_empty() {
                view! { <p class="muted">"None recorded yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain edges">
                        {dependencies.into_iter().map(|d| {
                            let id = d.id;
                            let label = format!("Remove: {} feeds {}", d.upstream.name, d.downstream.name);
                            view! {
                                <li>
                                    {link(&d.upstream)}" feeds "{link(&d.downstream)}" "
                                    {can_edit.then(|| view! {
                                        <button type="button" class="button button--small" aria-label=label.clone()
                                            on:click=move |_| { remove.dispatch(id); }>"Remove"</button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {can_edit.then(|| view! { <AddDependency this changed/> })}
        </div>
    }
}

#[component]
fn AddDependency(this: Vec<(NodeRef, String)>, changed: Callback<()>) -> impl IntoView {
    let first = this.first().map(|(n, _)| n.key()).unwrap_or_default();
    let local = RwSignal::new(first);
    let direction = RwSignal::new("feeds".to_owned());
    let other = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let find = Action::new(|q: &String| find_nodes(q.clone()));
    let add = Action::new(|(up, down): &(NodeRef, NodeRef)| add_dependency(*up, *down));
    let problem = RwSignal::new(None::<String>);
    Effect::new(move |_| match add.value().get() {
        Some(Ok(SaveOutcome::Saved { .. })) => {
            problem.set(None);
            changed.run(());
        }
        Some(Ok(SaveOutcome::Refused(why))) => problem.set(Some(why)),
        Some(Ok(other)) => problem.set(Some(format!("{other:?}"))),
        Some(Err(err)) => problem.set(Some(format!("The server failed: {err}"))),
        None => {}
    });
    let found = move || find.value().get().and_then(Result::ok).unwrap_or_default();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(local), Some(other)) = (
            NodeRef::from_key(&local.get_untracked()),
            NodeRef::from_key(&other.get_untracked()),
        ) else {
            problem.set(Some(
                "Choose both ends: search for the other one by name.".to_owned(),
            ));
            return;
        };
        let pair = if direction.get_untracked() == "feeds" {
            (local, other)
        } else {
            (other, local)
        };
        add.dispatch(pair);
    };
    view! {
        <form class="dependency-form" on:submit=submit aria-labelledby="add-dependency">
            <h3 id="add-dependency">"Add a dependency"</h3>
            <div class="form__row">
                <div class="field field--form">
                    <label for="dep-this">"This end"</label>
                    <select id="dep-this" on:change=move |ev| local.set(event_target_value(&ev))>
                        {this.into_iter().map(|(node, name)| view! { <option value=node.key()>{name}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field field--form">
                    <label for="dep-direction">"Direction"</label>
                    <select id="dep-direction" on:change=move |ev| direction.set(event_target_value(&ev))>
                        <option value="feeds">"feeds (it is upstream)"</option>
                        <option value="fed">"is fed by (it is downstream)"</option>
                    </select>
                </div>
                <div class="field field--form">
                    <label for="dep-search">"The other end"</label>
                    <input id="dep-search" type="search" placeholder="Search by name" autocomplete="off"
                        on:input=move |ev| {
                            let q = event_target_value(&ev);
                            query.set(q.clone());
                            other.set(String::new());
                            find.dispatch(q);
                        }/>
                    <select id="dep-other" aria-label="Matches" size="5"
                        on:change=move |ev| other.set(event_target_value(&ev))>
                        {move || found().into_iter().map(|e| view! { <option value=e.node.key()>{describe(&e)}</option> }).collect_view()}
                    </select>
                    <p class="field__hint">{move || {
                        let n = found().len();
                        if query.get().trim().is_empty() { "Type part of a name, then choose.".to_owned() }
                        else if n == 0 { "Nothing by that name.".to_owned() }
                        else { format!("{n} match{}: choose one.", if n == 1 { "" } else { "es" }) }
                    }}</p>
                </div>
            </div>
            {move || problem.get().map(|why| view! { <div class="notice notice--error" role="alert"><p>{why}</p></div> })}
            <button type="submit" class="button button--primary" disabled=move || add.pending().get()>"Add dependency"</button>
        </form>
    }
}

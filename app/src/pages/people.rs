//! `/admin/people`: everyone with an account — add someone, change a role,
//! deactivate or reactivate — and the teams with their members.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::form::load_failed;
use crate::model::forms::SaveOutcome;
use crate::model::people::{Directory, PersonView, TeamView};
use crate::server_fns::account::{
    AddPerson, ChangeRole, CreateTeam, SetActive, SetMembership, load_directory,
};

const ROLES: [(&str, &str); 3] = [
    ("viewer", "Viewer: sees everything, changes nothing"),
    ("editor", "Editor: creates, changes what they own"),
    ("admin", "Admin: everything"),
];

/// Why a change on this page was refused, in one sentence, if it was.
#[component]
fn Refusal(outcome: crate::components::form::Outcome) -> impl IntoView {
    let why = move || match outcome.get() {
        Some(Ok(SaveOutcome::Invalid(errors))) => Some(
            errors
                .0
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Some(Ok(SaveOutcome::Refused(why))) => Some(why),
        Some(Err(err)) => Some(crate::components::form::server_words(&err)),
        _ => None,
    };
    move || {
        why().map(|why| {
            let mut chars = why.chars();
            let why: String = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            view! { <p class="notice notice--error" role="alert">{why}"."</p> }
        })
    }
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    let add = ServerAction::<AddPerson>::new();
    let role = ServerAction::<ChangeRole>::new();
    let active = ServerAction::<SetActive>::new();
    let team = ServerAction::<CreateTeam>::new();
    let member = ServerAction::<SetMembership>::new();
    let directory = Resource::new(
        move || {
            (
                add.version().get(),
                role.version().get(),
                active.version().get(),
                team.version().get(),
                member.version().get(),
            )
        },
        |_| load_directory(),
    );
    let actions = Actions {
        role,
        active,
        member,
    };
    // Emptied once someone is added, ready for the next.
    let add_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(Ok(SaveOutcome::Saved { .. })) = add.value().get()
            && let Some(form) = add_form.get()
        {
            form.reset();
        }
    });
    view! {
        <Title text="People and teams"/>
        <div class="page-header">
            <p class="breadcrumb"><a href="/admin">"Admin"</a>" / "</p>
            <h1>"People and teams"</h1>
            <p class="lede">"Who can sign in, and what they may do. Deactivating someone keeps their history; what they owned becomes unowned, flagged for a new owner."</p>
        </div>
        <Refusal outcome=role.value().into()/>
        <Refusal outcome=active.value().into()/>
        <Refusal outcome=member.value().into()/>
        <Suspense fallback=|| view! { <p class="muted">"Loading people…"</p> }>
            {move || Suspend::new(async move {
                match directory.await {
                    // Adding is offered only to those the directory was
                    // shown to: administrators.
                    Ok(directory) => view! {
                        <DirectoryView directory actions/>
                        <AddForms add team add_form/>
                    }.into_any(),
                    Err(err) => load_failed("People could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

/// Adding a person and adding a team.
#[component]
fn AddForms(
    add: ServerAction<AddPerson>,
    team: ServerAction<CreateTeam>,
    add_form: NodeRef<leptos::html::Form>,
) -> impl IntoView {
    view! {
        <div class="grid-2">
            <section class="card" aria-labelledby="add-person">
                <h2 id="add-person">"Add a person"</h2>
                <ActionForm action=add node_ref=add_form attr:class="form">
                    <Field label="Email" name="email" kind="email" outcome=add/>
                    <Field label="Name" name="display_name" kind="text" outcome=add/>
                    <div class="field field--form">
                        <label for="new-role">"Role"</label>
                        <select id="new-role" name="role">
                            {ROLES.iter().map(|(value, label)| view! {
                                <option value=*value selected=*value == "viewer">{*label}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <Field label="First password (12 characters or more; give it to them)" name="password" kind="password" outcome=add/>
                    <div class="form__actions">
                        <button type="submit" class="button button--primary">"Add"</button>
                    </div>
                    {move || matches!(add.value().get(), Some(Ok(SaveOutcome::Saved { .. })))
                        .then(|| view! { <p class="notice notice--ok" role="status">"Added: they can sign in now."</p> })}
                </ActionForm>

            </section>
            <section class="card" aria-labelledby="add-team">
                <h2 id="add-team">"Add a team"</h2>
                <ActionForm action=team attr:class="form">
                    <Field label="Team name" name="name" kind="text" outcome=team/>
                    <div class="form__actions">
                        <button type="submit" class="button button--primary">"Add the team"</button>
                    </div>
                </ActionForm>
            </section>
        </div>
    }
}

/// A text field whose message comes from `outcome`.
#[component]
fn Field<A>(
    label: &'static str,
    name: &'static str,
    kind: &'static str,
    outcome: ServerAction<A>,
) -> impl IntoView
where
    A: leptos::server_fn::ServerFn<Output = SaveOutcome> + Clone + Send + Sync + 'static,
    A::Error: Clone + Send + Sync + 'static,
    ServerAction<A>: Copy,
{
    let id = format!("person-{name}");
    let message_id = format!("{id}-message");
    let error = move || match outcome.value().get() {
        Some(Ok(SaveOutcome::Invalid(errors))) => errors.get(name).map(str::to_owned),
        _ => None,
    };
    view! {
        <div class="field field--form" class:field--invalid=move || error().is_some()>
            <label for=id.clone()>{label}</label>
            <input id=id name=name type=kind required
                aria-invalid=move || error().is_some().to_string()
                aria-describedby={
                    let message_id = message_id.clone();
                    move || error().map(|_| message_id.clone())
                }/>
            {move || error().map(|why| view! { <p class="field__error" id=message_id.clone()>{why}</p> })}
        </div>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    role: ServerAction<ChangeRole>,
    active: ServerAction<SetActive>,
    member: ServerAction<SetMembership>,
}

#[component]
fn DirectoryView(directory: Directory, actions: Actions) -> impl IntoView {
    let everyone: Vec<(i64, String)> = directory
        .people
        .iter()
        .filter(|p| p.active)
        .map(|p| (p.id, p.display_name.clone()))
        .collect();
    view! {
        <div class="table-wrap">
            <table class="table people">
                <caption>{format!("{} people", directory.people.len())}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Teams"</th>
                        <th scope="col">"Access"</th>
                    </tr>
                </thead>
                <tbody>
                    {directory.people.into_iter().map(|p| view! { <PersonRow person=p actions/> }).collect_view()}
                </tbody>
            </table>
        </div>
        <h2>"Teams"</h2>
        {if directory.teams.is_empty() {
            view! { <p class="muted">"No teams yet."</p> }.into_any()
        } else {
            view! {
                <div class="grid-2">
                    {directory.teams.into_iter().map(|t| view! { <TeamCard team=t everyone=everyone.clone() actions/> }).collect_view()}
                </div>
            }.into_any()
        }}
    }
}

#[component]
fn PersonRow(person: PersonView, actions: Actions) -> impl IntoView {
    let role_id = format!("role-{}", person.id);
    let current = person.role.as_str();
    let name = person.display_name.clone();
    let (role_label, save_label, deactivate_label, reactivate_label) = (
        format!("Role of {name}"),
        format!("Save the role of {name}"),
        format!("Deactivate {name}"),
        format!("Reactivate {name}"),
    );
    view! {
        <tr class:row--muted=!person.active>
            <th scope="row">{person.display_name.clone()}</th>
            <td class="mono">{person.email.clone()}</td>
            <td>
                <ActionForm action=actions.role attr:class="inline-form">
                    <input type="hidden" name="id" value=person.id/>
                    <label class="visually-hidden" for=role_id.clone()>{role_label}</label>
                    <select id=role_id name="role" disabled=!person.active>
                        {ROLES.iter().map(|(value, _)| view! {
                            <option value=*value selected=*value == current>{*value}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="button button--small" disabled=!person.active
                        aria-label=save_label>"Save"</button>
                </ActionForm>
            </td>
            <td>{if person.teams.is_empty() { "—".to_owned() } else { person.teams.join(", ") }}</td>
            <td>
                <ActionForm action=actions.active attr:class="inline-form">
                    <input type="hidden" name="id" value=person.id/>
                    <input type="hidden" name="active" value=(!person.active).to_string()/>
                    {if person.active {
                        view! {
                            <button type="submit" class="button button--small button--danger"
                                aria-label=deactivate_label.clone()
                                on:click=crate::components::form::confirm_first("Deactivate them? They can no longer sign in, and what they own becomes unowned.")>"Deactivate"</button>
                        }.into_any()
                    } else {
                        view! {
                            <span class="flag flag--risk">"Deactivated"</span>" "
                            <button type="submit" class="button button--small"
                                aria-label=reactivate_label.clone()>"Reactivate"</button>
                        }.into_any()
                    }}
                </ActionForm>
            </td>
        </tr>
    }
}

#[component]
fn TeamCard(team: TeamView, everyone: Vec<(i64, String)>, actions: Actions) -> impl IntoView {
    let select_id = format!("team-{}-add", team.id);
    let (team_id, team_name) = (team.id, team.name.clone());
    let card_label = format!("Team {}", team.name);
    let add_label = format!("Add to {}", team.name);
    let members: Vec<(i64, String, String)> = team
        .members
        .iter()
        .map(|(id, name)| (*id, name.clone(), format!("Remove {name} from {team_name}")))
        .collect();
    let outside: Vec<(i64, String)> = everyone
        .into_iter()
        .filter(|(id, _)| !team.members.iter().any(|(m, _)| m == id))
        .collect();
    view! {
        <section class="card" aria-label=card_label>
            <h3>{team.name.clone()}" "<span class="table__sub mono">{team.slug.clone()}</span></h3>
            {if members.is_empty() {
                view! { <p class="muted">"No members yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain edges">
                        {members.into_iter().map(|(id, name, label)| view! {
                            <li>
                                {name}" "
                                <ActionForm action=actions.member attr:class="inline-form">
                                    <input type="hidden" name="team" value=team_id/>
                                    <input type="hidden" name="user" value=id/>
                                    <input type="hidden" name="member" value="false"/>
                                    <button type="submit" class="button button--small"
                                        aria-label=label>"Remove"</button>
                                </ActionForm>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(!outside.is_empty()).then(|| view! {
                <ActionForm action=actions.member attr:class="inline-form">
                    <input type="hidden" name="team" value=team_id/>
                    <input type="hidden" name="member" value="true"/>
                    <label for=select_id.clone()>"Add "</label>
                    <select id=select_id name="user">
                        {outside.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="button button--small">{add_label.clone()}</button>
                </ActionForm>
            })}
        </section>
    }
}

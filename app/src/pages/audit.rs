//! `/admin`: the administration, and `/admin/audit`: the audit log — who
//! did what, when, from what to what — filtered by what was done, by whom
//! and when, newest first. It can be read, never changed.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::form::{NotAllowed, load_failed};
use crate::components::pager::{Pager, page_count};
use crate::model::audit::{AuditEntry, AuditFilter, AuditPage};
use crate::pages::not_found::answer_forbidden;
use crate::sections::Section;
use crate::server_fns::account::load_audit;

/// What the log can be narrowed to, by the action's name or prefix.
const ACTIONS: &[(&str, &str)] = &[
    ("", "Everything"),
    ("orchestration.", "Orchestrations"),
    ("automation.", "Automations"),
    ("dependency.", "Dependencies"),
    ("inventory.", "Inventory imports"),
    ("catalog.", "Catalog imports"),
    ("token.", "API tokens"),
    ("source.", "Sources"),
    ("delivery.", "Delivery replays"),
    ("user.", "People and sign-ins"),
    ("user.sign_in_failed", "Failed sign-ins"),
];

/// The administration's areas: the heading's id, the address, the title
/// and what is done there.
const ADMIN_AREAS: &[(&str, &str, &str, &str)] = &[
    (
        "people-link",
        "/admin/people",
        "People and teams",
        "Add people, change their roles, deactivate and reactivate them; teams and their members.",
    ),
    (
        "sources-link",
        "/admin/sources",
        "Sources",
        "Where tools report from: each source's team, its key and its URLs; key rotation.",
    ),
    (
        "channels-link",
        "/admin/channels",
        "Alert channels",
        "Where incidents are told: each person's and each team's webhooks, with their signing secrets.",
    ),
    (
        "audit-link",
        "/admin/audit",
        "Audit log",
        "Every change to the catalog, people and tokens, with who made it and what it was before; every sign-in and failed sign-in.",
    ),
];

/// `/admin`.
#[component]
pub fn AdminPage() -> impl IntoView {
    let section = Section::Admin;
    view! {
        <Title text=section.title()/>
        <div class="page-header">
            <h1>{section.title()}</h1>
            <p class="lede">{section.purpose()}</p>
        </div>
        <Suspense fallback=|| ()>
            {move || crate::session::me().map(|me| if me.is_admin() {
                ADMIN_AREAS.iter().map(|(id, href, title, what)| view! {
                    <section class="card" aria-labelledby=*id>
                        <h2 id=*id><a href=*href>{*title}</a></h2>
                        <p>{*what}</p>
                    </section>
                }).collect_view().into_any()
            } else {
                answer_forbidden();
                view! {
                    <NotAllowed why="only administrators manage people and teams, sources, alert channels and the audit log".to_owned()/>
                }.into_any()
            })}
        </Suspense>
        {(!section.coming().is_empty()).then(|| view! {
            <section class="card card--placeholder" aria-labelledby="admin-coming">
                <h2 id="admin-coming"><span class="badge">"Coming soon"</span></h2>
                <ul class="checklist">
                    {section.coming().iter().map(|item| view! { <li>{*item}</li> }).collect_view()}
                </ul>
            </section>
        })}
    }
}

/// A recorded state's fields that say something (not empty, not ids of
/// bookkeeping), as text.
fn fields(state: &serde_json::Value) -> Vec<(String, String)> {
    let Some(object) = state.as_object() else {
        return vec![("value".to_owned(), state.to_string())];
    };
    object
        .iter()
        .filter(|(key, _)| !matches!(key.as_str(), "version" | "created_at" | "updated_at"))
        .filter_map(|(key, value)| {
            let text = match value {
                serde_json::Value::Null => return None,
                serde_json::Value::String(s) if s.is_empty() => return None,
                serde_json::Value::Array(a) if a.is_empty() => return None,
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Some((key.clone(), text))
        })
        .collect()
}

fn when(entry: &AuditEntry) -> String {
    entry.at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `/admin/audit`.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        query.with(|q| {
            let text = |key: &str| q.get(key).filter(|v| !v.trim().is_empty());
            (
                AuditFilter {
                    action: text("action"),
                    actor_id: text("actor_id").and_then(|v| v.parse().ok()),
                    subject_kind: text("subject_kind"),
                    subject_id: text("subject_id").and_then(|v| v.parse().ok()),
                    from: text("from").and_then(|v| v.parse().ok()),
                    to: text("to").and_then(|v| v.parse().ok()),
                },
                text("page").and_then(|v| v.parse().ok()).unwrap_or(1u32),
            )
        })
    });
    let log = Resource::new(
        move || filter.get(),
        |(filter, page)| load_audit(filter, page),
    );
    view! {
        <Title text="Audit log"/>
        <div class="page-header">
            <p class="breadcrumb"><a href="/admin">"Admin"</a>" / "</p>
            <h1>"Audit log"</h1>
            <p class="lede">"Who changed what, and when, with what it was before. Entries are only ever added."</p>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading the audit log…"</p> }>
            {move || Suspend::new(async move {
                match log.await {
                    Ok(page) => view! { <AuditView page filter=filter.get_untracked().0/> }.into_any(),
                    Err(err) => load_failed("The audit log could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AuditView(page: AuditPage, filter: AuditFilter) -> impl IntoView {
    let chosen = filter.action.clone().unwrap_or_default();
    let who = filter.actor_id;
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let pages = page_count(page.total, page.per_page);
    let number = page.page;
    let link = {
        let filter = filter.clone();
        move |to: u32| {
            let mut parts = vec![format!("page={to}")];
            if let Some(a) = &filter.action {
                parts.push(format!("action={a}"));
            }
            if let Some(a) = filter.actor_id {
                parts.push(format!("actor_id={a}"));
            }
            if let Some(d) = filter.from {
                parts.push(format!("from={d}"));
            }
            if let Some(d) = filter.to {
                parts.push(format!("to={d}"));
            }
            format!("/admin/audit?{}", parts.join("&"))
        }
    };
    view! {
        <form class="filters" method="get" action="/admin/audit">
            <div class="field">
                <label for="audit-action">"What"</label>
                <select id="audit-action" name="action">
                    {ACTIONS.iter().map(|(value, label)| view! {
                        <option value=*value selected=chosen == *value>{*label}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="audit-actor">"Who"</label>
                <select id="audit-actor" name="actor_id">
                    <option value="">"Anyone"</option>
                    {page.people.iter().map(|(id, name)| view! {
                        <option value=id.to_string() selected=who == Some(*id)>{name.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="audit-from">"From"</label>
                <input id="audit-from" name="from" type="date" value=date(filter.from)/>
            </div>
            <div class="field">
                <label for="audit-to">"To"</label>
                <input id="audit-to" name="to" type="date" value=date(filter.to)/>
            </div>
            <div class="filters__actions">
                <button type="submit" class="button">"Show"</button>
                <a href="/admin/audit">"Clear"</a>
            </div>
        </form>
        <p class="muted">{format!("{} entries", page.total)}</p>
        {if page.entries.is_empty() {
            view! { <p class="muted">"Nothing recorded matches."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table audit">
                        <caption>"Newest first"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"When"</th>
                                <th scope="col">"Who"</th>
                                <th scope="col">"What"</th>
                                <th scope="col">"On"</th>
                                <th scope="col">"Before → after"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {page.entries.into_iter().map(|e| view! { <Row entry=e/> }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <Pager page=number pages link labels=("Newer", "Older")/>
    }
}

#[component]
fn Row(entry: AuditEntry) -> impl IntoView {
    let changes = entry.changes();
    let detail = if !changes.is_empty() {
        view! {
            <ul class="plain audit__changes">
                {changes.into_iter().map(|(field, before, after)| view! {
                    <li><span class="mono">{field}</span>": "{before}" → "{after}</li>
                }).collect_view()}
            </ul>
        }
        .into_any()
    } else if let Some(state) = entry.after.as_ref().or(entry.before.as_ref()) {
        let side = if entry.after.is_some() { "now" } else { "was" };
        view! {
            <ul class="plain audit__changes" aria-label=side>
                {fields(state).into_iter().map(|(field, value)| view! {
                    <li><span class="mono">{field}</span>": "{value}</li>
                }).collect_view()}
            </ul>
        }
        .into_any()
    } else {
        view! { <span class="muted">"—"</span> }.into_any()
    };
    let failed = entry.action.contains("failed") || entry.action.contains("throttled");
    view! {
        <tr class:row--error=failed>
            <td class="mono">{when(&entry)}</td>
            <td>{entry.actor_label.clone()}
                {entry.client.clone().map(|c| view! { <span class="table__sub">{format!("from {c}")}</span> })}
            </td>
            <td class="mono">{entry.action.clone()}</td>
            <td>{entry.subject_label.clone()}<span class="table__sub">{entry.subject_kind.clone()}</span></td>
            <td>{detail}</td>
        </tr>
    }
}

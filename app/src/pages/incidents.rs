//! `/incidents`: open and past incidents, newest first; `/incidents/:id`:
//! one incident with its timeline (opened, joined, held, escalated,
//! acknowledged, resolved) and every alert with where it is, and the
//! Acknowledge button for those who may.

use chrono::{DateTime, Utc};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::form::{SaveMessages, follow_saved, load_failed};
use crate::components::live::{LiveStatus, use_live};
use crate::components::pager::{Pager, page_count};
use crate::components::runs::HistoryTable;
use crate::model::health::format_span;
use crate::model::incidents::{
    Alert, AlertState, Incident, TimelineLine, Told, ToldState, level_label, timeline,
};
use crate::pages::not_found::answer_not_found;
use crate::sections::Section;
use crate::server_fns::incidents::{AcknowledgeIncident, load_incident, load_incidents};
use crate::services::{IncidentScreen, IncidentsScreen};

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The state as a badge: a word and a border, never colour alone.
#[component]
fn StateBadge(incident: Incident) -> impl IntoView {
    let state = incident.state();
    let class = match state {
        "resolved" => "status status--ok",
        "acknowledged" | "held" => "status status--running",
        _ => "status status--bad",
    };
    let word = match state {
        "resolved" => "Resolved",
        "acknowledged" => "Acknowledged",
        "held" => "Held",
        _ => "Open",
    };
    view! { <span class=class>{word}</span> }
}

/// `/incidents`.
#[component]
pub fn IncidentsPage() -> impl IntoView {
    let query = use_query_map();
    let state =
        Memo::new(move |_| query.with(|q| q.get("state").unwrap_or_else(|| "open".to_owned())));
    let page = Memo::new(move |_| {
        query.with(|q| {
            q.get("page")
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(1)
        })
    });
    // Incidents open, join and close as runs arrive: the list follows.
    let live = use_live();
    let incidents = Resource::new(
        move || (state.get(), page.get(), live.version.get()),
        |(state, page, _)| load_incidents(state, page),
    );
    view! {
        <Title text=Section::Incidents.title()/>
        <div class="page-header">
            <h1>{Section::Incidents.title()}</h1>
            <p class="lede">{Section::Incidents.purpose()}</p>
        </div>
        <nav class="tabs" aria-label="Which incidents">
            {["open", "resolved", "all"].into_iter().map(|tab| {
                let label = match tab { "open" => "Open", "resolved" => "Resolved", _ => "All" };
                view! {
                    <a href=format!("/incidents?state={tab}")
                        aria-current=move || (state.get() == tab).then_some("page")>{label}</a>
                }
            }).collect_view()}
        </nav>
        <LiveStatus live/>
        <Transition fallback=|| view! { <p class="muted">"Loading incidents…"</p> }>
            {move || Suspend::new(async move {
                match incidents.await {
                    Ok(screen) => view! { <IncidentList screen/> }.into_any(),
                    Err(err) => load_failed("The incidents could not be loaded", err),
                }
            })}
        </Transition>
    }
}

#[component]
fn IncidentList(screen: IncidentsScreen) -> impl IntoView {
    let state = screen.state.clone();
    let pages = page_count(screen.total, screen.per_page);
    let link = move |p: u32| format!("/incidents?state={state}&page={p}");
    if screen.incidents.is_empty() {
        let none = match screen.state.as_str() {
            "open" => {
                "No open incident: every automation's latest run is fine, or nobody has reported a failure."
            }
            "resolved" => "No incident has been resolved yet.",
            _ => "No incident yet. A failed, missed or too-long run opens one.",
        };
        return view! { <section class="card"><p>{none}</p></section> }.into_any();
    }
    let count = screen.total;
    view! {
        <div class="table-wrap">
            <table class="table">
                <caption>{format!("{count} incident{}", if count == 1 { "" } else { "s" })}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Incident"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Opened"</th>
                        <th scope="col">"Told"</th>
                        <th scope="col" class="num">"Failing runs"</th>
                    </tr>
                </thead>
                <tbody>
                    {screen.incidents.into_iter().map(|i| {
                        let nobody = i.told.state().is_nobody();
                        let told = i.told.short();
                        let acknowledged = i.acknowledged_by.clone().map(|by| format!("acknowledged by {by}"));
                        let lasted = i.resolved_at.map(|end| format!("lasted {}", format_span((end - i.opened_at).num_milliseconds())));
                        view! {
                            <tr>
                                <th scope="row">
                                    <a class="table__name" href=format!("/incidents/{}", i.id)>{format!("#{} {}", i.id, i.title())}</a>
                                    {i.orchestration.clone().map(|(slug, name)| view! {
                                        <a class="table__sub" href=format!("/orchestrations/{slug}")>{name}</a>
                                    })}
                                </th>
                                <td data-label="State"><StateBadge incident=i.clone()/></td>
                                <td data-label="Opened" class="mono">{when(i.opened_at)}{lasted.map(|l| view! { <span class="table__sub">{l}</span> })}</td>
                                <td data-label="Told">
                                    {if nobody {
                                        view! { <span class="status status--bad">{told}</span> }.into_any()
                                    } else {
                                        view! { <span>{told}</span> }.into_any()
                                    }}
                                    {acknowledged.map(|a| view! { <span class="table__sub">{a}</span> })}
                                </td>
                                <td data-label="Failing runs" class="num">{i.troubles}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pager page=screen.page pages link labels=("Newer", "Older")/>
    }
    .into_any()
}

/// `/incidents/:id`.
#[component]
pub fn IncidentPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())));
    let acknowledge = ServerAction::<AcknowledgeIncident>::new();
    let incident = Resource::new(
        move || (id.get(), acknowledge.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_incident(id).await,
                None => Ok(None),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the incident…"</p> }>
            {move || Suspend::new(async move {
                match incident.await {
                    Ok(Some(screen)) => view! { <IncidentView screen acknowledge/> }.into_any(),
                    Ok(None) => {
                        answer_not_found();
                        view! {
                            <Title text="Not found"/>
                            <section class="card">
                                <h1>"No such incident"</h1>
                                <p><a href="/incidents">"See the incidents"</a>"."</p>
                            </section>
                        }.into_any()
                    }
                    Err(err) => load_failed("The incident could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn IncidentView(
    screen: IncidentScreen,
    acknowledge: ServerAction<AcknowledgeIncident>,
) -> impl IntoView {
    follow_saved(acknowledge.value().into());
    let d = screen.detail;
    let i = d.incident.clone();
    let title = format!("Incident #{}: {}", i.id, i.title());
    let runbook = i
        .orchestration
        .clone()
        .map(|(slug, _)| format!("/orchestrations/{slug}/runbook#{}", i.kind.anchor()));
    let duration =
        format_span((i.resolved_at.unwrap_or(i.last_trouble_at) - i.opened_at).num_milliseconds());
    view! {
        <Title text=title.clone()/>
        <div class="page-header">
            <p class="breadcrumb"><a href="/incidents">"Incidents"</a>" / "</p>
            <h1>{title}</h1>
            <p class="lede"><StateBadge incident=i.clone()/>" "
                {match (i.resolved_at, i.acknowledged_by.clone()) {
                    (Some(end), _) => format!("Resolved {} after {duration}.", when(end)),
                    (None, Some(by)) => format!("{by} acknowledged it {}; escalation has stopped.", i.acknowledged_at.map(when).unwrap_or_default()),
                    (None, None) if i.held_by.is_some() => "Its alerts are held while an upstream incident is open.".to_owned(),
                    (None, None) => "Nobody has acknowledged it yet.".to_owned(),
                }}
            </p>
            <ToldNotice told=i.told.clone()/>
        </div>
        <div class="grid-2">
            <section class="card" aria-labelledby="incident-facts">
                <h2 id="incident-facts">"What happened"</h2>
                <dl class="facts">
                    <dt>"Automation"</dt><dd><a href=format!("/automations/{}", i.automation_id)>{i.automation.clone()}</a></dd>
                    <dt>"Orchestration"</dt>
                    <dd>{match i.orchestration.clone() {
                        Some((slug, name)) => view! { <a href=format!("/orchestrations/{slug}")>{name}</a> }.into_any(),
                        None => view! { <span class="muted">"None: a loose automation"</span> }.into_any(),
                    }}</dd>
                    <dt>"Opened"</dt><dd class="mono">{when(i.opened_at)}</dd>
                    <dt>"Latest failing run"</dt><dd class="mono">{when(i.last_trouble_at)}</dd>
                    <dt>"Failing runs"</dt><dd>{i.troubles}</dd>
                    <dt>"Escalation"</dt><dd>{format!("the {}’s step, since {}", level_label(i.level), when(i.level_at))}</dd>
                    {d.held_for.clone().map(|up| view! {
                        <dt>"Held for"</dt><dd><a href=format!("/incidents/{}", i.held_by.unwrap_or_default())>{up}</a></dd>
                    })}
                    {runbook.map(|href| view! {
                        <dt>"Runbook"</dt><dd><a href=href>{format!("The runbook's “{}” section", i.kind.verb())}</a></dd>
                    })}
                </dl>
                {screen.can_acknowledge.then(|| view! {
                    <ActionForm action=acknowledge>
                        <input type="hidden" name="id" value=i.id/>
                        <SaveMessages outcome=acknowledge.value().into()/>
                        <p class="muted">"Acknowledging says you are on it: nobody else is told."</p>
                        <button type="submit" class="button button--primary">"Acknowledge"</button>
                    </ActionForm>
                })}
            </section>
            <section class="card" aria-labelledby="incident-timeline">
                <h2 id="incident-timeline">"Timeline"</h2>
                <ol class="timeline">
                    {timeline(d.events).into_iter().map(|line| view! { <TimelineEntry line/> }).collect_view()}
                </ol>
            </section>
        </div>
        <section class="card" aria-labelledby="incident-runs">
            <h2 id="incident-runs">"Failing runs"</h2>
            {if d.runs.is_empty() {
                view! { <p class="muted">"None kept: its runs are past their retention."</p> }.into_any()
            } else {
                let shown = d.runs.len();
                let caption = if i64::try_from(shown).unwrap_or(i64::MAX) < i.troubles {
                    format!("The newest {shown} of its {} failing runs", i.troubles)
                } else if shown == 1 {
                    "The run that opened it".to_owned()
                } else {
                    format!("Its {shown} failing runs, newest first")
                };
                view! { <HistoryTable runs=d.runs caption/> }.into_any()
            }}
        </section>
        <section class="card" aria-labelledby="incident-alerts">
            <h2 id="incident-alerts">"Alerts"</h2>
            {if d.alerts.is_empty() {
                view! { <p class="muted">"No alert was made: nobody concerned had an alert channel when it opened."</p> }.into_any()
            } else {
                view! { <AlertTable alerts=d.alerts/> }.into_any()
            }}
        </section>
    }
}

/// Who was told, as it happened; nobody told is its own red state, with
/// what to do about it.
#[component]
fn ToldNotice(told: Told) -> impl IntoView {
    let state = told.state();
    let class = match state {
        ToldState::Told => "notice notice--ok told",
        ToldState::Sending | ToldState::Held => "notice notice--warning told",
        ToldState::NoChannel | ToldState::AllFailed => "notice notice--error told told--nobody",
    };
    view! {
        <div class=class role=state.is_nobody().then_some("alert")>
            <p><strong>{told.summary()}</strong></p>
            {told.remedy().map(|what| view! { <p>{what}</p> })}
        </div>
    }
}

/// One line of the timeline; collapsed runs show the span they cover.
#[component]
fn TimelineEntry(line: TimelineLine) -> impl IntoView {
    let span = line.until.map(|until| {
        let to = if until.date_naive() == line.at.date_naive() {
            until.format("%H:%M").to_string()
        } else {
            when(until)
        };
        format!("{}–{to}", when(line.at))
    });
    view! {
        <li>
            <span class="mono">{span.unwrap_or_else(|| when(line.at))}</span>" "
            <strong>{line.label()}</strong>
            <span class="timeline__detail">
                {(line.count > 1).then_some("The last: ")}
                {line.detail}
            </span>
        </li>
    }
}

fn alert_state(alert: &Alert) -> (&'static str, &'static str) {
    match alert.state {
        AlertState::Sent => ("Sent", "status status--ok"),
        AlertState::Pending if alert.attempts > 0 => ("Retrying", "status status--running"),
        AlertState::Pending => ("Queued", "status status--running"),
        AlertState::Held => ("Held", "status status--running"),
        AlertState::Withheld => ("Withheld", "status"),
        AlertState::Failed => ("Failed", "status status--bad"),
    }
}

#[component]
fn AlertTable(alerts: Vec<Alert>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Channel"</th>
                        <th scope="col">"Why"</th>
                        <th scope="col">"State"</th>
                        <th scope="col" class="num">"Tries"</th>
                        <th scope="col">"When"</th>
                    </tr>
                </thead>
                <tbody>
                    {alerts.into_iter().map(|a| {
                        let (label, class) = alert_state(&a);
                        let when_text = match (a.sent_at, a.state) {
                            (Some(at), _) => format!("sent {}", when(at)),
                            (None, AlertState::Pending) => format!("next try {}", when(a.next_attempt_at)),
                            _ => when(a.created_at),
                        };
                        view! {
                            <tr>
                                <th scope="row">{a.channel.clone()}</th>
                                <td data-label="Why">{a.kind.as_str()}
                                    {(!a.note.is_empty()).then(|| view! { <span class="table__sub">{a.note.clone()}</span> })}</td>
                                <td data-label="State"><span class=class>{label}</span>
                                    {(!a.last_error.is_empty()).then(|| view! { <span class="table__sub">{a.last_error.clone()}</span> })}</td>
                                <td data-label="Tries" class="num">{a.attempts}</td>
                                <td data-label="When" class="mono">{when_text}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

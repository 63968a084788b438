//! One orchestration as a product: its card, its leverage with the parts
//! it is made of, its automations, and what feeds it and what it feeds.

use leptos::prelude::*;

use crate::pages::not_found::answer_not_found;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::automations::AutomationTable;
use crate::components::dependencies::DependencyEditor;
use crate::components::form::{load_failed, text_or_missing};
use crate::components::graph::{DependencyGraph, kind_label};
use crate::components::health::HealthCard;
use crate::components::leverage::LeverageCard;
use crate::components::live::{Live, LiveStatus, use_live};
use crate::components::pager::{Pager, page_count};
use crate::components::runbook::RunbookCard;
use crate::components::runs::HistoryTable;
use crate::model::dependencies::{GraphNode, NodeKind, NodeRef};
use crate::model::health::PauseTarget;
use crate::model::incidents::{AlertPlan, Incident};
use crate::model::ingestion::{RunFilter, RunStatus};
use crate::pages::reviews::ReviewsCard;
use crate::server_fns::ingestion::load_run_history;
use crate::server_fns::inventory::load_orchestration;
use crate::services::MemberIngestion;
use crate::services::OrchestrationPage as Page;
use leptos_router::hooks::use_query_map;

#[component]
pub fn OrchestrationPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.with(|p| p.get("slug").unwrap_or_default()));
    let page = Resource::new(move || slug.get(), load_orchestration);
    let changed = Callback::new(move |()| page.refetch());
    // Every resource the page reads is made here, once: made inside the
    // Suspense below, the server would make (and fetch) them again each
    // time it renders its children, and a run arriving between two such
    // fetches would leave the page's HTML and the data sent to hydrate it
    // disagreeing, which stops the page in the browser.
    let live = use_live();
    let query = use_query_map();
    let chosen = Memo::new(move |_| query.with(chosen_runs));
    // What runs change (health, incidents, the automations' states) moves
    // with every live event, together; the forms around it stay as typed.
    let fresh = Resource::new(
        move || (slug.get(), live.version.get()),
        |(slug, version)| async move {
            if version == 0 {
                None
            } else {
                load_orchestration(slug).await.ok().flatten()
            }
        },
    );
    let history = Resource::new(
        move || (slug.get(), chosen.get(), live.version.get()),
        |(slug, (filter, page), _)| load_run_history(slug, filter, page),
    );
    let live_data = LiveData {
        live,
        fresh,
        chosen,
        history,
    };
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the orchestration…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some(page)) => view! { <Product page changed live_data/> }.into_any(),
                    Ok(None) => {
                        answer_not_found();
                        view! {
                            <Title text="Not found"/>
                            <section class="card" aria-labelledby="missing">
                                <h1 id="missing">"No such orchestration"</h1>
                                <p>"It may have been deleted or renamed. "<a href="/orchestrations">"See every orchestration"</a>"."</p>
                            </section>
                        }
                        .into_any()
                    }
                    Err(err) => load_failed("The orchestration could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

/// The review schedule in a sentence: how often, and by when the next.
fn review_line(r: &crate::model::reviews::ReviewSchedule) -> String {
    use crate::model::reviews::ReviewStanding;
    let due = r.due_on.format("%Y-%m-%d");
    let when = match r.standing {
        ReviewStanding::Overdue => format!("overdue since {due}"),
        ReviewStanding::Due => format!("due by {due}, this quarter ({})", r.quarter),
        ReviewStanding::Upcoming => format!("next due by {due}"),
    };
    format!("{}; {when}", r.cadence.label())
}

fn figure(value: Option<f64>, unit: &str) -> String {
    value.map_or("—".to_owned(), |v| format!("{v} {unit}"))
}

/// The page's live parts, made once by the page (see there).
#[derive(Clone, Copy)]
struct LiveData {
    live: Live,
    /// The page again after each live event (`None` before the first).
    fresh: Resource<Option<Page>>,
    /// The run history's filter and page, from the address.
    chosen: Memo<(RunFilter, u32)>,
    history: Resource<Result<Option<crate::model::ingestion::RunHistory>, ServerFnError>>,
}

#[component]
fn Product(page: Page, changed: Callback<()>, live_data: LiveData) -> impl IntoView {
    let fresh = live_data.fresh;
    let first = StoredValue::new(page.clone());
    let current = move || fresh.get().flatten().unwrap_or_else(|| first.get_value());
    let health = Signal::derive(move || current().health);
    let o = page.orchestration;
    let mut this_end = vec![(
        NodeRef::orchestration(o.id),
        format!("{} (this orchestration)", o.fields.name),
    )];
    this_end.extend(page.automations.iter().map(|a| {
        (
            NodeRef::automation(a.id),
            format!("{} (its automation)", a.name),
        )
    }));
    let edit = format!("/orchestrations/{}/edit", o.fields.slug);
    let f = o.fields;
    let name = f.name.clone();
    let count = page.automations.len();
    let upstream: Vec<GraphNode> = page.graph.upstream().cloned().collect();
    let downstream: Vec<GraphNode> = page.graph.downstream().cloned().collect();
    let has_graph = !page.graph.edges.is_empty();
    let members: Vec<(i64, String)> = page
        .automations
        .iter()
        .map(|a| (a.id, a.name.clone()))
        .collect();
    let slug = f.slug.clone();
    view! {
        <Title text=name.clone()/>
        <div class="page-header">
            <p class="breadcrumb"><a href="/orchestrations">"Orchestrations"</a>" / "</p>
            <div class="title-row">
                <h1>{name.clone()}</h1>
                {page.can_edit.then(|| view! {
                    <p class="actions">
                        <a class="button" href=edit>"Edit"</a>
                        <a class="button" href=format!("/automations/new?orchestration={}", o.id)>"Add an automation"</a>
                    </p>
                })}
            </div>
            <p class="lede">{if f.purpose.is_empty() { "No purpose written yet.".to_owned() } else { f.purpose.clone() }}</p>
            <p class="flags">
                <span class="lifecycle">{f.lifecycle.as_str()}</span>
                <span class="flag">{format!("Tier {}", f.tier)}</span>
                {page.owner.is_none().then(|| view! { <span class="flag flag--risk">"Unowned"</span> })}
                {f.failure_mode.trim().is_empty().then(|| view! { <span class="flag flag--risk">"No failure mode"</span> })}
                {(!page.runbook.freshness.is_reliable()).then(|| view! {
                    <a class="flag flag--risk" href=format!("/orchestrations/{}/runbook", f.slug)>{page.runbook.freshness.flag()}</a>
                })}
                {f.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> }).collect_view()}
            </p>
        </div>
        <div class="grid-2">
            <section class="card" aria-labelledby="card-title">
                <h2 id="card-title">"Product card"</h2>
                <dl class="facts">
                    <dt>"Owner"</dt><dd>{page.owner.unwrap_or_else(|| "—".to_owned())}</dd>
                    <dt>"Backup owner"</dt><dd>{page.backup_owner.unwrap_or_else(|| "—".to_owned())}</dd>
                    <dt>"Team"</dt><dd>{page.team.unwrap_or_else(|| "—".to_owned())}</dd>
                    <dt>"Inputs"</dt><dd>{text_or_missing(f.inputs)}</dd>
                    <dt>"Outputs"</dt><dd>{text_or_missing(f.outputs)}</dd>
                    <dt>"If it fails silently"</dt><dd>{text_or_missing(f.failure_mode)}</dd>
                    <dt>"Fallback"</dt><dd>{text_or_missing(f.fallback)}</dd>
                    <dt>"Review"</dt>
                    <dd>{review_line(&page.review)}</dd>
                    <dt>"Success-rate target"</dt>
                    <dd>{f.success_rate_target.map_or("—".to_owned(), |t| format!("{:.1} %", t * 100.0))}</dd>
                    <dt>"Minutes saved per run"</dt><dd>{figure(f.minutes_saved_per_run, "min")}</dd>
                    <dt>"Expected runs per week"</dt><dd>{figure(f.expected_runs_per_week, "")}</dd>
                    {(!f.links.is_empty()).then(|| view! {
                        <dt>"Links"</dt>
                        <dd>
                            <ul class="plain">
                                {f.links.into_iter().map(|l| view! { <li><a href=l.url rel="noopener">{l.label}</a></li> }).collect_view()}
                            </ul>
                        </dd>
                    })}
                </dl>
            </section>
            <div class="stack">
                <RunbookCard slug=slug.clone() status=page.runbook.clone() can_edit=page.can_edit/>
                <ReviewsCard slug=slug.clone() schedule=review_line(&page.review)/>
                <LeverageCard ranked=page.leverage.clone()/>
            </div>
        </div>
        <HealthCard health target=PauseTarget::Orchestration(o.id) can_edit=page.can_edit changed/>
        {move || {
            let now = current();
            view! { <AlertingCard plan=now.alerting incidents=now.open_incidents/> }
        }}
        <RunHistory slug=slug.clone() members=members live_data/>
        <section class="card" aria-labelledby="graph-heading">
            <h2 id="graph-heading">"Dependencies"</h2>
            {if has_graph {
                view! {
                    <div class="graph-wrap">
                        <DependencyGraph graph=page.graph name=name.clone()/>
                    </div>
                }.into_any()
            } else {
                view! { <p class="muted">"No dependencies recorded: nothing is known to feed it or to depend on it."</p> }.into_any()
            }}
            <div class="grid-2">
                <NodeList title="Upstream: feeds it" nodes=upstream/>
                <NodeList title="Downstream: fed by it" nodes=downstream/>
            </div>
            <DependencyEditor this=this_end dependencies=page.dependencies changed can_edit=page.can_edit/>
        </section>
        <section aria-labelledby="automations-heading">
            <h2 id="automations-heading">"Automations"</h2>
            {move || if count == 0 {
                view! { <p class="muted">"No automation belongs to it yet."</p> }.into_any()
            } else {
                view! {
                    <AutomationTable rows=current().automations caption=format!("{count} automation{}", if count == 1 { "" } else { "s" })/>
                }.into_any()
            }}
        </section>
        <Ingestion members=page.ingestion/>
    }
}

/// The run history's filter and page, read from the address.
fn chosen_runs(query: &leptos_router::params::ParamsMap) -> (RunFilter, u32) {
    let text = |key: &str| query.get_str(key).filter(|v| !v.trim().is_empty());
    (
        RunFilter {
            automation_id: text("automation").and_then(|v| v.parse().ok()),
            status: text("outcome").and_then(|v| v.parse::<RunStatus>().ok()),
        },
        text("page").and_then(|v| v.parse().ok()).unwrap_or(1),
    )
}

/// The address of a page of the run history, its filter kept.
fn history_link(slug: &str, filter: &RunFilter, page: u32) -> String {
    let mut parts = Vec::new();
    if let Some(a) = filter.automation_id {
        parts.push(format!("automation={a}"));
    }
    if let Some(s) = filter.status {
        parts.push(format!("outcome={}", s.as_str()));
    }
    if page > 1 {
        parts.push(format!("page={page}"));
    }
    let query = if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    };
    format!("/orchestrations/{slug}{query}#runs")
}

/// Who was told of its open incidents, and who a failure would tell
/// before anything fails.
#[component]
fn AlertingCard(plan: AlertPlan, incidents: Vec<Incident>) -> impl IntoView {
    let nobody = plan.reaches_nobody();
    let unheard = plan.unheard.clone();
    view! {
        <section class="card" aria-labelledby="alerting-heading" id="alerting">
            <h2 id="alerting-heading">"Alerts"</h2>
            {if incidents.is_empty() {
                view! { <p class="muted">"No open incident."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain dashboard-list">
                        {incidents.into_iter().map(|i| {
                            let red = i.told.state().is_nobody();
                            view! {
                                <li>
                                    <a href=format!("/incidents/{}", i.id)>{format!("#{} {}", i.id, i.title())}</a>
                                    <span class=if red { "status status--bad" } else { "table__sub" }>{i.told.summary()}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <h3 class="alerting__plan-title">"Who a failure would tell"</h3>
            {if nobody {
                view! {
                    <div class="notice notice--error told--nobody" role="alert">
                        <p><strong>"Nobody would be told: neither the owner, the backup owner nor the team has an alert channel."</strong></p>
                        <p>"The owner adds one under Account; an administrator adds the team's under Admin → Channels."</p>
                    </div>
                }.into_any()
            } else {
                view! {
                    <ol class="plain alert-plan">
                        {plan.steps.into_iter().enumerate().map(|(n, step)| {
                            let when = match n { 0 => "First", 1 => "If nobody acknowledges it", _ => "Then" };
                            let whom = match step.who {
                                Some(who) => format!("{} ({who})", step.whom),
                                None => step.whom.clone(),
                            };
                            let channels = if step.channels.is_empty() {
                                "no channel: this step is skipped".to_owned()
                            } else {
                                format!("on {}", step.channels.iter().map(|c| format!("“{c}”")).collect::<Vec<_>>().join(", "))
                            };
                            view! { <li><strong>{format!("{when}: ")}</strong>{format!("{whom}, {channels}.")}</li> }
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            {(!nobody && !unheard.is_empty()).then(|| view! {
                <p class="notice notice--error">
                    {format!("A failure of {} would alert nobody: each has an owner or a team of its own, without an alert channel, and the backup owner has none either.",
                        unheard.iter().map(|n| format!("“{n}”")).collect::<Vec<_>>().join(", "))}
                </p>
            })}
        </section>
    }
}

/// Every run of its automations, newest first, a page at a time, narrowed
/// by automation and outcome (kept in the address, so it works without
/// JavaScript); updated live as runs arrive.
#[component]
fn RunHistory(slug: String, members: Vec<(i64, String)>, live_data: LiveData) -> impl IntoView {
    let LiveData {
        live,
        chosen,
        history,
        ..
    } = live_data;
    let selected = |on: bool| on.then_some("selected");
    let (filter, _) = chosen.get_untracked();
    let filtered = filter != RunFilter::default();
    view! {
        <section class="card" aria-labelledby="runs-heading" id="runs">
            <h2 id="runs-heading">"Run history"</h2>
            <LiveStatus live/>
            <form method="get" action=format!("/orchestrations/{slug}#runs") class="filters" aria-label="Narrow the run history">
                <div class="field">
                    <label for="runs-automation">"Automation"</label>
                    <select id="runs-automation" name="automation">
                        <option value="">"Every automation"</option>
                        {members.iter().map(|(id, name)| view! {
                            <option value=id.to_string() selected=selected(filter.automation_id == Some(*id))>{name.clone()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="runs-outcome">"Outcome"</label>
                    <select id="runs-outcome" name="outcome">
                        <option value="">"Any outcome"</option>
                        {RunStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=selected(filter.status == Some(s))>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="filters__actions">
                    <button type="submit" class="button">"Show"</button>
                    {filtered.then(|| view! { <a href=format!("/orchestrations/{slug}#runs")>"Every run"</a> })}
                </div>
            </form>
            <Transition fallback=|| view! { <p class="muted">"Loading the runs…"</p> }>
                {move || {
                    let slug = slug.clone();
                    Suspend::new(async move {
                        let (filter, _) = chosen.get_untracked();
                        match history.await {
                            Ok(Some(h)) if h.runs.is_empty() => {
                                let text = if filter == RunFilter::default() {
                                    "No run yet: its automations report runs at the URLs under Ingestion below."
                                } else {
                                    "No run matches."
                                };
                                view! { <p class="muted">{text}</p> }.into_any()
                            }
                            Ok(Some(h)) => {
                                let pages = page_count(h.total, h.per_page);
                                let first = u64::from(h.page - 1) * u64::from(h.per_page) + 1;
                                let last = first + h.runs.len() as u64 - 1;
                                let caption = format!("Runs {first}–{last} of {}, newest first", h.total);
                                let link = {
                                    let (slug, filter) = (slug.clone(), filter.clone());
                                    move |page: u32| history_link(&slug, &filter, page)
                                };
                                view! {
                                    <HistoryTable runs=h.runs caption/>
                                    <Pager page=h.page pages link labels=("Newer runs", "Older runs")/>
                                }.into_any()
                            }
                            Ok(None) => view! { <p class="muted">"This orchestration is gone."</p> }.into_any(),
                            Err(err) => load_failed("The runs could not be loaded", err),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

/// Where each automation reports its runs, and its deliveries.
#[component]
fn Ingestion(members: Vec<MemberIngestion>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="ingestion-heading">
            <h2 id="ingestion-heading">"Ingestion"</h2>
            {if members.is_empty() {
                view! { <p class="muted">"No automation to report runs yet."</p> }.into_any()
            } else {
                view! {
                    <p class="muted">"Each automation's success URL; its page has the start, fail, log and exit-status URLs, with a crontab example."</p>
                    <div class="table-wrap">
                        <table class="table">
                            <thead>
                                <tr>
                                    <th scope="col">"Automation"</th>
                                    <th scope="col">"Ping URL"</th>
                                    <th scope="col">"Deliveries"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {members.into_iter().map(|m| view! {
                                    <tr>
                                        <th scope="row"><a href=format!("/automations/{}", m.automation_id)>{m.name.clone()}</a></th>
                                        <td data-label="Ping URL">{match (m.ping, m.ping_hidden) {
                                            (Some(ping), _) => view! { <code class="mono">{ping.success}</code> }.into_any(),
                                            (None, true) => view! { <span class="muted">"Shown to those who may change it"</span> }.into_any(),
                                            (None, false) => view! { <span class="muted">"Reported by webhook"</span> }.into_any(),
                                        }}</td>
                                        <td data-label="Deliveries">
                                            <a href=format!("/deliveries?automation_id={}", m.automation_id)>{format!("{}'s deliveries", m.name)}</a>
                                        </td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn NodeList(title: &'static str, nodes: Vec<GraphNode>) -> impl IntoView {
    view! {
        <div>
            <h3>{title}</h3>
            {if nodes.is_empty() {
                view! { <p class="muted">"None"</p> }.into_any()
            } else {
                view! {
                    <ul class="plain">
                        {nodes.into_iter().map(|n| {
                            let kind = kind_label(&n);
                            let steps = n.layer.abs();
                            let name = match (n.endpoint.node.kind, n.endpoint.slug.clone()) {
                                (NodeKind::Orchestration, Some(slug)) => view! { <a href=format!("/orchestrations/{slug}")>{n.endpoint.name.clone()}</a> }.into_any(),
                                _ => view! { <span>{n.endpoint.name.clone()}</span> }.into_any(),
                            };
                            view! {
                                <li>{name}" "<span class="muted">{format!("{kind}, {steps} step{}", if steps == 1 { "" } else { "s" })}</span></li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
    }
}

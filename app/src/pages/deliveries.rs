//! `/deliveries`: every request a tool sent — pings and webhooks — with
//! what became of it, filtered by source, automation, outcome and time;
//! `/deliveries/:id`: one delivery whole, and (for admins) its replay.

use chrono::{NaiveDate, TimeZone as _, Utc};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::form::{SaveMessages, follow_saved, load_failed};
use crate::components::pager::{Pager, page_count};
use crate::model::ingestion::{DeliveryFilter, DeliveryOutcome, DeliverySummary};
use crate::pages::not_found::answer_not_found;
use crate::server_fns::ingestion::{ReplayDelivery, load_deliveries, load_delivery};
use crate::services::{DeliveriesScreen, DeliveryScreen};

fn when(at: chrono::DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn outcome_label(outcome: DeliveryOutcome) -> &'static str {
    match outcome {
        DeliveryOutcome::Pending => "Being recorded",
        DeliveryOutcome::Recorded => "Recorded",
        DeliveryOutcome::Duplicate => "Duplicate",
        DeliveryOutcome::Ignored => "Ignored",
        DeliveryOutcome::Rejected => "Rejected",
        DeliveryOutcome::Failed => "Failed",
    }
}

fn outcome_class(outcome: DeliveryOutcome) -> &'static str {
    match outcome {
        DeliveryOutcome::Recorded => "status status--ok",
        DeliveryOutcome::Pending | DeliveryOutcome::Duplicate | DeliveryOutcome::Ignored => {
            "status status--running"
        }
        DeliveryOutcome::Rejected | DeliveryOutcome::Failed => "status status--bad",
    }
}

fn family(endpoint: &str) -> &str {
    match endpoint {
        "ping" => "Ping",
        "ping_slug" => "Ping by slug",
        "cronitor" => "Cronitor",
        "uptime_kuma" => "Uptime Kuma",
        "github" => "GitHub webhook",
        "gitlab" => "GitLab webhook",
        "jenkins" => "Jenkins notification",
        "generic" => "Generic JSON webhook",
        other => other,
    }
}

fn size(bytes: i64) -> String {
    match bytes {
        ..=0 => "—".to_owned(),
        1..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}

/// A day as the start of its first second, UTC.
fn day_start(day: NaiveDate) -> Option<chrono::DateTime<Utc>> {
    day.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t))
}

/// `/deliveries`.
#[component]
pub fn DeliveriesPage() -> impl IntoView {
    let query = use_query_map();
    let chosen = Memo::new(move |_| {
        query.with(|q| {
            let text = |key: &str| q.get(key).filter(|v| !v.trim().is_empty());
            let day = |key: &str| text(key).and_then(|v| v.parse::<NaiveDate>().ok());
            (
                DeliveryFilter {
                    source_id: text("source_id").and_then(|v| v.parse().ok()),
                    automation_id: text("automation_id").and_then(|v| v.parse().ok()),
                    outcome: text("outcome").and_then(|v| v.parse().ok()),
                    since: day("from").and_then(day_start),
                    until: day("to").and_then(|d| d.succ_opt()).and_then(day_start),
                },
                day("from"),
                day("to"),
                text("page").and_then(|v| v.parse().ok()).unwrap_or(1u32),
            )
        })
    });
    let log = Resource::new(
        move || chosen.get(),
        |(filter, _, _, page)| load_deliveries(filter, page),
    );
    view! {
        <Title text="Deliveries"/>
        <div class="page-header">
            <h1>"Deliveries"</h1>
            <p class="lede">"Every request your tools sent, exactly as received, and what became of it. Baton keeps each one before it answers, so nothing a tool sent is lost."</p>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading the deliveries…"</p> }>
            {move || Suspend::new(async move {
                let (filter, from, to, _) = chosen.get_untracked();
                match log.await {
                    Ok(screen) => view! { <DeliveriesView screen filter from to/> }.into_any(),
                    Err(err) => load_failed("The deliveries could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DeliveriesView(
    screen: DeliveriesScreen,
    filter: DeliveryFilter,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> impl IntoView {
    let page = screen.page;
    let pages = page_count(page.total, page.per_page);
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let link = {
        let filter = filter.clone();
        move |to_page: u32| {
            let mut parts = vec![format!("page={to_page}")];
            if let Some(s) = filter.source_id {
                parts.push(format!("source_id={s}"));
            }
            if let Some(a) = filter.automation_id {
                parts.push(format!("automation_id={a}"));
            }
            if let Some(o) = filter.outcome {
                parts.push(format!("outcome={}", o.as_str()));
            }
            if let Some(d) = from {
                parts.push(format!("from={d}"));
            }
            if let Some(d) = to {
                parts.push(format!("to={d}"));
            }
            format!("/deliveries?{}", parts.join("&"))
        }
    };
    let number = page.page;
    let names = screen.automations;
    let sources = screen.sources;
    let automation_name = {
        let names = names.clone();
        move |id: i64| names.iter().find(|(a, _)| *a == id).map(|(_, n)| n.clone())
    };
    let source_name = {
        let sources = sources.clone();
        move |id: i64| {
            sources
                .iter()
                .find(|(s, _)| *s == id)
                .map(|(_, n)| n.clone())
        }
    };
    let narrowed_to = filter.automation_id.map(|id| {
        let name = automation_name(id).unwrap_or_else(|| format!("automation {id}"));
        view! {
            <p class="notice">"Only the deliveries for "<a href=format!("/automations/{id}")>{name}</a>". "
                <a href="/deliveries">"See all"</a></p>
        }
    });
    view! {
        {narrowed_to}
        <form class="filters" method="get" action="/deliveries">
            {filter.automation_id.map(|id| view! { <input type="hidden" name="automation_id" value=id/> })}
            <div class="field">
                <label for="deliveries-source">"Source"</label>
                <select id="deliveries-source" name="source_id">
                    <option value="">"Any"</option>
                    {sources.iter().map(|(id, name)| view! {
                        <option value=id.to_string() selected=filter.source_id == Some(*id)>{name.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="deliveries-outcome">"Outcome"</label>
                <select id="deliveries-outcome" name="outcome">
                    <option value="">"Any"</option>
                    {DeliveryOutcome::ALL.into_iter().map(|o| view! {
                        <option value=o.as_str() selected=filter.outcome == Some(o)>{outcome_label(o)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="deliveries-from">"From"</label>
                <input id="deliveries-from" name="from" type="date" value=date(from)/>
            </div>
            <div class="field">
                <label for="deliveries-to">"To"</label>
                <input id="deliveries-to" name="to" type="date" value=date(to)/>
            </div>
            <div class="filters__actions">
                <button type="submit" class="button">"Show"</button>
                <a href="/deliveries">"Clear"</a>
            </div>
        </form>
        <p class="muted">{format!("{} deliveries", page.total)}</p>
        {if page.deliveries.is_empty() {
            view! {
                <div class="card">
                    <p>"No delivery matches."</p>
                    <p class="muted">"Deliveries appear here as soon as a tool calls a ping URL: each automation's page shows its URLs."</p>
                </div>
            }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="table deliveries">
                        <caption>"Newest first"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Received"</th>
                                <th scope="col">"Request"</th>
                                <th scope="col">"For"</th>
                                <th scope="col">"Outcome"</th>
                                <th scope="col">"Body"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {page.deliveries.into_iter().map(|d| {
                                let target = d.automation_id.map(|id| {
                                    let name = automation_name(id).unwrap_or_else(|| format!("deleted automation {id}"));
                                    view! { <a href=format!("/automations/{id}")>{name}</a> }
                                });
                                let source = d.source_id.and_then(&source_name);
                                view! { <Row d target source/> }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any()
        }}
        <Pager page=number pages link labels=("Newer", "Older")/>
    }
}

#[component]
fn Row(
    d: DeliverySummary,
    target: Option<impl IntoView + 'static>,
    source: Option<String>,
) -> impl IntoView {
    let refused = d.outcome == DeliveryOutcome::Rejected;
    view! {
        <tr class:row--error=refused>
            <td class="mono"><a href=format!("/deliveries/{}", d.id)>{when(d.received_at)}</a></td>
            <td>
                <span class="mono">{format!("{} {}", d.method, d.uri)}</span>
                <span class="table__sub">{family(&d.endpoint).to_owned()}{d.remote_addr.map(|a| format!(" · from {a}"))}</span>
            </td>
            <td>
                {match target {
                    Some(target) => target.into_any(),
                    None => view! { <span class="muted">"—"</span> }.into_any(),
                }}
                {source.map(|s| view! { <span class="table__sub">{format!("source {s}")}</span> })}
            </td>
            <td>
                <span class=outcome_class(d.outcome)>{outcome_label(d.outcome)}</span>
                {d.outcome_detail.map(|why| view! { <span class="table__sub">{why}</span> })}
            </td>
            <td>{size(d.body_size)}</td>
        </tr>
    }
}

/// `/deliveries/:id`.
#[component]
pub fn DeliveryPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())));
    let replay = ServerAction::<ReplayDelivery>::new();
    let delivery = Resource::new(
        move || (id.get(), replay.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_delivery(id).await,
                None => Ok(None),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the delivery…"</p> }>
            {move || Suspend::new(async move {
                match delivery.await {
                    Ok(Some(screen)) => view! { <DeliveryView screen replay/> }.into_any(),
                    Ok(None) => {
                        answer_not_found();
                        view! {
                            <Title text="Not found"/>
                            <section class="card">
                                <h1>"No such delivery"</h1>
                                <p>"Deliveries are kept for the retention period, then forgotten. "<a href="/deliveries">"See the deliveries"</a>"."</p>
                            </section>
                        }.into_any()
                    }
                    Err(err) => load_failed("The delivery could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DeliveryView(screen: DeliveryScreen, replay: ServerAction<ReplayDelivery>) -> impl IntoView {
    follow_saved(replay.value().into());
    let d = screen.delivery;
    let s = d.summary;
    let title = format!("Delivery {}", s.id);
    let replayable = matches!(
        s.outcome,
        DeliveryOutcome::Recorded | DeliveryOutcome::Ignored | DeliveryOutcome::Failed
    );
    view! {
        <Title text=title.clone()/>
        <div class="page-header">
            <p class="breadcrumb"><a href="/deliveries">"Deliveries"</a>" / "</p>
            <h1>{title}</h1>
            <p class="lede"><span class=outcome_class(s.outcome)>{outcome_label(s.outcome)}</span>
                {s.outcome_detail.clone().map(|why| format!(": {why}"))}</p>
        </div>
        <div class="grid-2">
            <section class="card" aria-labelledby="delivery-facts">
                <h2 id="delivery-facts">"What arrived"</h2>
                <dl class="facts">
                    <dt>"Received"</dt><dd class="mono">{when(s.received_at)}</dd>
                    <dt>"Request"</dt><dd class="mono">{format!("{} {}", s.method, s.uri)}</dd>
                    <dt>"As"</dt><dd>{family(&s.endpoint).to_owned()}</dd>
                    <dt>"From"</dt><dd class="mono">{s.remote_addr.clone().unwrap_or_else(|| "—".to_owned())}</dd>
                    <dt>"Source"</dt><dd>{screen.source.clone().unwrap_or_else(|| "—".to_owned())}</dd>
                    <dt>"Automation"</dt>
                    <dd>{match (s.automation_id, screen.automation.clone()) {
                        (Some(id), Some(name)) => view! { <a href=format!("/automations/{id}")>{name}</a> }.into_any(),
                        (Some(id), None) => view! { <span>{format!("automation {id} (deleted)")}</span> }.into_any(),
                        _ if matches!(s.endpoint.as_str(), "github" | "gitlab" | "jenkins" | "generic") => {
                            view! { <span class="muted">"None: it reports no run of an automation (yet)"</span> }.into_any()
                        }
                        _ => view! { <span class="muted">"None: its key or slug was not known"</span> }.into_any(),
                    }}</dd>
                    <dt>"Processed"</dt><dd class="mono">{d.processed_at.map_or_else(|| "—".to_owned(), when)}</dd>
                    {s.duplicate_of.map(|first| view! {
                        <dt>"Repeats"</dt><dd><a href=format!("/deliveries/{first}")>{format!("delivery {first}")}</a></dd>
                    })}
                </dl>
                {(screen.may_replay && replayable).then(|| view! {
                    <ActionForm action=replay>
                        <input type="hidden" name="id" value=s.id/>
                        <SaveMessages outcome=replay.value().into()/>
                        <p class="muted">"Replaying processes it again. A run it already made is not made twice."</p>
                        <button type="submit" class="button">"Replay"</button>
                    </ActionForm>
                })}
            </section>
            <section class="card" aria-labelledby="delivery-headers">
                <h2 id="delivery-headers">"Headers"</h2>
                <table class="table">
                    <tbody>
                        {d.headers.into_iter().map(|(name, value)| view! {
                            <tr><th scope="row" class="mono">{name}</th><td class="mono">{value}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        </div>
        <section class="card" aria-labelledby="delivery-body">
            <h2 id="delivery-body">{format!("Body ({})", size(s.body_size))}</h2>
            {if d.body.is_empty() {
                view! { <p class="muted">"No body."</p> }.into_any()
            } else {
                let capped = s.outcome == DeliveryOutcome::Rejected && s.body_size > d.body_kept;
                let cut = s.outcome != DeliveryOutcome::Rejected && s.body_size > d.body_kept;
                let download = format!("/api/v1/deliveries/{}/body", s.id);
                view! {
                    {capped.then(|| view! { <p class="muted">{format!("Refused: only its first {} bytes were kept.", d.body_kept)}</p> })}
                    {cut.then(|| view! { <p class="muted">{format!("Only its first {} bytes were kept; the ping counted.", d.body_kept)}</p> })}
                    <p>
                        <a href=download download="" rel="external">"Download the body as received"</a>
                        <span class="muted">" (byte for byte; below, bytes that are not text show as \u{fffd})"</span>
                    </p>
                    <pre class="code"><code>{d.body}</code></pre>
                }.into_any()
            }}
        </section>
    }
}

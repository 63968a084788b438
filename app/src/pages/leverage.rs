//! The leverage ranking: the three flows that would unlock the most, every
//! orchestration and automation by score with why, and the loose
//! automations worth grouping into one orchestration.

use leptos::prelude::*;

use crate::components::form::load_failed;
use leptos_meta::Title;

use crate::model::dependencies::{Endpoint, NodeKind};
use crate::model::inventory::Tool;
use crate::model::leverage::{LeverageReport, Ranked};
use crate::server_fns::editing::load_leverage;

/// Automations the ranking lists; the rest are in the inventory.
const AUTOMATIONS_SHOWN: usize = 50;

fn href(e: &Endpoint) -> String {
    match (e.node.kind, &e.slug) {
        (NodeKind::Orchestration, Some(slug)) => format!("/orchestrations/{slug}"),
        _ => format!("/automations/{}", e.node.id),
    }
}

fn kind(e: &Endpoint) -> String {
    match e.node.kind {
        NodeKind::Orchestration => "Orchestration".to_owned(),
        NodeKind::Automation => {
            let tool = e
                .tool
                .as_deref()
                .and_then(Tool::parse)
                .map_or("", Tool::label);
            format!("Loose automation · {tool}")
        }
    }
}

#[component]
pub fn LeveragePage() -> impl IntoView {
    let report = Resource::new(|| (), |_| load_leverage());
    view! {
        <Title text="Leverage"/>
        <div class="page-header">
            <p class="breadcrumb"><a href="/orchestrations">"Orchestrations"</a>" / "</p>
            <h1>"Leverage"</h1>
            <p class="lede">"Where attention pays most: the time at stake each week, weighted by criticality and by how fragile it is today."</p>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Ranking…"</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(report) => view! { <Report report/> }.into_any(),
                    Err(err) => load_failed("The ranking could not be computed", err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Report(report: LeverageReport) -> impl IntoView {
    let more = report.automations.len().saturating_sub(AUTOMATIONS_SHOWN);
    let automations: Vec<Ranked> = report
        .automations
        .into_iter()
        .take(AUTOMATIONS_SHOWN)
        .collect();
    view! {
        <section class="block" aria-labelledby="top-three">
            <h2 id="top-three">"The three flows that would unlock the most"</h2>
            <p class="muted">"Chosen among the orchestrations and the loose automations; an automation that belongs to an orchestration counts through it."</p>
            {if report.top_three.is_empty() {
                view! { <p class="muted">"Nothing to rank yet: register orchestrations or automations with their minutes saved and runs per week."</p> }.into_any()
            } else {
                view! {
                    <ol class="top-three">
                        {report.top_three.into_iter().map(|r| view! {
                            <li class="card">
                                <p class="muted top-three__kind">{kind(&r.endpoint)}</p>
                                <a class="top-three__name" href=href(&r.endpoint)>{r.endpoint.name.clone()}</a>
                                <p class="big-figure">{format!("{:.0}", r.leverage.score)}<span class="big-figure__unit">" leverage"</span></p>
                                <p>{r.why}</p>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
        <section class="block" aria-labelledby="suggestions">
            <h2 id="suggestions">"Loose automations to group"</h2>
            {if report.suggestions.is_empty() {
                view! { <p class="muted">"No loose automations share a dependency chain, an owner or a tool."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain suggestions">
                        {report.suggestions.into_iter().map(|s| view! {
                            <li class="card">
                                <p><strong>{s.reason}</strong>{format!(" · leverage {:.0} together", s.score)}</p>
                                <p>
                                    {s.automations.into_iter().map(|e| view! { <a class="tag" href=href(&e)>{e.name.clone()}</a>" " }).collect_view()}
                                </p>
                                <p><a href="/orchestrations/new">"Register an orchestration for them"</a></p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <RankedTable title="Orchestrations" list=report.orchestrations more=0/>
        <RankedTable title="Automations" list=automations more/>
    }
}

#[component]
fn RankedTable(title: &'static str, list: Vec<Ranked>, more: usize) -> impl IntoView {
    let count = list.len();
    view! {
        <section class="block">
            <h2>{title}</h2>
            {if list.is_empty() {
                view! { <p class="muted">"None yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table">
                            <caption>{format!("{title} by leverage, highest first ({count} shown{})", if more > 0 { format!(", {more} more in the inventory") } else { String::new() })}</caption>
                            <thead>
                                <tr>
                                    <th scope="col" class="num">"#"</th>
                                    <th scope="col">"Name"</th>
                                    <th scope="col" class="num">"Score"</th>
                                    <th scope="col" class="num">"Min a week"</th>
                                    <th scope="col" class="num">"Tier ×"</th>
                                    <th scope="col" class="num">"Fragility ×"</th>
                                    <th scope="col">"Why"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {list.into_iter().enumerate().map(|(i, r)| view! {
                                    <tr>
                                        <td class="num" data-label="#">{i + 1}</td>
                                        <th scope="row"><a class="table__name" href=href(&r.endpoint)>{r.endpoint.name.clone()}</a></th>
                                        <td class="num" data-label="Score">{format!("{:.0}", r.leverage.score)}</td>
                                        <td class="num" data-label="Min a week">{format!("{}", r.leverage.minutes_per_week)}</td>
                                        <td class="num" data-label="Tier ×">{format!("{}", r.leverage.tier_weight)}</td>
                                        <td class="num" data-label="Fragility ×">{format!("{}", r.leverage.fragility)}</td>
                                        <td data-label="Why">{r.why}</td>
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

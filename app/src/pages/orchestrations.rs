//! The orchestrations list: every designed flow, its owner, tier,
//! lifecycle, and what makes it a risk.

use leptos::prelude::*;

use crate::components::form::load_failed;
use crate::components::health::HealthCell;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::model::catalog::Lifecycle;
use crate::model::health::HealthState;
use crate::sections::Section;
use crate::server_fns::orchestrations::list_orchestrations;
use crate::services::OrchestrationSummary;

/// What the list is narrowed to: the dashboard's drill-down (a health
/// state, within its team, tier and owner).
#[derive(Debug, Clone, Default, PartialEq)]
struct Narrowed {
    health: Option<HealthState>,
    team: Option<i64>,
    tier: Option<i32>,
    owner: Option<i64>,
}

impl Narrowed {
    fn is_empty(&self) -> bool {
        *self == Narrowed::default()
    }

    /// Whether `o` is in it; narrowed by health, retired ones are left
    /// out, as the dashboard counts them.
    fn keeps(&self, o: &OrchestrationSummary) -> bool {
        self.health
            .is_none_or(|h| o.health == h && o.lifecycle != Lifecycle::Retired)
            && self.team.is_none_or(|t| o.team_id == Some(t))
            && self.tier.is_none_or(|t| o.tier == t)
            && self.owner.is_none_or(|p| o.owner_id == Some(p))
    }
}

#[component]
pub fn OrchestrationsPage() -> impl IntoView {
    let query = use_query_map();
    let narrowed = Memo::new(move |_| {
        query.with(|q| Narrowed {
            health: q.get_str("health").and_then(HealthState::parse),
            team: q.get_str("team").and_then(|v| v.parse().ok()),
            tier: q.get_str("tier").and_then(|v| v.parse().ok()),
            owner: q.get_str("owner").and_then(|v| v.parse().ok()),
        })
    });
    let orchestrations = Resource::new(|| (), |_| list_orchestrations());
    view! {
        <Title text=Section::Orchestrations.title()/>
        <div class="page-header">
            <h1>{Section::Orchestrations.title()}</h1>
            <p class="lede">{Section::Orchestrations.purpose()}</p>
            <p class="actions">
                <Suspense fallback=|| ()>
                    {move || crate::session::me().filter(|me| me.may_create()).map(|_| view! {
                        <a class="button button--primary" href="/orchestrations/new">"Register an orchestration"</a>
                    })}
                </Suspense>
                <a class="button" href="/leverage">"Leverage ranking"</a>
                <a class="button" href="/api/v1/export/orchestrations.csv" download>"Export CSV"</a>
            </p>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading orchestrations…"</p> }>
            {move || Suspend::new(async move {
                match orchestrations.await {
                    Ok(list) if list.is_empty() => view! { <EmptyCatalog/> }.into_any(),
                    Ok(list) => {
                        let narrowed = narrowed.get();
                        let all = list.len();
                        let list: Vec<OrchestrationSummary> = list.into_iter().filter(|o| narrowed.keeps(o)).collect();
                        view! {
                            {(!narrowed.is_empty()).then(|| view! {
                                <p class="notice narrowed" role="status">
                                    {format!("Showing {} of {all}{}, as the dashboard counted them. ", list.len(),
                                        narrowed.health.map(|h| format!(": {} ones", h.label().to_lowercase())).unwrap_or_default())}
                                    <a href="/orchestrations">"Show every orchestration"</a>
                                </p>
                            })}
                            <OrchestrationTable list/>
                        }.into_any()
                    }
                    Err(err) => load_failed("The orchestrations could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn EmptyCatalog() -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="empty-catalog">
            <h2 id="empty-catalog">"No orchestrations yet"</h2>
            <p>
                <a href="/orchestrations/new">"Register the first one"</a>
                ": a name is enough to start; the product card fills in as you learn. Scripts can use "
                <code>"POST /api/v1/orchestrations"</code>"."
            </p>
        </section>
    }
}

#[component]
fn OrchestrationTable(list: Vec<OrchestrationSummary>) -> impl IntoView {
    let count = list.len();
    view! {
        <div class="table-wrap">
            <table class="table">
                <caption>
                    {format!("{count} orchestration{}", if count == 1 { "" } else { "s" })}
                </caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Health"</th>
                        <th scope="col">"Owner"</th>
                        <th scope="col">"Tier"</th>
                        <th scope="col">"Lifecycle"</th>
                        <th scope="col">"Risks"</th>
                    </tr>
                </thead>
                <tbody>
                    {list.into_iter().map(|o| view! { <OrchestrationRow o/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn OrchestrationRow(o: OrchestrationSummary) -> impl IntoView {
    let unowned = o.owner.is_none();
    view! {
        <tr>
            <th scope="row">
                <a class="table__name" href=format!("/orchestrations/{}", o.slug)>{o.name}</a>
                <span class="table__sub">{o.purpose}</span>
                {(!o.tags.is_empty())
                    .then(|| {
                        view! {
                            <span class="tags">
                                {o.tags.into_iter().map(|t| view! { <span class="tag">{t}</span> }).collect_view()}
                            </span>
                        }
                    })}
            </th>
            <td data-label="Health"><HealthCell state=o.health why=o.health_why/></td>
            <td data-label="Owner">{o.owner.unwrap_or_else(|| "—".to_owned())}</td>
            <td data-label="Tier">{format!("Tier {}", o.tier)}</td>
            <td data-label="Lifecycle"><span class="lifecycle">{o.lifecycle.as_str()}</span></td>
            <td data-label="Risks">
                <span class="flags">
                    {unowned.then(|| view! { <span class="flag flag--risk">"Unowned"</span> })}
                    {o.no_failure_mode.then(|| view! { <span class="flag flag--risk">"No failure mode"</span> })}
                    {(!unowned && !o.no_failure_mode).then(|| view! { <span class="flag flag--ok">"None"</span> })}
                </span>
            </td>
        </tr>
    }
}

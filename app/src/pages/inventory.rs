//! The inventory: every automation in every tool, searchable, filterable
//! by tool, owner, team, orchestration and risk, sorted and paged, all in
//! the address so a view can be shared. Export links beside it.

use leptos::prelude::*;

use crate::components::form::load_failed;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::automations::AutomationTable;
use crate::components::pager::{Pager, page_count};
use crate::model::inventory::{InventoryFilter, InventorySort, Tool};
use crate::sections::Section;
use crate::server_fns::ingestion::load_claim_queue;
use crate::server_fns::inventory::load_inventory;
use crate::services::InventoryPage as Page;

const KEYS: [&str; 11] = [
    "q",
    "tool",
    "owner",
    "team",
    "orchestration",
    "loose",
    "unowned",
    "no_failure_mode",
    "health",
    "sort",
    "page",
];

#[component]
pub fn InventoryPage() -> impl IntoView {
    let query = use_query_map();
    let asked = Memo::new(move |_| {
        query.with(|q| {
            let pairs: Vec<(&str, String)> = KEYS
                .iter()
                .filter_map(|k| q.get(k).map(|v| (*k, v)))
                .collect();
            InventoryFilter::from_query(pairs.iter().map(|(k, v)| (*k, v.as_str())))
        })
    });
    let page = Resource::new(
        move || asked.get(),
        |(filter, page)| load_inventory(filter, page),
    );
    view! {
        <Title text=Section::Inventory.title()/>
        <div class="page-header">
            <h1>{Section::Inventory.title()}</h1>
            <p class="lede">{Section::Inventory.purpose()}</p>
            <p class="actions">
                <Suspense fallback=|| ()>
                    {move || crate::session::me().map(|me| view! {
                        {me.may_create().then(|| view! {
                            <a class="button button--primary" href="/automations/new">"Add an automation"</a>
                        })}
                        {me.is_admin().then(|| view! {
                            <a class="button" href="/inventory/import">"Import"</a>
                        })}
                    })}
                </Suspense>
                <a class="button" href="/api/v1/export/inventory.csv" download>"Export CSV"</a>
                <a class="button" href="/api/v1/export/catalog.json" download>"Export catalog (JSON)"</a>
                <a href="/samples/inventory.csv" download>"Sample import file"</a>
            </p>
        </div>
        <ClaimQueueSection/>
        <Suspense fallback=|| view! { <p class="muted">"Loading the inventory…"</p> }>
            {move || Suspend::new(async move {
                let (filter, _) = asked.get();
                match page.await {
                    Ok(page) => view! { <Inventory page filter/> }.into_any(),
                    Err(err) => load_failed("The inventory could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Inventory(page: Page, filter: InventoryFilter) -> impl IntoView {
    let first = (page.page - 1) as u64 * page.per_page as u64 + 1;
    let last = (first + page.rows.len() as u64).saturating_sub(1);
    let pages = page_count(page.total, page.per_page);
    let number = page.page;
    let caption = if page.total == 0 {
        "No automations".to_owned()
    } else {
        format!("Automations {first}–{last} of {}", page.total)
    };
    let link = {
        let filter = filter.clone();
        move |to: u32| {
            let query = filter.to_query(to);
            if query.is_empty() {
                "/inventory".to_owned()
            } else {
                format!("/inventory?{query}")
            }
        }
    };
    let narrowed = filter.is_narrowed();
    let empty = page.rows.is_empty();
    view! {
        <Filters filter=filter.clone() choices=page.choices.clone()/>
        {if empty {
            view! {
                <section class="card" aria-labelledby="empty-inventory">
                    <h2 id="empty-inventory">
                        {if narrowed { "Nothing matches these filters" } else { "No automations yet" }}
                    </h2>
                    {if narrowed {
                        view! { <p><a href="/inventory">"Clear the filters"</a>" to see every automation."</p> }.into_any()
                    } else {
                        view! {
                            <p>
                                "List your automations "<a href="/inventory/import">"from a CSV file"</a>
                                ", move your monitors over from Healthchecks, Cronitor or Uptime Kuma "<a href="/inventory/import">"in one step"</a>
                                ", or add them "<a href="/automations/new">"one at a time"</a>
                                ". Scripts can use "<code>"POST /api/v1/import/inventory"</code>" and "
                                <code>"POST /api/v1/automations"</code>"."
                            </p>
                        }.into_any()
                    }}
                </section>
            }.into_any()
        } else {
            view! { <AutomationTable rows=page.rows caption/> }.into_any()
        }}
        {(pages > 1).then(|| view! {
            <Pager page=number pages link labels=("← Previous", "Next →")/>
        })}
    }
}

#[component]
fn Filters(filter: InventoryFilter, choices: crate::services::Choices) -> impl IntoView {
    let option = |value: String, label: String, selected: bool| {
        view! { <option value=value selected=selected>{label}</option> }
    };
    let id_options = move |list: Vec<(i64, String)>, chosen: Option<i64>| {
        list.into_iter()
            .map(|(id, name)| option(id.to_string(), name, chosen == Some(id)))
            .collect_view()
    };
    view! {
        <form class="filters card" method="get" action="/inventory" role="search">
            <div class="field field--wide">
                <label for="inventory-q">"Search"</label>
                <input id="inventory-q" type="search" name="q" value=filter.q.clone().unwrap_or_default()
                    placeholder="Name, tool, owner, id or text"/>
            </div>
            <div class="field">
                <label for="inventory-tool">"Tool"</label>
                <select id="inventory-tool" name="tool">
                    <option value="">"Any tool"</option>
                    {Tool::ALL.into_iter().map(|t| option(t.as_str().to_owned(), t.label().to_owned(), filter.tool == Some(t))).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="inventory-owner">"Owner"</label>
                <select id="inventory-owner" name="owner">
                    <option value="">"Anyone"</option>
                    {id_options(choices.owners, filter.owner_id)}
                </select>
            </div>
            <div class="field">
                <label for="inventory-team">"Team"</label>
                <select id="inventory-team" name="team">
                    <option value="">"Any team"</option>
                    {id_options(choices.teams, filter.team_id)}
                </select>
            </div>
            <div class="field">
                <label for="inventory-orchestration">"Orchestration"</label>
                <select id="inventory-orchestration" name="orchestration">
                    <option value="">"Any"</option>
                    {id_options(choices.orchestrations, filter.orchestration_id)}
                </select>
            </div>
            <div class="field">
                <label for="inventory-health">"Health"</label>
                <select id="inventory-health" name="health">
                    <option value="">"Any"</option>
                    {crate::model::health::HealthState::ALL.into_iter().map(|h| option(h.as_str().to_owned(), h.label().to_owned(), filter.health == Some(h))).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="inventory-sort">"Sort by"</label>
                <select id="inventory-sort" name="sort">
                    {InventorySort::ALL.into_iter().map(|s| option(s.as_str().to_owned(), s.label().to_owned(), filter.sort == s)).collect_view()}
                </select>
            </div>
            <fieldset class="field field--checks">
                <legend>"Only the risky ones"</legend>
                <label><input type="checkbox" name="loose" value="1" checked=filter.loose/>" Loose"</label>
                <label><input type="checkbox" name="unowned" value="1" checked=filter.unowned/>" Unowned"</label>
                <label><input type="checkbox" name="no_failure_mode" value="1" checked=filter.no_failure_mode/>" No failure mode"</label>
            </fieldset>
            <div class="filters__actions">
                <button type="submit" class="button button--primary">"Apply"</button>
                <a href="/inventory">"Clear"</a>
            </div>
        </form>
    }
}

/// Automations pings created, waiting for an owner: shown only when there
/// are some.
#[component]
fn ClaimQueueSection() -> impl IntoView {
    let queue = Resource::new(|| (), |_| load_claim_queue());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let queue = queue.await.ok().filter(|q| !q.items.is_empty())?;
                let source = |id: Option<i64>| {
                    id.and_then(|id| queue.sources.iter().find(|(s, _)| *s == id))
                        .map(|(_, name)| name.clone())
                };
                Some(view! {
                    <section class="card notice notice--warning claim-queue" aria-labelledby="claim-queue-title">
                        <h2 id="claim-queue-title">{format!("Claim queue ({})", queue.items.len())}</h2>
                        <p>"Pings created these automations. Each waits for an owner to claim it into an orchestration."</p>
                        <ul class="plain">
                            {queue.items.iter().map(|item| view! {
                                <li>
                                    <a href=format!("/automations/{}", item.automation_id)>{item.name.clone()}</a>
                                    <span class="muted">{format!(
                                        " · {} · since {}",
                                        source(item.source_id).map_or_else(|| "no source".to_owned(), |s| format!("source {s}")),
                                        item.created_at.format("%Y-%m-%d %H:%M UTC")
                                    )}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Suspense>
    }
}

//! A table of automations with their risk flags, as the inventory and the
//! orchestration page list them.

use leptos::prelude::*;

use crate::components::health::HealthCell;
use crate::services::InventoryRow;

#[component]
pub fn AutomationTable(rows: Vec<InventoryRow>, caption: String) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Automation"</th>
                        <th scope="col">"Health"</th>
                        <th scope="col">"Tool"</th>
                        <th scope="col">"Owner"</th>
                        <th scope="col">"Orchestration"</th>
                        <th scope="col" class="num">"Leverage"</th>
                        <th scope="col">"Risks"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|row| view! { <AutomationLine row/> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn AutomationLine(row: InventoryRow) -> impl IntoView {
    let unowned = row.owner.is_none();
    let loose = row.orchestration.is_none();
    let safe = !unowned && !loose && !row.no_failure_mode;
    let name =
        view! { <a class="table__name" href=format!("/automations/{}", row.id)>{row.name}</a> };
    // Only http(s) becomes a link, whatever a tool's webhook sent.
    let external = crate::model::catalog::is_http_url(&row.url).then(|| {
        view! { <a class="table__sub" href=row.url rel="noopener">"Open in its tool ↗"</a> }
    });
    view! {
        <tr>
            <th scope="row">
                {name}
                <span class="table__sub mono">{row.external_id}</span>
                {external}
                {(!row.description.is_empty()).then(|| view! { <span class="table__sub">{row.description}</span> })}
            </th>
            <td data-label="Health"><HealthCell state=row.health why=row.health_why/></td>
            <td data-label="Tool">{row.tool.label()}</td>
            <td data-label="Owner">{row.owner.unwrap_or_else(|| "—".to_owned())}</td>
            <td data-label="Orchestration">
                {match row.orchestration {
                    Some((slug, name)) => view! { <a href=format!("/orchestrations/{slug}")>{name}</a> }.into_any(),
                    None => view! { <span>"—"</span> }.into_any(),
                }}
            </td>
            <td data-label="Leverage" class="num">{format!("{:.0}", row.leverage)}</td>
            <td data-label="Risks">
                <span class="flags">
                    {loose.then(|| view! { <span class="flag flag--risk">"Loose"</span> })}
                    {unowned.then(|| view! { <span class="flag flag--risk">"Unowned"</span> })}
                    {row.no_failure_mode.then(|| view! { <span class="flag flag--risk">"No failure mode"</span> })}
                    {safe.then(|| view! { <span class="flag flag--ok">"None"</span> })}
                </span>
            </td>
        </tr>
    }
}

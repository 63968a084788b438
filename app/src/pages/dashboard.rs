//! `/`: the leaders' dashboard. Every state counted, the orchestrations that
//! need attention first (failing, silent, degraded) with their owner and
//! last success, open incidents, the catalog's gaps, and where a redesign
//! would pay off most. Server-rendered: it reads whole without JavaScript.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::charts::{RunsChart, Sparkline};
use crate::components::form::load_failed;
use crate::components::health::HealthBadge;
use crate::components::live::{LiveStatus, use_live};
use crate::model::health::{HealthState, format_span};
use crate::sections::Section;
use crate::server_fns::orchestrations::load_dashboard;
use crate::services::{Dashboard, DashboardFilter, ThisWeek, WeekFigure};
use leptos_router::hooks::use_query_map;

/// "3 h ago", "never".
fn since(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match at {
        Some(at) => format!("{} ago", format_span((now - at).num_milliseconds().max(0))),
        None => "never".to_owned(),
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        query.with(|q| {
            DashboardFilter::from_query(
                ["team", "tier", "owner"]
                    .into_iter()
                    .filter_map(|k| q.get_str(k).map(|v| (k, v))),
            )
        })
    });
    // Reloaded whenever runs or incidents change (the old figures stay up
    // meanwhile: a transition, not a blank page).
    let live = use_live();
    let dashboard = Resource::new(
        move || (filter.get(), live.version.get()),
        |(filter, _)| load_dashboard(filter),
    );
    let section = Section::Dashboard;
    view! {
        <Title text=section.title()/>
        <div class="page-header">
            <h1>{section.title()}</h1>
            <p class="lede">{section.purpose()}</p>
            <LiveStatus live/>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading the dashboard…"</p> }>
            {move || Suspend::new(async move {
                match dashboard.await {
                    Ok(d) => view! { <DashboardView d/> }.into_any(),
                    Err(err) => load_failed("The dashboard could not be loaded", err),
                }
            })}
        </Transition>
    }
}

/// How a count moved from the week before, in words.
fn change(this: u64, last: u64) -> String {
    match this.cmp(&last) {
        std::cmp::Ordering::Greater => format!("up {} from {last} the week before", this - last),
        std::cmp::Ordering::Less => format!("down {} from {last} the week before", last - this),
        std::cmp::Ordering::Equal => format!("as many as the week before ({last})"),
    }
}

/// The last 7 days beside the 7 before: what a leader who looks once a
/// week needs first.
#[component]
fn ThisWeekStrip(week: ThisWeek) -> impl IntoView {
    let item = |label: &'static str, figure: WeekFigure<u64>, href: Option<&'static str>| {
        let value = figure.this_week.to_string();
        view! {
            <li class="week__item">
                <span class="week__label">{label}</span>
                <span class="week__value">{match href {
                    Some(href) => view! { <a href=href>{value}</a> }.into_any(),
                    None => value.into_any(),
                }}</span>
                <span class="week__change">{change(figure.this_week, figure.last_week)}</span>
            </li>
        }
    };
    let recover = week.time_to_recover_ms;
    let span = |ms: Option<i64>| ms.map_or_else(|| "none resolved".to_owned(), format_span);
    view! {
        <section class="card week" aria-labelledby="this-week">
            <h2 id="this-week">"This week"</h2>
            <p class="muted">"The last 7 days, beside the 7 before."</p>
            <ul class="plain week__list">
                {item("New incidents", week.new_incidents, Some("/incidents?state=all"))}
                {item("Incidents resolved", week.resolved, Some("/incidents?state=resolved"))}
                <li class="week__item">
                    <span class="week__label">"Time to recover"</span>
                    <span class="week__value">{span(recover.this_week)}</span>
                    <span class="week__change">{format!("{} the week before", span(recover.last_week))}</span>
                </li>
                {item("Reviews signed", week.reviews_signed, Some("/reviews/report"))}
                {item("Runbooks verified", week.runbooks_verified, None)}
            </ul>
        </section>
    }
}

/// Counts by state, each a link to the list behind it (`list` followed by
/// `health=<state>`), when there is one that counts the same.
#[component]
fn StateCounts(
    title: &'static str,
    counts: Vec<(HealthState, u64)>,
    list: Option<String>,
) -> impl IntoView {
    view! {
        <div class="state-counts">
            <h3>{title}</h3>
            <ul class="plain state-counts__list">
                {counts.into_iter().map(|(state, n)| {
                    let figure = match &list {
                        Some(list) if n > 0 => view! {
                            <a class="state-counts__n" href=format!("{list}health={}", state.as_str())
                                aria-label=format!("{n} {} {}: list them", state.label().to_lowercase(), title.to_lowercase())>{n}</a>
                        }.into_any(),
                        _ => view! { <span class="state-counts__n">{n}</span> }.into_any(),
                    };
                    view! {
                        <li class:state-counts--none=n == 0>
                            {figure}" "<HealthBadge state/>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn DashboardView(d: Dashboard) -> impl IntoView {
    let now = d.as_of;
    // "3 min ago" keeps ticking between reloads: the figures' time, moved
    // on by how long the page has been open (the browser's clock may be
    // off; its stopwatch is not).
    let ticking = RwSignal::new(now);
    #[cfg(feature = "hydrate")]
    {
        let opened = js_sys::Date::now();
        if let Ok(handle) = set_interval_with_handle(
            move || {
                let open_ms = (js_sys::Date::now() - opened) as i64;
                ticking.set(now + chrono::TimeDelta::milliseconds(open_ms));
            },
            std::time::Duration::from_secs(20),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    let incidents_total = d.open_incident_count;
    let unalerted_class = (!d.unalerted_orchestrations.is_empty()).then_some("gap--bad");
    // Drill-downs: the orchestrations list narrows as the dashboard does;
    // the inventory only when nothing is narrowed (it narrows automations
    // by their own team and owner, the dashboard also by their
    // orchestration's).
    let orchestrations_list = {
        let f = &d.filter;
        let mut query = String::from("/orchestrations?");
        for (key, value) in [
            ("team", f.team_id),
            ("tier", f.tier.map(i64::from)),
            ("owner", f.owner_id),
        ] {
            if let Some(value) = value {
                query.push_str(&format!("{key}={value}&"));
            }
        }
        query
    };
    let automations_list = d.filter.is_empty().then(|| "/inventory?".to_owned());
    let attention_count = d.attention_count;
    let shown = d.attention.len() as u64;
    let f = d.filter.clone();
    let selected = |on: bool| on.then_some("selected");
    view! {
        <div class="dashboard">
        <form method="get" action="/" class="card filters dashboard-filters" aria-label="Narrow the dashboard">
            <div class="field">
                <label for="dash-team">"Team"</label>
                <select id="dash-team" name="team">
                    <option value="">"Every team"</option>
                    {d.teams.iter().map(|(id, name)| view! {
                        <option value=id.to_string() selected=selected(f.team_id == Some(*id))>{name.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="dash-tier">"Tier"</label>
                <select id="dash-tier" name="tier">
                    <option value="">"Every tier"</option>
                    {[1, 2, 3].into_iter().map(|t| view! {
                        <option value=t.to_string() selected=selected(f.tier == Some(t))>{format!("Tier {t}")}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="dash-owner">"Owner"</label>
                <select id="dash-owner" name="owner">
                    <option value="">"Anyone"</option>
                    {d.owners.iter().map(|(id, name)| view! {
                        <option value=id.to_string() selected=selected(f.owner_id == Some(*id))>{name.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="filters__actions">
                <button type="submit" class="button button--primary">"Apply"</button>
                {(!f.is_empty()).then(|| view! { <a href="/">"Everything"</a> })}
            </div>
        </form>
        <ThisWeekStrip week=d.this_week/>
        <section class="card" aria-labelledby="by-state">
            <h2 id="by-state">"Health"</h2>
            <p class="as-of muted">"Figures as of "
                <time datetime=now.to_rfc3339()>{now.format("%H:%M:%S UTC, %e %b").to_string()}</time>
            </p>
            <div class="grid-2">
                <StateCounts title="Orchestrations" counts=d.orchestrations_by_state list=Some(orchestrations_list)/>
                <StateCounts title="Automations" counts=d.automations_by_state list=automations_list/>
            </div>
            <RunsChart id="all-runs".to_owned() title="Every automation's runs per day, last 30 days".to_owned() days=d.per_day/>
        </section>
        <section class="card" aria-labelledby="attention">
            <h2 id="attention">"Needs attention"</h2>
            {if d.attention.is_empty() {
                view! { <p>"No orchestration or loose automation is failing, silent or under its target."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table">
                            <caption>{if attention_count > shown {
                                format!("The {shown} most urgent of {attention_count}: failing first, then silent, then under target")
                            } else {
                                "Failing first, then silent, then under target".to_owned()
                            }}</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Orchestration or loose automation"</th>
                                    <th scope="col">"Health"</th>
                                    <th scope="col">"Owner"</th>
                                    <th scope="col">"Last success"</th>
                                    <th scope="col">"30 days"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {d.attention.into_iter().map(|a| {
                                    let spark_title = format!("{}: share of runs that succeeded each day", a.name);
                                    view! {
                                    <tr>
                                        <th scope="row">
                                            <a class="table__name" href=a.href()>{a.name.clone()}</a>
                                            {a.automation_id.is_some().then(|| view! { <span class="table__sub">"A loose automation"</span> })}
                                        </th>
                                        <td data-label="Health"><HealthBadge state=a.state/><span class="table__sub">{a.why.clone()}</span>
                                            {(!a.troubled.is_empty()).then(|| view! {
                                                <ul class="plain troubled">
                                                    {a.troubled.iter().map(|(id, name, state)| view! {
                                                        <li><a href=format!("/automations/{id}")>{name.clone()}</a>": "{state.label().to_lowercase()}</li>
                                                    }).collect_view()}
                                                </ul>
                                            })}
                                        </td>
                                        <td data-label="Owner">{match a.owner {
                                            Some(owner) => view! { <span>{owner}</span> }.into_any(),
                                            None => view! { <span class="flag flag--risk">"Unowned"</span> }.into_any(),
                                        }}</td>
                                        <td data-label="Last success">{move || since(a.last_success_at, ticking.get())}</td>
                                        <td data-label="30 days"><Sparkline title=spark_title.clone() days=a.per_day.clone()/></td>
                                    </tr>
                                }}).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    {(attention_count > shown).then(|| view! {
                        <p class="muted">{format!("{} more need attention. ", attention_count - shown)}
                            <a href="/orchestrations">"Every orchestration with its health"</a>
                        </p>
                    })}
                }.into_any()
            }}
        </section>
        <div class="grid-2">
            <section class="card" aria-labelledby="open-incidents">
                <h2 id="open-incidents">{format!("Open incidents ({incidents_total})")}</h2>
                {if d.open_incidents.is_empty() {
                    view! { <p>"None open."</p> }.into_any()
                } else {
                    view! {
                        <ul class="plain dashboard-list">
                            {d.open_incidents.into_iter().map(|i| {
                                let nobody = i.told.state().is_nobody();
                                let told = format!("told: {}", i.told.short());
                                view! {
                                    <li>
                                        <a href=format!("/incidents/{}", i.id)>{format!("#{} {}", i.id, i.title())}</a>
                                        <span class="table__sub">{
                                            let opened = i.opened_at;
                                            let by = i.acknowledged_by.clone().map(|by| format!(", acknowledged by {by}")).unwrap_or_default();
                                            move || format!("opened {}{by}", since(Some(opened), ticking.get()))
                                        }</span>
                                        {if nobody {
                                            view! { <span class="status status--bad">{told}</span> }.into_any()
                                        } else {
                                            view! { <span class="table__sub">{told}</span> }.into_any()
                                        }}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <p><a href="/incidents">"All incidents"</a></p>
            </section>
            <section class="card" aria-labelledby="gaps">
                <h2 id="gaps">"Gaps in the catalog"</h2>
                <ul class="plain dashboard-list">
                    <li><a href="/inventory?unowned=1">{plural(d.unowned_automations, "automation has no owner", "automations have no owner")}</a></li>
                    <li><a href="/inventory?loose=1">{plural(d.loose_automations, "automation belongs to no orchestration", "automations belong to no orchestration")}</a></li>
                    <li><a href="/inventory?no_failure_mode=1">{plural(d.automations_without_failure_mode, "automation has no failure mode written", "automations have no failure mode written")}</a></li>
                    <li>
                        {plural(d.unowned_orchestrations.len() as u64, "orchestration has no owner", "orchestrations have no owner")}
                        <NameLinks list=d.unowned_orchestrations/>
                    </li>
                    <li>
                        {plural(d.orchestrations_without_failure_mode.len() as u64, "orchestration has no failure mode written", "orchestrations have no failure mode written")}
                        <NameLinks list=d.orchestrations_without_failure_mode/>
                    </li>
                    <li class=unalerted_class>
                        {plural(d.unalerted_orchestrations.len() as u64, "orchestration's failure would alert nobody (no owner, backup owner or team with an alert channel)", "orchestrations' failures would alert nobody (no owner, backup owner or team with an alert channel)")}
                        <NameLinks list=d.unalerted_orchestrations/>
                    </li>
                    <li class="dashboard-runbooks">
                        {plural(d.runbook_gap_count, "orchestration has no runbook it can rely on (none, never verified, or stale)", "orchestrations have no runbook they can rely on (none, never verified, or stale)")}
                        <RunbookGaps list=d.runbook_gaps total=d.runbook_gap_count/>
                    </li>
                </ul>
            </section>
        </div>
        <DashboardReviewsCard reviews=d.reviews/>
        <section class="card" aria-labelledby="leverage-top">
            <h2 id="leverage-top">"Where a redesign would pay off most"</h2>
            {if d.top_three.is_empty() {
                view! { <p class="muted">"No flow has a leverage score yet: say how many minutes each run saves and how often it runs."</p> }.into_any()
            } else {
                view! {
                    <ol class="dashboard-list">
                        {d.top_three.into_iter().map(|r| {
                            let href = match &r.endpoint.slug {
                                Some(slug) => format!("/orchestrations/{slug}"),
                                None => format!("/automations/{}", r.endpoint.node.id),
                            };
                            view! {
                                <li>
                                    <a href=href>{r.endpoint.name.clone()}</a>
                                    <span class="table__sub">{r.why}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <p><a href="/leverage">"The whole ranking"</a></p>
        </section>
        </div>
    }
}

/// Up to five runbooks that need work, each with its standing, and how
/// many more.
#[component]
fn RunbookGaps(list: Vec<crate::services::RunbookGap>, total: u64) -> impl IntoView {
    let more = total.saturating_sub(5);
    (!list.is_empty()).then(|| {
        view! {
            <span class="table__sub">
                {list.into_iter().take(5).enumerate().map(|(k, g)| view! {
                    {(k > 0).then_some(", ")}
                    <a href=format!("/orchestrations/{}/runbook", g.slug)>{g.name}</a>
                    {format!(" ({})", g.freshness.label().to_lowercase())}
                }).collect_view()}
                {(more > 0).then(|| format!(" and {more} more"))}
            </span>
        }
    })
}

/// Up to five names as links, and how many more.
#[component]
fn NameLinks(list: Vec<(String, String)>) -> impl IntoView {
    let more = list.len().saturating_sub(5);
    (!list.is_empty()).then(|| {
        view! {
            <span class="table__sub">
                {list.into_iter().take(5).enumerate().map(|(k, (slug, name))| view! {
                    {(k > 0).then_some(", ")}
                    <a href=format!("/orchestrations/{slug}")>{name}</a>
                }).collect_view()}
                {(more > 0).then(|| format!(" and {more} more"))}
            </span>
        }
    })
}

/// The quarter's reviews: figures, the person's own coming due, and the
/// overdue ones.
#[component]
fn DashboardReviewsCard(reviews: crate::services::DashboardReviews) -> impl IntoView {
    use crate::model::reviews::{BoardRow, BoardStatus};
    let r = reviews;
    let quarter = r.quarter.map(|q| q.to_string()).unwrap_or_default();
    let line = |row: BoardRow| {
        let (href, action) = match (row.review_id, row.in_progress) {
            (Some(id), true) => (format!("/reviews/{id}"), "continue"),
            _ => (format!("/orchestrations/{}#reviews", row.slug), "start"),
        };
        let when = match row.status {
            BoardStatus::Overdue => format!("overdue since {}", row.due_on),
            _ => format!("due by {}", row.due_on),
        };
        view! {
            <li>
                <a href=href>{row.name}</a>
                <span class=if row.status == BoardStatus::Overdue { "table__sub status--bad" } else { "table__sub" }>
                    {format!("{when}; {action} the review")}
                </span>
            </li>
        }
    };
    let mine_empty = r.mine.is_empty();
    view! {
        <section class="card" aria-labelledby="reviews-due">
            <h2 id="reviews-due">{format!("Reviews due and overdue ({quarter})")}</h2>
            <p>
                <a href="/reviews">{plural(r.overdue, "review is overdue", "reviews are overdue")}</a>
                {format!(", {} due this quarter, {} done.", r.due, r.done)}
            </p>
            <h3>"Yours"</h3>
            {if mine_empty {
                view! { <p class="muted">"None of your orchestrations has a review due this quarter."</p> }.into_any()
            } else {
                view! { <ul class="plain dashboard-list">{r.mine.into_iter().map(line).collect_view()}</ul> }.into_any()
            }}
            {(!r.overdue_rows.is_empty()).then(|| view! {
                <h3>"Overdue"</h3>
                <ul class="plain dashboard-list">{r.overdue_rows.into_iter().map(line).collect_view()}</ul>
            })}
        </section>
    }
}

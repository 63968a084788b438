//! The review screens: `/reviews`, the board of a quarter; `/reviews/:id`,
//! one review with what it looks at, its checklist, decision and action
//! items; `/reviews/report`, the printable quarterly report. The
//! orchestration page's review card is here too.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::form::{Outcome, SaveMessages, follow_saved, load_failed, text_or_missing};
use crate::components::runbook::RunbookBadge;
use crate::model::forms::SaveOutcome;
use crate::model::reviews::{
    ActionItem, Answer, BoardCounts, BoardRow, BoardStatus, CheckItem, Decision, Quarter,
    QuarterHealth, Review, ReviewReport,
};
use crate::pages::not_found::answer_not_found;
use crate::sections::Section;
use crate::server_fns::reviews::{
    AddReviewAction, DiscardReview, MarkReviewAction, SaveReview, StartReview, load_review,
    load_review_actions, load_review_board, load_review_history, load_review_report,
};
use crate::services::{ReviewBoardScreen, ReviewScreen};

fn pct(rate: Option<f64>) -> String {
    rate.map_or("—".to_owned(), |r| format!("{:.1} %", r * 100.0))
}

fn day(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A status as a badge: a word and a border, never colour alone.
#[component]
fn StatusBadge(status: BoardStatus) -> impl IntoView {
    let class = match status {
        BoardStatus::Overdue => "status status--bad",
        BoardStatus::Due => "status status--running",
        BoardStatus::DoneLate => "status status--late",
        BoardStatus::Done => "status status--ok",
    };
    view! { <span class=class>{status.label()}</span> }
}

#[component]
fn Counts(counts: BoardCounts) -> impl IntoView {
    let items = [
        ("Overdue", counts.overdue, "review-count--overdue"),
        ("Due", counts.due, "review-count--due"),
        ("Done on time", counts.done, "review-count--done"),
        ("Done late", counts.done_late, "review-count--late"),
    ];
    view! {
        <ul class="plain review-counts" aria-label="Reviews this quarter">
            {items.into_iter().map(|(label, n, class)| view! {
                <li class=class><span class="review-counts__n">{n}</span>" "{label}</li>
            }).collect_view()}
            <li class="review-counts__share">
                <span class="review-counts__n">{pct(counts.on_time_share)}</span>
                " reviewed on time"
            </li>
        </ul>
    }
}

fn query_number(value: Option<String>) -> Option<i64> {
    value.and_then(|v| v.parse().ok())
}

/// `/reviews?quarter=2026-Q4&team=&owner=`.
#[component]
pub fn ReviewBoardPage() -> impl IntoView {
    let query = use_query_map();
    let asked = Memo::new(move |_| {
        query.with(|q| {
            (
                q.get("quarter").unwrap_or_default(),
                query_number(q.get("team")),
                query_number(q.get("owner")),
            )
        })
    });
    let board = Resource::new(
        move || asked.get(),
        |(quarter, team, owner)| load_review_board(quarter, team, owner),
    );
    view! {
        <Title text=Section::Reviews.title()/>
        <div class="page-header">
            <h1>{Section::Reviews.title()}</h1>
            <p class="lede">{Section::Reviews.purpose()}</p>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading the board…"</p> }>
            {move || Suspend::new(async move {
                match board.await {
                    Ok(screen) => view! { <Board screen/> }.into_any(),
                    Err(err) => load_failed("The review board could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

fn board_link(quarter: Quarter, team: Option<i64>, owner: Option<i64>) -> String {
    let mut link = format!("/reviews?quarter={quarter}");
    if let Some(team) = team {
        link.push_str(&format!("&team={team}"));
    }
    if let Some(owner) = owner {
        link.push_str(&format!("&owner={owner}"));
    }
    link
}

#[component]
fn Board(screen: ReviewBoardScreen) -> impl IntoView {
    let b = screen.board;
    let (team, owner) = (b.filter.team_id, b.filter.owner_id);
    let q = b.quarter;
    let option = |(id, name): (i64, String), chosen: Option<i64>| {
        view! { <option value=id.to_string() selected=chosen == Some(id)>{name}</option> }
    };
    let rows = b.rows.clone();
    view! {
        <section class="card" aria-labelledby="quarter-title">
            <div class="title-row">
                <h2 id="quarter-title">
                    {format!("{q}: {} to {}", day(b.starts), day(b.ends))}
                    {(q == screen.current).then_some(" (this quarter)")}
                </h2>
                <p class="actions">
                    <a class="button" href=board_link(q.previous(), team, owner)>{format!("← {}", q.previous())}</a>
                    {(q != screen.current).then(|| view! {
                        <a class="button" href=board_link(screen.current, team, owner)>"This quarter"</a>
                    })}
                    <a class="button" href=board_link(q.next(), team, owner)>{format!("{} →", q.next())}</a>
                    <a class="button button--primary" href=format!("/reviews/report?quarter={q}")>"Quarterly report"</a>
                </p>
            </div>
            <form method="get" action="/reviews" class="filters">
                <input type="hidden" name="quarter" value=q.to_string()/>
                <label class="field">
                    <span>"Team"</span>
                    <select name="team">
                        <option value="">"Every team"</option>
                        {screen.teams.into_iter().map(|t| option(t, team)).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>"Owner"</span>
                    <select name="owner">
                        <option value="">"Every owner"</option>
                        {screen.people.into_iter().map(|p| option(p, owner)).collect_view()}
                    </select>
                </label>
                <button type="submit" class="button">"Filter"</button>
            </form>
            <Counts counts=b.counts/>
        </section>
        <section class="card" aria-labelledby="rows-title">
            <h2 id="rows-title">"Reviews"</h2>
            {if rows.is_empty() {
                view! { <p class="muted">"No review is due, overdue or done in this quarter."</p> }.into_any()
            } else {
                view! { <BoardTable rows/> }.into_any()
            }}
        </section>
    }
}

#[component]
fn BoardTable(rows: Vec<BoardRow>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table review-board">
                <caption class="visually-hidden">"Reviews of the quarter, overdue first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Orchestration"</th>
                        <th scope="col">"Owner"</th>
                        <th scope="col">"Team"</th>
                        <th scope="col" class="num">"Tier"</th>
                        <th scope="col">"Due by"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Signed off"</th>
                        <th scope="col">"Decision"</th>
                        <th scope="col"><span class="visually-hidden">"Review"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let open = match (r.review_id, r.status.is_done()) {
                            (Some(id), true) => view! { <a href=format!("/reviews/{id}")>"Read"</a> }.into_any(),
                            (Some(id), false) => view! { <a href=format!("/reviews/{id}")>"Continue"</a> }.into_any(),
                            (None, _) => view! { <a href=format!("/orchestrations/{}#reviews", r.slug)>"Start"</a> }.into_any(),
                        };
                        view! {
                            <tr>
                                <td class="table__name"><a href=format!("/orchestrations/{}", r.slug)>{r.name}</a>
                                    {r.in_progress.then(|| view! { <span class="table__sub">"Review under way"</span> })}
                                </td>
                                <td>{r.owner.unwrap_or_else(|| "—".to_owned())}</td>
                                <td>{r.team.unwrap_or_else(|| "—".to_owned())}</td>
                                <td class="num">{r.tier}</td>
                                <td>{day(r.due_on)}<span class="table__sub">{r.cadence.label()}</span></td>
                                <td><StatusBadge status=r.status/></td>
                                <td>{r.signed_on.map(day).unwrap_or_default()}
                                    <span class="table__sub">{r.signed_by.unwrap_or_default()}</span></td>
                                <td>{r.decision.map(|d| d.label()).unwrap_or("")}</td>
                                <td>{open}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// `/reviews/:id`.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params.with(|p| {
            p.get("id")
                .and_then(|id| id.parse::<i64>().ok())
                .unwrap_or(0)
        })
    });
    let screen = Resource::new(move || id.get(), load_review);
    let changed = Callback::new(move |()| screen.refetch());
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the review…"</p> }>
            {move || Suspend::new(async move {
                match screen.await {
                    Ok(Some(screen)) => view! { <ReviewView screen changed/> }.into_any(),
                    Ok(None) => {
                        answer_not_found();
                        view! {
                            <Title text="Not found"/>
                            <section class="card"><h1>"No such review"</h1>
                                <p><a href="/reviews">"See the review board"</a></p></section>
                        }.into_any()
                    }
                    Err(err) => load_failed("The review could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

/// Re-reads the screen whenever `outcome` is a save.
fn refresh_on_save(outcome: Outcome, changed: Callback<()>) {
    Effect::new(move |_| {
        if let Some(Ok(SaveOutcome::Saved { .. })) = outcome.get() {
            changed.run(());
        }
    });
}

#[component]
fn ReviewView(screen: ReviewScreen, changed: Callback<()>) -> impl IntoView {
    let d = screen.detail;
    let r = d.review.clone();
    let page = screen.page;
    let f = page.orchestration.fields.clone();
    let title = format!("Review of {} · {}", d.name, d.quarter);
    let state_line = match (&r.signed_at, &r.signed_by, r.answered) {
        (Some(at), Some(by), Some(answered)) => format!(
            "Signed off by {by} on {} for the review due by {}: {}. It can no longer change.",
            day(at.date_naive()),
            day(answered),
            if r.on_time() == Some(true) {
                "on time"
            } else {
                "late"
            }
        ),
        _ => format!(
            "Draft started by {} on {}; due by {}. Save as often as you like; signing off makes it final.",
            r.started_by,
            day(r.started_at.date_naive()),
            day(d.schedule.due_on)
        ),
    };
    let can_edit = screen.can_edit;
    view! {
        <Title text=title.clone()/>
        <div class="page-header">
            <p class="breadcrumb">
                <a href="/reviews">"Reviews"</a>" / "
                <a href=format!("/reviews?quarter={}", d.quarter)>{d.quarter.to_string()}</a>" / "
                <a href=format!("/orchestrations/{}", d.slug)>{d.name.clone()}</a>
            </p>
            <h1>{title}</h1>
            <p class="lede">
                <span class=if r.is_signed() { "status status--ok" } else { "status status--running" }>
                    {if r.is_signed() { "Signed off" } else { "Draft" }}
                </span>" "{state_line}
            </p>
        </div>
        <div class="grid-2">
            <section class="card" aria-labelledby="card-title">
                <h2 id="card-title">"Product card"</h2>
                <dl class="facts">
                    <dt>"Purpose"</dt><dd>{text_or_missing(f.purpose.clone())}</dd>
                    <dt>"Owner"</dt><dd>{page.owner.clone().unwrap_or_else(|| "—".to_owned())}</dd>
                    <dt>"Backup owner"</dt><dd>{page.backup_owner.clone().unwrap_or_else(|| "—".to_owned())}</dd>
                    <dt>"Team"</dt><dd>{page.team.clone().unwrap_or_else(|| "—".to_owned())}</dd>
                    <dt>"Tier"</dt><dd>{f.tier}</dd>
                    <dt>"Inputs"</dt><dd>{text_or_missing(f.inputs.clone())}</dd>
                    <dt>"Outputs"</dt><dd>{text_or_missing(f.outputs.clone())}</dd>
                    <dt>"If it fails silently"</dt><dd>{text_or_missing(f.failure_mode.clone())}</dd>
                    <dt>"Fallback"</dt><dd>{text_or_missing(f.fallback.clone())}</dd>
                </dl>
                <p><a href=format!("/orchestrations/{}", d.slug)>"Open the orchestration page"</a></p>
            </section>
            <HealthCard health=d.health.clone()/>
            <section class="card" aria-labelledby="runbook-title">
                <h2 id="runbook-title">"Runbook"</h2>
                <p><RunbookBadge freshness=d.runbook.freshness/>" "{d.runbook.summary()}</p>
                <p>{match d.runbook_revisions {
                    0 => "No revision was saved this quarter.".to_owned(),
                    1 => "1 revision was saved this quarter.".to_owned(),
                    n => format!("{n} revisions were saved this quarter."),
                }}</p>
                <p><a href=format!("/orchestrations/{}/runbook", d.slug)>"Open the runbook"</a></p>
            </section>
            <section class="card" aria-labelledby="leverage-title">
                <h2 id="leverage-title">"Leverage and dependencies"</h2>
                <p>{format!("Leverage score {:.1}: {}", page.leverage.leverage.score, page.leverage.why)}</p>
                {if page.dependencies.is_empty() {
                    view! { <p class="muted">"No dependencies are recorded."</p> }.into_any()
                } else {
                    view! {
                        <ul class="plain">
                            {page.dependencies.iter().map(|e| view! {
                                <li>{format!("{} → {}", e.upstream.name, e.downstream.name)}</li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        </div>
        {if can_edit {
            view! { <ReviewForm r=r.clone() hints=d.hints.clone() orchestrations=screen.orchestrations.clone() merge_into=d.merge_into.clone().map(|m| m.0) changed/> }.into_any()
        } else {
            view! { <ReviewRead r=r.clone() merge_into=d.merge_into.clone().map(|m| m.1)/> }.into_any()
        }}
        <ActionsSection review=r.id people=screen.people.clone()/>
        {can_edit.then(|| view! { <Discard review=r.id/> })}
    }
}

#[component]
fn HealthCard(health: QuarterHealth) -> impl IntoView {
    let h = health;
    let change = match (h.success_rate, h.previous_rate) {
        (Some(now), Some(before)) => format!(
            "{:+.1} points on the quarter before ({})",
            (now - before) * 100.0,
            pct(Some(before))
        ),
        _ => "No runs to compare with the quarter before.".to_owned(),
    };
    let width = 16 * h.weeks.len().max(1);
    let bars: Vec<_> = h.weeks.iter().enumerate().map(|(i, w)| {
        let height = w.rate().map_or(0.0, |r| r * 60.0);
        let label = format!("Week of {}: {}", day(w.starts), w.rate().map_or("no runs".to_owned(), |r| format!("{:.1} % of {} runs", r * 100.0, w.runs)));
        view! {
            <rect x=(i * 16 + 2).to_string() y=format!("{:.1}", 62.0 - height) width="12" height=format!("{:.1}", height.max(1.0))
                class=if w.runs == 0 { "bar bar--none" } else { "bar" }>
                <title>{label}</title>
            </rect>
        }
    }).collect();
    let summary = format!(
        "Success rate by week over {}: {}",
        h.quarter,
        h.weeks
            .iter()
            .map(|w| format!("{} {}", day(w.starts), pct(w.rate())))
            .collect::<Vec<_>>()
            .join(", ")
    );
    view! {
        <section class="card" aria-labelledby="health-title">
            <h2 id="health-title">{format!("Health over {}", h.quarter)}</h2>
            <dl class="facts">
                <dt>"Success rate"</dt><dd>{pct(h.success_rate)}{h.target.map(|t| format!(" (target {})", pct(Some(t))))}</dd>
                <dt>"Trend"</dt><dd>{change}</dd>
                <dt>"Runs"</dt><dd>{format!("{} ({} failed, {} missed)", h.runs, h.failed, h.missed)}</dd>
                <dt>"Incidents"</dt><dd>{h.incidents.len()}</dd>
            </dl>
            <svg class="week-chart" role="img" viewBox=format!("0 0 {width} 64") width=width.to_string() height="64" aria-label=summary.clone()>
                <title>{summary.clone()}</title>
                <line x1="0" x2=width.to_string() y1="62" y2="62" class="axis"/>
                {bars}
            </svg>
            {(!h.incidents.is_empty()).then(|| view! {
                <ul class="plain">
                    {h.incidents.iter().map(|i| view! {
                        <li><a href=format!("/incidents/{}", i.id)>{format!("{} · {} · {}", day(i.opened_at.date_naive()), i.automation, i.kind.as_str())}</a></li>
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}

#[component]
fn ReviewForm(
    r: Review,
    hints: Vec<crate::model::reviews::Hint>,
    orchestrations: Vec<(String, String)>,
    merge_into: Option<String>,
    changed: Callback<()>,
) -> impl IntoView {
    let save = ServerAction::<SaveReview>::new();
    let outcome: Outcome = save.value().into();
    refresh_on_save(outcome, changed);
    let error = move |field: String| {
        outcome.with(|o| match o {
            Some(Ok(SaveOutcome::Invalid(errors))) => errors.get(&field).map(str::to_owned),
            _ => None,
        })
    };
    let decision = r.decision;
    view! {
        <ActionForm action=save attr:class="form card review-form" attr:novalidate=true>
            <h2>"Checklist"</h2>
            <input type="hidden" name="id" value=r.id.to_string()/>
            <input type="hidden" name="draft[version]" value=r.version.to_string()/>
            {move || match outcome.get() {
                Some(Ok(SaveOutcome::Conflict { .. })) => view! {
                    <div class="notice notice--warning" role="alert"><p>"Someone saved this review since you opened it. Nothing of yours was saved: reload the page to see their answers, then save again."</p></div>
                }.into_any(),
                Some(Ok(SaveOutcome::Saved { .. })) => view! {
                    <p class="notice notice--ok" role="status">"Saved."</p>
                }.into_any(),
                _ => view! { <SaveMessages outcome labels=REVIEW_LABELS/> }.into_any(),
            }}
            {CheckItem::ALL.into_iter().map(|item| {
                let key = item.as_str();
                let stored = r.answer(item).cloned();
                let answer = stored.as_ref().and_then(|a| a.answer);
                let note = stored.map(|a| a.note).unwrap_or_default();
                let hint = hints.iter().find(|h| h.item == item).cloned();
                let field = format!("answers.{key}");
                let field_id = format!("field-answers.{key}");
                view! {
                    <fieldset class="check" id=field_id>
                        <legend>{item.question()}</legend>
                        {hint.map(|h| view! {
                            <p class="check__hint">"Baton sees: "{h.seen}
                                {h.suggests.map(|s| format!(" (suggests {})", s.as_str()))}</p>
                        })}
                        <div class="check__answers">
                            {[Answer::Yes, Answer::No].into_iter().map(|a| view! {
                                <label class="choice">
                                    <input type="radio" name=format!("draft[answers][{key}][answer]") value=a.as_str() checked=answer == Some(a)/>
                                    {if a == Answer::Yes { "Yes" } else { "No" }}
                                </label>
                            }).collect_view()}
                        </div>
                        <label class="field">
                            <span>"Note"</span>
                            <textarea name=format!("draft[answers][{key}][note]") rows="2">{crate::escape::textarea_text(note)}</textarea>
                        </label>
                        {move || error(field.clone()).map(|e| view! { <p class="field__error">{e}</p> })}
                    </fieldset>
                }
            }).collect_view()}
            <fieldset class="check" id="field-decision">
                <legend>"Decision"</legend>
                {Decision::ALL.into_iter().map(|choice| view! {
                    <label class="choice choice--block">
                        <input type="radio" name="draft[decision]" value=choice.as_str() checked=decision == Some(choice)/>
                        <strong>{choice.label()}</strong>" — "{choice.meaning()}
                    </label>
                }).collect_view()}
                {move || error("decision".to_owned()).map(|e| view! { <p class="field__error">{e}</p> })}
                <label class="field" id="field-merge_into">
                    <span>"When merging: into which orchestration"</span>
                    <select name="draft[merge_into]">
                        <option value="">"—"</option>
                        {orchestrations.into_iter().map(|(slug, name)| {
                            let chosen = merge_into.as_deref() == Some(slug.as_str());
                            view! { <option value=slug selected=chosen>{name}</option> }
                        }).collect_view()}
                    </select>
                </label>
                {move || error("merge_into".to_owned()).map(|e| view! { <p class="field__error">{e}</p> })}
            </fieldset>
            <label class="field" id="field-notes">
                <span>"Notes"</span>
                <textarea name="draft[notes]" rows="4">{crate::escape::textarea_text(r.notes.clone())}</textarea>
            </label>
            <div class="form__footer">
                <button type="submit" name="sign" value="false" class="button" disabled=move || save.pending().get()>"Save draft"</button>
                <button type="submit" name="sign" value="true" class="button button--primary" disabled=move || save.pending().get()>"Sign off"</button>
                <span class="muted">"Signing off needs every question answered, a note for each “no”, and a decision."</span>
            </div>
        </ActionForm>
    }
}

#[component]
fn ReviewRead(r: Review, merge_into: Option<String>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="checklist-title">
            <h2 id="checklist-title">"Checklist"</h2>
            <dl class="facts checklist">
                {r.answers.iter().map(|a| view! {
                    <dt>{a.item.question()}</dt>
                    <dd>
                        <strong>{match a.answer { Some(Answer::Yes) => "Yes", Some(Answer::No) => "No", None => "Not answered" }}</strong>
                        {(!a.note.is_empty()).then(|| format!(" — {}", a.note))}
                    </dd>
                }).collect_view()}
            </dl>
            <h3>"Decision"</h3>
            <p>{match r.decision {
                Some(Decision::Merge) => format!("Merge into {}", merge_into.unwrap_or_else(|| "another orchestration".to_owned())),
                Some(d) => format!("{}: {}", d.label(), d.meaning()),
                None => "Not decided yet.".to_owned(),
            }}</p>
            {(!r.notes.is_empty()).then(|| view! { <h3>"Notes"</h3><p class="prewrap">{r.notes.clone()}</p> })}
        </section>
    }
}

#[component]
fn ActionTable(
    items: Vec<ActionItem>,
    empty: &'static str,
    may_mark: bool,
    /// The person asking, who may close their own items.
    me: Option<i64>,
    changed: Callback<()>,
) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="muted">{empty}</p> }.into_any();
    }
    let mark = ServerAction::<MarkReviewAction>::new();
    let outcome: Outcome = mark.value().into();
    refresh_on_save(outcome, changed);
    view! {
        <SaveMessages outcome/>
        <div class="table-wrap">
            <table class="table">
                <thead><tr>
                    <th scope="col">"To do"</th><th scope="col">"Owner"</th>
                    <th scope="col">"Due by"</th><th scope="col">"State"</th>
                    <th scope="col"><span class="visually-hidden">"Change"</span></th>
                </tr></thead>
                <tbody>
                    {items.into_iter().map(|a| {
                        let open = a.is_open();
                        view! {
                            <tr>
                                <td class="table__name">{a.title.clone()}</td>
                                <td>{a.owner.clone().unwrap_or_else(|| "—".to_owned())}</td>
                                <td>{day(a.due_on)}</td>
                                <td>{match (&a.done_at, &a.done_by) {
                                    (Some(at), Some(by)) => view! { <span class="status status--ok">"Done"</span><span class="table__sub">{format!("{} by {by}", day(at.date_naive()))}</span> }.into_any(),
                                    _ => view! { <span class="status status--running">"Open"</span> }.into_any(),
                                }}</td>
                                <td>{(may_mark || (me.is_some() && a.owner_id == me)).then(|| view! {
                                    <ActionForm action=mark attr:class="inline-form">
                                        <input type="hidden" name="id" value=a.id.to_string()/>
                                        <input type="hidden" name="done" value=open.to_string()/>
                                        <button type="submit" class="button button--small">{if open { "Mark done" } else { "Reopen" }}</button>
                                    </ActionForm>
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The action items, read and changed on their own: adding or closing one
/// leaves the checklist above as it is typed.
#[component]
fn ActionsSection(review: i64, people: Vec<(i64, String)>) -> impl IntoView {
    let items = Resource::new(move || review, load_review_actions);
    let changed = Callback::new(move |()| items.refetch());
    let people = StoredValue::new(people);
    view! {
        <section class="card" aria-labelledby="actions-title">
            <h2 id="actions-title">"Action items"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading action items…"</p> }>
                {move || Suspend::new(async move {
                    match items.await {
                        Ok(Some(a)) => view! {
                            <ActionTable items=a.actions empty="This review has set no action item yet." may_mark=a.may_mark me=a.me changed/>
                            {a.can_add.then(|| view! { <AddAction review people=people.get_value() changed/> })}
                            <h3>"From earlier reviews"</h3>
                            <ActionTable items=a.carried empty="No open item was carried over from earlier reviews." may_mark=a.may_mark me=a.me changed/>
                        }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(err) => load_failed("The action items could not be loaded", err),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The review form's fields, as its summary of errors names them.
const REVIEW_LABELS: &[(&str, &str)] = &[
    ("answers.owner_right", "Owner still right"),
    ("answers.backup_owner_set", "Backup owner set"),
    ("answers.runbook_verified", "Runbook verified"),
    ("answers.failure_mode_true", "Failure mode still true"),
    ("answers.health_within_target", "Health within target"),
    ("answers.dependencies_correct", "Dependencies correct"),
    ("decision", "Decision"),
    ("merge_into", "Merge into"),
    ("notes", "Notes"),
];

const ACTION_LABELS: &[(&str, &str)] = &[
    ("title", "What is to be done"),
    ("owner_id", "Owner"),
    ("due_on", "Due by"),
];

#[component]
fn AddAction(review: i64, people: Vec<(i64, String)>, changed: Callback<()>) -> impl IntoView {
    let add = ServerAction::<AddReviewAction>::new();
    let outcome: Outcome = add.value().into();
    refresh_on_save(outcome, changed);
    view! {
        <ActionForm action=add attr:class="form action-form" attr:novalidate=true>
            <h3>"Add an action item"</h3>
            <SaveMessages outcome labels=ACTION_LABELS/>
            <input type="hidden" name="id" value=review.to_string()/>
            <div class="action-form__fields">
                <label class="field" id="field-title">
                    <span>"What is to be done"</span>
                    <input type="text" name="draft[title]" maxlength="200" required/>
                </label>
                <label class="field" id="field-owner_id">
                    <span>"Owner"</span>
                    <select name="draft[owner_id]">
                        <option value="">"Nobody yet"</option>
                        {people.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                    </select>
                </label>
                <label class="field" id="field-due_on">
                    <span>"Due by"</span>
                    <input type="date" name="draft[due_on]" required/>
                </label>
                <button type="submit" class="button" disabled=move || add.pending().get()>"Add"</button>
            </div>
        </ActionForm>
    }
}

#[component]
fn Discard(review: i64) -> impl IntoView {
    let discard = ServerAction::<DiscardReview>::new();
    let outcome: Outcome = discard.value().into();
    follow_saved(outcome);
    view! {
        <ActionForm action=discard attr:class="inline-form no-print">
            <SaveMessages outcome/>
            <input type="hidden" name="id" value=review.to_string()/>
            <button type="submit" class="button button--danger">"Throw this draft away"</button>
        </ActionForm>
    }
}

/// The orchestration page's review card: the schedule, the button to start
/// or continue a review, and the reviews signed off.
#[component]
pub fn ReviewsCard(slug: String, schedule: String) -> impl IntoView {
    let form_slug = StoredValue::new(slug.clone());
    let history = Resource::new(move || slug.clone(), load_review_history);
    let start = ServerAction::<StartReview>::new();
    let outcome: Outcome = start.value().into();
    follow_saved(outcome);
    view! {
        <section class="card" id="reviews" aria-labelledby="reviews-title">
            <h2 id="reviews-title">"Reviews"</h2>
            <p>{schedule}</p>
            <Suspense fallback=|| view! { <p class="muted">"Loading reviews…"</p> }>
                {move || Suspend::new(async move {
                    match history.await {
                        Ok(h) => {
                            let draft = h.reviews.iter().find(|r| !r.is_signed()).map(|r| r.id);
                            let signed: Vec<Review> = h.reviews.into_iter().filter(Review::is_signed).collect();
                            view! {
                                {match (draft, h.can_edit) {
                                    (Some(id), _) => view! { <p><a class="button button--primary" href=format!("/reviews/{id}")>"Continue the review under way"</a></p> }.into_any(),
                                    (None, true) => view! {
                                        <ActionForm action=start attr:class="inline-form">
                                            <SaveMessages outcome/>
                                            <input type="hidden" name="slug" value=form_slug.get_value()/>
                                            <button type="submit" class="button button--primary">"Start a review"</button>
                                        </ActionForm>
                                    }.into_any(),
                                    (None, false) => ().into_any(),
                                }}
                                {if signed.is_empty() {
                                    view! { <p class="muted">"No review has been signed off yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="plain">
                                            {signed.into_iter().map(|r| view! {
                                                <li><a href=format!("/reviews/{}", r.id)>
                                                    {format!("{} · {} · {}",
                                                        r.signed_at.map(|t| day(t.date_naive())).unwrap_or_default(),
                                                        r.decision.map(|d| d.label()).unwrap_or(""),
                                                        r.signed_by.clone().unwrap_or_default())}
                                                </a></li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            }.into_any()
                        }
                        Err(err) => load_failed("The reviews could not be loaded", err),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// `/reviews/report?quarter=2026-Q4`.
#[component]
pub fn ReviewReportPage() -> impl IntoView {
    let query = use_query_map();
    let quarter = Memo::new(move |_| query.with(|q| q.get("quarter").unwrap_or_default()));
    let report = Resource::new(move || quarter.get(), load_review_report);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the report…"</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(report) => view! { <Report report/> }.into_any(),
                    Err(err) => load_failed("The report could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Report(report: ReviewReport) -> impl IntoView {
    let b = &report.board;
    let q = b.quarter;
    let title = format!("Quarterly report · {q}");
    let today = b.today;
    view! {
        <Title text=title.clone()/>
        <div class="page-header">
            <p class="breadcrumb no-print"><a href="/reviews">"Reviews"</a>" / "
                <a href=format!("/reviews?quarter={q}")>{q.to_string()}</a></p>
            <div class="title-row">
                <h1>{title}</h1>
                <p class="actions no-print">
                    <a class="button" href=format!("/reviews/report?quarter={}", q.previous())>{format!("← {}", q.previous())}</a>
                    <a class="button" href=format!("/reviews/report?quarter={}", q.next())>{format!("{} →", q.next())}</a>
                    <a class="button" href=format!("/api/v1/reviews/report.csv?quarter={q}") download="">"Download CSV"</a>
                </p>
            </div>
            <p class="lede">{format!("{} to {}, as of {}. Print this page for a paper copy: navigation and buttons are left out.", day(b.starts), day(b.ends), day(today))}</p>
        </div>
        <section class="card report-section" aria-labelledby="summary-title">
            <h2 id="summary-title">"Reviews"</h2>
            <Counts counts=b.counts/>
            {if b.rows.is_empty() {
                view! { <p class="muted">"No review was due or done in this quarter."</p> }.into_any()
            } else {
                view! { <BoardTable rows=b.rows.clone()/> }.into_any()
            }}
        </section>
        <section class="card report-section" aria-labelledby="decisions-title">
            <h2 id="decisions-title">"Decisions taken"</h2>
            {if report.decisions.is_empty() {
                view! { <p class="muted">"No review was signed off in this quarter."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain">
                        {report.decisions.iter().map(|d| view! {
                            <li><a href=format!("/reviews/{}", d.review_id)>{d.name.clone()}</a>": "
                                <strong>{match &d.merge_into {
                                    Some((_, into)) => format!("merge into {into}"),
                                    None => d.decision.label().to_lowercase(),
                                }}</strong>
                                {format!(" (signed off {} by {})", day(d.signed_on), d.signed_by)}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="card report-section" aria-labelledby="health-title">
            <h2 id="health-title">"Health trends"</h2>
            <div class="table-wrap">
                <table class="table">
                    <caption class="visually-hidden">"Success rate this quarter and the one before, worst first"</caption>
                    <thead><tr>
                        <th scope="col">"Orchestration"</th><th scope="col" class="num">"Tier"</th>
                        <th scope="col" class="num">"Runs"</th><th scope="col" class="num">{format!("Success {q}")}</th>
                        <th scope="col" class="num">{format!("Success {}", q.previous())}</th><th scope="col" class="num">"Change"</th>
                        <th scope="col" class="num">"Target"</th><th scope="col" class="num">"Incidents"</th>
                    </tr></thead>
                    <tbody>
                        {report.health.iter().map(|h| view! {
                            <tr>
                                <td class="table__name"><a href=format!("/orchestrations/{}", h.slug)>{h.name.clone()}</a></td>
                                <td class="num">{h.tier}</td>
                                <td class="num">{h.runs}</td>
                                <td class="num">{pct(h.success_rate)}</td>
                                <td class="num">{pct(h.previous_rate)}</td>
                                <td class="num">{h.change().map_or("—".to_owned(), |c| format!("{c:+.1} pts"))}</td>
                                <td class="num">{pct(h.target)}</td>
                                <td class="num">{h.incidents}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section class="card report-section" aria-labelledby="leverage-title">
            <h2 id="leverage-title">"Top leverage candidates"</h2>
            {if report.leverage.is_empty() {
                view! { <p class="muted">"No flow has a leverage score yet: say how many minutes each run saves and how often it runs."</p> }.into_any()
            } else {
                view! {
                    <ol>
                        {report.leverage.iter().map(|r| view! {
                            <li><strong>{r.endpoint.name.clone()}</strong>{format!(" — score {:.1}: {}", r.leverage.score, r.why)}</li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
        <section class="card report-section" aria-labelledby="open-title">
            <h2 id="open-title">"Open action items"</h2>
            {if report.open_actions.is_empty() {
                view! { <p class="muted">"Every action item is done."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table">
                            <thead><tr>
                                <th scope="col">"To do"</th><th scope="col">"Orchestration"</th>
                                <th scope="col">"Owner"</th><th scope="col">"Due by"</th>
                            </tr></thead>
                            <tbody>
                                {report.open_actions.iter().map(|a| view! {
                                    <tr>
                                        <td class="table__name"><a href=format!("/reviews/{}", a.item.review_id)>{a.item.title.clone()}</a></td>
                                        <td>{a.name.clone()}</td>
                                        <td>{a.item.owner.clone().unwrap_or_else(|| "—".to_owned())}</td>
                                        <td>{day(a.item.due_on)}{a.item.is_late(today).then(|| view! { " "<span class="status status--bad">"Late"</span> })}</td>
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

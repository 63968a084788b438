//! The health card of the automation and orchestration pages: the state in
//! a word with the rule that put it there, the figures, the pauses, and
//! (for those who may) the form to pause.

use chrono::{DateTime, Utc};
use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::model::forms::SaveOutcome;
use crate::model::health::{Health, HealthState, Metrics, PauseTarget, format_span};
use crate::server_fns::health::{EndPause, PauseAutomation, PauseOrchestration};

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A state in a word, with its colour as a border (never colour alone).
#[component]
pub fn HealthBadge(state: HealthState) -> impl IntoView {
    view! {
        <span class=format!("health health--{}", state.as_str())>{state.label()}</span>
    }
}

/// A state in a word for a table cell, with why in a line below when it
/// needs attention (failing, silent, degraded or paused); always as its
/// tooltip.
#[component]
pub fn HealthCell(state: HealthState, why: String) -> impl IntoView {
    let quiet = matches!(state, HealthState::Healthy | HealthState::Unknown) || why.is_empty();
    view! {
        <span title=why.clone()><HealthBadge state/></span>
        {(!quiet).then(|| view! { <span class="table__sub">{why}</span> })}
    }
}

fn rate_text(metrics: &Metrics, days: i64) -> String {
    let Some(rate) = metrics.rates.iter().find(|r| r.days == days) else {
        return "–".to_owned();
    };
    match rate.percent {
        Some(p) => format!(
            "{p:.1} % ({} of {})",
            rate.succeeded,
            rate.succeeded + rate.failed + rate.missed
        ),
        None => "no runs".to_owned(),
    }
}

/// The figures, as a definition list.
#[component]
fn Figures(metrics: Metrics, target: f64) -> impl IntoView {
    let (runs, failed, missed) = metrics.per_day.iter().fold((0, 0, 0), |(r, f, m), d| {
        (r + d.runs(), f + d.failed, m + d.missed)
    });
    let durations = match (metrics.duration_p50_ms, metrics.duration_p95_ms) {
        (Some(p50), Some(p95)) => format!("{} (p50), {} (p95)", format_span(p50), format_span(p95)),
        _ => "no finished run with a duration".to_owned(),
    };
    view! {
        <dl class="figures">
            <div><dt>"Success, 7 days"</dt><dd>{rate_text(&metrics, 7)}<span class="muted">{format!(" · target {target:.1} %")}</span></dd></div>
            <div><dt>"Success, 30 days"</dt><dd>{rate_text(&metrics, 30)}</dd></div>
            <div><dt>"Success, 90 days"</dt><dd>{rate_text(&metrics, 90)}</dd></div>
            <div><dt>"Last 30 days"</dt><dd>{format!("{runs} runs ({:.1} a day), {failed} failed, {missed} missed", runs as f64 / 30.0)}</dd></div>
            <div><dt>"Missed, 7 / 90 days"</dt><dd>{format!("{} / {}", metrics.missed(7), metrics.missed(90))}</dd></div>
            <div><dt>"Time to recover"</dt><dd>{match metrics.mttr_ms {
                Some(ms) => format!("{} on average ({} recoveries in 90 days)", format_span(ms), metrics.recoveries_90d),
                None => "no recovery in 90 days".to_owned(),
            }}</dd></div>
            <div><dt>"Duration, 30 days"</dt><dd>{durations}</dd></div>
            <div><dt>"Last success"</dt><dd>{metrics.last_success_at.map_or_else(|| "never".to_owned(), when)}</dd></div>
        </dl>
    }
}

/// Health, figures and pauses of what `target` names.
#[component]
pub fn HealthCard(
    /// Its health now: the card follows it (live events move it).
    #[prop(into)]
    health: Signal<Health>,
    target: PauseTarget,
    can_edit: bool,
    changed: Callback<()>,
) -> impl IntoView {
    let pause_automation = ServerAction::<PauseAutomation>::new();
    let pause_orchestration = ServerAction::<PauseOrchestration>::new();
    let end = ServerAction::<EndPause>::new();
    let outcome = move || {
        pause_automation
            .value()
            .get()
            .or_else(|| pause_orchestration.value().get())
    };
    Effect::new(move |_| {
        let saved = |v: Option<Result<SaveOutcome, ServerFnError>>| {
            matches!(v, Some(Ok(SaveOutcome::Saved { .. })))
        };
        if saved(outcome()) || saved(end.value().get()) {
            changed.run(());
        }
    });
    let error = move |fields: &'static [&'static str]| match outcome() {
        Some(Ok(SaveOutcome::Invalid(errors))) => {
            fields.iter().find_map(|f| errors.get(f)).map(str::to_owned)
        }
        _ => None,
    };
    let refused = move || match outcome().or_else(|| end.value().get()) {
        Some(Ok(SaveOutcome::Refused(why))) => Some(why),
        Some(Ok(SaveOutcome::Invalid(errors))) if errors.get("pause").is_some() => {
            errors.get("pause").map(str::to_owned)
        }
        Some(Err(err)) => Some(crate::components::form::server_words(&err)),
        _ => None,
    };
    let id = match target {
        PauseTarget::Automation(id) | PauseTarget::Orchestration(id) => id,
    };
    let whose = match target {
        PauseTarget::Automation(_) => "this automation",
        PauseTarget::Orchestration(_) => "this orchestration and its automations",
    };
    let field = move |name: &'static str,
                      label: &'static str,
                      kind: &'static str,
                      placeholder: &'static str,
                      hint: &'static str,
                      errors: &'static [&'static str]| {
        let input_id = format!("pause-{name}");
        let hint_id = format!("pause-{name}-hint");
        view! {
            <div class="field field--form" class:field--invalid=move || error(errors).is_some()>
                <label for=input_id.clone()>{label}</label>
                <input id=input_id name=name type=kind placeholder=placeholder aria-describedby=hint_id.clone()/>
                <p class="field__hint" id=hint_id>{hint}</p>
                {move || error(errors).map(|why| view! { <p class="field__error" role="alert">{why}</p> })}
            </div>
        }
    };
    let fields = move || {
        view! {
            <input type="hidden" name="id" value=id/>
            <div class="form__row">
                {field("for_how_long", "For how long", "text", "2h", "30m, 2h, 1d; empty: until resumed", &["for_how_long"])}
                {field("starts", "Or a window from (UTC)", "datetime-local", "", "Empty: now", &["starts", "starts_at"])}
                {field("ends", "Until (UTC)", "datetime-local", "", "Empty: until resumed", &["ends", "ends_at"])}
            </div>
            {field("reason", "Why", "text", "database upgrade", "Shown with the pause, to everyone", &["reason"])}
            <div class="form__actions">
                <button type="submit" class="button">"Pause"</button>
            </div>
        }
    };
    view! {
        <section class="card" aria-labelledby="health-title">
            <h2 id="health-title">"Health"</h2>
            {move || {
            let health = health.get();
            let now = health.as_of;
            let pauses = health.pauses.clone();
            view! {
            <p class="health-state"><HealthBadge state=health.state/>" "{health.why.clone()}</p>
            <Figures metrics=health.metrics.clone() target=health.target/>
            <crate::components::charts::RunsChart
                id="runs-per-day".to_owned()
                title="Runs per day, last 30 days".to_owned()
                days=health.metrics.per_day.clone()/>
            {(!health.metrics.durations_per_day.is_empty()).then(|| view! {
                <crate::components::charts::DurationsChart
                    id="durations-per-day".to_owned()
                    title="How long runs took, last 30 days".to_owned()
                    days=health.metrics.durations_per_day.clone()/>
            })}
            <h3>"Pauses and maintenance windows"</h3>
            {if pauses.is_empty() {
                view! { <p class="muted">{format!("None on or planned. While one is on, no run of {whose} is missed.")}</p> }.into_any()
            } else {
                view! {
                    <ul class="pauses">
                        {pauses.into_iter().map(|p| {
                            let planned = p.starts_at > now;
                            let span = match p.ends_at {
                                Some(end) => format!("{} to {}", when(p.starts_at), when(end)),
                                None => format!("From {} until resumed", when(p.starts_at)),
                            };
                            let of = if p.orchestration_id.is_some() && matches!(target, PauseTarget::Automation(_)) {
                                " (its orchestration's)"
                            } else {
                                ""
                            };
                            let reason = if p.reason.is_empty() { String::new() } else { format!(": {}", p.reason) };
                            let by = p.created_by.clone().map(|by| format!(" — by {by}")).unwrap_or_default();
                            view! {
                                <li>
                                    <span>{if planned { "Planned: " } else { "On now: " }}{span}{of}{reason}{by}</span>
                                    {(can_edit && of.is_empty()).then(|| view! {
                                        <ActionForm action=end attr:class="inline-form">
                                            <input type="hidden" name="id" value=p.id/>
                                            <button type="submit" class="button button--small">
                                                {if planned { "Cancel it" } else { "Resume" }}
                                            </button>
                                        </ActionForm>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            }
            }}
            {move || refused().map(|why| view! { <p class="notice notice--error" role="alert">{why}</p> })}
            {can_edit.then(|| match target {
                PauseTarget::Automation(_) => view! {
                    <ActionForm action=pause_automation attr:class="form">{fields()}</ActionForm>
                }.into_any(),
                PauseTarget::Orchestration(_) => view! {
                    <ActionForm action=pause_orchestration attr:class="form">{fields()}</ActionForm>
                }.into_any(),
            })}
        </section>
    }
}

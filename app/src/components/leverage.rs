//! A leverage score with the parts it is made of, so a leader sees why.

use leptos::prelude::*;

use crate::model::leverage::{Ranked, RunsSource};

fn runs_source(source: RunsSource) -> &'static str {
    match source {
        RunsSource::Observed => "counted from the runs that arrived",
        RunsSource::Declared => "as declared",
        RunsSource::Automations => "summed from its automations",
        RunsSource::Unknown => "not known yet",
    }
}

#[component]
pub fn LeverageCard(ranked: Ranked) -> impl IntoView {
    let lev = ranked.leverage;
    let gaps = lev
        .gaps
        .iter()
        .map(|g| g.label().to_owned())
        .collect::<Vec<_>>();
    view! {
        <section class="card" aria-labelledby="leverage-title">
            <h2 id="leverage-title">"Leverage"</h2>
            <p class="big-figure">{format!("{:.0}", lev.score)}</p>
            <p>{ranked.why}</p>
            <dl class="facts">
                <dt>"Time at stake"</dt>
                <dd>{format!("{} min a week ({})", lev.minutes_per_week, runs_source(lev.runs_source))}</dd>
                <dt>"Tier weight"</dt><dd>{format!("×{}", lev.tier_weight)}</dd>
                <dt>"Fragility"</dt><dd>{format!("×{}", lev.fragility)}</dd>
                {(!gaps.is_empty()).then(|| view! { <dt>"Missing"</dt><dd>{gaps.join(", ")}</dd> })}
            </dl>
            <p class="muted">"Score = minutes saved per run × runs per week × tier weight (3, 2, 1) × fragility (1 + failure rate + 0.5 without owner + 0.25 each without backup owner, runbook, failure mode, a run seen in 30 days, an expected schedule or an orchestration). Observed runs replace declared ones after two weeks or 20 runs. "
                <a href="/leverage">"See the ranking"</a></p>
        </section>
    }
}

//! A table of runs: when, how it ended, how long it took, what it said.

use leptos::prelude::*;

use crate::model::ingestion::{HistoryRun, Run, RunStatus};
use crate::model::received;

fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A duration as people read it: 850 ms, 12.5 s, 3 min 20 s, 2 h 5 min.
pub fn duration(ms: i64) -> String {
    match ms {
        ..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        60_000..3_600_000 => format!("{} min {} s", ms / 60_000, ms % 60_000 / 1000),
        _ => format!("{} h {} min", ms / 3_600_000, ms % 3_600_000 / 60_000),
    }
}

/// How a run ended, as a status class and words.
fn outcome(run: &Run) -> (&'static str, String) {
    let class = match run.status {
        RunStatus::Succeeded => "status status--ok",
        RunStatus::Started => "status status--running",
        RunStatus::Skipped => "status status--quiet",
        _ => "status status--bad",
    };
    let mut text = match run.exit_status {
        Some(code) if run.status != RunStatus::Started => {
            format!("{} (exit {code})", run.status.label())
        }
        _ => run.status.label().to_owned(),
    };
    if let Some(flag) = run.flag {
        text = format!("{text}, {}", flag.label());
    }
    (class, text)
}

fn began(run: &Run) -> String {
    if run.status == RunStatus::Missed {
        format!("{} (expected; none came)", when(run.at))
    } else if run.started_at.is_some() {
        when(run.at)
    } else {
        format!("{} (ended; no start heard)", when(run.at))
    }
}

/// Where the run is in its tool, or its run id.
fn run_ref(run: &Run) -> AnyView {
    match (run.rid.clone(), run.url.clone()) {
        (_, Some(url)) if url.starts_with("https://") || url.starts_with("http://") => {
            view! { <a href=url>"in its tool"</a> }.into_any()
        }
        (Some(rid), _) => rid.into_any(),
        (None, _) => "—".into_any(),
    }
}

/// Characters of a log shown before it is folded.
const EXCERPT: usize = 120;

/// What a run said: its last line, and the whole log (as kept, up to the
/// ping body limit) folded below when there is more, with a link to it as
/// received (bytes that are not text are marked `�` on the page).
#[component]
fn LogExcerpt(run: Run) -> impl IntoView {
    // The server renders kept text, the browser gets it marked already:
    // both see a mark either way, so both draw the same.
    let log = received::readable(&run.log).into_owned();
    let not_text = log.contains('\u{FFFD}');
    let last = log
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let excerpt: String = if last.chars().count() > EXCERPT {
        format!("{}…", last.chars().take(EXCERPT).collect::<String>())
    } else {
        last.to_owned()
    };
    let more = log.trim() != excerpt || not_text;
    let jobs = (!run.jobs.is_empty()).then(|| {
        let each: Vec<String> = run
            .jobs
            .iter()
            .map(|j| format!("{} {}", j.name, j.status.label()))
            .collect();
        format!("{} jobs: {}", run.jobs.len(), each.join(", "))
    });
    let download = format!("/api/v1/runs/{}/log", run.id);
    view! {
        {if more {
            view! {
                <details class="runs__log">
                    <summary>{excerpt}</summary>
                    <pre class="log">{log}</pre>
                    {not_text.then(|| view! {
                        <p class="table__sub">"� marks bytes that are not text."</p>
                    })}
                    <a href=download download="">"Download the log as received"</a>
                </details>
            }.into_any()
        } else {
            view! { <span class="runs__log">{excerpt}</span> }.into_any()
        }}
        {jobs.map(|jobs| view! { <span class="table__sub">{jobs}</span> })}
    }
}

#[component]
pub fn RunsTable(runs: Vec<Run>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table runs">
                <caption>"Newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Began"</th>
                        <th scope="col">"Outcome"</th>
                        <th scope="col">"Took"</th>
                        <th scope="col">"Run"</th>
                        <th scope="col">"What it said"</th>
                    </tr>
                </thead>
                <tbody>
                    {runs.into_iter().map(|run| {
                        let (class, outcome) = outcome(&run);
                        view! {
                            <tr>
                                <td class="mono" data-label="Began">{began(&run)}</td>
                                <td data-label="Outcome"><span class=class>{outcome}</span></td>
                                <td data-label="Took">{run.duration_ms.map_or_else(|| "—".to_owned(), duration)}</td>
                                <td class="mono" data-label="Run">{run_ref(&run)}</td>
                                <td data-label="What it said"><LogExcerpt run/></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Runs of several automations, each with its automation and the
/// delivery that told of it.
#[component]
pub fn HistoryTable(runs: Vec<HistoryRun>, caption: String) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table runs">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Began"</th>
                        <th scope="col">"Automation"</th>
                        <th scope="col">"Outcome"</th>
                        <th scope="col">"Took"</th>
                        <th scope="col">"Run"</th>
                        <th scope="col">"What it said"</th>
                        <th scope="col">"Delivery"</th>
                    </tr>
                </thead>
                <tbody>
                    {runs.into_iter().map(|h| {
                        let run = h.run;
                        let (class, outcome) = outcome(&run);
                        view! {
                            <tr>
                                <td class="mono" data-label="Began">{began(&run)}</td>
                                <td data-label="Automation"><a href=format!("/automations/{}", run.automation_id)>{h.automation_name}</a></td>
                                <td data-label="Outcome"><span class=class>{outcome}</span></td>
                                <td data-label="Took">{run.duration_ms.map_or_else(|| "—".to_owned(), duration)}</td>
                                <td class="mono" data-label="Run">{run_ref(&run)}</td>
                                <td data-label="What it said"><LogExcerpt run/></td>
                                <td data-label="Delivery">{match h.delivery_id {
                                    Some(id) => view! {
                                        <a href=format!("/deliveries/{id}") aria-label=format!("Delivery {id}, as received")>{format!("#{id}")}</a>
                                    }.into_any(),
                                    None => view! { <span class="muted">"—"</span> }.into_any(),
                                }}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(850), "850 ms");
        assert_eq!(duration(12_500), "12.5 s");
        assert_eq!(duration(200_000), "3 min 20 s");
        assert_eq!(duration(7_500_000), "2 h 5 min");
    }
}

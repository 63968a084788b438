//! A table of runs: when, how it ended, how long it took, what it said.

use leptos::prelude::*;

use crate::model::ingestion::{Run, RunStatus};

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
                        let class = match run.status {
                            RunStatus::Succeeded => "status status--ok",
                            RunStatus::Started => "status status--running",
                            RunStatus::Skipped => "status status--quiet",
                            _ => "status status--bad",
                        };
                        let mut outcome = match run.exit_status {
                            Some(code) if run.status != RunStatus::Started => {
                                format!("{} (exit {code})", run.status.label())
                            }
                            _ => run.status.label().to_owned(),
                        };
                        if let Some(flag) = run.flag {
                            outcome = format!("{outcome}, {}", flag.label());
                        }
                        let began = if run.status == RunStatus::Missed {
                            format!("{} (expected; none came)", when(run.at))
                        } else if run.started_at.is_some() {
                            when(run.at)
                        } else {
                            format!("{} (ended; no start heard)", when(run.at))
                        };
                        let log = run.log.lines().last().unwrap_or_default().to_owned();
                        let whole = run.log.clone();
                        let jobs = (!run.jobs.is_empty()).then(|| {
                            let each: Vec<String> = run
                                .jobs
                                .iter()
                                .map(|j| format!("{} {}", j.name, j.status.label()))
                                .collect();
                            format!("{} jobs: {}", run.jobs.len(), each.join(", "))
                        });
                        view! {
                            <tr>
                                <td class="mono">{began}</td>
                                <td><span class=class>{outcome}</span></td>
                                <td>{run.duration_ms.map_or_else(|| "—".to_owned(), duration)}</td>
                                <td class="mono">{match (run.rid, run.url) {
                                    (_, Some(url)) if url.starts_with("https://") || url.starts_with("http://") => view! { <a href=url>"in its tool"</a> }.into_any(),
                                    (Some(rid), _) => rid.into_any(),
                                    (None, _) => "—".into_any(),
                                }}</td>
                                <td class="runs__log" title=whole>
                                    {log}
                                    {jobs.map(|jobs| view! { <span class="table__sub">{jobs}</span> })}
                                </td>
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

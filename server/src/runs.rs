//! How an event changes a run: a start opens one (and closes, as
//! superseded, an open one started without a run id when it has none
//! either), a finish closes the run it belongs to (paired by run id, else
//! the newest open one started without one), a log line joins the run in
//! progress. Events may arrive out of
//! order (a finish before its start) and twice (a replay): neither makes a
//! second run nor undoes a finish.

use app::model::ingestion::{Run, RunStatus};
use app::model::received;
use chrono::{DateTime, Utc};

use crate::store::{HookRun, RunEvent, Signal, Store, StoreResult};

/// A page (from 1) of the runs of the orchestration `slug`, newest first,
/// narrowed by `filter`; `NotFound` when there is no such orchestration.
pub async fn orchestration_history(
    store: &dyn Store,
    slug: &str,
    filter: &app::model::ingestion::RunFilter,
    page: u32,
) -> StoreResult<app::model::ingestion::RunHistory> {
    let orchestration = store.orchestration_by_slug(slug).await?;
    store
        .run_history(
            orchestration.id,
            filter,
            page,
            app::model::ingestion::HISTORY_PER_PAGE,
        )
        .await
}

/// What to do with the run an event belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// Insert (id 0) or update this run; with a note for the delivery log.
    Write(Run, Option<String>),
    /// Nothing to write: the run it concerns (if any), and why.
    Unchanged(Option<i64>, String),
}

/// The run after `event`, given the run it belongs to, if one exists.
/// Logs are cut to `log_limit` bytes.
pub fn merge(existing: Option<Run>, event: &RunEvent, log_limit: usize) -> Merged {
    match (existing, event.signal) {
        (None, Signal::Log) => Merged::Unchanged(
            None,
            "a log message, with no run in progress to attach it to".to_owned(),
        ),
        (None, signal) => {
            let finished = signal != Signal::Start;
            Merged::Write(
                Run {
                    id: 0,
                    automation_id: event.automation_id,
                    rid: event.rid.clone(),
                    status: status_of(signal),
                    at: event.at,
                    started_at: (!finished).then_some(event.at),
                    finished_at: finished.then_some(event.at),
                    duration_ms: if finished { event.duration_ms } else { None },
                    exit_status: event.exit_status,
                    log: received::cut(&event.log, log_limit).to_owned(),
                    url: None,
                    jobs: Vec::new(),
                    flag: None,
                },
                None,
            )
        }
        (Some(run), Signal::Start) if run.started_at.is_some() => {
            Merged::Unchanged(Some(run.id), "the run had already started".to_owned())
        }
        (Some(mut run), Signal::Start) => {
            // Its finish came first: the start completes the picture.
            run.started_at = Some(event.at);
            run.at = event.at;
            run.duration_ms = run.finished_at.map(|end| between(event.at, end));
            run.log = joined(&event.log, &run.log, log_limit);
            Merged::Write(run, Some("the start of a run that had finished".to_owned()))
        }
        (Some(mut run), Signal::Log) => {
            run.log = joined(&run.log, &event.log, log_limit);
            Merged::Write(run, None)
        }
        (Some(run), _) if run.finished_at.is_some() => {
            Merged::Unchanged(Some(run.id), "the run had already finished".to_owned())
        }
        (Some(mut run), signal) => {
            run.status = status_of(signal);
            run.finished_at = Some(event.at);
            run.duration_ms = run
                .started_at
                .map(|start| between(start, event.at))
                .or(event.duration_ms);
            run.exit_status = event.exit_status;
            run.log = joined(&run.log, &event.log, log_limit);
            Merged::Write(run, None)
        }
    }
}

/// What an open run started without a run id becomes when a new start
/// without one arrives (Healthchecks forgets the older start): closed as
/// cancelled at the new start's time, with no duration (its end was never
/// reported), and its log says why.
pub fn superseded(mut run: Run, by: &RunEvent, log_limit: usize) -> Run {
    run.status = RunStatus::Cancelled;
    run.finished_at = Some(by.at);
    run.duration_ms = None;
    run.log = joined(&run.log, SUPERSEDED, log_limit);
    run
}

/// The line a superseded run's log ends with.
pub const SUPERSEDED: &str =
    "[Baton] superseded: a later start came without a run id before this run reported its end";

/// Whether a reported status takes over from the stored one (for runs
/// and jobs a tool reports): a finished status never returns to started;
/// between two finished ones the later event time wins, and on equal
/// times the later arrival, which is the one reported now.
pub fn takes_over(
    stored: RunStatus,
    stored_at: Option<DateTime<Utc>>,
    reported: RunStatus,
    reported_at: DateTime<Utc>,
) -> bool {
    match (stored == RunStatus::Started, reported == RunStatus::Started) {
        (_, true) => false,
        (true, false) => true,
        (false, false) => stored_at.is_none_or(|at| reported_at >= at),
    }
}

/// A webhook's run after what it reports: the stored run (with the event
/// time of its status) changed, or a new one (id 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookMerged {
    pub run: Run,
    pub status_at: DateTime<Utc>,
    /// For the delivery log, when the report did not set the status.
    pub note: Option<String>,
}

pub fn merge_hook(
    existing: Option<(Run, Option<DateTime<Utc>>)>,
    automation_id: i64,
    report: &HookRun,
    status_at: DateTime<Utc>,
    log_limit: usize,
) -> HookMerged {
    let finished = report.status != RunStatus::Started;
    let finished_at = finished.then(|| report.finished_at.unwrap_or(status_at));
    let message = report
        .message
        .as_deref()
        .map(|m| received::cut(m, log_limit).to_owned());
    let Some((mut run, stored_at)) = existing else {
        let started_at = report.started_at.or((!finished).then_some(status_at));
        let run = Run {
            id: 0,
            automation_id,
            rid: None,
            status: report.status,
            at: started_at.or(finished_at).unwrap_or(status_at),
            started_at,
            finished_at,
            duration_ms: started_at.zip(finished_at).map(|(s, e)| between(s, e)),
            exit_status: None,
            log: message.unwrap_or_default(),
            url: report.url.clone(),
            jobs: Vec::new(),
            flag: None,
        };
        return HookMerged {
            run,
            status_at,
            note: None,
        };
    };
    // What the report adds is kept whoever's status wins.
    if run.started_at.is_none()
        && let Some(started) = report.started_at
    {
        run.started_at = Some(started);
        run.at = started;
    }
    if report.url.is_some() {
        run.url.clone_from(&report.url);
    }
    let stored = run.status;
    if !takes_over(stored, stored_at, report.status, status_at) {
        run.duration_ms = run
            .started_at
            .zip(run.finished_at)
            .map(|(s, e)| between(s, e));
        let note = if finished {
            format!(
                "the run stays {}: its status is from a later event",
                stored.label()
            )
        } else if stored == RunStatus::Started {
            "the run was already in progress".to_owned()
        } else {
            format!(
                "the run stays {}: a finished run never restarts",
                stored.label()
            )
        };
        return HookMerged {
            run,
            status_at: stored_at.unwrap_or(status_at),
            note: Some(note),
        };
    }
    run.status = report.status;
    run.finished_at = finished_at;
    run.duration_ms = run.started_at.zip(finished_at).map(|(s, e)| between(s, e));
    if let Some(message) = message {
        run.log = message;
    }
    let note = (stored != RunStatus::Started).then(|| {
        format!(
            "{} replaced by a later {}",
            stored.label(),
            run.status.label()
        )
    });
    HookMerged {
        run,
        status_at,
        note,
    }
}

fn status_of(signal: Signal) -> RunStatus {
    match signal {
        Signal::Start | Signal::Log => RunStatus::Started,
        Signal::Success => RunStatus::Succeeded,
        Signal::Failure => RunStatus::Failed,
    }
}

/// Milliseconds from `start` to `end`; never negative (clocks disagree).
fn between(start: DateTime<Utc>, end: DateTime<Utc>) -> i64 {
    (end - start).num_milliseconds().max(0)
}

/// `first` then `second` on a new line, cut to `limit` bytes.
fn joined(first: &str, second: &str, limit: usize) -> String {
    let both = match (first.is_empty(), second.is_empty()) {
        (true, _) => second.to_owned(),
        (_, true) => first.to_owned(),
        _ => format!("{first}\n{second}"),
    };
    received::cut(&both, limit).to_owned()
}

/// At most `limit` bytes of `text`, ending on a character boundary (a
/// name's; logs are cut by what they held as received, `received::cut`).
pub fn cut(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn event(signal: Signal, rid: Option<&str>, minute: u32) -> RunEvent {
        RunEvent {
            automation_id: 7,
            signal,
            rid: rid.map(str::to_owned),
            at: Utc.with_ymd_and_hms(2026, 11, 26, 4, minute, 0).unwrap(),
            exit_status: None,
            duration_ms: None,
            log: String::new(),
            note: None,
        }
    }

    fn written(merged: Merged) -> Run {
        match merged {
            Merged::Write(run, _) => run,
            other => panic!("expected a write, got {other:?}"),
        }
    }

    #[test]
    fn a_start_and_its_finish_make_one_run_with_its_duration() {
        let started = written(merge(None, &event(Signal::Start, Some("r1"), 0), 100));
        assert_eq!(started.status, RunStatus::Started);
        let finished = written(merge(
            Some(Run { id: 3, ..started }),
            &event(Signal::Failure, Some("r1"), 2),
            100,
        ));
        assert_eq!(finished.id, 3);
        assert_eq!(finished.status, RunStatus::Failed);
        assert_eq!(finished.duration_ms, Some(120_000));
    }

    #[test]
    fn a_finish_before_its_start_is_completed_by_the_start() {
        let finished = written(merge(None, &event(Signal::Success, Some("r"), 5), 100));
        assert_eq!(finished.duration_ms, None);
        let whole = written(merge(
            Some(Run { id: 4, ..finished }),
            &event(Signal::Start, Some("r"), 1),
            100,
        ));
        assert_eq!(whole.status, RunStatus::Succeeded, "a start never reopens");
        assert_eq!(whole.duration_ms, Some(240_000));
    }

    #[test]
    fn repeats_change_nothing() {
        let done = Run {
            id: 9,
            ..written(merge(None, &event(Signal::Success, Some("r"), 5), 100))
        };
        assert!(matches!(
            merge(
                Some(done.clone()),
                &event(Signal::Failure, Some("r"), 6),
                100
            ),
            Merged::Unchanged(Some(9), _)
        ));
        let open = Run {
            id: 10,
            ..written(merge(None, &event(Signal::Start, Some("s"), 5), 100))
        };
        assert!(matches!(
            merge(Some(open), &event(Signal::Start, Some("s"), 5), 100),
            Merged::Unchanged(Some(10), _)
        ));
    }

    #[test]
    fn logs_join_and_are_cut_on_a_character_boundary() {
        let mut log = event(Signal::Start, None, 0);
        log.log = "ééé".to_owned();
        let run = written(merge(None, &log, 5));
        assert_eq!(run.log, "éé", "5 bytes hold two 2-byte characters");
        let mut line = event(Signal::Log, None, 1);
        line.log = "x".to_owned();
        assert_eq!(written(merge(Some(run), &line, 100)).log, "éé\nx");
        assert!(matches!(
            merge(None, &line, 100),
            Merged::Unchanged(None, _)
        ));
    }

    fn minute(m: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 4, m, 0).unwrap()
    }

    #[test]
    fn a_finished_status_never_returns_to_started_and_the_later_finish_wins() {
        use RunStatus::{Cancelled, Failed, Started, Succeeded};
        assert!(takes_over(Started, Some(minute(5)), Failed, minute(1)));
        assert!(!takes_over(Failed, Some(minute(1)), Started, minute(9)));
        assert!(!takes_over(Started, Some(minute(1)), Started, minute(9)));
        assert!(takes_over(Failed, Some(minute(1)), Succeeded, minute(2)));
        assert!(!takes_over(Succeeded, Some(minute(2)), Failed, minute(1)));
        // Equal times: the later arrival (the one reported now) wins.
        assert!(takes_over(Cancelled, Some(minute(3)), Failed, minute(3)));
        // A run from pings has no event time of its status: the report wins.
        assert!(takes_over(Succeeded, None, Failed, minute(0)));
    }

    fn report(status: RunStatus, started: Option<u32>, finished: Option<u32>) -> HookRun {
        HookRun {
            run_key: "[\"o/r\",1,1]".to_owned(),
            automation: crate::store::HookAutomation {
                slug: None,
                fields: app::model::inventory::AutomationFields {
                    tool: app::model::inventory::Tool::GithubActions,
                    external_id: "o/r/.github/workflows/w.yml".to_owned(),
                    url: String::new(),
                    name: "w".to_owned(),
                    description: String::new(),
                    owner_id: None,
                    team_id: None,
                    failure_mode: String::new(),
                    orchestration_id: None,
                    minutes_saved_per_run: None,
                    runs_per_week: None,
                },
                audit: crate::audit::Author::ingestion().did(
                    minute(0),
                    "automation.created_by_webhook",
                    "automation",
                    None,
                    "w",
                ),
            },
            status,
            started_at: started.map(minute),
            finished_at: finished.map(minute),
            url: Some("https://ci.example/run/1".to_owned()),
            message: Some("fix the build".to_owned()),
        }
    }

    #[test]
    fn a_reported_run_opens_finishes_and_keeps_the_later_finish() {
        let opened = merge_hook(
            None,
            7,
            &report(RunStatus::Started, Some(1), None),
            minute(1),
            100,
        );
        assert_eq!(opened.run.status, RunStatus::Started);
        assert_eq!(opened.run.started_at, Some(minute(1)));
        assert_eq!(opened.run.url.as_deref(), Some("https://ci.example/run/1"));
        let stored = Some((
            Run {
                id: 3,
                ..opened.run
            },
            Some(minute(1)),
        ));
        let failed = merge_hook(
            stored,
            7,
            &report(RunStatus::Failed, None, Some(4)),
            minute(4),
            100,
        );
        assert_eq!(failed.run.status, RunStatus::Failed);
        assert_eq!(failed.run.duration_ms, Some(180_000));
        assert_eq!(failed.status_at, minute(4));
        let stored = Some((failed.run.clone(), Some(failed.status_at)));
        let older = merge_hook(
            stored.clone(),
            7,
            &report(RunStatus::Succeeded, None, Some(2)),
            minute(2),
            100,
        );
        assert_eq!(older.run.status, RunStatus::Failed, "an older finish loses");
        assert!(older.note.is_some());
        let restart = merge_hook(
            stored.clone(),
            7,
            &report(RunStatus::Started, None, None),
            minute(9),
            100,
        );
        assert_eq!(
            restart.run.status,
            RunStatus::Failed,
            "never back to started"
        );
        let later = merge_hook(
            stored,
            7,
            &report(RunStatus::Succeeded, None, Some(6)),
            minute(6),
            100,
        );
        assert_eq!(later.run.status, RunStatus::Succeeded);
        assert_eq!(later.run.finished_at, Some(minute(6)));
        assert_eq!(later.run.id, 3);
    }
}

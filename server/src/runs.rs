//! How an event changes a run: a start opens one, a finish closes the run
//! it belongs to (paired by run id, else the newest open one started without
//! one), a log line joins the run in progress. Events may arrive out of
//! order (a finish before its start) and twice (a replay): neither makes a
//! second run nor undoes a finish.

use app::model::ingestion::{Run, RunStatus};

use crate::store::{RunEvent, Signal};

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
                    log: cut(&event.log, log_limit).to_owned(),
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

fn status_of(signal: Signal) -> RunStatus {
    match signal {
        Signal::Start | Signal::Log => RunStatus::Started,
        Signal::Success => RunStatus::Succeeded,
        Signal::Failure => RunStatus::Failed,
    }
}

/// Milliseconds from `start` to `end`; never negative (clocks disagree).
fn between(start: chrono::DateTime<chrono::Utc>, end: chrono::DateTime<chrono::Utc>) -> i64 {
    (end - start).num_milliseconds().max(0)
}

/// `first` then `second` on a new line, cut to `limit` bytes.
fn joined(first: &str, second: &str, limit: usize) -> String {
    let both = match (first.is_empty(), second.is_empty()) {
        (true, _) => second.to_owned(),
        (_, true) => first.to_owned(),
        _ => format!("{first}\n{second}"),
    };
    cut(&both, limit).to_owned()
}

/// At most `limit` bytes of `text`, ending on a character boundary.
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
}

//! Expected schedules: checking one before it is kept, saying it in words,
//! and when the next run is due. Cron expressions are read by `croner`, in
//! the schedule's time zone (`chrono-tz`): a daily 02:00 in Europe/Paris
//! stays at 02:00 local time across daylight saving changes.

use app::model::accounts::Actor;
use app::model::errors::FieldErrors;
use app::model::schedule::{
    Schedule, ScheduleDraft, ScheduleView, format_duration, parse_duration,
};
use chrono::{DateTime, TimeDelta, Utc};

use crate::access;
use crate::audit::Author;
use crate::catalog::CatalogError;
use crate::clock::Clock;
use crate::store::Store;

/// The shortest period, grace and longest duration taken: Baton looks
/// for missed runs about once a minute.
const MIN_PERIOD: i64 = 60;
const MIN_GRACE: i64 = 60;
/// Nothing is expected less often than once a year.
const MAX_SPAN: i64 = 366 * 86_400;

/// A cron expression as Baton reads it: five fields (no seconds).
fn parse_cron(expression: &str) -> Result<croner::Cron, String> {
    let fields = expression.split_whitespace().count();
    if fields != 5 && !expression.trim_start().starts_with('@') {
        return Err(format!(
            "a cron expression has five fields (minute hour day-of-month month day-of-week); this one has {fields}"
        ));
    }
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Disallowed)
        .build()
        .parse(expression.trim())
        .map_err(|err| format!("not a cron expression Baton can read: {err}"))
}

fn parse_zone(zone: &str) -> Result<chrono_tz::Tz, String> {
    zone.trim().parse().map_err(|_| {
        format!("{zone:?} is not a time zone: use an IANA name like UTC or Europe/Paris")
    })
}

/// Checks a schedule; every problem, each by its field.
pub fn check(schedule: &Schedule) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    match (&schedule.period_seconds, &schedule.cron) {
        (Some(_), Some(_)) | (None, None) => errors.add(
            "kind",
            "expect runs either every so often or by a cron expression",
        ),
        (Some(period), None) => {
            if !(MIN_PERIOD..=MAX_SPAN).contains(period) {
                errors.add("every", "from 1 minute to 366 days");
            }
        }
        (None, Some(cron)) => {
            if let Err(why) = parse_cron(cron) {
                errors.add("cron", why);
            }
            if let Err(why) = parse_zone(&schedule.time_zone) {
                errors.add("time_zone", why);
            }
        }
    }
    if !(MIN_GRACE..=MAX_SPAN).contains(&schedule.grace_seconds) {
        errors.add("grace", "from 1 minute to 366 days");
    }
    if let Some(max) = schedule.max_duration_seconds
        && !(1..=MAX_SPAN).contains(&max)
    {
        errors.add("max_duration", "from 1 second to 366 days");
    }
    if let Some(min) = schedule.min_duration_seconds {
        if !(1..=MAX_SPAN).contains(&min) {
            errors.add("min_duration", "from 1 second to 366 days");
        } else if schedule.max_duration_seconds.is_some_and(|max| min >= max) {
            errors.add("min_duration", "shorter than the longest a run may take");
        }
    }
    if errors.0.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A schedule from the form, its durations as people write them.
pub fn from_draft(draft: &ScheduleDraft) -> Result<Schedule, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut duration = |field: &str, text: &str, required: bool| -> Option<i64> {
        if text.trim().is_empty() && !required {
            return None;
        }
        match parse_duration(text) {
            Ok(seconds) => Some(seconds),
            Err(why) => {
                errors.add(field, why);
                None
            }
        }
    };
    let period = (draft.kind == "period")
        .then(|| duration("every", &draft.every, true))
        .flatten();
    let grace = duration("grace", &draft.grace, true);
    let max = duration("max_duration", &draft.max_duration, false);
    let min = duration("min_duration", &draft.min_duration, false);
    let cron = (draft.kind == "cron").then(|| draft.cron.trim().to_owned());
    if draft.kind == "cron" && draft.cron.trim().is_empty() {
        errors.add("cron", "write the cron expression, like 0 2 * * *");
    }
    if !errors.0.is_empty() {
        return Err(errors);
    }
    let zone = draft.time_zone.trim();
    let schedule = Schedule {
        period_seconds: period,
        cron,
        time_zone: if zone.is_empty() { "UTC" } else { zone }.to_owned(),
        grace_seconds: grace.unwrap_or_default(),
        max_duration_seconds: max,
        min_duration_seconds: min,
    };
    check(&schedule)?;
    Ok(schedule)
}

/// The schedule in words.
pub fn describe(schedule: &Schedule) -> String {
    let what = match (&schedule.period_seconds, &schedule.cron) {
        (Some(period), _) => format!("Every {}", format_duration(*period)),
        (None, Some(cron)) => match parse_cron(cron) {
            Ok(parsed) => format!(
                "{} ({})",
                parsed.describe().trim_end_matches('.'),
                schedule.time_zone
            ),
            Err(_) => cron.clone(),
        },
        (None, None) => "Nothing expected".to_owned(),
    };
    let mut text = format!(
        "{what}, with {} of grace",
        format_duration(schedule.grace_seconds)
    );
    match (schedule.min_duration_seconds, schedule.max_duration_seconds) {
        (Some(min), Some(max)) => text.push_str(&format!(
            "; a run takes from {} to {}",
            format_duration(min),
            format_duration(max)
        )),
        (None, Some(max)) => {
            text.push_str(&format!("; a run takes at most {}", format_duration(max)))
        }
        (Some(min), None) => {
            text.push_str(&format!("; a run takes at least {}", format_duration(min)))
        }
        (None, None) => {}
    }
    text
}

/// When the run after one at `last` (or, with none yet, after the schedule
/// was set at `since`) is expected.
pub fn next_due(schedule: &Schedule, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    match (&schedule.period_seconds, &schedule.cron) {
        (Some(period), _) => Some(after + TimeDelta::seconds(*period)),
        (None, Some(cron)) => {
            let cron = parse_cron(cron).ok()?;
            let zone = parse_zone(&schedule.time_zone).ok()?;
            cron.find_next_occurrence(&after.with_timezone(&zone), false)
                .ok()
                .map(|t| t.with_timezone(&Utc))
        }
        (None, None) => None,
    }
}

/// How early a run may come and still count for the cron slot after it
/// (clocks drift; a job started a few seconds before 02:00 is 02:00's run).
const EARLY: TimeDelta = TimeDelta::seconds(60);

/// Where the next expected slot is counted from, after a run at `newest`:
/// the run itself, or, for a cron schedule, the slot just after it when
/// the run came at most a minute (and at most the grace) before it.
pub fn anchor(schedule: &Schedule, newest: DateTime<Utc>) -> DateTime<Utc> {
    if schedule.cron.is_none() {
        return newest;
    }
    let early = EARLY.min(TimeDelta::seconds(schedule.grace_seconds));
    match next_due(schedule, newest) {
        Some(slot) if slot - newest <= early => slot,
        _ => newest,
    }
}

/// The schedule as its page shows it, given when the newest run began (or
/// when the schedule was set, with no run since).
pub fn view(schedule: Schedule, after: DateTime<Utc>) -> ScheduleView {
    let next = next_due(&schedule, after);
    ScheduleView {
        described: describe(&schedule),
        missed_after: next.map(|due| due + TimeDelta::seconds(schedule.grace_seconds)),
        next_due: next,
        schedule,
    }
}

/// An automation's schedule as its page shows it: the next run is due
/// after its newest run, or after the schedule was set if that is later.
pub async fn schedule_view(
    store: &dyn Store,
    automation: i64,
) -> Result<Option<ScheduleView>, CatalogError> {
    let Some((schedule, set_at)) = store.schedule(automation).await? else {
        return Ok(None);
    };
    let newest = store.runs(automation, 1).await?.first().map(|r| r.at);
    let after = newest.map_or(set_at, |at| anchor(&schedule, at).max(set_at));
    Ok(Some(view(schedule, after)))
}

/// Sets (or, `None`, removes) an automation's expected schedule: its owner,
/// backup owner's orchestration owners and admins, as for its other fields.
pub async fn set_schedule(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    automation: i64,
    schedule: Option<Schedule>,
) -> Result<(), CatalogError> {
    let current = store.automation(automation).await?;
    access::check_automation(store, actor, &current).await?;
    if let Some(schedule) = &schedule {
        check(schedule).map_err(CatalogError::Invalid)?;
    }
    let now = clock.now();
    let audit = Author::of(actor)
        .did(
            now,
            if schedule.is_some() {
                "automation.schedule_set"
            } else {
                "automation.schedule_removed"
            },
            "automation",
            Some(automation),
            &current.fields.name,
        )
        .before(&store.schedule(automation).await?.map(|(s, _)| s))
        .after(&schedule);
    store
        .set_schedule(automation, schedule.as_ref(), now, &audit)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn cron(expression: &str, zone: &str) -> Schedule {
        Schedule {
            period_seconds: None,
            cron: Some(expression.to_owned()),
            time_zone: zone.to_owned(),
            grace_seconds: 1_800,
            max_duration_seconds: None,
            min_duration_seconds: None,
        }
    }

    #[test]
    fn a_daily_cron_stays_at_its_local_time_across_a_clock_change() {
        let daily = cron("0 2 * * *", "Europe/Paris");
        // Paris is UTC+2 until 2026-10-25, then UTC+1.
        let before = Utc.with_ymd_and_hms(2026, 10, 23, 12, 0, 0).unwrap();
        assert_eq!(
            next_due(&daily, before),
            Some(Utc.with_ymd_and_hms(2026, 10, 24, 0, 0, 0).unwrap())
        );
        let after = Utc.with_ymd_and_hms(2026, 10, 26, 12, 0, 0).unwrap();
        assert_eq!(
            next_due(&daily, after),
            Some(Utc.with_ymd_and_hms(2026, 10, 27, 1, 0, 0).unwrap())
        );
    }

    #[test]
    fn a_cron_run_a_little_early_counts_for_its_slot() {
        let nightly = cron("0 2 * * *", "UTC");
        let early = Utc.with_ymd_and_hms(2026, 11, 26, 1, 59, 58).unwrap();
        let slot = Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap();
        assert_eq!(anchor(&nightly, early), slot);
        assert_eq!(
            view(nightly.clone(), anchor(&nightly, early)).next_due,
            Some(slot + TimeDelta::days(1))
        );
        // Ten minutes early is a run of its own, not 02:00's.
        let too_early = Utc.with_ymd_and_hms(2026, 11, 26, 1, 50, 0).unwrap();
        assert_eq!(anchor(&nightly, too_early), too_early);
        // A period counts from the run, early or not.
        let hourly = Schedule {
            period_seconds: Some(3_600),
            cron: None,
            ..cron("", "UTC")
        };
        assert_eq!(anchor(&hourly, early), early);
    }

    #[test]
    fn a_period_is_counted_from_the_last_run() {
        let hourly = Schedule {
            period_seconds: Some(3_600),
            cron: None,
            ..cron("", "UTC")
        };
        let last = Utc.with_ymd_and_hms(2026, 11, 26, 9, 15, 0).unwrap();
        let view = view(hourly, last);
        assert_eq!(view.next_due, Some(last + TimeDelta::hours(1)));
        assert_eq!(view.missed_after, Some(last + TimeDelta::minutes(90)));
        assert_eq!(view.described, "Every 1h, with 30m of grace");
    }

    #[test]
    fn bad_schedules_are_refused_field_by_field() {
        let refused = |s: &Schedule| check(s).unwrap_err();
        assert!(
            refused(&cron("0 2 * *", "UTC"))
                .get("cron")
                .unwrap()
                .contains("five fields")
        );
        assert!(refused(&cron("0 25 * * *", "UTC")).get("cron").is_some());
        assert!(
            refused(&cron("0 2 * * *", "Mars/Olympus"))
                .get("time_zone")
                .is_some()
        );
        let both = Schedule {
            period_seconds: Some(3_600),
            ..cron("0 2 * * *", "UTC")
        };
        assert!(refused(&both).get("kind").is_some());
        let tight = Schedule {
            grace_seconds: 5,
            min_duration_seconds: Some(600),
            max_duration_seconds: Some(60),
            ..cron("0 2 * * *", "UTC")
        };
        let errors = refused(&tight);
        assert!(errors.get("grace").is_some());
        assert!(errors.get("min_duration").is_some());
        assert!(check(&cron("*/15 * * * 1-5", "America/New_York")).is_ok());
    }

    #[test]
    fn the_form_reads_durations_in_words() {
        let draft = ScheduleDraft {
            kind: "period".to_owned(),
            every: "1d".to_owned(),
            grace: "2h".to_owned(),
            max_duration: "45m".to_owned(),
            ..ScheduleDraft::default()
        };
        let schedule = from_draft(&draft).unwrap();
        assert_eq!(schedule.period_seconds, Some(86_400));
        assert_eq!(schedule.grace_seconds, 7_200);
        assert_eq!(schedule.max_duration_seconds, Some(2_700));
        assert_eq!(schedule.time_zone, "UTC");
        let bad = ScheduleDraft {
            kind: "cron".to_owned(),
            grace: "soon".to_owned(),
            ..ScheduleDraft::default()
        };
        let errors = from_draft(&bad).unwrap_err();
        assert!(errors.get("grace").is_some());
        assert!(errors.get("cron").is_some());
    }
}

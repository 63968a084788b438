//! Reviews' rules: how often each orchestration is reviewed, when its next
//! review is due, and the review itself: started by its owner, backup owner
//! or an admin, saved as a draft, signed off (then read-only), with action
//! items tracked to done. The calendar and the board's arithmetic are in
//! [`app::model::reviews`].

use std::collections::HashMap;

use app::model::accounts::Actor;
use app::model::catalog::{Lifecycle, Orchestration};
use app::model::errors::FieldErrors;
use app::model::health::DayCounts;
use app::model::inventory::InventoryFilter;
use app::model::reviews::{
    ActionDraft, ActionItem, Answer, BoardFilter, Cadence, CheckItem, DecisionTaken,
    FiscalCalendar, HealthTrend, Hint, OpenAction, Quarter, QuarterHealth, Review, ReviewBoard,
    ReviewDetail, ReviewDraft, ReviewReport, ReviewSchedule, Subject,
};
use app::model::runbooks::RunbookStatus;
use chrono::{DateTime, NaiveDate, Utc};

use crate::access;
use crate::audit::Author;
use crate::catalog::CatalogError;
use crate::clock::Clock;
use crate::store::{
    IncidentFilter, NewActionItem, ReviewWrite, RollupParts, RollupScope, SignOff, Store,
    StoreError,
};

/// Why a review change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// Invalid fields, not found, not allowed.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// Someone saved the draft since it was opened: nothing was saved.
    #[error("this review was saved by someone else since you opened it (now version {}): nothing was saved; look at what they wrote, then save again", .0.version)]
    Stale(Box<Review>),
    /// The request makes no sense in the review's state; says why.
    #[error("{0}")]
    Refused(String),
}

impl From<StoreError> for ReviewError {
    fn from(err: StoreError) -> Self {
        ReviewError::Catalog(err.into())
    }
}

/// The review schedule of `o` at `now`.
pub async fn schedule(
    store: &dyn Store,
    calendar: FiscalCalendar,
    o: &Orchestration,
    now: DateTime<Utc>,
) -> Result<ReviewSchedule, StoreError> {
    Ok(ReviewSchedule::on(
        calendar,
        store.review_cadence(o.id).await?,
        o.created_at.date_naive(),
        store.last_review(o.id).await?,
        now.date_naive(),
    ))
}

/// Sets how often `o` is reviewed, from the cadence's name.
pub async fn set_cadence(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    o: &Orchestration,
    cadence: &str,
) -> Result<(), CatalogError> {
    access::check_orchestration(actor, o)?;
    let Some(cadence) = Cadence::parse(cadence.trim()) else {
        let mut errors = FieldErrors::default();
        errors.add(
            "cadence",
            format!("unknown cadence {cadence:?}: monthly, quarterly or half_yearly"),
        );
        return Err(CatalogError::Invalid(errors));
    };
    let before = store.review_cadence(o.id).await?.unwrap_or_default();
    let now = clock.now();
    let audit = Author::of(actor)
        .did(
            now,
            "orchestration.review_cadence_set",
            "orchestration",
            Some(o.id),
            &o.fields.name,
        )
        .before(&before)
        .after(&cadence);
    store.set_review_cadence(o.id, cadence, now, &audit).await?;
    Ok(())
}

/// Opens a review of `o`: a draft its owner, backup owner or an admin
/// fills in. Refused for a retired orchestration, or while a draft is open.
pub async fn start(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    o: &Orchestration,
) -> Result<Review, ReviewError> {
    access::check_orchestration(actor, o)?;
    if o.fields.lifecycle == Lifecycle::Retired {
        return Err(ReviewError::Refused(format!(
            "{} is retired: retired orchestrations are not reviewed",
            o.fields.name
        )));
    }
    let now = clock.now();
    let author = Author::of(actor);
    let audit = author.did(
        now,
        "review.started",
        "orchestration",
        Some(o.id),
        &o.fields.name,
    );
    match store
        .start_review(o.id, author.id, &actor.display_name, now, &audit)
        .await
    {
        Ok(id) => Ok(store.review(id).await?),
        Err(StoreError::Conflict(_)) => Err(ReviewError::Refused(format!(
            "a review of {} is already under way: continue it",
            o.fields.name
        ))),
        Err(other) => Err(other.into()),
    }
}

/// A review with its orchestration, once the person is known to be allowed
/// to change it and it is still a draft.
async fn open_draft(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
) -> Result<(Review, Orchestration), ReviewError> {
    let review = store.review(id).await?;
    let o = store.orchestration(review.orchestration_id).await?;
    access::check_orchestration(actor, &o)?;
    if review.is_signed() {
        return Err(ReviewError::Refused(
            "this review is signed off: it can no longer change".to_owned(),
        ));
    }
    Ok((review, o))
}

/// Saves a draft review's answers, decision and notes; with `sign`, signs
/// it off too (every question answered, a reason for each "no", a
/// decision), which fixes the due date it answers and the next one.
#[allow(clippy::too_many_arguments)]
pub async fn save(
    store: &dyn Store,
    clock: &dyn Clock,
    calendar: FiscalCalendar,
    actor: &Actor,
    id: i64,
    draft: ReviewDraft,
    sign: bool,
) -> Result<Review, ReviewError> {
    let (review, o) = open_draft(store, actor, id).await?;
    let valid = draft.validate().map_err(CatalogError::Invalid)?;
    let mut errors = if sign {
        valid.unfinished()
    } else {
        FieldErrors::default()
    };
    let merge_into_id = match &valid.merge_into {
        None => None,
        Some(slug) => match store.orchestration_by_slug(slug).await {
            Ok(target) if target.id == o.id => {
                errors.add("merge_into", "an orchestration cannot merge into itself");
                None
            }
            Ok(target) => Some(target.id),
            Err(StoreError::NotFound) => {
                errors.add("merge_into", format!("no orchestration is called {slug:?}"));
                None
            }
            Err(other) => return Err(other.into()),
        },
    };
    if !errors.is_empty() {
        return Err(CatalogError::Invalid(errors).into());
    }
    let now = clock.now();
    let author = Author::of(actor);
    let mut audit = author
        .did(
            now,
            "review.saved",
            "orchestration",
            Some(o.id),
            &o.fields.name,
        )
        .after(&serde_json::json!({
            "review": review.id,
            "version": valid.version + 1,
            "decision": valid.decision,
        }));
    let sign_off = if sign {
        let answered = schedule(store, calendar, &o, now).await?.due_on;
        audit = author
            .did(
                now,
                "review.signed",
                "orchestration",
                Some(o.id),
                &o.fields.name,
            )
            .after(&serde_json::json!({
                "review": review.id,
                "decision": valid.decision,
                "answered": answered,
                "on_time": now.date_naive() <= answered,
            }));
        Some(SignOff {
            by_id: author.id,
            by: actor.display_name.clone(),
            answered,
        })
    } else {
        None
    };
    let write = ReviewWrite {
        answers: valid.answers,
        decision: valid.decision,
        merge_into_id,
        notes: valid.notes,
        at: now,
        sign: sign_off,
    };
    match store.write_review(id, valid.version, &write, &audit).await {
        Ok(_) => Ok(store.review(id).await?),
        Err(StoreError::Conflict(_)) => {
            let current = store.review(id).await?;
            if current.is_signed() {
                Err(ReviewError::Refused(
                    "this review was signed off meanwhile: it can no longer change".to_owned(),
                ))
            } else {
                Err(ReviewError::Stale(Box::new(current)))
            }
        }
        Err(other) => Err(other.into()),
    }
}

/// Throws a draft away, with the action items it set.
pub async fn discard(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
) -> Result<Orchestration, ReviewError> {
    let (review, o) = open_draft(store, actor, id).await?;
    let audit = Author::of(actor)
        .did(
            clock.now(),
            "review.discarded",
            "orchestration",
            Some(o.id),
            &o.fields.name,
        )
        .before(&serde_json::json!({ "review": review.id }));
    match store.discard_review(id, &audit).await {
        Ok(()) => Ok(o),
        Err(StoreError::Conflict(_)) => Err(ReviewError::Refused(
            "this review was signed off meanwhile: it is kept".to_owned(),
        )),
        Err(other) => Err(other.into()),
    }
}

/// Adds an action item to a draft review.
pub async fn add_action(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    review_id: i64,
    draft: ActionDraft,
) -> Result<ActionItem, ReviewError> {
    let (review, o) = open_draft(store, actor, review_id).await?;
    let now = clock.now();
    let valid = draft
        .validate(now.date_naive())
        .map_err(CatalogError::Invalid)?;
    if let Some(owner) = valid.owner_id
        && !store.user_is_active(owner).await?
    {
        let mut errors = FieldErrors::default();
        errors.add("owner_id", "no active person has this id");
        return Err(CatalogError::Invalid(errors).into());
    }
    let audit = Author::of(actor)
        .did(
            now,
            "review.action_added",
            "orchestration",
            Some(o.id),
            &o.fields.name,
        )
        .after(&serde_json::json!({
            "review": review.id,
            "title": valid.title,
            "owner_id": valid.owner_id,
            "due_on": valid.due_on,
        }));
    let item = NewActionItem {
        orchestration_id: o.id,
        review_id: review.id,
        title: valid.title,
        owner_id: valid.owner_id,
        due_on: valid.due_on,
        at: now,
    };
    match store.add_action_item(&item, &audit).await {
        Ok(id) => Ok(store.action_item(id).await?),
        Err(StoreError::Conflict(_)) => Err(ReviewError::Refused(
            "this review was signed off meanwhile: add the item to the next one".to_owned(),
        )),
        Err(other) => Err(other.into()),
    }
}

/// Marks an action item done, or open again. Its owner may, as may the
/// orchestration's owner, backup owner and admins.
pub async fn set_action_done(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
    done: bool,
) -> Result<ActionItem, ReviewError> {
    let item = store.action_item(id).await?;
    let o = store.orchestration(item.orchestration_id).await?;
    let own_task = item.owner_id == Some(actor.id) && actor.may_create();
    if !own_task {
        access::check_orchestration(actor, &o)?;
    }
    if item.is_open() != done {
        return Err(ReviewError::Refused(if done {
            "this action item is already done".to_owned()
        } else {
            "this action item is already open".to_owned()
        }));
    }
    let now = clock.now();
    let action = if done {
        "review.action_done"
    } else {
        "review.action_reopened"
    };
    let audit = Author::of(actor)
        .did(now, action, "orchestration", Some(o.id), &o.fields.name)
        .after(&serde_json::json!({ "action": item.id, "title": item.title }));
    let mark = done.then_some((now, actor.display_name.as_str()));
    store.set_action_done(id, mark, &audit).await?;
    Ok(store.action_item(id).await?)
}

/// Every orchestration under review (all but the retired), as the board
/// needs it.
pub async fn subjects(store: &dyn Store) -> Result<Vec<Subject>, StoreError> {
    subjects_of(store, &store.orchestrations().await?).await
}

/// [`subjects`] of these orchestrations, already read.
pub async fn subjects_of(
    store: &dyn Store,
    orchestrations: &[Orchestration],
) -> Result<Vec<Subject>, StoreError> {
    let people: HashMap<i64, String> = store.user_names().await?.into_iter().collect();
    let teams: HashMap<i64, String> = store
        .teams()
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let cadences: HashMap<i64, Cadence> = store.review_cadences().await?.into_iter().collect();
    let last: HashMap<_, _> = store.last_reviews().await?.into_iter().collect();
    let drafts: HashMap<i64, i64> = store.draft_reviews().await?.into_iter().collect();
    Ok(orchestrations
        .iter()
        .filter(|o| o.fields.lifecycle != Lifecycle::Retired)
        .map(|o| {
            let f = o.fields.clone();
            Subject {
                id: o.id,
                owner: f.owner_id.and_then(|id| people.get(&id).cloned()),
                team: f.team_id.and_then(|id| teams.get(&id).cloned()),
                slug: f.slug,
                name: f.name,
                owner_id: f.owner_id,
                backup_owner_id: f.backup_owner_id,
                team_id: f.team_id,
                tier: f.tier,
                registered: o.created_at.date_naive(),
                cadence: cadences.get(&o.id).copied(),
                last: last.get(&o.id).copied(),
                draft: drafts.get(&o.id).copied(),
            }
        })
        .collect())
}

/// The review board of `quarter` on `today`.
pub async fn board(
    store: &dyn Store,
    calendar: FiscalCalendar,
    quarter: Quarter,
    today: NaiveDate,
    filter: BoardFilter,
) -> Result<ReviewBoard, StoreError> {
    let (starts, ends) = calendar.bounds(quarter);
    let signed = store.signed_reviews(starts, ends).await?;
    let subjects = subjects(store).await?;
    Ok(ReviewBoard::build(
        calendar, quarter, today, &subjects, &signed, filter,
    ))
}

/// How `o` fared over `quarter`, and the quarter before.
pub async fn quarter_health(
    store: &dyn Store,
    calendar: FiscalCalendar,
    o: &Orchestration,
    quarter: Quarter,
    now: DateTime<Utc>,
) -> Result<QuarterHealth, StoreError> {
    let bounds = calendar.bounds(quarter);
    let previous = calendar.bounds(quarter.previous());
    let rollups = store
        .rollups(
            RollupScope::Orchestration(o.id),
            previous.0,
            RollupParts::Counts,
        )
        .await?;
    let days: Vec<_> = rollups.days.into_iter().map(|(_, day)| day).collect();
    let filter = IncidentFilter {
        orchestration_id: Some(o.id),
        ..IncidentFilter::default()
    };
    let (incidents, _) = store.incidents(&filter, 500, 0).await?;
    let incidents = incidents
        .into_iter()
        .filter(|i| (bounds.0..=bounds.1).contains(&i.opened_at.date_naive()))
        .collect();
    Ok(QuarterHealth::from_days(
        quarter,
        bounds,
        previous,
        now.date_naive(),
        o.fields.success_rate_target,
        &days,
        incidents,
    ))
}

/// The quarter a review belongs to: that of the due date it answered, or
/// today's while it is a draft.
pub fn quarter_of(calendar: FiscalCalendar, review: &Review, today: NaiveDate) -> Quarter {
    calendar.quarter_of(review.answered.unwrap_or(today))
}

/// The quarterly report: the board, the decisions taken, each
/// orchestration's health against the quarter before, the top leverage
/// candidates and every open action item.
pub async fn report(
    store: &dyn Store,
    calendar: FiscalCalendar,
    quarter: Quarter,
    now: DateTime<Utc>,
    runbook_stale_days: u32,
) -> Result<ReviewReport, StoreError> {
    let (starts, ends) = calendar.bounds(quarter);
    let previous = calendar.bounds(quarter.previous());
    let board = board(
        store,
        calendar,
        quarter,
        now.date_naive(),
        BoardFilter::default(),
    )
    .await?;
    let orchestrations = store.orchestrations().await?;
    let names: HashMap<i64, (String, String)> = orchestrations
        .iter()
        .map(|o| (o.id, (o.fields.slug.clone(), o.fields.name.clone())))
        .collect();
    let decisions = store
        .signed_reviews(starts, ends)
        .await?
        .into_iter()
        .filter_map(|r| {
            let signed_on = r.signed_at?.date_naive();
            if !(starts..=ends).contains(&signed_on) {
                return None;
            }
            let (slug, name) = names.get(&r.orchestration_id)?.clone();
            Some(DecisionTaken {
                review_id: r.id,
                slug,
                name,
                decision: r.decision?,
                merge_into: r.merge_into_id.and_then(|id| names.get(&id).cloned()),
                signed_on,
                signed_by: r.signed_by.unwrap_or_default(),
            })
        })
        .collect();

    // Runs per orchestration and day, from the automations' rollups.
    let owners: HashMap<i64, i64> = store
        .automations(&InventoryFilter::default(), u32::MAX, 0)
        .await?
        .into_iter()
        .filter_map(|a| Some((a.id, a.fields.orchestration_id?)))
        .collect();
    let mut days: HashMap<i64, Vec<DayCounts>> = HashMap::new();
    for (automation, day) in store
        .rollups(RollupScope::All, previous.0, RollupParts::Counts)
        .await?
        .days
    {
        if let Some(o) = owners.get(&automation) {
            days.entry(*o).or_default().push(day);
        }
    }
    let (incidents, _) = store
        .incidents(&IncidentFilter::default(), 10_000, 0)
        .await?;
    let mut incidents_by: HashMap<String, u32> = HashMap::new();
    for i in incidents
        .iter()
        .filter(|i| (starts..=ends).contains(&i.opened_at.date_naive()))
    {
        if let Some((slug, _)) = &i.orchestration {
            *incidents_by.entry(slug.clone()).or_default() += 1;
        }
    }
    let mut health: Vec<HealthTrend> = orchestrations
        .iter()
        .filter(|o| o.fields.lifecycle != Lifecycle::Retired)
        .map(|o| {
            let h = QuarterHealth::from_days(
                quarter,
                (starts, ends),
                previous,
                now.date_naive(),
                o.fields.success_rate_target,
                days.get(&o.id).map_or(&[][..], Vec::as_slice),
                Vec::new(),
            );
            HealthTrend {
                slug: o.fields.slug.clone(),
                name: o.fields.name.clone(),
                tier: o.fields.tier,
                runs: h.runs,
                success_rate: h.success_rate,
                previous_rate: h.previous_rate,
                target: h.target,
                incidents: incidents_by.get(&o.fields.slug).copied().unwrap_or(0),
            }
        })
        .collect();
    health.sort_by(|a, b| {
        let rate = |t: &HealthTrend| t.success_rate.unwrap_or(2.0);
        rate(a)
            .total_cmp(&rate(b))
            .then(a.tier.cmp(&b.tier))
            .then(a.name.cmp(&b.name))
    });
    let leverage = crate::leverage::report(store, now, runbook_stale_days)
        .await?
        .top_three;
    let open_actions = store
        .action_items(None, true)
        .await?
        .into_iter()
        .filter_map(|item| {
            let (slug, name) = names.get(&item.orchestration_id)?.clone();
            Some(OpenAction { slug, name, item })
        })
        .collect();
    Ok(ReviewReport {
        board,
        decisions,
        health,
        leverage,
        open_actions,
    })
}

/// The report's board as CSV: one line per review of the quarter.
pub fn report_csv(report: &ReviewReport) -> String {
    fn field(text: &str) -> String {
        let text = crate::spreadsheet::guarded(text);
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.into_owned()
        }
    }
    let rate = |r: Option<f64>| r.map(|r| format!("{:.1}", r * 100.0)).unwrap_or_default();
    let trends: HashMap<&str, &HealthTrend> =
        report.health.iter().map(|h| (h.slug.as_str(), h)).collect();
    let mut out = String::from(
        "quarter,orchestration,slug,owner,team,tier,cadence,due_on,status,signed_on,signed_by,decision,success_rate_pct,previous_rate_pct,incidents,open_actions\n",
    );
    for row in &report.board.rows {
        let trend = trends.get(row.slug.as_str());
        let open = report
            .open_actions
            .iter()
            .filter(|a| a.item.orchestration_id == row.orchestration_id)
            .count();
        let cells = [
            report.board.quarter.to_string(),
            field(&row.name),
            field(&row.slug),
            field(row.owner.as_deref().unwrap_or("")),
            field(row.team.as_deref().unwrap_or("")),
            row.tier.to_string(),
            row.cadence.as_str().to_owned(),
            row.due_on.to_string(),
            row.status.as_str().to_owned(),
            row.signed_on.map(|d| d.to_string()).unwrap_or_default(),
            field(row.signed_by.as_deref().unwrap_or("")),
            row.decision
                .map(|d| d.as_str().to_owned())
                .unwrap_or_default(),
            rate(trend.and_then(|t| t.success_rate)),
            rate(trend.and_then(|t| t.previous_rate)),
            trend.map(|t| t.incidents.to_string()).unwrap_or_default(),
            open.to_string(),
        ];
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// What Baton sees for each checklist question.
fn hints(
    o: &Orchestration,
    people: &HashMap<i64, String>,
    runbook: &RunbookStatus,
    health: &QuarterHealth,
    dependencies: u32,
) -> Vec<Hint> {
    let f = &o.fields;
    let person = |id: Option<i64>| id.and_then(|id| people.get(&id).cloned());
    let (starts, ends) = (health.starts, health.ends);
    let pct = |r: f64| format!("{:.1} %", r * 100.0);
    CheckItem::ALL
        .into_iter()
        .map(|item| {
            let (seen, suggests) = match item {
                CheckItem::OwnerRight => match person(f.owner_id) {
                    Some(owner) => (format!("The owner is {owner}."), None),
                    None => ("Nobody owns it.".to_owned(), Some(Answer::No)),
                },
                CheckItem::BackupOwnerSet => match person(f.backup_owner_id) {
                    Some(backup) => (format!("The backup owner is {backup}."), None),
                    None => ("No backup owner is set.".to_owned(), Some(Answer::No)),
                },
                CheckItem::RunbookVerified => match (&runbook.verification, runbook.revision) {
                    (_, None) => ("It has no runbook.".to_owned(), Some(Answer::No)),
                    (None, Some(_)) => (
                        "Its runbook was never verified.".to_owned(),
                        Some(Answer::No),
                    ),
                    (Some(v), Some(_)) => {
                        let day = v.at.date_naive();
                        let within = (starts..=ends).contains(&day);
                        (
                            format!("Last verified on {day} by {}.", v.by),
                            Some(if within { Answer::Yes } else { Answer::No }),
                        )
                    }
                },
                CheckItem::FailureModeTrue => {
                    if f.failure_mode.trim().is_empty() {
                        ("No failure mode is written.".to_owned(), Some(Answer::No))
                    } else {
                        let excerpt: String = f.failure_mode.chars().take(160).collect();
                        let more = if f.failure_mode.chars().count() > 160 {
                            "…"
                        } else {
                            ""
                        };
                        (format!("Written: “{excerpt}{more}”"), None)
                    }
                }
                CheckItem::HealthWithinTarget => {
                    let target = health
                        .target
                        .map_or("no target set".to_owned(), |t| format!("target {}", pct(t)));
                    match (health.success_rate, health.within_target()) {
                        (Some(rate), within) => (
                            format!(
                                "{} of {} runs succeeded this quarter ({target}); {} missed.",
                                pct(rate),
                                health.runs,
                                health.missed
                            ),
                            within.map(|w| if w { Answer::Yes } else { Answer::No }),
                        ),
                        (None, _) => (format!("No runs this quarter ({target})."), None),
                    }
                }
                CheckItem::DependenciesCorrect => (
                    match dependencies {
                        0 => "No dependencies are recorded.".to_owned(),
                        1 => "1 dependency is recorded.".to_owned(),
                        n => format!("{n} dependencies are recorded."),
                    },
                    None,
                ),
            };
            Hint {
                item,
                seen,
                suggests,
            }
        })
        .collect()
}

/// The action items `review` set, and those earlier reviews set that are
/// still open or were closed since `quarter_starts`.
pub async fn actions_of(
    store: &dyn Store,
    review: &Review,
    quarter_starts: NaiveDate,
) -> Result<(Vec<ActionItem>, Vec<ActionItem>), StoreError> {
    Ok(store
        .action_items(Some(review.orchestration_id), false)
        .await?
        .into_iter()
        .filter(|a| {
            a.review_id == review.id
                || (a.review_id < review.id
                    && a.done_at
                        .is_none_or(|done| done.date_naive() >= quarter_starts))
        })
        .partition(|a| a.review_id == review.id))
}

/// Review `id` with everything it looks at.
pub async fn detail(
    store: &dyn Store,
    calendar: FiscalCalendar,
    runbook_stale_days: u32,
    id: i64,
    now: DateTime<Utc>,
) -> Result<ReviewDetail, StoreError> {
    let review = store.review(id).await?;
    let o = store.orchestration(review.orchestration_id).await?;
    let quarter = quarter_of(calendar, &review, now.date_naive());
    let (starts, ends) = calendar.bounds(quarter);
    let health = quarter_health(store, calendar, &o, quarter, now).await?;
    let runbook = crate::runbooks::current(store, o.id, runbook_stale_days, now)
        .await?
        .status;
    let runbook_revisions = store
        .runbook_revisions(o.id)
        .await?
        .iter()
        .filter(|r| (starts..=ends).contains(&r.created_at.date_naive()))
        .count();
    let members = crate::graph::members(store, o.id).await?;
    let touching = |node: &app::model::dependencies::Endpoint| {
        use app::model::dependencies::NodeKind;
        match node.node.kind {
            NodeKind::Orchestration => node.node.id == o.id,
            NodeKind::Automation => members.iter().any(|m| m.id == node.node.id),
        }
    };
    let dependencies = store
        .dependencies()
        .await?
        .iter()
        .filter(|d| touching(&d.upstream) || touching(&d.downstream))
        .count();
    let dependencies = u32::try_from(dependencies).unwrap_or(u32::MAX);
    let people: HashMap<i64, String> = store.user_names().await?.into_iter().collect();
    let hints = hints(&o, &people, &runbook, &health, dependencies);
    let (actions, carried_actions) = actions_of(store, &review, starts).await?;
    let merge_into = match review.merge_into_id {
        Some(target) => match store.orchestration(target).await {
            Ok(t) => Some((t.fields.slug, t.fields.name)),
            Err(StoreError::NotFound) => None,
            Err(other) => return Err(other),
        },
        None => None,
    };
    Ok(ReviewDetail {
        schedule: schedule(store, calendar, &o, now).await?,
        slug: o.fields.slug,
        name: o.fields.name,
        review,
        quarter,
        health,
        runbook,
        runbook_revisions: u32::try_from(runbook_revisions).unwrap_or(u32::MAX),
        dependencies,
        actions,
        carried_actions,
        hints,
        merge_into,
    })
}

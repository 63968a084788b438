//! Quarterly reviews' rules: how often each orchestration is reviewed and
//! when its next review is due (the calendar itself is in
//! [`app::model::reviews`]).

use app::model::accounts::Actor;
use app::model::catalog::Orchestration;
use app::model::errors::FieldErrors;
use app::model::reviews::{Cadence, FiscalCalendar, ReviewSchedule};
use chrono::{DateTime, Utc};

use crate::access;
use crate::audit::Author;
use crate::catalog::CatalogError;
use crate::clock::Clock;
use crate::store::{Store, StoreError};

/// The review schedule of `o` at `now`.
pub async fn schedule(
    store: &dyn Store,
    calendar: FiscalCalendar,
    o: &Orchestration,
    now: DateTime<Utc>,
) -> Result<ReviewSchedule, StoreError> {
    let cadence = store
        .review_cadences()
        .await?
        .into_iter()
        .find(|(id, _)| *id == o.id)
        .map(|(_, cadence)| cadence);
    // Reviews are not signed off yet: none has a last review.
    Ok(ReviewSchedule::on(
        calendar,
        cadence,
        o.created_at.date_naive(),
        None,
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
    let before = store
        .review_cadences()
        .await?
        .into_iter()
        .find(|(id, _)| *id == o.id)
        .map_or(Cadence::default(), |(_, c)| c);
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

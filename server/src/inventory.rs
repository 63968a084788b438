//! The inventory's rules beyond a single field: references must exist, and
//! one automation is listed once (tool + external id), changed only from
//! its current version.

use app::model::accounts::Actor;
use app::model::errors::FieldErrors;
use app::model::inventory::{Automation, AutomationDraft, AutomationFields};

use crate::access;
use crate::audit::Author;
use crate::catalog::{CatalogError, add_reference_errors};
use crate::clock::Clock;
use crate::store::{Store, StoreError};

async fn validate(
    store: &dyn Store,
    draft: AutomationDraft,
) -> Result<AutomationFields, CatalogError> {
    let (owner, team, orchestration) = (draft.owner_id, draft.team_id, draft.orchestration_id);
    let (valid, mut errors) = match draft.validate() {
        Ok(valid) => (Some(valid), FieldErrors::default()),
        Err(errors) => (None, errors),
    };
    add_reference_errors(store, owner, None, team, &mut errors).await?;
    if let Some(id) = orchestration
        && !store.orchestration_exists(id).await?
    {
        errors.add(
            "orchestration_id",
            format!("there is no orchestration {id}"),
        );
    }
    match valid {
        Some(valid) if errors.is_empty() => Ok(valid),
        _ => Err(CatalogError::Invalid(errors)),
    }
}

fn already_listed(valid: &AutomationFields) -> CatalogError {
    let mut errors = FieldErrors::default();
    errors.add(
        "external_id",
        format!(
            "{} {:?} is already in the inventory",
            valid.tool.label(),
            valid.external_id
        ),
    );
    CatalogError::Invalid(errors)
}

/// Adds an automation to the inventory.
pub async fn create_automation(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    draft: AutomationDraft,
) -> Result<Automation, CatalogError> {
    access::require_editor(actor)?;
    access::check_joining(store, actor, draft.orchestration_id).await?;
    let valid = validate(store, draft).await?;
    let audit = Author::of(actor)
        .did(
            clock.now(),
            "automation.created",
            "automation",
            None,
            &valid.name,
        )
        .after(&valid);
    match store.create_automation(&valid, clock.now(), &audit).await {
        Err(StoreError::Conflict(_)) => Err(already_listed(&valid)),
        other => Ok(other?),
    }
}

/// Saves a changed automation, if nobody saved since `version`.
pub async fn update_automation(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
    version: i64,
    draft: AutomationDraft,
) -> Result<Automation, CatalogError> {
    let current = store.automation(id).await?;
    access::check_automation(store, actor, &current).await?;
    if draft.orchestration_id != current.fields.orchestration_id {
        access::check_joining(store, actor, draft.orchestration_id).await?;
    }
    let valid = validate(store, draft).await?;
    let audit = Author::of(actor)
        .did(
            clock.now(),
            "automation.updated",
            "automation",
            Some(id),
            &valid.name,
        )
        .before(&current.fields)
        .after(&valid);
    match store
        .update_automation(id, version, &valid, clock.now(), &audit)
        .await
    {
        Ok(saved) => Ok(saved),
        Err(StoreError::Conflict(_)) => {
            let current = store.automation(id).await?;
            if current.version != version {
                Err(CatalogError::StaleAutomation {
                    current: Box::new(current),
                })
            } else {
                Err(already_listed(&valid))
            }
        }
        Err(other) => Err(other.into()),
    }
}

/// Removes an automation from the inventory for good.
pub async fn delete_automation(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
) -> Result<(), CatalogError> {
    let current = store.automation(id).await?;
    access::check_automation(store, actor, &current).await?;
    let audit = Author::of(actor)
        .did(
            clock.now(),
            "automation.deleted",
            "automation",
            Some(id),
            &current.fields.name,
        )
        .before(&current.fields);
    Ok(store.delete_automation(id, &audit).await?)
}

/// Gives an automation a new ping key; the old one keeps working for
/// `overlap`. Returns the new key.
pub async fn rotate_ping_key(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
    overlap: chrono::TimeDelta,
) -> Result<String, CatalogError> {
    let current = store.automation(id).await?;
    access::check_automation(store, actor, &current).await?;
    let now = clock.now();
    let audit = Author::of(actor)
        .did(
            now,
            "automation.ping_key_rotated",
            "automation",
            Some(id),
            &current.fields.name,
        )
        .after(&serde_json::json!({"old_key_accepted_until": now + overlap}));
    Ok(store
        .rotate_ping_key(id, now, now + overlap, &audit)
        .await?)
}

//! The catalog's rules beyond a single field: references must exist, slugs
//! are unique, a save must be based on the current version, a delete must
//! be confirmed. Plain functions over the [`Store`] and the [`Clock`].

use app::model::accounts::Actor;
use app::model::catalog::{Lifecycle, Orchestration, OrchestrationDraft, OrchestrationFields};
use app::model::errors::FieldErrors;
use app::model::inventory::Automation;

use crate::access;
use crate::audit::{Author, NewAudit};
use crate::clock::Clock;
use crate::store::{Store, StoreError};

/// Why a catalog change was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// Fields the person must correct, each with its message.
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("not found")]
    NotFound,
    /// The person may not make this change; says why.
    #[error("{0}")]
    Forbidden(String),
    /// Someone else saved first; `current` is what they saved.
    #[error("changed by someone else since you opened it")]
    Stale { current: Box<Orchestration> },
    /// Someone else saved this automation first.
    #[error("changed by someone else since you opened it")]
    StaleAutomation { current: Box<Automation> },
    /// The delete was not confirmed with the orchestration's slug.
    #[error("to delete, confirm with the orchestration's slug ({slug})")]
    Unconfirmed { slug: String },
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for CatalogError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => CatalogError::NotFound,
            other => CatalogError::Store(other),
        }
    }
}

/// Validates a draft, including that the people and team it names exist.
async fn validate(
    store: &dyn Store,
    draft: OrchestrationDraft,
) -> Result<OrchestrationFields, CatalogError> {
    let (owner, backup, team) = (draft.owner_id, draft.backup_owner_id, draft.team_id);
    let mut errors = match draft.validate() {
        Ok(valid) => return check_references(store, valid).await,
        Err(errors) => errors,
    };
    // Report unknown references along with the field errors.
    add_reference_errors(store, owner, backup, team, &mut errors).await?;
    Err(CatalogError::Invalid(errors))
}

async fn check_references(
    store: &dyn Store,
    valid: OrchestrationFields,
) -> Result<OrchestrationFields, CatalogError> {
    let mut errors = FieldErrors::default();
    add_reference_errors(
        store,
        valid.owner_id,
        valid.backup_owner_id,
        valid.team_id,
        &mut errors,
    )
    .await?;
    errors.into_result(valid).map_err(CatalogError::Invalid)
}

/// Adds an error for each named person or team that does not exist.
pub(crate) async fn add_reference_errors(
    store: &dyn Store,
    owner: Option<i64>,
    backup: Option<i64>,
    team: Option<i64>,
    errors: &mut FieldErrors,
) -> Result<(), CatalogError> {
    for (field, user) in [("owner_id", owner), ("backup_owner_id", backup)] {
        if let Some(id) = user
            && !store.user_is_active(id).await?
        {
            errors.add(field, format!("there is no active user {id}"));
        }
    }
    if let Some(id) = team
        && !store.team_exists(id).await?
    {
        errors.add("team_id", format!("there is no team {id}"));
    }
    Ok(())
}

fn slug_taken(slug: &str) -> CatalogError {
    let mut errors = FieldErrors::default();
    errors.add(
        "slug",
        format!("{slug:?} is taken by another orchestration: choose another slug"),
    );
    CatalogError::Invalid(errors)
}

/// Registers an orchestration.
pub async fn create_orchestration(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    draft: OrchestrationDraft,
) -> Result<Orchestration, CatalogError> {
    access::require_editor(actor)?;
    let valid = validate(store, draft).await?;
    let audit = Author::of(actor)
        .did(
            clock.now(),
            "orchestration.created",
            "orchestration",
            None,
            &valid.name,
        )
        .after(&valid);
    match store
        .create_orchestration(&valid, clock.now(), &audit)
        .await
    {
        Err(StoreError::Conflict(_)) => Err(slug_taken(&valid.slug)),
        other => Ok(other?),
    }
}

/// Saves a changed orchestration, if nobody saved since `version`.
pub async fn update_orchestration(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
    version: i64,
    draft: OrchestrationDraft,
) -> Result<Orchestration, CatalogError> {
    let current = store.orchestration(id).await?;
    access::check_orchestration(actor, &current)?;
    let valid = validate(store, draft).await?;
    let audit = Author::of(actor)
        .did(
            clock.now(),
            "orchestration.updated",
            "orchestration",
            Some(id),
            &valid.name,
        )
        .before(&current.fields)
        .after(&valid);
    save(store, clock, id, version, &valid, &audit).await
}

async fn save(
    store: &dyn Store,
    clock: &dyn Clock,
    id: i64,
    version: i64,
    valid: &OrchestrationFields,
    audit: &NewAudit,
) -> Result<Orchestration, CatalogError> {
    match store
        .update_orchestration(id, version, valid, clock.now(), audit)
        .await
    {
        Ok(saved) => Ok(saved),
        Err(StoreError::Conflict(_)) => {
            let current = store.orchestration(id).await?;
            if current.version != version {
                Err(CatalogError::Stale {
                    current: Box::new(current),
                })
            } else {
                Err(slug_taken(&valid.slug))
            }
        }
        Err(other) => Err(other.into()),
    }
}

/// Retires an orchestration: it stays in the catalog with its history.
pub async fn retire_orchestration(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
    version: i64,
) -> Result<Orchestration, CatalogError> {
    let current = store.orchestration(id).await?;
    access::check_orchestration(actor, &current)?;
    if current.version != version {
        return Err(CatalogError::Stale {
            current: Box::new(current),
        });
    }
    let retired = OrchestrationFields {
        lifecycle: Lifecycle::Retired,
        ..current.fields.clone()
    };
    let audit = Author::of(actor)
        .did(
            clock.now(),
            "orchestration.retired",
            "orchestration",
            Some(id),
            &retired.name,
        )
        .before(&current.fields)
        .after(&retired);
    save(store, clock, id, version, &retired, &audit).await
}

/// Deletes an orchestration for good, once confirmed with its slug.
pub async fn delete_orchestration(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
    confirmation: &str,
) -> Result<(), CatalogError> {
    let current = store.orchestration(id).await?;
    access::check_orchestration(actor, &current)?;
    if confirmation.trim() != current.fields.slug {
        return Err(CatalogError::Unconfirmed {
            slug: current.fields.slug,
        });
    }
    let audit = Author::of(actor)
        .did(
            clock.now(),
            "orchestration.deleted",
            "orchestration",
            Some(id),
            &current.fields.name,
        )
        .before(&current.fields);
    Ok(store.delete_orchestration(id, &audit).await?)
}

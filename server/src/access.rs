//! Who may change what, checked by the domain functions themselves so the
//! API and the screens cannot differ: viewers change nothing; editors
//! create, and change what they own or back up (an automation also through
//! the orchestration it belongs to); admins change everything.

use app::model::accounts::Actor;
use app::model::catalog::Orchestration;
use app::model::dependencies::{NodeKind, NodeRef};
use app::model::inventory::Automation;

use crate::catalog::CatalogError;
use crate::store::{Store, StoreError};

/// Refuses viewers.
pub fn require_editor(actor: &Actor) -> Result<(), CatalogError> {
    if actor.may_create() {
        Ok(())
    } else {
        Err(CatalogError::Forbidden(
            "you have the viewer role, which changes nothing: ask an administrator for the editor role"
                .to_owned(),
        ))
    }
}

/// Refuses everyone but admins; `what` completes "only an administrator may …".
pub fn require_admin(actor: &Actor, what: &str) -> Result<(), CatalogError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(CatalogError::Forbidden(format!(
            "only an administrator may {what}"
        )))
    }
}

fn not_yours(name: &str) -> CatalogError {
    CatalogError::Forbidden(format!(
        "only the owner or backup owner of \u{201c}{name}\u{201d}, or an administrator, may change it"
    ))
}

/// Whether `actor` may change this orchestration.
pub fn may_edit_orchestration(actor: &Actor, orchestration: &Orchestration) -> bool {
    let fields = &orchestration.fields;
    actor.may_edit_owned([fields.owner_id, fields.backup_owner_id])
}

pub fn check_orchestration(
    actor: &Actor,
    orchestration: &Orchestration,
) -> Result<(), CatalogError> {
    require_editor(actor)?;
    if may_edit_orchestration(actor, orchestration) {
        Ok(())
    } else {
        Err(not_yours(&orchestration.fields.name))
    }
}

/// Whether `actor` may change this automation: they own it, or own or back
/// up its orchestration.
pub async fn may_edit_automation(
    store: &dyn Store,
    actor: &Actor,
    automation: &Automation,
) -> Result<bool, StoreError> {
    if actor.may_edit_owned([automation.fields.owner_id, None]) {
        return Ok(true);
    }
    if !actor.may_create() {
        return Ok(false);
    }
    match automation.fields.orchestration_id {
        Some(id) => match store.orchestration(id).await {
            Ok(orchestration) => Ok(may_edit_orchestration(actor, &orchestration)),
            Err(StoreError::NotFound) => Ok(false),
            Err(other) => Err(other),
        },
        None => Ok(false),
    }
}

pub async fn check_automation(
    store: &dyn Store,
    actor: &Actor,
    automation: &Automation,
) -> Result<(), CatalogError> {
    require_editor(actor)?;
    if may_edit_automation(store, actor, automation).await? {
        Ok(())
    } else {
        Err(not_yours(&automation.fields.name))
    }
}

/// Putting an automation into an orchestration changes that orchestration
/// too: only someone who may change it may do so.
pub async fn check_joining(
    store: &dyn Store,
    actor: &Actor,
    orchestration: Option<i64>,
) -> Result<(), CatalogError> {
    let Some(id) = orchestration else {
        return Ok(());
    };
    match store.orchestration(id).await {
        Ok(orchestration) => check_orchestration(actor, &orchestration),
        // An unknown orchestration is the form's error to report.
        Err(StoreError::NotFound) => Ok(()),
        Err(other) => Err(other.into()),
    }
}

/// Whether `actor` may change this end of an edge (`true` when it is gone:
/// the caller reports a missing end as the form's error).
async fn may_edit_node(
    store: &dyn Store,
    actor: &Actor,
    node: NodeRef,
) -> Result<bool, StoreError> {
    match node.kind {
        NodeKind::Orchestration => match store.orchestration(node.id).await {
            Ok(o) => Ok(may_edit_orchestration(actor, &o)),
            Err(StoreError::NotFound) => Ok(true),
            Err(other) => Err(other),
        },
        NodeKind::Automation => match store.automation(node.id).await {
            Ok(a) => may_edit_automation(store, actor, &a).await,
            Err(StoreError::NotFound) => Ok(true),
            Err(other) => Err(other),
        },
    }
}

/// An edge may be added or removed only by someone who may change both
/// ends (or an admin): an edge holds the downstream's alerts back while the
/// upstream fails, so its downstream's owner must be the one to rely on it,
/// and the upstream's owner must agree to be relied on.
pub async fn check_edge(
    store: &dyn Store,
    actor: &Actor,
    upstream: NodeRef,
    downstream: NodeRef,
) -> Result<(), CatalogError> {
    require_editor(actor)?;
    if actor.is_admin()
        || (may_edit_node(store, actor, upstream).await?
            && may_edit_node(store, actor, downstream).await?)
    {
        Ok(())
    } else {
        Err(CatalogError::Forbidden(
            "only someone who may change both of its ends, or an administrator, may add or remove a dependency"
                .to_owned(),
        ))
    }
}

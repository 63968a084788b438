//! Building audit entries: who (a signed-in person, the command line, or
//! Baton itself), what, and the state before and after. The store appends
//! each entry in the transaction of the change it records.

use app::model::accounts::Actor;
use chrono::{DateTime, Utc};
use serde::Serialize;

pub use crate::store::NewAudit;

/// Who an entry names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub id: Option<i64>,
    pub label: String,
}

impl Author {
    /// A signed-in person, named as they are now.
    pub fn of(actor: &Actor) -> Self {
        Self {
            id: Some(actor.id),
            label: format!("{} <{}>", actor.display_name, actor.email),
        }
    }

    /// Someone at the server's command line (`baton user create`, …).
    pub fn command_line() -> Self {
        Self {
            id: None,
            label: "command line".to_owned(),
        }
    }

    /// A tool's request (a ping creating an automation).
    pub fn ingestion() -> Self {
        Self {
            id: None,
            label: "ingestion".to_owned(),
        }
    }

    /// The alerts job (an overdue review told).
    pub fn alerts() -> Self {
        Self {
            id: None,
            label: "alerts".to_owned(),
        }
    }

    /// Someone not signed in (a failed sign-in): named by what they typed.
    pub fn typed(email: &str) -> Self {
        Self {
            id: None,
            label: email.to_owned(),
        }
    }

    /// An entry by this author: `action` on the `kind` with `id` (none yet
    /// for a creation), known as `label`.
    pub fn did(
        &self,
        at: DateTime<Utc>,
        action: &'static str,
        kind: &'static str,
        id: Option<i64>,
        label: impl Into<String>,
    ) -> NewAudit {
        NewAudit {
            at,
            actor_id: self.id,
            actor_label: self.label.clone(),
            action,
            subject_kind: kind,
            subject_id: id,
            subject_label: label.into(),
            before: None,
            after: None,
            client: None,
        }
    }
}

impl NewAudit {
    pub fn before(mut self, state: &impl Serialize) -> Self {
        self.before = serde_json::to_value(state).ok();
        self
    }

    pub fn after(mut self, state: &impl Serialize) -> Self {
        self.after = serde_json::to_value(state).ok();
        self
    }

    pub fn from_client(mut self, client: impl Into<String>) -> Self {
        self.client = Some(client.into());
        self
    }
}

/// Entries a page of the log shows.
pub const PER_PAGE: u32 = 50;

/// A page (from 1) of the log matching `filter`, newest first: for admins.
pub async fn browse(
    store: &dyn crate::store::Store,
    actor: &Actor,
    filter: &app::model::audit::AuditFilter,
    page: u32,
) -> Result<app::model::audit::AuditPage, crate::catalog::CatalogError> {
    crate::access::require_admin(actor, "read the audit log")?;
    let page = page.max(1);
    let filter = &app::model::audit::AuditFilter {
        from: filter.from.map(app::model::window::bound_day),
        to: filter.to.map(app::model::window::bound_day),
        ..filter.clone()
    };
    let entries = store
        .audit_log(filter, PER_PAGE, (page - 1).saturating_mul(PER_PAGE))
        .await?;
    let total = store.count_audit(filter).await?;
    let mut people = store.user_names().await?;
    people.sort_by_key(|(_, name)| name.to_lowercase());
    Ok(app::model::audit::AuditPage {
        entries,
        total,
        page,
        per_page: PER_PAGE,
        people,
    })
}

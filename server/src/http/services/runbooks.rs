//! The runbook screens' side of the services: the same domain functions as
//! the API, answered with what a screen shows.

use app::model::catalog::Orchestration;
use app::model::forms::SaveOutcome;
use app::model::runbooks::{MAX_BODY, RunbookDraft};
use app::services::{
    BoxFuture, RevisionScreen, RunbookComparison, RunbookEditor, RunbookHistory,
    RunbookSaveOutcome, RunbookScreen, RunbookService, ServiceError,
};

use super::{Catalog, unavailable};
use crate::catalog::CatalogError;
use crate::runbooks::{self, RunbookError};
use crate::store::StoreError;

fn runbook_path(o: &Orchestration) -> String {
    format!("/orchestrations/{}/runbook", o.fields.slug)
}

/// A refusal a form shows, or an error the screen reports.
fn refused(err: RunbookError) -> Result<SaveOutcome, ServiceError> {
    match err {
        RunbookError::Catalog(CatalogError::Forbidden(why)) => Err(ServiceError::Forbidden(why)),
        RunbookError::Catalog(CatalogError::NotFound) => Ok(SaveOutcome::Refused(
            "That revision or orchestration does not exist (any more).".to_owned(),
        )),
        RunbookError::Catalog(CatalogError::Store(err)) => Err(unavailable(err)),
        RunbookError::Refused(why) => Ok(SaveOutcome::Refused(why)),
        other => Ok(SaveOutcome::Refused(other.to_string())),
    }
}

impl Catalog {
    /// The orchestration `slug`, or `None` when there is none.
    async fn orchestration_named(&self, slug: &str) -> Result<Option<Orchestration>, ServiceError> {
        match self.store.orchestration_by_slug(slug).await {
            Ok(found) => Ok(Some(found)),
            Err(StoreError::NotFound) => Ok(None),
            Err(other) => Err(unavailable(other)),
        }
    }

    fn may_edit(&self, o: &Orchestration) -> bool {
        crate::access::check_orchestration(&self.actor, o).is_ok()
    }

    /// The runbook of `o` with its standing now.
    async fn runbook_of(&self, o: &Orchestration) -> Result<runbooks::Current, ServiceError> {
        runbooks::current(
            &*self.store,
            o.id,
            self.runbook_stale_days,
            self.clock.now(),
        )
        .await
        .map_err(unavailable)
    }
}

impl RunbookService for Catalog {
    fn runbook(&self, slug: String) -> BoxFuture<'_, Result<Option<RunbookScreen>, ServiceError>> {
        Box::pin(async move {
            let Some(o) = self.orchestration_named(&slug).await? else {
                return Ok(None);
            };
            let current = self.runbook_of(&o).await?;
            Ok(Some(RunbookScreen {
                can_edit: self.may_edit(&o),
                html: current
                    .revision
                    .as_ref()
                    .map(|r| runbooks::render(&r.body))
                    .unwrap_or_default(),
                current: current.revision.as_ref().map(|r| r.meta()),
                status: current.status,
                slug: o.fields.slug,
                name: o.fields.name,
            }))
        })
    }

    fn runbook_editor(
        &self,
        slug: String,
    ) -> BoxFuture<'_, Result<Option<RunbookEditor>, ServiceError>> {
        Box::pin(async move {
            let Some(o) = self.orchestration_named(&slug).await? else {
                return Ok(None);
            };
            if let Err(CatalogError::Forbidden(why)) =
                crate::access::check_orchestration(&self.actor, &o)
            {
                return Err(ServiceError::Forbidden(why));
            }
            let (current, _) = self.store.runbook(o.id).await.map_err(unavailable)?;
            let (base_revision, body) = match current {
                Some(r) => (r.number, r.body),
                None => (
                    0,
                    runbooks::template_for(&*self.store, &o)
                        .await
                        .map_err(unavailable)?,
                ),
            };
            Ok(Some(RunbookEditor {
                html: runbooks::render(&body),
                slug: o.fields.slug,
                name: o.fields.name,
                base_revision,
                body,
            }))
        })
    }

    fn preview(&self, body: String) -> BoxFuture<'_, Result<String, ServiceError>> {
        Box::pin(async move {
            if body.len() > MAX_BODY {
                return Ok(format!(
                    "<p><strong>Too long to preview:</strong> at most {} KB is kept.</p>",
                    MAX_BODY / 1000
                ));
            }
            // Rendering a large text takes a few milliseconds: off the
            // request threads.
            tokio::task::spawn_blocking(move || runbooks::render(&body))
                .await
                .map_err(unavailable)
        })
    }

    fn save_runbook(
        &self,
        slug: String,
        draft: RunbookDraft,
    ) -> BoxFuture<'_, Result<RunbookSaveOutcome, ServiceError>> {
        Box::pin(async move {
            let Some(o) = self.orchestration_named(&slug).await? else {
                return Ok(RunbookSaveOutcome::Refused(
                    "This orchestration no longer exists: someone deleted it while you were writing."
                        .to_owned(),
                ));
            };
            match runbooks::save(&*self.store, &*self.clock, &self.actor, &o, draft).await {
                Ok(saved) => Ok(RunbookSaveOutcome::Saved {
                    revision: saved.number,
                    path: runbook_path(&o),
                }),
                Err(RunbookError::Catalog(CatalogError::Invalid(fields))) => {
                    Ok(RunbookSaveOutcome::Invalid(fields))
                }
                Err(RunbookError::Conflict { theirs, diff, .. }) => {
                    Ok(RunbookSaveOutcome::Conflict {
                        theirs_html: runbooks::render(&theirs.body),
                        theirs: *theirs,
                        diff,
                    })
                }
                Err(other) => refused(other).map(|outcome| match outcome {
                    SaveOutcome::Refused(why) => RunbookSaveOutcome::Refused(why),
                    _ => RunbookSaveOutcome::Refused("Nothing was saved.".to_owned()),
                }),
            }
        })
    }

    fn runbook_history(
        &self,
        slug: String,
    ) -> BoxFuture<'_, Result<Option<RunbookHistory>, ServiceError>> {
        Box::pin(async move {
            let Some(o) = self.orchestration_named(&slug).await? else {
                return Ok(None);
            };
            let current = self.runbook_of(&o).await?;
            let revisions = self
                .store
                .runbook_revisions(o.id)
                .await
                .map_err(unavailable)?;
            Ok(Some(RunbookHistory {
                can_edit: self.may_edit(&o),
                status: current.status,
                revisions,
                slug: o.fields.slug,
                name: o.fields.name,
            }))
        })
    }

    fn runbook_revision(
        &self,
        slug: String,
        number: i64,
    ) -> BoxFuture<'_, Result<Option<RevisionScreen>, ServiceError>> {
        Box::pin(async move {
            let Some(o) = self.orchestration_named(&slug).await? else {
                return Ok(None);
            };
            let revision = match self.store.runbook_revision(o.id, number).await {
                Ok(found) => found,
                Err(StoreError::NotFound) => return Ok(None),
                Err(other) => return Err(unavailable(other)),
            };
            let (current, _) = self.store.runbook(o.id).await.map_err(unavailable)?;
            Ok(Some(RevisionScreen {
                can_edit: self.may_edit(&o),
                current: current.map_or(0, |c| c.number),
                html: runbooks::render(&revision.body),
                revision: revision.meta(),
                slug: o.fields.slug,
                name: o.fields.name,
            }))
        })
    }

    fn compare_revisions(
        &self,
        slug: String,
        from: i64,
        to: i64,
    ) -> BoxFuture<'_, Result<Option<RunbookComparison>, ServiceError>> {
        Box::pin(async move {
            let Some(o) = self.orchestration_named(&slug).await? else {
                return Ok(None);
            };
            let diff = match runbooks::compare(&*self.store, o.id, from, to).await {
                Ok(diff) => diff,
                Err(StoreError::NotFound) => return Ok(None),
                Err(other) => return Err(unavailable(other)),
            };
            let revisions = self
                .store
                .runbook_revisions(o.id)
                .await
                .map_err(unavailable)?;
            Ok(Some(RunbookComparison {
                slug: o.fields.slug,
                name: o.fields.name,
                diff,
                revisions,
            }))
        })
    }

    fn restore_revision(
        &self,
        slug: String,
        number: i64,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            let Some(o) = self.orchestration_named(&slug).await? else {
                return Ok(SaveOutcome::Refused(
                    "This orchestration no longer exists.".to_owned(),
                ));
            };
            match runbooks::restore(&*self.store, &*self.clock, &self.actor, &o, number).await {
                Ok(_) => Ok(SaveOutcome::Saved {
                    path: runbook_path(&o),
                }),
                Err(err) => refused(err),
            }
        })
    }

    fn verify_runbook(&self, slug: String) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            let Some(o) = self.orchestration_named(&slug).await? else {
                return Ok(SaveOutcome::Refused(
                    "This orchestration no longer exists.".to_owned(),
                ));
            };
            match runbooks::verify(&*self.store, &*self.clock, &self.actor, &o).await {
                Ok(_) => Ok(SaveOutcome::Saved {
                    path: runbook_path(&o),
                }),
                Err(err) => refused(err),
            }
        })
    }
}

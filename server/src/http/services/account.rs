//! The server's side of a person's own account screen: their API tokens.

use app::model::accounts::{Actor, ApiToken, TokenScope};
use app::model::audit::{AuditFilter, AuditPage};
use app::model::forms::SaveOutcome;
use app::services::{AccountService, BoxFuture, ServiceError, TokenOutcome};

use super::unavailable;
use crate::accounts::tokens;
use crate::catalog::CatalogError;
use crate::clock::SharedClock;
use crate::store::SharedStore;

pub(super) struct Account {
    pub(super) store: SharedStore,
    pub(super) clock: SharedClock,
    pub(super) actor: Actor,
}

impl AccountService for Account {
    fn tokens(&self) -> BoxFuture<'_, Result<Vec<ApiToken>, ServiceError>> {
        Box::pin(async move {
            tokens::list(&*self.store, &self.actor)
                .await
                .map_err(unavailable)
        })
    }

    fn create_token(
        &self,
        name: String,
        scope: String,
    ) -> BoxFuture<'_, Result<TokenOutcome, ServiceError>> {
        Box::pin(async move {
            let Some(scope) = TokenScope::parse(&scope) else {
                let mut errors = app::model::errors::FieldErrors::default();
                errors.add("scope", "choose read only, or read and write");
                return Ok(TokenOutcome::Invalid(errors));
            };
            match tokens::create(
                &*self.store,
                &*self.clock,
                &crate::audit::Author::of(&self.actor),
                self.actor.id,
                &name,
                scope,
            )
            .await
            {
                Ok(made) => Ok(TokenOutcome::Made(made)),
                Err(CatalogError::Invalid(errors)) => Ok(TokenOutcome::Invalid(errors)),
                Err(other) => Err(unavailable(anyhow::anyhow!("{other}"))),
            }
        })
    }

    fn revoke_token(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            match tokens::revoke(&*self.store, &*self.clock, &self.actor, id).await {
                Ok(_) => Ok(SaveOutcome::Saved {
                    path: "/account".to_owned(),
                }),
                Err(CatalogError::Forbidden(why)) => Err(ServiceError::Forbidden(why)),
                Err(CatalogError::NotFound) => {
                    Ok(SaveOutcome::Refused("There is no such token.".to_owned()))
                }
                Err(other) => Err(unavailable(anyhow::anyhow!("{other}"))),
            }
        })
    }

    fn audit_log(
        &self,
        filter: AuditFilter,
        page: u32,
    ) -> BoxFuture<'_, Result<AuditPage, ServiceError>> {
        Box::pin(async move {
            match crate::audit::browse(&*self.store, &self.actor, &filter, page).await {
                Ok(found) => Ok(found),
                Err(CatalogError::Forbidden(why)) => Err(ServiceError::Forbidden(why)),
                Err(other) => Err(unavailable(anyhow::anyhow!("{other}"))),
            }
        })
    }
}

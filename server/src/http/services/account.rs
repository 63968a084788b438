//! The server's side of a person's own account screen: their API tokens.

use app::model::accounts::{Actor, ApiToken, Role, TokenScope};
use app::model::audit::{AuditFilter, AuditPage};
use app::model::forms::SaveOutcome;
use app::model::people::Directory;
use app::services::{AccountService, BoxFuture, ServiceError, TokenOutcome};

use super::unavailable;
use crate::accounts::NewAccount;
use crate::accounts::password::Password;
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

    fn directory(&self) -> BoxFuture<'_, Result<Directory, ServiceError>> {
        Box::pin(async move {
            crate::access::require_admin(&self.actor, "manage people")
                .map_err(|e| ServiceError::Forbidden(e.to_string()))?;
            crate::people::directory(&*self.store)
                .await
                .map_err(unavailable)
        })
    }

    fn administrators(&self) -> BoxFuture<'_, Result<Vec<String>, ServiceError>> {
        Box::pin(async move {
            let mut names: Vec<String> = self
                .store
                .people()
                .await
                .map_err(unavailable)?
                .into_iter()
                .filter(|p| p.active && p.role == Role::Admin.as_str())
                .map(|p| p.display_name)
                .collect();
            names.sort_by_key(|n| n.to_lowercase());
            Ok(names)
        })
    }

    fn add_person(
        &self,
        email: String,
        display_name: String,
        role: String,
        password: String,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            let Ok(role) = role.parse::<Role>() else {
                return Ok(invalid("role", "choose viewer, editor or admin"));
            };
            let account = NewAccount {
                email,
                display_name,
                role,
                password: Password::new(password),
            };
            let added =
                crate::people::add_person(&*self.store, &*self.clock, &self.actor, account).await;
            settle(added.map(|_| ()))
        })
    }

    fn change_role(
        &self,
        id: i64,
        role: String,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            let Ok(role) = role.parse::<Role>() else {
                return Ok(invalid("role", "choose viewer, editor or admin"));
            };
            settle(
                crate::people::change_role(&*self.store, &*self.clock, &self.actor, id, role).await,
            )
        })
    }

    fn set_active(
        &self,
        id: i64,
        active: bool,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            let (store, clock) = (&*self.store, &*self.clock);
            settle(if active {
                crate::people::reactivate(store, clock, &self.actor, id)
                    .await
                    .map(|_| ())
            } else {
                crate::people::deactivate(store, clock, &self.actor, id)
                    .await
                    .map(|_| ())
            })
        })
    }

    fn create_team(&self, name: String) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            let made =
                crate::people::create_team(&*self.store, &*self.clock, &self.actor, &name, None)
                    .await;
            settle(made.map(|_| ()))
        })
    }

    fn set_membership(
        &self,
        team: i64,
        user: i64,
        member: bool,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            let changed = crate::people::set_membership(
                &*self.store,
                &*self.clock,
                &self.actor,
                team,
                user,
                member,
            )
            .await;
            settle(changed.map(|_| ()))
        })
    }
}

fn invalid(field: &str, why: &str) -> SaveOutcome {
    let mut errors = app::model::errors::FieldErrors::default();
    errors.add(field, why);
    SaveOutcome::Invalid(errors)
}

/// An administration change as the screen shows it.
fn settle(done: Result<(), CatalogError>) -> Result<SaveOutcome, ServiceError> {
    match done {
        Ok(()) => Ok(SaveOutcome::Saved {
            path: "/admin/people".to_owned(),
        }),
        Err(CatalogError::Invalid(errors)) => Ok(SaveOutcome::Invalid(errors)),
        Err(CatalogError::Forbidden(why)) => Err(ServiceError::Forbidden(why)),
        Err(CatalogError::NotFound) => Ok(SaveOutcome::Refused(
            "There is no such person or team.".to_owned(),
        )),
        Err(other) => Err(unavailable(anyhow::anyhow!("{other}"))),
    }
}

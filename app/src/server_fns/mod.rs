//! The screens' server functions, one file per area. Each is mounted under
//! `/rpc/` so it can never collide with the public API under `/api/`.
//!
//! Every one acts for the signed-in person: the server's middleware puts
//! them in the request (anonymous calls never get this far, except to
//! [`account::who_am_i`]), and the services check what they may change.

pub mod account;
pub mod editing;
pub mod health;
pub mod incidents;
pub mod ingestion;
pub mod inventory;
pub mod orchestrations;
pub mod reviews;
pub mod runbooks;

#[cfg(feature = "ssr")]
pub(crate) use ssr::{account, catalog, ingestion, refused, reviews, runbooks};

#[cfg(feature = "ssr")]
mod ssr {
    use std::sync::Arc;

    use leptos::prelude::*;

    use crate::model::accounts::Actor;
    use crate::services::{
        AccountService, CatalogService, IngestionService, ReviewService, RunbookService,
        ServiceError, Services,
    };

    /// Answers with `status` (the page's or the server function's).
    fn set_status(status: http::StatusCode) {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(status);
        }
    }

    /// The person the request acts for, if signed in.
    pub(crate) fn actor() -> Option<Actor> {
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Actor>().cloned())
    }

    /// The services and the signed-in person; 401 without one.
    fn signed_in() -> Result<(Services, Actor), ServerFnError> {
        let services = use_context::<Services>()
            .ok_or_else(|| ServerFnError::new("the server did not provide its services"))?;
        let Some(actor) = actor() else {
            set_status(http::StatusCode::UNAUTHORIZED);
            return Err(ServerFnError::new("sign in first"));
        };
        Ok((services, actor))
    }

    /// The catalog acting for the signed-in person; 401 without one.
    pub(crate) fn catalog() -> Result<Arc<dyn CatalogService>, ServerFnError> {
        let (services, actor) = signed_in()?;
        Ok(services.catalog(actor))
    }

    /// The signed-in person's own account; 401 without one.
    pub(crate) fn account() -> Result<Arc<dyn AccountService>, ServerFnError> {
        let (services, actor) = signed_in()?;
        Ok(services.account(actor))
    }

    /// Ingestion as the signed-in person sees it; 401 without one.
    pub(crate) fn ingestion() -> Result<Arc<dyn IngestionService>, ServerFnError> {
        let (services, actor) = signed_in()?;
        Ok(services.ingestion(actor))
    }

    /// Runbooks as the signed-in person sees them; 401 without one.
    pub(crate) fn runbooks() -> Result<Arc<dyn RunbookService>, ServerFnError> {
        let (services, actor) = signed_in()?;
        Ok(services.runbooks(actor))
    }

    /// Reviews as the signed-in person sees them; 401 without one.
    pub(crate) fn reviews() -> Result<Arc<dyn ReviewService>, ServerFnError> {
        let (services, actor) = signed_in()?;
        Ok(services.reviews(actor))
    }

    /// A refusal as the server function's error, with its status: 403 for
    /// what the person may not do, 503 when the server could not answer.
    pub(crate) fn refused(err: ServiceError) -> ServerFnError {
        match err {
            ServiceError::Forbidden(why) => {
                set_status(http::StatusCode::FORBIDDEN);
                ServerFnError::ServerError(format!("{}{why}", crate::services::REFUSAL))
            }
            ServiceError::Unavailable(why) => {
                set_status(http::StatusCode::SERVICE_UNAVAILABLE);
                ServerFnError::ServerError(why)
            }
        }
    }
}

//! What the screens ask of the server, and the summaries they get back.
//!
//! Server functions are declared here, in the app crate, but the work is
//! the server's: each server function takes the [`Services`] the server put
//! in context and calls them. Every server function is a public HTTP
//! endpoint under `/rpc/` (never `/api/`, which is the public API's): once
//! accounts exist, each one checks the caller itself.

use serde::{Deserialize, Serialize};

use crate::model::catalog::Lifecycle;

/// One line of the orchestrations list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrchestrationSummary {
    pub slug: String,
    pub name: String,
    pub purpose: String,
    /// The owner's display name; `None` when unowned.
    pub owner: Option<String>,
    pub tier: i32,
    pub lifecycle: Lifecycle,
    pub tags: Vec<String>,
    pub no_failure_mode: bool,
}

#[cfg(feature = "ssr")]
pub use ports::*;

#[cfg(feature = "ssr")]
mod ports {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;

    use super::OrchestrationSummary;

    pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

    /// The catalog, as the screens see it.
    pub trait CatalogService: Send + Sync + 'static {
        /// Every orchestration, by name.
        fn orchestration_summaries(
            &self,
        ) -> BoxFuture<'_, Result<Vec<OrchestrationSummary>, String>>;
    }

    /// What the server provides to server functions, in Leptos' context.
    #[derive(Clone)]
    pub struct Services {
        pub catalog: Arc<dyn CatalogService>,
    }
}

//! What the screens ask of the server, and the summaries they get back.
//!
//! Server functions are declared here, in the app crate, but the work is
//! the server's: each server function takes the [`Services`] the server put
//! in context and calls them. Every server function is a public HTTP
//! endpoint under `/rpc/` (never `/api/`, which is the public API's): once
//! accounts exist, each one checks the caller itself.

use serde::{Deserialize, Serialize};

use crate::model::catalog::{Lifecycle, Orchestration};
use crate::model::dependencies::Neighbourhood;
use crate::model::inventory::Tool;
use crate::model::leverage::Ranked;

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

/// One line of the inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryRow {
    pub id: i64,
    pub name: String,
    pub tool: Tool,
    pub external_id: String,
    pub url: String,
    pub description: String,
    /// The owner's display name; `None` when unowned.
    pub owner: Option<String>,
    pub team: Option<String>,
    /// The orchestration's slug and name; `None` when loose.
    pub orchestration: Option<(String, String)>,
    pub no_failure_mode: bool,
    pub leverage: f64,
}

/// What the inventory's filters can be set to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Choices {
    pub owners: Vec<(i64, String)>,
    pub teams: Vec<(i64, String)>,
    pub orchestrations: Vec<(i64, String)>,
}

/// One page of the inventory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InventoryPage {
    pub rows: Vec<InventoryRow>,
    /// How many match the filter, on every page.
    pub total: u64,
    /// From 1.
    pub page: u32,
    pub per_page: u32,
    pub choices: Choices,
}

/// Everything the orchestration page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrchestrationPage {
    pub orchestration: Orchestration,
    pub owner: Option<String>,
    pub backup_owner: Option<String>,
    pub team: Option<String>,
    pub automations: Vec<InventoryRow>,
    pub graph: Neighbourhood,
    pub leverage: Ranked,
}

#[cfg(feature = "ssr")]
pub use ports::*;

#[cfg(feature = "ssr")]
mod ports {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;

    use super::{InventoryPage, OrchestrationPage, OrchestrationSummary};
    use crate::model::inventory::InventoryFilter;

    pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

    /// The catalog, as the screens see it.
    pub trait CatalogService: Send + Sync + 'static {
        /// Every orchestration, by name.
        fn orchestration_summaries(
            &self,
        ) -> BoxFuture<'_, Result<Vec<OrchestrationSummary>, String>>;

        /// One page (from 1) of the automations matching `filter`.
        fn inventory_page(
            &self,
            filter: InventoryFilter,
            page: u32,
        ) -> BoxFuture<'_, Result<InventoryPage, String>>;

        /// The orchestration with this slug, with all its page shows;
        /// `None` when there is none.
        fn orchestration_page(
            &self,
            slug: String,
        ) -> BoxFuture<'_, Result<Option<OrchestrationPage>, String>>;
    }

    /// What the server provides to server functions, in Leptos' context.
    #[derive(Clone)]
    pub struct Services {
        pub catalog: Arc<dyn CatalogService>,
    }
}

//! The inventory and the orchestration page, for the screens.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::inventory::InventoryFilter;
use crate::services::{InventoryPage, OrchestrationPage};

/// One page (from 1) of the automations matching `filter`.
#[server(prefix = "/rpc", endpoint = "inventory/page", input = Json)]
pub async fn load_inventory(
    filter: InventoryFilter,
    page: u32,
) -> Result<InventoryPage, ServerFnError> {
    super::catalog()?
        .inventory_page(filter, page)
        .await
        .map_err(super::refused)
}

/// Everything the orchestration page shows; `None` for an unknown slug.
#[server(prefix = "/rpc", endpoint = "orchestrations/page")]
pub async fn load_orchestration(slug: String) -> Result<Option<OrchestrationPage>, ServerFnError> {
    super::catalog()?
        .orchestration_page(slug)
        .await
        .map_err(super::refused)
}

//! Orchestrations for the screens.

use leptos::prelude::*;

use crate::services::OrchestrationSummary;

/// Every orchestration, by name, with its owner's name and risk flags.
#[server(prefix = "/rpc", endpoint = "orchestrations/list")]
pub async fn list_orchestrations() -> Result<Vec<OrchestrationSummary>, ServerFnError> {
    super::catalog()?
        .orchestration_summaries()
        .await
        .map_err(super::refused)
}

/// The leaders' dashboard, narrowed by `filter`.
#[server(prefix = "/rpc", endpoint = "dashboard", input = leptos::server_fn::codec::Json)]
pub async fn load_dashboard(
    filter: crate::services::DashboardFilter,
) -> Result<crate::services::Dashboard, ServerFnError> {
    super::catalog()?
        .dashboard(filter)
        .await
        .map_err(super::refused)
}

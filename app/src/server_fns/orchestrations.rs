//! Orchestrations for the screens.

use leptos::prelude::*;

use crate::services::OrchestrationSummary;

/// Every orchestration, by name, with its owner's name and risk flags.
#[server(prefix = "/rpc", endpoint = "orchestrations/list")]
pub async fn list_orchestrations() -> Result<Vec<OrchestrationSummary>, ServerFnError> {
    // Accounts (the next issue) add the signed-in check here.
    let services = use_context::<crate::services::Services>()
        .ok_or_else(|| ServerFnError::new("the server did not provide its services"))?;
    services
        .catalog
        .orchestration_summaries()
        .await
        .map_err(ServerFnError::new)
}

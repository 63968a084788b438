//! The server's side of the screens' [`Services`]: what server functions
//! call, built on the store.

use std::collections::HashMap;
use std::sync::Arc;

use app::services::{BoxFuture, CatalogService, OrchestrationSummary, Services};

use crate::store::SharedStore;

struct Catalog {
    store: SharedStore,
}

impl CatalogService for Catalog {
    fn orchestration_summaries(&self) -> BoxFuture<'_, Result<Vec<OrchestrationSummary>, String>> {
        Box::pin(async move {
            let failed = |err: crate::store::StoreError| {
                tracing::error!(
                    error = format!("{:#}", anyhow::Error::new(err)),
                    "cannot list orchestrations"
                );
                "the catalog is unavailable right now".to_owned()
            };
            let names: HashMap<i64, String> = self
                .store
                .user_names()
                .await
                .map_err(failed)?
                .into_iter()
                .collect();
            let orchestrations = self.store.orchestrations().await.map_err(failed)?;
            Ok(orchestrations
                .into_iter()
                .map(|o| {
                    let no_failure_mode = o.lacks_failure_mode();
                    let f = o.fields;
                    OrchestrationSummary {
                        no_failure_mode,
                        owner: f.owner_id.and_then(|id| names.get(&id).cloned()),
                        slug: f.slug,
                        name: f.name,
                        purpose: f.purpose,
                        tier: f.tier,
                        lifecycle: f.lifecycle,
                        tags: f.tags,
                    }
                })
                .collect())
        })
    }
}

/// The services the screens' server functions use.
pub fn services(store: SharedStore) -> Services {
    Services {
        catalog: Arc::new(Catalog { store }),
    }
}

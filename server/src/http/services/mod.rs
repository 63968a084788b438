//! The server's side of the screens' [`Services`]: what server functions
//! call, built on the store.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use app::model::accounts::Actor;
use app::model::catalog::Orchestration;
use app::model::dependencies::{Endpoint, NodeRef};
use app::model::forms::{AutomationForm, OrchestrationForm, SaveOutcome};
use app::model::health::HealthState;
use app::model::inventory::{Automation, InventoryFilter};
use app::model::leverage::LeverageReport;
use app::services::{
    AutomationEditor, AutomationPage, BoxFuture, CatalogService, Choices, Dashboard,
    DashboardFilter, InventoryPage, InventoryRow, MemberIngestion, OrchestrationEditor,
    OrchestrationPage, OrchestrationSummary, ServiceError, Services,
};

use crate::catalog::CatalogError;
use crate::clock::SharedClock;
use crate::store::RollupScope;
use crate::store::{SharedStore, StoreError};
use crate::{graph, leverage};

/// Rows a page of the inventory screen shows.
const PER_PAGE: u32 = 50;

mod account;
mod dashboard;
mod edits;
mod ingestion;
mod reviews;
mod runbooks;

/// The catalog as one person sees and changes it.
struct Catalog {
    store: SharedStore,
    clock: SharedClock,
    actor: Actor,
    /// Where people and tools reach Baton, for the URLs shown.
    public_url: Arc<str>,
    key_overlap: chrono::TimeDelta,
    /// Days a runbook's verification holds.
    runbook_stale_days: u32,
    /// The fiscal calendar reviews follow.
    fiscal_calendar: app::model::reviews::FiscalCalendar,
    /// The dashboard's basis, shared by every request.
    dashboard: Arc<dashboard::DashboardCache>,
}

/// Logs the cause and gives the screen a sentence it can show.
fn unavailable(err: impl Into<anyhow::Error>) -> ServiceError {
    tracing::error!(
        error = format!("{:#}", err.into()),
        "the catalog could not be read"
    );
    ServiceError::Unavailable("the catalog is unavailable right now".to_owned())
}

/// Names the screens show instead of ids.
struct Names {
    people: HashMap<i64, String>,
    teams: HashMap<i64, String>,
    orchestrations: HashMap<i64, (String, String)>,
    tiers: HashMap<i64, i32>,
}

impl Catalog {
    /// [`Names`] for one orchestration's page: people and teams, and of
    /// the orchestrations only `o` (its automations belong to it alone).
    async fn names_around(&self, o: &Orchestration) -> Result<Names, StoreError> {
        Ok(Names {
            people: self.store.user_names().await?.into_iter().collect(),
            teams: self
                .store
                .teams()
                .await?
                .into_iter()
                .map(|t| (t.id, t.name))
                .collect(),
            tiers: HashMap::from([(o.id, o.fields.tier)]),
            orchestrations: HashMap::from([(o.id, (o.fields.slug.clone(), o.fields.name.clone()))]),
        })
    }

    async fn names(&self) -> Result<Names, StoreError> {
        let orchestrations = self.store.orchestrations().await?;
        Ok(Names {
            people: self.store.user_names().await?.into_iter().collect(),
            teams: self
                .store
                .teams()
                .await?
                .into_iter()
                .map(|t| (t.id, t.name))
                .collect(),
            tiers: orchestrations
                .iter()
                .map(|o| (o.id, o.fields.tier))
                .collect(),
            orchestrations: orchestrations
                .into_iter()
                .map(|o| (o.id, (o.fields.slug, o.fields.name)))
                .collect(),
        })
    }
}

/// An automation as a line of a table, with its leverage and its state
/// (`Unknown` when `states` lacks it).
fn row(
    a: Automation,
    names: &Names,
    observed: &leverage::Observed,
    states: &HashMap<i64, (HealthState, String)>,
) -> InventoryRow {
    let (health, health_why) = states
        .get(&a.id)
        .cloned()
        .unwrap_or((HealthState::Unknown, String::new()));
    let tier = a
        .fields
        .orchestration_id
        .and_then(|o| names.tiers.get(&o).copied());
    let score = leverage::automation_leverage(&a, tier, observed).score;
    let no_failure_mode = a.lacks_failure_mode();
    let f = a.fields;
    InventoryRow {
        id: a.id,
        name: f.name,
        tool: f.tool,
        external_id: f.external_id,
        url: f.url,
        description: f.description,
        owner: f.owner_id.and_then(|id| names.people.get(&id).cloned()),
        team: f.team_id.and_then(|id| names.teams.get(&id).cloned()),
        orchestration: f
            .orchestration_id
            .and_then(|id| names.orchestrations.get(&id).cloned()),
        no_failure_mode,
        leverage: score,
        health,
        health_why,
    }
}

fn sorted(map: &HashMap<i64, String>) -> Vec<(i64, String)> {
    let mut list: Vec<(i64, String)> = map.iter().map(|(id, n)| (*id, n.clone())).collect();
    list.sort_by_key(|a| a.1.to_lowercase());
    list
}

impl CatalogService for Catalog {
    fn dashboard(&self, filter: DashboardFilter) -> BoxFuture<'_, Result<Dashboard, ServiceError>> {
        Box::pin(self.dashboard_of(filter))
    }

    fn orchestration_summaries(
        &self,
    ) -> BoxFuture<'_, Result<Vec<OrchestrationSummary>, ServiceError>> {
        Box::pin(async move {
            let names = self.names().await.map_err(unavailable)?;
            let orchestrations = self.store.orchestrations().await.map_err(unavailable)?;
            let mut states = crate::health::states(&*self.store, self.clock.now())
                .await
                .map_err(unavailable)?;
            Ok(orchestrations
                .into_iter()
                .map(|o| {
                    let no_failure_mode = o.lacks_failure_mode();
                    let (health, health_why) = states
                        .orchestrations
                        .remove(&o.id)
                        .unwrap_or((HealthState::Unknown, String::new()));
                    let f = o.fields;
                    OrchestrationSummary {
                        health,
                        health_why,
                        no_failure_mode,
                        owner_id: f.owner_id,
                        team_id: f.team_id,
                        owner: f.owner_id.and_then(|id| names.people.get(&id).cloned()),
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

    fn inventory_page(
        &self,
        filter: InventoryFilter,
        page: u32,
    ) -> BoxFuture<'_, Result<InventoryPage, ServiceError>> {
        Box::pin(async move {
            let page = page.max(1);
            let names = self.names().await.map_err(unavailable)?;
            let now = self.clock.now();
            let offset = (page - 1).saturating_mul(PER_PAGE);
            // Narrowed by state: every match is read and its state worked
            // out, then the page is cut from those in that state.
            let (total, found) = match filter.health {
                None => (
                    self.store
                        .count_automations(&filter)
                        .await
                        .map_err(unavailable)?,
                    self.store
                        .automations(&filter, PER_PAGE, offset)
                        .await
                        .map_err(unavailable)?,
                ),
                Some(wanted) => {
                    let all = self
                        .store
                        .automations(&filter, u32::MAX, 0)
                        .await
                        .map_err(unavailable)?;
                    let states = crate::health::states_of(&*self.store, &all, now)
                        .await
                        .map_err(unavailable)?;
                    let matching: Vec<Automation> = all
                        .into_iter()
                        .filter(|a| {
                            states
                                .get(&a.id)
                                .map_or(HealthState::Unknown, |(state, _)| *state)
                                == wanted
                        })
                        .collect();
                    let total = matching.len() as u64;
                    let found = matching
                        .into_iter()
                        .skip(offset as usize)
                        .take(PER_PAGE as usize)
                        .collect();
                    (total, found)
                }
            };
            let mut orchestrations: Vec<(i64, String)> = names
                .orchestrations
                .iter()
                .map(|(id, (_, name))| (*id, name.clone()))
                .collect();
            orchestrations.sort_by_key(|a| a.1.to_lowercase());
            let ids: Vec<i64> = found.iter().map(|a| a.id).collect();
            let observed = leverage::observe(&*self.store, RollupScope::Several(&ids), now)
                .await
                .map_err(unavailable)?;
            let states = crate::health::states_of(&*self.store, &found, now)
                .await
                .map_err(unavailable)?;
            Ok(InventoryPage {
                rows: found
                    .into_iter()
                    .map(|a| row(a, &names, &observed, &states))
                    .collect(),
                total,
                page,
                per_page: PER_PAGE,
                choices: Choices {
                    owners: sorted(&names.people),
                    teams: sorted(&names.teams),
                    orchestrations,
                },
            })
        })
    }

    fn orchestration_page(
        &self,
        slug: String,
    ) -> BoxFuture<'_, Result<Option<OrchestrationPage>, ServiceError>> {
        Box::pin(async move {
            let orchestration = match self.store.orchestration_by_slug(&slug).await {
                Ok(found) => found,
                Err(StoreError::NotFound) => return Ok(None),
                Err(other) => return Err(unavailable(other)),
            };
            let names = self
                .names_around(&orchestration)
                .await
                .map_err(unavailable)?;
            let members = graph::members(&*self.store, orchestration.id)
                .await
                .map_err(unavailable)?;
            let graph = graph::neighbourhood(&*self.store, &orchestration, &members)
                .await
                .map_err(|err| match err {
                    CatalogError::Store(err) => unavailable(err),
                    other => unavailable(anyhow::anyhow!("{other}")),
                })?;
            let now = self.clock.now();
            // One read of the rollups for its health and its leverage.
            let (health, member_health, figures) =
                crate::health::orchestration_figures(&*self.store, &orchestration, &members, now)
                    .await
                    .map_err(unavailable)?;
            let mut observed: leverage::Observed = figures
                .iter()
                .map(|(id, m)| (*id, leverage::Observation::of(m)))
                .collect();
            let watched = self.store.watched().await.map_err(unavailable)?;
            leverage::mark_scheduled(&mut observed, &watched);
            let runbook = crate::runbooks::current(
                &*self.store,
                orchestration.id,
                self.runbook_stale_days,
                now,
            )
            .await
            .map_err(unavailable)?
            .status;
            let review =
                crate::reviews::schedule(&*self.store, self.fiscal_calendar, &orchestration, now)
                    .await
                    .map_err(unavailable)?;
            let leverage =
                leverage::for_orchestration(&orchestration, &members, &observed, runbook.freshness);
            let member_states: HashMap<i64, (HealthState, String)> = member_health
                .into_iter()
                .map(|m| (m.id, (m.state, m.why)))
                .collect();
            let dependencies = self
                .page_dependencies(&orchestration, &members)
                .await
                .map_err(unavailable)?;
            let can_edit = crate::access::may_edit_orchestration(&self.actor, &orchestration);
            let keys: HashMap<i64, String> = self
                .store
                .orchestration_ping_keys(orchestration.id)
                .await
                .map_err(unavailable)?
                .into_iter()
                .collect();
            // Ping keys are write credentials: each is shown only to those
            // who may change its automation (through the orchestration,
            // or as the automation's own owner).
            let ingestion = members
                .iter()
                .map(|member| {
                    let shown =
                        can_edit || self.actor.may_edit_owned([member.fields.owner_id, None]);
                    let key = keys.get(&member.id);
                    MemberIngestion {
                        automation_id: member.id,
                        name: member.fields.name.clone(),
                        ping: key
                            .filter(|_| shown)
                            .map(|key| app::model::ping::PingUrls::new(&self.public_url, key)),
                        ping_hidden: key.is_some() && !shown,
                    }
                })
                .collect();
            let channels = self.store.channels().await.map_err(unavailable)?;
            let alerting = app::model::incidents::AlertPlan::of(
                &orchestration,
                &members,
                &channels,
                |id| names.people.get(&id).cloned(),
                |id| names.teams.get(&id).cloned(),
            );
            let member_ids: HashSet<i64> = members.iter().map(|a| a.id).collect();
            let mut open_incidents: Vec<_> = self
                .store
                .open_incidents()
                .await
                .map_err(unavailable)?
                .into_iter()
                .filter(|i| member_ids.contains(&i.automation_id))
                .collect();
            open_incidents.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then(b.id.cmp(&a.id)));
            let f = &orchestration.fields;
            let person = |id: Option<i64>| id.and_then(|id| names.people.get(&id).cloned());
            Ok(Some(OrchestrationPage {
                alerting,
                open_incidents,
                owner: person(f.owner_id),
                backup_owner: person(f.backup_owner_id),
                team: f.team_id.and_then(|id| names.teams.get(&id).cloned()),
                automations: members
                    .into_iter()
                    .map(|a| row(a, &names, &observed, &member_states))
                    .collect(),
                graph,
                dependencies,
                leverage,
                health,
                can_edit,
                ingestion,
                runbook,
                review,
                orchestration,
            }))
        })
    }

    fn automation_page(
        &self,
        id: i64,
    ) -> BoxFuture<'_, Result<Option<AutomationPage>, ServiceError>> {
        Box::pin(self.automation_page_of(id))
    }

    fn leverage_report(&self) -> BoxFuture<'_, Result<LeverageReport, ServiceError>> {
        Box::pin(async move {
            leverage::report(&*self.store, self.clock.now(), self.runbook_stale_days)
                .await
                .map_err(unavailable)
        })
    }

    fn orchestration_editor(
        &self,
        slug: Option<String>,
    ) -> BoxFuture<'_, Result<Option<OrchestrationEditor>, ServiceError>> {
        Box::pin(self.orchestration_editor_for(slug))
    }

    fn save_orchestration(
        &self,
        id: Option<i64>,
        version: i64,
        form: OrchestrationForm,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(self.save_orchestration_form(id, version, form))
    }

    fn retire_orchestration(
        &self,
        id: i64,
        version: i64,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(self.retire(id, version))
    }

    fn delete_orchestration(
        &self,
        id: i64,
        confirm: String,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(self.delete_orchestration_confirmed(id, confirm))
    }

    fn automation_editor(
        &self,
        id: Option<i64>,
    ) -> BoxFuture<'_, Result<Option<AutomationEditor>, ServiceError>> {
        Box::pin(self.automation_editor_for(id))
    }

    fn save_automation(
        &self,
        id: Option<i64>,
        version: i64,
        form: AutomationForm,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(self.save_automation_form(id, version, form))
    }

    fn delete_automation(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(self.delete_automation_by_id(id))
    }

    fn add_dependency(
        &self,
        upstream: NodeRef,
        downstream: NodeRef,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(self.add_edge(upstream, downstream))
    }

    fn remove_dependency(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(self.remove_edge(id))
    }

    fn find_nodes(&self, query: String) -> BoxFuture<'_, Result<Vec<Endpoint>, ServiceError>> {
        Box::pin(self.find(query))
    }

    fn rotate_ping_key(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(self.rotate_key(id))
    }
}

/// The services the screens' server functions use.
pub fn services(
    store: SharedStore,
    clock: SharedClock,
    config: &crate::config::Config,
) -> Services {
    let (account_store, account_clock) = (store.clone(), clock.clone());
    let (ingestion_store, ingestion_clock) = (store.clone(), clock.clone());
    let (runbook_store, runbook_clock) = (store.clone(), clock.clone());
    let runbook_url: Arc<str> = config.public_url.as_str().into();
    let ingestion_url: Arc<str> = config.public_url.as_str().into();
    let public_url: Arc<str> = config.public_url.as_str().into();
    let key_overlap = config.key_overlap;
    let allow_private_targets = config.allow_private_targets;
    let runbook_stale_days = config.runbook_stale_days;
    let fiscal_calendar = config.fiscal_calendar;
    let dashboard = Arc::new(dashboard::DashboardCache::new(&*store, runbook_stale_days));
    let runbook_dashboard = dashboard.clone();
    let review_dashboard = dashboard.clone();
    let (review_store, review_clock) = (store.clone(), clock.clone());
    let review_url: Arc<str> = config.public_url.as_str().into();
    Services {
        catalog_for: Arc::new(move |actor| {
            Arc::new(Catalog {
                store: store.clone(),
                clock: clock.clone(),
                actor,
                public_url: public_url.clone(),
                key_overlap,
                runbook_stale_days,
                fiscal_calendar,
                dashboard: dashboard.clone(),
            })
        }),
        account_for: Arc::new(move |actor| {
            Arc::new(account::Account {
                store: account_store.clone(),
                clock: account_clock.clone(),
                actor,
            })
        }),
        runbooks_for: Arc::new(move |actor| {
            Arc::new(Catalog {
                store: runbook_store.clone(),
                clock: runbook_clock.clone(),
                actor,
                public_url: runbook_url.clone(),
                key_overlap,
                runbook_stale_days,
                fiscal_calendar,
                dashboard: runbook_dashboard.clone(),
            })
        }),
        reviews_for: Arc::new(move |actor| {
            Arc::new(Catalog {
                store: review_store.clone(),
                clock: review_clock.clone(),
                actor,
                public_url: review_url.clone(),
                key_overlap,
                runbook_stale_days,
                fiscal_calendar,
                dashboard: review_dashboard.clone(),
            })
        }),
        ingestion_for: Arc::new(move |actor| {
            Arc::new(ingestion::Ingestion {
                store: ingestion_store.clone(),
                clock: ingestion_clock.clone(),
                actor,
                public_url: ingestion_url.clone(),
                key_overlap,
                allow_private_targets,
            })
        }),
    }
}

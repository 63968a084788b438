//! The server's side of the Deliveries screen, the sources screen and the
//! claim queue.

use std::sync::Arc;

use app::model::accounts::Actor;
use app::model::forms::SaveOutcome;
use app::model::incidents::{Channel, ChannelDraft};
use app::model::ingestion::{DeliveryFilter, RunFilter, RunHistory, SourceDraft};
use app::services::{
    BoxFuture, ChannelsScreen, ClaimQueue, DeliveriesScreen, DeliveryScreen, IncidentScreen,
    IncidentsScreen, IngestionService, ServiceError, SourcesScreen,
};

use super::unavailable;
use crate::catalog::CatalogError;
use crate::clock::SharedClock;
use crate::sources;
use crate::store::{SharedStore, StoreError};

const INCIDENTS_PER_PAGE: u32 = 50;

pub(super) struct Ingestion {
    pub(super) store: SharedStore,
    pub(super) clock: SharedClock,
    pub(super) actor: Actor,
    pub(super) public_url: Arc<str>,
    pub(super) key_overlap: chrono::TimeDelta,
    /// Whether alert channels may reach addresses inside the network.
    pub(super) allow_private_targets: bool,
}

/// A change as the screen shows it: saved (the screen reloads `path`),
/// fields to correct, a refusal, or a failure.
fn settle(done: Result<(), CatalogError>, path: &str) -> Result<SaveOutcome, ServiceError> {
    match done {
        Ok(()) => Ok(SaveOutcome::Saved {
            path: path.to_owned(),
        }),
        Err(CatalogError::Invalid(errors)) => Ok(SaveOutcome::Invalid(errors)),
        Err(CatalogError::Forbidden(why)) => Err(ServiceError::Forbidden(why)),
        Err(CatalogError::NotFound) => {
            Ok(SaveOutcome::Refused("It is not there any more.".to_owned()))
        }
        Err(CatalogError::Store(StoreError::Conflict(why))) => Ok(SaveOutcome::Refused(why)),
        Err(other) => Err(unavailable(anyhow::anyhow!("{other}"))),
    }
}

fn failed(err: CatalogError) -> ServiceError {
    match err {
        CatalogError::Forbidden(why) => ServiceError::Forbidden(why),
        other => unavailable(anyhow::anyhow!("{other}")),
    }
}

impl Ingestion {
    /// Adds a channel; the screen then reloads `back`.
    async fn save_channel(
        &self,
        draft: ChannelDraft,
        back: &str,
    ) -> Result<SaveOutcome, ServiceError> {
        let now = self.clock.now();
        settle(
            crate::incidents::add_channel(
                &*self.store,
                &self.actor,
                draft,
                now,
                self.allow_private_targets,
            )
            .await
            .map(|_| ()),
            back,
        )
    }

    async fn source_names(&self) -> Result<Vec<(i64, String)>, ServiceError> {
        Ok(sources::source_names(&*self.store)
            .await
            .map_err(failed)?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect())
    }
}

impl IngestionService for Ingestion {
    fn run_history(
        &self,
        slug: String,
        filter: RunFilter,
        page: u32,
    ) -> BoxFuture<'_, Result<Option<RunHistory>, ServiceError>> {
        Box::pin(async move {
            match crate::runs::orchestration_history(&*self.store, &slug, &filter, page).await {
                Ok(history) => Ok(Some(history)),
                Err(StoreError::NotFound) => Ok(None),
                Err(other) => Err(unavailable(other)),
            }
        })
    }

    fn deliveries(
        &self,
        filter: DeliveryFilter,
        page: u32,
    ) -> BoxFuture<'_, Result<DeliveriesScreen, ServiceError>> {
        Box::pin(async move {
            let page = sources::deliveries(&*self.store, &self.actor, &filter, page)
                .await
                .map_err(failed)?;
            let mut automations = Vec::new();
            for id in page.deliveries.iter().filter_map(|d| d.automation_id) {
                if automations.iter().any(|(a, _)| *a == id) {
                    continue;
                }
                match self.store.automation(id).await {
                    Ok(a) => automations.push((id, a.fields.name)),
                    Err(StoreError::NotFound) => {}
                    Err(other) => return Err(unavailable(other)),
                }
            }
            Ok(DeliveriesScreen {
                page,
                sources: self.source_names().await?,
                automations,
            })
        })
    }

    fn delivery(&self, id: i64) -> BoxFuture<'_, Result<Option<DeliveryScreen>, ServiceError>> {
        Box::pin(async move {
            let delivery = match sources::delivery(&*self.store, &self.actor, id).await {
                Ok(found) => found,
                Err(CatalogError::NotFound) => return Ok(None),
                Err(other) => return Err(failed(other)),
            };
            let source = match delivery.summary.source_id {
                Some(s) => self
                    .source_names()
                    .await?
                    .into_iter()
                    .find(|(id, _)| *id == s)
                    .map(|(_, name)| name),
                None => None,
            };
            let automation = match delivery.summary.automation_id {
                Some(a) => match self.store.automation(a).await {
                    Ok(found) => Some(found.fields.name),
                    Err(StoreError::NotFound) => None,
                    Err(other) => return Err(unavailable(other)),
                },
                None => None,
            };
            Ok(Some(DeliveryScreen {
                delivery,
                source,
                automation,
                may_replay: self.actor.is_admin(),
            }))
        })
    }

    fn replay(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            settle(
                sources::replay(&*self.store, &*self.clock, &self.actor, id).await,
                &format!("/deliveries/{id}"),
            )
        })
    }

    fn sources(&self) -> BoxFuture<'_, Result<SourcesScreen, ServiceError>> {
        Box::pin(async move {
            let sources = sources::sources(&*self.store, &self.actor, &self.public_url)
                .await
                .map_err(failed)?;
            let teams = self
                .store
                .teams()
                .await
                .map_err(unavailable)?
                .into_iter()
                .map(|t| (t.id, t.name))
                .collect();
            Ok(SourcesScreen { sources, teams })
        })
    }

    fn create_source(
        &self,
        name: String,
        team_id: Option<i64>,
        tool: String,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            let tool = match tool.parse() {
                Ok(tool) => tool,
                Err(why) => {
                    let mut errors = app::model::errors::FieldErrors::default();
                    errors.add("tool", why);
                    return Ok(SaveOutcome::Invalid(errors));
                }
            };
            let draft = SourceDraft {
                name,
                slug: String::new(),
                team_id,
                tool,
                secret: None,
            };
            let made = sources::create_source(&*self.store, &*self.clock, &self.actor, draft).await;
            settle(made.map(|_| ()), "/admin/sources")
        })
    }

    fn rotate_source_key(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            let rotated = sources::rotate_source_key(
                &*self.store,
                &*self.clock,
                &self.actor,
                id,
                self.key_overlap,
            )
            .await;
            settle(rotated.map(|_| ()), "/admin/sources")
        })
    }

    fn rotate_source_secret(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            let rotated = sources::rotate_source_secret(
                &*self.store,
                &*self.clock,
                &self.actor,
                id,
                self.key_overlap,
            )
            .await;
            settle(rotated.map(|_| ()), "/admin/sources")
        })
    }

    fn claim_queue(&self) -> BoxFuture<'_, Result<ClaimQueue, ServiceError>> {
        Box::pin(async move {
            let items = self.store.claim_queue().await.map_err(unavailable)?;
            let mut orchestrations = Vec::new();
            for o in self.store.orchestrations().await.map_err(unavailable)? {
                if crate::access::check_orchestration(&self.actor, &o).is_ok() {
                    orchestrations.push((o.id, o.fields.name));
                }
            }
            Ok(ClaimQueue {
                items,
                sources: self.source_names().await?,
                orchestrations,
                may_claim: self.actor.may_create(),
            })
        })
    }

    fn claim(
        &self,
        id: i64,
        orchestration: Option<i64>,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            settle(
                sources::claim(&*self.store, &*self.clock, &self.actor, id, orchestration).await,
                &format!("/automations/{id}"),
            )
        })
    }

    fn set_slug(
        &self,
        automation: i64,
        source: Option<i64>,
        slug: String,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            let named = source.map(|s| (s, slug.trim().to_owned()));
            settle(
                sources::set_slug(&*self.store, &*self.clock, &self.actor, automation, named).await,
                &format!("/automations/{automation}"),
            )
        })
    }

    fn set_schedule(
        &self,
        automation: i64,
        draft: Option<app::model::schedule::ScheduleDraft>,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            let schedule = match draft.as_ref().map(crate::schedule::from_draft) {
                None => None,
                Some(Ok(schedule)) => Some(schedule),
                Some(Err(errors)) => return Ok(SaveOutcome::Invalid(errors)),
            };
            settle(
                crate::schedule::set_schedule(
                    &*self.store,
                    &*self.clock,
                    &self.actor,
                    automation,
                    schedule,
                )
                .await,
                &format!("/automations/{automation}"),
            )
        })
    }

    fn pause(
        &self,
        target: app::model::health::PauseTarget,
        form: app::model::health::PauseForm,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        use app::model::health::PauseTarget;
        Box::pin(async move {
            let draft = match form.to_draft(self.clock.now()) {
                Ok(draft) => draft,
                Err(errors) => return Ok(SaveOutcome::Invalid(errors)),
            };
            let (what, path) = match target {
                PauseTarget::Automation(id) => (
                    crate::health::Paused::Automation(id),
                    format!("/automations/{id}"),
                ),
                PauseTarget::Orchestration(id) => {
                    let path = match self.store.orchestration(id).await {
                        Ok(o) => format!("/orchestrations/{}", o.fields.slug),
                        Err(StoreError::NotFound) => "/orchestrations".to_owned(),
                        Err(other) => return Err(unavailable(other)),
                    };
                    (crate::health::Paused::Orchestration(id), path)
                }
            };
            let added =
                crate::health::add_pause(&*self.store, &*self.clock, &self.actor, what, draft)
                    .await;
            settle(added.map(|_| ()), &path)
        })
    }

    fn end_pause(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            let path = match self.store.pause(id).await {
                Ok(p) => match (p.automation_id, p.orchestration_id) {
                    (Some(a), _) => format!("/automations/{a}"),
                    (None, Some(o)) => match self.store.orchestration(o).await {
                        Ok(o) => format!("/orchestrations/{}", o.fields.slug),
                        Err(_) => "/orchestrations".to_owned(),
                    },
                    (None, None) => "/".to_owned(),
                },
                Err(StoreError::NotFound) => "/".to_owned(),
                Err(other) => return Err(unavailable(other)),
            };
            settle(
                crate::health::end_pause(&*self.store, &*self.clock, &self.actor, id).await,
                &path,
            )
        })
    }

    fn incidents(
        &self,
        state: String,
        page: u32,
    ) -> BoxFuture<'_, Result<IncidentsScreen, ServiceError>> {
        Box::pin(async move {
            let (open, state) = match state.as_str() {
                "resolved" => (Some(false), "resolved"),
                "all" => (None, "all"),
                _ => (Some(true), "open"),
            };
            let filter = crate::store::IncidentFilter {
                open,
                ..Default::default()
            };
            let page = page.max(1);
            let (incidents, total) = self
                .store
                .incidents(&filter, INCIDENTS_PER_PAGE, (page - 1) * INCIDENTS_PER_PAGE)
                .await
                .map_err(unavailable)?;
            Ok(IncidentsScreen {
                incidents,
                total,
                page,
                per_page: INCIDENTS_PER_PAGE,
                state: state.to_owned(),
            })
        })
    }

    fn incident(&self, id: i64) -> BoxFuture<'_, Result<Option<IncidentScreen>, ServiceError>> {
        Box::pin(async move {
            let detail = match crate::incidents::detail(&*self.store, id).await {
                Ok(d) => d,
                Err(StoreError::NotFound) => return Ok(None),
                Err(other) => return Err(unavailable(other)),
            };
            let automation = self
                .store
                .automation(detail.incident.automation_id)
                .await
                .map_err(unavailable)?;
            let may = crate::access::may_edit_automation(&*self.store, &self.actor, &automation)
                .await
                .map_err(unavailable)?;
            Ok(Some(IncidentScreen {
                can_acknowledge: may
                    && detail.incident.is_open()
                    && detail.incident.acknowledged_at.is_none(),
                detail,
            }))
        })
    }

    fn acknowledge(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            let now = self.clock.now();
            settle(
                crate::incidents::acknowledge(&*self.store, &self.actor, id, now, None)
                    .await
                    .map(|_| ()),
                &format!("/incidents/{id}"),
            )
        })
    }

    fn own_channels(&self) -> BoxFuture<'_, Result<Vec<Channel>, ServiceError>> {
        Box::pin(async move {
            Ok(self
                .store
                .channels()
                .await
                .map_err(unavailable)?
                .into_iter()
                .filter(|c| c.user_id == Some(self.actor.id))
                .map(|c| crate::incidents::masked_for(&self.actor, c))
                .collect())
        })
    }

    fn add_own_channel(
        &self,
        name: String,
        kind: String,
        url: String,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            let draft = ChannelDraft {
                name,
                kind,
                url,
                user_id: Some(self.actor.id),
                team_id: None,
            };
            self.save_channel(draft, "/account").await
        })
    }

    fn remove_own_channel(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            let mine = match self.store.channel(id).await {
                Ok(c) => c.user_id == Some(self.actor.id),
                Err(StoreError::NotFound) => false,
                Err(other) => return Err(unavailable(other)),
            };
            if !mine {
                return Ok(SaveOutcome::Refused("It is not there any more.".to_owned()));
            }
            let now = self.clock.now();
            settle(
                crate::incidents::delete_channel(&*self.store, &self.actor, id, now).await,
                "/account",
            )
        })
    }

    fn channels(&self) -> BoxFuture<'_, Result<ChannelsScreen, ServiceError>> {
        Box::pin(async move {
            crate::access::require_admin(&self.actor, "see everyone's alert channels")
                .map_err(failed)?;
            let channels = self.store.channels().await.map_err(unavailable)?;
            let mut people: Vec<(i64, String)> = self
                .store
                .people()
                .await
                .map_err(unavailable)?
                .into_iter()
                .filter(|p| p.active)
                .map(|p| (p.id, p.display_name))
                .collect();
            people.sort_by_key(|p| p.1.to_lowercase());
            let mut teams: Vec<(i64, String)> = self
                .store
                .teams()
                .await
                .map_err(unavailable)?
                .into_iter()
                .map(|t| (t.id, t.name))
                .collect();
            teams.sort_by_key(|t| t.1.to_lowercase());
            Ok(ChannelsScreen {
                channels,
                people,
                teams,
            })
        })
    }

    fn add_channel(&self, draft: ChannelDraft) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            crate::access::require_admin(&self.actor, "add a channel for someone else or a team")
                .map_err(failed)?;
            self.save_channel(draft, "/admin/channels").await
        })
    }

    fn test_channel(
        &self,
        id: i64,
    ) -> BoxFuture<'_, Result<app::model::incidents::ChannelTest, ServiceError>> {
        Box::pin(async move {
            let sender = crate::incidents::Sender::new(self.allow_private_targets);
            let now = self.clock.now();
            match crate::incidents::test_channel(
                &*self.store,
                &sender,
                &self.actor,
                id,
                &self.public_url,
                now,
            )
            .await
            {
                Ok(tested) => Ok(tested),
                Err(CatalogError::NotFound) => Ok(app::model::incidents::ChannelTest {
                    reached: false,
                    answer: "the channel is not there any more".to_owned(),
                }),
                Err(other) => Err(failed(other)),
            }
        })
    }

    fn remove_channel(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            crate::access::require_admin(&self.actor, "remove someone else's or a team's channel")
                .map_err(failed)?;
            let now = self.clock.now();
            settle(
                crate::incidents::delete_channel(&*self.store, &self.actor, id, now).await,
                "/admin/channels",
            )
        })
    }
}

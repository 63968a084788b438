//! The screens' changes: forms read, checked by the same domain functions
//! as the API, and answered with an outcome a form can show.

use app::model::catalog::Orchestration;
use app::model::dependencies::{Dependency, DependencyDraft, Endpoint, NodeRef};
use app::model::errors::FieldErrors;
use app::model::forms::{
    AutomationForm, FieldChange, OrchestrationForm, SaveOutcome, in_form_order, merge,
};
use app::model::inventory::{Automation, InventoryFilter, InventorySort};
use app::services::{
    AutomationEditor, AutomationPage, FormChoices, OrchestrationEditor, ServiceError,
};

use super::{Catalog, row, sorted, unavailable};
use crate::catalog::{self, CatalogError};
use crate::store::StoreError;
use crate::{graph, inventory, leverage};

/// Most matches the dependency picker lists.
const FOUND: u32 = 20;

/// A refusal a form shows, or an error the screen reports as unavailable.
fn outcome(
    err: CatalogError,
    conflict: impl FnOnce(CatalogError) -> SaveOutcome,
) -> Result<SaveOutcome, ServiceError> {
    match err {
        CatalogError::Invalid(fields) => Ok(SaveOutcome::Invalid(fields)),
        CatalogError::NotFound => Ok(SaveOutcome::Refused(
            "It no longer exists: someone deleted it while you were working.".to_owned(),
        )),
        stale @ (CatalogError::Stale { .. } | CatalogError::StaleAutomation { .. }) => {
            Ok(conflict(stale))
        }
        unconfirmed @ CatalogError::Unconfirmed { .. } => {
            Ok(SaveOutcome::Refused(capitalised(&unconfirmed.to_string())))
        }
        CatalogError::Forbidden(why) => Err(forbidden(why)),
        CatalogError::Store(err) => Err(unavailable(err)),
    }
}

fn forbidden(why: String) -> ServiceError {
    ServiceError::Forbidden(capitalised(&why))
}

/// A refusal before anything is done: forbidden, or unavailable.
fn refusal(err: CatalogError) -> ServiceError {
    match err {
        CatalogError::Forbidden(why) => forbidden(why),
        other => unavailable(anyhow::anyhow!("{other}")),
    }
}

/// The draft a form describes, or, when part of it cannot even be read,
/// the outcome listing that and everything `check` finds wrong with the
/// rest, all at once, in the form's order.
fn readable<D>(
    (draft, unread): (D, FieldErrors),
    check: impl FnOnce(D) -> Option<FieldErrors>,
    labels: &[(&str, &str)],
) -> Result<D, SaveOutcome> {
    if unread.is_empty() {
        return Ok(draft);
    }
    let checked = check(draft).unwrap_or_default();
    Err(SaveOutcome::Invalid(in_form_order(
        merge(unread, checked),
        labels,
    )))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn orchestration_path(o: &Orchestration) -> String {
    format!("/orchestrations/{}", o.fields.slug)
}

fn touches(d: &Dependency, nodes: &[NodeRef]) -> bool {
    nodes.contains(&d.upstream.node) || nodes.contains(&d.downstream.node)
}

impl Catalog {
    /// A refusal to change something owned, naming whom to ask: its owner
    /// and backup owner.
    async fn refusal_naming(
        &self,
        err: CatalogError,
        owner: Option<i64>,
        backup: Option<i64>,
    ) -> ServiceError {
        let CatalogError::Forbidden(why) = err else {
            return refusal(err);
        };
        // A viewer is refused by role: their owners cannot help.
        if !self.actor.may_create() {
            return forbidden(why);
        }
        let names: std::collections::HashMap<i64, String> = match self.store.user_names().await {
            Ok(names) => names.into_iter().collect(),
            Err(_) => return forbidden(why),
        };
        let ask: Vec<String> = [(owner, "its owner"), (backup, "its backup owner")]
            .into_iter()
            .filter_map(|(id, role)| {
                id.and_then(|id| names.get(&id))
                    .map(|name| format!("{name} ({role})"))
            })
            .collect();
        if ask.is_empty() {
            forbidden(why)
        } else {
            forbidden(format!("{why}: ask {}", ask.join(" or ")))
        }
    }

    pub(super) async fn choices(&self) -> Result<FormChoices, StoreError> {
        let names = self.names().await?;
        let active: Vec<(i64, String)> = self
            .store
            .people()
            .await?
            .into_iter()
            .filter(|p| p.active)
            .map(|p| (p.id, p.display_name))
            .collect();
        let mut people = active;
        people.sort_by_key(|p| p.1.to_lowercase());
        let mut orchestrations: Vec<(i64, String)> = names
            .orchestrations
            .iter()
            .map(|(id, (_, name))| (*id, name.clone()))
            .collect();
        orchestrations.sort_by_key(|o| o.1.to_lowercase());
        Ok(FormChoices {
            people,
            teams: sorted(&names.teams),
            orchestrations,
        })
    }

    /// Turns ids in a form's field into the names a person recognises.
    fn namer(choices: &FormChoices) -> impl Fn(&str, &str) -> String + '_ {
        move |field: &str, value: &str| {
            let list = match field {
                "owner_id" | "backup_owner_id" => &choices.people,
                "team_id" => &choices.teams,
                "orchestration_id" => &choices.orchestrations,
                _ => return value.to_owned(),
            };
            if value.is_empty() {
                return "none".to_owned();
            }
            value
                .parse::<i64>()
                .ok()
                .and_then(|id| list.iter().find(|(i, _)| *i == id))
                .map_or_else(|| value.to_owned(), |(_, name)| name.clone())
        }
    }

    async fn dependencies_touching(
        &self,
        nodes: &[NodeRef],
    ) -> Result<Vec<Dependency>, StoreError> {
        let all = self.store.dependencies().await?;
        Ok(all.into_iter().filter(|d| touches(d, nodes)).collect())
    }

    pub(super) async fn page_dependencies(
        &self,
        o: &Orchestration,
        members: &[Automation],
    ) -> Result<Vec<Dependency>, StoreError> {
        let mut nodes = vec![NodeRef::orchestration(o.id)];
        nodes.extend(members.iter().map(|a| NodeRef::automation(a.id)));
        self.dependencies_touching(&nodes).await
    }

    pub(super) async fn automation_page_of(
        &self,
        id: i64,
    ) -> Result<Option<AutomationPage>, ServiceError> {
        let automation = match self.store.automation(id).await {
            Ok(found) => found,
            Err(StoreError::NotFound) => return Ok(None),
            Err(other) => return Err(unavailable(other)),
        };
        let names = self.names().await.map_err(unavailable)?;
        let now = self.clock.now();
        let leverage = leverage::for_automation(&*self.store, &automation, now)
            .await
            .map_err(unavailable)?;
        let dependencies = self
            .dependencies_touching(&[NodeRef::automation(id)])
            .await
            .map_err(unavailable)?;
        let can_edit = crate::access::may_edit_automation(&*self.store, &self.actor, &automation)
            .await
            .map_err(unavailable)?;
        // A ping key lets anyone report runs: only those who may change the
        // automation see it.
        let key = self.store.ping_key(id).await.map_err(unavailable)?;
        let ping_hidden = key.is_some() && !can_edit;
        let ping = key
            .filter(|_| can_edit)
            .map(|key| app::model::ping::PingUrls::new(&self.public_url, &key));
        let runs = self.store.runs(id, 20).await.map_err(unavailable)?;
        let sources: Vec<(i64, String)> = crate::sources::source_names(&*self.store)
            .await
            .map_err(|err| unavailable(anyhow::anyhow!("{err}")))?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let slug = self
            .store
            .slug_of(id)
            .await
            .map_err(unavailable)?
            .map(|(source, slug)| {
                let name = sources
                    .iter()
                    .find(|(s, _)| *s == source)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default();
                (source, name, slug)
            });
        let unclaimed = self
            .store
            .claim_queue()
            .await
            .map_err(unavailable)?
            .iter()
            .any(|c| c.automation_id == id);
        let observed =
            leverage::observe(&*self.store, crate::store::RollupScope::Automation(id), now)
                .await
                .map_err(unavailable)?;
        let health = crate::health::automation_health(&*self.store, &automation, now)
            .await
            .map_err(unavailable)?;
        let own_state = std::collections::HashMap::from([(id, (health.state, health.why.clone()))]);
        let schedule = crate::schedule::schedule_view(&*self.store, id)
            .await
            .map_err(|err| unavailable(anyhow::anyhow!("{err}")))?;
        Ok(Some(AutomationPage {
            schedule,
            health,
            can_edit,
            ping,
            ping_hidden,
            runs,
            slug,
            sources,
            unclaimed,
            row: row(automation.clone(), &names, &observed, &own_state),
            automation,
            dependencies,
            leverage,
        }))
    }

    pub(super) async fn orchestration_editor_for(
        &self,
        slug: Option<String>,
    ) -> Result<Option<OrchestrationEditor>, ServiceError> {
        crate::access::require_editor(&self.actor).map_err(refusal)?;
        let choices = self.choices().await.map_err(unavailable)?;
        let Some(slug) = slug else {
            return Ok(Some(OrchestrationEditor {
                id: None,
                version: 0,
                form: OrchestrationForm {
                    tier: "3".to_owned(),
                    lifecycle: "draft".to_owned(),
                    ..Default::default()
                },
                choices,
            }));
        };
        match self.store.orchestration_by_slug(&slug).await {
            Ok(o) => {
                if let Err(err) = crate::access::check_orchestration(&self.actor, &o) {
                    let f = &o.fields;
                    return Err(self
                        .refusal_naming(err, f.owner_id, f.backup_owner_id)
                        .await);
                }
                Ok(Some(OrchestrationEditor {
                    id: Some(o.id),
                    version: o.version,
                    form: OrchestrationForm::from_orchestration(&o),
                    choices,
                }))
            }
            Err(StoreError::NotFound) => Ok(None),
            Err(other) => Err(unavailable(other)),
        }
    }

    pub(super) async fn save_orchestration_form(
        &self,
        id: Option<i64>,
        version: i64,
        form: OrchestrationForm,
    ) -> Result<SaveOutcome, ServiceError> {
        const LABELS: &[(&str, &str)] = &OrchestrationForm::LABELS;
        let draft = match readable(form.to_draft(), |d| d.validate().err(), LABELS) {
            Ok(draft) => draft,
            Err(outcome) => return Ok(outcome),
        };
        let (store, clock, actor) = (&*self.store, &*self.clock, &self.actor);
        let saved = match id {
            None => catalog::create_orchestration(store, clock, actor, draft).await,
            Some(id) => {
                catalog::update_orchestration(store, clock, actor, id, version, draft).await
            }
        };
        self.settle(saved, orchestration_path, LABELS, |stale, choices| {
            self.orchestration_conflict(stale, &form, choices)
        })
        .await
    }

    /// What a save came to: the page to go to, the fields to correct (in
    /// the form's order), or the other person's change.
    async fn settle<T>(
        &self,
        saved: Result<T, CatalogError>,
        path: impl FnOnce(&T) -> String,
        labels: &[(&str, &str)],
        conflict: impl FnOnce(CatalogError, &FormChoices) -> SaveOutcome,
    ) -> Result<SaveOutcome, ServiceError> {
        match saved {
            Ok(saved) => Ok(SaveOutcome::Saved { path: path(&saved) }),
            Err(CatalogError::Invalid(errors)) => {
                Ok(SaveOutcome::Invalid(in_form_order(errors, labels)))
            }
            Err(err) => {
                let choices = self.choices().await.map_err(unavailable)?;
                outcome(err, |stale| conflict(stale, &choices))
            }
        }
    }

    fn orchestration_conflict(
        &self,
        stale: CatalogError,
        form: &OrchestrationForm,
        choices: &FormChoices,
    ) -> SaveOutcome {
        let CatalogError::Stale { current } = stale else {
            return SaveOutcome::Refused(stale.to_string());
        };
        let theirs = OrchestrationForm::from_orchestration(&current);
        SaveOutcome::Conflict {
            version: current.version,
            changes: form
                .normalised()
                .changes_against(&theirs, &Self::namer(choices)),
        }
    }

    pub(super) async fn retire(&self, id: i64, version: i64) -> Result<SaveOutcome, ServiceError> {
        match catalog::retire_orchestration(&*self.store, &*self.clock, &self.actor, id, version)
            .await
        {
            Ok(o) => Ok(SaveOutcome::Saved {
                path: orchestration_path(&o),
            }),
            Err(err) => outcome(err, |stale| match stale {
                CatalogError::Stale { current } => SaveOutcome::Conflict {
                    version: current.version,
                    changes: vec![FieldChange {
                        field: "version".to_owned(),
                        label: "Saved by someone else".to_owned(),
                        theirs: format!("version {}", current.version),
                        yours: format!("version {version}"),
                    }],
                },
                other => SaveOutcome::Refused(other.to_string()),
            }),
        }
    }

    pub(super) async fn delete_orchestration_confirmed(
        &self,
        id: i64,
        confirm: String,
    ) -> Result<SaveOutcome, ServiceError> {
        match catalog::delete_orchestration(&*self.store, &*self.clock, &self.actor, id, &confirm)
            .await
        {
            Ok(()) => Ok(SaveOutcome::Saved {
                path: "/orchestrations".to_owned(),
            }),
            Err(err) => outcome(err, |other| SaveOutcome::Refused(other.to_string())),
        }
    }

    pub(super) async fn automation_editor_for(
        &self,
        id: Option<i64>,
    ) -> Result<Option<AutomationEditor>, ServiceError> {
        crate::access::require_editor(&self.actor).map_err(refusal)?;
        let choices = self.choices().await.map_err(unavailable)?;
        let Some(id) = id else {
            return Ok(Some(AutomationEditor {
                id: None,
                version: 0,
                form: AutomationForm::default(),
                choices,
            }));
        };
        match self.store.automation(id).await {
            Ok(a) => {
                if let Err(err) =
                    crate::access::check_automation(&*self.store, &self.actor, &a).await
                {
                    let orchestration = match a.fields.orchestration_id {
                        Some(id) => self.store.orchestration(id).await.ok(),
                        None => None,
                    };
                    let people = app::model::incidents::Concerned::of(&a, orchestration.as_ref());
                    return Err(self.refusal_naming(err, people.owner, people.backup).await);
                }
                Ok(Some(AutomationEditor {
                    id: Some(a.id),
                    version: a.version,
                    form: AutomationForm::from_automation(&a),
                    choices,
                }))
            }
            Err(StoreError::NotFound) => Ok(None),
            Err(other) => Err(unavailable(other)),
        }
    }

    pub(super) async fn save_automation_form(
        &self,
        id: Option<i64>,
        version: i64,
        form: AutomationForm,
    ) -> Result<SaveOutcome, ServiceError> {
        const LABELS: &[(&str, &str)] = &AutomationForm::LABELS;
        let draft = match readable(form.to_draft(), |d| d.validate().err(), LABELS) {
            Ok(draft) => draft,
            Err(outcome) => return Ok(outcome),
        };
        let (store, clock, actor) = (&*self.store, &*self.clock, &self.actor);
        let saved = match id {
            None => inventory::create_automation(store, clock, actor, draft).await,
            Some(id) => inventory::update_automation(store, clock, actor, id, version, draft).await,
        };
        let path = |a: &Automation| format!("/automations/{}", a.id);
        self.settle(saved, path, LABELS, |stale, choices| match stale {
            CatalogError::StaleAutomation { current } => SaveOutcome::Conflict {
                version: current.version,
                changes: form.normalised().changes_against(
                    &AutomationForm::from_automation(&current),
                    &Self::namer(choices),
                ),
            },
            other => SaveOutcome::Refused(other.to_string()),
        })
        .await
    }

    pub(super) async fn delete_automation_by_id(
        &self,
        id: i64,
    ) -> Result<SaveOutcome, ServiceError> {
        match inventory::delete_automation(&*self.store, &*self.clock, &self.actor, id).await {
            Ok(()) => Ok(SaveOutcome::Saved {
                path: "/inventory".to_owned(),
            }),
            Err(err) => outcome(err, |other| SaveOutcome::Refused(other.to_string())),
        }
    }

    pub(super) async fn add_edge(
        &self,
        upstream: NodeRef,
        downstream: NodeRef,
    ) -> Result<SaveOutcome, ServiceError> {
        let draft = DependencyDraft {
            upstream,
            downstream,
            note: String::new(),
        };
        match graph::add_dependency(&*self.store, &*self.clock, &self.actor, draft).await {
            Ok(added) => Ok(SaveOutcome::Saved {
                path: format!("/api/v1/dependencies/{}", added.id),
            }),
            Err(CatalogError::Invalid(fields)) => Ok(SaveOutcome::Refused(first_message(&fields))),
            Err(err) => outcome(err, |other| SaveOutcome::Refused(other.to_string())),
        }
    }

    pub(super) async fn remove_edge(&self, id: i64) -> Result<SaveOutcome, ServiceError> {
        match graph::remove_dependency(&*self.store, &*self.clock, &self.actor, id).await {
            Ok(()) => Ok(SaveOutcome::Saved {
                path: String::new(),
            }),
            Err(err) => outcome(err, |other| SaveOutcome::Refused(other.to_string())),
        }
    }

    pub(super) async fn rotate_key(&self, id: i64) -> Result<SaveOutcome, ServiceError> {
        let rotated = inventory::rotate_ping_key(
            &*self.store,
            &*self.clock,
            &self.actor,
            id,
            self.key_overlap,
        )
        .await;
        match rotated {
            Ok(_) => Ok(SaveOutcome::Saved {
                path: format!("/automations/{id}"),
            }),
            Err(err) => outcome(err, |other| SaveOutcome::Refused(other.to_string())),
        }
    }

    pub(super) async fn find(&self, query: String) -> Result<Vec<Endpoint>, ServiceError> {
        let query = query.trim().to_owned();
        if query.is_empty() {
            return Ok(Vec::new());
        }
        let needle = query.to_lowercase();
        let mut found: Vec<Endpoint> = self
            .store
            .orchestrations()
            .await
            .map_err(unavailable)?
            .into_iter()
            .filter(|o| o.fields.name.to_lowercase().contains(&needle))
            .take(FOUND as usize)
            .map(|o| leverage::orchestration_endpoint(&o))
            .collect();
        let filter = InventoryFilter {
            q: Some(query),
            sort: InventorySort::Name,
            ..Default::default()
        };
        let automations = self
            .store
            .automations(&filter, FOUND, 0)
            .await
            .map_err(unavailable)?;
        found.extend(automations.iter().map(leverage::automation_endpoint));
        found.truncate(FOUND as usize);
        Ok(found)
    }
}

fn first_message(fields: &FieldErrors) -> String {
    fields
        .0
        .first()
        .map(|e| capitalised(&e.message))
        .unwrap_or_else(|| "The dependency was refused.".to_owned())
}

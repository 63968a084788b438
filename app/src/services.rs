//! What the screens ask of the server, and the summaries they get back.
//!
//! Server functions are declared here, in the app crate, but the work is
//! the server's: each server function takes the [`Services`] the server put
//! in context and calls them. Every server function is a public HTTP
//! endpoint under `/rpc/` (never `/api/`, which is the public API's): once
//! accounts exist, each one checks the caller itself.

use serde::{Deserialize, Serialize};

use crate::model::catalog::{Lifecycle, Orchestration};
use crate::model::dependencies::{Dependency, Neighbourhood};
use crate::model::forms::{AutomationForm, OrchestrationForm};
use crate::model::health::HealthState;
use crate::model::inventory::{Automation, Tool};
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
    pub health: HealthState,
    /// Why it is in that state.
    pub health_why: String,
    #[serde(default)]
    pub owner_id: Option<i64>,
    #[serde(default)]
    pub team_id: Option<i64>,
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
    pub health: HealthState,
    /// Why it is in that state.
    pub health_why: String,
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
    /// Whether the person asking may change it (the page shows its edit
    /// controls only then).
    pub can_edit: bool,
    /// The edges that touch it or one of its automations, to remove one.
    pub dependencies: Vec<Dependency>,
    pub leverage: Ranked,
    /// Its state and figures (each automation's state is in its row).
    pub health: crate::model::health::Health,
    /// Where each of its automations reports its runs.
    pub ingestion: Vec<MemberIngestion>,
    /// How far its runbook can be relied on.
    pub runbook: crate::model::runbooks::RunbookStatus,
    /// How often it is reviewed, and when the next review is due.
    pub review: crate::model::reviews::ReviewSchedule,
    /// Who a failure would tell, before anything fails.
    #[serde(default)]
    pub alerting: crate::model::incidents::AlertPlan,
    /// Its automations' open incidents, newest first, each with who was
    /// told.
    #[serde(default)]
    pub open_incidents: Vec<crate::model::incidents::Incident>,
}

/// Where one automation of an orchestration reports its runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberIngestion {
    pub automation_id: i64,
    pub name: String,
    /// `None` for an automation reported by webhook only (no ping key), or
    /// when its ping URLs are hidden from the person asking.
    pub ping: Option<crate::model::ping::PingUrls>,
    /// It has ping URLs, but they are write credentials: shown only to
    /// those who may change it.
    pub ping_hidden: bool,
}

/// Everything the automation page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutomationPage {
    pub automation: Automation,
    pub row: InventoryRow,
    pub dependencies: Vec<Dependency>,
    pub leverage: Ranked,
    /// Whether the person asking may change it.
    pub can_edit: bool,
    /// Where its job reports its runs; `None` without a ping key, or when
    /// the person asking may not see it (`ping_hidden`).
    pub ping: Option<crate::model::ping::PingUrls>,
    /// It has ping URLs, but they are write credentials: shown only to
    /// those who may change it.
    pub ping_hidden: bool,
    /// Its newest runs.
    pub runs: Vec<crate::model::ingestion::Run>,
    /// The source and slug naming it (`/ping/<source-key>/<slug>`):
    /// (source id, source name, slug).
    pub slug: Option<(i64, String, String)>,
    /// Every source, to name it in one.
    pub sources: Vec<(i64, String)>,
    /// Waiting in the claim queue for an owner.
    pub unclaimed: bool,
    /// When its runs are expected.
    pub schedule: Option<crate::model::schedule::ScheduleView>,
    /// Its state and figures.
    pub health: crate::model::health::Health,
}

/// The Deliveries screen: a page of the log, with the names it shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveriesScreen {
    pub page: crate::model::ingestion::DeliveryPage,
    pub sources: Vec<(i64, String)>,
    /// The names of the automations on this page.
    pub automations: Vec<(i64, String)>,
}

/// The Incidents screen: a page of incidents, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentsScreen {
    pub incidents: Vec<crate::model::incidents::Incident>,
    pub total: u64,
    /// From 1.
    pub page: u32,
    pub per_page: u32,
    /// `open`, `resolved` or `all`.
    pub state: String,
}

/// One incident with its timeline and alerts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentScreen {
    pub detail: crate::model::incidents::IncidentDetail,
    /// Whether the person asking may acknowledge it (when it is open).
    pub can_acknowledge: bool,
}

/// An orchestration that needs attention, as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attention {
    /// The orchestration's slug; empty for a loose automation.
    pub slug: String,
    /// A loose automation's id (then `slug` is empty).
    #[serde(default)]
    pub automation_id: Option<i64>,
    pub name: String,
    pub state: HealthState,
    pub why: String,
    /// The owner's name; `None` when unowned.
    pub owner: Option<String>,
    pub last_success_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Its runs per day over the last 30 days, oldest first.
    pub per_day: Vec<crate::model::health::DayCounts>,
    /// For an orchestration, its automations in trouble (failing, silent
    /// or under target), worst first: `(id, name, state)`.
    #[serde(default)]
    pub troubled: Vec<(i64, String, crate::model::health::HealthState)>,
}

impl Attention {
    /// Where it is looked at.
    pub fn href(&self) -> String {
        match self.automation_id {
            Some(id) => format!("/automations/{id}"),
            None => format!("/orchestrations/{}", self.slug),
        }
    }
}

/// An orchestration whose runbook cannot be relied on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunbookGap {
    pub slug: String,
    pub name: String,
    pub tier: i32,
    pub freshness: crate::model::runbooks::Freshness,
}

/// What the dashboard is narrowed to: orchestrations of a team, of a tier,
/// or owned by someone, with their automations (and, without a tier, the
/// automations of that team or owner themselves).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DashboardFilter {
    pub team_id: Option<i64>,
    pub tier: Option<i32>,
    pub owner_id: Option<i64>,
}

impl DashboardFilter {
    /// From the page's query: `team`, `tier`, `owner`; what does not parse
    /// is ignored.
    pub fn from_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut filter = Self::default();
        for (key, value) in pairs {
            match key {
                "team" => filter.team_id = value.parse().ok(),
                "tier" => filter.tier = value.parse().ok().filter(|t| (1..=3).contains(t)),
                "owner" => filter.owner_id = value.parse().ok(),
                _ => {}
            }
        }
        filter
    }

    pub fn is_empty(&self) -> bool {
        self.team_id.is_none() && self.tier.is_none() && self.owner_id.is_none()
    }
}

/// The leaders' dashboard: the state of everything at a glance.
/// Orchestrations the dashboard lists as needing attention at most.
pub const ATTENTION_SHOWN: usize = 20;

/// A figure over the last 7 days, and over the 7 days before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekFigure<T> {
    pub this_week: T,
    pub last_week: T,
}

/// What changed over the last 7 days, within the dashboard's filter: what
/// a leader who looks once a week needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThisWeek {
    /// Incidents opened.
    pub new_incidents: WeekFigure<u64>,
    /// Incidents resolved.
    pub resolved: WeekFigure<u64>,
    /// The mean time from opening to resolution of those resolved, in
    /// milliseconds; `None` when none was.
    pub time_to_recover_ms: WeekFigure<Option<i64>>,
    /// Reviews signed off.
    pub reviews_signed: WeekFigure<u64>,
    /// Runbooks verified.
    pub runbooks_verified: WeekFigure<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub as_of: chrono::DateTime<chrono::Utc>,
    /// Every automation's runs per day over the last 30 days, oldest
    /// first, days without runs included.
    pub per_day: Vec<crate::model::health::DayCounts>,
    /// Orchestrations (not retired) and automations in each state, in
    /// [`HealthState::ALL`]'s order.
    pub orchestrations_by_state: Vec<(HealthState, u64)>,
    pub automations_by_state: Vec<(HealthState, u64)>,
    /// Failing, then silent, then degraded orchestrations, each with its
    /// owner and last success: the most urgent [`ATTENTION_SHOWN`].
    pub attention: Vec<Attention>,
    /// How many need attention in all.
    #[serde(default)]
    pub attention_count: u64,
    /// The newest open incidents (at most 5), and how many are open.
    pub open_incidents: Vec<crate::model::incidents::Incident>,
    pub open_incident_count: u64,
    pub unowned_automations: u64,
    pub loose_automations: u64,
    pub automations_without_failure_mode: u64,
    /// Orchestrations (not retired) with no owner, or no failure mode
    /// written: `(slug, name)`.
    pub unowned_orchestrations: Vec<(String, String)>,
    pub orchestrations_without_failure_mode: Vec<(String, String)>,
    /// Orchestrations (not retired) a failure of which would alert nobody:
    /// one of their automations (or, with none, the orchestration itself)
    /// has no owner, backup owner or team with an alert channel.
    #[serde(default)]
    pub unalerted_orchestrations: Vec<(String, String)>,
    pub top_three: Vec<crate::model::leverage::Ranked>,
    /// Orchestrations (not retired) whose runbook is missing, never
    /// verified or stale: stale first, then by tier; the first
    /// [`ATTENTION_SHOWN`], and how many in all.
    #[serde(default)]
    pub runbook_gaps: Vec<RunbookGap>,
    #[serde(default)]
    pub runbook_gap_count: u64,
    /// Reviews of the current quarter, within the filter.
    #[serde(default)]
    pub reviews: DashboardReviews,
    /// What changed over the last 7 days, beside the 7 before.
    #[serde(default)]
    pub this_week: ThisWeek,
    /// What it is narrowed to, and what it can be.
    pub filter: DashboardFilter,
    pub teams: Vec<(i64, String)>,
    /// People who own an orchestration or an automation.
    pub owners: Vec<(i64, String)>,
}

/// The dashboard's reviews: the current quarter's figures, the signed-in
/// person's reviews coming due, and the overdue ones.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DashboardReviews {
    pub quarter: Option<crate::model::reviews::Quarter>,
    pub overdue: u64,
    pub due: u64,
    pub done: u64,
    /// Reviews of orchestrations the person owns or backs up, due this
    /// quarter or overdue, soonest first.
    pub mine: Vec<crate::model::reviews::BoardRow>,
    /// Overdue reviews, longest overdue first: the first
    /// [`ATTENTION_SHOWN`].
    pub overdue_rows: Vec<crate::model::reviews::BoardRow>,
}

/// Every alert channel, for admins, with whom one can be added for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelsScreen {
    pub channels: Vec<crate::model::incidents::Channel>,
    /// Active people, by name.
    pub people: Vec<(i64, String)>,
    pub teams: Vec<(i64, String)>,
}

/// One delivery, whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryScreen {
    pub delivery: crate::model::ingestion::DeliveryDetails,
    pub source: Option<String>,
    pub automation: Option<String>,
    /// Whether the person asking may replay it (admins).
    pub may_replay: bool,
}

/// The sources screen (admins): every source with its key, and the teams
/// that may own one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourcesScreen {
    pub sources: Vec<crate::model::ingestion::SourceDetails>,
    pub teams: Vec<(i64, String)>,
}

/// The claim queue, with where each can go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimQueue {
    pub items: Vec<crate::model::ingestion::ClaimItem>,
    pub sources: Vec<(i64, String)>,
    /// Orchestrations the person may add to.
    pub orchestrations: Vec<(i64, String)>,
    /// Whether the person asking may claim (editors and admins).
    pub may_claim: bool,
}

/// What a form may choose from: every active person, team and
/// orchestration, by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FormChoices {
    pub people: Vec<(i64, String)>,
    pub teams: Vec<(i64, String)>,
    pub orchestrations: Vec<(i64, String)>,
}

/// The orchestration form, new (`id` is `None`) or opened on a stored one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrchestrationEditor {
    pub id: Option<i64>,
    /// The version the form was opened on; a save names it.
    pub version: i64,
    pub form: OrchestrationForm,
    pub choices: FormChoices,
}

/// The automation form, new (`id` is `None`) or opened on a stored one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutomationEditor {
    pub id: Option<i64>,
    pub version: i64,
    pub form: AutomationForm,
    pub choices: FormChoices,
}

/// What making an API token came to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TokenOutcome {
    /// Made: the token is in it, shown this once.
    Made(crate::model::accounts::NewToken),
    Invalid(crate::model::errors::FieldErrors),
}

/// The review board of a quarter, with what its filters offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewBoardScreen {
    pub board: crate::model::reviews::ReviewBoard,
    /// Today's quarter.
    pub current: crate::model::reviews::Quarter,
    pub teams: Vec<(i64, String)>,
    pub people: Vec<(i64, String)>,
}

/// One review, with the orchestration's page beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewScreen {
    pub detail: crate::model::reviews::ReviewDetail,
    /// The product card, leverage and dependencies come from here.
    pub page: OrchestrationPage,
    pub can_edit: bool,
    /// Whom an action item can be given to.
    pub people: Vec<(i64, String)>,
    /// What it could merge into: slug and name.
    pub orchestrations: Vec<(String, String)>,
}

/// A review's action items: those it set, and those carried from earlier
/// reviews.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewActions {
    pub actions: Vec<crate::model::reviews::ActionItem>,
    pub carried: Vec<crate::model::reviews::ActionItem>,
    /// Items can still be added (a draft the person may change).
    pub can_add: bool,
    /// The person may mark items done (the orchestration's owner, backup
    /// owner or an admin).
    pub may_mark: bool,
    /// The person asking, when they may close the items they own.
    pub me: Option<i64>,
}

/// An orchestration's signed reviews and open draft, for its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewHistory {
    pub reviews: Vec<crate::model::reviews::Review>,
    pub can_edit: bool,
}

/// An orchestration's runbook, shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunbookScreen {
    pub slug: String,
    pub name: String,
    /// Whether the person asking may edit, restore and verify it.
    pub can_edit: bool,
    pub status: crate::model::runbooks::RunbookStatus,
    /// The current revision; `None` before the first save.
    pub current: Option<crate::model::runbooks::RevisionMeta>,
    /// The current text as sanitised HTML; empty without one.
    pub html: String,
}

/// The runbook editor, opened on the current revision, or on the template
/// filled from the product card when there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunbookEditor {
    pub slug: String,
    pub name: String,
    /// The revision the text was opened on; 0 for the template.
    pub base_revision: i64,
    pub body: String,
    /// The text's preview.
    pub html: String,
}

/// What saving a runbook came to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RunbookSaveOutcome {
    /// Saved as `revision`; `path` is the runbook's page.
    Saved { revision: i64, path: String },
    /// Nothing was saved; each message belongs beside its field.
    Invalid(crate::model::errors::FieldErrors),
    /// Someone saved `theirs` since the text was opened: nothing was
    /// saved; `diff` is from their text to the one sent, which the editor
    /// still holds. Saving again is based on theirs.
    Conflict {
        theirs: crate::model::runbooks::Revision,
        theirs_html: String,
        diff: crate::model::runbooks::TextDiff,
    },
    /// Refused as a whole, with the reason.
    Refused(String),
}

/// Every revision of a runbook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunbookHistory {
    pub slug: String,
    pub name: String,
    pub can_edit: bool,
    pub status: crate::model::runbooks::RunbookStatus,
    /// Newest first.
    pub revisions: Vec<crate::model::runbooks::RevisionMeta>,
}

/// One revision of a runbook, shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionScreen {
    pub slug: String,
    pub name: String,
    pub can_edit: bool,
    pub revision: crate::model::runbooks::RevisionMeta,
    /// The current revision's number.
    pub current: i64,
    pub html: String,
}

/// Two revisions of a runbook compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunbookComparison {
    pub slug: String,
    pub name: String,
    pub diff: crate::model::runbooks::RevisionDiff,
    /// Every revision, newest first, to choose another pair.
    pub revisions: Vec<crate::model::runbooks::RevisionMeta>,
}

/// How a refusal's words begin when they reach a screen: the screen tells a
/// refusal (the person may not) from a failure by it.
pub const REFUSAL: &str = "Not allowed: ";

/// Why the server did not do what a screen asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServiceError {
    /// The person may not do this; says why.
    Forbidden(String),
    /// Something failed on the server; the cause is in its log.
    Unavailable(String),
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServiceError::Forbidden(why) | ServiceError::Unavailable(why) => f.write_str(why),
        }
    }
}

#[cfg(feature = "ssr")]
pub use ports::*;

#[cfg(feature = "ssr")]
mod ports {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;

    use super::TokenOutcome;
    use super::{
        AutomationEditor, AutomationPage, InventoryPage, OrchestrationEditor, OrchestrationPage,
        OrchestrationSummary, ServiceError,
    };
    use crate::model::accounts::{Actor, ApiToken};
    use crate::model::audit::{AuditFilter, AuditPage};
    use crate::model::dependencies::{Endpoint, NodeRef};
    use crate::model::forms::{AutomationForm, OrchestrationForm, SaveOutcome};
    use crate::model::inventory::InventoryFilter;
    use crate::model::leverage::LeverageReport;
    use crate::model::people::Directory;

    pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

    /// The catalog, as the screens see it.
    pub trait CatalogService: Send + Sync + 'static {
        /// The leaders' dashboard.
        fn dashboard(
            &self,
            filter: super::DashboardFilter,
        ) -> BoxFuture<'_, Result<super::Dashboard, ServiceError>>;

        /// Every orchestration, by name.
        fn orchestration_summaries(
            &self,
        ) -> BoxFuture<'_, Result<Vec<OrchestrationSummary>, ServiceError>>;

        /// One page (from 1) of the automations matching `filter`.
        fn inventory_page(
            &self,
            filter: InventoryFilter,
            page: u32,
        ) -> BoxFuture<'_, Result<InventoryPage, ServiceError>>;

        /// The orchestration with this slug, with all its page shows;
        /// `None` when there is none.
        fn orchestration_page(
            &self,
            slug: String,
        ) -> BoxFuture<'_, Result<Option<OrchestrationPage>, ServiceError>>;

        /// The automation with this id and all its page shows.
        fn automation_page(
            &self,
            id: i64,
        ) -> BoxFuture<'_, Result<Option<AutomationPage>, ServiceError>>;

        /// The ranked list, the top three and the grouping suggestions.
        fn leverage_report(&self) -> BoxFuture<'_, Result<LeverageReport, ServiceError>>;

        /// The orchestration form: empty for `None`, else opened on the
        /// orchestration with this slug (`None` when there is none).
        fn orchestration_editor(
            &self,
            slug: Option<String>,
        ) -> BoxFuture<'_, Result<Option<OrchestrationEditor>, ServiceError>>;

        /// Registers (`id` is `None`) or changes an orchestration.
        fn save_orchestration(
            &self,
            id: Option<i64>,
            version: i64,
            form: OrchestrationForm,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        fn retire_orchestration(
            &self,
            id: i64,
            version: i64,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Deletes for good once `confirm` is the orchestration's slug.
        fn delete_orchestration(
            &self,
            id: i64,
            confirm: String,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// The automation form: empty for `None`, else opened on `id`.
        fn automation_editor(
            &self,
            id: Option<i64>,
        ) -> BoxFuture<'_, Result<Option<AutomationEditor>, ServiceError>>;

        /// Adds (`id` is `None`) or changes an automation.
        fn save_automation(
            &self,
            id: Option<i64>,
            version: i64,
            form: AutomationForm,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        fn delete_automation(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Records that `upstream` feeds `downstream`; a cycle is refused.
        fn add_dependency(
            &self,
            upstream: NodeRef,
            downstream: NodeRef,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        fn remove_dependency(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Up to 20 automations and orchestrations whose name contains `query`.
        fn find_nodes(&self, query: String) -> BoxFuture<'_, Result<Vec<Endpoint>, ServiceError>>;

        /// Gives an automation a new ping key (the old one still works for
        /// a while).
        fn rotate_ping_key(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;
    }

    /// One person's own account: their API tokens.
    pub trait AccountService: Send + Sync + 'static {
        /// Their tokens, revoked ones included, oldest first.
        fn tokens(&self) -> BoxFuture<'_, Result<Vec<ApiToken>, ServiceError>>;

        /// Makes a token (`scope` is `read` or `write`).
        fn create_token(
            &self,
            name: String,
            scope: String,
        ) -> BoxFuture<'_, Result<TokenOutcome, ServiceError>>;

        fn revoke_token(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Everyone and every team: for admins.
        fn directory(&self) -> BoxFuture<'_, Result<Directory, ServiceError>>;

        /// The names of the active administrators: who can help someone
        /// refused, shown to anyone signed in.
        fn administrators(&self) -> BoxFuture<'_, Result<Vec<String>, ServiceError>>;

        /// Adds someone who can sign in (`role` by name).
        fn add_person(
            &self,
            email: String,
            display_name: String,
            role: String,
            password: String,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        fn change_role(
            &self,
            id: i64,
            role: String,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Deactivates (`active` false) or reactivates someone.
        fn set_active(
            &self,
            id: i64,
            active: bool,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        fn create_team(&self, name: String) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Adds someone to a team (`member`) or removes them.
        fn set_membership(
            &self,
            team: i64,
            user: i64,
            member: bool,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// A page (from 1) of the audit log: for admins.
        fn audit_log(
            &self,
            filter: AuditFilter,
            page: u32,
        ) -> BoxFuture<'_, Result<AuditPage, ServiceError>>;
    }

    /// Ingestion as the screens see it: deliveries, sources, the claim queue.
    pub trait IngestionService: Send + Sync + 'static {
        /// A page (from 1) of the delivery log.
        fn deliveries(
            &self,
            filter: crate::model::ingestion::DeliveryFilter,
            page: u32,
        ) -> BoxFuture<'_, Result<super::DeliveriesScreen, ServiceError>>;

        /// A page (from 1) of an orchestration's runs, newest first; `None`
        /// when there is no such orchestration.
        fn run_history(
            &self,
            slug: String,
            filter: crate::model::ingestion::RunFilter,
            page: u32,
        ) -> BoxFuture<'_, Result<Option<crate::model::ingestion::RunHistory>, ServiceError>>;

        /// One delivery; `None` when there is none.
        fn delivery(
            &self,
            id: i64,
        ) -> BoxFuture<'_, Result<Option<super::DeliveryScreen>, ServiceError>>;

        /// Turns a delivery into its run again (admins).
        fn replay(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Every source with its key (admins).
        fn sources(&self) -> BoxFuture<'_, Result<super::SourcesScreen, ServiceError>>;

        /// `tool` as in URLs (`ping`, `github`, …).
        fn create_source(
            &self,
            name: String,
            team_id: Option<i64>,
            tool: String,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        fn rotate_source_key(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// A new signing secret; the old one is accepted for the overlap.
        fn rotate_source_secret(&self, id: i64)
        -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        fn claim_queue(&self) -> BoxFuture<'_, Result<super::ClaimQueue, ServiceError>>;

        /// The person claims a queued automation, into `orchestration`.
        fn claim(
            &self,
            id: i64,
            orchestration: Option<i64>,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Names an automation in a source (`source` `None`: no longer).
        fn set_slug(
            &self,
            automation: i64,
            source: Option<i64>,
            slug: String,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Sets an automation's expected schedule (`None`: nothing expected).
        fn set_schedule(
            &self,
            automation: i64,
            draft: Option<crate::model::schedule::ScheduleDraft>,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Pauses an automation or an orchestration, now or as a window.
        fn pause(
            &self,
            target: crate::model::health::PauseTarget,
            form: crate::model::health::PauseForm,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Ends a pause now, or removes a window not begun yet.
        fn end_pause(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// A page (from 1) of incidents in `state` (`open`, `resolved` or
        /// `all`).
        fn incidents(
            &self,
            state: String,
            page: u32,
        ) -> BoxFuture<'_, Result<super::IncidentsScreen, ServiceError>>;

        /// One incident; `None` when there is none.
        fn incident(
            &self,
            id: i64,
        ) -> BoxFuture<'_, Result<Option<super::IncidentScreen>, ServiceError>>;

        /// Acknowledges an open incident: its escalation stops.
        fn acknowledge(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// The person's own alert channels.
        fn own_channels(
            &self,
        ) -> BoxFuture<'_, Result<Vec<crate::model::incidents::Channel>, ServiceError>>;

        /// Adds an alert channel of the person's own.
        fn add_own_channel(
            &self,
            name: String,
            kind: String,
            url: String,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Removes one of the person's own alert channels.
        fn remove_own_channel(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Every alert channel (admins).
        fn channels(&self) -> BoxFuture<'_, Result<super::ChannelsScreen, ServiceError>>;

        /// Adds a channel for a person or a team (admins).
        fn add_channel(
            &self,
            draft: crate::model::incidents::ChannelDraft,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Removes any channel (admins).
        fn remove_channel(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Sends a test message to a channel the person may manage: what
        /// its receiver answered.
        fn test_channel(
            &self,
            id: i64,
        ) -> BoxFuture<'_, Result<crate::model::incidents::ChannelTest, ServiceError>>;
    }

    /// Runbooks, as the screens see and change them.
    pub trait RunbookService: Send + Sync + 'static {
        /// The runbook of the orchestration `slug`; `None` for an unknown slug.
        fn runbook(
            &self,
            slug: String,
        ) -> BoxFuture<'_, Result<Option<super::RunbookScreen>, ServiceError>>;

        /// The editor, for those who may edit; `None` for an unknown slug.
        fn runbook_editor(
            &self,
            slug: String,
        ) -> BoxFuture<'_, Result<Option<super::RunbookEditor>, ServiceError>>;

        /// Markdown as the runbook would show it.
        fn preview(&self, body: String) -> BoxFuture<'_, Result<String, ServiceError>>;

        fn save_runbook(
            &self,
            slug: String,
            draft: crate::model::runbooks::RunbookDraft,
        ) -> BoxFuture<'_, Result<super::RunbookSaveOutcome, ServiceError>>;

        fn runbook_history(
            &self,
            slug: String,
        ) -> BoxFuture<'_, Result<Option<super::RunbookHistory>, ServiceError>>;

        /// One revision; `None` when the slug or the revision is unknown.
        fn runbook_revision(
            &self,
            slug: String,
            number: i64,
        ) -> BoxFuture<'_, Result<Option<super::RevisionScreen>, ServiceError>>;

        /// Revisions `from` and `to` compared; `None` when one is unknown.
        fn compare_revisions(
            &self,
            slug: String,
            from: i64,
            to: i64,
        ) -> BoxFuture<'_, Result<Option<super::RunbookComparison>, ServiceError>>;

        /// Brings revision `number` back as the newest.
        fn restore_revision(
            &self,
            slug: String,
            number: i64,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Marks the current revision verified by the person asking.
        fn verify_runbook(&self, slug: String) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;
    }

    /// Reviews, as the screens see and change them.
    pub trait ReviewService: Send + Sync + 'static {
        /// The board of `quarter` (`2026-Q4`; empty or unreadable: the
        /// current one), narrowed to a team and an owner.
        fn review_board(
            &self,
            quarter: String,
            team: Option<i64>,
            owner: Option<i64>,
        ) -> BoxFuture<'_, Result<super::ReviewBoardScreen, ServiceError>>;

        /// One review; `None` when there is none.
        fn review(
            &self,
            id: i64,
        ) -> BoxFuture<'_, Result<Option<super::ReviewScreen>, ServiceError>>;

        /// A review's action items; `None` when there is no such review.
        fn review_actions(
            &self,
            id: i64,
        ) -> BoxFuture<'_, Result<Option<super::ReviewActions>, ServiceError>>;

        /// An orchestration's reviews, newest first.
        fn review_history(
            &self,
            slug: String,
        ) -> BoxFuture<'_, Result<super::ReviewHistory, ServiceError>>;

        /// Opens a review of the orchestration `slug`: saved with the
        /// review's page as `path`.
        fn start_review(&self, slug: String) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Saves a draft; with `sign`, signs it off.
        fn save_review(
            &self,
            id: i64,
            draft: crate::model::reviews::ReviewDraft,
            sign: bool,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Throws a draft away.
        fn discard_review(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Adds an action item to a draft.
        fn add_review_action(
            &self,
            id: i64,
            draft: crate::model::reviews::ActionDraft,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// Marks an action item done, or open again.
        fn mark_review_action(
            &self,
            id: i64,
            done: bool,
        ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>>;

        /// The quarterly report of `quarter` (empty: the current one).
        fn review_report(
            &self,
            quarter: String,
        ) -> BoxFuture<'_, Result<crate::model::reviews::ReviewReport, ServiceError>>;
    }

    /// Makes the catalog as one person sees and may change it.
    pub type CatalogFor = Arc<dyn Fn(Actor) -> Arc<dyn CatalogService> + Send + Sync>;
    /// Makes one person's account service.
    pub type AccountFor = Arc<dyn Fn(Actor) -> Arc<dyn AccountService> + Send + Sync>;
    /// Makes ingestion as one person sees it.
    pub type IngestionFor = Arc<dyn Fn(Actor) -> Arc<dyn IngestionService> + Send + Sync>;
    /// Makes runbooks as one person sees them.
    pub type RunbooksFor = Arc<dyn Fn(Actor) -> Arc<dyn RunbookService> + Send + Sync>;
    /// Makes reviews as one person sees them.
    pub type ReviewsFor = Arc<dyn Fn(Actor) -> Arc<dyn ReviewService> + Send + Sync>;

    /// What the server provides to server functions, in Leptos' context.
    #[derive(Clone)]
    pub struct Services {
        pub catalog_for: CatalogFor,
        pub account_for: AccountFor,
        pub ingestion_for: IngestionFor,
        pub runbooks_for: RunbooksFor,
        pub reviews_for: ReviewsFor,
    }

    impl Services {
        /// `actor`'s own account.
        pub fn account(&self, actor: Actor) -> Arc<dyn AccountService> {
            (self.account_for)(actor)
        }

        /// Runbooks as `actor` sees them.
        pub fn runbooks(&self, actor: Actor) -> Arc<dyn RunbookService> {
            (self.runbooks_for)(actor)
        }

        /// Reviews as `actor` sees them.
        pub fn reviews(&self, actor: Actor) -> Arc<dyn ReviewService> {
            (self.reviews_for)(actor)
        }

        /// Ingestion as `actor` sees it.
        pub fn ingestion(&self, actor: Actor) -> Arc<dyn IngestionService> {
            (self.ingestion_for)(actor)
        }

        /// The catalog acting for `actor`: what they change is checked
        /// against their role and what they own.
        pub fn catalog(&self, actor: Actor) -> Arc<dyn CatalogService> {
            (self.catalog_for)(actor)
        }
    }
}

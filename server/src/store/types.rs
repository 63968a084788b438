//! The domain types the store takes and returns.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The database engine behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        })
    }
}

/// A committed change that screens and other instances may want to hear of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// A batch of deliveries was written; `last_id` is the newest.
    DeliveriesRecorded { count: u32, last_id: i64 },
    /// Runs were written or changed: deliveries turned into runs, missed
    /// runs recorded, runs flagged by their duration. `count` is how many
    /// (deliveries settled, for the processor).
    RunsChanged { count: u64 },
    /// Incidents were opened, joined, resolved, escalated or acknowledged.
    IncidentsChanged,
    /// A pause or maintenance window began, was planned, ended or was
    /// removed: health reads differently.
    PausesChanged,
}

impl Change {
    /// Whether the screens show what this changed (live updates).
    pub fn is_visible(&self) -> bool {
        !matches!(self, Change::DeliveriesRecorded { .. })
    }
}

pub use app::model::ingestion::DeliveryOutcome;

/// One webhook or ping request exactly as received, before Baton answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub received_at: DateTime<Utc>,
    /// Which URL family took it: `ping`, `ping_slug`, `cronitor`, `uptime_kuma`.
    pub endpoint: String,
    /// Whose key opened it (`automation:12`, `source:3`), or the unknown
    /// key itself: a repeated delivery id is matched within a scope.
    pub scope: String,
    pub source_id: Option<i64>,
    pub automation_id: Option<i64>,
    /// The tool's own delivery id (`Idempotency-Key`, `X-GitHub-Delivery`).
    pub external_id: Option<String>,
    pub method: String,
    /// Path and query as requested.
    pub uri: String,
    /// Header names and values in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body's size as sent (`body` may keep less of a rejected one).
    pub body_size: i64,
    pub remote_addr: Option<String>,
    /// `Some(why)` for a request Baton refused: kept for the log, never
    /// turned into a run.
    pub rejected: Option<String>,
}

/// A kept delivery.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub endpoint: String,
    pub scope: String,
    pub source_id: Option<i64>,
    pub automation_id: Option<i64>,
    pub external_id: Option<String>,
    pub method: String,
    pub uri: String,
    #[sqlx(json)]
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub body_size: i64,
    pub remote_addr: Option<String>,
    #[sqlx(try_from = "String")]
    pub outcome: DeliveryOutcome,
    pub outcome_detail: Option<String>,
    pub processed_at: Option<DateTime<Utc>>,
    pub run_id: Option<i64>,
    pub duplicate_of: Option<i64>,
}

/// The receipt for one delivery of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedDelivery {
    /// The id it was kept under (a duplicate gets a row of its own).
    pub id: i64,
    /// `Some(first)` when the same tool delivery id had been kept before.
    pub duplicate_of: Option<i64>,
}

impl RecordedDelivery {
    pub fn is_duplicate(&self) -> bool {
        self.duplicate_of.is_some()
    }
}

/// What a run event says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Start,
    Success,
    Failure,
    /// A message for the run in progress; no change of state.
    Log,
}

/// One event about a run, read from a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunEvent {
    pub automation_id: i64,
    pub signal: Signal,
    /// The tool's run id: pairs a start with its finish.
    pub rid: Option<String>,
    /// When it happened (the tool's stamp, else when it was received).
    pub at: DateTime<Utc>,
    pub exit_status: Option<i32>,
    /// A duration the tool measured itself, for a finish without a start.
    pub duration_ms: Option<i64>,
    /// What it sent along, already cut to the ping body limit.
    pub log: String,
    /// What was changed to keep it (a time outside the window), for the
    /// delivery's outcome.
    pub note: Option<String>,
}

/// What processing a kept delivery comes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Run(RunEvent),
    /// A run or a job a CI tool's webhook reported.
    Hook(HookEffect),
    /// A replayed delivery that already made this run: nothing to change.
    Replayed(i64),
    /// Nothing to record; why.
    Ignored(String),
    /// Cannot be turned into a run; why.
    Failed(String),
}

/// A source as stored, with the key it is reached by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceMatch {
    pub id: i64,
    pub slug: String,
    pub team_id: i64,
    pub tool: app::model::ingestion::SourceTool,
    /// The secrets its deliveries may be signed with now: the current one
    /// and rotated ones still in their overlap.
    pub secrets: Vec<String>,
}

/// A source to add, with its first key and (for a tool that signs) secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSource {
    pub slug: String,
    pub name: String,
    pub team_id: i64,
    pub tool: app::model::ingestion::SourceTool,
    pub key: String,
    pub secret: Option<String>,
}

/// A source with its current key and secret, as listed for admins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRow {
    pub source: app::model::ingestion::Source,
    pub key: String,
    pub secret: Option<String>,
}

/// What a webhook delivery comes to, read from its body in the source it
/// came to.
#[derive(Debug, Clone, PartialEq)]
pub struct HookEffect {
    pub source_id: i64,
    pub report: HookReport,
    /// The event's own time, else when it was received: between two
    /// finished statuses the later wins, on a tie the later arrival.
    pub status_at: DateTime<Utc>,
    /// What was changed to keep it (a time outside the window), for the
    /// delivery's outcome.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum HookReport {
    Run(Box<HookRun>),
    Job(HookJob),
}

/// A run, found again by its key in its source.
#[derive(Debug, Clone, PartialEq)]
pub struct HookRun {
    /// The tool's identity of the run, as JSON text (`["o/r",12,1]`).
    pub run_key: String,
    pub automation: HookAutomation,
    pub status: app::model::ingestion::RunStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub url: Option<String>,
    /// Already cut to the ping body limit.
    pub message: Option<String>,
}

/// The automation a run belongs to, by the tool's identity; created into
/// the claim queue (from `fields`, with `audit`) when Baton has none.
#[derive(Debug, Clone, PartialEq)]
pub struct HookAutomation {
    /// Generic JSON names automations by their slug in the source.
    pub slug: Option<String>,
    /// Its tool and external id (and the rest, for a new one).
    pub fields: app::model::inventory::AutomationFields,
    pub audit: NewAudit,
}

/// A job of a run, found again by its key within the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookJob {
    pub run_key: String,
    pub job_key: String,
    pub name: String,
    pub status: app::model::ingestion::RunStatus,
}

/// Why an edge was not added to the dependency graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EdgeRefusal {
    /// The same edge is there already.
    Exists,
    /// It would close this cycle: from the new edge's upstream end around
    /// back to it.
    Cycle(Vec<app::model::dependencies::NodeRef>),
}

/// A sign-in session as kept: its serialised record, whose person it is
/// (`None` before sign-in), and when it expires.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub id: String,
    pub user_id: Option<i64>,
    pub record: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

impl std::fmt::Debug for StoredSession {
    /// The id and the record are secrets: neither is printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSession")
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What signing in checks about a person.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Credentials {
    pub id: i64,
    pub display_name: String,
    pub role: String,
    /// `None` for someone who never set a password (added by an import).
    pub password_hash: Option<String>,
    pub active: bool,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// A person as the catalog refers to them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Person {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Team {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// One automation an import writes: added when `current` is `None`, else
/// changed from the `(id, version)` it was compared with.
#[derive(Debug, Clone, PartialEq)]
pub struct AutomationWrite {
    pub current: Option<(i64, i64)>,
    pub fields: app::model::inventory::AutomationFields,
}

/// A validated catalog document, ready to write in one transaction. The
/// fields' ids are left empty: the store resolves the emails and slugs
/// beside them inside the transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogPlan {
    pub teams: Vec<app::model::transfer::TeamEntry>,
    pub people: Vec<app::model::transfer::PersonEntry>,
    pub orchestrations: Vec<PlannedOrchestration>,
    pub automations: Vec<PlannedAutomation>,
    pub dependencies: Vec<app::model::transfer::DependencyEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedOrchestration {
    pub fields: app::model::catalog::OrchestrationFields,
    pub owner: Option<String>,
    pub backup_owner: Option<String>,
    pub team: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedAutomation {
    pub fields: app::model::inventory::AutomationFields,
    pub owner: Option<String>,
    pub team: Option<String>,
    pub orchestration: Option<String>,
}

/// A token to keep: its hash, never the token.
#[derive(Debug, Clone, Copy)]
pub struct TokenDraft<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub scope: app::model::accounts::TokenScope,
    pub hash: &'a str,
    pub prefix: &'a str,
}

/// An API token's row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub scope: String,
    pub prefix: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl TokenRow {
    pub fn into_token(self) -> super::StoreResult<app::model::accounts::ApiToken> {
        let scope = app::model::accounts::TokenScope::parse(&self.scope).ok_or_else(|| {
            super::StoreError::Other(anyhow::anyhow!(
                "a token has the unknown scope {:?}",
                self.scope
            ))
        })?;
        Ok(app::model::accounts::ApiToken {
            id: self.id,
            user_id: self.user_id,
            name: self.name,
            scope,
            prefix: self.prefix,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
        })
    }
}

/// An entry to append to the audit log, written in the same transaction as
/// the change it records. A creation leaves `subject_id` empty: the store
/// fills in the new row's id.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAudit {
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<i64>,
    pub actor_label: String,
    pub action: &'static str,
    pub subject_kind: &'static str,
    pub subject_id: Option<i64>,
    pub subject_label: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub client: Option<String>,
}

/// An audit entry's row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<i64>,
    pub actor_label: String,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: Option<i64>,
    pub subject_label: String,
    pub before: Option<sqlx::types::Json<serde_json::Value>>,
    pub after: Option<sqlx::types::Json<serde_json::Value>>,
    pub client: Option<String>,
}

impl From<AuditRow> for app::model::audit::AuditEntry {
    fn from(row: AuditRow) -> Self {
        Self {
            id: row.id,
            at: row.at,
            actor_id: row.actor_id,
            actor_label: row.actor_label,
            action: row.action,
            subject_kind: row.subject_kind,
            subject_id: row.subject_id,
            subject_label: row.subject_label,
            before: row.before.map(|j| j.0),
            after: row.after.map(|j| j.0),
            client: row.client,
        }
    }
}

/// What deactivating someone released: the orchestrations and automations
/// they owned or backed up (now unowned, flagged as such everywhere), and
/// the sessions that ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Released {
    pub orchestrations_owned: u64,
    pub orchestrations_backed_up: u64,
    pub automations_owned: u64,
    pub sessions_ended: u64,
    pub tokens_revoked: u64,
}

/// What checking a presented token needs: which token, whose, what it may
/// do, and when it was last used (noted at most once a minute).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenLookup {
    pub id: i64,
    pub user_id: i64,
    pub scope: String,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// What applying a webhook's report did, for its delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookApplied {
    pub run: Option<i64>,
    pub automation: Option<i64>,
    pub note: String,
}

/// An automation whose runs are expected, and where to look from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    pub automation_id: i64,
    pub schedule: app::model::schedule::Schedule,
    pub set_at: DateTime<Utc>,
    /// When its newest run (missed ones included) began.
    pub newest_run: Option<DateTime<Utc>>,
    pub orchestration_id: Option<i64>,
    /// Its orchestration's lifecycle, if it has one.
    pub lifecycle: Option<String>,
}

/// What a health read covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollupScope<'a> {
    All,
    Automation(i64),
    Orchestration(i64),
    /// These automations (a page of the inventory).
    Several(&'a [i64]),
}

/// Which rollups a read wants: states and leverage need only the counts
/// and latest outcomes; the figures also need the duration histograms, which
/// they read over a shorter span (from `since`) than the counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollupParts {
    Counts,
    WithDurations { since: chrono::NaiveDate },
}

/// Rollups as stored, each row with its automation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rollups {
    pub days: Vec<(i64, app::model::health::DayCounts)>,
    /// `(automation, day, bucket, runs)`.
    pub durations: Vec<(i64, chrono::NaiveDate, i32, i64)>,
    pub states: Vec<(i64, app::model::health::RunState)>,
}

/// A run that may open or join an incident: failed, timed out, missed or
/// flagged too long, not yet seen by the incidents job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TroubleRun {
    pub run_id: i64,
    pub automation_id: i64,
    pub status: String,
    pub flag: Option<String>,
    pub at: DateTime<Utc>,
    pub exit_status: Option<i32>,
}

/// A new incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncident {
    pub automation_id: i64,
    pub kind: app::model::incidents::IncidentKind,
    pub opened_at: DateTime<Utc>,
    pub held_by: Option<i64>,
}

/// What an incident write is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncidentTarget {
    New(NewIncident),
    Existing(i64),
}

/// A line for an incident's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncidentEvent {
    pub at: DateTime<Utc>,
    pub kind: &'static str,
    pub detail: String,
    pub actor_id: Option<i64>,
}

/// An alert to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    pub channel_id: i64,
    pub channel_name: String,
    pub kind: app::model::incidents::AlertKind,
    pub note: String,
    /// Held (for an upstream incident) instead of pending.
    pub held: bool,
    /// Not sent before this long from now (a recovery notice waits for
    /// the cooldown).
    pub delay: chrono::TimeDelta,
}

/// What becomes of an incident's held alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeldAlerts {
    /// Sent after all, with this note.
    Release(String),
    /// Not sent: they are not needed any more.
    Withhold,
}

/// One change to an incident, written in one transaction with its
/// timeline, the run it takes in and the alerts it queues.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentWrite {
    pub target: IncidentTarget,
    /// Reopens a resolved incident, withdrawing its recovery notices not
    /// sent yet.
    pub reopen: bool,
    /// A run taken in; on an existing incident, another trouble.
    pub run: Option<(i64, DateTime<Utc>)>,
    pub level: Option<(i32, DateTime<Utc>)>,
    pub acknowledged: Option<(DateTime<Utc>, i64)>,
    /// `Some(None)` clears it.
    pub held_by: Option<Option<i64>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub events: Vec<NewIncidentEvent>,
    pub alerts: Vec<NewAlert>,
    pub held_alerts: Option<HeldAlerts>,
    pub audit: Option<NewAudit>,
}

impl IncidentWrite {
    /// A write that changes nothing yet.
    pub fn on(target: IncidentTarget) -> Self {
        Self {
            target,
            reopen: false,
            run: None,
            level: None,
            acknowledged: None,
            held_by: None,
            resolved_at: None,
            events: Vec::new(),
            alerts: Vec::new(),
            held_alerts: None,
            audit: None,
        }
    }
}

/// Which incidents a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentFilter {
    /// `Some(true)` open ones, `Some(false)` resolved ones.
    pub open: Option<bool>,
    pub automation_id: Option<i64>,
    pub orchestration_id: Option<i64>,
}

/// An alert due to be tried, with where it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct DueAlert {
    pub alert: app::model::incidents::Alert,
    pub channel: Option<app::model::incidents::Channel>,
}

/// How a try at sending an alert went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertTry {
    Sent {
        at: DateTime<Utc>,
        payload: String,
    },
    Retry {
        next_at: DateTime<Utc>,
        error: String,
        payload: String,
    },
    Failed {
        error: String,
        payload: String,
    },
}

/// A channel to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChannel {
    pub name: String,
    pub kind: app::model::incidents::ChannelKind,
    pub url: String,
    pub secret: Option<String>,
    pub user_id: Option<i64>,
    pub team_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// A runbook revision to add; its number is the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRevision {
    pub body: String,
    pub note: String,
    pub author_id: Option<i64>,
    pub author: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub restored_from: Option<i64>,
}

/// An orchestration's runbook in brief: its newest revision and latest
/// verification, for the dashboard and the leverage ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunbookMark {
    pub orchestration_id: i64,
    pub revision: i64,
    pub verification: Option<app::model::runbooks::Verification>,
}

/// A draft review's content to write, signed off with `sign`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewWrite {
    pub answers: Vec<app::model::reviews::CheckAnswer>,
    pub decision: Option<app::model::reviews::Decision>,
    pub merge_into_id: Option<i64>,
    pub notes: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub sign: Option<SignOff>,
}

/// Who signs a review off, and the due date it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOff {
    pub by_id: Option<i64>,
    pub by: String,
    pub answered: chrono::NaiveDate,
}

/// An action item a draft review sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActionItem {
    pub orchestration_id: i64,
    pub review_id: i64,
    pub title: String,
    pub owner_id: Option<i64>,
    pub due_on: chrono::NaiveDate,
    pub at: chrono::DateTime<chrono::Utc>,
}

//! Storage: one [`Store`] trait, implemented for SQLite ([`sqlite`]) and
//! PostgreSQL ([`postgres`]). The backend is picked once, from the database
//! URL, by [`connect`]; everything above this module sees only the trait.

mod audit_sql;
mod catalog_sql;
mod error;
mod graph_sql;
mod health_sql;
mod impl_store;
mod incident_sql;
mod ingest_sql;
mod inventory_sql;
mod people_sql;
pub mod postgres;
mod review_sql;
mod runbook_sql;
mod schedule_sql;
mod session_sql;
mod sql;
pub mod sqlite;
mod transfer_sql;
mod types;
mod write_tx;

use std::sync::Arc;

use app::model::accounts::{ApiToken, Role};
use app::model::catalog::{Orchestration, OrchestrationFields};
use app::model::dependencies::{Dependency, DependencyDraft};
use app::model::inventory::{Automation, AutomationFields, InventoryFilter};
use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::broadcast;

use crate::config::DatabaseUrl;
pub use error::{StoreError, StoreResult};
pub use types::{
    AlertTry, AuditRow, AutomationWrite, Backend, CatalogPlan, Change, Credentials, Delivery,
    DeliveryOutcome, DueAlert, EdgeRefusal, Effect, HeldAlerts, HookApplied, HookAutomation,
    HookEffect, HookJob, HookReport, HookRun, IncidentFilter, IncidentTarget, IncidentWrite,
    NewActionItem, NewAlert, NewAudit, NewChannel, NewDelivery, NewIncident, NewIncidentEvent,
    NewRevision, NewSource, Person, PlannedAutomation, PlannedOrchestration, RecordedDelivery,
    Released, ReviewWrite, RollupParts, RollupScope, Rollups, RunEvent, RunbookMark, SignOff,
    Signal, SourceMatch, SourceRow, StoredSession, Team, TokenDraft, TokenLookup, TokenRow,
    TroubleRun, Watched,
};

/// The shared handle to the store in use.
pub type SharedStore = Arc<dyn Store>;

/// Everything Baton keeps, behind one interface with a SQLite and a
/// PostgreSQL implementation. Methods take times as arguments: the caller
/// reads its [`Clock`](crate::clock::Clock), so tests control time.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which backend this is.
    fn backend(&self) -> Backend;

    /// Applies pending migrations. Safe to call from several instances at
    /// once: the migrator takes a database lock.
    async fn migrate(&self) -> StoreResult<()>;

    /// A real round trip to the database, for readiness checks.
    async fn ping(&self) -> StoreResult<()>;

    /// Housekeeping to run every second or so (more often under load): on
    /// SQLite, copies the write-ahead log into the database file between
    /// two commits, so that the log starts over and stays short; nothing on
    /// PostgreSQL.
    async fn checkpoint(&self) -> StoreResult<()>;

    /// Takes or renews the lease `name` for `holder` until `now + ttl`.
    /// Returns `true` when `holder` holds the lease afterwards: it was free,
    /// expired, or already held by `holder`. At most one holder at a time,
    /// across every instance sharing the database.
    async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        ttl: TimeDelta,
    ) -> StoreResult<bool>;

    /// Gives the lease up if `holder` holds it; a no-op otherwise.
    async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()>;

    /// Writes a batch of deliveries in one transaction: all or none. A
    /// delivery whose tool-given id was already kept for the same endpoint
    /// and scope is kept as a `duplicate` naming the first, never processed.
    /// Receipts come back in the order of `batch`.
    async fn record_deliveries(&self, batch: &[NewDelivery]) -> StoreResult<Vec<RecordedDelivery>>;

    /// One delivery by id.
    async fn delivery(&self, id: i64) -> StoreResult<Delivery>;

    /// The newest deliveries first.
    async fn recent_deliveries(&self, limit: u32) -> StoreResult<Vec<Delivery>>;

    /// The oldest deliveries still waiting to be turned into runs.
    async fn pending_deliveries(&self, limit: u32) -> StoreResult<Vec<Delivery>>;

    async fn count_pending_deliveries(&self) -> StoreResult<u64>;

    /// Settles pending deliveries with their effects in one transaction;
    /// one settled meanwhile is skipped, so no effect is applied twice.
    /// Run logs are cut to `log_limit` bytes.
    async fn apply_effects(
        &self,
        effects: &[(i64, Effect)],
        log_limit: usize,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// A page of the delivery log matching `filter`, newest first.
    async fn deliveries(
        &self,
        filter: &app::model::ingestion::DeliveryFilter,
        limit: u32,
        offset: u32,
    ) -> StoreResult<Vec<app::model::ingestion::DeliverySummary>>;

    async fn count_deliveries(
        &self,
        filter: &app::model::ingestion::DeliveryFilter,
    ) -> StoreResult<u64>;

    /// Sends a settled delivery through processing again; `false` when it
    /// is pending, a duplicate or rejected (nothing to replay).
    async fn replay_delivery(&self, id: i64, audit: &NewAudit) -> StoreResult<bool>;

    /// Forgets settled deliveries received before `before`; how many.
    async fn forget_deliveries(&self, before: DateTime<Utc>) -> StoreResult<u64>;

    /// A run's log as kept (see `app::model::received`); `None` if there is
    /// no such run.
    async fn run_log(&self, run: i64) -> StoreResult<Option<String>>;

    /// An automation's runs, newest first.
    async fn runs(
        &self,
        automation: i64,
        limit: u32,
    ) -> StoreResult<Vec<app::model::ingestion::Run>>;

    /// A page (from 1) of an orchestration's runs, newest first, narrowed
    /// by `filter`, each with its automation's name and its delivery.
    async fn run_history(
        &self,
        orchestration: i64,
        filter: &app::model::ingestion::RunFilter,
        page: u32,
        per_page: u32,
    ) -> StoreResult<app::model::ingestion::RunHistory>;

    /// Every review cadence set, by orchestration; those without one are
    /// reviewed every quarter.
    async fn review_cadences(&self) -> StoreResult<Vec<(i64, app::model::reviews::Cadence)>>;

    /// Sets how often an orchestration is reviewed, with the audit entry.
    async fn set_review_cadence(
        &self,
        orchestration: i64,
        cadence: app::model::reviews::Cadence,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<()>;

    /// The cadence set for one orchestration (`None`: quarterly).
    async fn review_cadence(
        &self,
        orchestration: i64,
    ) -> StoreResult<Option<app::model::reviews::Cadence>>;

    /// Each orchestration's newest signed-off review.
    async fn last_reviews(&self) -> StoreResult<Vec<(i64, app::model::reviews::LastReview)>>;

    /// Every open draft review, as `(orchestration, review)`.
    async fn draft_reviews(&self) -> StoreResult<Vec<(i64, i64)>>;

    /// One orchestration's newest signed-off review.
    async fn last_review(
        &self,
        orchestration: i64,
    ) -> StoreResult<Option<app::model::reviews::LastReview>>;

    /// An orchestration's reviews, newest first, drafts included.
    async fn reviews(&self, orchestration: i64) -> StoreResult<Vec<app::model::reviews::Review>>;

    async fn review(&self, id: i64) -> StoreResult<app::model::reviews::Review>;

    /// Signed-off reviews that answered a due date from `from` to `to`, or
    /// were signed off on one of those days; oldest sign-off first.
    async fn signed_reviews(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StoreResult<Vec<app::model::reviews::Review>>;

    /// Opens a draft review, with the audit entry; `Conflict` when the
    /// orchestration already has one.
    async fn start_review(
        &self,
        orchestration: i64,
        by_id: Option<i64>,
        by: &str,
        at: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<i64>;

    /// Saves a draft's content, signing it off with `write.sign`, if it is
    /// still a draft at `version`; the new version. `Conflict` when it was
    /// signed off or saved meanwhile: nothing is written then. The audit
    /// entry goes in the same transaction.
    async fn write_review(
        &self,
        id: i64,
        version: i64,
        write: &ReviewWrite,
        audit: &NewAudit,
    ) -> StoreResult<i64>;

    /// Throws a draft away (with its action items); `Conflict` once it is
    /// signed off.
    async fn discard_review(&self, id: i64, audit: &NewAudit) -> StoreResult<()>;

    /// Action items of one orchestration, or of all; open ones only when
    /// `open_only`. By due date.
    async fn action_items(
        &self,
        orchestration: Option<i64>,
        open_only: bool,
    ) -> StoreResult<Vec<app::model::reviews::ActionItem>>;

    async fn action_item(&self, id: i64) -> StoreResult<app::model::reviews::ActionItem>;

    /// Adds an action item to a draft review; `Conflict` once it is signed.
    async fn add_action_item(&self, item: &NewActionItem, audit: &NewAudit) -> StoreResult<i64>;

    /// Marks an action item done (`Some(when, who)`) or open again.
    async fn set_action_done(
        &self,
        id: i64,
        done: Option<(DateTime<Utc>, &str)>,
        audit: &NewAudit,
    ) -> StoreResult<()>;

    /// Marks the review due on `due_on` told as overdue and queues a notice
    /// to each of `channels`, with the audit entry, in one transaction;
    /// `false`, writing nothing, when it was told already.
    async fn queue_review_notices(
        &self,
        orchestration: i64,
        due_on: chrono::NaiveDate,
        channels: &[(i64, String)],
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<bool>;

    /// Notices due to be tried at `now`, with their channels (`None` once
    /// removed), at most `limit`.
    async fn due_review_notices(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<
        Vec<(
            app::model::reviews::ReviewNotice,
            Option<app::model::incidents::Channel>,
        )>,
    >;

    /// What became of one try of a notice.
    async fn review_notice_tried(&self, id: i64, outcome: &AlertTry) -> StoreResult<()>;

    /// An orchestration's overdue notices, newest first.
    async fn review_notices(
        &self,
        orchestration: i64,
    ) -> StoreResult<Vec<app::model::reviews::ReviewNotice>>;

    /// An orchestration's runbook: its newest revision (`None` before the
    /// first save) and latest verification.
    async fn runbook(
        &self,
        orchestration: i64,
    ) -> StoreResult<(
        Option<app::model::runbooks::Revision>,
        Option<app::model::runbooks::Verification>,
    )>;

    /// Every revision of a runbook without its text, newest first.
    async fn runbook_revisions(
        &self,
        orchestration: i64,
    ) -> StoreResult<Vec<app::model::runbooks::RevisionMeta>>;

    /// One revision with its text; `NotFound` when there is none.
    async fn runbook_revision(
        &self,
        orchestration: i64,
        number: i64,
    ) -> StoreResult<app::model::runbooks::Revision>;

    /// Adds revision `base + 1` with the audit entry, if `base` is still
    /// the newest (0: none yet); otherwise a `Conflict` and nothing
    /// written. Returns the new number.
    async fn save_runbook(
        &self,
        orchestration: i64,
        base: i64,
        revision: &NewRevision,
        audit: &NewAudit,
    ) -> StoreResult<i64>;

    /// Records who verified the runbook, replacing the previous record.
    async fn verify_runbook(
        &self,
        orchestration: i64,
        verification: &app::model::runbooks::Verification,
        audit: &NewAudit,
    ) -> StoreResult<()>;

    /// Every orchestration that has a runbook, in brief.
    async fn runbook_marks(&self) -> StoreResult<Vec<RunbookMark>>;

    /// Adds a source with its first key (and secret); a taken slug is a
    /// `Conflict`.
    async fn create_source(
        &self,
        new: &NewSource,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<i64>;

    /// Every source with its current key and secret, by name.
    async fn sources(&self) -> StoreResult<Vec<SourceRow>>;

    /// Gives a source the new current `secret`, keeping the old one
    /// accepted until `old_until`.
    async fn rotate_source_secret(
        &self,
        source: i64,
        secret: &str,
        now: DateTime<Utc>,
        old_until: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<()>;

    /// The run a tool reported under `run_key` (its identity, as JSON
    /// text) in `source`.
    async fn run_by_key(
        &self,
        source: i64,
        run_key: &str,
    ) -> StoreResult<Option<app::model::ingestion::Run>>;

    /// The jobs of the run `run_key` in `source`, as first reported.
    async fn jobs(
        &self,
        source: i64,
        run_key: &str,
    ) -> StoreResult<Vec<app::model::ingestion::Job>>;

    /// An automation's expected schedule, and when it was set.
    async fn schedule(
        &self,
        automation: i64,
    ) -> StoreResult<Option<(app::model::schedule::Schedule, DateTime<Utc>)>>;

    /// Sets (or, `None`, removes) an automation's expected schedule.
    async fn set_schedule(
        &self,
        automation: i64,
        schedule: Option<&app::model::schedule::Schedule>,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<()>;

    /// Every automation with an expected schedule.
    async fn watched(&self) -> StoreResult<Vec<Watched>>;

    /// Records missed runs `(automation, slot, note)`, each slot once
    /// however often (and wherever) it is recorded; how many were new.
    async fn record_missed(
        &self,
        missed: &[(i64, DateTime<Utc>, String)],
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;

    /// Flags runs since `since` by their durations: for each
    /// `(automation, longest, shortest)` (milliseconds), a run over the
    /// longest (or still going past it at `now`) is too long, a finished
    /// one under the shortest too short; how many were flagged.
    async fn flag_runs(
        &self,
        limits: &[(i64, Option<i64>, Option<i64>)],
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;

    /// Runs written since `since` that may open or join an incident
    /// (failed, timed out, missed, or flagged too long) and that the
    /// incidents job has not seen, oldest first, at most `limit`.
    async fn trouble_runs(&self, since: DateTime<Utc>, limit: i64) -> StoreResult<Vec<TroubleRun>>;

    /// Notes runs as seen without an incident (their automation was paused).
    async fn mark_runs_seen(&self, runs: &[i64]) -> StoreResult<()>;

    async fn open_incidents(&self) -> StoreResult<Vec<app::model::incidents::Incident>>;

    /// Incidents opened or resolved at `since` or later, oldest first.
    async fn incidents_since(
        &self,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<app::model::incidents::Incident>>;

    async fn incident(&self, id: i64) -> StoreResult<app::model::incidents::Incident>;

    /// A page of the incidents `filter` matches, newest first, and how
    /// many match in all.
    async fn incidents(
        &self,
        filter: &IncidentFilter,
        limit: u32,
        offset: u32,
    ) -> StoreResult<(Vec<app::model::incidents::Incident>, u64)>;

    async fn incident_events(
        &self,
        id: i64,
    ) -> StoreResult<Vec<app::model::incidents::IncidentEvent>>;

    async fn incident_alerts(&self, id: i64) -> StoreResult<Vec<app::model::incidents::Alert>>;

    /// The runs an incident took in, newest first, at most `limit`, each
    /// with its automation's name and its newest delivery.
    async fn incident_runs(
        &self,
        id: i64,
        limit: u32,
    ) -> StoreResult<Vec<app::model::ingestion::HistoryRun>>;

    /// Applies one change to an incident (opening it, or changing an open
    /// one) with its timeline, run, alerts and audit, in one transaction;
    /// the incident's id. `Conflict` for a second open incident of one
    /// automation, or acknowledging or resolving one that is not open.
    async fn write_incident(&self, write: &IncidentWrite, now: DateTime<Utc>) -> StoreResult<i64>;

    /// Pending alerts due at `now`, oldest first, with their channels.
    async fn due_alerts(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<DueAlert>>;

    /// Records how a try at sending an alert went.
    async fn alert_tried(&self, id: i64, outcome: &AlertTry) -> StoreResult<()>;

    /// Alerts that gave up, newest first.
    async fn failed_alerts(&self, limit: i64) -> StoreResult<Vec<app::model::incidents::Alert>>;

    async fn channels(&self) -> StoreResult<Vec<app::model::incidents::Channel>>;

    async fn channel(&self, id: i64) -> StoreResult<app::model::incidents::Channel>;

    async fn add_channel(&self, channel: &NewChannel, audit: &NewAudit) -> StoreResult<i64>;

    async fn delete_channel(&self, id: i64, audit: &NewAudit) -> StoreResult<()>;

    /// The rollups of what `scope` covers from the day `since` on: per-day
    /// counts and latest outcomes, and duration histograms if `parts` says.
    async fn rollups(
        &self,
        scope: RollupScope<'_>,
        since: chrono::NaiveDate,
        parts: RollupParts,
    ) -> StoreResult<Rollups>;

    /// Pauses on at `now` or planned after it, of what `scope` covers (an
    /// automation's include its orchestration's).
    async fn pauses(
        &self,
        scope: RollupScope<'_>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<app::model::health::Pause>>;

    /// One pause; `NotFound` for none.
    async fn pause(&self, id: i64) -> StoreResult<app::model::health::Pause>;

    /// Adds a pause (its `id` is ignored), made by `by`; its id.
    async fn add_pause(
        &self,
        pause: &app::model::health::Pause,
        by: Option<i64>,
        audit: &NewAudit,
    ) -> StoreResult<i64>;

    /// Ends a pause at `at`, or (`None`) removes one not yet begun.
    async fn end_pause(
        &self,
        id: i64,
        at: Option<DateTime<Utc>>,
        audit: &NewAudit,
    ) -> StoreResult<()>;

    /// Deletes at most `limit` raw runs (and tool jobs) older than
    /// `before`; their rollups stay. How many runs went.
    async fn delete_old_runs(&self, before: DateTime<Utc>, limit: i64) -> StoreResult<u64>;

    /// Notes that a background job finished a round at `now`.
    async fn job_round_done(&self, name: &str, now: DateTime<Utc>) -> StoreResult<()>;

    /// A mark that moves on with every change to the catalog (the newest
    /// audit entry) and every new run (the newest run): cached views
    /// compare it to see whether they are still current.
    async fn change_mark(&self) -> StoreResult<(i64, i64)>;

    /// When each background job last finished a round.
    async fn job_rounds(&self) -> StoreResult<Vec<(String, DateTime<Utc>)>>;

    /// Counts a webhook refused for a missing or wrong signature: the one
    /// thing such a request writes.
    async fn count_rejected_hook(&self, source: i64, now: DateTime<Utc>) -> StoreResult<()>;

    /// The source a key opens at `now`: its current key, or a rotated one
    /// until its overlap ends.
    async fn source_by_key(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SourceMatch>>;

    /// Gives a source the new current `key`, keeping the old one valid until
    /// `old_until`. `NotFound` for no such source.
    async fn rotate_source_key(
        &self,
        source: i64,
        key: &str,
        now: DateTime<Utc>,
        old_until: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<()>;

    /// The automation named `slug` in `source`.
    async fn automation_by_slug(&self, source: i64, slug: &str) -> StoreResult<Option<i64>>;

    /// The source and slug naming an automation, if any.
    async fn slug_of(&self, automation: i64) -> StoreResult<Option<(i64, String)>>;

    /// Names an automation `slug` in a source (`None`: no longer); a slug
    /// taken in that source is a `Conflict`.
    async fn set_slug(
        &self,
        automation: i64,
        slug: Option<(i64, &str)>,
        audit: &NewAudit,
    ) -> StoreResult<()>;

    /// Keeps a delivery for the automation named `slug` in `source`,
    /// creating that automation (from `fields`, into the claim queue) when
    /// there is none, all in one transaction. The automation, whether it
    /// was created, and the delivery's receipt. `audit` records a creation.
    async fn record_for_slug(
        &self,
        source: i64,
        slug: &str,
        fields: &AutomationFields,
        delivery: &NewDelivery,
        audit: &NewAudit,
    ) -> StoreResult<(i64, bool, RecordedDelivery)>;

    /// Automations a ping created that nobody claimed yet, oldest first.
    async fn claim_queue(&self) -> StoreResult<Vec<app::model::ingestion::ClaimItem>>;

    /// Gives a queued automation its owner and orchestration and takes it
    /// out of the queue; `false` (nothing written) when it was not queued.
    async fn claim_automation(
        &self,
        id: i64,
        owner: i64,
        orchestration: Option<i64>,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<bool>;

    /// Adds a team; its slug is unique.
    async fn insert_team(&self, slug: &str, name: &str, now: DateTime<Utc>) -> StoreResult<i64>;

    /// Adds a person; the email (kept lower-case) is unique.
    async fn insert_user(
        &self,
        email: &str,
        display_name: &str,
        role: Role,
        now: DateTime<Utc>,
    ) -> StoreResult<i64>;

    /// Adds a person who can sign in, with their password's hash, in one
    /// write. `email` must already be normalised; it is unique.
    async fn create_account(
        &self,
        email: &str,
        display_name: &str,
        role: Role,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<i64>;

    /// What signing in as `email` (normalised) checks; `None` when nobody
    /// has that email.
    async fn credentials(&self, email: &str) -> StoreResult<Option<Credentials>>;

    /// How many people there are, deactivated ones included.
    async fn count_users(&self) -> StoreResult<u64>;

    /// Keeps a new sign-in session; `false` (nothing written) when its id
    /// is already taken.
    async fn insert_session(&self, session: &StoredSession) -> StoreResult<bool>;

    /// Keeps a session, replacing what was kept under its id.
    async fn save_session(&self, session: &StoredSession) -> StoreResult<()>;

    /// The record of the session with this id, unless it expired by `now`.
    async fn load_session(&self, id: &str, now: DateTime<Utc>) -> StoreResult<Option<String>>;

    async fn delete_session(&self, id: &str) -> StoreResult<()>;

    /// Ends every session of one person (signed out everywhere); how many.
    async fn delete_user_sessions(&self, user_id: i64) -> StoreResult<u64>;

    /// Forgets the sessions expired by `now`; how many.
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64>;

    /// One person by id, deactivated or not; `None` when there is none.
    async fn person(&self, id: i64) -> StoreResult<Option<Person>>;

    /// The first run's administrator, created only while nobody exists and
    /// only once, however many setups race: `None` (nothing written)
    /// otherwise. `email` must already be normalised.
    async fn create_first_admin(
        &self,
        email: &str,
        display_name: &str,
        password_hash: &str,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<Option<i64>>;

    /// Notes a failed sign-in as `email` (normalised, or as typed) from
    /// the client address `client`.
    async fn record_sign_in_failure(
        &self,
        email: &str,
        client: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Failed sign-ins after `since`: as `email` from `client`, and from
    /// `client` as anyone.
    async fn sign_in_failures(
        &self,
        email: &str,
        client: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<(u64, u64)>;

    /// Clears an account's failures from `client` once its owner signs in
    /// from there.
    async fn forget_sign_in_failures(&self, email: &str, client: &str) -> StoreResult<()>;

    /// Forgets failures noted at or before `before`; how many.
    async fn forget_old_failures(&self, before: DateTime<Utc>) -> StoreResult<u64>;

    /// Keeps a new API token (its hash); its id.
    async fn create_api_token(
        &self,
        token: &TokenDraft<'_>,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<i64>;

    /// One person's tokens (`Some`), or everyone's, revoked ones included.
    async fn api_tokens(&self, user_id: Option<i64>) -> StoreResult<Vec<ApiToken>>;

    async fn api_token(&self, id: i64) -> StoreResult<ApiToken>;

    /// The unrevoked token with this hash.
    async fn api_token_by_hash(&self, hash: &str) -> StoreResult<Option<TokenLookup>>;

    /// Notes that a token was used (at most once a minute).
    async fn touch_api_token(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()>;

    /// Revokes a token; `false` when it was already revoked.
    async fn revoke_api_token(
        &self,
        id: i64,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<bool>;

    /// Appends an entry that records no other change (a sign-in).
    async fn record_audit(&self, entry: &NewAudit) -> StoreResult<()>;

    /// A page of the audit log matching `filter`, newest first.
    async fn audit_log(
        &self,
        filter: &app::model::audit::AuditFilter,
        limit: u32,
        offset: u32,
    ) -> StoreResult<Vec<app::model::audit::AuditEntry>>;

    async fn count_audit(&self, filter: &app::model::audit::AuditFilter) -> StoreResult<u64>;

    /// Changes someone's role; `false` when there is nobody with that id.
    async fn set_role(&self, id: i64, role: Role, audit: &NewAudit) -> StoreResult<bool>;

    /// Deactivates someone, releasing what they owned or backed up and
    /// ending their sessions, in one transaction; `None` (nothing written)
    /// when they were not active.
    async fn deactivate_user(
        &self,
        id: i64,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<Option<Released>>;

    /// Lets a deactivated person sign in again; `false` when they were active.
    async fn reactivate_user(&self, id: i64, audit: &NewAudit) -> StoreResult<bool>;

    /// Active admins: the last one may be neither demoted nor deactivated.
    async fn count_active_admins(&self) -> StoreResult<u64>;

    /// Adds a team; a taken slug is a `Conflict`.
    async fn create_team(
        &self,
        slug: &str,
        name: &str,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<i64>;

    /// Adds (`member`) or removes someone from a team; `false` when that
    /// changed nothing.
    async fn set_team_membership(
        &self,
        team: i64,
        user: i64,
        member: bool,
        audit: &NewAudit,
    ) -> StoreResult<bool>;

    /// Every (team, person) membership.
    async fn team_members(&self) -> StoreResult<Vec<(i64, i64)>>;

    /// Whether the user exists and is not deactivated.
    async fn user_is_active(&self, id: i64) -> StoreResult<bool>;

    async fn team_exists(&self, id: i64) -> StoreResult<bool>;

    /// Every user's id and display name, deactivated ones included (their
    /// names still label what they did).
    async fn user_names(&self) -> StoreResult<Vec<(i64, String)>>;

    /// Everyone, deactivated people included, by id.
    async fn people(&self) -> StoreResult<Vec<Person>>;

    /// Every team, by slug.
    async fn teams(&self) -> StoreResult<Vec<Team>>;

    /// Stores a validated orchestration with its tags, all or nothing. A
    /// taken slug is a `Conflict`.
    ///
    /// Every method that changes the catalog, people or tokens takes the
    /// audit entry recording it and appends it in the same transaction:
    /// a change is never unrecorded, nor a refused one recorded.
    async fn create_orchestration(
        &self,
        orchestration: &OrchestrationFields,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<Orchestration>;

    /// Replaces an orchestration's fields, if it is still at `version`: a
    /// save based on an older version is a `Conflict`, never an overwrite.
    /// Entering `retired` stamps `retired_at`; leaving it clears it.
    async fn update_orchestration(
        &self,
        id: i64,
        version: i64,
        orchestration: &OrchestrationFields,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<Orchestration>;

    async fn orchestration(&self, id: i64) -> StoreResult<Orchestration>;

    async fn orchestration_by_slug(&self, slug: &str) -> StoreResult<Orchestration>;

    /// Every orchestration, by name.
    async fn orchestrations(&self) -> StoreResult<Vec<Orchestration>>;

    /// Removes an orchestration; its automations stay, loose.
    async fn delete_orchestration(&self, id: i64, audit: &NewAudit) -> StoreResult<()>;

    async fn orchestration_exists(&self, id: i64) -> StoreResult<bool>;

    /// Adds an automation to the inventory. One already listed with the
    /// same tool and external id is a `Conflict`.
    async fn create_automation(
        &self,
        automation: &AutomationFields,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<Automation>;

    /// Replaces an automation's fields if it is still at `version`; else a
    /// `Conflict`, never an overwrite.
    async fn update_automation(
        &self,
        id: i64,
        version: i64,
        automation: &AutomationFields,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<Automation>;

    async fn automation(&self, id: i64) -> StoreResult<Automation>;

    /// The automations matching `filter`, by name, a page at a time.
    async fn automations(
        &self,
        filter: &InventoryFilter,
        limit: u32,
        offset: u32,
    ) -> StoreResult<Vec<Automation>>;

    /// How many automations match `filter` (its sort aside).
    async fn count_automations(&self, filter: &InventoryFilter) -> StoreResult<u64>;

    /// The database's plan for a page of `filter`'s listing, one line a
    /// step: to check that it reads through indexes.
    async fn automations_query_plan(&self, filter: &InventoryFilter) -> StoreResult<Vec<String>>;

    async fn delete_automation(&self, id: i64, audit: &NewAudit) -> StoreResult<()>;

    /// The automation's current ping key (every automation has one).
    async fn ping_key(&self, automation: i64) -> StoreResult<Option<String>>;

    /// The current ping keys of an orchestration's automations, by
    /// automation: one query for a page that shows them all.
    async fn orchestration_ping_keys(&self, orchestration: i64) -> StoreResult<Vec<(i64, String)>>;

    /// The automation a ping key opens at `now`: the current key, or a
    /// rotated one until its overlap ends.
    async fn automation_by_ping_key(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<i64>>;

    /// Gives an automation a new ping key, keeping the old one valid until
    /// `old_until`; the new key. `NotFound` for no such automation.
    async fn rotate_ping_key(
        &self,
        automation: i64,
        now: DateTime<Utc>,
        old_until: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<String>;

    /// Writes an import's automations in one transaction: all or none. A
    /// changed one whose version moved since it was compared, or a new one
    /// someone else listed meanwhile, is a `Conflict` and nothing is
    /// written. `progress` hears how many are written so far.
    async fn write_automations(
        &self,
        writes: &[AutomationWrite],
        now: DateTime<Utc>,
        progress: &(dyn Fn(usize) + Send + Sync),
        audit: &NewAudit,
    ) -> StoreResult<()>;

    /// Adds the edge "upstream feeds downstream", unless it is there
    /// already or would close a cycle: then nothing is written and the
    /// refusal says why. The check and the write happen under one lock on
    /// the graph, so two concurrent additions cannot close a cycle between
    /// them. An end that does not exist is a `Conflict`.
    async fn add_dependency(
        &self,
        draft: &DependencyDraft,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<Result<Dependency, EdgeRefusal>>;

    async fn dependency(&self, id: i64) -> StoreResult<Dependency>;

    /// Every edge with the names of its ends, oldest first.
    async fn dependencies(&self) -> StoreResult<Vec<Dependency>>;

    async fn delete_dependency(&self, id: i64, audit: &NewAudit) -> StoreResult<()>;

    /// Adds or changes everything in the plan in one transaction, matched
    /// on natural keys (slugs, emails, tool + external id); an existing
    /// edge is kept. A reference to nothing, or an edge closing a cycle,
    /// writes nothing and comes back as the message saying so.
    async fn import_catalog(
        &self,
        plan: &CatalogPlan,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<Result<app::model::transfer::CatalogImportCounts, String>>;

    /// Announces a committed change to every subscriber of this store and,
    /// on PostgreSQL, of every other instance sharing the database.
    async fn publish(&self, change: &Change) -> StoreResult<()>;

    /// Hears every change published from now on, by this instance or,
    /// on PostgreSQL, by another one.
    fn subscribe(&self) -> broadcast::Receiver<Change>;
}

/// Opens the database the URL names, creating a SQLite file (and its folder)
/// when missing. Does not migrate: call [`Store::migrate`].
pub async fn connect(url: &DatabaseUrl) -> StoreResult<SharedStore> {
    Ok(match url {
        DatabaseUrl::Sqlite(path) => Arc::new(sqlite::SqliteStore::open(path).await?),
        DatabaseUrl::Postgres(url) => Arc::new(postgres::PgStore::connect(url.expose()).await?),
    })
}

/// Publishes a change that has been committed; a failure is logged, not
/// returned: the change itself stands, only its announcement was lost, and
/// listeners also look on their own (the processor every second, screens
/// on reconnecting).
pub async fn announce(store: &dyn Store, change: Change) {
    if let Err(err) = store.publish(&change).await {
        tracing::warn!(%err, ?change, "cannot announce a change");
    }
}

/// Gives up a lease on stopping, so another instance takes the job over at
/// once; a failure is logged (the lease then runs out as it would after a
/// crash).
pub async fn release(store: &dyn Store, lease: &str, holder: &str) {
    match store.release_lease(lease, holder).await {
        Ok(()) => tracing::debug!(lease, holder, "lease released"),
        Err(err) => tracing::warn!(%err, lease, "cannot release a lease on stopping"),
    }
}

/// A new ping key: 128 random bits, as 32 hex digits (like a Healthchecks
/// check's UUID without its dashes).
pub fn new_ping_key() -> String {
    rand::random::<[u8; 16]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Capacity of the in-process change channel: a subscriber that falls this
/// far behind is told it lagged and should reload.
pub(crate) const CHANGE_CHANNEL_CAPACITY: usize = 1024;

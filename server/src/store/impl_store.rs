//! The part of the [`Store`](super::Store) implementation both backends
//! share, written once: each backend gives its own `backend`, `migrate`,
//! `ping`, `publish` and `subscribe`, a `pool` field, `begin_write` and
//! `begin_graph_write` methods and a `queries` module made by the shared
//! query macros.

macro_rules! impl_store {
    ($store:ty, { $($own:tt)* }) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            $($own)*

            async fn try_acquire_lease(
                &self,
                name: &str,
                holder: &str,
                now: chrono::DateTime<chrono::Utc>,
                ttl: chrono::TimeDelta,
            ) -> $crate::store::StoreResult<bool> {
                queries::try_acquire_lease(&self.pool, name, holder, now, ttl).await
            }

            async fn release_lease(&self, name: &str, holder: &str) -> $crate::store::StoreResult<()> {
                queries::release_lease(&self.pool, name, holder).await
            }

            async fn record_deliveries(
                &self,
                batch: &[$crate::store::NewDelivery],
            ) -> $crate::store::StoreResult<Vec<$crate::store::RecordedDelivery>> {
                let mut tx = self.begin_write().await?;
                let receipts = queries::insert_deliveries(&mut tx, batch).await?;
                tx.commit().await?;
                Ok(receipts)
            }

            async fn delivery(&self, id: i64) -> $crate::store::StoreResult<$crate::store::Delivery> {
                queries::delivery(&self.pool, id).await
            }

            async fn recent_deliveries(
                &self,
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<$crate::store::Delivery>> {
                queries::recent_deliveries(&self.pool, limit).await
            }

            async fn pending_deliveries(
                &self,
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<$crate::store::Delivery>> {
                queries::pending_deliveries(&self.pool, limit).await
            }

            async fn count_pending_deliveries(&self) -> $crate::store::StoreResult<u64> {
                queries::count_pending(&self.pool).await
            }

            async fn apply_effects(
                &self,
                effects: &[(i64, $crate::store::Effect)],
                log_limit: usize,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                queries::apply_effects(&mut tx, effects, log_limit, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn deliveries(
                &self,
                filter: &app::model::ingestion::DeliveryFilter,
                limit: u32,
                offset: u32,
            ) -> $crate::store::StoreResult<Vec<app::model::ingestion::DeliverySummary>> {
                queries::deliveries(&self.pool, filter, limit, offset).await
            }

            async fn count_deliveries(
                &self,
                filter: &app::model::ingestion::DeliveryFilter,
            ) -> $crate::store::StoreResult<u64> {
                queries::count_deliveries(&self.pool, filter).await
            }

            async fn replay_delivery(
                &self,
                id: i64,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                if !queries::replay_delivery(&mut tx, id).await? {
                    return Ok(false);
                }
                queries::insert_audit(&mut tx, audit, Some(id)).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn forget_deliveries(
                &self,
                before: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<u64> {
                queries::forget_deliveries(&self.pool, before).await
            }

            async fn run_log(&self, run: i64) -> $crate::store::StoreResult<Option<String>> {
                queries::run_log(&self.pool, run).await
            }

            async fn runs(
                &self,
                automation: i64,
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<app::model::ingestion::Run>> {
                queries::runs(&self.pool, automation, limit).await
            }

            async fn run_history(
                &self,
                orchestration: i64,
                filter: &app::model::ingestion::RunFilter,
                page: u32,
                per_page: u32,
            ) -> $crate::store::StoreResult<app::model::ingestion::RunHistory> {
                queries::run_history(&self.pool, orchestration, filter, page, per_page).await
            }

            async fn create_source(
                &self,
                new: &$crate::store::NewSource,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let id = queries::insert_source(
                    &mut tx,
                    &new.slug,
                    &new.name,
                    new.team_id,
                    new.tool,
                    &new.key,
                    new.secret.as_deref(),
                    now,
                )
                .await?;
                queries::insert_audit(&mut tx, audit, Some(id)).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn sources(&self) -> $crate::store::StoreResult<Vec<$crate::store::SourceRow>> {
                queries::sources(&self.pool).await
            }

            async fn rotate_source_secret(
                &self,
                source: i64,
                secret: &str,
                now: chrono::DateTime<chrono::Utc>,
                old_until: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                queries::rotate_source_secret(&mut tx, source, secret, now, old_until).await?;
                queries::insert_audit(&mut tx, audit, Some(source)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn run_by_key(
                &self,
                source: i64,
                run_key: &str,
            ) -> $crate::store::StoreResult<Option<app::model::ingestion::Run>> {
                queries::run_by_key(&self.pool, source, run_key).await
            }

            async fn jobs(
                &self,
                source: i64,
                run_key: &str,
            ) -> $crate::store::StoreResult<Vec<app::model::ingestion::Job>> {
                queries::jobs(&self.pool, source, run_key).await
            }

            async fn schedule(
                &self,
                automation: i64,
            ) -> $crate::store::StoreResult<
                Option<(app::model::schedule::Schedule, chrono::DateTime<chrono::Utc>)>,
            > {
                queries::schedule(&self.pool, automation).await
            }

            async fn set_schedule(
                &self,
                automation: i64,
                schedule: Option<&app::model::schedule::Schedule>,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                queries::set_schedule(&mut tx, automation, schedule, now).await?;
                queries::insert_audit(&mut tx, audit, Some(automation)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn review_cadences(
                &self,
            ) -> $crate::store::StoreResult<Vec<(i64, app::model::reviews::Cadence)>> {
                queries::review_cadences(&self.pool).await
            }

            async fn set_review_cadence(
                &self,
                orchestration: i64,
                cadence: app::model::reviews::Cadence,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                queries::set_review_cadence(&mut tx, orchestration, cadence, now).await?;
                queries::insert_audit(&mut tx, audit, None).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn review_cadence(
                &self,
                orchestration: i64,
            ) -> $crate::store::StoreResult<Option<app::model::reviews::Cadence>> {
                queries::review_cadence(&self.pool, orchestration).await
            }

            async fn last_reviews(
                &self,
            ) -> $crate::store::StoreResult<Vec<(i64, app::model::reviews::LastReview)>> {
                queries::last_reviews(&self.pool).await
            }

            async fn draft_reviews(&self) -> $crate::store::StoreResult<Vec<(i64, i64)>> {
                queries::draft_reviews(&self.pool).await
            }

            async fn last_review(
                &self,
                orchestration: i64,
            ) -> $crate::store::StoreResult<Option<app::model::reviews::LastReview>> {
                queries::last_review(&self.pool, orchestration).await
            }

            async fn reviews(
                &self,
                orchestration: i64,
            ) -> $crate::store::StoreResult<Vec<app::model::reviews::Review>> {
                queries::reviews_of(&self.pool, orchestration).await
            }

            async fn review(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<app::model::reviews::Review> {
                queries::review(&self.pool, id).await
            }

            async fn signed_reviews(
                &self,
                from: chrono::NaiveDate,
                to: chrono::NaiveDate,
            ) -> $crate::store::StoreResult<Vec<app::model::reviews::Review>> {
                queries::signed_reviews(&self.pool, from, to).await
            }

            async fn start_review(
                &self,
                orchestration: i64,
                by_id: Option<i64>,
                by: &str,
                at: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let id = queries::insert_review(&mut tx, orchestration, by_id, by, at).await?;
                queries::insert_audit(&mut tx, audit, None).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn write_review(
                &self,
                id: i64,
                version: i64,
                write: &$crate::store::ReviewWrite,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let version = queries::update_review(&mut tx, id, version, write).await?;
                queries::insert_audit(&mut tx, audit, None).await?;
                tx.commit().await?;
                Ok(version)
            }

            async fn discard_review(
                &self,
                id: i64,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                queries::delete_draft(&mut tx, id).await?;
                queries::insert_audit(&mut tx, audit, None).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn action_items(
                &self,
                orchestration: Option<i64>,
                open_only: bool,
            ) -> $crate::store::StoreResult<Vec<app::model::reviews::ActionItem>> {
                queries::action_items(&self.pool, orchestration, open_only).await
            }

            async fn action_item(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<app::model::reviews::ActionItem> {
                queries::action_item(&self.pool, id).await
            }

            async fn add_action_item(
                &self,
                item: &$crate::store::NewActionItem,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let id = queries::insert_action(&mut tx, item).await?;
                queries::insert_audit(&mut tx, audit, None).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn set_action_done(
                &self,
                id: i64,
                done: Option<(chrono::DateTime<chrono::Utc>, &str)>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                queries::set_action_done(&mut tx, id, done).await?;
                queries::insert_audit(&mut tx, audit, None).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn queue_review_notices(
                &self,
                orchestration: i64,
                due_on: chrono::NaiveDate,
                channels: &[(i64, String)],
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                if !queries::queue_notices(&mut tx, orchestration, due_on, channels, now).await? {
                    return Ok(false);
                }
                queries::insert_audit(&mut tx, audit, None).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn due_review_notices(
                &self,
                now: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> $crate::store::StoreResult<
                Vec<(
                    app::model::reviews::ReviewNotice,
                    Option<app::model::incidents::Channel>,
                )>,
            > {
                queries::due_review_notices(&self.pool, now, limit).await
            }

            async fn review_notice_tried(
                &self,
                id: i64,
                outcome: &$crate::store::AlertTry,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                queries::review_notice_tried(&mut tx, id, outcome).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn review_notices(
                &self,
                orchestration: i64,
            ) -> $crate::store::StoreResult<Vec<app::model::reviews::ReviewNotice>> {
                queries::review_notices(&self.pool, orchestration).await
            }

            async fn runbook(
                &self,
                orchestration: i64,
            ) -> $crate::store::StoreResult<(
                Option<app::model::runbooks::Revision>,
                Option<app::model::runbooks::Verification>,
            )> {
                Ok((
                    queries::runbook_current(&self.pool, orchestration).await?,
                    queries::runbook_verification(&self.pool, orchestration).await?,
                ))
            }

            async fn runbook_revisions(
                &self,
                orchestration: i64,
            ) -> $crate::store::StoreResult<Vec<app::model::runbooks::RevisionMeta>> {
                queries::runbook_revisions(&self.pool, orchestration).await
            }

            async fn runbook_revision(
                &self,
                orchestration: i64,
                number: i64,
            ) -> $crate::store::StoreResult<app::model::runbooks::Revision> {
                queries::runbook_revision(&self.pool, orchestration, number).await
            }

            async fn save_runbook(
                &self,
                orchestration: i64,
                base: i64,
                revision: &$crate::store::NewRevision,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<i64> {
                let find = match self.backend() {
                    $crate::store::Backend::Postgres => $crate::store::runbook_sql::ORCHESTRATION_LOCKED,
                    $crate::store::Backend::Sqlite => $crate::store::runbook_sql::ORCHESTRATION_EXISTS,
                };
                let mut tx = self.begin_write().await?;
                let number =
                    queries::insert_runbook_revision(&mut tx, orchestration, base, revision, find)
                        .await?;
                queries::insert_audit(&mut tx, audit, None).await?;
                tx.commit().await?;
                Ok(number)
            }

            async fn verify_runbook(
                &self,
                orchestration: i64,
                verification: &app::model::runbooks::Verification,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                queries::upsert_verification(&mut tx, orchestration, verification).await?;
                queries::insert_audit(&mut tx, audit, None).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn runbook_marks(
                &self,
            ) -> $crate::store::StoreResult<Vec<$crate::store::RunbookMark>> {
                queries::runbook_marks(&self.pool).await
            }

            async fn watched(&self) -> $crate::store::StoreResult<Vec<$crate::store::Watched>> {
                queries::watched(&self.pool).await
            }

            async fn record_missed(
                &self,
                missed: &[(i64, chrono::DateTime<chrono::Utc>, String)],
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<u64> {
                if missed.is_empty() {
                    return Ok(0);
                }
                let mut tx = self.begin_write().await?;
                let added = queries::record_missed(&mut tx, missed, now).await?;
                tx.commit().await?;
                Ok(added)
            }

            async fn flag_runs(
                &self,
                limits: &[(i64, Option<i64>, Option<i64>)],
                since: chrono::DateTime<chrono::Utc>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<u64> {
                if limits.is_empty() {
                    return Ok(0);
                }
                let mut tx = self.begin_write().await?;
                let flagged = queries::flag_runs(&mut tx, limits, since, now).await?;
                tx.commit().await?;
                Ok(flagged)
            }

            async fn trouble_runs(
                &self,
                since: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::TroubleRun>> {
                queries::trouble_runs(&self.pool, since, limit).await
            }

            async fn mark_runs_seen(&self, runs: &[i64]) -> $crate::store::StoreResult<()> {
                if runs.is_empty() {
                    return Ok(());
                }
                let mut tx = self.begin_write().await?;
                for run in runs {
                    queries::seen_run(&mut tx, *run, None).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn open_incidents(
                &self,
            ) -> $crate::store::StoreResult<Vec<app::model::incidents::Incident>> {
                queries::open_incidents(&self.pool).await
            }

            async fn incidents_since(
                &self,
                since: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<Vec<app::model::incidents::Incident>> {
                queries::incidents_since(&self.pool, since).await
            }

            async fn incident(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<app::model::incidents::Incident> {
                queries::incident(&self.pool, id).await
            }

            async fn incidents(
                &self,
                filter: &$crate::store::IncidentFilter,
                limit: u32,
                offset: u32,
            ) -> $crate::store::StoreResult<(Vec<app::model::incidents::Incident>, u64)> {
                queries::incidents(&self.pool, filter, limit, offset).await
            }

            async fn incident_events(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<Vec<app::model::incidents::IncidentEvent>> {
                queries::incident_events(&self.pool, id).await
            }

            async fn incident_alerts(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<Vec<app::model::incidents::Alert>> {
                queries::incident_alerts(&self.pool, id).await
            }

            async fn incident_runs(
                &self,
                id: i64,
                limit: u32,
            ) -> $crate::store::StoreResult<Vec<app::model::ingestion::HistoryRun>> {
                queries::incident_runs(&self.pool, id, limit).await
            }

            async fn write_incident(
                &self,
                write: &$crate::store::IncidentWrite,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let id = queries::write_incident(&mut tx, write, now).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn due_alerts(
                &self,
                now: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::DueAlert>> {
                queries::due_alerts(&self.pool, now, limit).await
            }

            async fn alert_tried(
                &self,
                id: i64,
                outcome: &$crate::store::AlertTry,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                queries::alert_tried(&mut tx, id, outcome).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn failed_alerts(
                &self,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<app::model::incidents::Alert>> {
                queries::failed_alerts(&self.pool, limit).await
            }

            async fn channels(
                &self,
            ) -> $crate::store::StoreResult<Vec<app::model::incidents::Channel>> {
                queries::channels(&self.pool).await
            }

            async fn channel(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<app::model::incidents::Channel> {
                queries::channel(&self.pool, id).await
            }

            async fn add_channel(
                &self,
                channel: &$crate::store::NewChannel,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let id = queries::insert_channel(&mut tx, channel).await?;
                queries::insert_audit(&mut tx, audit, Some(id)).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn delete_channel(
                &self,
                id: i64,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                queries::delete_channel(&mut tx, id).await?;
                queries::insert_audit(&mut tx, audit, None).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn rollups(
                &self,
                scope: $crate::store::RollupScope<'_>,
                since: chrono::NaiveDate,
                parts: $crate::store::RollupParts,
            ) -> $crate::store::StoreResult<$crate::store::Rollups> {
                queries::rollups(&self.pool, scope, since, parts).await
            }

            async fn pauses(
                &self,
                scope: $crate::store::RollupScope<'_>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<Vec<app::model::health::Pause>> {
                queries::pauses(&self.pool, scope, now).await
            }

            async fn pause(&self, id: i64) -> $crate::store::StoreResult<app::model::health::Pause> {
                queries::pause(&self.pool, id).await
            }

            async fn add_pause(
                &self,
                pause: &app::model::health::Pause,
                by: Option<i64>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let id = queries::insert_pause(&mut tx, pause, by).await?;
                queries::insert_audit(&mut tx, audit, None).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn end_pause(
                &self,
                id: i64,
                at: Option<chrono::DateTime<chrono::Utc>>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                queries::end_pause(&mut tx, id, at).await?;
                queries::insert_audit(&mut tx, audit, None).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_old_runs(
                &self,
                before: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> $crate::store::StoreResult<u64> {
                // Usually nothing is that old: a read says so without
                // holding up writers while it looks through every automation.
                if !queries::any_old_runs(&self.pool, before).await? {
                    return Ok(0);
                }
                let mut tx = self.begin_write().await?;
                let gone = queries::delete_old_runs(&mut tx, before, limit).await?;
                tx.commit().await?;
                Ok(gone)
            }

            async fn job_round_done(
                &self,
                name: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                queries::job_round_done(&self.pool, name, now).await
            }

            async fn change_mark(&self) -> $crate::store::StoreResult<(i64, i64)> {
                queries::change_mark(&self.pool).await
            }

            async fn job_rounds(
                &self,
            ) -> $crate::store::StoreResult<Vec<(String, chrono::DateTime<chrono::Utc>)>> {
                queries::job_rounds(&self.pool).await
            }

            async fn count_rejected_hook(
                &self,
                source: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                queries::count_rejected(&self.pool, source, now).await
            }

            async fn source_by_key(
                &self,
                key: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<Option<$crate::store::SourceMatch>> {
                queries::source_by_key(&self.pool, key, now).await
            }

            async fn rotate_source_key(
                &self,
                source: i64,
                key: &str,
                now: chrono::DateTime<chrono::Utc>,
                old_until: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                queries::rotate_source_key(&mut tx, source, key, now, old_until).await?;
                queries::insert_audit(&mut tx, audit, Some(source)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn automation_by_slug(
                &self,
                source: i64,
                slug: &str,
            ) -> $crate::store::StoreResult<Option<i64>> {
                queries::automation_by_slug(&self.pool, source, slug).await
            }

            async fn slug_of(
                &self,
                automation: i64,
            ) -> $crate::store::StoreResult<Option<(i64, String)>> {
                queries::slug_of(&self.pool, automation).await
            }

            async fn set_slug(
                &self,
                automation: i64,
                slug: Option<(i64, &str)>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                queries::set_slug(&mut tx, automation, slug).await?;
                queries::insert_audit(&mut tx, audit, Some(automation)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn record_for_slug(
                &self,
                source: i64,
                slug: &str,
                fields: &app::model::inventory::AutomationFields,
                delivery: &$crate::store::NewDelivery,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<(i64, bool, $crate::store::RecordedDelivery)> {
                let mut tx = self.begin_write().await?;
                let (id, created) =
                    queries::find_or_create_by_slug(&mut tx, source, slug, fields, delivery.received_at)
                        .await?;
                if created {
                    queries::insert_audit(&mut tx, audit, Some(id)).await?;
                }
                let delivery = $crate::store::NewDelivery {
                    automation_id: Some(id),
                    ..delivery.clone()
                };
                let mut receipts =
                    queries::insert_deliveries(&mut tx, std::slice::from_ref(&delivery)).await?;
                tx.commit().await?;
                let receipt = receipts.pop().ok_or_else(|| {
                    $crate::store::StoreError::Other(anyhow::anyhow!("no receipt for a delivery"))
                })?;
                Ok((id, created, receipt))
            }

            async fn claim_queue(
                &self,
            ) -> $crate::store::StoreResult<Vec<app::model::ingestion::ClaimItem>> {
                queries::claim_queue(&self.pool).await
            }

            async fn claim_automation(
                &self,
                id: i64,
                owner: i64,
                orchestration: Option<i64>,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                if !queries::claim_automation(&mut tx, id, owner, orchestration, now).await? {
                    return Ok(false);
                }
                queries::insert_audit(&mut tx, audit, Some(id)).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn insert_team(
                &self,
                slug: &str,
                name: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<i64> {
                queries::insert_team(&self.pool, slug, name, now).await
            }

            async fn insert_user(
                &self,
                email: &str,
                display_name: &str,
                role: app::model::accounts::Role,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<i64> {
                queries::insert_user(&self.pool, email, display_name, role.as_str(), now).await
            }

            async fn create_account(
                &self,
                email: &str,
                display_name: &str,
                role: app::model::accounts::Role,
                password_hash: &str,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let id = queries::create_account(
                    &mut tx,
                    email,
                    display_name,
                    role.as_str(),
                    password_hash,
                    now,
                )
                .await?;
                queries::insert_audit(&mut tx, audit, Some(id)).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn credentials(
                &self,
                email: &str,
            ) -> $crate::store::StoreResult<Option<$crate::store::Credentials>> {
                queries::credentials(&self.pool, email).await
            }

            async fn count_users(&self) -> $crate::store::StoreResult<u64> {
                queries::count_users(&self.pool).await
            }

            async fn insert_session(
                &self,
                session: &$crate::store::StoredSession,
            ) -> $crate::store::StoreResult<bool> {
                queries::insert_session(&self.pool, session).await
            }

            async fn save_session(
                &self,
                session: &$crate::store::StoredSession,
            ) -> $crate::store::StoreResult<()> {
                queries::save_session(&self.pool, session).await
            }

            async fn load_session(
                &self,
                id: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<Option<String>> {
                queries::load_session(&self.pool, id, now).await
            }

            async fn person(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<Option<$crate::store::Person>> {
                queries::person(&self.pool, id).await
            }

            async fn create_first_admin(
                &self,
                email: &str,
                display_name: &str,
                password_hash: &str,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<Option<i64>> {
                let mut tx = self.begin_write().await?;
                let created =
                    queries::insert_first_admin(&mut tx, email, display_name, password_hash, now)
                        .await?;
                if let Some(id) = created {
                    let mut entry = audit.clone();
                    entry.actor_id = Some(id);
                    queries::insert_audit(&mut tx, &entry, Some(id)).await?;
                    tx.commit().await?;
                }
                Ok(created)
            }

            async fn record_sign_in_failure(
                &self,
                email: &str,
                client: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                queries::record_sign_in_failure(&self.pool, email, client, at).await
            }

            async fn sign_in_failures(
                &self,
                email: &str,
                client: &str,
                since: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<(u64, u64)> {
                queries::sign_in_failures(&self.pool, email, client, since).await
            }

            async fn forget_sign_in_failures(
                &self,
                email: &str,
                client: &str,
            ) -> $crate::store::StoreResult<()> {
                queries::forget_sign_in_failures(&self.pool, email, client).await
            }

            async fn forget_old_failures(
                &self,
                before: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<u64> {
                queries::forget_old_failures(&self.pool, before).await
            }

            async fn create_api_token(
                &self,
                token: &$crate::store::TokenDraft<'_>,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let id = queries::create_api_token(&mut tx, token, now).await?;
                queries::insert_audit(&mut tx, audit, Some(id)).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn api_tokens(
                &self,
                user_id: Option<i64>,
            ) -> $crate::store::StoreResult<Vec<app::model::accounts::ApiToken>> {
                queries::api_tokens(&self.pool, user_id).await
            }

            async fn api_token(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<app::model::accounts::ApiToken> {
                queries::api_token(&self.pool, id).await
            }

            async fn api_token_by_hash(
                &self,
                hash: &str,
            ) -> $crate::store::StoreResult<Option<$crate::store::TokenLookup>> {
                queries::api_token_by_hash(&self.pool, hash).await
            }

            async fn touch_api_token(
                &self,
                id: i64,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                queries::touch_api_token(&self.pool, id, now).await
            }

            async fn revoke_api_token(
                &self,
                id: i64,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let revoked = queries::revoke_api_token(&mut tx, id, now).await?;
                if revoked {
                    queries::insert_audit(&mut tx, audit, Some(id)).await?;
                    tx.commit().await?;
                }
                Ok(revoked)
            }

            async fn record_audit(
                &self,
                entry: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                queries::insert_audit(&mut tx, entry, None).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn audit_log(
                &self,
                filter: &app::model::audit::AuditFilter,
                limit: u32,
                offset: u32,
            ) -> $crate::store::StoreResult<Vec<app::model::audit::AuditEntry>> {
                queries::audit_log(&self.pool, filter, limit, offset).await
            }

            async fn count_audit(
                &self,
                filter: &app::model::audit::AuditFilter,
            ) -> $crate::store::StoreResult<u64> {
                queries::count_audit(&self.pool, filter).await
            }

            async fn set_role(
                &self,
                id: i64,
                role: app::model::accounts::Role,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let changed = queries::set_role(&mut tx, id, role.as_str()).await?;
                if changed {
                    queries::insert_audit(&mut tx, audit, Some(id)).await?;
                    tx.commit().await?;
                }
                Ok(changed)
            }

            async fn deactivate_user(
                &self,
                id: i64,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<Option<$crate::store::Released>> {
                let mut tx = self.begin_write().await?;
                let released = queries::deactivate(&mut tx, id, now).await?;
                if let Some(released) = released {
                    let mut entry = audit.clone();
                    entry.after = serde_json::to_value(released).ok();
                    queries::insert_audit(&mut tx, &entry, Some(id)).await?;
                    tx.commit().await?;
                }
                Ok(released)
            }

            async fn reactivate_user(
                &self,
                id: i64,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let changed = queries::reactivate(&mut tx, id).await?;
                if changed {
                    queries::insert_audit(&mut tx, audit, Some(id)).await?;
                    tx.commit().await?;
                }
                Ok(changed)
            }

            async fn count_active_admins(&self) -> $crate::store::StoreResult<u64> {
                queries::count_active_admins(&self.pool).await
            }

            async fn create_team(
                &self,
                slug: &str,
                name: &str,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<i64> {
                let mut tx = self.begin_write().await?;
                let id = queries::create_team(&mut tx, slug, name, now).await?;
                queries::insert_audit(&mut tx, audit, Some(id)).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn set_team_membership(
                &self,
                team: i64,
                user: i64,
                member: bool,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let changed = queries::set_membership(&mut tx, team, user, member).await?;
                if changed {
                    queries::insert_audit(&mut tx, audit, None).await?;
                    tx.commit().await?;
                }
                Ok(changed)
            }

            async fn team_members(&self) -> $crate::store::StoreResult<Vec<(i64, i64)>> {
                queries::team_members(&self.pool).await
            }

            async fn ping_key(&self, automation: i64) -> $crate::store::StoreResult<Option<String>> {
                queries::ping_key(&self.pool, automation).await
            }

            async fn orchestration_ping_keys(
                &self,
                orchestration: i64,
            ) -> $crate::store::StoreResult<Vec<(i64, String)>> {
                queries::orchestration_ping_keys(&self.pool, orchestration).await
            }

            async fn automation_by_ping_key(
                &self,
                key: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<Option<i64>> {
                queries::automation_by_ping_key(&self.pool, key, now).await
            }

            async fn rotate_ping_key(
                &self,
                automation: i64,
                now: chrono::DateTime<chrono::Utc>,
                old_until: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<String> {
                let mut tx = self.begin_write().await?;
                let key = queries::rotate_ping_key(&mut tx, automation, now, old_until).await?;
                queries::insert_audit(&mut tx, audit, Some(automation)).await?;
                tx.commit().await?;
                Ok(key)
            }

            async fn delete_session(&self, id: &str) -> $crate::store::StoreResult<()> {
                queries::delete_session(&self.pool, id).await
            }

            async fn delete_user_sessions(&self, user_id: i64) -> $crate::store::StoreResult<u64> {
                queries::delete_user_sessions(&self.pool, user_id).await
            }

            async fn delete_expired_sessions(
                &self,
                now: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<u64> {
                queries::delete_expired_sessions(&self.pool, now).await
            }

            async fn user_is_active(&self, id: i64) -> $crate::store::StoreResult<bool> {
                queries::user_is_active(&self.pool, id).await
            }

            async fn team_exists(&self, id: i64) -> $crate::store::StoreResult<bool> {
                queries::team_exists(&self.pool, id).await
            }

            async fn user_names(&self) -> $crate::store::StoreResult<Vec<(i64, String)>> {
                queries::user_names(&self.pool).await
            }

            async fn create_orchestration(
                &self,
                orchestration: &app::model::catalog::OrchestrationFields,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<app::model::catalog::Orchestration> {
                let mut tx = self.begin_write().await?;
                let id = queries::insert_orchestration(&mut tx, orchestration, now).await?;
                queries::insert_audit(&mut tx, audit, Some(id)).await?;
                tx.commit().await?;
                queries::orchestration(&self.pool, id).await
            }

            async fn update_orchestration(
                &self,
                id: i64,
                version: i64,
                orchestration: &app::model::catalog::OrchestrationFields,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<app::model::catalog::Orchestration> {
                let mut tx = self.begin_write().await?;
                queries::update_orchestration(&mut tx, id, version, orchestration, now).await?;
                queries::insert_audit(&mut tx, audit, Some(id)).await?;
                tx.commit().await?;
                queries::orchestration(&self.pool, id).await
            }

            async fn orchestration(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<app::model::catalog::Orchestration> {
                queries::orchestration(&self.pool, id).await
            }

            async fn orchestration_by_slug(
                &self,
                slug: &str,
            ) -> $crate::store::StoreResult<app::model::catalog::Orchestration> {
                queries::orchestration_by_slug(&self.pool, slug).await
            }

            async fn orchestrations(
                &self,
            ) -> $crate::store::StoreResult<Vec<app::model::catalog::Orchestration>> {
                queries::orchestrations(&self.pool).await
            }

            async fn delete_orchestration(
                &self,
                id: i64,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                queries::delete_orchestration(&mut tx, id).await?;
                queries::insert_audit(&mut tx, audit, Some(id)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn orchestration_exists(&self, id: i64) -> $crate::store::StoreResult<bool> {
                queries::orchestration_exists(&self.pool, id).await
            }

            async fn create_automation(
                &self,
                automation: &app::model::inventory::AutomationFields,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<app::model::inventory::Automation> {
                let mut tx = self.begin_write().await?;
                let id = queries::insert_automation(&mut tx, automation, now).await?;
                queries::insert_audit(&mut tx, audit, Some(id)).await?;
                tx.commit().await?;
                queries::automation(&self.pool, id).await
            }

            async fn update_automation(
                &self,
                id: i64,
                version: i64,
                automation: &app::model::inventory::AutomationFields,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<app::model::inventory::Automation> {
                let mut tx = self.begin_write().await?;
                queries::update_automation(&mut tx, id, version, automation, now).await?;
                queries::insert_audit(&mut tx, audit, Some(id)).await?;
                tx.commit().await?;
                queries::automation(&self.pool, id).await
            }

            async fn automation(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<app::model::inventory::Automation> {
                queries::automation(&self.pool, id).await
            }

            async fn automations(
                &self,
                filter: &app::model::inventory::InventoryFilter,
                limit: u32,
                offset: u32,
            ) -> $crate::store::StoreResult<Vec<app::model::inventory::Automation>> {
                queries::automations(&self.pool, filter, limit, offset).await
            }

            async fn count_automations(
                &self,
                filter: &app::model::inventory::InventoryFilter,
            ) -> $crate::store::StoreResult<u64> {
                queries::count_automations(&self.pool, filter).await
            }

            async fn automations_query_plan(
                &self,
                filter: &app::model::inventory::InventoryFilter,
            ) -> $crate::store::StoreResult<Vec<String>> {
                let explain = match self.backend() {
                    $crate::store::Backend::Sqlite => "EXPLAIN QUERY PLAN ",
                    $crate::store::Backend::Postgres => "EXPLAIN ",
                };
                queries::explain_automations(&self.pool, filter, explain).await
            }

            async fn delete_automation(
                &self,
                id: i64,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                queries::delete_automation(&mut tx, id).await?;
                queries::insert_audit(&mut tx, audit, Some(id)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn add_dependency(
                &self,
                draft: &app::model::dependencies::DependencyDraft,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<
                Result<app::model::dependencies::Dependency, $crate::store::EdgeRefusal>,
            > {
                let mut tx = self.begin_graph_write().await?;
                let id = match queries::insert_dependency(&mut tx, draft, now).await? {
                    Ok(id) => id,
                    Err(refusal) => return Ok(Err(refusal)),
                };
                queries::insert_audit(&mut tx, audit, Some(id)).await?;
                tx.commit().await?;
                Ok(Ok(queries::dependency(&self.pool, id).await?))
            }

            async fn dependency(
                &self,
                id: i64,
            ) -> $crate::store::StoreResult<app::model::dependencies::Dependency> {
                queries::dependency(&self.pool, id).await
            }

            async fn dependencies(
                &self,
            ) -> $crate::store::StoreResult<Vec<app::model::dependencies::Dependency>> {
                queries::dependencies(&self.pool).await
            }

            async fn delete_dependency(
                &self,
                id: i64,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                queries::delete_dependency(&mut tx, id).await?;
                queries::insert_audit(&mut tx, audit, Some(id)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn people(&self) -> $crate::store::StoreResult<Vec<$crate::store::Person>> {
                queries::people(&self.pool).await
            }

            async fn teams(&self) -> $crate::store::StoreResult<Vec<$crate::store::Team>> {
                queries::teams(&self.pool).await
            }

            async fn write_automations(
                &self,
                writes: &[$crate::store::AutomationWrite],
                now: chrono::DateTime<chrono::Utc>,
                progress: &(dyn Fn(usize) + Send + Sync),
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                for (done, write) in writes.iter().enumerate() {
                    match write.current {
                        None => {
                            queries::insert_automation(&mut tx, &write.fields, now).await?;
                        }
                        Some((id, version)) => {
                            queries::update_automation(&mut tx, id, version, &write.fields, now).await?;
                        }
                    }
                    if done % 500 == 499 {
                        progress(done + 1);
                    }
                }
                queries::insert_audit(&mut tx, audit, None).await?;
                tx.commit().await?;
                progress(writes.len());
                Ok(())
            }

            async fn import_catalog(
                &self,
                plan: &$crate::store::CatalogPlan,
                now: chrono::DateTime<chrono::Utc>,
                audit: &$crate::store::NewAudit,
            ) -> $crate::store::StoreResult<Result<app::model::transfer::CatalogImportCounts, String>> {
                // The graph lock too: the import adds edges.
                let mut tx = self.begin_graph_write().await?;
                let counts = match queries::import_catalog(&mut tx, plan, now).await? {
                    Ok(counts) => counts,
                    Err(why) => return Ok(Err(why)),
                };
                let mut entry = audit.clone();
                entry.after = serde_json::to_value(&counts).ok();
                queries::insert_audit(&mut tx, &entry, None).await?;
                tx.commit().await?;
                Ok(Ok(counts))
            }
        }
    };
}

pub(crate) use impl_store;

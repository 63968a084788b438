//! Expected schedules' SQL, shared by both backends like [`super::sql`].

pub const SCHEDULE: &str = "\
SELECT period_seconds, cron, time_zone, grace_seconds, max_duration_seconds,
    min_duration_seconds, set_at
FROM schedules WHERE automation_id = $1";
pub const DELETE_SCHEDULE: &str = "DELETE FROM schedules WHERE automation_id = $1";
pub const INSERT_SCHEDULE: &str = "\
INSERT INTO schedules (automation_id, period_seconds, cron, time_zone, grace_seconds,
    max_duration_seconds, min_duration_seconds, set_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Every schedule, with when its automation's newest run (missed ones
/// included) began: where the search for the next missed run starts.
pub const WATCHED: &str = "\
SELECT s.automation_id, s.period_seconds, s.cron, s.time_zone, s.grace_seconds,
    s.max_duration_seconds, s.min_duration_seconds, s.set_at,
    (SELECT max(r.at) FROM runs r WHERE r.automation_id = s.automation_id) AS newest,
    a.orchestration_id, o.lifecycle
FROM schedules s
JOIN automations a ON a.id = s.automation_id
LEFT JOIN orchestrations o ON o.id = a.orchestration_id
ORDER BY s.automation_id";

/// A missed run, once per slot: its `rid` names the slot, and the unique
/// `(automation_id, rid)` index keeps a second sweep (on this instance or
/// another) from recording it again.
pub const INSERT_MISSED: &str = "\
INSERT INTO runs (automation_id, rid, status, at, log, updated_at)
VALUES ($1, $2, 'missed', $3, $4, $5)
ON CONFLICT (automation_id, rid) WHERE rid IS NOT NULL DO NOTHING";

/// Flags an automation's runs since `$2` that took longer than `$3` ms, or
/// are still going after starting before `$4`.
pub const FLAG_TOO_LONG: &str = "\
UPDATE runs SET flag = 'too_long', updated_at = $5
WHERE automation_id = $1 AND flag IS NULL AND at >= $2
  AND ((duration_ms IS NOT NULL AND duration_ms > $3)
       OR (status = 'started' AND started_at IS NOT NULL AND started_at < $4))";
/// Flags an automation's finished runs since `$2` that took less than `$3` ms.
pub const FLAG_TOO_SHORT: &str = "\
UPDATE runs SET flag = 'too_short', updated_at = $4
WHERE automation_id = $1 AND flag IS NULL AND at >= $2
  AND duration_ms IS NOT NULL AND duration_ms < $3 AND status <> 'started'";

/// The schedule queries, written once for both backends.
macro_rules! schedule_queries {
    ($db:ty, $pool:ty) => {
        use app::model::schedule::Schedule;
        use $crate::store::schedule_sql as schsql;

        /// An automation's schedule and when it was set.
        pub async fn schedule(
            pool: &$pool,
            automation: i64,
        ) -> StoreResult<Option<(Schedule, DateTime<Utc>)>> {
            let row = sqlx::query(schsql::SCHEDULE)
                .bind(automation)
                .fetch_optional(pool)
                .await?;
            let Some(row) = row else {
                return Ok(None);
            };
            Ok(Some((schedule_row(&row)?, row.try_get("set_at")?)))
        }

        fn schedule_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<Schedule> {
            Ok(Schedule {
                period_seconds: row.try_get("period_seconds")?,
                cron: row.try_get("cron")?,
                time_zone: row.try_get("time_zone")?,
                grace_seconds: row.try_get("grace_seconds")?,
                max_duration_seconds: row.try_get("max_duration_seconds")?,
                min_duration_seconds: row.try_get("min_duration_seconds")?,
            })
        }

        pub async fn watched(pool: &$pool) -> StoreResult<Vec<$crate::store::Watched>> {
            let rows = sqlx::query(schsql::WATCHED).fetch_all(pool).await?;
            rows.iter()
                .map(|row| {
                    Ok($crate::store::Watched {
                        automation_id: row.try_get("automation_id")?,
                        schedule: schedule_row(row)?,
                        set_at: row.try_get("set_at")?,
                        newest_run: row.try_get("newest")?,
                        orchestration_id: row.try_get("orchestration_id")?,
                        lifecycle: row.try_get("lifecycle")?,
                    })
                })
                .collect()
        }

        /// Records missed runs; how many were new.
        pub async fn record_missed(
            tx: &mut sqlx::Transaction<'_, $db>,
            missed: &[(i64, DateTime<Utc>, String)],
            now: DateTime<Utc>,
        ) -> StoreResult<u64> {
            let mut added = 0;
            for (automation, slot, note) in missed {
                let done = sqlx::query(schsql::INSERT_MISSED)
                    .bind(automation)
                    .bind(format!("missed:{}", slot.to_rfc3339()))
                    .bind(slot)
                    .bind(note)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                added += done.rows_affected();
            }
            Ok(added)
        }

        /// Flags runs by their durations: `(automation, longest, shortest)`
        /// in milliseconds, for runs since `since`; how many were flagged.
        pub async fn flag_runs(
            tx: &mut sqlx::Transaction<'_, $db>,
            limits: &[(i64, Option<i64>, Option<i64>)],
            since: DateTime<Utc>,
            now: DateTime<Utc>,
        ) -> StoreResult<u64> {
            let mut flagged = 0;
            for (automation, longest, shortest) in limits {
                if let Some(longest) = longest {
                    let done = sqlx::query(schsql::FLAG_TOO_LONG)
                        .bind(automation)
                        .bind(since)
                        .bind(longest)
                        .bind(now - chrono::TimeDelta::milliseconds(*longest))
                        .bind(now)
                        .execute(&mut **tx)
                        .await?;
                    flagged += done.rows_affected();
                }
                if let Some(shortest) = shortest {
                    let done = sqlx::query(schsql::FLAG_TOO_SHORT)
                        .bind(automation)
                        .bind(since)
                        .bind(shortest)
                        .bind(now)
                        .execute(&mut **tx)
                        .await?;
                    flagged += done.rows_affected();
                }
            }
            Ok(flagged)
        }

        pub async fn set_schedule(
            tx: &mut sqlx::Transaction<'_, $db>,
            automation: i64,
            schedule: Option<&Schedule>,
            now: DateTime<Utc>,
        ) -> StoreResult<()> {
            sqlx::query(schsql::DELETE_SCHEDULE)
                .bind(automation)
                .execute(&mut **tx)
                .await?;
            if let Some(s) = schedule {
                sqlx::query(schsql::INSERT_SCHEDULE)
                    .bind(automation)
                    .bind(s.period_seconds)
                    .bind(&s.cron)
                    .bind(&s.time_zone)
                    .bind(s.grace_seconds)
                    .bind(s.max_duration_seconds)
                    .bind(s.min_duration_seconds)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(())
        }
    };
}

pub(crate) use schedule_queries;

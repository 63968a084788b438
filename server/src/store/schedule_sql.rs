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
            Ok(Some((
                Schedule {
                    period_seconds: row.try_get("period_seconds")?,
                    cron: row.try_get("cron")?,
                    time_zone: row.try_get("time_zone")?,
                    grace_seconds: row.try_get("grace_seconds")?,
                    max_duration_seconds: row.try_get("max_duration_seconds")?,
                    min_duration_seconds: row.try_get("min_duration_seconds")?,
                },
                row.try_get("set_at")?,
            )))
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

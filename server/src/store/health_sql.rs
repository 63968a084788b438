//! Health's SQL, shared by both backends like [`super::sql`]: the rollups
//! (written by the migration's triggers, only read here), pauses, raw-run
//! retention and the background jobs' rounds.

use super::types::RollupScope;

/// The rows a scope covers, after a `WHERE` that already has a condition;
/// the scope's id is `$2`. Several automations are listed in the text:
/// they are numbers, nothing a person typed.
fn scoped(scope: RollupScope<'_>) -> String {
    match scope {
        RollupScope::All => String::new(),
        RollupScope::Automation(_) => " AND automation_id = $2".to_owned(),
        RollupScope::Orchestration(_) => {
            " AND automation_id IN (SELECT id FROM automations WHERE orchestration_id = $2)"
                .to_owned()
        }
        RollupScope::Several(ids) => {
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            format!(" AND automation_id IN ({})", list.join(", "))
        }
    }
}

/// Per-day counts from `$1` (a day) on.
pub fn days(scope: RollupScope<'_>) -> String {
    format!(
        "SELECT automation_id, day, succeeded, failed, missed, other, recoveries, recovery_ms \
         FROM run_days WHERE day >= $1{}",
        scoped(scope)
    )
}

/// Per-day duration histograms from `$1` (a day) on.
pub fn durations(scope: RollupScope<'_>) -> String {
    format!(
        "SELECT automation_id, day, bucket, runs FROM run_durations \
         WHERE day >= $1 AND runs > 0{}",
        scoped(scope)
    )
}

/// Latest outcomes; `$1` is unused but bound, so the scope's id is `$2`
/// everywhere.
pub fn states(scope: RollupScope<'_>) -> String {
    format!(
        "SELECT automation_id, last_status, last_at, last_success_at, down_since \
         FROM run_states WHERE $1 = $1{}",
        scoped(scope)
    )
}

const PAUSE_COLUMNS: &str = "p.id, p.automation_id, p.orchestration_id, p.starts_at, \
    p.ends_at, p.reason, u.display_name AS created_by, p.created_at";

/// Pauses on at `$1` or planned after it: every one, an automation's (its
/// own and its orchestration's), or an orchestration's.
pub fn pauses(scope: RollupScope<'_>) -> String {
    let which = match scope {
        RollupScope::All | RollupScope::Several(_) => "",
        RollupScope::Automation(_) => {
            " AND (p.automation_id = $2 OR p.orchestration_id = \
             (SELECT orchestration_id FROM automations WHERE id = $2))"
        }
        RollupScope::Orchestration(_) => " AND p.orchestration_id = $2",
    };
    format!(
        "SELECT {PAUSE_COLUMNS} FROM pauses p LEFT JOIN users u ON u.id = p.created_by \
         WHERE (p.ends_at IS NULL OR p.ends_at > $1){which} ORDER BY p.starts_at, p.id"
    )
}

pub fn pause() -> String {
    format!(
        "SELECT {PAUSE_COLUMNS} FROM pauses p LEFT JOIN users u ON u.id = p.created_by \
         WHERE p.id = $1"
    )
}

pub const INSERT_PAUSE: &str = "\
INSERT INTO pauses (automation_id, orchestration_id, starts_at, ends_at, reason, created_by,
    created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id";
pub const END_PAUSE: &str = "UPDATE pauses SET ends_at = $2 WHERE id = $1";
pub const DELETE_PAUSE: &str = "DELETE FROM pauses WHERE id = $1";

/// Raw runs older than `$1`, at most `$2` of them, each automation's found
/// through its `(automation_id, at)` index. Their rollups stay.
pub const DELETE_OLD_RUNS: &str = "\
DELETE FROM runs WHERE id IN (
    SELECT r.id FROM automations a JOIN runs r ON r.automation_id = a.id AND r.at < $1
    LIMIT $2)";
/// Whether [`DELETE_OLD_RUNS`] or [`DELETE_OLD_JOBS`] would delete
/// anything before `$1`: read first, so that the write (and, on SQLite, the
/// write lock) is taken only when there is something to delete.
pub const ANY_OLD_RUNS: &str = "\
SELECT EXISTS (SELECT 1 FROM automations a JOIN runs r ON r.automation_id = a.id AND r.at < $1)
    OR EXISTS (SELECT 1 FROM jobs WHERE updated_at < $1)";
/// Jobs of runs that old.
pub const DELETE_OLD_JOBS: &str = "\
DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE updated_at < $1 LIMIT $2)";

pub const JOB_ROUND_DONE: &str = "\
INSERT INTO job_rounds (name, done_at) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET done_at = excluded.done_at";
pub const JOB_ROUNDS: &str = "SELECT name, done_at FROM job_rounds ORDER BY name";
/// The newest audit entry and the newest run: both move on with every
/// change to the catalog and every new run.
pub const CHANGE_MARK: &str = "\
SELECT coalesce((SELECT max(id) FROM audit_log), 0) AS audit,
    coalesce((SELECT max(id) FROM runs), 0) AS runs";

/// The health queries, written once for both backends.
macro_rules! health_queries {
    ($db:ty, $pool:ty) => {
        use app::model::health::{DayCounts, Pause, RunState};
        use $crate::store::RollupScope;
        use $crate::store::health_sql as hsql;

        /// The id a scope binds as `$2`, if any.
        fn scope_id(scope: RollupScope<'_>) -> Option<i64> {
            match scope {
                RollupScope::All | RollupScope::Several(_) => None,
                RollupScope::Automation(id) | RollupScope::Orchestration(id) => Some(id),
            }
        }

        pub async fn rollups(
            pool: &$pool,
            scope: RollupScope<'_>,
            since: chrono::NaiveDate,
            parts: $crate::store::RollupParts,
        ) -> StoreResult<$crate::store::Rollups> {
            let mut out = $crate::store::Rollups::default();
            if matches!(scope, RollupScope::Several(ids) if ids.is_empty()) {
                return Ok(out);
            }
            let id = scope_id(scope);
            let bind_from = |sql: String, since: chrono::NaiveDate| {
                let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(since);
                match id {
                    None => query,
                    Some(id) => query.bind(id),
                }
            };
            let bind = |sql: String| bind_from(sql, since);
            // Row by row: a month of a large catalog is hundreds of
            // thousands of rows, far heavier as driver rows than as counts.
            let mut rows = bind(hsql::days(scope)).fetch(pool);
            while let Some(row) = futures::TryStreamExt::try_next(&mut rows).await? {
                out.days.push((
                    row.try_get("automation_id")?,
                    DayCounts {
                        day: row.try_get("day")?,
                        succeeded: row.try_get("succeeded")?,
                        failed: row.try_get("failed")?,
                        missed: row.try_get("missed")?,
                        other: row.try_get("other")?,
                        recoveries: row.try_get("recoveries")?,
                        recovery_ms: row.try_get("recovery_ms")?,
                    },
                ));
            }
            drop(rows);
            if let $crate::store::RollupParts::WithDurations { since: from } = parts {
                let mut rows = bind_from(hsql::durations(scope), from.max(since)).fetch(pool);
                while let Some(row) = futures::TryStreamExt::try_next(&mut rows).await? {
                    out.durations.push((
                        row.try_get("automation_id")?,
                        row.try_get("day")?,
                        row.try_get("bucket")?,
                        row.try_get("runs")?,
                    ));
                }
            }
            for row in bind(hsql::states(scope)).fetch_all(pool).await? {
                out.states.push((
                    row.try_get("automation_id")?,
                    RunState {
                        last_status: row.try_get("last_status")?,
                        last_at: row.try_get("last_at")?,
                        last_success_at: row.try_get("last_success_at")?,
                        down_since: row.try_get("down_since")?,
                    },
                ));
            }
            Ok(out)
        }

        fn pause_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<Pause> {
            Ok(Pause {
                id: row.try_get("id")?,
                automation_id: row.try_get("automation_id")?,
                orchestration_id: row.try_get("orchestration_id")?,
                starts_at: row.try_get("starts_at")?,
                ends_at: row.try_get("ends_at")?,
                reason: row.try_get("reason")?,
                created_by: row.try_get("created_by")?,
                created_at: row.try_get("created_at")?,
            })
        }

        pub async fn pauses(
            pool: &$pool,
            scope: RollupScope<'_>,
            now: DateTime<Utc>,
        ) -> StoreResult<Vec<Pause>> {
            let query = sqlx::query(sqlx::AssertSqlSafe(hsql::pauses(scope))).bind(now);
            let query = match scope_id(scope) {
                None => query,
                Some(id) => query.bind(id),
            };
            query.fetch_all(pool).await?.iter().map(pause_row).collect()
        }

        pub async fn pause(pool: &$pool, id: i64) -> StoreResult<Pause> {
            let row = sqlx::query(sqlx::AssertSqlSafe(hsql::pause()))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .ok_or($crate::store::StoreError::NotFound)?;
            pause_row(&row)
        }

        pub async fn insert_pause(
            tx: &mut sqlx::Transaction<'_, $db>,
            pause: &Pause,
            by: Option<i64>,
        ) -> StoreResult<i64> {
            Ok(sqlx::query_scalar(hsql::INSERT_PAUSE)
                .bind(pause.automation_id)
                .bind(pause.orchestration_id)
                .bind(pause.starts_at)
                .bind(pause.ends_at)
                .bind(&pause.reason)
                .bind(by)
                .bind(pause.created_at)
                .fetch_one(&mut **tx)
                .await?)
        }

        pub async fn end_pause(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
            at: Option<DateTime<Utc>>,
        ) -> StoreResult<()> {
            let done = match at {
                Some(at) => {
                    sqlx::query(hsql::END_PAUSE)
                        .bind(id)
                        .bind(at)
                        .execute(&mut **tx)
                        .await?
                }
                None => {
                    sqlx::query(hsql::DELETE_PAUSE)
                        .bind(id)
                        .execute(&mut **tx)
                        .await?
                }
            };
            if done.rows_affected() == 0 {
                return Err($crate::store::StoreError::NotFound);
            }
            Ok(())
        }

        pub async fn any_old_runs(pool: &$pool, before: DateTime<Utc>) -> StoreResult<bool> {
            Ok(sqlx::query_scalar(hsql::ANY_OLD_RUNS)
                .bind(before)
                .fetch_one(pool)
                .await?)
        }

        pub async fn delete_old_runs(
            tx: &mut sqlx::Transaction<'_, $db>,
            before: DateTime<Utc>,
            limit: i64,
        ) -> StoreResult<u64> {
            let runs = sqlx::query(hsql::DELETE_OLD_RUNS)
                .bind(before)
                .bind(limit)
                .execute(&mut **tx)
                .await?
                .rows_affected();
            sqlx::query(hsql::DELETE_OLD_JOBS)
                .bind(before)
                .bind(limit)
                .execute(&mut **tx)
                .await?;
            Ok(runs)
        }

        pub async fn job_round_done(
            pool: &$pool,
            name: &str,
            now: DateTime<Utc>,
        ) -> StoreResult<()> {
            sqlx::query(hsql::JOB_ROUND_DONE)
                .bind(name)
                .bind(now)
                .execute(pool)
                .await?;
            Ok(())
        }

        pub async fn change_mark(pool: &$pool) -> StoreResult<(i64, i64)> {
            let row = sqlx::query(hsql::CHANGE_MARK).fetch_one(pool).await?;
            Ok((row.try_get("audit")?, row.try_get("runs")?))
        }

        pub async fn job_rounds(pool: &$pool) -> StoreResult<Vec<(String, DateTime<Utc>)>> {
            let rows = sqlx::query(hsql::JOB_ROUNDS).fetch_all(pool).await?;
            rows.iter()
                .map(|row| Ok((row.try_get("name")?, row.try_get("done_at")?)))
                .collect()
        }
    };
}

pub(crate) use health_queries;

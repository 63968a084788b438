//! What both backends share: SQL text they accept as written (`$n`
//! parameters work in SQLite too) and, through [`shared_queries!`], the
//! functions that run it, instantiated once per backend. Sharing the code,
//! not just the text, keeps the two implementations from drifting apart
//! without code generic over `sqlx::Database` and its trait bounds.

pub const ACQUIRE_LEASE: &str = "\
INSERT INTO job_leases (name, holder, acquired_at, expires_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (name) DO UPDATE SET
    holder = excluded.holder,
    acquired_at = CASE WHEN job_leases.holder = excluded.holder
                       THEN job_leases.acquired_at ELSE excluded.acquired_at END,
    expires_at = excluded.expires_at
WHERE job_leases.holder = excluded.holder
   OR job_leases.expires_at <= excluded.acquired_at";

pub const RELEASE_LEASE: &str = "DELETE FROM job_leases WHERE name = $1 AND holder = $2";

/// Defines, for the backend `$db` with pool `$pool`, the query functions
/// whose SQL both backends accept. Use inside a module of the backend.
macro_rules! shared_queries {
    ($db:ty, $pool:ty) => {
        use chrono::{DateTime, TimeDelta, Utc};
        use sqlx::types::Json;

        use $crate::store::sql;
        use $crate::store::{Delivery, NewDelivery, RecordedDelivery, StoreError, StoreResult};

        /// Why an `UPDATE … WHERE id = $ AND version = $` changed nothing:
        /// the row is gone, or someone saved since `version`.
        /// `version_query` reads the row's version by id.
        pub async fn stale_or_missing(
            tx: &mut sqlx::Transaction<'_, $db>,
            version_query: &'static str,
            id: i64,
            version: i64,
        ) -> StoreError {
            let current: Result<Option<i64>, sqlx::Error> =
                sqlx::query_scalar(version_query).bind(id).fetch_optional(&mut **tx).await;
            match current {
                Err(err) => err.into(),
                Ok(None) => StoreError::NotFound,
                Ok(Some(current)) => StoreError::Conflict(format!(
                    "changed by someone else since version {version}: it is at version {current} now"
                )),
            }
        }

        pub async fn try_acquire_lease(
            pool: &$pool,
            name: &str,
            holder: &str,
            now: DateTime<Utc>,
            ttl: TimeDelta,
        ) -> StoreResult<bool> {
            let done = sqlx::query(sql::ACQUIRE_LEASE)
                .bind(name)
                .bind(holder)
                .bind(now)
                .bind(now + ttl)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() == 1)
        }

        pub async fn release_lease(pool: &$pool, name: &str, holder: &str) -> StoreResult<()> {
            sqlx::query(sql::RELEASE_LEASE)
                .bind(name)
                .bind(holder)
                .execute(pool)
                .await?;
            Ok(())
        }
    };
}

pub(crate) use shared_queries;

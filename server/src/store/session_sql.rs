//! Sign-in sessions' SQL, shared by both backends like [`super::sql`]. A
//! session is kept as its serialised record, with the person it belongs to
//! beside it so all of someone's sessions can be revoked at once.

pub const INSERT_SESSION: &str = "\
INSERT INTO sessions (id, user_id, record, expires_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (id) DO NOTHING";

pub const SAVE_SESSION: &str = "\
INSERT INTO sessions (id, user_id, record, expires_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, record = excluded.record,
    expires_at = excluded.expires_at";

pub const LOAD_SESSION: &str = "SELECT record FROM sessions WHERE id = $1 AND expires_at > $2";
pub const DELETE_SESSION: &str = "DELETE FROM sessions WHERE id = $1";
pub const DELETE_USER_SESSIONS: &str = "DELETE FROM sessions WHERE user_id = $1";
pub const DELETE_EXPIRED_SESSIONS: &str = "DELETE FROM sessions WHERE expires_at <= $1";

/// The session queries, written once for both backends.
macro_rules! session_queries {
    ($db:ty, $pool:ty) => {
        use $crate::store::session_sql as ssql;

        pub async fn insert_session(
            pool: &$pool,
            session: &$crate::store::StoredSession,
        ) -> StoreResult<bool> {
            let done = sqlx::query(ssql::INSERT_SESSION)
                .bind(&session.id)
                .bind(session.user_id)
                .bind(&session.record)
                .bind(session.expires_at)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() == 1)
        }

        pub async fn save_session(
            pool: &$pool,
            session: &$crate::store::StoredSession,
        ) -> StoreResult<()> {
            sqlx::query(ssql::SAVE_SESSION)
                .bind(&session.id)
                .bind(session.user_id)
                .bind(&session.record)
                .bind(session.expires_at)
                .execute(pool)
                .await?;
            Ok(())
        }

        pub async fn load_session(
            pool: &$pool,
            id: &str,
            now: DateTime<Utc>,
        ) -> StoreResult<Option<String>> {
            Ok(sqlx::query_scalar(ssql::LOAD_SESSION)
                .bind(id)
                .bind(now)
                .fetch_optional(pool)
                .await?)
        }

        pub async fn delete_session(pool: &$pool, id: &str) -> StoreResult<()> {
            sqlx::query(ssql::DELETE_SESSION)
                .bind(id)
                .execute(pool)
                .await?;
            Ok(())
        }

        pub async fn delete_user_sessions(pool: &$pool, user_id: i64) -> StoreResult<u64> {
            let done = sqlx::query(ssql::DELETE_USER_SESSIONS)
                .bind(user_id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected())
        }

        pub async fn delete_expired_sessions(pool: &$pool, now: DateTime<Utc>) -> StoreResult<u64> {
            let done = sqlx::query(ssql::DELETE_EXPIRED_SESSIONS)
                .bind(now)
                .execute(pool)
                .await?;
            Ok(done.rows_affected())
        }
    };
}

pub(crate) use session_queries;

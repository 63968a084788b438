//! Signing in's SQL, shared by both backends like [`super::sql`]: sessions,
//! failed attempts, the one-time setup and the person a session acts for.
//! A session is kept as its serialised record, with the person it belongs
//! to beside it so all of someone's sessions can be revoked at once.

pub const INSERT_SESSION: &str = "\
INSERT INTO sessions (id, user_id, record, expires_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (id) DO NOTHING";

/// Updates only: a session ended meanwhile stays ended.
pub const SAVE_SESSION: &str =
    "UPDATE sessions SET user_id = $2, record = $3, expires_at = $4 WHERE id = $1";

pub const LOAD_SESSION: &str = "SELECT record FROM sessions WHERE id = $1 AND expires_at > $2";
pub const DELETE_SESSION: &str = "DELETE FROM sessions WHERE id = $1";
pub const DELETE_USER_SESSIONS: &str = "DELETE FROM sessions WHERE user_id = $1";
pub const DELETE_EXPIRED_SESSIONS: &str = "DELETE FROM sessions WHERE expires_at <= $1";

pub const PERSON: &str = "\
SELECT id, email, display_name, role, deactivated_at IS NULL AS active FROM users WHERE id = $1";

pub const RECORD_SIGN_IN_FAILURE: &str =
    "INSERT INTO sign_in_failures (email, client, at) VALUES ($1, $2, $3)";

/// Failures since `$3` for the account `$1` from the address `$2`, and for
/// the address `$2` as anyone. An account is throttled per address, so
/// someone guessing from one place cannot lock its owner out elsewhere.
pub const SIGN_IN_FAILURES: &str = "\
SELECT (SELECT count(*) FROM sign_in_failures WHERE email = $1 AND client = $2 AND at > $3),
       (SELECT count(*) FROM sign_in_failures WHERE client = $2 AND at > $3)";

pub const FORGET_SIGN_IN_FAILURES: &str =
    "DELETE FROM sign_in_failures WHERE email = $1 AND client = $2";
pub const FORGET_OLD_FAILURES: &str = "DELETE FROM sign_in_failures WHERE at <= $1";

pub const CLAIM_FIRST_RUN: &str =
    "INSERT INTO first_run (id, completed_at) VALUES (1, $1) ON CONFLICT (id) DO NOTHING";

pub const INSERT_FIRST_ADMIN: &str = "\
INSERT INTO users (email, display_name, role, password_hash, created_at)
SELECT $1, $2, 'admin', $3, $4 WHERE NOT EXISTS (SELECT 1 FROM users)
RETURNING id";

pub const INSERT_API_TOKEN: &str = "\
INSERT INTO api_tokens (user_id, name, scope, token_hash, prefix, created_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";

const API_TOKEN_COLUMNS: &str =
    "id, user_id, name, scope, prefix, created_at, last_used_at, revoked_at";

pub fn api_tokens_query(filter: &str) -> String {
    format!("SELECT {API_TOKEN_COLUMNS} FROM api_tokens {filter} ORDER BY id")
}

pub const API_TOKEN_BY_HASH: &str = "\
SELECT id, user_id, scope, last_used_at FROM api_tokens
WHERE token_hash = $1 AND revoked_at IS NULL";

/// Notes a use, at most once a minute per token (`$3` is a minute ago).
pub const TOUCH_API_TOKEN: &str = "\
UPDATE api_tokens SET last_used_at = $2
WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)";

pub const REVOKE_API_TOKEN: &str =
    "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";

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

        pub async fn person(pool: &$pool, id: i64) -> StoreResult<Option<$crate::store::Person>> {
            Ok(sqlx::query_as(ssql::PERSON)
                .bind(id)
                .fetch_optional(pool)
                .await?)
        }

        pub async fn record_sign_in_failure(
            pool: &$pool,
            email: &str,
            client: &str,
            at: DateTime<Utc>,
        ) -> StoreResult<()> {
            sqlx::query(ssql::RECORD_SIGN_IN_FAILURE)
                .bind(email)
                .bind(client)
                .bind(at)
                .execute(pool)
                .await?;
            Ok(())
        }

        pub async fn sign_in_failures(
            pool: &$pool,
            email: &str,
            client: &str,
            since: DateTime<Utc>,
        ) -> StoreResult<(u64, u64)> {
            let (account, address): (i64, i64) = sqlx::query_as(ssql::SIGN_IN_FAILURES)
                .bind(email)
                .bind(client)
                .bind(since)
                .fetch_one(pool)
                .await?;
            Ok((
                u64::try_from(account).unwrap_or_default(),
                u64::try_from(address).unwrap_or_default(),
            ))
        }

        pub async fn forget_sign_in_failures(
            pool: &$pool,
            email: &str,
            client: &str,
        ) -> StoreResult<()> {
            sqlx::query(ssql::FORGET_SIGN_IN_FAILURES)
                .bind(email)
                .bind(client)
                .execute(pool)
                .await?;
            Ok(())
        }

        pub async fn forget_old_failures(pool: &$pool, before: DateTime<Utc>) -> StoreResult<u64> {
            let done = sqlx::query(ssql::FORGET_OLD_FAILURES)
                .bind(before)
                .execute(pool)
                .await?;
            Ok(done.rows_affected())
        }

        /// Inside a write transaction: `None` (roll back) unless this is the
        /// first run's one setup and nobody exists yet.
        pub async fn insert_first_admin(
            tx: &mut sqlx::Transaction<'_, $db>,
            email: &str,
            display_name: &str,
            password_hash: &str,
            now: DateTime<Utc>,
        ) -> StoreResult<Option<i64>> {
            let claimed = sqlx::query(ssql::CLAIM_FIRST_RUN)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            if claimed.rows_affected() != 1 {
                return Ok(None);
            }
            Ok(sqlx::query_scalar(ssql::INSERT_FIRST_ADMIN)
                .bind(email)
                .bind(display_name)
                .bind(password_hash)
                .bind(now)
                .fetch_optional(&mut **tx)
                .await?)
        }

        pub async fn create_api_token(
            tx: &mut sqlx::Transaction<'_, $db>,
            token: &$crate::store::TokenDraft<'_>,
            now: DateTime<Utc>,
        ) -> StoreResult<i64> {
            Ok(sqlx::query_scalar(ssql::INSERT_API_TOKEN)
                .bind(token.user_id)
                .bind(token.name)
                .bind(token.scope.as_str())
                .bind(token.hash)
                .bind(token.prefix)
                .bind(now)
                .fetch_one(&mut **tx)
                .await?)
        }

        pub async fn api_tokens(
            pool: &$pool,
            user_id: Option<i64>,
        ) -> StoreResult<Vec<app::model::accounts::ApiToken>> {
            let rows: Vec<$crate::store::TokenRow> = match user_id {
                Some(user) => {
                    sqlx::query_as(sqlx::AssertSqlSafe(ssql::api_tokens_query(
                        "WHERE user_id = $1",
                    )))
                    .bind(user)
                    .fetch_all(pool)
                    .await?
                }
                None => {
                    sqlx::query_as(sqlx::AssertSqlSafe(ssql::api_tokens_query("")))
                        .fetch_all(pool)
                        .await?
                }
            };
            rows.into_iter()
                .map($crate::store::TokenRow::into_token)
                .collect()
        }

        pub async fn api_token(
            pool: &$pool,
            id: i64,
        ) -> StoreResult<app::model::accounts::ApiToken> {
            let row: Option<$crate::store::TokenRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(ssql::api_tokens_query("WHERE id = $1")))
                    .bind(id)
                    .fetch_optional(pool)
                    .await?;
            row.ok_or($crate::store::StoreError::NotFound)?.into_token()
        }

        pub async fn api_token_by_hash(
            pool: &$pool,
            hash: &str,
        ) -> StoreResult<Option<$crate::store::TokenLookup>> {
            Ok(sqlx::query_as(ssql::API_TOKEN_BY_HASH)
                .bind(hash)
                .fetch_optional(pool)
                .await?)
        }

        pub async fn touch_api_token(pool: &$pool, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
            sqlx::query(ssql::TOUCH_API_TOKEN)
                .bind(id)
                .bind(now)
                .bind(now - chrono::TimeDelta::minutes(1))
                .execute(pool)
                .await?;
            Ok(())
        }

        pub async fn revoke_api_token(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
            now: DateTime<Utc>,
        ) -> StoreResult<bool> {
            let done = sqlx::query(ssql::REVOKE_API_TOKEN)
                .bind(id)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            Ok(done.rows_affected() == 1)
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

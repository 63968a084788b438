//! People and teams administration's SQL, shared by both backends like
//! [`super::sql`]: roles, deactivation (which releases what the person
//! owned, ends their sessions and revokes their API tokens), teams and their members.

pub const SET_ROLE: &str = "UPDATE users SET role = $2 WHERE id = $1";
pub const DEACTIVATE: &str =
    "UPDATE users SET deactivated_at = $2 WHERE id = $1 AND deactivated_at IS NULL";
pub const REACTIVATE: &str =
    "UPDATE users SET deactivated_at = NULL WHERE id = $1 AND deactivated_at IS NOT NULL";
pub const RELEASE_OWNED_ORCHESTRATIONS: &str = "\
UPDATE orchestrations SET owner_id = NULL, version = version + 1, updated_at = $2
WHERE owner_id = $1";
pub const RELEASE_BACKED_UP_ORCHESTRATIONS: &str = "\
UPDATE orchestrations SET backup_owner_id = NULL, version = version + 1, updated_at = $2
WHERE backup_owner_id = $1";
pub const RELEASE_OWNED_AUTOMATIONS: &str = "\
UPDATE automations SET owner_id = NULL, version = version + 1, updated_at = $2
WHERE owner_id = $1";
pub const END_SESSIONS: &str = "DELETE FROM sessions WHERE user_id = $1";
/// A deactivated person's tokens are revoked for good: reactivating them
/// does not bring the tokens back.
pub const REVOKE_TOKENS: &str =
    "UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL";
pub const COUNT_ACTIVE_ADMINS: &str =
    "SELECT count(*) FROM users WHERE role = 'admin' AND deactivated_at IS NULL";
pub const ADD_MEMBER: &str = "\
INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)
ON CONFLICT (team_id, user_id) DO NOTHING";
pub const REMOVE_MEMBER: &str = "DELETE FROM team_members WHERE team_id = $1 AND user_id = $2";
pub const TEAM_MEMBERS: &str =
    "SELECT team_id, user_id FROM team_members ORDER BY team_id, user_id";

/// The people and teams queries, written once for both backends.
macro_rules! people_queries {
    ($db:ty, $pool:ty) => {
        use $crate::store::people_sql as psql;

        async fn changed(
            tx: &mut sqlx::Transaction<'_, $db>,
            sql: &'static str,
            id: i64,
            now: Option<DateTime<Utc>>,
        ) -> StoreResult<u64> {
            let query = sqlx::query(sql).bind(id);
            let query = match now {
                Some(now) => query.bind(now),
                None => query,
            };
            Ok(query.execute(&mut **tx).await?.rows_affected())
        }

        pub async fn set_role(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
            role: &str,
        ) -> StoreResult<bool> {
            let done = sqlx::query(psql::SET_ROLE)
                .bind(id)
                .bind(role)
                .execute(&mut **tx)
                .await?;
            Ok(done.rows_affected() == 1)
        }

        /// Deactivates and releases: `None` when they were not active.
        pub async fn deactivate(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
            now: DateTime<Utc>,
        ) -> StoreResult<Option<$crate::store::Released>> {
            if changed(tx, psql::DEACTIVATE, id, Some(now)).await? == 0 {
                return Ok(None);
            }
            let owned = changed(tx, psql::RELEASE_OWNED_ORCHESTRATIONS, id, Some(now)).await?;
            let backed_up =
                changed(tx, psql::RELEASE_BACKED_UP_ORCHESTRATIONS, id, Some(now)).await?;
            let automations = changed(tx, psql::RELEASE_OWNED_AUTOMATIONS, id, Some(now)).await?;
            let sessions = changed(tx, psql::END_SESSIONS, id, None).await?;
            let tokens = changed(tx, psql::REVOKE_TOKENS, id, Some(now)).await?;
            Ok(Some($crate::store::Released {
                orchestrations_owned: owned,
                orchestrations_backed_up: backed_up,
                automations_owned: automations,
                sessions_ended: sessions,
                tokens_revoked: tokens,
            }))
        }

        pub async fn reactivate(tx: &mut sqlx::Transaction<'_, $db>, id: i64) -> StoreResult<bool> {
            Ok(changed(tx, psql::REACTIVATE, id, None).await? == 1)
        }

        pub async fn count_active_admins(pool: &$pool) -> StoreResult<u64> {
            let n: i64 = sqlx::query_scalar(psql::COUNT_ACTIVE_ADMINS)
                .fetch_one(pool)
                .await?;
            Ok(u64::try_from(n).unwrap_or_default())
        }

        pub async fn create_team(
            tx: &mut sqlx::Transaction<'_, $db>,
            slug: &str,
            name: &str,
            now: DateTime<Utc>,
        ) -> StoreResult<i64> {
            Ok(sqlx::query_scalar($crate::store::catalog_sql::INSERT_TEAM)
                .bind(slug)
                .bind(name)
                .bind(now)
                .fetch_one(&mut **tx)
                .await?)
        }

        pub async fn set_membership(
            tx: &mut sqlx::Transaction<'_, $db>,
            team: i64,
            user: i64,
            member: bool,
        ) -> StoreResult<bool> {
            let sql = if member {
                psql::ADD_MEMBER
            } else {
                psql::REMOVE_MEMBER
            };
            let done = sqlx::query(sql)
                .bind(team)
                .bind(user)
                .execute(&mut **tx)
                .await?;
            Ok(done.rows_affected() == 1)
        }

        pub async fn team_members(pool: &$pool) -> StoreResult<Vec<(i64, i64)>> {
            Ok(sqlx::query_as(psql::TEAM_MEMBERS).fetch_all(pool).await?)
        }
    };
}

pub(crate) use people_queries;

//! The catalog's SQL, shared by both backends like [`super::sql`].

use app::model::catalog::{Link, Orchestration, OrchestrationFields};
use chrono::{DateTime, Utc};

pub const INSERT_TEAM: &str =
    "INSERT INTO teams (slug, name, created_at) VALUES ($1, $2, $3) RETURNING id";

pub const INSERT_USER: &str = "\
INSERT INTO users (email, display_name, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id";

pub const INSERT_ACCOUNT: &str = "\
INSERT INTO users (email, display_name, role, password_hash, created_at)
VALUES ($1, $2, $3, $4, $5) RETURNING id";

pub const CREDENTIALS: &str = "\
SELECT id, display_name, role, password_hash, deactivated_at IS NULL AS active
FROM users WHERE email = $1";

pub const COUNT_USERS: &str = "SELECT count(*) FROM users";

pub const USER_EXISTS: &str = "SELECT count(*) FROM users WHERE id = $1 AND deactivated_at IS NULL";
pub const TEAM_EXISTS: &str = "SELECT count(*) FROM teams WHERE id = $1";
pub const USER_NAMES: &str = "SELECT id, display_name FROM users ORDER BY id";
pub const PEOPLE: &str = "\
SELECT id, email, display_name, role, deactivated_at IS NULL AS active FROM users ORDER BY id";
pub const TEAMS: &str = "SELECT id, slug, name FROM teams ORDER BY slug";

pub const INSERT_ORCHESTRATION: &str = "\
INSERT INTO orchestrations (slug, name, purpose, owner_id, backup_owner_id, team_id, inputs,
    outputs, failure_mode, fallback, tier, lifecycle, links, minutes_saved_per_run,
    expected_runs_per_week, success_rate_target, created_at, updated_at, retired_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17,
        CASE WHEN $12 = 'retired' THEN $17 END)
RETURNING id";

/// `$18` is the id, `$19` the version the change was made on.
pub const UPDATE_ORCHESTRATION: &str = "\
UPDATE orchestrations SET slug = $1, name = $2, purpose = $3, owner_id = $4,
    backup_owner_id = $5, team_id = $6, inputs = $7, outputs = $8, failure_mode = $9,
    fallback = $10, tier = $11, lifecycle = $12, links = $13, minutes_saved_per_run = $14,
    expected_runs_per_week = $15, success_rate_target = $16, updated_at = $17,
    retired_at = CASE WHEN $12 = 'retired' THEN coalesce(retired_at, $17) END,
    version = version + 1
WHERE id = $18 AND version = $19
RETURNING id";

pub const ORCHESTRATION_VERSION: &str = "SELECT version FROM orchestrations WHERE id = $1";

pub const DELETE_ORCHESTRATION: &str = "DELETE FROM orchestrations WHERE id = $1";

pub const DELETE_TAGS: &str = "DELETE FROM orchestration_tags WHERE orchestration_id = $1";
pub const INSERT_TAG: &str =
    "INSERT INTO orchestration_tags (orchestration_id, tag) VALUES ($1, $2)";

/// `SELECT` of every orchestration column, then the given clause.
macro_rules! select_orchestrations {
    ($clause:literal) => {
        concat!(
            "SELECT id, slug, name, purpose, owner_id, backup_owner_id, team_id, inputs, outputs,
                    failure_mode, fallback, tier, lifecycle, links, minutes_saved_per_run,
                    expected_runs_per_week, success_rate_target, version, created_at,
                    updated_at, retired_at
             FROM orchestrations ",
            $clause
        )
    };
}

pub const ORCHESTRATION_BY_ID: &str = select_orchestrations!("WHERE id = $1");
pub const ORCHESTRATION_BY_SLUG: &str = select_orchestrations!("WHERE slug = $1");
pub const ALL_ORCHESTRATIONS: &str = select_orchestrations!("ORDER BY lower(name), id");

pub const TAGS_OF: &str =
    "SELECT tag FROM orchestration_tags WHERE orchestration_id = $1 ORDER BY tag";
pub const ALL_TAGS: &str =
    "SELECT orchestration_id, tag FROM orchestration_tags ORDER BY orchestration_id, tag";

/// One row of `orchestrations`, before its tags are attached.
#[derive(Debug, sqlx::FromRow)]
pub struct OrchestrationRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub purpose: String,
    pub owner_id: Option<i64>,
    pub backup_owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub inputs: String,
    pub outputs: String,
    pub failure_mode: String,
    pub fallback: String,
    pub tier: i32,
    pub lifecycle: String,
    #[sqlx(json)]
    pub links: Vec<Link>,
    pub minutes_saved_per_run: Option<f64>,
    pub expected_runs_per_week: Option<f64>,
    pub success_rate_target: Option<f64>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

impl OrchestrationRow {
    pub fn with_tags(self, tags: Vec<String>) -> super::StoreResult<Orchestration> {
        let lifecycle = self
            .lifecycle
            .try_into()
            .map_err(|why: String| super::StoreError::Other(anyhow::anyhow!(why)))?;
        Ok(Orchestration {
            id: self.id,
            fields: OrchestrationFields {
                slug: self.slug,
                name: self.name,
                purpose: self.purpose,
                owner_id: self.owner_id,
                backup_owner_id: self.backup_owner_id,
                team_id: self.team_id,
                inputs: self.inputs,
                outputs: self.outputs,
                failure_mode: self.failure_mode,
                fallback: self.fallback,
                tier: self.tier,
                lifecycle,
                tags,
                links: self.links,
                minutes_saved_per_run: self.minutes_saved_per_run,
                expected_runs_per_week: self.expected_runs_per_week,
                success_rate_target: self.success_rate_target,
            },
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            retired_at: self.retired_at,
        })
    }
}

/// The catalog's query functions for backend `$db` with pool `$pool`; see
/// [`super::sql::shared_queries`].
macro_rules! catalog_queries {
    ($db:ty, $pool:ty) => {
        use app::model::catalog::{Orchestration, OrchestrationFields};
        use $crate::store::catalog_sql as csql;

        pub async fn insert_team(
            pool: &$pool,
            slug: &str,
            name: &str,
            now: DateTime<Utc>,
        ) -> StoreResult<i64> {
            Ok(sqlx::query_scalar(csql::INSERT_TEAM)
                .bind(slug)
                .bind(name)
                .bind(now)
                .fetch_one(pool)
                .await?)
        }

        pub async fn insert_user(
            pool: &$pool,
            email: &str,
            display_name: &str,
            role: &str,
            now: DateTime<Utc>,
        ) -> StoreResult<i64> {
            Ok(sqlx::query_scalar(csql::INSERT_USER)
                .bind(email.trim().to_lowercase())
                .bind(display_name)
                .bind(role)
                .bind(now)
                .fetch_one(pool)
                .await?)
        }

        pub async fn create_account(
            tx: &mut sqlx::Transaction<'_, $db>,
            email: &str,
            display_name: &str,
            role: &str,
            password_hash: &str,
            now: DateTime<Utc>,
        ) -> StoreResult<i64> {
            Ok(sqlx::query_scalar(csql::INSERT_ACCOUNT)
                .bind(email)
                .bind(display_name)
                .bind(role)
                .bind(password_hash)
                .bind(now)
                .fetch_one(&mut **tx)
                .await?)
        }

        pub async fn credentials(
            pool: &$pool,
            email: &str,
        ) -> StoreResult<Option<$crate::store::Credentials>> {
            Ok(sqlx::query_as(csql::CREDENTIALS)
                .bind(email)
                .fetch_optional(pool)
                .await?)
        }

        pub async fn count_users(pool: &$pool) -> StoreResult<u64> {
            let n: i64 = sqlx::query_scalar(csql::COUNT_USERS)
                .fetch_one(pool)
                .await?;
            Ok(u64::try_from(n).unwrap_or_default())
        }

        pub async fn user_is_active(pool: &$pool, id: i64) -> StoreResult<bool> {
            let n: i64 = sqlx::query_scalar(csql::USER_EXISTS)
                .bind(id)
                .fetch_one(pool)
                .await?;
            Ok(n > 0)
        }

        pub async fn team_exists(pool: &$pool, id: i64) -> StoreResult<bool> {
            let n: i64 = sqlx::query_scalar(csql::TEAM_EXISTS)
                .bind(id)
                .fetch_one(pool)
                .await?;
            Ok(n > 0)
        }

        pub async fn user_names(pool: &$pool) -> StoreResult<Vec<(i64, String)>> {
            Ok(sqlx::query_as(csql::USER_NAMES).fetch_all(pool).await?)
        }

        pub async fn people(pool: &$pool) -> StoreResult<Vec<$crate::store::Person>> {
            Ok(sqlx::query_as(csql::PEOPLE).fetch_all(pool).await?)
        }

        pub async fn teams(pool: &$pool) -> StoreResult<Vec<$crate::store::Team>> {
            Ok(sqlx::query_as(csql::TEAMS).fetch_all(pool).await?)
        }

        async fn write_tags(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
            tags: &[String],
        ) -> StoreResult<()> {
            sqlx::query(csql::DELETE_TAGS)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            for tag in tags {
                sqlx::query(csql::INSERT_TAG)
                    .bind(id)
                    .bind(tag)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(())
        }

        macro_rules! bind_orchestration {
            ($query:expr, $o:expr, $now:expr) => {
                $query
                    .bind(&$o.slug)
                    .bind(&$o.name)
                    .bind(&$o.purpose)
                    .bind($o.owner_id)
                    .bind($o.backup_owner_id)
                    .bind($o.team_id)
                    .bind(&$o.inputs)
                    .bind(&$o.outputs)
                    .bind(&$o.failure_mode)
                    .bind(&$o.fallback)
                    .bind($o.tier)
                    .bind($o.lifecycle.as_str())
                    .bind(Json(&$o.links))
                    .bind($o.minutes_saved_per_run)
                    .bind($o.expected_runs_per_week)
                    .bind($o.success_rate_target)
                    .bind($now)
            };
        }

        pub async fn insert_orchestration(
            tx: &mut sqlx::Transaction<'_, $db>,
            o: &OrchestrationFields,
            now: DateTime<Utc>,
        ) -> StoreResult<i64> {
            let id: i64 =
                bind_orchestration!(sqlx::query_scalar(csql::INSERT_ORCHESTRATION), o, now)
                    .fetch_one(&mut **tx)
                    .await?;
            write_tags(tx, id, &o.tags).await?;
            Ok(id)
        }

        pub async fn update_orchestration(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
            version: i64,
            o: &OrchestrationFields,
            now: DateTime<Utc>,
        ) -> StoreResult<()> {
            let updated: Option<i64> =
                bind_orchestration!(sqlx::query_scalar(csql::UPDATE_ORCHESTRATION), o, now)
                    .bind(id)
                    .bind(version)
                    .fetch_optional(&mut **tx)
                    .await?;
            if updated.is_none() {
                return Err(stale_or_missing(tx, csql::ORCHESTRATION_VERSION, id, version).await);
            }
            write_tags(tx, id, &o.tags).await
        }

        async fn tags_of(pool: &$pool, id: i64) -> StoreResult<Vec<String>> {
            Ok(sqlx::query_scalar(csql::TAGS_OF)
                .bind(id)
                .fetch_all(pool)
                .await?)
        }

        pub async fn orchestration(pool: &$pool, id: i64) -> StoreResult<Orchestration> {
            let row: csql::OrchestrationRow = sqlx::query_as(csql::ORCHESTRATION_BY_ID)
                .bind(id)
                .fetch_one(pool)
                .await?;
            let tags = tags_of(pool, row.id).await?;
            row.with_tags(tags)
        }

        pub async fn orchestration_by_slug(pool: &$pool, slug: &str) -> StoreResult<Orchestration> {
            let row: csql::OrchestrationRow = sqlx::query_as(csql::ORCHESTRATION_BY_SLUG)
                .bind(slug)
                .fetch_one(pool)
                .await?;
            let tags = tags_of(pool, row.id).await?;
            row.with_tags(tags)
        }

        pub async fn orchestrations(pool: &$pool) -> StoreResult<Vec<Orchestration>> {
            let rows: Vec<csql::OrchestrationRow> = sqlx::query_as(csql::ALL_ORCHESTRATIONS)
                .fetch_all(pool)
                .await?;
            let tags: Vec<(i64, String)> = sqlx::query_as(csql::ALL_TAGS).fetch_all(pool).await?;
            let mut by_id: std::collections::HashMap<i64, Vec<String>> =
                std::collections::HashMap::new();
            for (id, tag) in tags {
                by_id.entry(id).or_default().push(tag);
            }
            rows.into_iter()
                .map(|row| {
                    let tags = by_id.remove(&row.id).unwrap_or_default();
                    row.with_tags(tags)
                })
                .collect()
        }

        pub async fn delete_orchestration(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
        ) -> StoreResult<()> {
            let done = sqlx::query(csql::DELETE_ORCHESTRATION)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        }
    };
}

pub(crate) use catalog_queries;

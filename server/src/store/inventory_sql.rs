//! The automation inventory's SQL, shared by both backends like [`super::sql`].

use app::model::inventory::{Automation, AutomationFields};
use chrono::{DateTime, Utc};

pub const INSERT_AUTOMATION: &str = "\
INSERT INTO automations (tool, external_id, url, name, description, owner_id, team_id,
    failure_mode, orchestration_id, minutes_saved_per_run, runs_per_week, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
RETURNING id";

/// `$13` is the id, `$14` the version the change was made on.
pub const UPDATE_AUTOMATION: &str = "\
UPDATE automations SET tool = $1, external_id = $2, url = $3, name = $4, description = $5,
    owner_id = $6, team_id = $7, failure_mode = $8, orchestration_id = $9,
    minutes_saved_per_run = $10, runs_per_week = $11, updated_at = $12, version = version + 1
WHERE id = $13 AND version = $14
RETURNING id";

pub const AUTOMATION_VERSION: &str = "SELECT version FROM automations WHERE id = $1";
pub const DELETE_AUTOMATION: &str = "DELETE FROM automations WHERE id = $1";
pub const ORCHESTRATION_EXISTS: &str = "SELECT count(*) FROM orchestrations WHERE id = $1";

macro_rules! select_automations {
    ($clause:literal) => {
        concat!(
            "SELECT id, tool, external_id, url, name, description, owner_id, team_id,
                    failure_mode, orchestration_id, minutes_saved_per_run, runs_per_week,
                    version, created_at, updated_at
             FROM automations ",
            $clause
        )
    };
}

pub const AUTOMATION_BY_ID: &str = select_automations!("WHERE id = $1");

/// The columns of a listing, for a query built from the filter in use.
pub const SELECT_AUTOMATIONS: &str = select_automations!("");
pub const COUNT_AUTOMATIONS: &str = "SELECT count(*) FROM automations";

/// The `ORDER BY` of a listing; each order has its index.
pub fn order_by(sort: app::model::inventory::InventorySort) -> &'static str {
    use app::model::inventory::InventorySort;
    match sort {
        InventorySort::Name => " ORDER BY lower(name), id",
        InventorySort::Tool => " ORDER BY tool, lower(name), id",
        InventorySort::Updated => " ORDER BY updated_at DESC, id",
    }
}

/// One row of `automations`.
#[derive(Debug, sqlx::FromRow)]
pub struct AutomationRow {
    pub id: i64,
    pub tool: String,
    pub external_id: String,
    pub url: String,
    pub name: String,
    pub description: String,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub failure_mode: String,
    pub orchestration_id: Option<i64>,
    pub minutes_saved_per_run: Option<f64>,
    pub runs_per_week: Option<f64>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<AutomationRow> for Automation {
    type Error = super::StoreError;

    fn try_from(row: AutomationRow) -> Result<Self, Self::Error> {
        Ok(Automation {
            id: row.id,
            fields: AutomationFields {
                tool: row
                    .tool
                    .try_into()
                    .map_err(|why: String| super::StoreError::Other(anyhow::anyhow!(why)))?,
                external_id: row.external_id,
                url: row.url,
                name: row.name,
                description: row.description,
                owner_id: row.owner_id,
                team_id: row.team_id,
                failure_mode: row.failure_mode,
                orchestration_id: row.orchestration_id,
                minutes_saved_per_run: row.minutes_saved_per_run,
                runs_per_week: row.runs_per_week,
            },
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

pub const INSERT_PING_KEY: &str =
    "INSERT INTO ping_keys (key, automation_id, created_at) VALUES ($1, $2, $3)";
pub const CURRENT_PING_KEY: &str =
    "SELECT key FROM ping_keys WHERE automation_id = $1 AND expires_at IS NULL";
pub const ORCHESTRATION_PING_KEYS: &str = "\
SELECT a.id, k.key FROM automations a
JOIN ping_keys k ON k.automation_id = a.id AND k.expires_at IS NULL
WHERE a.orchestration_id = $1";
pub const AUTOMATION_BY_PING_KEY: &str = "\
SELECT automation_id FROM ping_keys WHERE key = $1 AND (expires_at IS NULL OR expires_at > $2)";
/// The current key starts its overlap: accepted until `$2`.
pub const RETIRE_PING_KEY: &str =
    "UPDATE ping_keys SET expires_at = $2 WHERE automation_id = $1 AND expires_at IS NULL";

/// The inventory's query functions for backend `$db` with pool `$pool`.
macro_rules! inventory_queries {
    ($db:ty, $pool:ty) => {
        use app::model::inventory::{Automation, AutomationFields, InventoryFilter};
        use $crate::store::inventory_sql as isql;

        macro_rules! bind_automation {
            ($query:expr, $a:expr, $now:expr) => {
                $query
                    .bind($a.tool.as_str())
                    .bind(&$a.external_id)
                    .bind(&$a.url)
                    .bind(&$a.name)
                    .bind(&$a.description)
                    .bind($a.owner_id)
                    .bind($a.team_id)
                    .bind(&$a.failure_mode)
                    .bind($a.orchestration_id)
                    .bind($a.minutes_saved_per_run)
                    .bind($a.runs_per_week)
                    .bind($now)
            };
        }

        pub async fn orchestration_exists(pool: &$pool, id: i64) -> StoreResult<bool> {
            let n: i64 = sqlx::query_scalar(isql::ORCHESTRATION_EXISTS)
                .bind(id)
                .fetch_one(pool)
                .await?;
            Ok(n > 0)
        }

        /// Adds an automation with its first ping key.
        pub async fn insert_automation(
            tx: &mut sqlx::Transaction<'_, $db>,
            a: &AutomationFields,
            now: DateTime<Utc>,
        ) -> StoreResult<i64> {
            let id: i64 = bind_automation!(sqlx::query_scalar(isql::INSERT_AUTOMATION), a, now)
                .fetch_one(&mut **tx)
                .await?;
            sqlx::query(isql::INSERT_PING_KEY)
                .bind($crate::store::new_ping_key())
                .bind(id)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            Ok(id)
        }

        /// The automation's current ping key.
        pub async fn ping_key(pool: &$pool, automation: i64) -> StoreResult<Option<String>> {
            Ok(sqlx::query_scalar(isql::CURRENT_PING_KEY)
                .bind(automation)
                .fetch_optional(pool)
                .await?)
        }

        /// The current ping keys of the orchestration's automations.
        pub async fn orchestration_ping_keys(
            pool: &$pool,
            orchestration: i64,
        ) -> StoreResult<Vec<(i64, String)>> {
            Ok(sqlx::query_as(isql::ORCHESTRATION_PING_KEYS)
                .bind(orchestration)
                .fetch_all(pool)
                .await?)
        }

        /// The automation a ping key opens at `now`: its current key, or a
        /// rotated one still in its overlap.
        pub async fn automation_by_ping_key(
            pool: &$pool,
            key: &str,
            now: DateTime<Utc>,
        ) -> StoreResult<Option<i64>> {
            Ok(sqlx::query_scalar(isql::AUTOMATION_BY_PING_KEY)
                .bind(key)
                .bind(now)
                .fetch_optional(pool)
                .await?)
        }

        /// Gives the automation a new current key; the old one is accepted
        /// until `old_until`. Returns the new key.
        pub async fn rotate_ping_key(
            tx: &mut sqlx::Transaction<'_, $db>,
            automation: i64,
            now: DateTime<Utc>,
            old_until: DateTime<Utc>,
        ) -> StoreResult<String> {
            let retired = sqlx::query(isql::RETIRE_PING_KEY)
                .bind(automation)
                .bind(old_until)
                .execute(&mut **tx)
                .await?;
            if retired.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            let key = $crate::store::new_ping_key();
            sqlx::query(isql::INSERT_PING_KEY)
                .bind(&key)
                .bind(automation)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            Ok(key)
        }

        pub async fn update_automation(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
            version: i64,
            a: &AutomationFields,
            now: DateTime<Utc>,
        ) -> StoreResult<()> {
            let updated: Option<i64> =
                bind_automation!(sqlx::query_scalar(isql::UPDATE_AUTOMATION), a, now)
                    .bind(id)
                    .bind(version)
                    .fetch_optional(&mut **tx)
                    .await?;
            if updated.is_none() {
                return Err(stale_or_missing(tx, isql::AUTOMATION_VERSION, id, version).await);
            }
            Ok(())
        }

        pub async fn automation(pool: &$pool, id: i64) -> StoreResult<Automation> {
            let row: isql::AutomationRow = sqlx::query_as(isql::AUTOMATION_BY_ID)
                .bind(id)
                .fetch_one(pool)
                .await?;
            row.try_into()
        }

        /// Adds the filter's conditions: only those in use, so each query
        /// can use the index that fits it.
        fn push_filter(query: &mut sqlx::QueryBuilder<$db>, filter: &InventoryFilter) {
            use app::model::inventory::Tool;
            query.push(" WHERE TRUE");
            if let Some(words) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
                let lower = words.to_lowercase();
                let pattern = format!(
                    "%{}%",
                    lower
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_")
                );
                query.push(" AND (");
                for (at, column) in [
                    "lower(name)",
                    "lower(external_id)",
                    "lower(description)",
                    "lower(failure_mode)",
                ]
                .into_iter()
                .enumerate()
                {
                    if at > 0 {
                        query.push(" OR ");
                    }
                    query
                        .push(column)
                        .push(" LIKE ")
                        .push_bind(pattern.clone())
                        .push(" ESCAPE '\\'");
                }
                query
                    .push(" OR owner_id IN (SELECT id FROM users WHERE lower(display_name) LIKE ")
                    .push_bind(pattern.clone())
                    .push(" ESCAPE '\\' OR email LIKE ")
                    .push_bind(pattern)
                    .push(" ESCAPE '\\')");
                for tool in Tool::ALL {
                    if tool.label().to_lowercase().contains(&lower)
                        || tool.as_str().contains(&lower)
                    {
                        query.push(" OR tool = ").push_bind(tool.as_str());
                    }
                }
                query.push(")");
            }
            if let Some(tool) = filter.tool {
                query.push(" AND tool = ").push_bind(tool.as_str());
            }
            if let Some(owner) = filter.owner_id {
                query.push(" AND owner_id = ").push_bind(owner);
            }
            if let Some(team) = filter.team_id {
                query.push(" AND team_id = ").push_bind(team);
            }
            if let Some(orchestration) = filter.orchestration_id {
                query
                    .push(" AND orchestration_id = ")
                    .push_bind(orchestration);
            }
            if filter.loose {
                query.push(" AND orchestration_id IS NULL");
            }
            if filter.unowned {
                query.push(" AND owner_id IS NULL");
            }
            if filter.no_failure_mode {
                query.push(" AND failure_mode = ''");
            }
        }

        pub async fn automations(
            pool: &$pool,
            filter: &InventoryFilter,
            limit: u32,
            offset: u32,
        ) -> StoreResult<Vec<Automation>> {
            let mut query = sqlx::QueryBuilder::<$db>::new(isql::SELECT_AUTOMATIONS);
            push_filter(&mut query, filter);
            query.push(isql::order_by(filter.sort));
            query.push(" LIMIT ").push_bind(i64::from(limit));
            query.push(" OFFSET ").push_bind(i64::from(offset));
            let rows: Vec<isql::AutomationRow> = query.build_query_as().fetch_all(pool).await?;
            rows.into_iter().map(TryInto::try_into).collect()
        }

        pub async fn count_automations(pool: &$pool, filter: &InventoryFilter) -> StoreResult<u64> {
            let mut query = sqlx::QueryBuilder::<$db>::new(isql::COUNT_AUTOMATIONS);
            push_filter(&mut query, filter);
            let count: i64 = query.build_query_scalar().fetch_one(pool).await?;
            Ok(u64::try_from(count).unwrap_or(0))
        }

        /// The plan the database would use to list a page, one line per step.
        pub async fn explain_automations(
            pool: &$pool,
            filter: &InventoryFilter,
            explain: &str,
        ) -> StoreResult<Vec<String>> {
            let mut query = sqlx::QueryBuilder::<$db>::new(explain);
            query.push(isql::SELECT_AUTOMATIONS);
            push_filter(&mut query, filter);
            query.push(isql::order_by(filter.sort));
            query.push(" LIMIT 50");
            let rows = query.build().fetch_all(pool).await?;
            Ok(rows
                .iter()
                .map(|row| {
                    use sqlx::Row;
                    // SQLite's plan has the step in its last column; PostgreSQL's in its only one.
                    row.try_get::<String, _>(row.len() - 1).unwrap_or_default()
                })
                .collect())
        }

        pub async fn delete_automation(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
        ) -> StoreResult<()> {
            let done = sqlx::query(isql::DELETE_AUTOMATION)
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

pub(crate) use inventory_queries;

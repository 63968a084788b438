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

/// Every filter is optional: a NULL parameter does not filter. `$1` is a
/// lower-case `%words%` pattern.
pub const FILTERED_AUTOMATIONS: &str = select_automations!(
    "WHERE ($1 IS NULL OR lower(name) LIKE $1 OR lower(external_id) LIKE $1
            OR lower(description) LIKE $1 OR lower(failure_mode) LIKE $1)
       AND ($2 IS NULL OR tool = $2)
       AND ($3 IS NULL OR owner_id = $3)
       AND ($4 IS NULL OR team_id = $4)
       AND ($5 IS NULL OR orchestration_id = $5)
       AND ($6 IS NULL OR orchestration_id IS NULL)
       AND ($7 IS NULL OR owner_id IS NULL)
       AND ($8 IS NULL OR failure_mode = '')
     ORDER BY lower(name), id
     LIMIT $9 OFFSET $10"
);

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

/// The inventory's query functions for backend `$db` with pool `$pool`.
macro_rules! inventory_queries {
    ($db:ty, $pool:ty) => {
        use app::model::inventory::{Automation, InventoryFilter, AutomationFields};
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
            let n: i64 = sqlx::query_scalar(isql::ORCHESTRATION_EXISTS).bind(id).fetch_one(pool).await?;
            Ok(n > 0)
        }

        pub async fn insert_automation(
            tx: &mut sqlx::Transaction<'_, $db>,
            a: &AutomationFields,
            now: DateTime<Utc>,
        ) -> StoreResult<i64> {
            Ok(bind_automation!(sqlx::query_scalar(isql::INSERT_AUTOMATION), a, now)
                .fetch_one(&mut **tx)
                .await?)
        }

        pub async fn update_automation(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
            version: i64,
            a: &AutomationFields,
            now: DateTime<Utc>,
        ) -> StoreResult<()> {
            let updated: Option<i64> = bind_automation!(sqlx::query_scalar(isql::UPDATE_AUTOMATION), a, now)
                .bind(id)
                .bind(version)
                .fetch_optional(&mut **tx)
                .await?;
            if updated.is_none() {
                let current: Option<i64> = sqlx::query_scalar(isql::AUTOMATION_VERSION)
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
                return Err(match current {
                    None => StoreError::NotFound,
                    Some(current) => StoreError::Conflict(format!(
                        "changed by someone else since version {version}: it is at version {current} now"
                    )),
                });
            }
            Ok(())
        }

        pub async fn automation(pool: &$pool, id: i64) -> StoreResult<Automation> {
            let row: isql::AutomationRow =
                sqlx::query_as(isql::AUTOMATION_BY_ID).bind(id).fetch_one(pool).await?;
            row.try_into()
        }

        pub async fn automations(
            pool: &$pool,
            filter: &InventoryFilter,
            limit: u32,
            offset: u32,
        ) -> StoreResult<Vec<Automation>> {
            let pattern = filter
                .q
                .as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .map(|q| format!("%{}%", q.to_lowercase()));
            let only = |on: bool| on.then_some(true);
            let rows: Vec<isql::AutomationRow> = sqlx::query_as(isql::FILTERED_AUTOMATIONS)
                .bind(pattern)
                .bind(filter.tool.map(|t| t.as_str()))
                .bind(filter.owner_id)
                .bind(filter.team_id)
                .bind(filter.orchestration_id)
                .bind(only(filter.loose))
                .bind(only(filter.unowned))
                .bind(only(filter.no_failure_mode))
                .bind(i64::from(limit))
                .bind(i64::from(offset))
                .fetch_all(pool)
                .await?;
            rows.into_iter().map(TryInto::try_into).collect()
        }

        pub async fn delete_automation(pool: &$pool, id: i64) -> StoreResult<()> {
            let done = sqlx::query(isql::DELETE_AUTOMATION).bind(id).execute(pool).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        }
    };
}

pub(crate) use inventory_queries;

//! Ingestion's SQL, shared by both backends like [`super::sql`]: the
//! delivery log (group-committed multi-row inserts, processing, the
//! filtered listing, replay and retention), sources and their keys, slugs,
//! the claim queue, and runs.

use app::model::ingestion::DeliveryFilter;

use super::audit_sql::Param;

/// Columns a delivery is inserted with, in bind order.
pub const INSERT_COLUMNS: &str = "received_at, endpoint, scope, source_id, automation_id, \
    external_id, method, uri, headers, body, body_size, remote_addr, outcome, outcome_detail, \
    duplicate_of";
const INSERT_ARITY: usize = 15;

/// Rows per multi-row `INSERT` at most: 15 parameters each stays far below
/// SQLite's 32,766 and PostgreSQL's 65,535.
pub const ROWS_PER_INSERT: usize = 512;

/// How many rows the next insert of `left` takes: the largest power of two
/// that fits, so a batch of any size uses at most ten statements' texts,
/// each prepared once per connection and then reused.
pub fn next_chunk(left: usize) -> usize {
    if left >= ROWS_PER_INSERT {
        ROWS_PER_INSERT
    } else {
        1 << (usize::BITS - 1 - left.leading_zeros())
    }
}

/// How a statement marks its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholders {
    /// `$1, $2, …`: what PostgreSQL needs.
    Numbered,
    /// `?, ?, …`, bound in order. SQLite takes numbered ones too, but sqlx
    /// then looks each name up in a list as long as the statement's
    /// parameters, which on a 512-row insert (7,680 of them) cost more than
    /// the insert itself.
    InOrder,
}

impl Placeholders {
    /// The cheaper style for the database `DB`.
    pub fn of<DB: sqlx::Database>() -> Self {
        if DB::NAME == <sqlx::Sqlite as sqlx::Database>::NAME {
            Self::InOrder
        } else {
            Self::Numbered
        }
    }
}

/// `INSERT … VALUES (…), (…) RETURNING id` for `rows` deliveries.
pub fn insert_deliveries(rows: usize, on_conflict: &str, style: Placeholders) -> String {
    use std::fmt::Write as _;
    let mut sql = format!("INSERT INTO deliveries ({INSERT_COLUMNS}) VALUES ");
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for col in 0..INSERT_ARITY {
            if col > 0 {
                sql.push_str(", ");
            }
            match style {
                Placeholders::Numbered => {
                    let _ = write!(sql, "${}", row * INSERT_ARITY + col + 1);
                }
                Placeholders::InOrder => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql.push_str(on_conflict);
    sql.push_str(" RETURNING id");
    sql
}

/// The text of a plain multi-row insert of `rows` (a power of two up to
/// [`ROWS_PER_INSERT`]), written once per process and style.
pub fn plain_insert(rows: usize, style: Placeholders) -> &'static str {
    use std::sync::OnceLock;
    const SIZES: usize = ROWS_PER_INSERT.trailing_zeros() as usize + 1;
    static TEXTS: [[OnceLock<String>; SIZES]; 2] =
        [const { [const { OnceLock::new() }; SIZES] }; 2];
    debug_assert!(rows.is_power_of_two() && rows <= ROWS_PER_INSERT);
    let slot = &TEXTS[style as usize][rows.trailing_zeros() as usize];
    slot.get_or_init(|| insert_deliveries(rows, "", style))
}

pub const ON_EXTERNAL_ID_CONFLICT: &str =
    " ON CONFLICT (endpoint, scope, external_id) WHERE external_id IS NOT NULL DO NOTHING";

pub const FIND_BY_EXTERNAL_ID: &str = "\
SELECT id FROM deliveries WHERE endpoint = $1 AND scope = $2 AND external_id = $3";

const DELIVERY_COLUMNS: &str = "id, received_at, endpoint, scope, source_id, automation_id, \
    external_id, method, uri, headers, body, body_size, remote_addr, outcome, outcome_detail, \
    processed_at, run_id, duplicate_of";

pub fn delivery_by_id() -> String {
    format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = $1")
}

pub fn recent_deliveries() -> String {
    format!("SELECT {DELIVERY_COLUMNS} FROM deliveries ORDER BY id DESC LIMIT $1")
}

pub fn pending_deliveries() -> String {
    format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE outcome = 'pending' ORDER BY id LIMIT $1"
    )
}

pub const COUNT_PENDING: &str = "SELECT count(*) FROM deliveries WHERE outcome = 'pending'";

/// Marks a pending delivery processed; changes nothing when another
/// processor (or an earlier attempt) already did.
pub const SETTLE_DELIVERY: &str = "\
UPDATE deliveries SET outcome = $2, outcome_detail = $3, processed_at = $4, run_id = $5,
    automation_id = COALESCE($6, automation_id)
WHERE id = $1 AND outcome = 'pending'";

pub const REPLAY_DELIVERY: &str = "\
UPDATE deliveries SET outcome = 'pending', outcome_detail = NULL, processed_at = NULL
WHERE id = $1 AND outcome IN ('recorded', 'ignored', 'failed')";

pub const FORGET_DELIVERIES: &str =
    "DELETE FROM deliveries WHERE received_at < $1 AND outcome <> 'pending'";

const SUMMARY_COLUMNS: &str = "id, received_at, endpoint, source_id, automation_id, method, uri, \
    body_size, remote_addr, outcome, outcome_detail, run_id, duplicate_of";

/// A filter's `WHERE` clause over numbered parameters from `$1`, and the
/// values to bind.
pub fn conditions(filter: &DeliveryFilter) -> (String, Vec<Param>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut params = Vec::new();
    let mut add = |clause: &str, param: Param| {
        params.push(param);
        clauses.push(clause.replace('?', &format!("${}", params.len())));
    };
    if let Some(source) = filter.source_id {
        add("source_id = ?", Param::Int(source));
    }
    if let Some(automation) = filter.automation_id {
        add("automation_id = ?", Param::Int(automation));
    }
    if let Some(outcome) = filter.outcome {
        add("outcome = ?", Param::Text(outcome.as_str().to_owned()));
    }
    if let Some(since) = filter.since {
        add("received_at >= ?", Param::Time(since));
    }
    if let Some(until) = filter.until {
        add("received_at < ?", Param::Time(until));
    }
    let clause = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (clause, params)
}

pub fn summaries_query(clause: &str, params: usize) -> String {
    format!(
        "SELECT {SUMMARY_COLUMNS} FROM deliveries {clause} ORDER BY id DESC LIMIT ${} OFFSET ${}",
        params + 1,
        params + 2
    )
}

pub fn count_query(clause: &str) -> String {
    format!("SELECT count(*) FROM deliveries {clause}")
}

pub const INSERT_SOURCE: &str = "\
INSERT INTO sources (slug, name, team_id, tool, created_at) VALUES ($1, $2, $3, $4, $5)
RETURNING id";
pub const INSERT_SOURCE_KEY: &str =
    "INSERT INTO source_keys (key, source_id, created_at) VALUES ($1, $2, $3)";
pub const RETIRE_SOURCE_KEY: &str =
    "UPDATE source_keys SET expires_at = $2 WHERE source_id = $1 AND expires_at IS NULL";
pub const INSERT_SOURCE_SECRET: &str =
    "INSERT INTO source_secrets (source_id, secret, created_at) VALUES ($1, $2, $3)";
pub const RETIRE_SOURCE_SECRET: &str =
    "UPDATE source_secrets SET expires_at = $2 WHERE source_id = $1 AND expires_at IS NULL";
pub const SOURCES: &str = "\
SELECT s.id, s.slug, s.name, s.team_id, s.tool, s.created_at, s.rejected_count,
    s.last_rejected_at, k.key, sec.secret
FROM sources s
JOIN source_keys k ON k.source_id = s.id AND k.expires_at IS NULL
LEFT JOIN source_secrets sec ON sec.source_id = s.id AND sec.expires_at IS NULL
ORDER BY lower(s.name), s.id";
pub const SOURCE_BY_KEY: &str = "\
SELECT s.id, s.slug, s.team_id, s.tool FROM source_keys k JOIN sources s ON s.id = k.source_id
WHERE k.key = $1 AND (k.expires_at IS NULL OR k.expires_at > $2)";
/// The secrets a source's deliveries may be signed with now, newest first.
pub const SOURCE_SECRETS: &str = "\
SELECT secret FROM source_secrets
WHERE source_id = $1 AND (expires_at IS NULL OR expires_at > $2)
ORDER BY id DESC";
pub const COUNT_REJECTED: &str = "\
UPDATE sources SET rejected_count = rejected_count + 1, last_rejected_at = $2 WHERE id = $1";

pub const AUTOMATION_BY_SLUG: &str =
    "SELECT automation_id FROM source_slugs WHERE source_id = $1 AND slug = $2";
pub const SLUG_OF: &str = "SELECT source_id, slug FROM source_slugs WHERE automation_id = $1";
pub const DELETE_SLUG: &str = "DELETE FROM source_slugs WHERE automation_id = $1";
pub const INSERT_SLUG: &str =
    "INSERT INTO source_slugs (source_id, slug, automation_id) VALUES ($1, $2, $3)";

pub const ENQUEUE_CLAIM: &str =
    "INSERT INTO claim_queue (automation_id, source_id, created_at) VALUES ($1, $2, $3)";
pub const CLAIM_QUEUE: &str = "\
SELECT q.automation_id, a.name, a.tool, q.source_id, ss.slug, q.created_at
FROM claim_queue q
JOIN automations a ON a.id = q.automation_id
LEFT JOIN source_slugs ss ON ss.automation_id = q.automation_id
ORDER BY q.created_at, q.automation_id";
pub const DEQUEUE_CLAIM: &str = "DELETE FROM claim_queue WHERE automation_id = $1";
pub const CLAIM_AUTOMATION: &str = "\
UPDATE automations SET owner_id = $2, orchestration_id = $3, version = version + 1,
    updated_at = $4
WHERE id = $1";

pub const AUTOMATION_EXISTS: &str = "SELECT count(*) FROM automations WHERE id = $1";
pub const RUN_EXISTS: &str = "SELECT count(*) FROM runs WHERE id = $1";

const RUN_COLUMNS: &str = "id, automation_id, rid, status, at, started_at, finished_at, \
    duration_ms, exit_status, log, url, flag";

/// A run a tool reported, by its key in the source, with the event time of
/// its status.
pub fn run_by_key() -> String {
    format!("SELECT {RUN_COLUMNS}, status_at FROM runs WHERE source_id = $1 AND run_key = $2")
}

pub const AUTOMATION_BY_IDENTITY: &str =
    "SELECT id FROM automations WHERE tool = $1 AND external_id = $2";

pub const INSERT_HOOK_RUN: &str = "\
INSERT INTO runs (automation_id, status, at, started_at, finished_at, duration_ms, log,
    updated_at, source_id, run_key, status_at, url)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
RETURNING id";

pub const UPDATE_HOOK_RUN: &str = "\
UPDATE runs SET status = $2, at = $3, started_at = $4, finished_at = $5, duration_ms = $6,
    log = $7, updated_at = $8, status_at = $9, url = $10
WHERE id = $1";

pub const JOBS_OF_RUN: &str = "\
SELECT id, job_key, name, status, status_at FROM jobs WHERE source_id = $1 AND run_key = $2
ORDER BY id";
/// The jobs of an automation's runs from `$2` (a run id) on.
pub const JOBS_OF_RUNS: &str = "\
SELECT r.id AS run_id, j.id, j.job_key, j.name, j.status, j.status_at
FROM runs r JOIN jobs j ON j.source_id = r.source_id AND j.run_key = r.run_key
WHERE r.automation_id = $1 AND r.id >= $2 AND r.run_key IS NOT NULL
ORDER BY j.id";
pub const JOB_BY_KEY: &str = "\
SELECT id, status, status_at FROM jobs WHERE source_id = $1 AND run_key = $2 AND job_key = $3";
pub const INSERT_JOB: &str = "\
INSERT INTO jobs (source_id, run_key, job_key, name, status, status_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub const UPDATE_JOB: &str = "\
UPDATE jobs SET name = $2, status = $3, status_at = $4, updated_at = $5 WHERE id = $1";
/// The run a job belongs to, when it is known.
pub const RUN_OF_JOB: &str =
    "SELECT id, automation_id FROM runs WHERE source_id = $1 AND run_key = $2";

pub fn run_by_rid() -> String {
    format!("SELECT {RUN_COLUMNS} FROM runs WHERE automation_id = $1 AND rid = $2")
}

/// The newest run still open that was started without a run id.
pub fn open_run() -> String {
    format!(
        "SELECT {RUN_COLUMNS} FROM runs \
         WHERE automation_id = $1 AND rid IS NULL AND status = 'started' \
         ORDER BY id DESC LIMIT 1"
    )
}

pub fn runs_of() -> String {
    format!(
        "SELECT {RUN_COLUMNS} FROM runs WHERE automation_id = $1 \
         ORDER BY at DESC, id DESC LIMIT $2"
    )
}

pub const RUN_LOG: &str = "SELECT log FROM runs WHERE id = $1";

pub const INSERT_RUN: &str = "\
INSERT INTO runs (automation_id, rid, status, at, started_at, finished_at, duration_ms,
    exit_status, log, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id";

pub const UPDATE_RUN: &str = "\
UPDATE runs SET status = $2, at = $3, started_at = $4, finished_at = $5, duration_ms = $6,
    exit_status = $7, log = $8, updated_at = $9
WHERE id = $1";

/// An orchestration's runs narrowed by `filter`: the count when `page` is
/// `None`, else that page (`(limit, offset)`), newest first, each with its
/// automation's name and its newest delivery. Binds: the orchestration,
/// then the automation and the status when the filter has them.
pub fn run_history(filter: &app::model::ingestion::RunFilter, page: Option<(u32, u64)>) -> String {
    let mut conditions = vec!["a.orchestration_id = $1".to_owned()];
    if filter.automation_id.is_some() {
        conditions.push(format!("r.automation_id = ${}", conditions.len() + 1));
    }
    if filter.status.is_some() {
        conditions.push(format!("r.status = ${}", conditions.len() + 1));
    }
    let from = format!(
        "FROM runs r JOIN automations a ON a.id = r.automation_id WHERE {}",
        conditions.join(" AND ")
    );
    match page {
        None => format!("SELECT count(*) {from}"),
        Some((limit, offset)) => format!(
            "SELECT {HISTORY_COLUMNS} {from} ORDER BY r.at DESC, r.id DESC LIMIT {limit} OFFSET {offset}"
        ),
    }
}

/// A run of a history (`r`), with its automation's name (`a`) and its
/// newest delivery.
const HISTORY_COLUMNS: &str = "r.id, r.automation_id, r.rid, r.status, r.at, r.started_at, \
    r.finished_at, r.duration_ms, r.exit_status, r.log, r.url, r.flag, \
    a.name AS automation_name, \
    (SELECT max(d.id) FROM deliveries d WHERE d.run_id = r.id) AS delivery_id";

/// The runs incident `$1` took in, newest first, at most `$2`, as
/// [`run_history`] has them.
pub fn incident_runs() -> String {
    format!(
        "SELECT {HISTORY_COLUMNS} FROM incident_runs s \
         JOIN runs r ON r.id = s.run_id JOIN automations a ON a.id = r.automation_id \
         WHERE s.incident_id = $1 ORDER BY r.at DESC, r.id DESC LIMIT $2"
    )
}

/// The ingestion queries, written once for both backends.
macro_rules! ingest_queries {
    ($db:ty, $pool:ty) => {
        use app::model::ingestion::{ClaimItem, DeliveryFilter, DeliverySummary, Run, Source};
        use sqlx::Row as _;
        use $crate::store::ingest_sql as ingsql;
        use $crate::store::{Effect, HookEffect, HookReport, RunEvent, Signal, SourceMatch, SourceRow};

        /// Inserts the batch in the caller's transaction; the caller
        /// commits. Deliveries without a tool-given id go in multi-row
        /// inserts; the others one by one, as each may be a repeat.
        /// Receipts come back in the order of `batch`.
        pub async fn insert_deliveries(
            tx: &mut sqlx::Transaction<'_, $db>,
            batch: &[NewDelivery],
        ) -> StoreResult<Vec<RecordedDelivery>> {
            // Kept in the order of the batch: runs of plain deliveries in
            // multi-row inserts, each identified one on its own.
            let mut receipts = Vec::with_capacity(batch.len());
            let mut plain: Vec<&NewDelivery> = Vec::new();
            for d in batch {
                if d.external_id.is_none() {
                    plain.push(d);
                    if plain.len() == ingsql::ROWS_PER_INSERT {
                        insert_plain(tx, &plain, &mut receipts).await?;
                        plain.clear();
                    }
                } else {
                    insert_plain(tx, &plain, &mut receipts).await?;
                    plain.clear();
                    receipts.push(insert_identified(tx, d).await?);
                }
            }
            insert_plain(tx, &plain, &mut receipts).await?;
            Ok(receipts)
        }

        /// Deliveries without a tool-given id, in multi-row inserts.
        async fn insert_plain(
            tx: &mut sqlx::Transaction<'_, $db>,
            mut plain: &[&NewDelivery],
            receipts: &mut Vec<RecordedDelivery>,
        ) -> StoreResult<()> {
            while !plain.is_empty() {
                let (chunk, rest) = plain.split_at(ingsql::next_chunk(plain.len()));
                insert_chunk(tx, chunk, receipts).await?;
                plain = rest;
            }
            Ok(())
        }

        async fn insert_chunk(
            tx: &mut sqlx::Transaction<'_, $db>,
            plain: &[&NewDelivery],
            receipts: &mut Vec<RecordedDelivery>,
        ) -> StoreResult<()> {
            let sql = ingsql::plain_insert(plain.len(), ingsql::Placeholders::of::<$db>());
            let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
            for d in plain {
                query = $crate::store::ingest_sql::bind_delivery!(query, d, None::<i64>);
            }
            let mut ids = query.fetch_all(&mut **tx).await?;
            // One statement numbers its rows in the order of its VALUES;
            // RETURNING need not list them in that order.
            ids.sort_unstable();
            if ids.len() != plain.len() {
                return Err(StoreError::Other(anyhow::anyhow!(
                    "kept {} deliveries of {}",
                    ids.len(),
                    plain.len()
                )));
            }
            receipts.extend(ids.into_iter().map(|id| RecordedDelivery {
                id,
                duplicate_of: None,
            }));
            Ok(())
        }

        /// Keeps a delivery that carries the tool's id: the first copy as
        /// sent, a repeat as a `duplicate` row naming the first.
        async fn insert_identified(
            tx: &mut sqlx::Transaction<'_, $db>,
            d: &NewDelivery,
        ) -> StoreResult<RecordedDelivery> {
            let style = ingsql::Placeholders::of::<$db>();
            let sql = ingsql::insert_deliveries(1, ingsql::ON_EXTERNAL_ID_CONFLICT, style);
            let query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
            let inserted = $crate::store::ingest_sql::bind_delivery!(query, d, None::<i64>)
                .fetch_optional(&mut **tx)
                .await?;
            if let Some(id) = inserted {
                return Ok(RecordedDelivery {
                    id,
                    duplicate_of: None,
                });
            }
            let first: i64 = sqlx::query_scalar(ingsql::FIND_BY_EXTERNAL_ID)
                .bind(&d.endpoint)
                .bind(&d.scope)
                .bind(&d.external_id)
                .fetch_one(&mut **tx)
                .await?;
            let repeat = NewDelivery {
                external_id: None,
                rejected: None,
                ..d.clone()
            };
            let sql = ingsql::plain_insert(1, style);
            let query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
            let id = $crate::store::ingest_sql::bind_delivery!(query, &repeat, Some(first))
                .fetch_one(&mut **tx)
                .await?;
            Ok(RecordedDelivery {
                id,
                duplicate_of: Some(first),
            })
        }

        pub async fn delivery(pool: &$pool, id: i64) -> StoreResult<Delivery> {
            Ok(
                sqlx::query_as(sqlx::AssertSqlSafe(ingsql::delivery_by_id()))
                    .bind(id)
                    .fetch_one(pool)
                    .await?,
            )
        }

        pub async fn recent_deliveries(pool: &$pool, limit: u32) -> StoreResult<Vec<Delivery>> {
            Ok(
                sqlx::query_as(sqlx::AssertSqlSafe(ingsql::recent_deliveries()))
                    .bind(i64::from(limit))
                    .fetch_all(pool)
                    .await?,
            )
        }

        pub async fn pending_deliveries(pool: &$pool, limit: u32) -> StoreResult<Vec<Delivery>> {
            Ok(
                sqlx::query_as(sqlx::AssertSqlSafe(ingsql::pending_deliveries()))
                    .bind(i64::from(limit))
                    .fetch_all(pool)
                    .await?,
            )
        }

        pub async fn count_pending(pool: &$pool) -> StoreResult<u64> {
            let n: i64 = sqlx::query_scalar(ingsql::COUNT_PENDING)
                .fetch_one(pool)
                .await?;
            Ok(u64::try_from(n).unwrap_or_default())
        }

        fn summary(row: &<$db as sqlx::Database>::Row) -> StoreResult<DeliverySummary> {
            let outcome: String = row.try_get("outcome")?;
            Ok(DeliverySummary {
                id: row.try_get("id")?,
                received_at: row.try_get("received_at")?,
                endpoint: row.try_get("endpoint")?,
                source_id: row.try_get("source_id")?,
                automation_id: row.try_get("automation_id")?,
                method: row.try_get("method")?,
                uri: row.try_get("uri")?,
                body_size: row.try_get("body_size")?,
                remote_addr: row.try_get("remote_addr")?,
                outcome: outcome.parse().map_err(|e: String| anyhow::anyhow!(e))?,
                outcome_detail: row.try_get("outcome_detail")?,
                run_id: row.try_get("run_id")?,
                duplicate_of: row.try_get("duplicate_of")?,
            })
        }

        pub async fn deliveries(
            pool: &$pool,
            filter: &DeliveryFilter,
            limit: u32,
            offset: u32,
        ) -> StoreResult<Vec<DeliverySummary>> {
            let (clause, params) = ingsql::conditions(filter);
            let sql = ingsql::summaries_query(&clause, params.len());
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for param in &params {
                query = match param {
                    $crate::store::audit_sql::Param::Text(text) => query.bind(text),
                    $crate::store::audit_sql::Param::Int(n) => query.bind(n),
                    $crate::store::audit_sql::Param::Time(at) => query.bind(at),
                };
            }
            let rows = query
                .bind(i64::from(limit))
                .bind(i64::from(offset))
                .fetch_all(pool)
                .await?;
            rows.iter().map(summary).collect()
        }

        pub async fn count_deliveries(pool: &$pool, filter: &DeliveryFilter) -> StoreResult<u64> {
            let (clause, params) = ingsql::conditions(filter);
            let query =
                sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(ingsql::count_query(&clause)));
            let (n,) = bind_audit(query, &params).fetch_one(pool).await?;
            Ok(u64::try_from(n).unwrap_or_default())
        }

        pub async fn replay_delivery(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
        ) -> StoreResult<bool> {
            let done = sqlx::query(ingsql::REPLAY_DELIVERY)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            Ok(done.rows_affected() == 1)
        }

        pub async fn forget_deliveries(pool: &$pool, before: DateTime<Utc>) -> StoreResult<u64> {
            let done = sqlx::query(ingsql::FORGET_DELIVERIES)
                .bind(before)
                .execute(pool)
                .await?;
            Ok(done.rows_affected())
        }

        fn run_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<Run> {
            let status: String = row.try_get("status")?;
            Ok(Run {
                id: row.try_get("id")?,
                automation_id: row.try_get("automation_id")?,
                rid: row.try_get("rid")?,
                status: status.parse().map_err(|e: String| anyhow::anyhow!(e))?,
                at: row.try_get("at")?,
                started_at: row.try_get("started_at")?,
                finished_at: row.try_get("finished_at")?,
                duration_ms: row.try_get("duration_ms")?,
                exit_status: row.try_get("exit_status")?,
                log: row.try_get("log")?,
                url: row.try_get("url")?,
                jobs: Vec::new(),
                flag: row
                    .try_get::<Option<String>, _>("flag")?
                    .map(|f| f.parse())
                    .transpose()
                    .map_err(|e: String| anyhow::anyhow!(e))?,
            })
        }

        fn job_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<app::model::ingestion::Job> {
            let status: String = row.try_get("status")?;
            Ok(app::model::ingestion::Job {
                id: row.try_get("id")?,
                job_key: row.try_get("job_key")?,
                name: row.try_get("name")?,
                status: status.parse().map_err(|e: String| anyhow::anyhow!(e))?,
                status_at: row.try_get("status_at")?,
            })
        }

        /// An automation's newest runs, each with the jobs its tool
        /// reported (one more query).
        pub async fn run_history(
            pool: &$pool,
            orchestration: i64,
            filter: &app::model::ingestion::RunFilter,
            page: u32,
            per_page: u32,
        ) -> StoreResult<app::model::ingestion::RunHistory> {
            let page = page.max(1);
            let offset = u64::from(page - 1) * u64::from(per_page);
            let bind = |sql: String| {
                let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(orchestration);
                let query = match filter.automation_id {
                    Some(automation) => query.bind(automation),
                    None => query,
                };
                match filter.status {
                    Some(status) => query.bind(status.as_str()),
                    None => query,
                }
            };
            let total: i64 = bind(ingsql::run_history(filter, None))
                .fetch_one(pool)
                .await?
                .try_get(0)?;
            let rows = bind(ingsql::run_history(filter, Some((per_page, offset))))
                .fetch_all(pool)
                .await?;
            let runs = rows
                .iter()
                .map(|row| {
                    Ok(app::model::ingestion::HistoryRun {
                        run: run_row(row)?,
                        automation_name: row.try_get("automation_name")?,
                        delivery_id: row.try_get("delivery_id")?,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
            Ok(app::model::ingestion::RunHistory {
                runs,
                total: u64::try_from(total).unwrap_or(0),
                page,
                per_page,
            })
        }

        pub async fn incident_runs(
            pool: &$pool,
            incident: i64,
            limit: u32,
        ) -> StoreResult<Vec<app::model::ingestion::HistoryRun>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(ingsql::incident_runs()))
                .bind(incident)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|row| {
                    Ok(app::model::ingestion::HistoryRun {
                        run: run_row(row)?,
                        automation_name: row.try_get("automation_name")?,
                        delivery_id: row.try_get("delivery_id")?,
                    })
                })
                .collect()
        }

        pub async fn run_log(pool: &$pool, run: i64) -> StoreResult<Option<String>> {
            Ok(sqlx::query_scalar(ingsql::RUN_LOG)
                .bind(run)
                .fetch_optional(pool)
                .await?)
        }

        pub async fn runs(pool: &$pool, automation: i64, limit: u32) -> StoreResult<Vec<Run>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(ingsql::runs_of()))
                .bind(automation)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            let mut runs = rows.iter().map(run_row).collect::<StoreResult<Vec<Run>>>()?;
            let Some(oldest) = runs.iter().map(|r| r.id).min() else {
                return Ok(runs);
            };
            let jobs = sqlx::query(ingsql::JOBS_OF_RUNS)
                .bind(automation)
                .bind(oldest)
                .fetch_all(pool)
                .await?;
            for row in &jobs {
                let run: i64 = row.try_get("run_id")?;
                if let Some(r) = runs.iter_mut().find(|r| r.id == run) {
                    r.jobs.push(job_row(row)?);
                }
            }
            Ok(runs)
        }

        async fn find_run(
            tx: &mut sqlx::Transaction<'_, $db>,
            sql: String,
            automation: i64,
            rid: Option<&str>,
        ) -> StoreResult<Option<Run>> {
            let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(automation);
            let query = match rid {
                Some(rid) => query.bind(rid.to_owned()),
                None => query,
            };
            query
                .fetch_optional(&mut **tx)
                .await?
                .as_ref()
                .map(run_row)
                .transpose()
        }

        async fn write_run(
            tx: &mut sqlx::Transaction<'_, $db>,
            run: &Run,
            now: DateTime<Utc>,
        ) -> StoreResult<i64> {
            if run.id == 0 {
                return Ok(sqlx::query_scalar(ingsql::INSERT_RUN)
                    .bind(run.automation_id)
                    .bind(&run.rid)
                    .bind(run.status.as_str())
                    .bind(run.at)
                    .bind(run.started_at)
                    .bind(run.finished_at)
                    .bind(run.duration_ms)
                    .bind(run.exit_status)
                    .bind(&run.log)
                    .bind(now)
                    .fetch_one(&mut **tx)
                    .await?);
            }
            sqlx::query(ingsql::UPDATE_RUN)
                .bind(run.id)
                .bind(run.status.as_str())
                .bind(run.at)
                .bind(run.started_at)
                .bind(run.finished_at)
                .bind(run.duration_ms)
                .bind(run.exit_status)
                .bind(&run.log)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            Ok(run.id)
        }

        /// Applies one run event: finds the run it belongs to (by run id,
        /// else the newest open one started without an id), lets
        /// `crate::runs::merge` decide the run's new state, and writes it.
        /// The run's id and a note for the delivery log.
        async fn apply_event(
            tx: &mut sqlx::Transaction<'_, $db>,
            event: &RunEvent,
            log_limit: usize,
            now: DateTime<Utc>,
        ) -> StoreResult<(Option<i64>, Option<String>)> {
            let mut superseded = None;
            let existing = match (&event.rid, event.signal) {
                (Some(rid), _) => {
                    find_run(tx, ingsql::run_by_rid(), event.automation_id, Some(rid)).await?
                }
                (None, Signal::Start) => {
                    // A new start without a run id replaces the open one.
                    if let Some(open) =
                        find_run(tx, ingsql::open_run(), event.automation_id, None).await?
                    {
                        let closed = $crate::runs::superseded(open, event, log_limit);
                        superseded = Some(write_run(tx, &closed, now).await?);
                    }
                    None
                }
                (None, _) => find_run(tx, ingsql::open_run(), event.automation_id, None).await?,
            };
            let (run, note) = match $crate::runs::merge(existing, event, log_limit) {
                $crate::runs::Merged::Write(run, note) => {
                    (Some(write_run(tx, &run, now).await?), note)
                }
                $crate::runs::Merged::Unchanged(id, note) => (id, Some(note)),
            };
            let note = match superseded {
                Some(old) => Some(format!("run {old}, started without a run id and still open, was closed as superseded")),
                None => note,
            };
            Ok((run, note))
        }

        /// Settles each pending delivery with its effect, in one
        /// transaction. A delivery already settled (by another processor,
        /// or before a crash) is skipped: its effect is never applied twice.
        pub async fn apply_effects(
            tx: &mut sqlx::Transaction<'_, $db>,
            effects: &[(i64, Effect)],
            log_limit: usize,
            now: DateTime<Utc>,
        ) -> StoreResult<()> {
            // Whether each automation named still exists, asked once a batch.
            let mut exists: std::collections::HashMap<i64, bool> = std::collections::HashMap::new();
            for (id, effect) in effects {
                let mut automation = None;
                let (outcome, detail, run) = match effect {
                    Effect::Ignored(why) => ("ignored", Some(why.clone()), None),
                    Effect::Hook(hook) => {
                        let applied = apply_hook(tx, hook, log_limit, now).await?;
                        automation = applied.automation;
                        let detail = crate::ingest::limits::join_notes([
                            Some(applied.note),
                            hook.note.clone(),
                        ]);
                        ("recorded", detail, applied.run)
                    }
                    Effect::Failed(why) => ("failed", Some(why.clone()), None),
                    Effect::Replayed(run) => {
                        let exists: i64 = sqlx::query_scalar(ingsql::RUN_EXISTS)
                            .bind(run)
                            .fetch_one(&mut **tx)
                            .await?;
                        if exists == 0 {
                            ("ignored", Some(format!("its run {run} is gone")), None)
                        } else {
                            (
                                "recorded",
                                Some(format!("already recorded as run {run}: nothing changed")),
                                Some(*run),
                            )
                        }
                    }
                    Effect::Run(event) => {
                        let found = match exists.get(&event.automation_id) {
                            Some(found) => *found,
                            None => {
                                let n: i64 = sqlx::query_scalar(ingsql::AUTOMATION_EXISTS)
                                    .bind(event.automation_id)
                                    .fetch_one(&mut **tx)
                                    .await?;
                                exists.insert(event.automation_id, n > 0);
                                n > 0
                            }
                        };
                        if !found {
                            (
                                "ignored",
                                Some("its automation was deleted".to_owned()),
                                None,
                            )
                        } else {
                            let (run, note) = apply_event(tx, event, log_limit, now).await?;
                            let detail =
                                crate::ingest::limits::join_notes([note, event.note.clone()]);
                            ("recorded", detail, run)
                        }
                    }
                };
                sqlx::query(ingsql::SETTLE_DELIVERY)
                    .bind(id)
                    .bind(outcome)
                    .bind(detail)
                    .bind(now)
                    .bind(run)
                    .bind(automation)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(())
        }

        pub async fn run_by_key(
            pool: &$pool,
            source: i64,
            run_key: &str,
        ) -> StoreResult<Option<Run>> {
            sqlx::query(sqlx::AssertSqlSafe(ingsql::run_by_key()))
                .bind(source)
                .bind(run_key)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(run_row)
                .transpose()
        }

        pub async fn jobs(
            pool: &$pool,
            source: i64,
            run_key: &str,
        ) -> StoreResult<Vec<app::model::ingestion::Job>> {
            let rows = sqlx::query(ingsql::JOBS_OF_RUN)
                .bind(source)
                .bind(run_key)
                .fetch_all(pool)
                .await?;
            rows.iter().map(job_row).collect()
        }

        /// The automation a webhook's run belongs to: by its slug in the
        /// source (generic JSON), else by its tool and external id; created
        /// into the claim queue when there is none. Its id and whether it
        /// was created.
        async fn hook_automation(
            tx: &mut sqlx::Transaction<'_, $db>,
            source: i64,
            wanted: &$crate::store::HookAutomation,
            now: DateTime<Utc>,
        ) -> StoreResult<(i64, bool)> {
            if let Some(slug) = &wanted.slug {
                let found: Option<i64> = sqlx::query_scalar(ingsql::AUTOMATION_BY_SLUG)
                    .bind(source)
                    .bind(slug)
                    .fetch_optional(&mut **tx)
                    .await?;
                if let Some(id) = found {
                    return Ok((id, false));
                }
            }
            let found: Option<i64> = sqlx::query_scalar(ingsql::AUTOMATION_BY_IDENTITY)
                .bind(wanted.fields.tool.as_str())
                .bind(&wanted.fields.external_id)
                .fetch_optional(&mut **tx)
                .await?;
            if let Some(id) = found {
                return Ok((id, false));
            }
            let id =
                create_claimable(tx, source, wanted.slug.as_deref(), &wanted.fields, now).await?;
            insert_audit(tx, &wanted.audit, Some(id)).await?;
            Ok((id, true))
        }

        /// Applies what a webhook reported: its run (found again by its key
        /// in the source) or a job of a run.
        async fn apply_hook(
            tx: &mut sqlx::Transaction<'_, $db>,
            hook: &HookEffect,
            log_limit: usize,
            now: DateTime<Utc>,
        ) -> StoreResult<$crate::store::HookApplied> {
            match &hook.report {
                HookReport::Run(report) => {
                    let row = sqlx::query(sqlx::AssertSqlSafe(ingsql::run_by_key()))
                        .bind(hook.source_id)
                        .bind(&report.run_key)
                        .fetch_optional(&mut **tx)
                        .await?;
                    let existing = match &row {
                        Some(row) => Some((run_row(row)?, row.try_get("status_at")?)),
                        None => None,
                    };
                    let (automation, created) = match &existing {
                        // A run keeps the automation it was created under.
                        Some((run, _)) => (run.automation_id, false),
                        None => hook_automation(tx, hook.source_id, &report.automation, now).await?,
                    };
                    let merged = $crate::runs::merge_hook(
                        existing,
                        automation,
                        report,
                        hook.status_at,
                        log_limit,
                    );
                    let run = &merged.run;
                    let id = if run.id == 0 {
                        sqlx::query_scalar(ingsql::INSERT_HOOK_RUN)
                            .bind(automation)
                            .bind(run.status.as_str())
                            .bind(run.at)
                            .bind(run.started_at)
                            .bind(run.finished_at)
                            .bind(run.duration_ms)
                            .bind(&run.log)
                            .bind(now)
                            .bind(hook.source_id)
                            .bind(&report.run_key)
                            .bind(merged.status_at)
                            .bind(&run.url)
                            .fetch_one(&mut **tx)
                            .await?
                    } else {
                        sqlx::query(ingsql::UPDATE_HOOK_RUN)
                            .bind(run.id)
                            .bind(run.status.as_str())
                            .bind(run.at)
                            .bind(run.started_at)
                            .bind(run.finished_at)
                            .bind(run.duration_ms)
                            .bind(&run.log)
                            .bind(now)
                            .bind(merged.status_at)
                            .bind(&run.url)
                            .execute(&mut **tx)
                            .await?;
                        run.id
                    };
                    let mut note = format!("run {id}: {}", run.status.label());
                    if created {
                        note.push_str(&format!(
                            "; its automation {:?} was created in the claim queue",
                            report.automation.fields.name
                        ));
                    }
                    if let Some(why) = merged.note {
                        note.push_str(&format!(" ({why})"));
                    }
                    Ok($crate::store::HookApplied {
                        run: Some(id),
                        automation: Some(automation),
                        note,
                    })
                }
                HookReport::Job(job) => {
                    let stored: Option<(i64, String, DateTime<Utc>)> =
                        sqlx::query_as(ingsql::JOB_BY_KEY)
                            .bind(hook.source_id)
                            .bind(&job.run_key)
                            .bind(&job.job_key)
                            .fetch_optional(&mut **tx)
                            .await?;
                    let note = match stored {
                        None => {
                            sqlx::query(ingsql::INSERT_JOB)
                                .bind(hook.source_id)
                                .bind(&job.run_key)
                                .bind(&job.job_key)
                                .bind(&job.name)
                                .bind(job.status.as_str())
                                .bind(hook.status_at)
                                .bind(now)
                                .execute(&mut **tx)
                                .await?;
                            format!("job {:?}: {}", job.name, job.status.label())
                        }
                        Some((id, status, at)) => {
                            let status: app::model::ingestion::RunStatus =
                                status.parse().map_err(|e: String| anyhow::anyhow!(e))?;
                            if $crate::runs::takes_over(status, Some(at), job.status, hook.status_at) {
                                sqlx::query(ingsql::UPDATE_JOB)
                                    .bind(id)
                                    .bind(&job.name)
                                    .bind(job.status.as_str())
                                    .bind(hook.status_at)
                                    .bind(now)
                                    .execute(&mut **tx)
                                    .await?;
                                format!("job {:?}: {}", job.name, job.status.label())
                            } else {
                                format!(
                                    "job {:?} stays {}: a finished job never restarts, and a later finish wins",
                                    job.name,
                                    status.label()
                                )
                            }
                        }
                    };
                    let run: Option<(i64, i64)> = sqlx::query_as(ingsql::RUN_OF_JOB)
                        .bind(hook.source_id)
                        .bind(&job.run_key)
                        .fetch_optional(&mut **tx)
                        .await?;
                    Ok($crate::store::HookApplied {
                        run: run.map(|(id, _)| id),
                        automation: run.map(|(_, automation)| automation),
                        note: match run {
                            Some((id, _)) => format!("{note}, of run {id}"),
                            None => format!("{note}, of a run not reported yet"),
                        },
                    })
                }
            }
        }

        #[allow(clippy::too_many_arguments)]
        pub async fn insert_source(
            tx: &mut sqlx::Transaction<'_, $db>,
            slug: &str,
            name: &str,
            team: i64,
            tool: app::model::ingestion::SourceTool,
            key: &str,
            secret: Option<&str>,
            now: DateTime<Utc>,
        ) -> StoreResult<i64> {
            let id: i64 = sqlx::query_scalar(ingsql::INSERT_SOURCE)
                .bind(slug)
                .bind(name)
                .bind(team)
                .bind(tool.as_str())
                .bind(now)
                .fetch_one(&mut **tx)
                .await
                .map_err(|err| match StoreError::from(err) {
                    StoreError::Conflict(_) => {
                        StoreError::Conflict(format!("a source with the slug {slug:?} exists"))
                    }
                    other => other,
                })?;
            sqlx::query(ingsql::INSERT_SOURCE_KEY)
                .bind(key)
                .bind(id)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            if let Some(secret) = secret {
                sqlx::query(ingsql::INSERT_SOURCE_SECRET)
                    .bind(id)
                    .bind(secret)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(id)
        }

        pub async fn sources(pool: &$pool) -> StoreResult<Vec<SourceRow>> {
            let rows = sqlx::query(ingsql::SOURCES).fetch_all(pool).await?;
            rows.iter()
                .map(|row| {
                    let tool: String = row.try_get("tool")?;
                    Ok(SourceRow {
                        source: Source {
                            id: row.try_get("id")?,
                            slug: row.try_get("slug")?,
                            name: row.try_get("name")?,
                            team_id: row.try_get("team_id")?,
                            tool: tool.parse().map_err(|e: String| anyhow::anyhow!(e))?,
                            created_at: row.try_get("created_at")?,
                            rejected_count: row.try_get("rejected_count")?,
                            last_rejected_at: row.try_get("last_rejected_at")?,
                        },
                        key: row.try_get("key")?,
                        secret: row.try_get("secret")?,
                    })
                })
                .collect()
        }

        pub async fn source_by_key(
            pool: &$pool,
            key: &str,
            now: DateTime<Utc>,
        ) -> StoreResult<Option<SourceMatch>> {
            let row: Option<(i64, String, i64, String)> = sqlx::query_as(ingsql::SOURCE_BY_KEY)
                .bind(key)
                .bind(now)
                .fetch_optional(pool)
                .await?;
            let Some((id, slug, team_id, tool)) = row else {
                return Ok(None);
            };
            let tool: app::model::ingestion::SourceTool =
                tool.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            let secrets = if tool.signs() {
                sqlx::query_scalar(ingsql::SOURCE_SECRETS)
                    .bind(id)
                    .bind(now)
                    .fetch_all(pool)
                    .await?
            } else {
                Vec::new()
            };
            Ok(Some(SourceMatch {
                id,
                slug,
                team_id,
                tool,
                secrets,
            }))
        }

        pub async fn rotate_source_secret(
            tx: &mut sqlx::Transaction<'_, $db>,
            source: i64,
            secret: &str,
            now: DateTime<Utc>,
            old_until: DateTime<Utc>,
        ) -> StoreResult<()> {
            sqlx::query(ingsql::RETIRE_SOURCE_SECRET)
                .bind(source)
                .bind(old_until)
                .execute(&mut **tx)
                .await?;
            sqlx::query(ingsql::INSERT_SOURCE_SECRET)
                .bind(source)
                .bind(secret)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        pub async fn count_rejected(pool: &$pool, source: i64, now: DateTime<Utc>) -> StoreResult<()> {
            sqlx::query(ingsql::COUNT_REJECTED)
                .bind(source)
                .bind(now)
                .execute(pool)
                .await?;
            Ok(())
        }

        pub async fn rotate_source_key(
            tx: &mut sqlx::Transaction<'_, $db>,
            source: i64,
            key: &str,
            now: DateTime<Utc>,
            old_until: DateTime<Utc>,
        ) -> StoreResult<()> {
            let retired = sqlx::query(ingsql::RETIRE_SOURCE_KEY)
                .bind(source)
                .bind(old_until)
                .execute(&mut **tx)
                .await?;
            if retired.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query(ingsql::INSERT_SOURCE_KEY)
                .bind(key)
                .bind(source)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        pub async fn automation_by_slug(
            pool: &$pool,
            source: i64,
            slug: &str,
        ) -> StoreResult<Option<i64>> {
            Ok(sqlx::query_scalar(ingsql::AUTOMATION_BY_SLUG)
                .bind(source)
                .bind(slug)
                .fetch_optional(pool)
                .await?)
        }

        pub async fn slug_of(pool: &$pool, automation: i64) -> StoreResult<Option<(i64, String)>> {
            Ok(sqlx::query_as(ingsql::SLUG_OF)
                .bind(automation)
                .fetch_optional(pool)
                .await?)
        }

        pub async fn set_slug(
            tx: &mut sqlx::Transaction<'_, $db>,
            automation: i64,
            slug: Option<(i64, &str)>,
        ) -> StoreResult<()> {
            sqlx::query(ingsql::DELETE_SLUG)
                .bind(automation)
                .execute(&mut **tx)
                .await?;
            if let Some((source, slug)) = slug {
                sqlx::query(ingsql::INSERT_SLUG)
                    .bind(source)
                    .bind(slug)
                    .bind(automation)
                    .execute(&mut **tx)
                    .await
                    .map_err(|err| match StoreError::from(err) {
                        StoreError::Conflict(_) => StoreError::Conflict(format!(
                            "another automation has the slug {slug:?} in this source"
                        )),
                        other => other,
                    })?;
            }
            Ok(())
        }

        /// The automation with `slug` in `source`, created (loose, unowned,
        /// in the claim queue, with its slug) when there is none; whether
        /// it was created.
        pub async fn find_or_create_by_slug(
            tx: &mut sqlx::Transaction<'_, $db>,
            source: i64,
            slug: &str,
            fields: &app::model::inventory::AutomationFields,
            now: DateTime<Utc>,
        ) -> StoreResult<(i64, bool)> {
            let found: Option<i64> = sqlx::query_scalar(ingsql::AUTOMATION_BY_SLUG)
                .bind(source)
                .bind(slug)
                .fetch_optional(&mut **tx)
                .await?;
            if let Some(id) = found {
                return Ok((id, false));
            }
            let id = create_claimable(tx, source, Some(slug), fields, now).await?;
            Ok((id, true))
        }

        /// Adds an automation a tool reported, loose and unowned, into the
        /// claim queue (named `slug` in its source, when given).
        async fn create_claimable(
            tx: &mut sqlx::Transaction<'_, $db>,
            source: i64,
            slug: Option<&str>,
            fields: &app::model::inventory::AutomationFields,
            now: DateTime<Utc>,
        ) -> StoreResult<i64> {
            let id = insert_automation(tx, fields, now).await?;
            if let Some(slug) = slug {
                set_slug(tx, id, Some((source, slug))).await?;
            }
            sqlx::query(ingsql::ENQUEUE_CLAIM)
                .bind(id)
                .bind(source)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            Ok(id)
        }

        pub async fn claim_queue(pool: &$pool) -> StoreResult<Vec<ClaimItem>> {
            let rows = sqlx::query(ingsql::CLAIM_QUEUE).fetch_all(pool).await?;
            rows.iter()
                .map(|row| {
                    Ok(ClaimItem {
                        automation_id: row.try_get("automation_id")?,
                        name: row.try_get("name")?,
                        tool: row.try_get("tool")?,
                        source_id: row.try_get("source_id")?,
                        slug: row.try_get("slug")?,
                        created_at: row.try_get("created_at")?,
                    })
                })
                .collect()
        }

        /// Gives a queued automation its owner and orchestration and takes
        /// it out of the queue; `false` when it was not queued.
        pub async fn claim_automation(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
            owner: i64,
            orchestration: Option<i64>,
            now: DateTime<Utc>,
        ) -> StoreResult<bool> {
            let dequeued = sqlx::query(ingsql::DEQUEUE_CLAIM)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            if dequeued.rows_affected() == 0 {
                return Ok(false);
            }
            sqlx::query(ingsql::CLAIM_AUTOMATION)
                .bind(id)
                .bind(owner)
                .bind(orchestration)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            Ok(true)
        }
    };
}

pub(crate) use ingest_queries;

/// Binds one delivery's insert parameters, in [`INSERT_COLUMNS`] order.
macro_rules! bind_delivery {
    ($query:expr, $d:expr, $duplicate_of:expr) => {{
        let d: &NewDelivery = $d;
        let (outcome, detail) = match (&d.rejected, $duplicate_of) {
            (Some(why), _) => ("rejected", Some(why.clone())),
            (None, Some(first)) => ("duplicate", Some(format!("a repeat of delivery {first}"))),
            (None, None) => ("pending", None),
        };
        $query
            .bind(d.received_at)
            .bind(&d.endpoint)
            .bind(&d.scope)
            .bind(d.source_id)
            .bind(d.automation_id)
            .bind(&d.external_id)
            .bind(&d.method)
            .bind(&d.uri)
            .bind(Json(&d.headers))
            .bind(&d.body)
            .bind(d.body_size)
            .bind(&d.remote_addr)
            .bind(outcome)
            .bind(detail)
            .bind($duplicate_of)
    }};
}

pub(crate) use bind_delivery;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_cut_into_power_of_two_inserts() {
        let mut left = 1300;
        let mut chunks = Vec::new();
        while left > 0 {
            let chunk = next_chunk(left);
            chunks.push(chunk);
            left -= chunk;
        }
        assert_eq!(chunks, [512, 512, 256, 16, 4]);
        assert_eq!(next_chunk(1), 1);
        assert_eq!(next_chunk(3), 2);
    }

    #[test]
    fn a_multi_row_insert_numbers_every_parameter_once() {
        let sql = insert_deliveries(2, ON_EXTERNAL_ID_CONFLICT, Placeholders::Numbered);
        assert!(sql.contains("($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"));
        assert!(sql.contains("($16, $17,"));
        assert!(sql.contains("$30) ON CONFLICT"));
        assert!(sql.ends_with("RETURNING id"));
        let sql = insert_deliveries(2, "", Placeholders::InOrder);
        assert_eq!(sql.matches('?').count(), 2 * INSERT_ARITY);
        assert!(!sql.contains('$'));
    }

    #[test]
    fn plain_insert_texts_are_written_once_per_size_and_style() {
        for style in [Placeholders::Numbered, Placeholders::InOrder] {
            for rows in [1, 2, 64, ROWS_PER_INSERT] {
                let text = plain_insert(rows, style);
                assert_eq!(text, insert_deliveries(rows, "", style));
                assert!(std::ptr::eq(text, plain_insert(rows, style)));
            }
        }
        assert_ne!(
            plain_insert(4, Placeholders::Numbered),
            plain_insert(4, Placeholders::InOrder)
        );
    }
}

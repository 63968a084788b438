//! Runbooks' SQL, shared by both backends like [`super::sql`].

pub const CURRENT: &str = "\
SELECT number, body, note, author_id, author_label, created_at, restored_from
FROM runbook_revisions WHERE orchestration_id = $1 ORDER BY number DESC LIMIT 1";

pub const REVISION: &str = "\
SELECT number, body, note, author_id, author_label, created_at, restored_from
FROM runbook_revisions WHERE orchestration_id = $1 AND number = $2";

/// Every revision without its text, newest first.
pub const REVISIONS: &str = "\
SELECT number, note, author_id, author_label, created_at, restored_from, lines
FROM runbook_revisions WHERE orchestration_id = $1 ORDER BY number DESC";

pub const NEWEST_NUMBER: &str = "\
SELECT COALESCE(MAX(number), 0) AS number FROM runbook_revisions WHERE orchestration_id = $1";

/// The orchestration row; on PostgreSQL locked, so two saves of one
/// runbook queue instead of racing (SQLite has one writer at a time).
pub const ORCHESTRATION_EXISTS: &str = "SELECT id FROM orchestrations WHERE id = $1";
pub const ORCHESTRATION_LOCKED: &str = "SELECT id FROM orchestrations WHERE id = $1 FOR UPDATE";

pub const INSERT_REVISION: &str = "\
INSERT INTO runbook_revisions (orchestration_id, number, body, note, lines, author_id,
    author_label, created_at, restored_from)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

pub const VERIFICATION: &str = "\
SELECT revision, verified_by, verified_label, verified_at
FROM runbook_verifications WHERE orchestration_id = $1";

pub const UPSERT_VERIFICATION: &str = "\
INSERT INTO runbook_verifications (orchestration_id, revision, verified_by, verified_label,
    verified_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (orchestration_id) DO UPDATE SET revision = excluded.revision,
    verified_by = excluded.verified_by, verified_label = excluded.verified_label,
    verified_at = excluded.verified_at";

/// Each orchestration with a runbook: its newest revision and latest
/// verification.
pub const MARKS: &str = "\
SELECT r.orchestration_id, MAX(r.number) AS revision, v.revision AS verified_revision,
    v.verified_by, v.verified_label, v.verified_at
FROM runbook_revisions r
LEFT JOIN runbook_verifications v ON v.orchestration_id = r.orchestration_id
GROUP BY r.orchestration_id, v.revision, v.verified_by, v.verified_label, v.verified_at";

/// The runbook queries, written once for both backends.
macro_rules! runbook_queries {
    ($db:ty, $pool:ty) => {
        use app::model::runbooks::{Revision, RevisionMeta, Verification};
        use $crate::store::runbook_sql as rbsql;

        fn revision_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<Revision> {
            Ok(Revision {
                number: row.try_get("number")?,
                body: row.try_get("body")?,
                note: row.try_get("note")?,
                author_id: row.try_get("author_id")?,
                author: row.try_get("author_label")?,
                created_at: row.try_get("created_at")?,
                restored_from: row.try_get("restored_from")?,
            })
        }

        pub async fn runbook_current(
            pool: &$pool,
            orchestration: i64,
        ) -> StoreResult<Option<Revision>> {
            let row = sqlx::query(rbsql::CURRENT)
                .bind(orchestration)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(revision_row).transpose()
        }

        pub async fn runbook_revision(
            pool: &$pool,
            orchestration: i64,
            number: i64,
        ) -> StoreResult<Revision> {
            let row = sqlx::query(rbsql::REVISION)
                .bind(orchestration)
                .bind(number)
                .fetch_one(pool)
                .await?;
            revision_row(&row)
        }

        pub async fn runbook_revisions(
            pool: &$pool,
            orchestration: i64,
        ) -> StoreResult<Vec<RevisionMeta>> {
            let rows = sqlx::query(rbsql::REVISIONS)
                .bind(orchestration)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|row| {
                    let lines: i64 = row.try_get("lines")?;
                    Ok(RevisionMeta {
                        number: row.try_get("number")?,
                        note: row.try_get("note")?,
                        author_id: row.try_get("author_id")?,
                        author: row.try_get("author_label")?,
                        created_at: row.try_get("created_at")?,
                        restored_from: row.try_get("restored_from")?,
                        lines: usize::try_from(lines).unwrap_or_default(),
                    })
                })
                .collect()
        }

        pub async fn runbook_verification(
            pool: &$pool,
            orchestration: i64,
        ) -> StoreResult<Option<Verification>> {
            let row = sqlx::query(rbsql::VERIFICATION)
                .bind(orchestration)
                .fetch_optional(pool)
                .await?;
            row.map(|row| {
                Ok(Verification {
                    revision: row.try_get("revision")?,
                    by_id: row.try_get("verified_by")?,
                    by: row.try_get("verified_label")?,
                    at: row.try_get("verified_at")?,
                })
            })
            .transpose()
        }

        /// Adds revision `base + 1`; a `Conflict` when the newest is not
        /// `base` (someone saved meanwhile), `NotFound` without the
        /// orchestration. `find` reads (and, where it can, locks) the
        /// orchestration's row.
        pub async fn insert_runbook_revision(
            tx: &mut sqlx::Transaction<'_, $db>,
            orchestration: i64,
            base: i64,
            new: &$crate::store::NewRevision,
            find: &'static str,
        ) -> StoreResult<i64> {
            sqlx::query(find)
                .bind(orchestration)
                .fetch_one(&mut **tx)
                .await?;
            let newest: i64 = sqlx::query(rbsql::NEWEST_NUMBER)
                .bind(orchestration)
                .fetch_one(&mut **tx)
                .await?
                .try_get("number")?;
            if newest != base {
                return Err($crate::store::StoreError::Conflict(format!(
                    "revision {newest} is the newest, not {base}"
                )));
            }
            let number = base + 1;
            sqlx::query(rbsql::INSERT_REVISION)
                .bind(orchestration)
                .bind(number)
                .bind(&new.body)
                .bind(&new.note)
                .bind(i64::try_from(new.body.lines().count()).unwrap_or(i64::MAX))
                .bind(new.author_id)
                .bind(&new.author)
                .bind(new.at)
                .bind(new.restored_from)
                .execute(&mut **tx)
                .await?;
            Ok(number)
        }

        pub async fn upsert_verification(
            tx: &mut sqlx::Transaction<'_, $db>,
            orchestration: i64,
            verification: &Verification,
        ) -> StoreResult<()> {
            sqlx::query(rbsql::UPSERT_VERIFICATION)
                .bind(orchestration)
                .bind(verification.revision)
                .bind(verification.by_id)
                .bind(&verification.by)
                .bind(verification.at)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        pub async fn runbook_marks(pool: &$pool) -> StoreResult<Vec<$crate::store::RunbookMark>> {
            let rows = sqlx::query(rbsql::MARKS).fetch_all(pool).await?;
            rows.iter()
                .map(|row| {
                    let verified: Option<i64> = row.try_get("verified_revision")?;
                    let verification = match verified {
                        Some(revision) => Some(Verification {
                            revision,
                            by_id: row.try_get("verified_by")?,
                            by: row.try_get("verified_label")?,
                            at: row.try_get("verified_at")?,
                        }),
                        None => None,
                    };
                    Ok($crate::store::RunbookMark {
                        orchestration_id: row.try_get("orchestration_id")?,
                        revision: row.try_get("revision")?,
                        verification,
                    })
                })
                .collect()
        }
    };
}

pub(crate) use runbook_queries;

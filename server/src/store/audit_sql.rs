//! The audit log's SQL, shared by both backends like [`super::sql`]: one
//! insert (inside the transaction of the change it records) and the
//! filtered, newest-first reading.

use app::model::audit::AuditFilter;

pub const INSERT_AUDIT: &str = "\
INSERT INTO audit_log (at, actor_id, actor_label, action, subject_kind, subject_id,
    subject_label, before, after, client)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

const COLUMNS: &str = "id, at, actor_id, actor_label, action, subject_kind, subject_id, \
    subject_label, before, after, client";

/// A filter's `WHERE` clause over numbered parameters from `$1`, and the
/// values to bind, in order (each as text or a number).
pub fn conditions(filter: &AuditFilter) -> (String, Vec<Param>) {
    let mut clauses = Vec::new();
    let mut params = Vec::new();
    let mut next = |clause: &str, param: Param, params: &mut Vec<Param>| {
        params.push(param);
        clauses.push(clause.replace('?', &format!("${}", params.len())));
    };
    if let Some(action) = filter
        .action
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        if let Some(prefix) = action.strip_suffix('.') {
            next(
                "action LIKE ?",
                Param::Text(format!("{prefix}.%")),
                &mut params,
            );
        } else {
            next("action = ?", Param::Text(action.to_owned()), &mut params);
        }
    }
    if let Some(actor) = filter.actor_id {
        next("actor_id = ?", Param::Int(actor), &mut params);
    }
    if let Some(kind) = filter.subject_kind.as_deref().filter(|k| !k.is_empty()) {
        next(
            "subject_kind = ?",
            Param::Text(kind.to_owned()),
            &mut params,
        );
    }
    if let Some(id) = filter.subject_id {
        next("subject_id = ?", Param::Int(id), &mut params);
    }
    if let Some(from) = filter.from.and_then(|d| d.and_hms_opt(0, 0, 0)) {
        next("at >= ?", Param::Time(from.and_utc()), &mut params);
    }
    if let Some(to) = filter
        .to
        .and_then(|d| d.succ_opt())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        next("at < ?", Param::Time(to.and_utc()), &mut params);
    }
    let clause = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    (clause, params)
}

/// A value bound to a filter's parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Text(String),
    Int(i64),
    Time(chrono::DateTime<chrono::Utc>),
}

pub fn page_query(clause: &str, params: usize) -> String {
    format!(
        "SELECT {COLUMNS} FROM audit_log {clause} ORDER BY id DESC LIMIT ${} OFFSET ${}",
        params + 1,
        params + 2
    )
}

pub fn count_query(clause: &str) -> String {
    format!("SELECT count(*) FROM audit_log {clause}")
}

/// The audit queries, written once for both backends.
macro_rules! audit_queries {
    ($db:ty, $pool:ty) => {
        use $crate::store::audit_sql as asql;

        /// Appends `entry`, recording `created` as its subject when the
        /// entry names none (a creation).
        pub async fn insert_audit(
            tx: &mut sqlx::Transaction<'_, $db>,
            entry: &$crate::store::NewAudit,
            created: Option<i64>,
        ) -> StoreResult<()> {
            sqlx::query(asql::INSERT_AUDIT)
                .bind(entry.at)
                .bind(entry.actor_id)
                .bind(&entry.actor_label)
                .bind(entry.action)
                .bind(entry.subject_kind)
                .bind(entry.subject_id.or(created))
                .bind(&entry.subject_label)
                .bind(entry.before.as_ref().map(Json))
                .bind(entry.after.as_ref().map(Json))
                .bind(&entry.client)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        fn bind_audit<'q, O>(
            mut query: sqlx::query::QueryAs<'q, $db, O, <$db as sqlx::Database>::Arguments>,
            params: &'q [asql::Param],
        ) -> sqlx::query::QueryAs<'q, $db, O, <$db as sqlx::Database>::Arguments> {
            for param in params {
                query = match param {
                    asql::Param::Text(text) => query.bind(text),
                    asql::Param::Int(n) => query.bind(n),
                    asql::Param::Time(at) => query.bind(at),
                };
            }
            query
        }

        pub async fn audit_log(
            pool: &$pool,
            filter: &app::model::audit::AuditFilter,
            limit: u32,
            offset: u32,
        ) -> StoreResult<Vec<app::model::audit::AuditEntry>> {
            let (clause, params) = asql::conditions(filter);
            let sql = asql::page_query(&clause, params.len());
            let query = sqlx::query_as::<_, $crate::store::AuditRow>(sqlx::AssertSqlSafe(sql));
            let rows = bind_audit(query, &params)
                .bind(i64::from(limit))
                .bind(i64::from(offset))
                .fetch_all(pool)
                .await?;
            Ok(rows.into_iter().map(Into::into).collect())
        }

        pub async fn count_audit(
            pool: &$pool,
            filter: &app::model::audit::AuditFilter,
        ) -> StoreResult<u64> {
            let (clause, params) = asql::conditions(filter);
            let sql = asql::count_query(&clause);
            let query = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(sql));
            let (n,) = bind_audit(query, &params).fetch_one(pool).await?;
            Ok(u64::try_from(n).unwrap_or_default())
        }
    };
}

pub(crate) use audit_queries;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_number_their_parameters_in_order() {
        let filter = AuditFilter {
            action: Some("orchestration.".to_owned()),
            actor_id: Some(4),
            from: chrono::NaiveDate::from_ymd_opt(2026, 11, 1),
            ..Default::default()
        };
        let (clause, params) = conditions(&filter);
        assert_eq!(
            clause,
            "WHERE action LIKE $1 AND actor_id = $2 AND at >= $3"
        );
        assert_eq!(params[0], Param::Text("orchestration.%".to_owned()));
        assert_eq!(
            page_query(&clause, params.len()).rsplit("LIMIT").next(),
            Some(" $4 OFFSET $5")
        );
    }
}

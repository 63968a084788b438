//! Reviews' SQL, shared by both backends like [`super::sql`].

pub const CADENCES: &str = "SELECT orchestration_id, cadence FROM review_cadences";

pub const UPSERT_CADENCE: &str = "\
INSERT INTO review_cadences (orchestration_id, cadence, set_at) VALUES ($1, $2, $3)
ON CONFLICT (orchestration_id) DO UPDATE SET cadence = excluded.cadence, set_at = excluded.set_at";

/// The review queries, written once for both backends.
macro_rules! review_queries {
    ($db:ty, $pool:ty) => {
        use app::model::reviews::Cadence;
        use $crate::store::review_sql as rvsql;

        /// Every cadence set, by orchestration (the others are quarterly).
        pub async fn review_cadences(pool: &$pool) -> StoreResult<Vec<(i64, Cadence)>> {
            let rows = sqlx::query(rvsql::CADENCES).fetch_all(pool).await?;
            rows.iter()
                .map(|row| {
                    let text: String = row.try_get("cadence")?;
                    let cadence = Cadence::parse(&text).ok_or_else(|| {
                        $crate::store::StoreError::Other(anyhow::anyhow!(
                            "unknown review cadence {text:?} stored"
                        ))
                    })?;
                    Ok((row.try_get("orchestration_id")?, cadence))
                })
                .collect()
        }

        pub async fn set_review_cadence(
            tx: &mut sqlx::Transaction<'_, $db>,
            orchestration: i64,
            cadence: Cadence,
            now: DateTime<Utc>,
        ) -> StoreResult<()> {
            sqlx::query(rvsql::UPSERT_CADENCE)
                .bind(orchestration)
                .bind(cadence.as_str())
                .bind(now)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }
    };
}

pub(crate) use review_queries;

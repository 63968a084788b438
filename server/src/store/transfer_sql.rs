//! The SQL of a whole-catalog import, shared by both backends like
//! [`super::sql`]: one transaction that adds or changes everything named in
//! a catalog document, matched on natural keys.

pub const INSERT_TEAM_IF_NEW: &str = "\
INSERT INTO teams (slug, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (slug) DO NOTHING";
pub const TEAM_ID: &str = "SELECT id FROM teams WHERE slug = $1";
pub const INSERT_USER_IF_NEW: &str = "\
INSERT INTO users (email, display_name, role, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (email) DO NOTHING";
pub const USER_ID: &str = "SELECT id FROM users WHERE email = $1";
pub const ORCHESTRATION_ID: &str = "SELECT id FROM orchestrations WHERE slug = $1";
pub const ORCHESTRATION_ID_VERSION: &str = "SELECT id, version FROM orchestrations WHERE slug = $1";
pub const AUTOMATION_ID_VERSION: &str =
    "SELECT id, version FROM automations WHERE tool = $1 AND external_id = $2";

/// The import's query functions for backend `$db`.
macro_rules! transfer_queries {
    ($db:ty, $pool:ty) => {
        use app::model::transfer::{CatalogImportCounts, NodeKey};
        use $crate::store::transfer_sql as tsql;

        async fn id_of(
            tx: &mut sqlx::Transaction<'_, $db>,
            query: &'static str,
            key: &str,
        ) -> StoreResult<Option<i64>> {
            Ok(sqlx::query_scalar(query).bind(key).fetch_optional(&mut **tx).await?)
        }

        /// The id an email or slug names, or a message saying it names nobody.
        async fn resolve(
            tx: &mut sqlx::Transaction<'_, $db>,
            query: &'static str,
            key: &Option<String>,
            what: &str,
        ) -> StoreResult<Result<Option<i64>, String>> {
            let Some(key) = key else { return Ok(Ok(None)) };
            Ok(match id_of(tx, query, key).await? {
                Some(id) => Ok(Some(id)),
                None => Err(format!("{what} {key:?} is not in the document or in this Baton")),
            })
        }

        async fn node_of(
            tx: &mut sqlx::Transaction<'_, $db>,
            key: &NodeKey,
        ) -> StoreResult<Result<NodeRef, String>> {
            Ok(match key {
                NodeKey::Orchestration(slug) => {
                    match id_of(tx, tsql::ORCHESTRATION_ID, slug).await? {
                        Some(id) => Ok(NodeRef::orchestration(id)),
                        None => Err(format!("a dependency names the orchestration {slug:?}, which is not there")),
                    }
                }
                NodeKey::Automation { tool, external_id } => {
                    let found: Option<(i64, i64)> = sqlx::query_as(tsql::AUTOMATION_ID_VERSION)
                        .bind(tool)
                        .bind(external_id)
                        .fetch_optional(&mut **tx)
                        .await?;
                    match found {
                        Some((id, _)) => Ok(NodeRef::automation(id)),
                        None => Err(format!(
                            "a dependency names the automation {tool} {external_id:?}, which is not there"
                        )),
                    }
                }
            })
        }

        /// Writes the plan inside `tx`; a reference that resolves to
        /// nothing, or an edge closing a cycle, comes back as a message
        /// and the caller rolls back.
        pub async fn import_catalog(
            tx: &mut sqlx::Transaction<'_, $db>,
            plan: &$crate::store::CatalogPlan,
            now: DateTime<Utc>,
        ) -> StoreResult<Result<CatalogImportCounts, String>> {
            let mut counts = CatalogImportCounts::default();
            for team in &plan.teams {
                let done = sqlx::query(tsql::INSERT_TEAM_IF_NEW)
                    .bind(&team.slug)
                    .bind(&team.name)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                counts.teams += done.rows_affected() as usize;
            }
            for person in &plan.people {
                let done = sqlx::query(tsql::INSERT_USER_IF_NEW)
                    .bind(person.email.trim().to_lowercase())
                    .bind(&person.display_name)
                    .bind(person.role.as_str())
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                counts.people += done.rows_affected() as usize;
            }
            for planned in &plan.orchestrations {
                let mut fields = planned.fields.clone();
                fields.owner_id = match resolve(tx, tsql::USER_ID, &planned.owner, "the person").await? {
                    Ok(id) => id,
                    Err(why) => return Ok(Err(why)),
                };
                fields.backup_owner_id =
                    match resolve(tx, tsql::USER_ID, &planned.backup_owner, "the person").await? {
                        Ok(id) => id,
                        Err(why) => return Ok(Err(why)),
                    };
                fields.team_id = match resolve(tx, tsql::TEAM_ID, &planned.team, "the team").await? {
                    Ok(id) => id,
                    Err(why) => return Ok(Err(why)),
                };
                let current: Option<(i64, i64)> = sqlx::query_as(tsql::ORCHESTRATION_ID_VERSION)
                    .bind(&fields.slug)
                    .fetch_optional(&mut **tx)
                    .await?;
                match current {
                    Some((id, version)) => update_orchestration(tx, id, version, &fields, now).await?,
                    None => {
                        insert_orchestration(tx, &fields, now).await?;
                    }
                }
                counts.orchestrations += 1;
            }
            for planned in &plan.automations {
                let mut fields = planned.fields.clone();
                fields.owner_id = match resolve(tx, tsql::USER_ID, &planned.owner, "the person").await? {
                    Ok(id) => id,
                    Err(why) => return Ok(Err(why)),
                };
                fields.team_id = match resolve(tx, tsql::TEAM_ID, &planned.team, "the team").await? {
                    Ok(id) => id,
                    Err(why) => return Ok(Err(why)),
                };
                fields.orchestration_id =
                    match resolve(tx, tsql::ORCHESTRATION_ID, &planned.orchestration, "the orchestration").await? {
                        Ok(id) => id,
                        Err(why) => return Ok(Err(why)),
                    };
                let current: Option<(i64, i64)> = sqlx::query_as(tsql::AUTOMATION_ID_VERSION)
                    .bind(fields.tool.as_str())
                    .bind(&fields.external_id)
                    .fetch_optional(&mut **tx)
                    .await?;
                match current {
                    Some((id, version)) => update_automation(tx, id, version, &fields, now).await?,
                    None => {
                        insert_automation(tx, &fields, now).await?;
                    }
                }
                counts.automations += 1;
            }
            for entry in &plan.dependencies {
                let upstream = match node_of(tx, &entry.upstream).await? {
                    Ok(node) => node,
                    Err(why) => return Ok(Err(why)),
                };
                let downstream = match node_of(tx, &entry.downstream).await? {
                    Ok(node) => node,
                    Err(why) => return Ok(Err(why)),
                };
                let draft = DependencyDraft { upstream, downstream, note: entry.note.clone() };
                match insert_dependency(tx, &draft, now).await? {
                    Ok(_) => counts.dependencies += 1,
                    Err($crate::store::EdgeRefusal::Exists) => {}
                    Err($crate::store::EdgeRefusal::Cycle(_)) => {
                        return Ok(Err(format!(
                            "the dependency {} → {} would close a cycle",
                            entry.upstream, entry.downstream
                        )));
                    }
                }
            }
            Ok(Ok(counts))
        }
    };
}

pub(crate) use transfer_queries;

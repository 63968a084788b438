//! The dependency graph's SQL, shared by both backends like [`super::sql`].

use app::model::dependencies::{Dependency, Endpoint, NodeRef};
use chrono::{DateTime, Utc};

pub const INSERT_DEPENDENCY: &str = "\
INSERT INTO dependencies (upstream_automation_id, upstream_orchestration_id,
    downstream_automation_id, downstream_orchestration_id, note, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id";

pub const ALL_EDGES: &str = "\
SELECT upstream_automation_id, upstream_orchestration_id,
       downstream_automation_id, downstream_orchestration_id
FROM dependencies";

pub const DELETE_DEPENDENCY: &str = "DELETE FROM dependencies WHERE id = $1";

/// Every edge with the names of its two ends, then the given clause.
macro_rules! select_dependencies {
    ($clause:literal) => {
        concat!(
            "SELECT d.id, d.upstream_automation_id, d.upstream_orchestration_id,
                    d.downstream_automation_id, d.downstream_orchestration_id, d.note, d.created_at,
                    coalesce(ua.name, uo.name) AS upstream_name, uo.slug AS upstream_slug,
                    ua.tool AS upstream_tool,
                    coalesce(da.name, dorch.name) AS downstream_name,
                    dorch.slug AS downstream_slug, da.tool AS downstream_tool
             FROM dependencies d
             LEFT JOIN automations ua ON ua.id = d.upstream_automation_id
             LEFT JOIN orchestrations uo ON uo.id = d.upstream_orchestration_id
             LEFT JOIN automations da ON da.id = d.downstream_automation_id
             LEFT JOIN orchestrations dorch ON dorch.id = d.downstream_orchestration_id ",
            $clause
        )
    };
}

pub const DEPENDENCY_BY_ID: &str = select_dependencies!("WHERE d.id = $1");
pub const ALL_DEPENDENCIES: &str = select_dependencies!("ORDER BY d.id");

/// The two id columns of one side of an edge, as they are stored.
pub fn columns(node: NodeRef) -> (Option<i64>, Option<i64>) {
    match node.kind {
        app::model::dependencies::NodeKind::Automation => (Some(node.id), None),
        app::model::dependencies::NodeKind::Orchestration => (None, Some(node.id)),
    }
}

/// One side of an edge from its two id columns (the schema's CHECK keeps
/// exactly one set).
pub fn node(automation: Option<i64>, orchestration: Option<i64>) -> super::StoreResult<NodeRef> {
    match (automation, orchestration) {
        (Some(id), None) => Ok(NodeRef::automation(id)),
        (None, Some(id)) => Ok(NodeRef::orchestration(id)),
        _ => Err(super::StoreError::Other(anyhow::anyhow!(
            "a dependency row names both or neither kinds of node"
        ))),
    }
}

/// One row of `dependencies`, with its ends' names.
#[derive(Debug, sqlx::FromRow)]
pub struct DependencyRow {
    pub id: i64,
    pub upstream_automation_id: Option<i64>,
    pub upstream_orchestration_id: Option<i64>,
    pub downstream_automation_id: Option<i64>,
    pub downstream_orchestration_id: Option<i64>,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub upstream_name: String,
    pub upstream_slug: Option<String>,
    pub upstream_tool: Option<String>,
    pub downstream_name: String,
    pub downstream_slug: Option<String>,
    pub downstream_tool: Option<String>,
}

/// One edge as stored, by its two id columns a side.
#[derive(Debug, sqlx::FromRow)]
pub struct EdgeRow {
    pub upstream_automation_id: Option<i64>,
    pub upstream_orchestration_id: Option<i64>,
    pub downstream_automation_id: Option<i64>,
    pub downstream_orchestration_id: Option<i64>,
}

impl TryFrom<EdgeRow> for (NodeRef, NodeRef) {
    type Error = super::StoreError;

    fn try_from(row: EdgeRow) -> Result<Self, Self::Error> {
        Ok((
            node(row.upstream_automation_id, row.upstream_orchestration_id)?,
            node(
                row.downstream_automation_id,
                row.downstream_orchestration_id,
            )?,
        ))
    }
}

impl TryFrom<DependencyRow> for Dependency {
    type Error = super::StoreError;

    fn try_from(row: DependencyRow) -> Result<Self, Self::Error> {
        Ok(Dependency {
            id: row.id,
            upstream: Endpoint {
                node: node(row.upstream_automation_id, row.upstream_orchestration_id)?,
                name: row.upstream_name,
                slug: row.upstream_slug,
                tool: row.upstream_tool,
            },
            downstream: Endpoint {
                node: node(
                    row.downstream_automation_id,
                    row.downstream_orchestration_id,
                )?,
                name: row.downstream_name,
                slug: row.downstream_slug,
                tool: row.downstream_tool,
            },
            note: row.note,
            created_at: row.created_at,
        })
    }
}

/// The graph's query functions for backend `$db` with pool `$pool`.
macro_rules! graph_queries {
    ($db:ty, $pool:ty) => {
        use app::model::dependencies::{Dependency, DependencyDraft, Graph, NodeRef};
        use $crate::store::graph_sql as gsql;

        /// Every edge, read inside `tx` so no concurrent change slips
        /// between the check and the write.
        async fn edges_in(
            tx: &mut sqlx::Transaction<'_, $db>,
        ) -> StoreResult<Vec<(NodeRef, NodeRef)>> {
            let rows: Vec<gsql::EdgeRow> =
                sqlx::query_as(gsql::ALL_EDGES).fetch_all(&mut **tx).await?;
            rows.into_iter().map(TryInto::try_into).collect()
        }

        /// Adds the edge unless it is there already or would close a
        /// cycle. The caller holds the graph's write lock in `tx`.
        pub async fn insert_dependency(
            tx: &mut sqlx::Transaction<'_, $db>,
            draft: &DependencyDraft,
            now: DateTime<Utc>,
        ) -> StoreResult<Result<i64, $crate::store::EdgeRefusal>> {
            let graph = Graph::new(edges_in(tx).await?);
            if graph.has_edge(draft.upstream, draft.downstream) {
                return Ok(Err($crate::store::EdgeRefusal::Exists));
            }
            if let Some(cycle) = graph.cycle_if_added(draft.upstream, draft.downstream) {
                return Ok(Err($crate::store::EdgeRefusal::Cycle(cycle)));
            }
            let (up_a, up_o) = gsql::columns(draft.upstream);
            let (down_a, down_o) = gsql::columns(draft.downstream);
            let id: i64 = sqlx::query_scalar(gsql::INSERT_DEPENDENCY)
                .bind(up_a)
                .bind(up_o)
                .bind(down_a)
                .bind(down_o)
                .bind(draft.note.trim())
                .bind(now)
                .fetch_one(&mut **tx)
                .await?;
            Ok(Ok(id))
        }

        pub async fn dependency(pool: &$pool, id: i64) -> StoreResult<Dependency> {
            let row: gsql::DependencyRow = sqlx::query_as(gsql::DEPENDENCY_BY_ID)
                .bind(id)
                .fetch_one(pool)
                .await?;
            row.try_into()
        }

        pub async fn dependencies(pool: &$pool) -> StoreResult<Vec<Dependency>> {
            let rows: Vec<gsql::DependencyRow> = sqlx::query_as(gsql::ALL_DEPENDENCIES)
                .fetch_all(pool)
                .await?;
            rows.into_iter().map(TryInto::try_into).collect()
        }

        pub async fn delete_dependency(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
        ) -> StoreResult<()> {
            let done = sqlx::query(gsql::DELETE_DEPENDENCY)
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

pub(crate) use graph_queries;

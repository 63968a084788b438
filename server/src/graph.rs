//! The dependency graph's rules: both ends must exist, an edge is listed
//! once, and no edge may close a cycle — refused with the cycle named.

use std::collections::HashMap;

use app::model::accounts::Actor;
use app::model::catalog::Orchestration;
use app::model::dependencies::{
    Dependency, DependencyDraft, Endpoint, Graph, GraphNode, Neighbourhood, NodeKind, NodeRef,
};
use app::model::errors::FieldErrors;
use app::model::inventory::{Automation, InventoryFilter};

use crate::access;
use crate::audit::Author;
use crate::catalog::CatalogError;
use crate::clock::Clock;
use crate::store::{EdgeRefusal, Store, StoreResult};

const MAX_NOTE: usize = 2_000;
/// The most automations of one orchestration listed and drawn.
const MAX_MEMBERS: u32 = 500;

/// What people call a node: its name.
async fn name_of(store: &dyn Store, node: NodeRef) -> Result<String, CatalogError> {
    Ok(match node.kind {
        NodeKind::Automation => store.automation(node.id).await?.fields.name,
        NodeKind::Orchestration => store.orchestration(node.id).await?.fields.name,
    })
}

async fn exists(store: &dyn Store, node: NodeRef) -> Result<bool, CatalogError> {
    match name_of(store, node).await {
        Ok(_) => Ok(true),
        Err(CatalogError::NotFound) => Ok(false),
        Err(other) => Err(other),
    }
}

/// Adds "upstream feeds downstream".
pub async fn add_dependency(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    draft: DependencyDraft,
) -> Result<Dependency, CatalogError> {
    access::check_edge(store, actor, draft.upstream, draft.downstream).await?;
    let mut errors = FieldErrors::default();
    for (field, node) in [
        ("upstream", draft.upstream),
        ("downstream", draft.downstream),
    ] {
        if !exists(store, node).await? {
            errors.add(
                field,
                format!("there is no {} {}", node.kind.as_str(), node.id),
            );
        }
    }
    if draft.note.chars().count() > MAX_NOTE {
        errors.add("note", format!("keep it under {MAX_NOTE} characters"));
    }
    if !errors.is_empty() {
        return Err(CatalogError::Invalid(errors));
    }
    let label = format!(
        "{} feeds {}",
        name_of(store, draft.upstream).await?,
        name_of(store, draft.downstream).await?
    );
    let audit = Author::of(actor)
        .did(clock.now(), "dependency.added", "dependency", None, label)
        .after(&draft);
    match store.add_dependency(&draft, clock.now(), &audit).await {
        Ok(Ok(added)) => Ok(added),
        Ok(Err(EdgeRefusal::Cycle(cycle))) => {
            let mut names = Vec::with_capacity(cycle.len());
            for node in cycle {
                names.push(name_of(store, node).await?);
            }
            let mut errors = FieldErrors::default();
            errors.add(
                "downstream",
                format!(
                    "this would close a cycle: {} (a dependency chain must not lead back to where it started)",
                    names.join(" → ")
                ),
            );
            Err(CatalogError::Invalid(errors))
        }
        Ok(Err(EdgeRefusal::Exists)) => {
            let up = name_of(store, draft.upstream).await?;
            let down = name_of(store, draft.downstream).await?;
            let mut errors = FieldErrors::default();
            errors.add("downstream", format!("{up} already feeds {down}"));
            Err(CatalogError::Invalid(errors))
        }
        Err(other) => Err(other.into()),
    }
}

/// Removes an edge.
pub async fn remove_dependency(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
) -> Result<(), CatalogError> {
    let edge = store.dependency(id).await?;
    access::check_edge(store, actor, edge.upstream.node, edge.downstream.node).await?;
    let label = format!("{} feeds {}", edge.upstream.name, edge.downstream.name);
    let audit = Author::of(actor)
        .did(
            clock.now(),
            "dependency.removed",
            "dependency",
            Some(id),
            label,
        )
        .before(&edge);
    Ok(store.delete_dependency(id, &audit).await?)
}

/// The automations of an orchestration, by name.
pub async fn members(store: &dyn Store, orchestration: i64) -> StoreResult<Vec<Automation>> {
    store
        .automations(
            &InventoryFilter {
                orchestration_id: Some(orchestration),
                ..Default::default()
            },
            MAX_MEMBERS,
            0,
        )
        .await
}

/// The orchestration, its automations (`members`), and everything
/// upstream and downstream of them, with names, ready to draw.
pub async fn neighbourhood(
    store: &dyn Store,
    orchestration: &Orchestration,
    members: &[Automation],
) -> Result<Neighbourhood, CatalogError> {
    let mut known: HashMap<NodeRef, Endpoint> = HashMap::new();
    let centre = NodeRef::orchestration(orchestration.id);
    known.insert(
        centre,
        Endpoint {
            node: centre,
            name: orchestration.fields.name.clone(),
            slug: Some(orchestration.fields.slug.clone()),
            tool: None,
        },
    );
    for automation in members {
        let node = NodeRef::automation(automation.id);
        known.insert(
            node,
            Endpoint {
                node,
                name: automation.fields.name.clone(),
                slug: None,
                tool: Some(automation.fields.tool.as_str().to_owned()),
            },
        );
    }
    let all = store.dependencies().await?;
    let mut edges = Vec::with_capacity(all.len());
    for edge in all {
        edges.push((edge.upstream.node, edge.downstream.node));
        for end in [edge.upstream, edge.downstream] {
            known.entry(end.node).or_insert(end);
        }
    }
    let focus: Vec<NodeRef> = std::iter::once(centre)
        .chain(members.iter().map(|m| NodeRef::automation(m.id)))
        .collect();
    let layers = Graph::new(edges.iter().copied()).neighbourhood(&focus);
    let nodes = layers
        .iter()
        .filter_map(|(node, &layer)| {
            known.get(node).map(|endpoint| GraphNode {
                endpoint: endpoint.clone(),
                layer,
                focus: focus.contains(node),
            })
        })
        .collect();
    let edges = edges
        .into_iter()
        .filter(|(up, down)| layers.contains_key(up) && layers.contains_key(down))
        .collect();
    Ok(Neighbourhood { nodes, edges })
}

//! Dependencies: "A feeds B" between automations and orchestrations. Hidden
//! dependencies are the disease; the catalog keeps them acyclic and draws
//! them.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::{Deserialize, Serialize};

/// The two kinds of thing a dependency joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Automation,
    Orchestration,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Automation => "automation",
            NodeKind::Orchestration => "orchestration",
        }
    }
}

/// One end of a dependency: an automation or an orchestration, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NodeRef {
    pub kind: NodeKind,
    pub id: i64,
}

impl NodeRef {
    pub const fn automation(id: i64) -> Self {
        Self {
            kind: NodeKind::Automation,
            id,
        }
    }

    pub const fn orchestration(id: i64) -> Self {
        Self {
            kind: NodeKind::Orchestration,
            id,
        }
    }

    /// `automation:12` or `orchestration:3`, as a form's value.
    pub fn key(self) -> String {
        format!("{}:{}", self.kind.as_str(), self.id)
    }

    /// The node a [`NodeRef::key`] names.
    pub fn from_key(key: &str) -> Option<Self> {
        let (kind, id) = key.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "automation" => Some(Self::automation(id)),
            "orchestration" => Some(Self::orchestration(id)),
            _ => None,
        }
    }
}

/// A node with what people need to recognise it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    #[serde(flatten)]
    pub node: NodeRef,
    pub name: String,
    /// An orchestration's slug, for links; `None` for an automation.
    pub slug: Option<String>,
    /// An automation's tool (its name in JSON); `None` for an orchestration.
    pub tool: Option<String>,
}

/// A stored edge: `upstream` feeds `downstream`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependency {
    pub id: i64,
    pub upstream: Endpoint,
    pub downstream: Endpoint,
    pub note: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// What a person submits to add an edge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencyDraft {
    pub upstream: NodeRef,
    pub downstream: NodeRef,
    #[serde(default)]
    pub note: String,
}

/// One node of a drawn neighbourhood: negative layers feed the focus,
/// positive layers are fed by it, layer 0 is the focus itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphNode {
    #[serde(flatten)]
    pub endpoint: Endpoint,
    pub layer: i32,
    pub focus: bool,
}

/// Everything upstream and downstream of a focus, ready to draw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Neighbourhood {
    pub nodes: Vec<GraphNode>,
    /// `(upstream, downstream)` pairs between the nodes.
    pub edges: Vec<(NodeRef, NodeRef)>,
}

impl Neighbourhood {
    pub fn upstream(&self) -> impl Iterator<Item = &GraphNode> {
        self.nodes.iter().filter(|n| n.layer < 0)
    }

    pub fn downstream(&self) -> impl Iterator<Item = &GraphNode> {
        self.nodes.iter().filter(|n| n.layer > 0)
    }
}

/// The edges as adjacency lists, for walking the graph.
#[derive(Debug, Default, Clone)]
pub struct Graph {
    down: HashMap<NodeRef, Vec<NodeRef>>,
    up: HashMap<NodeRef, Vec<NodeRef>>,
}

impl Graph {
    pub fn new(edges: impl IntoIterator<Item = (NodeRef, NodeRef)>) -> Self {
        let mut graph = Graph::default();
        for (from, to) in edges {
            graph.down.entry(from).or_default().push(to);
            graph.up.entry(to).or_default().push(from);
        }
        for list in graph.down.values_mut().chain(graph.up.values_mut()) {
            list.sort();
            list.dedup();
        }
        graph
    }

    pub fn has_edge(&self, from: NodeRef, to: NodeRef) -> bool {
        self.down.get(&from).is_some_and(|next| next.contains(&to))
    }

    /// A shortest path `from` → … → `to` along the edges, both ends
    /// included; `None` when `to` cannot be reached.
    pub fn path(&self, from: NodeRef, to: NodeRef) -> Option<Vec<NodeRef>> {
        let mut came_from: HashMap<NodeRef, NodeRef> = HashMap::new();
        let mut queue = VecDeque::from([from]);
        while let Some(node) = queue.pop_front() {
            if node == to {
                let mut path = vec![to];
                let mut at = to;
                while at != from {
                    at = came_from[&at];
                    path.push(at);
                }
                path.reverse();
                return Some(path);
            }
            for &next in self.down.get(&node).into_iter().flatten() {
                if next != from && !came_from.contains_key(&next) {
                    came_from.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
        None
    }

    /// The cycle adding `upstream` → `downstream` would close, as the list
    /// of nodes from `upstream` around back to it; `None` when it is safe.
    pub fn cycle_if_added(&self, upstream: NodeRef, downstream: NodeRef) -> Option<Vec<NodeRef>> {
        if upstream == downstream {
            return Some(vec![upstream, upstream]);
        }
        let back = self.path(downstream, upstream)?;
        let mut cycle = vec![upstream];
        cycle.extend(back);
        Some(cycle)
    }

    /// Everything upstream (negative layers) and downstream (positive
    /// layers) of `focus`, each node at its shortest distance; the focus
    /// nodes are layer 0. A node both upstream and downstream of the focus
    /// (possible when the focus has several nodes) is placed downstream.
    pub fn neighbourhood(&self, focus: &[NodeRef]) -> BTreeMap<NodeRef, i32> {
        let mut layers: BTreeMap<NodeRef, i32> = focus.iter().map(|&n| (n, 0)).collect();
        for (step, adjacency) in [(1, &self.down), (-1, &self.up)] {
            let mut distance: BTreeMap<NodeRef, i32> = focus.iter().map(|&n| (n, 0)).collect();
            let mut queue: VecDeque<NodeRef> = focus.iter().copied().collect();
            while let Some(node) = queue.pop_front() {
                let here = distance[&node];
                for &next in adjacency.get(&node).into_iter().flatten() {
                    if let std::collections::btree_map::Entry::Vacant(slot) = distance.entry(next) {
                        slot.insert(here + step);
                        layers.entry(next).or_insert(here + step);
                        queue.push_back(next);
                    }
                }
            }
        }
        layers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: NodeRef = NodeRef::automation(1);

    #[test]
    fn node_keys_round_trip_and_refuse_anything_else() {
        for node in [A, NodeRef::orchestration(42)] {
            assert_eq!(NodeRef::from_key(&node.key()), Some(node));
        }
        for bad in ["", "automation", "automation:x", "team:1", ":1"] {
            assert_eq!(NodeRef::from_key(bad), None, "{bad:?}");
        }
    }
    const B: NodeRef = NodeRef::automation(2);
    const C: NodeRef = NodeRef::orchestration(1);
    const D: NodeRef = NodeRef::orchestration(2);

    #[test]
    fn a_cycle_is_named_from_the_new_edge_around() {
        let graph = Graph::new([(A, B), (B, C)]);
        assert_eq!(graph.cycle_if_added(C, A), Some(vec![C, A, B, C]));
        assert_eq!(graph.cycle_if_added(A, C), None);
        assert_eq!(graph.cycle_if_added(D, D), Some(vec![D, D]));
    }

    #[test]
    fn the_shortest_way_back_is_named() {
        // A → B → C and a shortcut A → C: closing C → A names C, A, C.
        let graph = Graph::new([(A, B), (B, C), (A, C)]);
        assert_eq!(graph.cycle_if_added(C, A), Some(vec![C, A, C]));
    }

    #[test]
    fn layers_count_steps_up_and_down() {
        let graph = Graph::new([(A, B), (B, C), (C, D)]);
        let layers = graph.neighbourhood(&[C]);
        assert_eq!(layers[&A], -2);
        assert_eq!(layers[&B], -1);
        assert_eq!(layers[&C], 0);
        assert_eq!(layers[&D], 1);
    }

    #[test]
    fn references_serialise_as_kind_and_id() {
        let json = serde_json::to_string(&NodeRef::orchestration(7)).unwrap();
        assert_eq!(json, r#"{"kind":"orchestration","id":7}"#);
        let back: NodeRef = serde_json::from_str(r#"{"kind":"automation","id":3}"#).unwrap();
        assert_eq!(back, NodeRef::automation(3));
    }
}

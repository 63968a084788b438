//! The dependency graph of an orchestration, drawn as SVG on the server so
//! it reads without JavaScript: what feeds it on the left, what it feeds
//! on the right, itself and its automations in the middle.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::model::dependencies::{GraphNode, Neighbourhood, NodeKind, NodeRef};
use crate::model::inventory::Tool;

const NODE_W: i32 = 220;
const NODE_H: i32 = 48;
const COLUMN: i32 = 290;
const ROW: i32 = 68;
const TOP: i32 = 36;
const LEFT: i32 = 16;
/// How far an arc between two nodes of one column reaches to the right.
const LOOP: i32 = 40;
const MAX_LABEL: usize = 26;

fn short(text: &str) -> String {
    if text.chars().count() <= MAX_LABEL {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(MAX_LABEL - 1).collect();
        format!("{cut}…")
    }
}

/// What kind of thing a node is, in words.
pub fn kind_label(node: &GraphNode) -> String {
    match node.endpoint.node.kind {
        NodeKind::Orchestration => "Orchestration".to_owned(),
        NodeKind::Automation => node
            .endpoint
            .tool
            .as_deref()
            .and_then(Tool::parse)
            .map_or("Automation".to_owned(), |t| {
                format!("Automation · {}", t.label())
            }),
    }
}

/// Where each node sits: its column by layer, its row by order in it.
fn positions(graph: &Neighbourhood) -> (BTreeMap<NodeRef, (i32, i32)>, i32, i32, i32) {
    let min = graph.nodes.iter().map(|n| n.layer).min().unwrap_or(0);
    let max = graph.nodes.iter().map(|n| n.layer).max().unwrap_or(0);
    let mut columns: BTreeMap<i32, Vec<&GraphNode>> = BTreeMap::new();
    for node in &graph.nodes {
        columns.entry(node.layer).or_default().push(node);
    }
    let mut at = BTreeMap::new();
    let mut tallest = 0;
    for (layer, mut nodes) in columns {
        nodes.sort_by_key(|n| {
            (
                n.endpoint.node.kind != NodeKind::Orchestration,
                n.endpoint.name.to_lowercase(),
            )
        });
        tallest = tallest.max(nodes.len() as i32);
        for (row, node) in nodes.into_iter().enumerate() {
            at.insert(
                node.endpoint.node,
                (LEFT + (layer - min) * COLUMN, TOP + row as i32 * ROW),
            );
        }
    }
    (at, min, max, tallest)
}

#[component]
pub fn DependencyGraph(graph: Neighbourhood, name: String) -> impl IntoView {
    let (at, min, max, tallest) = positions(&graph);
    let width = LEFT * 2 + (max - min) * COLUMN + NODE_W + LOOP;
    let height = TOP + tallest * ROW;
    let upstream = graph.upstream().count();
    let downstream = graph.downstream().count();
    let summary = format!(
        "{name}: {upstream} upstream and {downstream} downstream of it, {} links",
        graph.edges.len()
    );
    let headings = (min..=max)
        .map(|layer| {
            let label = match layer {
                0 => "This orchestration".to_owned(),
                l if l < 0 => format!("Feeds it ({} step{})", -l, if l == -1 { "" } else { "s" }),
                l => format!("Fed by it ({l} step{})", if l == 1 { "" } else { "s" }),
            };
            let x = LEFT + (layer - min) * COLUMN;
            view! { <text class="graph__heading" x=x y=16>{label}</text> }
        })
        .collect_view();
    let edges = graph
        .edges
        .iter()
        .filter_map(|(up, down)| {
            let (x1, y1) = at.get(up)?;
            let (x2, y2) = at.get(down)?;
            let (sx, sy) = (x1 + NODE_W, y1 + NODE_H / 2);
            let d = if x1 == x2 {
                // Both in one column (two automations of the orchestration):
                // an arc out to the right and back into the target's side.
                let out = sx + LOOP;
                let ey = y2 + NODE_H / 2;
                format!("M{sx},{sy} C{out},{sy} {out},{ey} {},{ey}", sx + 6)
            } else {
                let (ex, ey) = (*x2, y2 + NODE_H / 2);
                let bend = ((ex - sx).abs() / 2).max(40);
                format!(
                    "M{sx},{sy} C{},{sy} {},{ey} {},{ey}",
                    sx + bend,
                    ex - bend,
                    ex - 6
                )
            };
            Some(view! { <path class="graph__edge" d=d marker-end="url(#graph-arrow)"></path> })
        })
        .collect_view();
    let nodes = graph
        .nodes
        .iter()
        .filter_map(|node| {
            let (x, y) = *at.get(&node.endpoint.node)?;
            let class = format!(
                "graph__node graph__node--{}{}",
                node.endpoint.node.kind.as_str(),
                if node.focus {
                    " graph__node--focus"
                } else {
                    ""
                }
            );
            let full = format!("{} ({})", node.endpoint.name, kind_label(node));
            Some(view! {
                <g class=class>
                    <title>{full}</title>
                    <rect x=x y=y width=NODE_W height=NODE_H rx=8></rect>
                    <text class="graph__name" x=x + 12 y=y + 20>{short(&node.endpoint.name)}</text>
                    <text class="graph__kind" x=x + 12 y=y + 38>{kind_label(node)}</text>
                </g>
            })
        })
        .collect_view();
    view! {
        <svg
            class="graph"
            role="img"
            aria-labelledby="graph-title"
            viewBox=format!("0 0 {width} {height}")
            width=width
            height=height
        >
            <title id="graph-title">{summary}</title>
            <defs>
                <marker id="graph-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z"></path>
                </marker>
            </defs>
            {headings}
            {edges}
            {nodes}
        </svg>
    }
}

//! Selecting the part of the graph a scope covers (a run, a study), for display and export:
//! its process nodes, the entities they touch, and the edges among them.

use crate::ids::NodeId;
use crate::model::{Edge, EdgeKind, Node};
use crate::query::Scope;
use crate::research_graph::ResearchGraph;
use petgraph::Direction::{Incoming, Outgoing};
use petgraph::stable_graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::BTreeSet;

/// A set of nodes and edges of one graph, to export or count.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    pub(crate) nodes: BTreeSet<NodeIndex>,
    pub(crate) edges: BTreeSet<EdgeIndex>,
}

impl Selection {
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }
}

impl ResearchGraph {
    /// The whole graph, prior knowledge included.
    pub fn select_all(&self) -> Selection {
        Selection {
            nodes: self.mem.g.node_indices().collect(),
            edges: self.mem.g.edge_indices().collect(),
        }
    }

    /// Node ids of a selection, sorted.
    pub fn selection_nodes(&self, selection: &Selection) -> Vec<NodeId> {
        let mut ids: Vec<NodeId> = selection
            .nodes
            .iter()
            .filter_map(|ix| self.mem.g.node_weight(*ix))
            .map(|s| s.id)
            .collect();
        ids.sort();
        ids
    }

    /// Whether a relation edge has evidence in scope.
    fn observed_in(&self, edge: &Edge, scope: &Scope) -> bool {
        edge.evidence
            .iter()
            .any(|f| self.finding_in_scope(*f, scope))
    }

    /// The subgraph of a scope: analyses in scope and their findings; directions and
    /// hypotheses of the run (with a study in scope, only those linked to its analyses and
    /// findings); the entities these touch (study, focus entities, both ends of relations with
    /// evidence in scope); and the edges among the selected nodes. Prior edges among selected
    /// entities (naming links, shared memberships) are added with `include_prior`.
    pub fn subgraph(&self, scope: &Scope, include_prior: bool) -> Selection {
        let g = &self.mem.g;
        let mut nodes: BTreeSet<NodeIndex> = BTreeSet::new();

        // Analyses and findings in scope.
        for ix in g.node_indices() {
            let Some(slot) = g.node_weight(ix) else {
                continue;
            };
            let selected = match &slot.node {
                Node::Analysis(_) => {
                    self.analysis_in_scope(crate::ids::AnalysisId::from_node(slot.id), scope)
                }
                Node::Finding(f) => self.analysis_in_scope(f.analysis, scope),
                _ => false,
            };
            if selected {
                nodes.insert(ix);
            }
        }
        // Directions and hypotheses of the run, linked to the selection when a study is set.
        for ix in g.node_indices() {
            let Some(slot) = g.node_weight(ix) else {
                continue;
            };
            let run = match &slot.node {
                Node::Direction(d) => d.run,
                Node::Hypothesis(h) => h.run,
                _ => continue,
            };
            if scope.run.is_some_and(|r| r != run) {
                continue;
            }
            let linked = scope.study.is_none()
                || g.edges_directed(ix, Outgoing)
                    .map(|e| e.target())
                    .chain(g.edges_directed(ix, Incoming).map(|e| e.source()))
                    .any(|n| nodes.contains(&n));
            if linked {
                nodes.insert(ix);
            }
        }
        // Entities touched by selected process nodes, and ends of relations in scope.
        let process: Vec<NodeIndex> = nodes.iter().copied().collect();
        for ix in process {
            for e in g.edges_directed(ix, Outgoing) {
                if matches!(
                    g.node_weight(e.target()).map(|s| &s.node),
                    Some(Node::Entity(_))
                ) {
                    nodes.insert(e.target());
                }
            }
            if let Some(Node::Finding(f)) = g.node_weight(ix).map(|s| &s.node)
                && let Some(claim) = f.claim.and_then(|c| self.mem.edge_index(c))
                && let Some((a, b)) = g.edge_endpoints(claim)
            {
                nodes.insert(a);
                nodes.insert(b);
            }
        }

        let mut edges: BTreeSet<EdgeIndex> = BTreeSet::new();
        for ix in &nodes {
            for e in g.edges_directed(*ix, Outgoing) {
                if !nodes.contains(&e.target()) {
                    continue;
                }
                let weight = e.weight();
                let keep = match weight.kind {
                    EdgeKind::Process(_) => true,
                    EdgeKind::Relation(_) => {
                        self.observed_in(weight, scope) || (include_prior && weight.prior.is_some())
                    }
                };
                if keep {
                    edges.insert(e.id());
                }
            }
        }
        Selection { nodes, edges }
    }
}

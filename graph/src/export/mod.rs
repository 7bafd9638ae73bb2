//! Exports of a selection: JSON (the dashboard's and round-trip tests' format), GraphML (for
//! Cytoscape and Gephi) and a TSV of findings (for spreadsheets and R). All outputs are sorted
//! by id, so exporting the same graph twice gives identical bytes.

pub mod graphml;
pub mod json;
pub mod tsv;

use crate::ids::NodeId;
use crate::memory::Slot;
use crate::model::Edge;
use crate::query::subgraph::Selection;
use crate::research_graph::ResearchGraph;

/// An edge of a selection with its endpoints' persistent ids.
pub(crate) struct ExportEdge<'a> {
    pub source: NodeId,
    pub target: NodeId,
    pub edge: &'a Edge,
}

impl ResearchGraph {
    /// Selected nodes in id order.
    pub(crate) fn export_nodes(&self, selection: &Selection) -> Vec<&Slot> {
        let mut slots: Vec<&Slot> = selection
            .nodes
            .iter()
            .filter_map(|ix| self.mem.g.node_weight(*ix))
            .collect();
        slots.sort_by_key(|s| s.id);
        slots
    }

    /// Selected edges: stored ones by id, then derived ones by (kind, source, target).
    pub(crate) fn export_edges(&self, selection: &Selection) -> Vec<ExportEdge<'_>> {
        let g = &self.mem.g;
        let mut edges: Vec<ExportEdge<'_>> = selection
            .edges
            .iter()
            .filter_map(|ix| {
                let (a, b) = g.edge_endpoints(*ix)?;
                Some(ExportEdge {
                    source: g.node_weight(a)?.id,
                    target: g.node_weight(b)?.id,
                    edge: g.edge_weight(*ix)?,
                })
            })
            .collect();
        edges.sort_by(|x, y| {
            let key = |e: &ExportEdge<'_>| {
                (
                    e.edge.id.is_none(),
                    e.edge.id,
                    e.edge.kind.as_str(),
                    e.source,
                    e.target,
                )
            };
            key(x).cmp(&key(y))
        });
        edges
    }
}

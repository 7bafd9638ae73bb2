//! JSON export: `{"format", "version", "nodes": [...], "edges": [...]}`. Each node is its
//! payload (tagged with `type`) plus `id`; each edge has `id` (null for derived process edges),
//! `source`, `target`, `kind`, `class`, `prior`, `weight` and `evidence` (finding ids).

use crate::error::Result;
use crate::query::subgraph::Selection;
use crate::research_graph::ResearchGraph;
use serde_json::{Map, Value, json};
use std::io::Write;

/// Version of the export layout, bumped when fields change meaning. 2: a hypothesis node holds
/// the whole hypothesis under `hypothesis` (statement, entities, evidence, score, replication,
/// chain) instead of `statement` and `score` beside its status.
pub const JSON_EXPORT_VERSION: u32 = 2;

impl ResearchGraph {
    /// The selection as a JSON value.
    pub fn export_json(&self, selection: &Selection) -> Result<Value> {
        let mut nodes = Vec::with_capacity(selection.node_count());
        for slot in self.export_nodes(selection) {
            let mut value = serde_json::to_value(&slot.node)?;
            if let Value::Object(map) = &mut value {
                let mut with_id = Map::with_capacity(map.len() + 1);
                with_id.insert("id".into(), json!(slot.id));
                with_id.append(map);
                value = Value::Object(with_id);
            }
            nodes.push(value);
        }
        let edges: Vec<Value> = self
            .export_edges(selection)
            .into_iter()
            .map(|e| {
                json!({
                    "id": e.edge.id,
                    "source": e.source,
                    "target": e.target,
                    "kind": e.edge.kind,
                    "class": e.edge.kind.class(),
                    "prior": e.edge.prior,
                    "weight": e.edge.weight,
                    "evidence": e.edge.evidence,
                })
            })
            .collect();
        Ok(json!({
            "format": "hypomics-graph",
            "version": JSON_EXPORT_VERSION,
            "nodes": nodes,
            "edges": edges,
        }))
    }

    /// Writes the selection as pretty-printed JSON.
    pub fn write_json(&self, selection: &Selection, out: &mut impl Write) -> Result<()> {
        let value = self.export_json(selection)?;
        serde_json::to_writer_pretty(&mut *out, &value)?;
        out.write_all(b"\n")?;
        Ok(())
    }
}

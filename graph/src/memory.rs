//! The in-memory graph: a petgraph `StableGraph` (indices stay valid when a run is deleted)
//! plus the look-up tables that map persistent ids and canonical keys to petgraph indices. It
//! changes only by applying change sets that the store has already committed.

use crate::error::StoreError;
use crate::ids::{AnalysisId, EdgeId, FindingId, NodeId, RunId};
use crate::model::{Edge, EdgeKind, EntityKind, Finding, Node, ProcessKind, Run};
use crate::store::{ChangeSet, EdgeRecord};
use petgraph::Direction::{Incoming, Outgoing};
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableGraph};
use petgraph::visit::EdgeRef;
use std::collections::{BTreeMap, HashMap};

/// A node with its persistent id (petgraph's own index is not stable across reopening).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Slot {
    pub id: NodeId,
    pub node: Node,
}

pub(crate) type EdgeKey = (NodeId, NodeId, EdgeKind);

#[derive(Default)]
pub(crate) struct MemGraph {
    pub g: StableGraph<Slot, Edge>,
    pub nodes: HashMap<NodeId, NodeIndex>,
    pub edges: HashMap<EdgeId, EdgeIndex>,
    pub entity_keys: HashMap<EntityKind, HashMap<String, NodeId>>,
    pub edge_keys: HashMap<EdgeKey, EdgeId>,
    pub runs: BTreeMap<RunId, Run>,
    pub meta: BTreeMap<String, String>,
    /// Next free ids; ids are never reused, so gaps after a failed write or a deletion are fine.
    pub next_node: i64,
    pub next_edge: i64,
    pub next_run: i64,
}

impl MemGraph {
    pub fn from_snapshot(snapshot: ChangeSet) -> Result<Self, StoreError> {
        let mut mem = MemGraph {
            next_node: 1,
            next_edge: 1,
            next_run: 1,
            ..MemGraph::default()
        };
        mem.g.reserve_nodes(snapshot.nodes.len());
        mem.g
            .reserve_edges(snapshot.edges.len() + snapshot.nodes.len());
        mem.apply(snapshot)?;
        Ok(mem)
    }

    pub fn index(&self, id: NodeId) -> Option<NodeIndex> {
        self.nodes.get(&id).copied()
    }

    pub fn slot(&self, id: NodeId) -> Option<&Slot> {
        self.index(id).and_then(|ix| self.g.node_weight(ix))
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.slot(id).map(|s| &s.node)
    }

    pub fn edge_index(&self, id: EdgeId) -> Option<EdgeIndex> {
        self.edges.get(&id).copied()
    }

    pub fn entity_by_key(&self, kind: EntityKind, key: &str) -> Option<NodeId> {
        self.entity_keys
            .get(&kind)
            .and_then(|m| m.get(key))
            .copied()
    }

    pub fn finding(&self, id: FindingId) -> Option<&Finding> {
        match self.node(id.node()) {
            Some(Node::Finding(f)) => Some(f),
            _ => None,
        }
    }

    pub fn analysis(&self, id: AnalysisId) -> Option<&crate::model::Analysis> {
        match self.node(id.node()) {
            Some(Node::Analysis(a)) => Some(a),
            _ => None,
        }
    }

    /// The run a process node belongs to (a finding through its analysis).
    pub fn run_of(&self, id: NodeId) -> Option<RunId> {
        match self.node(id)? {
            Node::Finding(f) => self.analysis(f.analysis).map(|a| a.run),
            other => other.own_run(),
        }
    }

    /// Applies a committed change set. An error means the change set does not fit the graph
    /// (a corrupt store); the graph should then be reloaded.
    pub fn apply(&mut self, cs: ChangeSet) -> Result<(), StoreError> {
        for id in &cs.removed_edges {
            self.remove_edge(*id);
        }
        for id in &cs.removed_nodes {
            self.remove_node(*id);
        }
        for id in &cs.removed_runs {
            self.runs.remove(id);
        }
        for run in cs.runs {
            self.next_run = self.next_run.max(run.id.get() + 1);
            self.runs.insert(run.id, run);
        }

        let mut added = Vec::with_capacity(cs.nodes.len());
        for record in cs.nodes {
            if self.nodes.contains_key(&record.id) {
                return Err(StoreError::Corrupt(format!(
                    "node {} added twice",
                    record.id
                )));
            }
            self.next_node = self.next_node.max(record.id.get() + 1);
            if let Node::Entity(e) = &record.node {
                self.entity_keys
                    .entry(e.kind)
                    .or_default()
                    .insert(e.key.clone(), record.id);
            }
            let ix = self.g.add_node(Slot {
                id: record.id,
                node: record.node,
            });
            self.nodes.insert(record.id, ix);
            added.push(ix);
        }

        for record in cs.edges {
            self.add_stored_edge(record)?;
        }

        // Derived process edges and evidence lists, once every node and edge of the change set
        // is in place (a finding may reference a claim edge added in the same change set).
        for ix in added {
            self.add_derived_edges(ix)?;
        }

        for update in cs.hypothesis_updates {
            match self
                .index(update.id.node())
                .and_then(|ix| self.g.node_weight_mut(ix))
            {
                Some(Slot {
                    node: Node::Hypothesis(h),
                    ..
                }) => {
                    h.status = update.status;
                    *h.hypothesis = update.hypothesis;
                    h.updated_at = update.updated_at;
                }
                _ => {
                    return Err(StoreError::Corrupt(format!(
                        "update of missing hypothesis {}",
                        update.id
                    )));
                }
            }
        }
        for update in cs.finding_q_updates {
            match self
                .index(update.id.node())
                .and_then(|ix| self.g.node_weight_mut(ix))
            {
                Some(Slot {
                    node: Node::Finding(f),
                    ..
                }) => f.q = Some(update.q),
                _ => {
                    return Err(StoreError::Corrupt(format!(
                        "q update of missing finding {}",
                        update.id
                    )));
                }
            }
        }
        self.meta.extend(cs.meta);
        Ok(())
    }

    fn add_stored_edge(&mut self, record: EdgeRecord) -> Result<(), StoreError> {
        let (Some(a), Some(b)) = (self.index(record.source), self.index(record.target)) else {
            return Err(StoreError::Corrupt(format!(
                "edge {} joins missing nodes {} -> {}",
                record.id, record.source, record.target
            )));
        };
        self.next_edge = self.next_edge.max(record.id.get() + 1);
        let ix = self.g.add_edge(
            a,
            b,
            Edge {
                id: Some(record.id),
                kind: record.kind,
                prior: record.prior,
                weight: record.weight,
                evidence: Vec::new(),
            },
        );
        self.edges.insert(record.id, ix);
        self.edge_keys
            .insert((record.source, record.target, record.kind), record.id);
        Ok(())
    }

    fn add_derived_edges(&mut self, ix: NodeIndex) -> Result<(), StoreError> {
        let Some(slot) = self.g.node_weight(ix) else {
            return Ok(());
        };
        let id = slot.id;
        let mut derived: Vec<(NodeId, NodeId, ProcessKind)> = Vec::new();
        let mut claim = None;
        match &slot.node {
            Node::Analysis(a) => {
                derived.push((id, a.study.node(), ProcessKind::DataFrom));
                if let Some(d) = a.direction {
                    derived.push((d.node(), id, ProcessKind::Ran));
                }
            }
            Node::Finding(f) => {
                derived.push((f.analysis.node(), id, ProcessKind::Produced));
                claim = f.claim;
            }
            _ => {}
        }
        for (from, to, kind) in derived {
            let (Some(a), Some(b)) = (self.index(from), self.index(to)) else {
                return Err(StoreError::Corrupt(format!(
                    "{kind} edge of node {id} points to missing node"
                )));
            };
            self.g.add_edge(
                a,
                b,
                Edge {
                    id: None,
                    kind: EdgeKind::Process(kind),
                    prior: None,
                    weight: None,
                    evidence: Vec::new(),
                },
            );
        }
        if let Some(edge) = claim {
            let weight = self
                .edge_index(edge)
                .and_then(|e| self.g.edge_weight_mut(e))
                .ok_or_else(|| {
                    StoreError::Corrupt(format!("finding {id} claims missing edge {edge}"))
                })?;
            weight.evidence.push(FindingId::from_node(id));
        }
        Ok(())
    }

    fn unregister_edge(&mut self, ix: EdgeIndex) {
        let Some((a, b)) = self.g.edge_endpoints(ix) else {
            return;
        };
        let (Some(src), Some(dst)) = (self.g.node_weight(a), self.g.node_weight(b)) else {
            return;
        };
        let (src, dst) = (src.id, dst.id);
        if let Some(edge) = self.g.edge_weight(ix)
            && let Some(id) = edge.id
        {
            self.edges.remove(&id);
            self.edge_keys.remove(&(src, dst, edge.kind));
        }
    }

    fn remove_edge(&mut self, id: EdgeId) {
        if let Some(ix) = self.edges.get(&id).copied() {
            self.unregister_edge(ix);
            self.g.remove_edge(ix);
        }
    }

    fn remove_node(&mut self, id: NodeId) {
        let Some(ix) = self.nodes.get(&id).copied() else {
            return;
        };
        let incident: Vec<EdgeIndex> = self
            .g
            .edges_directed(ix, Outgoing)
            .chain(self.g.edges_directed(ix, Incoming))
            .map(|e| e.id())
            .collect();
        for e in incident {
            self.unregister_edge(e);
        }
        let claim = match self.g.node_weight(ix) {
            Some(Slot {
                node: Node::Finding(f),
                ..
            }) => f.claim,
            _ => None,
        };
        if let Some(eix) = claim.and_then(|c| self.edge_index(c))
            && let Some(edge) = self.g.edge_weight_mut(eix)
        {
            edge.evidence.retain(|x| x.node() != id);
        }
        if let Some(Slot {
            node: Node::Entity(e),
            ..
        }) = self.g.node_weight(ix)
            && let Some(keys) = self.entity_keys.get_mut(&e.kind)
        {
            keys.remove(&e.key);
        }
        self.g.remove_node(ix);
        self.nodes.remove(&id);
    }
}

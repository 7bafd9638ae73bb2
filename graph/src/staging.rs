//! Staging a write: resolves entities, reuses existing nodes and edges, mints ids for new ones
//! and collects everything into one change set. Nothing touches the graph until the store has
//! committed, so a failed write leaves memory and disk as they were.

use crate::error::GraphError;
use crate::ids::{EdgeId, EntityId, NodeId, RunId};
use crate::knowledge::GeneIndex;
use crate::memory::{EdgeKey, MemGraph};
use crate::model::{EdgeKind, Entity, EntityKind, EntityRef, KnowledgeSource, Node, Run};
use crate::resolve::{Canonical, ResolutionNote, canonicalize};
use crate::store::{ChangeSet, EdgeRecord, NodeRecord};
use crate::time::Timestamp;
use std::collections::{HashMap, HashSet};

pub(crate) struct Staging<'g> {
    mem: &'g MemGraph,
    genes: &'g GeneIndex,
    pub cs: ChangeSet,
    new_entities: HashMap<(EntityKind, String), NodeId>,
    new_edges: HashMap<EdgeKey, EdgeId>,
    resolved: HashMap<EntityRef, EntityId>,
    notes: Vec<ResolutionNote>,
    noted: HashSet<(EntityKind, String)>,
    next_node: i64,
    next_edge: i64,
    next_run: i64,
}

impl<'g> Staging<'g> {
    pub fn new(mem: &'g MemGraph, genes: &'g GeneIndex) -> Self {
        Self {
            mem,
            genes,
            cs: ChangeSet::default(),
            new_entities: HashMap::new(),
            new_edges: HashMap::new(),
            resolved: HashMap::new(),
            notes: Vec::new(),
            noted: HashSet::new(),
            next_node: mem.next_node,
            next_edge: mem.next_edge,
            next_run: mem.next_run,
        }
    }

    pub fn genes(&self) -> &'g GeneIndex {
        self.genes
    }

    /// The change set and the resolution notes gathered (one per distinct name).
    pub fn finish(self) -> (ChangeSet, Vec<ResolutionNote>) {
        (self.cs, self.notes)
    }

    pub fn add_run(&mut self, label: String, notes: Option<String>) -> RunId {
        let id = RunId::new(self.next_run);
        self.next_run += 1;
        self.cs.runs.push(Run {
            id,
            label,
            notes,
            started_at: Timestamp::now(),
        });
        id
    }

    pub fn add_node(&mut self, node: Node) -> NodeId {
        let id = NodeId::new(self.next_node);
        self.next_node += 1;
        self.cs.nodes.push(NodeRecord { id, node });
        id
    }

    /// Resolves and, if new, creates an entity (with its naming parents).
    pub fn entity(&mut self, entity: &EntityRef) -> Result<EntityId, GraphError> {
        if let Some(id) = self.resolved.get(entity) {
            return Ok(*id);
        }
        let canonical = canonicalize(entity, self.genes)?;
        for note in canonical.notes() {
            if self.noted.insert((note.kind, note.query.clone())) {
                self.notes.push(note);
            }
        }
        let id = self.canonical(&canonical);
        self.resolved.insert(entity.clone(), id);
        Ok(id)
    }

    /// Ensures a canonical entity exists; returns its id.
    pub fn canonical(&mut self, c: &Canonical) -> EntityId {
        if let Some(id) = self.lookup(c.kind, &c.key) {
            return EntityId::from_node(id);
        }
        let id = self.add_node(Node::Entity(Entity {
            kind: c.kind,
            key: c.key.clone(),
            label: c.label.clone(),
            attrs: c.attrs.clone(),
        }));
        self.new_entities.insert((c.kind, c.key.clone()), id);
        if let Some((parent, relation)) = &c.parent {
            let parent_id = self.canonical(parent);
            self.edge(
                id,
                parent_id.node(),
                EdgeKind::Relation(*relation),
                Some(KnowledgeSource::Nomenclature),
                None,
            );
        }
        EntityId::from_node(id)
    }

    /// An existing or staged entity by canonical key.
    pub fn lookup(&self, kind: EntityKind, key: &str) -> Option<NodeId> {
        self.mem
            .entity_by_key(kind, key)
            .or_else(|| self.new_entities.get(&(kind, key.to_owned())).copied())
    }

    /// Ensures an edge exists. Symmetric relations are keyed with endpoints in id order. An
    /// existing edge is returned unchanged (its prior marking and weight are kept).
    pub fn edge(
        &mut self,
        source: NodeId,
        target: NodeId,
        kind: EdgeKind,
        prior: Option<KnowledgeSource>,
        weight: Option<f64>,
    ) -> EdgeId {
        let (source, target) = match kind {
            EdgeKind::Relation(r) if r.is_symmetric() && target < source => (target, source),
            _ => (source, target),
        };
        let key = (source, target, kind);
        if let Some(id) = self
            .mem
            .edge_keys
            .get(&key)
            .or_else(|| self.new_edges.get(&key))
        {
            return *id;
        }
        let id = EdgeId::new(self.next_edge);
        self.next_edge += 1;
        self.new_edges.insert(key, id);
        self.cs.edges.push(EdgeRecord {
            id,
            source,
            target,
            kind,
            prior,
            weight,
        });
        id
    }
}

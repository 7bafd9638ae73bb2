//! [`ResearchGraph`]: the store plus its in-memory graph, and read access to single nodes and
//! edges. Writing lives in `write.rs`, queries in `query/`, exports in `export/`.

use crate::error::{GraphError, Result};
use crate::ids::{
    AnalysisId, DirectionId, EdgeId, EntityId, FindingId, HypothesisId, NodeId, RunId,
};
use crate::knowledge::GeneIndex;
use crate::memory::MemGraph;
use crate::model::{
    Analysis, Direction, Edge, EdgeKind, Entity, EntityKind, EntityRef, Finding, HypothesisRecord,
    Node, NodeType, Run,
};
use crate::resolve::canonicalize;
use crate::sql::StoreLocation;
use crate::store::{ChangeSet, GraphStore, IntegrityReport, SqliteStore};
use petgraph::visit::EdgeRef;
use serde::Serialize;
use std::collections::BTreeMap;

/// The research graph of one workspace: everything the agent learned, durable and queryable.
///
/// One writer per store (the agent); any number of read-only instances (dashboard, API) may
/// open the same file and call [`ResearchGraph::reload`] to see new commits.
pub struct ResearchGraph {
    store: Box<dyn GraphStore>,
    pub(crate) mem: MemGraph,
}

/// A stored edge with its endpoints.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EdgeView {
    pub id: EdgeId,
    pub source: NodeId,
    pub target: NodeId,
    pub edge: Edge,
}

/// Counts for dashboards and sanity checks.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GraphStats {
    pub runs: usize,
    pub nodes: BTreeMap<String, usize>,
    pub entities: BTreeMap<String, usize>,
    pub edges: BTreeMap<String, usize>,
    pub prior_edges: usize,
    pub observed_relations: usize,
}

impl ResearchGraph {
    /// Opens (creating if needed) the store at `location` for writing: a SQLite file such as
    /// `workspace/hypomics.db`, or a `postgres://` URL.
    pub fn open(location: impl Into<StoreLocation>) -> Result<Self> {
        Self::with_store(crate::store::open(&location.into(), false)?)
    }

    /// Opens an existing store for reading only.
    pub fn open_read_only(location: impl Into<StoreLocation>) -> Result<Self> {
        Self::with_store(crate::store::open(&location.into(), true)?)
    }

    /// A store that lives in memory only.
    pub fn open_in_memory() -> Result<Self> {
        Self::with_store(Box::new(SqliteStore::open_in_memory()?))
    }

    /// Builds the graph from any backend.
    pub fn with_store(mut store: Box<dyn GraphStore>) -> Result<Self> {
        let mem = MemGraph::from_snapshot(store.load()?)?;
        Ok(Self { store, mem })
    }

    /// Rebuilds memory from the store, picking up commits made by other connections.
    pub fn reload(&mut self) -> Result<()> {
        self.mem = MemGraph::from_snapshot(self.store.load()?)?;
        Ok(())
    }

    pub fn is_read_only(&self) -> bool {
        self.store.is_read_only()
    }

    /// Whether anyone committed to the store since this graph was loaded (a reader then
    /// reloads; see [`GraphStore::is_stale`]).
    pub fn is_stale(&self) -> Result<bool> {
        Ok(self.store.is_stale()?)
    }

    /// Refuses this graph's later writes once `fence` no longer holds its job.
    pub fn set_fence(&mut self, fence: Option<crate::control::Fence>) {
        self.store.set_fence(fence);
    }

    /// Storage- and graph-level consistency check of the store.
    pub fn check_integrity(&mut self) -> Result<IntegrityReport> {
        Ok(self.store.check_integrity()?)
    }

    /// Stages and commits one write under the store's write lock. Other processes (another job's
    /// recorder, a second server) may have committed since this graph was loaded; staging from
    /// that stale memory would mint ids and entities they already took. So the lock is taken
    /// first, memory is reloaded if the store moved, and only then is `stage` run (against
    /// current memory) and its change set committed, all before the lock is released.
    pub(crate) fn write<R>(
        &mut self,
        stage: impl FnOnce(&Self) -> Result<(ChangeSet, R)>,
    ) -> Result<R> {
        if self.store.begin_write()? {
            let fresh = self
                .store
                .load()
                .map_err(GraphError::from)
                .and_then(|s| Ok(MemGraph::from_snapshot(s)?));
            match fresh {
                Ok(mem) => self.mem = mem,
                Err(e) => {
                    self.store.abort_write();
                    return Err(e);
                }
            }
        }
        let (cs, out) = match stage(self) {
            Ok(staged) => staged,
            Err(e) => {
                self.store.abort_write();
                return Err(e);
            }
        };
        self.commit(cs)?;
        Ok(out)
    }

    /// Commits a change set, then applies it in memory. If applying fails after the commit
    /// (which means a bug, not bad input), memory is rebuilt from the store.
    fn commit(&mut self, cs: ChangeSet) -> Result<()> {
        self.store.commit(&cs)?;
        if let Err(e) = self.mem.apply(cs) {
            self.reload()?;
            return Err(e.into());
        }
        Ok(())
    }

    pub(crate) fn genes() -> Result<&'static GeneIndex> {
        Ok(GeneIndex::embedded()?)
    }

    /// A store-level fact (e.g. `knowledge.go_bp` = SHA-256 of the imported file).
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.mem.meta.get(key).map(String::as_str)
    }

    // ----- single look-ups -------------------------------------------------------------

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.mem.node(id)
    }

    fn typed(&self, id: NodeId, expected: NodeType) -> Result<NodeId> {
        let node = self.node(id).ok_or(GraphError::UnknownNode(id))?;
        let actual = node.node_type();
        if actual != expected {
            return Err(GraphError::WrongNodeType {
                id,
                expected,
                actual,
            });
        }
        Ok(id)
    }

    /// Checks that `id` is an entity and returns its typed id (for ids from URLs or files).
    pub fn entity_id(&self, id: NodeId) -> Result<EntityId> {
        self.typed(id, NodeType::Entity).map(EntityId::from_node)
    }

    pub fn direction_id(&self, id: NodeId) -> Result<DirectionId> {
        self.typed(id, NodeType::Direction)
            .map(DirectionId::from_node)
    }

    pub fn analysis_id(&self, id: NodeId) -> Result<AnalysisId> {
        self.typed(id, NodeType::Analysis)
            .map(AnalysisId::from_node)
    }

    pub fn finding_id(&self, id: NodeId) -> Result<FindingId> {
        self.typed(id, NodeType::Finding).map(FindingId::from_node)
    }

    pub fn hypothesis_id(&self, id: NodeId) -> Result<HypothesisId> {
        self.typed(id, NodeType::Hypothesis)
            .map(HypothesisId::from_node)
    }

    pub fn entity(&self, id: EntityId) -> Option<&Entity> {
        match self.node(id.node()) {
            Some(Node::Entity(e)) => Some(e),
            _ => None,
        }
    }

    pub fn direction(&self, id: DirectionId) -> Option<&Direction> {
        match self.node(id.node()) {
            Some(Node::Direction(d)) => Some(d),
            _ => None,
        }
    }

    pub fn analysis(&self, id: AnalysisId) -> Option<&Analysis> {
        self.mem.analysis(id)
    }

    pub fn finding(&self, id: FindingId) -> Option<&Finding> {
        self.mem.finding(id)
    }

    pub fn hypothesis(&self, id: HypothesisId) -> Option<&HypothesisRecord> {
        match self.node(id.node()) {
            Some(Node::Hypothesis(h)) => Some(h),
            _ => None,
        }
    }

    /// An entity by canonical kind and key (`Gene`, `PTEN`).
    pub fn entity_by_key(&self, kind: EntityKind, key: &str) -> Option<EntityId> {
        self.mem.entity_by_key(kind, key).map(EntityId::from_node)
    }

    /// Resolves a name the way writes do (aliases, site ids) and looks the entity up.
    pub fn find_entity(&self, entity: &EntityRef) -> Result<Option<EntityId>> {
        let c = canonicalize(entity, Self::genes()?)?;
        Ok(self.entity_by_key(c.kind, &c.key))
    }

    pub fn study(&self, name: &str) -> Option<EntityId> {
        self.entity_by_key(EntityKind::Study, name.trim())
    }

    pub fn runs(&self) -> impl Iterator<Item = &Run> {
        self.mem.runs.values()
    }

    pub fn run(&self, id: RunId) -> Option<&Run> {
        self.mem.runs.get(&id)
    }

    /// A stored edge by id.
    pub fn edge(&self, id: EdgeId) -> Option<EdgeView> {
        let ix = self.mem.edge_index(id)?;
        let (a, b) = self.mem.g.edge_endpoints(ix)?;
        Some(EdgeView {
            id,
            source: self.mem.g.node_weight(a)?.id,
            target: self.mem.g.node_weight(b)?.id,
            edge: self.mem.g.edge_weight(ix)?.clone(),
        })
    }

    /// The edge of `kind` between two nodes, if stored (symmetric relations in either order).
    pub fn edge_between(&self, source: NodeId, target: NodeId, kind: EdgeKind) -> Option<EdgeView> {
        let key = |s, t| self.mem.edge_keys.get(&(s, t, kind)).copied();
        let symmetric = kind.relation().is_some_and(|r| r.is_symmetric());
        let id =
            key(source, target).or_else(|| if symmetric { key(target, source) } else { None })?;
        self.edge(id)
    }

    /// Findings an analysis produced, in id order.
    pub fn findings_of(&self, analysis: AnalysisId) -> Vec<FindingId> {
        let Some(ix) = self.mem.index(analysis.node()) else {
            return Vec::new();
        };
        let mut out: Vec<FindingId> = self
            .mem
            .g
            .edges_directed(ix, petgraph::Direction::Outgoing)
            .filter(|e| e.weight().kind == EdgeKind::Process(crate::model::ProcessKind::Produced))
            .filter_map(|e| self.mem.g.node_weight(e.target()))
            .map(|slot| FindingId::from_node(slot.id))
            .collect();
        out.sort();
        out
    }

    /// An analysis of `run` with the same module, parameters and input content: a resumed run
    /// finds the steps it recorded before it was interrupted. Scoped to one run because another
    /// run's analysis, even of identical inputs, belongs to that run (its findings get that run's
    /// final q-values, and a rerun must record its own).
    pub fn find_analysis(
        &self,
        run: RunId,
        module: &str,
        params: &serde_json::Value,
        input_hash: &str,
    ) -> Option<AnalysisId> {
        self.mem
            .g
            .node_weights()
            .filter_map(|slot| match &slot.node {
                Node::Analysis(a)
                    if a.run == run
                        && a.module == module
                        && a.input_hash == input_hash
                        && &a.params == params =>
                {
                    Some(AnalysisId::from_node(slot.id))
                }
                _ => None,
            })
            .min()
    }

    /// A direction of `run` asking `question` that no analysis answers yet: what a run
    /// interrupted between recording a direction and its analysis left behind, for its resume
    /// to complete instead of recording the direction twice.
    pub fn find_unanswered_direction(&self, run: RunId, question: &str) -> Option<DirectionId> {
        let answered: std::collections::HashSet<DirectionId> = self
            .mem
            .g
            .node_weights()
            .filter_map(|slot| match &slot.node {
                Node::Analysis(a) if a.run == run => a.direction,
                _ => None,
            })
            .collect();
        self.mem
            .g
            .node_weights()
            .filter_map(|slot| match &slot.node {
                Node::Direction(d) if d.run == run && d.question == question => {
                    Some(DirectionId::from_node(slot.id))
                }
                _ => None,
            })
            .filter(|d| !answered.contains(d))
            .min()
    }

    /// The hypothesis of `run` with this statement (statements are unique within a run), so a
    /// resumed run records each hypothesis once.
    pub fn find_hypothesis(&self, run: RunId, statement: &str) -> Option<HypothesisId> {
        self.mem
            .g
            .node_weights()
            .filter_map(|slot| match &slot.node {
                Node::Hypothesis(h) if h.run == run && h.hypothesis.statement == statement => {
                    Some(HypothesisId::from_node(slot.id))
                }
                _ => None,
            })
            .min()
    }

    /// Counts of nodes and edges by kind.
    pub fn stats(&self) -> GraphStats {
        let mut stats = GraphStats {
            runs: self.mem.runs.len(),
            ..GraphStats::default()
        };
        for slot in self.mem.g.node_weights() {
            *stats
                .nodes
                .entry(slot.node.node_type().as_str().to_owned())
                .or_default() += 1;
            if let Node::Entity(e) = &slot.node {
                *stats
                    .entities
                    .entry(e.kind.as_str().to_owned())
                    .or_default() += 1;
            }
        }
        for edge in self.mem.g.edge_weights() {
            *stats
                .edges
                .entry(edge.kind.as_str().to_owned())
                .or_default() += 1;
            stats.prior_edges += usize::from(edge.prior.is_some());
            stats.observed_relations += usize::from(edge.is_observed());
        }
        stats
    }
}

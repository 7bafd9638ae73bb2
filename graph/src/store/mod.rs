//! Durable storage behind a small trait. The in-memory graph is a cache: every change is first
//! committed as one [`ChangeSet`] (one transaction) and only then applied in memory, and on open
//! the graph is rebuilt from [`GraphStore::load`]. Both backends (SQLite, PostgreSQL) store and
//! return change sets through the same row code (`sql_store.rs` over [`crate::sql::Db`]);
//! [`open`] picks one from the store's location.

pub mod copy;
pub mod postgres;
mod read_rows;
pub mod schema;
mod schema_pg;
mod sql_store;
pub mod sqlite;
mod write_rows;

use crate::control::Fence;
use crate::error::StoreError;
use crate::ids::{EdgeId, FindingId, HypothesisId, NodeId, RunId};
use crate::model::{EdgeKind, HypothesisStatus, KnowledgeSource, Node, Run};
use crate::time::Timestamp;
use serde::Serialize;

pub use postgres::PostgresStore;
pub use sql_store::SqlStore;
pub use sqlite::SqliteStore;

use crate::sql::StoreLocation;

/// Opens the store at `location` (a SQLite path or a PostgreSQL URL): writable stores are created
/// and migrated if needed, read-only ones must exist at the current schema.
pub fn open(location: &StoreLocation, read_only: bool) -> Result<Box<dyn GraphStore>, StoreError> {
    Ok(match (location, read_only) {
        (StoreLocation::Sqlite(path), false) => Box::new(SqliteStore::open(path)?),
        (StoreLocation::Sqlite(path), true) => Box::new(SqliteStore::open_read_only(path)?),
        (StoreLocation::Postgres(url), false) => Box::new(PostgresStore::connect(url)?),
        (StoreLocation::Postgres(url), true) => Box::new(PostgresStore::connect_read_only(url)?),
    })
}

/// A node with its persistent id.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeRecord {
    pub id: NodeId,
    pub node: Node,
}

/// A stored edge. Derived process edges (`produced`, `ran`, `data_from`) are never stored: they
/// follow from columns of the finding and analysis records.
#[derive(Clone, Debug, PartialEq)]
pub struct EdgeRecord {
    pub id: EdgeId,
    pub source: NodeId,
    pub target: NodeId,
    pub kind: EdgeKind,
    pub prior: Option<KnowledgeSource>,
    pub weight: Option<f64>,
}

/// A change to a hypothesis after it was stated: its status and its whole content.
#[derive(Clone, Debug, PartialEq)]
pub struct HypothesisUpdate {
    pub id: HypothesisId,
    pub status: HypothesisStatus,
    pub hypothesis: crate::model::Hypothesis,
    pub updated_at: Timestamp,
}

/// A finding's q-value set after it was recorded: Benjamini-Hochberg runs over every test of a
/// run, so the final q is only known when the run ends. The rest of a finding never changes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FindingQUpdate {
    pub id: FindingId,
    pub q: f64,
}

/// Everything one logical write changes; committed all-or-nothing. `load` returns the whole
/// store as a change set of additions, so rebuilding memory and applying a write are one path.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChangeSet {
    pub runs: Vec<Run>,
    pub nodes: Vec<NodeRecord>,
    pub edges: Vec<EdgeRecord>,
    pub hypothesis_updates: Vec<HypothesisUpdate>,
    pub finding_q_updates: Vec<FindingQUpdate>,
    pub removed_runs: Vec<RunId>,
    pub removed_nodes: Vec<NodeId>,
    pub removed_edges: Vec<EdgeId>,
    /// Store-level facts (which knowledge files were imported).
    pub meta: Vec<(String, String)>,
}

impl ChangeSet {
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
            && self.nodes.is_empty()
            && self.edges.is_empty()
            && self.hypothesis_updates.is_empty()
            && self.finding_q_updates.is_empty()
            && self.removed_runs.is_empty()
            && self.removed_nodes.is_empty()
            && self.removed_edges.is_empty()
            && self.meta.is_empty()
    }
}

/// An analysis whose stored findings do not match the count it declared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IncompleteAnalysis {
    pub analysis: NodeId,
    pub declared: i64,
    pub stored: i64,
}

/// Result of a consistency check of the store.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct IntegrityReport {
    /// Problems reported by the backend's own check (SQLite `integrity_check`), empty when fine.
    pub backend: Vec<String>,
    /// Rows pointing at rows that do not exist.
    pub foreign_key_violations: Vec<String>,
    pub incomplete_analyses: Vec<IncompleteAnalysis>,
    /// `nodes` rows without their detail row, or detail rows without a `nodes` row.
    pub dangling_nodes: i64,
}

impl IntegrityReport {
    pub fn is_consistent(&self) -> bool {
        self.backend.is_empty()
            && self.foreign_key_violations.is_empty()
            && self.incomplete_analyses.is_empty()
            && self.dangling_nodes == 0
    }
}

/// A durable home for the graph. `Sync` so a graph can be shared behind an `RwLock`.
pub trait GraphStore: Send + Sync {
    /// Reads the whole store in one consistent snapshot (one read transaction, or the open write
    /// transaction of [`GraphStore::begin_write`]), as additions.
    fn load(&mut self) -> Result<ChangeSet, StoreError>;

    /// Takes the store's write lock and keeps it until [`GraphStore::commit`] or
    /// [`GraphStore::abort_write`]. Returns whether another connection committed since this one
    /// last loaded or wrote: ids and entities staged from an old snapshot would collide with
    /// theirs, so the caller reloads first (inside the lock, where nobody else can write).
    fn begin_write(&mut self) -> Result<bool, StoreError>;

    /// Writes a change set atomically: inside the transaction `begin_write` opened (and ends it),
    /// or in a transaction of its own.
    fn commit(&mut self, changes: &ChangeSet) -> Result<(), StoreError>;

    /// Ends a write begun with `begin_write` without writing.
    fn abort_write(&mut self);

    /// A store-level fact written through [`ChangeSet::meta`].
    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError>;

    /// Whether anyone committed to the graph since this connection last loaded or wrote: a
    /// reader reloads when it is (one cheap query; the store's graph commit counter).
    fn is_stale(&self) -> Result<bool, StoreError>;

    /// Refuses every later write unless `fence` still holds its job (a worker's writes stop
    /// landing once its lease moved to another worker).
    fn set_fence(&mut self, fence: Option<Fence>);

    /// Checks storage-level and graph-level consistency.
    fn check_integrity(&mut self) -> Result<IntegrityReport, StoreError>;

    fn is_read_only(&self) -> bool;
}

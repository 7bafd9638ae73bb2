//! Error types. Storage, knowledge parsing and graph-level misuse are kept apart so callers can
//! tell a full disk from a wrong id.

use crate::ids::{NodeId, RunId};
use crate::model::NodeType;

/// Failures of the storage backend.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed a statement, or could not be reached.
    #[error("{backend}: {source}")]
    Database {
        backend: crate::sql::Backend,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("stored JSON is invalid: {0}")]
    Json(#[from] serde_json::Error),
    #[error("store schema version {found} is newer than this build supports ({supported})")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error(
        "store schema version {found} is older than {required} and the store is open read-only"
    )]
    NeedsMigration { found: i64, required: i64 },
    #[error("stored value is invalid: {0}")]
    Corrupt(String),
    #[error("store is open read-only")]
    ReadOnly,
    /// A worker's write carried a fencing token that no longer holds the job: its lease expired
    /// and the job was recovered or claimed again, so the write is refused.
    #[error(
        "job {job}: worker {worker} (attempt {attempt}) no longer holds the job; write refused"
    )]
    Fenced {
        job: i64,
        worker: String,
        attempt: u32,
    },
}

impl From<crate::text_enum::UnknownVariant> for StoreError {
    fn from(e: crate::text_enum::UnknownVariant) -> Self {
        Self::Corrupt(e.to_string())
    }
}

/// Failures reading the embedded prior-knowledge files.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error("reading {file}: {source}")]
    Io {
        file: &'static str,
        source: std::io::Error,
    },
    #[error("{file} line {line}: {detail}")]
    Format {
        file: &'static str,
        line: usize,
        detail: String,
    },
}

/// Errors of the graph API.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
    #[error("no node {0}")]
    UnknownNode(NodeId),
    #[error("node {id} is a {actual}, not a {expected}")]
    WrongNodeType {
        id: NodeId,
        expected: NodeType,
        actual: NodeType,
    },
    #[error("no run {0}")]
    UnknownRun(RunId),
    #[error("invalid entity name `{name}`: {reason}")]
    InvalidEntity { name: String, reason: String },
    #[error("invalid finding #{index}: {reason}")]
    InvalidFinding { index: usize, reason: String },
    /// An entry of [`crate::ResearchGraph::set_finding_qs`], by its position in the slice.
    #[error("q update #{index} (node {node}): {reason}")]
    InvalidQUpdate {
        index: usize,
        node: NodeId,
        reason: String,
    },
    #[error("writing export: {0}")]
    Io(#[from] std::io::Error),
    #[error("encoding JSON: {0}")]
    Json(#[from] serde_json::Error),
}

pub type Result<T, E = GraphError> = std::result::Result<T, E>;

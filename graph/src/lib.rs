//! The research graph: hypomics' memory. This crate owns everything the agent learns and the
//! dashboard shows — entities resolved to canonical identities (genes via the embedded NCBI gene
//! index, sites, miRNAs, clinical variables, gene sets, studies), the research process (runs,
//! directions, analyses with input hashes, findings, hypotheses) and the typed relations between
//! them, each relation keeping the findings behind it. Storage is SQLite (WAL, one file per
//! workspace, the zero-setup default) or PostgreSQL (many servers on one store), chosen by the
//! store's location ([`sql::StoreLocation`]), one transaction per analysis, behind the
//! [`store::GraphStore`] trait; the graph is
//! rebuilt in memory (petgraph `StableGraph`) on open and queried and exported from there. Prior
//! knowledge (GO BP, WikiPathways, PROGENy) is compiled in and imported as prior edges so new
//! relations can be told from known ones.

pub mod control;
pub mod error;
pub mod export;
pub mod fingerprint;
pub mod ids;
pub mod knowledge;
mod memory;
pub mod model;
pub mod query;
mod research_graph;
pub mod resolve;
pub mod sql;
mod staging;
pub mod store;
mod text_enum;
pub mod time;
mod write;

pub use error::{GraphError, KnowledgeError, Result, StoreError};
pub use ids::{AnalysisId, DirectionId, EdgeId, EntityId, FindingId, HypothesisId, NodeId, RunId};
pub use knowledge::{Explanation, GeneIndex, KnowledgeSelection, Knowledgebase};
pub use model::{
    Analysis, Direction, Edge, EdgeKind, EffectSign, Entity, EntityClass, EntityKind, EntityRef,
    Evidence, Finding, Hypothesis, HypothesisRecord, HypothesisStatus, InputFile, KnowledgeSource,
    Node, NodeType, ProcessKind, RelationKind, Run, Stance,
};
pub use model::{ChainLink, LinkDirection, LinkFinding, MechanismChain};
pub use model::{
    Contradiction, ContradictionKind, EvidenceRole, Grounding, KnowledgeStatus, Mention,
    Refinement, RefinementOutcome, Relation, Replication, ReplicationStatus, RunProgress,
    ScoreBreakdown, StatementSource, TestKind,
};
pub use query::Scope;
pub use query::findings::{FindingOrder, FindingQuery};
pub use query::subgraph::Selection;
pub use research_graph::{EdgeView, GraphStats, ResearchGraph};
pub use text_enum::UnknownVariant;
pub use time::Timestamp;
pub use write::{
    Claim, DeletedRun, NewAnalysis, NewDirection, NewFinding, NewHypothesis, RecordedAnalysis,
};

/// Version recorded on analyses when the caller has no better one.
pub const SOFTWARE_VERSION: &str = env!("CARGO_PKG_VERSION");

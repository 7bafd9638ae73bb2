//! The graph's data model: node and edge payloads, with no storage or query logic.

pub mod chain;
pub mod edge;
pub mod entity;
pub mod node;
pub mod process;
pub mod progress;
pub mod study_profile;
pub mod vocab;

pub use chain::{ChainLink, LinkDirection, LinkFinding, MechanismChain};
pub use edge::{Edge, EdgeKind, KnowledgeSource, ProcessKind, RelationKind};
pub use entity::{Entity, EntityClass, EntityKind, EntityRef};
pub use node::{Node, NodeType};
pub use process::{
    Analysis, Direction, EffectSign, Finding, Hypothesis, HypothesisStatus, InputFile, Run, Stance,
};
pub use progress::RunProgress;
pub use study_profile::StudyProfile;
pub use vocab::{
    BadMention, Contradiction, ContradictionKind, EvidenceRole, Grounding, HypothesisScore,
    KnowledgeStatus, Mention, Refinement, RefinementOutcome, Relation, Replication,
    ReplicationStatus, ScoreBreakdown, StatementSource, TestKind,
};

//! The graph's data model: node and edge payloads, with no storage or query logic.

pub mod chain;
pub mod edge;
pub mod entity;
pub mod hypothesis;
pub mod node;
pub mod process;
pub mod progress;
pub mod study_profile;
pub mod vocab;

pub use chain::{ChainLink, LinkDirection, LinkFinding, MechanismChain};
pub use edge::{Edge, EdgeKind, KnowledgeSource, ProcessKind, RelationKind};
pub use entity::{Entity, EntityClass, EntityKind, EntityRef};
pub use hypothesis::{Evidence, Hypothesis};
pub use node::{Node, NodeType};
pub use process::{
    Analysis, Direction, EffectSign, Finding, HypothesisRecord, HypothesisStatus, InputFile, Run,
    Stance,
};
pub use progress::RunProgress;
pub use study_profile::StudyProfile;
pub use vocab::{
    BadMention, Contradiction, ContradictionKind, EvidenceRole, Grounding, KnowledgeStatus,
    Mention, Refinement, RefinementOutcome, Relation, Replication, ReplicationStatus,
    ScoreBreakdown, StatementSource, TestKind,
};

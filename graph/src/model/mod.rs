//! The graph's data model: node and edge payloads, with no storage or query logic.

pub mod edge;
pub mod entity;
pub mod node;
pub mod process;

pub use edge::{Edge, EdgeKind, KnowledgeSource, ProcessKind, RelationKind};
pub use entity::{Entity, EntityClass, EntityKind, EntityRef};
pub use node::{Node, NodeType};
pub use process::{
    Analysis, Direction, EffectSign, Finding, Hypothesis, HypothesisStatus, InputFile, Run, Stance,
};

//! The node sum type: one graph holds entities and process nodes side by side, so a single
//! traversal can go from a hypothesis through findings to the genes they are about.

use crate::ids::RunId;
use crate::model::entity::Entity;
use crate::model::process::{Analysis, Direction, Finding, HypothesisRecord};
use crate::text_enum::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// The class of a node, as stored in the `nodes` table.
    pub enum NodeType {
        Entity => "entity",
        Direction => "direction",
        Analysis => "analysis",
        Finding => "finding",
        Hypothesis => "hypothesis",
    }
}

/// Any node of the graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Node {
    Entity(Entity),
    Direction(Direction),
    Analysis(Analysis),
    Finding(Finding),
    Hypothesis(HypothesisRecord),
}

impl Node {
    pub fn node_type(&self) -> NodeType {
        match self {
            Self::Entity(_) => NodeType::Entity,
            Self::Direction(_) => NodeType::Direction,
            Self::Analysis(_) => NodeType::Analysis,
            Self::Finding(_) => NodeType::Finding,
            Self::Hypothesis(_) => NodeType::Hypothesis,
        }
    }

    /// The run of a process node read directly from the node (findings take theirs from their
    /// analysis, so they return `None` here).
    pub fn own_run(&self) -> Option<RunId> {
        match self {
            Self::Direction(d) => Some(d.run),
            Self::Analysis(a) => Some(a.run),
            Self::Hypothesis(h) => Some(h.run),
            Self::Entity(_) | Self::Finding(_) => None,
        }
    }

    /// A short human-readable label for exports and listings.
    pub fn label(&self) -> String {
        match self {
            Self::Entity(e) => e.key.clone(),
            Self::Direction(d) => d.question.clone(),
            Self::Analysis(a) => a.module.clone(),
            Self::Finding(f) => match &f.contrast {
                Some(c) => format!("{} ~ {} ({c})", f.feature, f.variable),
                None => format!("{} ~ {}", f.feature, f.variable),
            },
            Self::Hypothesis(h) => h.hypothesis.statement.clone(),
        }
    }
}

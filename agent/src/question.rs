//! Research directions: questions stated as relationships between entity classes ("does mutation
//! of G change the proteome?"). Initial directions come from the study profile, each kind of
//! question proposing its own (`kinds/`); follow-ups are opened by strong findings. Each carries
//! a priority the planner weighs against its cost.

use crate::profile::StudyProfile;
use serde::{Deserialize, Serialize};

pub use crate::kinds::{Kind, Question};

/// A direction in the planner's queue: a question with its priority, the step that opened it
/// and why. Once the planner picks it and it runs, it is recorded in the graph as a
/// [`graph::Direction`] (the question in words, its entity classes and the rationale). Journals
/// store it under the field name `direction`, so the name of this type is free to say what it is.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlannedDirection {
    pub id: usize,
    pub question: Question,
    /// Prior value in [0, 1]: statistical power given group sizes, times clinical relevance.
    #[serde(with = "crate::journal::float")]
    pub priority: f64,
    /// The analysis step whose findings opened this direction, for follow-ups.
    pub parent_step: Option<usize>,
    pub rationale: String,
}

/// The initial directions for a study profile: every registered kind's proposals, layer by
/// layer, numbered in that order.
pub fn initial_directions(profile: &StudyProfile) -> Vec<PlannedDirection> {
    crate::kinds::proposals(profile)
        .into_iter()
        .enumerate()
        .map(|(id, p)| PlannedDirection {
            id,
            question: p.question,
            priority: p.priority.clamp(0.0, 1.0),
            parent_step: None,
            rationale: p.rationale,
        })
        .collect()
}

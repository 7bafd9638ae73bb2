//! What one journal line holds. Entries are externally tagged (`{"step": {...}}`) rather than
//! tagged by a field inside them: serde reads a field-tagged enum through a buffer, which loses
//! the path to a bad field, and the reader must name the field it cannot read.

use crate::ledger::AnalysisRecord;
use crate::question::PlannedDirection;
use serde::{Deserialize, Serialize};

/// Version of the journal layout, in every header. Bumped whenever an entry changes shape, so an
/// older or newer hypomics refuses a journal it would misread instead of replaying it wrongly.
/// Format 1 (no `format` field) wrote NaN as `null` and could not be read back.
/// Format 2 had no analysis count in calibration entries.
pub const FORMAT: u32 = 3;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    /// First line: which run this journal belongs to.
    Header(Header),
    /// A completed step of an exploration.
    Step(Step),
    /// An exploration ended (budget spent, nothing left worth asking).
    Explored(Explored),
    /// The planner's prose for a hypothesis (or its refusal to write any), so a resume does not
    /// ask a model again and get other words.
    Prose(Prose),
    /// A label-shuffled calibration run finished with these counts.
    Permutation(PermutationCounts),
}

/// The run a journal belongs to: a resume must match it in everything that shapes results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    pub study: String,
    /// The hypomics version that began the run (informative: replay itself detects code that
    /// explores differently).
    pub software_version: String,
    /// The full run configuration, as `RunConfig` serializes.
    pub config: serde_json::Value,
    /// Every file of the study with the SHA-256 of its content when the run began.
    pub inputs: Vec<InputHash>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputHash {
    pub file: String,
    /// `None` for files the study does not read (ignored, unrecognised).
    pub sha256: Option<String>,
}

/// Which exploration a step belongs to: the run on the real data, or calibration run `k` on
/// label-shuffled data. Each keeps its own steps and its own time budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Explore,
    Calibration(usize),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Step {
    pub phase: Phase,
    /// Exploration time spent in this phase when the step finished, summed over every process
    /// that worked on the run, so a resumed run's time budget counts the time already spent.
    #[serde(with = "super::float")]
    pub seconds: f64,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Analysis(Box<AnalysisRecord>),
    /// A direction that could not be analysed (too few samples, missing data), with the reason.
    Failed {
        step: usize,
        direction: PlannedDirection,
        reason: String,
    },
}

impl Outcome {
    pub fn step(&self) -> usize {
        match self {
            Self::Analysis(r) => r.step,
            Self::Failed { step, .. } => *step,
        }
    }

    pub fn direction(&self) -> &PlannedDirection {
        match self {
            Self::Analysis(r) => &r.direction,
            Self::Failed { direction, .. } => direction,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Explored {
    pub phase: Phase,
    pub stop_reason: String,
    #[serde(with = "super::float")]
    pub seconds: f64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prose {
    /// The hypothesis id (`H3`), stable for a run because ranking is deterministic.
    pub hypothesis: String,
    pub statement: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermutationCounts {
    pub permutation: usize,
    pub null_hypotheses: usize,
    pub null_replicated: usize,
    /// Analyses the shuffled run made.
    pub analyses: usize,
}

//! A run's progress as a job's event log records it: the typed form of the events the agent
//! reports while it works. The log stores each as a kind and a JSON payload (the storage edge);
//! readers parse them back with [`RunProgress::from_stored`] instead of indexing by key.

use crate::ids::RunId;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum RunProgress {
    /// The study profile the planner sees.
    Profiled {
        study: String,
        layers: usize,
        tumors: usize,
        normals: usize,
        mutations: usize,
        survival: Option<String>,
        #[serde(default)]
        groupings: usize,
        #[serde(default)]
        numeric_variables: usize,
    },
    /// The run is recorded in the graph store as this run.
    Recording { run: RunId },
    /// A journal was found; this many steps are replayed from it.
    Resumed { steps: usize },
    /// One analysis ran (or was replayed from the journal).
    Step {
        step: usize,
        question: String,
        tests: usize,
        strong: usize,
        opened: usize,
        replayed: bool,
    },
    /// A direction could not be run.
    StepFailed {
        step: usize,
        question: String,
        reason: String,
    },
    /// The LLM planner could not decide a step and the offline rule did.
    PlannerFallback { step: usize, reason: String },
    /// Exploration ended.
    ExplorationStopped { reason: String },
    /// Hypotheses are being re-tested on held-out samples.
    Validating { hypotheses: usize },
    /// A label-shuffled calibration run.
    Calibrating { permutation: usize, of: usize },
}

impl RunProgress {
    /// The kind the event log stores (`step`, `validating`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Profiled { .. } => "profiled",
            Self::Recording { .. } => "recording",
            Self::Resumed { .. } => "resumed",
            Self::Step { .. } => "step",
            Self::StepFailed { .. } => "step_failed",
            Self::PlannerFallback { .. } => "planner_fallback",
            Self::ExplorationStopped { .. } => "exploration_stopped",
            Self::Validating { .. } => "validating",
            Self::Calibrating { .. } => "calibrating",
        }
    }

    /// The payload the event log stores.
    pub fn data(&self) -> serde_json::Value {
        let mut tagged = serde_json::to_value(self).unwrap_or_default();
        tagged
            .get_mut("data")
            .map(serde_json::Value::take)
            .unwrap_or_default()
    }

    /// An event read back from the log; `None` for kinds that are not run progress (the
    /// worker's own events) or a payload of another shape.
    pub fn from_stored(kind: &str, data: &serde_json::Value) -> Option<Self> {
        serde_json::from_value(serde_json::json!({"kind": kind, "data": data})).ok()
    }

    /// The event as one short line, as the CLI and the batch's progress show it.
    pub fn line(&self) -> String {
        match self {
            Self::Profiled {
                study,
                layers,
                mutations,
                survival,
                groupings,
                numeric_variables,
                ..
            } => format!(
                "profiled {study}: {layers} layers, {groupings} groupings, {numeric_variables} numeric variables, {mutations} recurrent mutations, survival: {}",
                survival.as_deref().unwrap_or("none")
            ),
            Self::Recording { run } => format!("recording as run {run}"),
            Self::Resumed { steps } => format!("resuming: {steps} steps in the journal"),
            Self::Step {
                step,
                question,
                tests,
                strong,
                opened,
                replayed,
            } => format!(
                "[{step:>3}] {question}{}: {tests} tests, {strong} strong{}",
                if *replayed { " (from journal)" } else { "" },
                if *opened > 0 {
                    format!(", {opened} follow-ups opened")
                } else {
                    String::new()
                }
            ),
            Self::StepFailed {
                step,
                question,
                reason,
            } => format!("[{step:>3}] {question}: skipped ({reason})"),
            Self::PlannerFallback { step, reason } => format!("[{step:>3}] planner: {reason}"),
            Self::ExplorationStopped { reason } => format!("exploration stopped: {reason}"),
            Self::Validating { hypotheses } => {
                format!("validating {hypotheses} hypotheses on held-out samples")
            }
            Self::Calibrating { permutation, of } => {
                format!("calibrating: label-shuffled run {permutation} of {of}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_events_read_back_typed() {
        let step = RunProgress::Step {
            step: 3,
            question: "mutation of PTEN -> proteome".into(),
            tests: 120,
            strong: 4,
            opened: 2,
            replayed: false,
        };
        assert_eq!(step.kind(), "step");
        assert_eq!(step.data()["tests"], 120);
        assert_eq!(
            RunProgress::from_stored(step.kind(), &step.data()),
            Some(step.clone())
        );
        assert!(
            step.line().contains("2 follow-ups opened"),
            "{}",
            step.line()
        );
        let stopped = RunProgress::ExplorationStopped {
            reason: "budget".into(),
        };
        assert_eq!(stopped.kind(), "exploration_stopped");
        assert_eq!(
            RunProgress::from_stored("exploration_stopped", &stopped.data()),
            Some(stopped)
        );
        // The worker's own events are not run progress.
        assert_eq!(
            RunProgress::from_stored("claimed", &serde_json::json!({"worker": "w"})),
            None
        );
    }
}

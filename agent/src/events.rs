//! The loop's events in the shared vocabulary: what the CLI prints, the job log keeps and the
//! dashboard streams are one [`RunProgress`], rendered by [`RunProgress::line`].

use crate::run::Event;
use graph::RunProgress;

impl Event<'_> {
    /// The event as recorded progress.
    pub fn progress(&self) -> RunProgress {
        match self {
            Event::Profiled(p) => RunProgress::Profiled {
                study: p.study.clone(),
                layers: p.layers.len(),
                tumors: p.tumors,
                normals: p.normals,
                mutations: p.mutations.len(),
                survival: p.survival.clone(),
                groupings: p.groupings.len(),
                numeric_variables: p.numeric_variables.len(),
            },
            Event::Recording { run } => RunProgress::Recording { run: *run },
            Event::Resumed { steps } => RunProgress::Resumed { steps: *steps },
            Event::Step {
                step,
                direction,
                tests,
                strong,
                opened,
                replayed,
            } => RunProgress::Step {
                step: *step,
                question: direction.question.describe(),
                tests: *tests,
                strong: *strong,
                opened: *opened,
                replayed: *replayed,
            },
            Event::StepFailed {
                step,
                direction,
                reason,
            } => RunProgress::StepFailed {
                step: *step,
                question: direction.question.describe(),
                reason: (*reason).to_owned(),
            },
            Event::PlannerFallback { step, reason } => RunProgress::PlannerFallback {
                step: *step,
                reason: (*reason).to_owned(),
            },
            Event::Stopped { reason } => RunProgress::ExplorationStopped {
                reason: (*reason).to_owned(),
            },
            Event::Validating { hypotheses } => RunProgress::Validating {
                hypotheses: *hypotheses,
            },
            Event::Calibrating { permutation, of } => RunProgress::Calibrating {
                permutation: *permutation,
                of: *of,
            },
        }
    }
}

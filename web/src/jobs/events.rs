//! The agent's progress events as the JSON a job's event log keeps and the dashboard streams.

use agent::run::Event;
use serde_json::{Value, json};

/// The kind and payload of one event.
pub fn event_json(event: &Event<'_>) -> (&'static str, Value) {
    match event {
        Event::Profiled(p) => (
            "profiled",
            json!({
                "study": p.study,
                "layers": p.layers.len(),
                "tumors": p.tumors,
                "normals": p.normals,
                "mutations": p.mutations.len(),
                "survival": p.survival,
            }),
        ),
        Event::Recording { run } => ("recording", json!({"run": run})),
        Event::Resumed { steps } => ("resumed", json!({"steps": steps})),
        Event::Step {
            step,
            direction,
            tests,
            strong,
            opened,
            replayed,
        } => (
            "step",
            json!({
                "step": step,
                "question": direction.question.describe(),
                "tests": tests,
                "strong": strong,
                "opened": opened,
                "replayed": replayed,
            }),
        ),
        Event::StepFailed {
            step,
            direction,
            reason,
        } => (
            "step_failed",
            json!({"step": step, "question": direction.question.describe(), "reason": reason}),
        ),
        Event::PlannerFallback { step, reason } => {
            ("planner_fallback", json!({"step": step, "reason": reason}))
        }
        Event::Stopped { reason } => ("exploration_stopped", json!({"reason": reason})),
        Event::Validating { hypotheses } => ("validating", json!({"hypotheses": hypotheses})),
        Event::Calibrating { permutation, of } => {
            ("calibrating", json!({"permutation": permutation, "of": of}))
        }
    }
}

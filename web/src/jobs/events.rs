//! The agent's progress events as a job's event log keeps them (kind and JSON payload, the
//! storage edge of [`graph::RunProgress`]).

use agent::run::Event;
use serde_json::Value;

/// The kind and payload of one event.
pub fn event_json(event: &Event<'_>) -> (&'static str, Value) {
    let progress = event.progress();
    (progress.kind(), progress.data())
}

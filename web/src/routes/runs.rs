//! `GET /api/runs`: the runs recorded in the store, oldest first.

use crate::error::ApiError;
use crate::params::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use graph::{ResearchGraph, Run};
use serde_json::{Value, json};

/// Every run in the store, oldest first (ids grow with time). Shared with the dashboard.
pub(crate) fn all(graph: &ResearchGraph) -> Vec<&Run> {
    let mut runs: Vec<&Run> = graph.runs().collect();
    runs.sort_by_key(|r| r.id);
    runs
}

pub async fn list(State(state): State<AppState>, params: Params) -> Result<Json<Value>, ApiError> {
    params.only(&[])?;
    let graph = state.read()?;
    Ok(Json(json!({ "runs": all(&graph) })))
}

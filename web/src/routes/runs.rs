//! `GET /api/runs`: the runs recorded in the store, oldest first.

use crate::error::ApiError;
use crate::params::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use graph::Run;
use serde_json::{Value, json};

pub async fn list(State(state): State<AppState>, params: Params) -> Result<Json<Value>, ApiError> {
    params.only(&[])?;
    let graph = state.read()?;
    let mut runs: Vec<&Run> = graph.runs().collect();
    runs.sort_by_key(|r| r.id);
    Ok(Json(json!({ "runs": runs })))
}

//! `GET /api/health`: liveness plus a glance at the store, so a monitor sees both that the
//! server answers and that it can read the graph.

use crate::error::ApiError;
use crate::params::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

pub async fn health(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    params.only(&[])?;
    let graph = state.read()?;
    let stats = graph.stats();
    Ok(Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "store": state.store_path().display().to_string(),
        "runs": stats.runs,
        "nodes": stats.nodes,
    })))
}

//! `GET /api/health`: liveness plus a glance at the store, so a monitor sees both that the
//! server answers and that it can read the graph. A private server names its store file only,
//! not where it lives; a PostgreSQL store is shown without its password.

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
    // Health is public; on a private server it must not tell strangers where files live.
    let store = if state.access().private {
        match graph::sql::StoreLocation::from(state.store_path()) {
            graph::sql::StoreLocation::Sqlite(path) => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            graph::sql::StoreLocation::Postgres(_) => "PostgreSQL".to_owned(),
        }
    } else {
        graph::sql::shown(state.store_path())
    };
    Ok(Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "store": store,
        "runs": stats.runs,
        "nodes": stats.nodes,
    })))
}

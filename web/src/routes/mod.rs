//! The API's routes, one module per resource. [`routes`] is the single list of what the router
//! serves; the OpenAPI document is checked against it in the tests.

pub mod entities;
pub mod export;
pub mod findings;
pub mod health;
pub mod hypotheses;
pub mod runs;

use crate::state::AppState;
use axum::routing::{MethodRouter, get};

/// Every route: path (axum syntax, `{param}`) and handler.
pub fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/api/health", get(health::health)),
        ("/api/runs", get(runs::list)),
        ("/api/runs/{run}/hypotheses", get(hypotheses::of_run)),
        ("/api/hypotheses/{id}", get(hypotheses::detail)),
        ("/api/findings", get(findings::list)),
        ("/api/entities", get(entities::search)),
        (
            "/api/entities/{id}/neighbourhood",
            get(entities::neighbourhood),
        ),
        ("/api/export/graph.json", get(export::json)),
        ("/api/export/graph.graphml", get(export::graphml)),
        ("/api/openapi.json", get(crate::openapi::handler)),
    ]
}

/// The paths of [`routes`], in order.
pub fn paths() -> Vec<&'static str> {
    routes().into_iter().map(|(path, _)| path).collect()
}

//! The API's routes, one module per resource. [`routes`] is the single list of what the router
//! serves; the OpenAPI document is checked against it in the tests.

pub mod compare;
pub mod entities;
pub mod export;
pub mod findings;
pub mod health;
pub mod hypotheses;
pub mod jobs;
pub mod runs;
pub mod schedules;
pub mod studies;

use crate::state::AppState;
use axum::routing::{MethodRouter, get, post};

/// Every route: path (axum syntax, `{param}`) and handler.
pub fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/api/health", get(health::health)),
        ("/api/runs", get(runs::list)),
        ("/api/runs/{run}/hypotheses", get(hypotheses::of_run)),
        ("/api/runs/{run}/diff", get(compare::run_diff)),
        ("/api/hypotheses/{id}", get(hypotheses::detail)),
        ("/api/findings", get(findings::list)),
        ("/api/entities", get(entities::search)),
        (
            "/api/entities/{id}/neighbourhood",
            get(entities::neighbourhood),
        ),
        ("/api/export/graph.json", get(export::json)),
        ("/api/export/graph.graphml", get(export::graphml)),
        ("/api/studies", get(studies::list).post(studies::register)),
        ("/api/studies/upload", post(studies::upload)),
        ("/api/studies/{id}", get(studies::detail)),
        ("/api/jobs", get(jobs::list).post(jobs::start)),
        ("/api/jobs/{id}", get(jobs::detail)),
        ("/api/jobs/{id}/cancel", post(jobs::cancel)),
        ("/api/jobs/{id}/resume", post(jobs::resume)),
        ("/api/jobs/{id}/events", get(jobs::events)),
        ("/api/jobs/{id}/log", get(jobs::event_log)),
        (
            "/api/schedules",
            get(schedules::list).post(schedules::create),
        ),
        ("/api/schedules/preview", get(schedules::preview)),
        (
            "/api/schedules/{id}",
            get(schedules::detail)
                .patch(schedules::update)
                .delete(schedules::delete),
        ),
        ("/api/openapi.json", get(crate::openapi::handler)),
    ]
}

/// The paths of [`routes`], in order.
pub fn paths() -> Vec<&'static str> {
    routes().into_iter().map(|(path, _)| path).collect()
}

//! `GET /api/runs/{run}/diff?against={other}`: what changed between two runs, hypothesis by
//! hypothesis (new, lost, strengthened, weakened, unchanged). Without `against` the run is
//! compared with the previous run of the same study, the usual question after a rerun.

use crate::error::ApiError;
use crate::params::{self, Params, PathParam};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use graph::query::diff::RunDiff;
use graph::{GraphError, ResearchGraph, RunId};
use serde_json::Value;

/// The runs to compare, `(from, to)`: the run named by parameter `name` (id text in `against`)
/// when given, else the previous run of `to`'s study. No earlier run is a 404 that says so, rather than an empty diff that would read
/// as "nothing changed". Shared by the JSON route and the dashboard.
pub(crate) fn runs_to_compare(
    graph: &ResearchGraph,
    to: RunId,
    name: &str,
    against: Option<&str>,
) -> Result<(RunId, RunId), ApiError> {
    let from = match against {
        Some(raw) => params::run_id(name, raw, graph)?,
        None => graph
            .previous_run_of_same_study(to)
            .ok_or_else(|| ApiError::NotFound {
                what: "earlier run of the same study as",
                id: to.to_string(),
            })?,
    };
    Ok((from, to))
}

/// The diff of two runs known to exist.
pub(crate) fn diff(graph: &ResearchGraph, from: RunId, to: RunId) -> Result<RunDiff, ApiError> {
    graph.diff_runs(from, to).map_err(|e| match e {
        GraphError::UnknownRun(run) => ApiError::NotFound {
            what: "run",
            id: run.to_string(),
        },
        other => other.into(),
    })
}

pub async fn run_diff(
    State(state): State<AppState>,
    PathParam(run): PathParam,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    params.only(&["against"])?;
    let graph = state.read()?;
    let to = params::run_id("run", &run, &graph)?;
    let (from, to) = runs_to_compare(&graph, to, "against", params.text("against"))?;
    Ok(Json(serde_json::to_value(diff(&graph, from, to)?)?))
}

//! `GET /api/export/graph.json` and `GET /api/export/graph.graphml`: the part of the graph a run
//! (or, without `run`, every run) covers, in the graph crate's export formats, for the dashboard
//! and for Cytoscape/Gephi. Prior-knowledge edges among the selected entities are opt-in: they
//! can outnumber the observed ones by far.

use crate::error::ApiError;
use crate::params::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use graph::{ResearchGraph, Scope, Selection};
use serde_json::Value;

fn selection(graph: &ResearchGraph, params: &Params) -> Result<Selection, ApiError> {
    params.only(&["run", "include_prior"])?;
    let include_prior = params.flag("include_prior", false)?;
    let scope = match params.run(graph)? {
        Some(run) => Scope::run(run),
        None => Scope::all(),
    };
    Ok(graph.subgraph(&scope, include_prior))
}

pub async fn json(State(state): State<AppState>, params: Params) -> Result<Json<Value>, ApiError> {
    let graph = state.read()?;
    let selection = selection(&graph, &params)?;
    Ok(Json(graph.export_json(&selection)?))
}

pub async fn graphml(
    State(state): State<AppState>,
    params: Params,
) -> Result<impl IntoResponse, ApiError> {
    let graph = state.read()?;
    let selection = selection(&graph, &params)?;
    let mut out = Vec::new();
    graph.write_graphml(&selection, &mut out)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/graphml+xml; charset=utf-8",
        )],
        out,
    ))
}

//! `GET /api/runs/{run}/hypotheses` (a run's hypotheses in the agent's rank order) and
//! `GET /api/hypotheses/{id}` (one hypothesis with its evidence chain down to input hashes).

use crate::error::ApiError;
use crate::params::{self, Params, PathParam};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use graph::query::evidence::EvidenceChain;
use graph::{
    GraphError, Hypothesis, HypothesisId, HypothesisRecord, HypothesisStatus, MechanismChain,
    Replication, ResearchGraph, RunId, Scope, ScoreBreakdown,
};
use serde::Serialize;
use serde_json::{Value, json};

/// One row of a run's ranked list.
#[derive(Serialize)]
struct RankedHypothesis<'a> {
    id: HypothesisId,
    /// The agent's rank (1 = best), from the score JSON it recorded.
    rank: Option<u64>,
    /// The total score, from the same JSON.
    total: Option<f64>,
    kind: Option<&'a str>,
    statement: &'a str,
    status: HypothesisStatus,
    score: ScoreJson<'a>,
}

/// The API's `score` object: the part of the recorded hypothesis that ranks it (id, rank, kind,
/// score components, replication, mechanism chain), in the shape the API has always returned;
/// the statement and status sit beside it.
#[derive(Serialize)]
struct ScoreJson<'a> {
    id: &'a str,
    rank: usize,
    kind: &'a str,
    score: &'a ScoreBreakdown,
    replication: &'a Replication,
    #[serde(skip_serializing_if = "Option::is_none")]
    chain: Option<&'a MechanismChain>,
}

impl<'a> ScoreJson<'a> {
    fn of(h: &'a Hypothesis) -> Self {
        Self {
            id: &h.id,
            rank: h.rank,
            kind: &h.kind,
            score: &h.score,
            replication: &h.replication,
            chain: h.chain.as_ref(),
        }
    }
}

/// The agent's rank (1 = best); 0 (never given by the agent) reads as unranked.
pub(crate) fn rank(h: &HypothesisRecord) -> Option<u64> {
    Some(h.hypothesis.rank as u64).filter(|&r| r > 0)
}

/// The total score the agent recorded.
pub(crate) fn total(h: &HypothesisRecord) -> Option<f64> {
    Some(h.hypothesis.score.total).filter(|t| t.is_finite())
}

/// Hypotheses of a run, in id order.
fn hypotheses_of(graph: &ResearchGraph, run: RunId) -> Vec<(HypothesisId, &HypothesisRecord)> {
    let selection = graph.subgraph(&Scope::run(run), false);
    graph
        .selection_nodes(&selection)
        .into_iter()
        .filter_map(|n| graph.hypothesis_id(n).ok())
        .filter_map(|id| graph.hypothesis(id).map(|h| (id, h)))
        .filter(|(_, h)| h.run == run)
        .collect()
}

/// A run's hypotheses with the given status and at least `min_score`, in the agent's rank order
/// (unranked ones, recorded by another tool, after the ranked, by id). Shared by the JSON route
/// and the dashboard so both show the same list.
pub(crate) fn ranked(
    graph: &ResearchGraph,
    run: RunId,
    status: Option<HypothesisStatus>,
    min_score: Option<f64>,
) -> Vec<(HypothesisId, &HypothesisRecord)> {
    let mut rows: Vec<(HypothesisId, &HypothesisRecord)> = hypotheses_of(graph, run)
        .into_iter()
        .filter(|(_, h)| status.is_none_or(|s| s == h.status))
        .filter(|(_, h)| min_score.is_none_or(|m| total(h).is_some_and(|t| t >= m)))
        .collect();
    rows.sort_by_key(|(id, h)| (rank(h).is_none(), rank(h), *id));
    rows
}

/// The `status` parameter, with the valid values in its error message.
pub(crate) fn status_param(params: &Params) -> Result<Option<HypothesisStatus>, ApiError> {
    let expected_status = HypothesisStatus::ALL
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    params.parse::<HypothesisStatus>("status", &format!("one of {expected_status}"))
}

/// One hypothesis by node id (as text from the path) with its evidence chain; an id that names
/// no hypothesis is a 404. Shared by the JSON route and the dashboard.
pub(crate) fn lookup<'g>(
    graph: &'g ResearchGraph,
    raw: &str,
) -> Result<(HypothesisId, &'g HypothesisRecord, EvidenceChain), ApiError> {
    let node = params::node_id("id", raw)?;
    let not_found = || ApiError::NotFound {
        what: "hypothesis",
        id: node.to_string(),
    };
    let id = graph.hypothesis_id(node).map_err(|_| not_found())?;
    let hypothesis = graph.hypothesis(id).ok_or_else(not_found)?;
    let chain = graph.evidence_chain(id).map_err(|e| match e {
        GraphError::UnknownNode(_) => not_found(),
        other => other.into(),
    })?;
    Ok((id, hypothesis, chain))
}

pub async fn of_run(
    State(state): State<AppState>,
    PathParam(run): PathParam,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    params.only(&["min_score", "status"])?;
    let min_score = params.number("min_score")?;
    let status = status_param(&params)?;
    let graph = state.read()?;
    let run = params::run_id("run", &run, &graph)?;
    let rows: Vec<RankedHypothesis<'_>> = ranked(&graph, run, status, min_score)
        .into_iter()
        .map(|(id, h)| RankedHypothesis {
            id,
            rank: rank(h),
            total: total(h),
            kind: Some(h.hypothesis.kind.as_str()).filter(|k| !k.is_empty()),
            statement: &h.hypothesis.statement,
            status: h.status,
            score: ScoreJson::of(&h.hypothesis),
        })
        .collect();
    Ok(Json(json!({ "run": run, "hypotheses": rows })))
}

pub async fn detail(
    State(state): State<AppState>,
    PathParam(id): PathParam,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    params.only(&[])?;
    let graph = state.read()?;
    let (id, hypothesis, chain) = lookup(&graph, &id)?;
    Ok(Json(json!({
        "id": id,
        "run": hypothesis.run,
        "rank": rank(hypothesis),
        "statement": chain.statement,
        "status": chain.status,
        "score": ScoreJson::of(&hypothesis.hypothesis),
        "created_at": hypothesis.created_at,
        "updated_at": hypothesis.updated_at,
        "evidence": chain.links,
    })))
}

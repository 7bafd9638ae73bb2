//! `GET /api/entities?search=` (find entities by any name, gene names resolved through the gene
//! index so an alias or outdated symbol finds the current gene) and
//! `GET /api/entities/{id}/neighbourhood` (the entity page: relations with their findings).

use crate::error::ApiError;
use crate::params::{self, Params, PathParam};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use graph::knowledge::GeneResolution;
use graph::{EntityId, EntityKind, EntityRef, GeneIndex, GraphError, Scope};
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Serialize)]
struct EntityHit<'a> {
    id: EntityId,
    kind: EntityKind,
    key: &'a str,
    label: &'a str,
}

/// How the gene index read the query, so a client can say "CTGF is now CCN2".
fn resolution(genes: &GeneIndex, query: &str) -> Value {
    match genes.resolve(query) {
        GeneResolution::Resolved {
            gene,
            via,
            also_alias_of,
        } => json!({
            "status": "resolved",
            "symbol": gene.symbol,
            "name": gene.name,
            "entrez": gene.entrez,
            "via": via,
            "also_alias_of": also_alias_of,
        }),
        GeneResolution::Ambiguous { via, candidates } => json!({
            "status": "ambiguous",
            "via": via,
            "candidates": candidates,
        }),
        GeneResolution::Unknown => json!({ "status": "unknown" }),
    }
}

/// Every way the query could name an entity; the graph canonicalizes each like a write would.
fn readings(query: &str) -> Vec<EntityRef> {
    let q = query.to_owned();
    vec![
        EntityRef::Gene(q.clone()),
        EntityRef::Mutation(q.clone()),
        EntityRef::Phosphosite(q.clone()),
        EntityRef::Acetylsite(q.clone()),
        EntityRef::Mirna(q.clone()),
        EntityRef::ClinicalVariable(q.clone()),
        EntityRef::GeneSet(q.clone()),
        EntityRef::SampleGroup(q.clone()),
        EntityRef::Study(q),
    ]
}

pub async fn search(
    State(state): State<AppState>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    params.only(&["search"])?;
    let query = params
        .text("search")
        .ok_or_else(|| ApiError::MissingParam {
            name: "search".into(),
            expected:
                "a name: gene symbol, alias, Entrez/Ensembl/UniProt id, site, miRNA, variable"
                    .into(),
        })?;
    let genes = GeneIndex::embedded().map_err(GraphError::from)?;
    let graph = state.read()?;
    let mut ids: Vec<EntityId> = Vec::new();
    for reading in readings(query) {
        // A reading that is not a valid name of its kind (`PTEN` as a site) is no match.
        if let Ok(Some(id)) = graph.find_entity(&reading)
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    let entities: Vec<EntityHit<'_>> = ids
        .into_iter()
        .filter_map(|id| {
            graph.entity(id).map(|e| EntityHit {
                id,
                kind: e.kind,
                key: &e.key,
                label: &e.label,
            })
        })
        .collect();
    Ok(Json(json!({
        "query": query,
        "gene": resolution(genes, query),
        "entities": entities,
    })))
}

pub async fn neighbourhood(
    State(state): State<AppState>,
    PathParam(id): PathParam,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    params.only(&["run", "include_prior"])?;
    let node = params::node_id("id", &id)?;
    let include_prior = params.flag("include_prior", false)?;
    let graph = state.read()?;
    let scope = match params.run(&graph)? {
        Some(run) => Scope::run(run),
        None => Scope::all(),
    };
    let not_found = || ApiError::NotFound {
        what: "entity",
        id: node.to_string(),
    };
    let entity = graph.entity_id(node).map_err(|_| not_found())?;
    let hood = graph
        .neighbourhood(entity, &scope, include_prior)
        .map_err(|e| match e {
            GraphError::UnknownNode(_) => not_found(),
            other => other.into(),
        })?;
    Ok(Json(serde_json::to_value(hood)?))
}

//! `GET /api/findings`: findings ranked by q (then p, then effect), filtered and paginated. The
//! graph's `top_findings` applies scope (run, study), layer and q; gene, variable and effect size are applied
//! here, so `total` counts every match and pages are slices of one stable order.

use crate::error::ApiError;
use crate::params::Params;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use graph::query::FindingView;
use graph::resolve::feature::{ACETYL_RESIDUES, PHOSPHO_RESIDUES, split_site};
use graph::{FindingOrder, FindingQuery, GeneIndex, GraphError, Scope};
use serde_json::{Value, json};
use std::collections::HashMap;

pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 1000;

const ACCEPTED: &[&str] = &[
    "run",
    "study",
    "layer",
    "gene",
    "variable",
    "max_q",
    "min_abs_effect",
    "limit",
    "offset",
];

/// The gene a feature id belongs to: `PTEN-S380` and `TP53_p.R175H` belong to their genes.
fn feature_gene(feature: &str) -> &str {
    if let Some((gene, _)) = feature.split_once("_p.") {
        return gene;
    }
    split_site(feature, PHOSPHO_RESIDUES)
        .or_else(|| split_site(feature, ACETYL_RESIDUES))
        .map_or(feature, |(gene, _)| gene)
}

/// Current symbol of a gene name, or the name itself when the index does not know it.
fn current_symbol(genes: &GeneIndex, name: &str) -> String {
    match genes.resolve(name) {
        graph::knowledge::GeneResolution::Resolved { gene, .. } => gene.symbol.clone(),
        _ => name.trim().to_owned(),
    }
}

pub async fn list(State(state): State<AppState>, params: Params) -> Result<Json<Value>, ApiError> {
    params.only(ACCEPTED)?;
    let max_q = params.number("max_q")?;
    let min_abs_effect = params.number("min_abs_effect")?;
    let limit = params
        .parse::<usize>("limit", &format!("an integer from 1 to {MAX_LIMIT}"))?
        .unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(crate::params::bad(
            "limit",
            &limit.to_string(),
            &format!("an integer from 1 to {MAX_LIMIT}"),
        ));
    }
    let offset = params
        .parse::<usize>("offset", "a non-negative integer")?
        .unwrap_or(0);
    let variable = params.text("variable");
    let genes = GeneIndex::embedded().map_err(GraphError::from)?;
    let gene = params.text("gene").map(|g| current_symbol(genes, g));

    let graph = state.read()?;
    let mut scope = match params.run(&graph)? {
        Some(run) => Scope::run(run),
        None => Scope::all(),
    };
    if let Some(name) = params.text("study") {
        scope.study = Some(graph.study(name).ok_or_else(|| ApiError::NotFound {
            what: "study",
            id: name.to_owned(),
        })?);
    }
    let query = FindingQuery {
        max_q,
        layer: params.text("layer").map(str::to_owned),
        ..FindingQuery::top(scope, FindingOrder::Q, usize::MAX)
    };
    let mut symbols: HashMap<String, String> = HashMap::new();
    let mut of_gene = |view: &FindingView| -> bool {
        let Some(gene) = &gene else { return true };
        let name = feature_gene(view.finding.feature.as_str());
        let symbol = symbols
            .entry(name.to_owned())
            .or_insert_with(|| current_symbol(genes, name));
        symbol == gene
    };
    let matches: Vec<FindingView> = graph
        .top_findings(&query)
        .into_iter()
        .filter(|v| variable.is_none_or(|var| v.finding.variable == var))
        .filter(|v| min_abs_effect.is_none_or(|m| v.finding.effect.abs() >= m))
        .filter(|v| of_gene(v))
        .collect();
    let total = matches.len();
    let page: Vec<FindingView> = matches.into_iter().skip(offset).take(limit).collect();
    Ok(Json(json!({
        "total": total,
        "offset": offset,
        "limit": limit,
        "gene": gene,
        "findings": page,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_belong_to_their_gene() {
        assert_eq!(feature_gene("PTEN-S380"), "PTEN");
        assert_eq!(feature_gene("A2M-K1168"), "A2M");
        assert_eq!(feature_gene("TP53_p.R175H"), "TP53");
        assert_eq!(feature_gene("HLA-A"), "HLA-A");
        assert_eq!(feature_gene("KRAS"), "KRAS");
    }
}

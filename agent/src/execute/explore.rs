//! Exploration beyond single features: unsupervised subtypes tested against clinical variables,
//! and gene-set over-representation among features an analysis found changed.

use super::{Context, ExecError, Produced};
use crate::ledger::TestRow;
use crate::profile::MIN_GROUP;
use analysis::cluster::{KMeansOptions, choose_k};
use analysis::contingency::{ContingencyTable, chi_square};
use analysis::enrichment::{OraOptions, over_representation};
use datasets::Matrix;
use serde_json::json;

/// Features used for clustering: the most variable, well-observed ones.
const CLUSTER_FEATURES: usize = 500;

/// Standardised, mean-imputed top-variance features: k-means needs complete data on one scale.
fn clustering_input(matrix: &Matrix) -> Option<Matrix> {
    let n = matrix.n_samples();
    let mut scored: Vec<(usize, f64)> = matrix
        .feature_columns()
        .enumerate()
        .filter_map(|(f, col)| {
            let obs: Vec<f64> = col.iter().copied().filter(|v| v.is_finite()).collect();
            if obs.len() * 10 < n * 9 || obs.len() < 3 {
                return None;
            }
            let mean = obs.iter().sum::<f64>() / obs.len() as f64;
            let var = obs.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (obs.len() - 1) as f64;
            (var > 0.0).then_some((f, var))
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    scored.truncate(CLUSTER_FEATURES);
    if scored.len() < 2 {
        return None;
    }
    let mut columns = Vec::with_capacity(scored.len());
    let mut ids = Vec::with_capacity(scored.len());
    for &(f, var) in &scored {
        let col = matrix.feature(f);
        let obs: Vec<f64> = col.iter().copied().filter(|v| v.is_finite()).collect();
        let mean = obs.iter().sum::<f64>() / obs.len() as f64;
        let sd = var.sqrt();
        columns.push(
            col.iter()
                .map(|v| if v.is_finite() { (v - mean) / sd } else { 0.0 })
                .collect(),
        );
        ids.push(matrix.features()[f].clone());
    }
    Matrix::from_features(matrix.samples().to_vec(), ids, columns).ok()
}

pub fn subtypes(ctx: &Context<'_>, layer_name: &str) -> Result<Produced, ExecError> {
    let layer = ctx.layer(layer_name)?;
    let matrix = ctx.scoped(layer, false);
    let input = clustering_input(&matrix).ok_or_else(|| {
        ExecError::NothingToTest("too few well-observed variable features".into())
    })?;
    let options = KMeansOptions {
        seed: ctx.seed,
        ..KMeansOptions::default()
    };
    let choice =
        choose_k(&input, 2..=5, &options).map_err(|e| ExecError::NothingToTest(e.to_string()))?;
    let k = choice.best.k;
    let samples = input.samples().to_vec();
    let clusters: Vec<Option<usize>> = choice.best.labels.iter().map(|&c| Some(c)).collect();
    let mut rows = Vec::new();
    let mut notes = vec![format!(
        "k = {k} by silhouette ({:.3}); cluster sizes {:?}",
        choice.silhouette.mean,
        (0..k)
            .map(|c| choice.best.labels.iter().filter(|&&l| l == c).count())
            .collect::<Vec<_>>()
    )];
    let tissue = ctx.study.clinical.tissue.as_ref().map(|(c, _)| c.clone());
    for v in &ctx.study.clinical.variables {
        if Some(&v.name) == tissue.as_ref() || !v.kind.is_testable() || v.kind.levels().is_none() {
            continue;
        }
        let Ok(labels) = ctx.labels(&v.name, &samples) else {
            continue;
        };
        let Ok((levels, _)) = ctx.levels(&v.name) else {
            continue;
        };
        let index: std::collections::HashMap<&str, usize> = levels
            .levels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.name.as_str(), i))
            .collect();
        let codes: Vec<Option<usize>> = labels
            .iter()
            .map(|l| l.as_deref().and_then(|l| index.get(l).copied()))
            .collect();
        if codes.iter().flatten().count() < 2 * MIN_GROUP {
            continue;
        }
        let Ok(table) = ContingencyTable::from_labels(&clusters, k, &codes, levels.levels.len())
        else {
            continue;
        };
        let table = table.without_empty_margins();
        match chi_square(&table, false) {
            Ok(chi) => rows.push(TestRow {
                layer: layer_name.to_owned(),
                feature: format!("{layer_name} clusters (k={k})"),
                gene: String::new(),
                variable: v.name.clone(),
                contrast: "cluster membership vs levels".into(),
                test: graph::TestKind::ChiSquare,
                effect: chi.cramers_v,
                ci_low: f64::NAN,
                ci_high: f64::NAN,
                std_effect: chi.cramers_v,
                statistic: chi.statistic,
                p: chi.p_value,
                n: chi.n as usize,
                warning: None,
            }),
            Err(reason) => notes.push(format!("{}: {reason}", v.name)),
        }
    }
    Ok(Produced {
        module: "subtype_discovery",
        params: json!({"method": "kmeans", "k_range": [2, 5], "features": input.n_features(), "seed": ctx.seed,
            "assignments": samples.iter().zip(&choice.best.labels).map(|(s, c)| (s.to_string(), c)).collect::<Vec<_>>()}),
        layers: vec![layer_name.to_owned()],
        samples,
        rows,
        not_testable: 0,
        notes,
    })
}

pub fn enrichment(
    ctx: &Context<'_>,
    label: &str,
    up: &[String],
    down: &[String],
    universe: &[String],
) -> Result<Produced, ExecError> {
    if ctx.gene_sets.is_empty() {
        return Err(ExecError::NothingToTest("no gene sets loaded".into()));
    }
    let options = OraOptions {
        min_set_size: 5,
        max_set_size: 500,
    };
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for (direction, hits) in [("up", up), ("down", down)] {
        if hits.len() < 3 {
            continue;
        }
        for result in over_representation(ctx.gene_sets, hits, universe, &options) {
            if let Ok(r) = result.outcome {
                rows.push(TestRow {
                    layer: "gene_sets".into(),
                    feature: result.set.clone(),
                    gene: r.overlap_genes.join(","),
                    variable: label.to_owned(),
                    contrast: direction.to_owned(),
                    test: graph::TestKind::Hypergeometric,
                    effect: r.fold_enrichment.max(f64::MIN_POSITIVE).log2(),
                    ci_low: f64::NAN,
                    ci_high: f64::NAN,
                    std_effect: r.fold_enrichment.max(f64::MIN_POSITIVE).log2(),
                    statistic: r.overlap as f64,
                    p: r.p_value,
                    n: r.overlap,
                    warning: None,
                });
            }
        }
        notes.push(format!(
            "{} {direction} genes of {} in the universe",
            hits.len(),
            universe.len()
        ));
    }
    if rows.is_empty() {
        return Err(ExecError::NothingToTest(
            "fewer than 3 changed genes in each direction".into(),
        ));
    }
    Ok(Produced {
        module: "enrichment_ora",
        params: json!({"label": label, "min_set_size": options.min_set_size, "max_set_size": options.max_set_size,
            "universe": universe.len(), "up": up.len(), "down": down.len()}),
        layers: vec!["gene_sets".into()],
        samples: Vec::new(),
        rows,
        not_testable: 0,
        notes,
    })
}

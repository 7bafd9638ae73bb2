//! Per-sample gene-set scores by the combined z-score method (Lee et al. 2008, GSVA's
//! `method = "zscore"`): every gene is standardised across samples, and a set's score in a sample
//! is the sum of its members' z-scores divided by the square root of their number. The result is
//! a samples x sets [`Matrix`], so pathway or module activity can go through every layer screen
//! (group comparisons, correlation, Cox) like any other layer.
//!
//! Missing values (GSVA allows none): a member missing in a sample is left out of that sample's
//! sum and the divisor counts only the members observed there. A gene with fewer than three
//! observed values or no variance is not scored.

use super::SetResult;
use crate::gmt::GeneSet;
use crate::outcome::{NotTestable, Outcome};
use datasets::{FeatureId, Matrix};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// Fewest observed values for a gene to be standardised.
const MIN_OBSERVED: usize = 3;

/// One set's scores over the matrix's samples.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SampleScores {
    /// Members of the set scored in the layer.
    pub n_genes: usize,
    /// One per sample of the matrix; NaN where none of the members is observed.
    pub scores: Vec<f64>,
}

/// Scores every set on `matrix` (samples x genes; a feature's gene is
/// [`FeatureId::gene_symbol`], the first feature of a gene is used). A set with fewer than
/// `min_size` scored members is [`NotTestable::TooFewObservations`].
pub fn zscore_sample_scores(
    matrix: &Matrix,
    sets: &[GeneSet],
    min_size: usize,
) -> Vec<SetResult<SampleScores>> {
    let n = matrix.n_samples();
    // Standardised columns, computed once per gene that any set uses.
    let mut by_gene: HashMap<&str, usize> = HashMap::new();
    for (f, id) in matrix.features().iter().enumerate() {
        by_gene.entry(id.gene_symbol()).or_insert(f);
    }
    let wanted: Vec<usize> = {
        let mut w: Vec<usize> = sets
            .iter()
            .flat_map(|s| s.genes.iter())
            .filter_map(|g| by_gene.get(g.as_str()).copied())
            .collect();
        w.sort_unstable();
        w.dedup();
        w
    };
    let z: HashMap<usize, Vec<f64>> = wanted
        .par_iter()
        .filter_map(|&f| standardise(matrix.feature(f)).map(|z| (f, z)))
        .collect();
    sets.par_iter()
        .map(|set| {
            let members: Vec<&Vec<f64>> = set
                .genes
                .iter()
                .filter_map(|g| by_gene.get(g.as_str()))
                .filter_map(|f| z.get(f))
                .collect();
            let outcome = if members.len() < min_size.max(1) {
                Err(NotTestable::TooFewObservations {
                    observed: members.len(),
                    required: min_size.max(1),
                })
            } else {
                Ok(SampleScores {
                    n_genes: members.len(),
                    scores: (0..n)
                        .map(|i| combine(members.iter().map(|z| z[i])))
                        .collect(),
                })
            };
            SetResult {
                set: set.name.clone(),
                outcome,
            }
        })
        .collect()
}

/// The scores as a samples x sets layer (sets that could not be scored are left out).
pub fn scores_matrix(matrix: &Matrix, results: &[SetResult<SampleScores>]) -> Outcome<Matrix> {
    let scored: Vec<(&str, &SampleScores)> = results
        .iter()
        .filter_map(|r| r.outcome.as_ref().ok().map(|s| (r.set.as_str(), s)))
        .collect();
    Matrix::from_features(
        matrix.samples().to_vec(),
        scored
            .iter()
            .map(|(name, _)| FeatureId::from(*name))
            .collect(),
        scored.iter().map(|(_, s)| s.scores.clone()).collect(),
    )
    .map_err(|e| NotTestable::InvalidInput {
        detail: e.to_string(),
    })
}

/// `(x - mean) / sd` over the observed values (sd with n - 1), NaN kept; `None` for a gene with
/// too few values or none of their variance.
fn standardise(x: &[f64]) -> Option<Vec<f64>> {
    let observed: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    let k = observed.len();
    if k < MIN_OBSERVED {
        return None;
    }
    let mean = observed.iter().sum::<f64>() / k as f64;
    let ss: f64 = observed.iter().map(|v| (v - mean) * (v - mean)).sum();
    let sd = (ss / (k - 1) as f64).sqrt();
    if sd.is_nan() || sd <= 1e-12 * mean.abs().max(f64::MIN_POSITIVE) {
        return None;
    }
    Some(
        x.iter()
            .map(|&v| {
                if v.is_finite() {
                    (v - mean) / sd
                } else {
                    f64::NAN
                }
            })
            .collect(),
    )
}

/// `sum z / sqrt(k)` over the observed members.
fn combine(z: impl Iterator<Item = f64>) -> f64 {
    let (sum, k) = z
        .filter(|v| v.is_finite())
        .fold((0.0, 0usize), |(s, k), v| (s + v, k + 1));
    if k == 0 {
        f64::NAN
    } else {
        sum / (k as f64).sqrt()
    }
}

//! Single-sample GSEA (Barbie et al. 2009) scores as `gseapy.ssgsea` computes them with its
//! defaults (`sample_norm_method="rank"`, `weight=0.25`): in each sample the genes are ranked by
//! value (average ranks, 1 = lowest), ordered from the highest, and a set's score is the sum over
//! all positions of the running difference between the members' weighted empirical distribution
//! (step `rank^weight / sum over members`) and the other genes' (step `1 / (genes outside)`).
//!
//! The sum has a closed form, so a set costs O(k) per sample once the sample is ranked: with
//! 0-based positions `i_j` of the k members among n genes and weights `r_j`,
//! `ES = sum r_j (n - i_j) / sum r_j - (n (n + 1) / 2 - sum (n - i_j)) / (n - k)`.
//!
//! Missing values: a gene missing in a sample is left out of that sample's ranking (gseapy ranks
//! NaN at the bottom, as if it were the highest value); a set with fewer than `min_size` members
//! observed in a sample scores NaN there. Normalisation (`normalize`): like gseapy's NES, every
//! raw score is divided by the range (max - min) of all raw scores of the call, which depends on
//! the collection of sets scored; raw scores are comparable across calls.
//!
//! The result is the same [`SampleScores`] as the z-score method, so [`super::scores_matrix`]
//! turns it into a samples x sets layer of module activities.

use super::{SampleScores, SetResult};
use crate::gmt::GeneSet;
use crate::outcome::NotTestable;
use crate::ranks::{RankScratch, average_ranks};
use datasets::Matrix;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Options for [`ssgsea_sample_scores`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SsgseaOptions {
    /// Exponent of a member's rank in its step (gseapy's default 0.25).
    pub weight: f64,
    /// Fewest members (in the layer, and observed in a sample) for a score.
    pub min_size: usize,
    /// Divide by the range of all raw scores of the call (gseapy's NES).
    pub normalize: bool,
}

impl Default for SsgseaOptions {
    fn default() -> Self {
        Self {
            weight: 0.25,
            min_size: 5,
            normalize: false,
        }
    }
}

/// One sample's genes in rank order: position of each feature (None if missing) and weights.
struct RankedSample {
    /// Feature index -> 0-based position from the highest value.
    position: Vec<Option<usize>>,
    /// `rank^weight` by feature index (rank 1 = lowest value).
    weight: Vec<f64>,
    n: usize,
}

fn rank_sample(values: &[f64], weight: f64, scratch: &mut RankScratch) -> RankedSample {
    let observed: Vec<usize> = (0..values.len())
        .filter(|&f| values[f].is_finite())
        .collect();
    let x: Vec<f64> = observed.iter().map(|&f| values[f]).collect();
    let mut ranks = Vec::new();
    average_ranks(&x, &mut ranks, scratch);
    // Highest value first; ties by feature order.
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[b].total_cmp(&x[a]));
    let mut position = vec![None; values.len()];
    let mut w = vec![0.0; values.len()];
    for (pos, &j) in order.iter().enumerate() {
        position[observed[j]] = Some(pos);
        w[observed[j]] = ranks[j].powf(weight);
    }
    RankedSample {
        position,
        weight: w,
        n: x.len(),
    }
}

/// Scores every set in every sample of `matrix` (samples x genes; a feature's gene is
/// [`datasets::FeatureId::gene_symbol`], the first feature of a gene is used).
pub fn ssgsea_sample_scores(
    matrix: &Matrix,
    sets: &[GeneSet],
    options: &SsgseaOptions,
) -> Vec<SetResult<SampleScores>> {
    let min = options.min_size.max(1);
    let mut by_gene: HashMap<&str, usize> = HashMap::new();
    for (f, id) in matrix.features().iter().enumerate() {
        by_gene.entry(id.gene_symbol()).or_insert(f);
    }
    let members: Vec<Vec<usize>> = sets
        .iter()
        .map(|s| {
            let mut m: Vec<usize> = s
                .genes
                .iter()
                .filter_map(|g| by_gene.get(g.as_str()).copied())
                .collect();
            m.sort_unstable();
            m.dedup();
            m
        })
        .collect();
    // Samples x sets raw scores, one ranking per sample.
    let by_sample: Vec<Vec<f64>> = (0..matrix.n_samples())
        .into_par_iter()
        .map_init(RankScratch::new, |scratch, s| {
            let row: Vec<f64> = (0..matrix.n_features())
                .map(|f| matrix.feature(f)[s])
                .collect();
            let ranked = rank_sample(&row, options.weight, scratch);
            members.iter().map(|m| set_score(&ranked, m, min)).collect()
        })
        .collect();
    let scale = if options.normalize {
        let (lo, hi) = by_sample
            .iter()
            .flatten()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        if hi > lo { hi - lo } else { f64::NAN }
    } else {
        1.0
    };
    sets.iter()
        .zip(&members)
        .enumerate()
        .map(|(j, (set, m))| SetResult {
            set: set.name.clone(),
            outcome: if m.len() < min {
                Err(NotTestable::TooFewObservations {
                    observed: m.len(),
                    required: min,
                })
            } else {
                Ok(SampleScores {
                    n_genes: m.len(),
                    scores: by_sample.iter().map(|row| row[j] / scale).collect(),
                })
            },
        })
        .collect()
}

/// The closed-form sum of the running difference for one set in one ranked sample.
fn set_score(ranked: &RankedSample, members: &[usize], min: usize) -> f64 {
    let n = ranked.n as f64;
    let (mut k, mut weighted, mut total, mut depth) = (0usize, 0.0, 0.0, 0.0);
    for &f in members {
        if let Some(pos) = ranked.position[f] {
            let from_end = n - pos as f64;
            k += 1;
            weighted += ranked.weight[f] * from_end;
            total += ranked.weight[f];
            depth += from_end;
        }
    }
    if k < min || k >= ranked.n || total <= 0.0 {
        return f64::NAN;
    }
    weighted / total - (n * (n + 1.0) / 2.0 - depth) / (n - k as f64)
}

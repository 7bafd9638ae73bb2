//! Silhouette widths: how much closer each sample is to its own cluster than to the next one.

use crate::{NotTestable, Outcome};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Silhouette {
    /// Mean over samples, in [-1, 1]; the usual criterion for choosing k.
    pub mean: f64,
    pub per_sample: Vec<f64>,
}

/// Silhouettes from a precomputed `n x n` distance matrix (row-major). A sample alone in its
/// cluster scores 0, as in scikit-learn.
pub(crate) fn silhouette_from_distances(
    dist: &[f64],
    n: usize,
    labels: &[usize],
) -> Outcome<Silhouette> {
    if labels.len() != n || dist.len() != n * n {
        return Err(NotTestable::InvalidInput {
            detail: format!("{} labels for {n} samples", labels.len()),
        });
    }
    let k = labels.iter().max().map_or(0, |m| m + 1);
    let mut sizes = vec![0usize; k];
    for &l in labels {
        sizes[l] += 1;
    }
    let used = sizes.iter().filter(|&&s| s > 0).count();
    if used < 2 || used > n - 1 {
        return Err(NotTestable::InvalidInput {
            detail: format!("silhouette needs 2 to n − 1 clusters, got {used} for {n} samples"),
        });
    }
    let mut sums = vec![0.0; k];
    let per_sample: Vec<f64> = (0..n)
        .map(|i| {
            sums.fill(0.0);
            for (j, &l) in labels.iter().enumerate() {
                sums[l] += dist[i * n + j];
            }
            let own = labels[i];
            if sizes[own] < 2 {
                return 0.0;
            }
            let a = sums[own] / (sizes[own] - 1) as f64;
            let b = (0..k)
                .filter(|&c| c != own && sizes[c] > 0)
                .map(|c| sums[c] / sizes[c] as f64)
                .fold(f64::INFINITY, f64::min);
            let denom = a.max(b);
            if denom > 0.0 { (b - a) / denom } else { 0.0 }
        })
        .collect();
    let mean = per_sample.iter().sum::<f64>() / n as f64;
    Ok(Silhouette { mean, per_sample })
}

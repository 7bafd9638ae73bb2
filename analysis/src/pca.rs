//! Principal component analysis of one layer: which samples resemble each other, along which
//! axes, and which features drive those axes.
//!
//! Omics layers are wide (10⁴–10⁵ features, ~10² samples), so the decomposition works on the
//! small `samples x samples` Gram matrix `X Xᵀ` when there are fewer samples than features, and on
//! the `features x features` covariance otherwise; either way only a matrix whose side is the
//! smaller dimension is eigen-decomposed, with no dependency beyond this crate.
//!
//! Missing values (NaN) are handled in two steps, both reported in the result:
//! 1. samples missing more than [`PcaOptions::max_sample_missing_fraction`] of the features are
//!    dropped (a sample not profiled on this layer is all-NaN once layers are harmonised);
//! 2. each remaining feature is kept or dropped by [`MissingValues`] and its remaining gaps are
//!    filled with the feature's mean, which adds nothing to any component.
//!
//! Features that are constant over the kept samples carry no variance and are dropped too.

mod eigen;

use crate::{NotTestable, Outcome};
use datasets::{FeatureId, Matrix, SampleId, ShapeError};
use eigen::symmetric_eigen;
use rayon::prelude::*;
use serde::Serialize;

/// How features with missing values enter the PCA.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "policy", rename_all = "snake_case")]
pub enum MissingValues {
    /// Use only features observed in every kept sample.
    DropIncompleteFeatures,
    /// Keep features missing in at most this fraction of the kept samples and fill their gaps
    /// with the feature mean.
    ImputeMean { max_missing_fraction: f64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PcaOptions {
    /// Components to return (fewer when the data has lower rank).
    pub n_components: usize,
    pub missing: MissingValues,
    /// Scale every feature to unit variance (PCA of the correlation rather than covariance
    /// matrix), so high-variance features do not dominate by units alone.
    pub scale: bool,
    /// Samples missing more than this fraction of the layer's features are dropped.
    pub max_sample_missing_fraction: f64,
}

impl Default for PcaOptions {
    fn default() -> Self {
        Self {
            n_components: 10,
            missing: MissingValues::ImputeMean {
                max_missing_fraction: 0.2,
            },
            scale: false,
            max_sample_missing_fraction: 0.5,
        }
    }
}

/// The top principal components of a layer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pca {
    /// Samples used, in layer order; `scores` follow this order.
    pub samples: Vec<SampleId>,
    /// Features used, in layer order; `loadings` follow this order.
    pub features: Vec<FeatureId>,
    pub dropped_samples: usize,
    pub dropped_features: usize,
    /// Variance along each component (eigenvalue / (n − 1)), decreasing.
    pub explained_variance: Vec<f64>,
    /// Share of the total variance of the used features along each component.
    pub explained_variance_ratio: Vec<f64>,
    /// `scores[c][s]`: sample `s` projected on component `c`.
    pub scores: Vec<Vec<f64>>,
    /// `loadings[c][f]`: unit-length weight of feature `f` in component `c`. The sign of each
    /// component is fixed so that its largest-magnitude loading is positive, making results
    /// reproducible across runs and platforms.
    pub loadings: Vec<Vec<f64>>,
}

impl Pca {
    /// The scores as a `samples x components` matrix (components named `PC1`, `PC2`, ...), the
    /// usual input for clustering samples. Fails only if the public fields were edited out of
    /// shape.
    pub fn scores_matrix(&self) -> Result<Matrix, ShapeError> {
        let names = (1..=self.scores.len())
            .map(|c| FeatureId::from(format!("PC{c}")))
            .collect();
        Matrix::from_features(self.samples.clone(), names, self.scores.clone())
    }
}

/// Features per block when accumulating the Gram matrix in parallel: large enough to amortise a
/// block's `n²` buffer, small enough to spread a layer over all cores.
const GRAM_BLOCK: usize = 256;

/// Runs PCA on `layer` (samples as rows).
pub fn pca(layer: &Matrix, options: &PcaOptions) -> Outcome<Pca> {
    let kept_samples = samples_to_keep(layer, options.max_sample_missing_fraction);
    let n = kept_samples.len();
    if n < 2 {
        return Err(NotTestable::TooFewObservations {
            observed: n,
            required: 2,
        });
    }
    // Centred (and optionally scaled) columns of the kept features over the kept samples.
    let prepared: Vec<Option<Vec<f64>>> = (0..layer.n_features())
        .into_par_iter()
        .map(|f| prepare_feature(layer.feature(f), &kept_samples, options))
        .collect();
    let mut features = Vec::new();
    let mut columns: Vec<f64> = Vec::new();
    for (id, col) in layer.features().iter().zip(prepared) {
        if let Some(col) = col {
            features.push(id.clone());
            columns.extend_from_slice(&col);
        }
    }
    let p = features.len();
    if p == 0 {
        return Err(NotTestable::InvalidInput {
            detail: "no feature left after removing missing and constant ones".into(),
        });
    }
    let total_ss: f64 = columns.iter().map(|v| v * v).sum();

    let (values, sample_vectors, feature_vectors) = if n <= p {
        let eig = symmetric_eigen(gram(&columns, n), n);
        (eig.values, Some(eig.vectors), None)
    } else {
        let eig = symmetric_eigen(covariance(&columns, n, p), p);
        (eig.values, None, Some(eig.vectors))
    };
    // Components beyond the rank have eigenvalues that are rounding noise.
    let largest = values.first().copied().unwrap_or(0.0);
    let rank = values
        .iter()
        .take_while(|&&v| v > largest * 1e-12 && v > 0.0)
        .count();
    let k = options.n_components.min(rank);
    if k == 0 {
        return Err(NotTestable::ConstantValues);
    }

    let mut scores = Vec::with_capacity(k);
    let mut loadings = Vec::with_capacity(k);
    for c in 0..k {
        let sigma = values[c].sqrt();
        let (mut score, mut loading): (Vec<f64>, Vec<f64>) =
            match (&sample_vectors, &feature_vectors) {
                (Some(u), _) => {
                    // Score = U·σ; loading = Xᵀ u / σ.
                    let u = &u[c];
                    let loading = columns
                        .chunks_exact(n)
                        .map(|col| dot(col, u) / sigma)
                        .collect();
                    (u.iter().map(|x| x * sigma).collect(), loading)
                }
                (_, Some(v)) => {
                    // Loading = v; score = X v.
                    let v = &v[c];
                    let mut score = vec![0.0; n];
                    for (col, w) in columns.chunks_exact(n).zip(v) {
                        for (s, x) in score.iter_mut().zip(col) {
                            *s += w * x;
                        }
                    }
                    (score, v.clone())
                }
                _ => (Vec::new(), Vec::new()),
            };
        let pivot = loading
            .iter()
            .copied()
            .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
        if pivot < 0.0 {
            score.iter_mut().for_each(|x| *x = -*x);
            loading.iter_mut().for_each(|x| *x = -*x);
        }
        scores.push(score);
        loadings.push(loading);
    }

    let denom = (n - 1) as f64;
    Ok(Pca {
        samples: kept_samples
            .iter()
            .filter_map(|&s| layer.samples().get(s).cloned())
            .collect(),
        dropped_samples: layer.n_samples() - n,
        dropped_features: layer.n_features() - p,
        features,
        explained_variance: values[..k].iter().map(|v| v / denom).collect(),
        explained_variance_ratio: values[..k].iter().map(|v| v / total_ss).collect(),
        scores,
        loadings,
    })
}

fn samples_to_keep(layer: &Matrix, max_missing_fraction: f64) -> Vec<usize> {
    let n = layer.n_samples();
    let mut missing = vec![0usize; n];
    for col in layer.feature_columns() {
        for (m, v) in missing.iter_mut().zip(col) {
            *m += usize::from(v.is_nan());
        }
    }
    let p = layer.n_features().max(1) as f64;
    (0..n)
        .filter(|&s| {
            (missing[s] as f64 / p) <= max_missing_fraction && missing[s] < layer.n_features()
        })
        .collect()
}

/// The feature over the kept samples, centred (and scaled), or `None` when the policy drops it.
fn prepare_feature(values: &[f64], kept: &[usize], options: &PcaOptions) -> Option<Vec<f64>> {
    let mut col: Vec<f64> = kept
        .iter()
        .map(|&s| values.get(s).copied().unwrap_or(f64::NAN))
        .collect();
    let n = col.len();
    let observed = col.iter().filter(|v| !v.is_nan()).count();
    let allowed_missing = match options.missing {
        MissingValues::DropIncompleteFeatures => 0.0,
        MissingValues::ImputeMean {
            max_missing_fraction,
        } => max_missing_fraction,
    };
    if observed < 2 || (n - observed) as f64 > allowed_missing * n as f64 {
        return None;
    }
    let mean = col.iter().filter(|v| !v.is_nan()).sum::<f64>() / observed as f64;
    for v in &mut col {
        // Imputed gaps sit exactly at the mean, i.e. at zero once centred.
        *v = if v.is_nan() { 0.0 } else { *v - mean };
    }
    let ss: f64 = col.iter().map(|v| v * v).sum();
    let has_spread = ss.is_finite() && ss > 1e-24 * mean * mean * n as f64;
    if !has_spread {
        return None;
    }
    if options.scale {
        let sd = (ss / (n as f64 - 1.0)).sqrt();
        col.iter_mut().for_each(|v| *v /= sd);
    }
    Some(col)
}

/// `X Xᵀ` (`n x n`, row-major) from feature-major centred columns, in parallel over feature blocks.
fn gram(columns: &[f64], n: usize) -> Vec<f64> {
    let block_len = GRAM_BLOCK * n;
    let mut g = columns
        .par_chunks(block_len.max(1))
        .map(|block| {
            let mut g = vec![0.0; n * n];
            for col in block.chunks_exact(n) {
                for (a, &xa) in col.iter().enumerate() {
                    if xa == 0.0 {
                        continue;
                    }
                    let row = &mut g[a * n + a..(a + 1) * n];
                    for (gab, xb) in row.iter_mut().zip(&col[a..]) {
                        *gab += xa * xb;
                    }
                }
            }
            g
        })
        .reduce(
            || vec![0.0; n * n],
            |mut x, y| {
                x.iter_mut().zip(&y).for_each(|(a, b)| *a += b);
                x
            },
        );
    for a in 0..n {
        for b in 0..a {
            g[a * n + b] = g[b * n + a];
        }
    }
    g
}

/// `Xᵀ X` (`p x p`, row-major), used when features are fewer than samples.
fn covariance(columns: &[f64], n: usize, p: usize) -> Vec<f64> {
    let cols: Vec<&[f64]> = columns.chunks_exact(n).collect();
    let mut c = vec![0.0; p * p];
    for (j, cj) in cols.iter().enumerate() {
        for (k, ck) in cols.iter().enumerate().take(j + 1) {
            let v = dot(cj, ck);
            c[j * p + k] = v;
            c[k * p + j] = v;
        }
    }
    c
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(n: usize, columns: Vec<Vec<f64>>) -> Matrix {
        let samples = (0..n).map(|i| SampleId::from(format!("s{i}"))).collect();
        let features = (0..columns.len())
            .map(|j| FeatureId::from(format!("f{j}")))
            .collect();
        Matrix::from_features(samples, features, columns).unwrap()
    }

    #[test]
    fn a_line_has_one_component() {
        // All samples on the line y = 2x: one component carrying all variance.
        let x = vec![-2.0, -1.0, 0.0, 1.0, 2.0];
        let y: Vec<f64> = x.iter().map(|v| 2.0 * v).collect();
        let r = pca(&matrix(5, vec![x.clone(), y]), &PcaOptions::default()).unwrap();
        assert_eq!(r.explained_variance_ratio.len(), 1);
        assert!((r.explained_variance_ratio[0] - 1.0).abs() < 1e-12);
        // Variance along the line: (1 + 4) · var(x) = 5 · 2.5.
        assert!((r.explained_variance[0] - 12.5).abs() < 1e-12);
        let l = &r.loadings[0];
        assert!(
            (l[0] - 1.0 / 5f64.sqrt()).abs() < 1e-12 && (l[1] - 2.0 / 5f64.sqrt()).abs() < 1e-12
        );
        assert!((r.scores[0][4] - 2.0 * 5f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn missing_samples_and_features_are_dropped() {
        let nan = f64::NAN;
        let cols = vec![
            vec![1.0, 2.0, 3.0, 4.0, nan],
            vec![2.0, 1.0, 4.0, 3.0, nan],
            vec![nan, 1.0, 2.0, 5.0, nan],
            vec![7.0, 7.0, 7.0, 7.0, 1.0],
        ];
        let r = pca(&matrix(5, cols.clone()), &PcaOptions::default()).unwrap();
        // Sample 4 is missing 3 of 4 features; f2 misses 1 of 4 kept (> 20%); f3 is constant.
        assert_eq!(r.dropped_samples, 1);
        assert_eq!(
            r.features,
            vec![FeatureId::from("f0"), FeatureId::from("f1")]
        );
        let opts = PcaOptions {
            missing: MissingValues::ImputeMean {
                max_missing_fraction: 0.25,
            },
            ..PcaOptions::default()
        };
        assert_eq!(pca(&matrix(5, cols), &opts).unwrap().features.len(), 3);
    }

    #[test]
    fn degenerate_layers_are_reasons() {
        let constant = matrix(3, vec![vec![1.0; 3], vec![2.0; 3]]);
        assert!(matches!(
            pca(&constant, &PcaOptions::default()),
            Err(NotTestable::InvalidInput { .. })
        ));
        let one = matrix(1, vec![vec![1.0]]);
        assert!(matches!(
            pca(&one, &PcaOptions::default()),
            Err(NotTestable::TooFewObservations { .. })
        ));
    }
}

//! One omics layer after loading: its harmonized matrix and a record of everything done to it
//! (which samples matched, whether it was log-transformed, which features were dropped), so a
//! result can always be read against how its input was prepared.

use crate::harmonize::MatchReport;
use crate::infer::kind::KindBasis;
use crate::kinds::LayerKind;
use crate::manifest::{LogTransform, Orientation};
use crate::matrix::Matrix;
use crate::mutation::MutationSource;
use serde::Serialize;

#[derive(Clone, Debug)]
pub struct Layer {
    /// Unique name within the study, e.g. `proteome`, or `rna (RNASeq2GeneNorm)` when kinds repeat.
    pub name: String,
    pub kind: LayerKind,
    pub file: String,
    pub orientation: Orientation,
    pub matrix: Matrix,
    pub matching: MatchReport,
    pub processing: Processing,
    pub mutation_source: Option<MutationSource>,
    /// Where the kind came from (study.toml, name, meta file, content), how sure, and what the
    /// values look like.
    pub kind_basis: KindBasis,
    /// Why the samples are rows or columns.
    pub orientation_reason: String,
    /// Other decisions made while reading (annotation columns, probes mapped to genes).
    pub notes: Vec<String>,
}

impl Layer {
    /// This layer's description holding `matrix` instead (a few of its features, or values
    /// derived from it): what a narrowed or derived layer needs, without copying this one's
    /// values first as `clone` would.
    pub fn with_matrix(&self, matrix: Matrix) -> Layer {
        Layer {
            name: self.name.clone(),
            kind: self.kind,
            file: self.file.clone(),
            orientation: self.orientation,
            matrix,
            matching: self.matching.clone(),
            processing: self.processing.clone(),
            mutation_source: self.mutation_source,
            kind_basis: self.kind_basis.clone(),
            orientation_reason: self.orientation_reason.clone(),
            notes: self.notes.clone(),
        }
    }
}

/// The value scale a layer arrived on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Already log-scale or ratio data (centred values, log2 ratios, z-scores).
    Log,
    /// Non-negative, wide-ranging values: counts or linear intensities.
    Linear,
    /// Copy-number values, mutation flags and the like: analysed as they are.
    AsIs,
}

#[derive(Clone, Debug, Serialize)]
pub struct Processing {
    pub scale: Scale,
    pub log2_transformed: bool,
    pub median_centered: bool,
    pub features_in_file: usize,
    pub features_dropped_sparse: usize,
    pub min_observed_fraction: f64,
    /// Fraction of missing cells after filtering.
    pub missing_fraction: f64,
}

/// Options for preparing a layer, from study.toml or defaults.
#[derive(Clone, Copy, Debug)]
pub struct PrepareOptions {
    pub log_transform: LogTransform,
    pub median_center: bool,
    pub min_observed_fraction: f64,
}

impl Default for PrepareOptions {
    fn default() -> Self {
        Self {
            log_transform: LogTransform::Auto,
            median_center: false,
            min_observed_fraction: 0.5,
        }
    }
}

/// Decides whether values look like counts / linear intensities. Log-scale omics values rarely
/// exceed ~30 and are often negative; counts are non-negative with a long right tail.
pub fn detect_scale(kind: LayerKind, values: &[f64]) -> Scale {
    if !kind.is_abundance() {
        return Scale::AsIs;
    }
    // The 99th percentile exceeds 100 exactly when at most `k` observed values are <= 100
    // (`k` being the 0-based rank of the percentile), so one counting pass decides it without
    // copying the layer to sort it.
    let (mut observed, mut at_most_100) = (0usize, 0usize);
    for &v in values.iter().filter(|v| v.is_finite()) {
        if v < 0.0 {
            return Scale::Log;
        }
        observed += 1;
        if v <= 100.0 {
            at_most_100 += 1;
        }
    }
    if observed == 0 {
        return Scale::Log;
    }
    let k = ((observed as f64 * 0.99) as usize).min(observed - 1);
    if at_most_100 <= k {
        Scale::Linear
    } else {
        Scale::Log
    }
}

/// Applies scale handling, sparse-feature filtering and optional centring to a raw layer matrix.
pub fn prepare(
    kind: LayerKind,
    mut matrix: Matrix,
    options: PrepareOptions,
) -> (Matrix, Processing) {
    let scale = detect_scale(kind, matrix.values());
    let log2_transformed = match options.log_transform {
        LogTransform::Always => true,
        LogTransform::Never => false,
        LogTransform::Auto => scale == Scale::Linear,
    };
    if log2_transformed {
        for v in matrix.values_mut() {
            // Negative values cannot be counts; they become missing rather than NaN-by-accident.
            *v = if *v >= 0.0 {
                (*v + 1.0).log2()
            } else {
                f64::NAN
            };
        }
    }
    let features_in_file = matrix.n_features();
    let n = matrix.n_samples();
    let min_observed = (options.min_observed_fraction * n as f64).ceil() as usize;
    let keep: Vec<bool> = matrix
        .feature_columns()
        .map(|col| col.iter().filter(|v| !v.is_nan()).count() >= min_observed.max(1))
        .collect();
    let dropped = keep.iter().filter(|k| !**k).count();
    if dropped > 0 {
        matrix.retain_features(&keep);
    }
    if options.median_center && kind.is_abundance() {
        median_center_samples(&mut matrix);
    }
    let processing = Processing {
        scale,
        log2_transformed,
        median_centered: options.median_center && kind.is_abundance(),
        features_in_file,
        features_dropped_sparse: dropped,
        min_observed_fraction: options.min_observed_fraction,
        missing_fraction: matrix.missing_fraction(),
    };
    (matrix, processing)
}

/// Subtracts each sample's median over its observed features, removing loading differences.
fn median_center_samples(matrix: &mut Matrix) {
    let n = matrix.n_samples();
    let p = matrix.n_features();
    let mut buffer = Vec::with_capacity(p);
    let mut medians = vec![f64::NAN; n];
    for (s, median) in medians.iter_mut().enumerate() {
        buffer.clear();
        buffer.extend((0..p).map(|f| matrix.value(s, f)).filter(|v| v.is_finite()));
        if !buffer.is_empty() {
            let mid = buffer.len() / 2;
            buffer.select_nth_unstable_by(mid, f64::total_cmp);
            let upper = buffer[mid];
            *median = if buffer.len() % 2 == 1 {
                upper
            } else {
                let lower = buffer[..mid]
                    .iter()
                    .copied()
                    .fold(f64::NEG_INFINITY, f64::max);
                (lower + upper) / 2.0
            };
        }
    }
    let values = matrix.values_mut();
    for f in 0..p {
        for (s, median) in medians.iter().enumerate() {
            if median.is_finite() {
                values[f * n + s] -= median;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{FeatureId, SampleId};

    fn matrix(values: Vec<f64>, n_samples: usize) -> Matrix {
        let p = values.len() / n_samples;
        Matrix::new(
            (0..n_samples)
                .map(|i| SampleId::new(format!("S{i}")))
                .collect(),
            (0..p).map(|i| FeatureId::new(format!("G{i}"))).collect(),
            values,
        )
        .unwrap()
    }

    #[test]
    fn counts_are_log_transformed() {
        let m = matrix(vec![0.0, 1.0, 3.0, 1023.0, 5000.0, 7.0], 3);
        let (m, p) = prepare(LayerKind::Rna, m, PrepareOptions::default());
        assert!(p.log2_transformed);
        assert_eq!(p.scale, Scale::Linear);
        assert_eq!(m.feature(0), &[0.0, 1.0, 2.0]);
        assert_eq!(m.value(0, 1), 10.0);
    }

    #[test]
    fn log_ratios_and_copy_number_stay() {
        let m = matrix(vec![-1.0, 0.5, 2.0, 0.1], 2);
        let (_, p) = prepare(LayerKind::Proteome, m.clone(), PrepareOptions::default());
        assert!(!p.log2_transformed);
        assert_eq!(detect_scale(LayerKind::CopyNumber, &[500.0]), Scale::AsIs);
    }

    #[test]
    fn sparse_features_are_dropped_and_centring_works() {
        let nan = f64::NAN;
        // 4 samples; G0 observed 4/4, G1 1/4, G2 4/4.
        let m = matrix(
            vec![1.0, 2.0, 3.0, 4.0, nan, nan, nan, 9.0, 3.0, 4.0, 5.0, 6.0],
            4,
        );
        let options = PrepareOptions {
            median_center: true,
            ..PrepareOptions::default()
        };
        let (m, p) = prepare(LayerKind::Proteome, m, options);
        assert_eq!(p.features_dropped_sparse, 1);
        assert_eq!(m.n_features(), 2);
        // Sample 0 has values 1 and 3 -> median 2.
        assert_eq!(m.feature(0)[0], -1.0);
        assert_eq!(m.feature(1)[0], 1.0);
    }
}

//! The in-memory form of one omics layer: a dense matrix of `f64` with NaN for missing values.
//!
//! Storage is column-major with **samples as rows and features as columns**, so the values of one
//! feature across all samples form one contiguous slice. Every whole-layer screen in the analysis
//! crate walks features one at a time, so this is the layout its hot loops want.

use crate::ids::{FeatureId, SampleId};
use serde::Serialize;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Matrix {
    samples: Vec<SampleId>,
    /// Shared: selecting samples (what every analysis does to a layer first) keeps the features,
    /// and copying tens of thousands of names per selection cost more than the values.
    #[serde(serialize_with = "shared_slice")]
    features: Arc<Vec<FeatureId>>,
    /// `values[f * n_samples + s]` is feature `f` in sample `s`.
    #[serde(skip)]
    values: Vec<f64>,
}

/// Returned when the parts handed to [`Matrix::new`] do not fit together.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("matrix of {samples} samples x {features} features needs {expected} values, got {got}")]
pub struct ShapeError {
    pub samples: usize,
    pub features: usize,
    pub expected: usize,
    pub got: usize,
}

impl Matrix {
    /// Builds a matrix from feature-major values (`values[f * n_samples + s]`).
    pub fn new(
        samples: Vec<SampleId>,
        features: Vec<FeatureId>,
        values: Vec<f64>,
    ) -> Result<Self, ShapeError> {
        let expected = samples.len() * features.len();
        if values.len() != expected {
            return Err(ShapeError {
                samples: samples.len(),
                features: features.len(),
                expected,
                got: values.len(),
            });
        }
        Ok(Self {
            samples,
            features: Arc::new(features),
            values,
        })
    }

    /// Builds a matrix from one `Vec` per feature, each as long as `samples`.
    pub fn from_features(
        samples: Vec<SampleId>,
        features: Vec<FeatureId>,
        columns: Vec<Vec<f64>>,
    ) -> Result<Self, ShapeError> {
        let n = samples.len();
        if columns.len() != features.len() || columns.iter().any(|c| c.len() != n) {
            return Err(ShapeError {
                samples: n,
                features: features.len(),
                expected: n * features.len(),
                got: columns.iter().map(Vec::len).sum(),
            });
        }
        let values = columns.into_iter().flatten().collect();
        Self::new(samples, features, values)
    }

    pub fn n_samples(&self) -> usize {
        self.samples.len()
    }

    pub fn n_features(&self) -> usize {
        self.features.len()
    }

    pub fn samples(&self) -> &[SampleId] {
        &self.samples
    }

    pub fn features(&self) -> &[FeatureId] {
        &self.features
    }

    /// All values, feature-major.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    pub fn values_mut(&mut self) -> &mut [f64] {
        &mut self.values
    }

    /// The values of feature `f` across all samples, in `samples()` order.
    pub fn feature(&self, f: usize) -> &[f64] {
        let n = self.samples.len();
        &self.values[f * n..(f + 1) * n]
    }

    /// Iterates over features as contiguous slices; `chunks_exact` keeps this allocation-free.
    pub fn feature_columns(&self) -> impl ExactSizeIterator<Item = &[f64]> + '_ {
        // A matrix with no samples still has its features, each an empty slice.
        let n = self.samples.len().max(1);
        let take = if self.samples.is_empty() {
            0
        } else {
            self.features.len()
        };
        self.values.chunks_exact(n).take(take)
    }

    pub fn value(&self, sample: usize, feature: usize) -> f64 {
        self.values[feature * self.samples.len() + sample]
    }

    pub fn feature_index(&self, id: &str) -> Option<usize> {
        self.features.iter().position(|f| f.as_str() == id)
    }

    pub fn sample_index(&self, id: &str) -> Option<usize> {
        self.samples.iter().position(|s| s.as_str() == id)
    }

    /// Fraction of cells that are missing (NaN).
    pub fn missing_fraction(&self) -> f64 {
        if self.values.is_empty() {
            return 0.0;
        }
        self.values.iter().filter(|v| v.is_nan()).count() as f64 / self.values.len() as f64
    }

    /// Keeps the features for which `keep` is true, preserving order. Kept columns move down in
    /// place, so filtering a large layer does not hold it twice.
    pub fn retain_features(&mut self, keep: &[bool]) {
        let n = self.samples.len();
        let mut kept = 0;
        for f in 0..self.features.len() {
            if keep.get(f).copied().unwrap_or(false) {
                if kept != f {
                    self.values.copy_within(f * n..(f + 1) * n, kept * n);
                    Arc::make_mut(&mut self.features).swap(kept, f);
                }
                kept += 1;
            }
        }
        self.values.truncate(kept * n);
        self.values.shrink_to_fit();
        if kept < self.features.len() {
            Arc::make_mut(&mut self.features).truncate(kept);
        }
    }

    /// A new matrix over the features for which `keep` is true, in their order; unlike
    /// [`Matrix::retain_features`] on a clone it copies only the kept columns.
    pub fn select_features(&self, keep: &[bool]) -> Matrix {
        let n = self.samples.len();
        let kept: Vec<usize> = (0..self.features.len())
            .filter(|&f| keep.get(f).copied().unwrap_or(false))
            .collect();
        let mut values = Vec::with_capacity(kept.len() * n);
        for &f in &kept {
            values.extend_from_slice(&self.values[f * n..(f + 1) * n]);
        }
        Matrix {
            samples: self.samples.clone(),
            features: Arc::new(kept.iter().map(|&f| self.features[f].clone()).collect()),
            values,
        }
    }

    /// A new matrix over the given sample rows (by index), in the order given.
    pub fn select_samples(&self, rows: &[usize]) -> Matrix {
        let n = self.samples.len();
        let mut values = Vec::with_capacity(rows.len() * self.features.len());
        for f in 0..self.features.len() {
            let col = &self.values[f * n..(f + 1) * n];
            values.extend(rows.iter().map(|&r| col[r]));
        }
        Matrix {
            samples: rows.iter().map(|&r| self.samples[r].clone()).collect(),
            features: Arc::clone(&self.features),
            values,
        }
    }
}

fn shared_slice<S: serde::Serializer>(
    features: &Arc<Vec<FeatureId>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    features.as_slice().serialize(serializer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids<T: From<&'static str>>(names: &[&'static str]) -> Vec<T> {
        names.iter().map(|&n| T::from(n)).collect()
    }

    #[test]
    fn selecting_features_equals_retaining_them_on_a_clone() {
        let m = Matrix::new(
            ids(&["s1", "s2"]),
            ids(&["a", "b", "c"]),
            vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        )
        .expect("shape");
        let keep = [true, false, true];
        let mut retained = m.clone();
        retained.retain_features(&keep);
        assert_eq!(m.select_features(&keep), retained);
        assert_eq!(retained.values(), &[1.0, 2.0, 5.0, 6.0]);
        // The original keeps its features although the clone shared them.
        assert_eq!(m.n_features(), 3);
    }

    #[test]
    fn features_are_contiguous_columns() {
        let m = Matrix::new(
            ids(&["a", "b"]),
            ids(&["G1", "G2", "G3"]),
            vec![1.0, 2.0, 3.0, 4.0, 5.0, f64::NAN],
        )
        .unwrap();
        assert_eq!(m.feature(1), &[3.0, 4.0]);
        assert_eq!(m.value(1, 0), 2.0);
        assert_eq!(m.feature_columns().count(), 3);
        assert!((m.missing_fraction() - 1.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn shape_mismatch_is_an_error() {
        let err = Matrix::new(ids(&["a"]), ids(&["G1", "G2"]), vec![1.0]).unwrap_err();
        assert_eq!(err.expected, 2);
    }

    #[test]
    fn retain_and_select() {
        let mut m = Matrix::new(
            ids(&["a", "b", "c"]),
            ids(&["G1", "G2"]),
            vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        )
        .unwrap();
        let sub = m.select_samples(&[2, 0]);
        assert_eq!(sub.feature(1), &[6.0, 4.0]);
        m.retain_features(&[false, true]);
        assert_eq!(m.features()[0].as_str(), "G2");
        assert_eq!(m.feature(0), &[4.0, 5.0, 6.0]);
    }

    #[test]
    fn gene_symbols_from_feature_ids() {
        assert_eq!(FeatureId::from("PTEN-S380").gene_symbol(), "PTEN");
        assert_eq!(FeatureId::from("PTEN_p.R130Q").gene_symbol(), "PTEN");
        assert_eq!(FeatureId::from("HLA-A").gene_symbol(), "HLA-A");
        assert_eq!(FeatureId::from("NKX2-1").gene_symbol(), "NKX2-1");
        assert_eq!(
            FeatureId::from("AKT1 AKT2 AKT3|Akt_pS473").gene_symbol(),
            "AKT1"
        );
        assert_eq!(FeatureId::from("TP53|201746_at").gene_symbol(), "TP53");
    }
}

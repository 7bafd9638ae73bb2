//! Samples as points: the sample-major copy of a layer that distance computations want.

use crate::{NotTestable, Outcome};
use datasets::Matrix;

/// `n` points of dimension `d`, row-major so each sample's coordinates are contiguous.
#[derive(Debug, Clone)]
pub(crate) struct Points {
    pub n: usize,
    pub d: usize,
    values: Vec<f64>,
    /// Features of the source matrix left out because they had missing values.
    pub dropped_features: usize,
}

impl Points {
    /// Transposes `data` (samples as rows), keeping only features observed in every sample:
    /// distances need complete coordinates, and imputing here would silently pull samples
    /// together. Run PCA first (it imputes explicitly) to cluster layers with gaps.
    pub(crate) fn from_matrix(data: &Matrix) -> Outcome<Self> {
        let n = data.n_samples();
        if n < 2 {
            return Err(NotTestable::TooFewObservations {
                observed: n,
                required: 2,
            });
        }
        let complete: Vec<&[f64]> = data
            .feature_columns()
            .filter(|col| col.iter().all(|v| v.is_finite()))
            .collect();
        let d = complete.len();
        if d == 0 {
            return Err(NotTestable::InvalidInput {
                detail: "no feature is observed in every sample".into(),
            });
        }
        let mut values = vec![0.0; n * d];
        for (j, col) in complete.iter().enumerate() {
            for (i, v) in col.iter().enumerate() {
                values[i * d + j] = *v;
            }
        }
        Ok(Self {
            n,
            d,
            values,
            dropped_features: data.n_features() - d,
        })
    }

    pub(crate) fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.d..(i + 1) * self.d]
    }

    /// The full `n x n` Euclidean distance matrix, row-major.
    pub(crate) fn distances(&self) -> Vec<f64> {
        let n = self.n;
        let mut dist = vec![0.0; n * n];
        for i in 0..n {
            for j in i + 1..n {
                let v = squared_distance(self.row(i), self.row(j)).sqrt();
                dist[i * n + j] = v;
                dist[j * n + i] = v;
            }
        }
        dist
    }
}

pub(crate) fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

//! Clustering samples into candidate subtypes: k-means with k chosen by silhouette, and
//! average-linkage hierarchical clustering.
//!
//! Every function takes a `samples x features` [`Matrix`] (typically PCA scores, see
//! [`crate::pca::Pca::scores_matrix`]) and uses Euclidean distance over the features observed in
//! every sample; features with missing values are left out and counted. Results are
//! deterministic for a seed.

mod hierarchical;
mod kmeans;
mod points;
mod silhouette;

pub use hierarchical::{Dendrogram, Merge};
pub use kmeans::{KMeans, KMeansOptions};
pub use silhouette::Silhouette;

use crate::{NotTestable, Outcome};
use datasets::Matrix;
use points::Points;
use serde::Serialize;
use std::ops::RangeInclusive;

/// k-means with `k` clusters (best of several seeded k-means++ starts).
pub fn kmeans(data: &Matrix, k: usize, options: &KMeansOptions) -> Outcome<KMeans> {
    kmeans::kmeans_points(&Points::from_matrix(data)?, k, options)
}

/// Silhouette of a given partition (`labels[s]` = cluster of sample `s`, any numbering).
pub fn silhouette(data: &Matrix, labels: &[usize]) -> Outcome<Silhouette> {
    let points = Points::from_matrix(data)?;
    silhouette::silhouette_from_distances(&points.distances(), points.n, labels)
}

/// The k-means partitions tried for each k, and the one with the best mean silhouette.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClusterChoice {
    pub best: KMeans,
    pub silhouette: Silhouette,
    /// Every k tried, in increasing k.
    pub candidates: Vec<KCandidate>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KCandidate {
    pub k: usize,
    pub inertia: f64,
    pub mean_silhouette: f64,
}

/// Runs k-means for every k in `ks` (at least 2, at most n − 1) and keeps the k with the highest
/// mean silhouette (the smaller k on ties).
pub fn choose_k(
    data: &Matrix,
    ks: RangeInclusive<usize>,
    options: &KMeansOptions,
) -> Outcome<ClusterChoice> {
    let points = Points::from_matrix(data)?;
    let dist = points.distances();
    let lo = (*ks.start()).max(2);
    let hi = (*ks.end()).min(points.n - 1);
    if lo > hi {
        return Err(NotTestable::InvalidInput {
            detail: format!("no k in {ks:?} fits {} samples (2 ≤ k ≤ n − 1)", points.n),
        });
    }
    let mut candidates = Vec::new();
    let mut best: Option<(KMeans, Silhouette)> = None;
    for k in lo..=hi {
        let fit = kmeans::kmeans_points(&points, k, options)?;
        let sil = silhouette::silhouette_from_distances(&dist, points.n, &fit.labels)?;
        candidates.push(KCandidate {
            k,
            inertia: fit.inertia,
            mean_silhouette: sil.mean,
        });
        if best.as_ref().is_none_or(|(_, s)| sil.mean > s.mean) {
            best = Some((fit, sil));
        }
    }
    let (best, silhouette) = best.ok_or(NotTestable::InvalidInput {
        detail: "no k tried".into(),
    })?;
    Ok(ClusterChoice {
        best,
        silhouette,
        candidates,
    })
}

/// Average-linkage (UPGMA) hierarchical clustering of the samples.
pub fn average_linkage(data: &Matrix) -> Outcome<Dendrogram> {
    let points = Points::from_matrix(data)?;
    Ok(hierarchical::average_linkage_from_distances(
        points.distances(),
        points.n,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datasets::{FeatureId, SampleId};

    /// Two tight groups on a line: {0, 0.1, 0.2} and {10, 10.1}.
    fn two_groups() -> Matrix {
        let x = vec![0.0, 10.0, 0.1, 10.1, 0.2];
        Matrix::from_features(
            (0..5).map(|i| SampleId::from(format!("s{i}"))).collect(),
            vec![FeatureId::from("x"), FeatureId::from("gappy")],
            vec![x, vec![1.0, f64::NAN, 1.0, 1.0, 1.0]],
        )
        .unwrap()
    }

    #[test]
    fn kmeans_finds_obvious_groups() {
        let r = kmeans(&two_groups(), 2, &KMeansOptions::default()).unwrap();
        assert_eq!(r.labels, vec![0, 1, 0, 1, 0]);
        assert_eq!(r.dropped_features, 1);
        assert!((r.centroids[0][0] - 0.1).abs() < 1e-12);
        assert!((r.inertia - (0.02 + 0.005)).abs() < 1e-12);
        assert!(r.converged);
    }

    #[test]
    fn silhouette_by_hand() {
        // Sample 0: a = mean(0.1, 0.2) = 0.15, b = mean(10, 10.1) = 10.05.
        let s = silhouette(&two_groups(), &[0, 1, 0, 1, 0]).unwrap();
        assert!((s.per_sample[0] - (10.05 - 0.15) / 10.05).abs() < 1e-12);
        assert!(silhouette(&two_groups(), &[0; 5]).is_err());
        assert!(silhouette(&two_groups(), &[0, 1]).is_err());
    }

    #[test]
    fn choose_k_prefers_the_real_structure() {
        let r = choose_k(&two_groups(), 2..=4, &KMeansOptions::default()).unwrap();
        assert_eq!(r.best.k, 2);
        assert_eq!(
            r.candidates.iter().map(|c| c.k).collect::<Vec<_>>(),
            vec![2, 3, 4]
        );
        assert!(choose_k(&two_groups(), 5..=9, &KMeansOptions::default()).is_err());
    }

    #[test]
    fn dendrogram_cut_matches_groups() {
        let d = average_linkage(&two_groups()).unwrap();
        assert_eq!(d.merges.len(), 4);
        assert!(d.merges.windows(2).all(|w| w[0].height <= w[1].height));
        assert_eq!(d.cut(2).unwrap(), vec![0, 1, 0, 1, 0]);
        assert_eq!(d.cut(5).unwrap(), vec![0, 1, 2, 3, 4]);
        assert_eq!(d.cut(1).unwrap(), vec![0; 5]);
        assert!(d.cut(0).is_err());
        // Last merge joins the groups at the mean cross distance.
        let cross = [10.0, 10.1, 9.9, 10.0, 9.8, 9.9];
        let mean = cross.iter().sum::<f64>() / 6.0;
        assert!((d.merges[3].height - mean).abs() < 1e-12);
    }
}

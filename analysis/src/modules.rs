//! Data-driven co-expression modules of one layer: groups of features that rise and fall
//! together across samples, found without any label, and a per-sample score for each module.
//!
//! Method (WGCNA's recipe reduced to its core, Langfelder and Horvath 2008): keep the
//! well-observed, variable features (the `max_features` most variable, as WGCNA's usual
//! pre-filter), standardise each, take Pearson correlations (missing values mean-imputed, i.e.
//! contributing zero after standardising), cluster features by average linkage on the distance
//! `1 - r` and cut the tree at `max_distance`; clusters of at least `min_size` features are
//! modules. Signed distance keeps anti-correlated features apart, so a module's score, the mean of
//! its members' z-scores in a sample, is meaningful. A module moved by a mutation or a clinical
//! state is then one test instead of twenty weak ones.
//!
//! Average linkage runs by the nearest-neighbour chain algorithm (O(n²) time on the full distance
//! matrix), which gives the same merges as SciPy's `linkage(method="average")`; a layer of a few
//! thousand features clusters in well under a second.

use crate::outcome::{NotTestable, Outcome};
use datasets::{FeatureId, Matrix};
use rayon::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq)]
pub struct ModuleOptions {
    /// Most variable features kept for clustering.
    pub max_features: usize,
    /// Fraction of samples a feature must be observed in.
    pub min_observed: f64,
    /// Tree cut height on `1 - r`: members of a module correlate at `1 - max_distance` on average.
    pub max_distance: f64,
    /// Fewest features a module has.
    pub min_size: usize,
}

impl Default for ModuleOptions {
    fn default() -> Self {
        Self {
            max_features: 2000,
            min_observed: 0.5,
            max_distance: 0.75,
            min_size: 8,
        }
    }
}

/// One module: its members (in layer order) and how tightly they co-vary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Module {
    pub features: Vec<FeatureId>,
    /// Mean pairwise Pearson correlation of the members.
    pub mean_correlation: f64,
}

/// The modules of a layer, largest first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Modules {
    pub modules: Vec<Module>,
    /// Features that entered clustering.
    pub clustered: usize,
}

/// Fewest samples modules are sought in.
const MIN_SAMPLES: usize = 10;

/// Finds the co-expression modules of `matrix` (samples x features).
pub fn coexpression_modules(matrix: &Matrix, options: &ModuleOptions) -> Outcome<Modules> {
    let n = matrix.n_samples();
    if n < MIN_SAMPLES {
        return Err(NotTestable::TooFewObservations {
            observed: n,
            required: MIN_SAMPLES,
        });
    }
    let min_obs = ((options.min_observed * n as f64).ceil() as usize).max(MIN_SAMPLES);
    // (feature, sd, z-scores with missing as 0)
    let mut candidates: Vec<(usize, f64, Vec<f64>)> = (0..matrix.n_features())
        .into_par_iter()
        .filter_map(|f| {
            let (sd, z) = standardise(matrix.feature(f))?;
            let observed = matrix.feature(f).iter().filter(|x| x.is_finite()).count();
            (observed >= min_obs).then_some((f, sd, z))
        })
        .collect();
    if candidates.len() < options.min_size.max(2) {
        return Err(NotTestable::TooFewObservations {
            observed: candidates.len(),
            required: options.min_size.max(2),
        });
    }
    // Most variable first (ties by layer order), then back to layer order for determinism.
    candidates.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    candidates.truncate(options.max_features);
    candidates.sort_by_key(|c| c.0);
    let m = candidates.len();
    let correlation = correlations(&candidates, n);
    let distance: Vec<f64> = correlation.iter().map(|r| 1.0 - r).collect();
    let labels = cut_average_linkage(distance, m, options.max_distance);
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); m];
    for (i, &l) in labels.iter().enumerate() {
        groups[l].push(i);
    }
    let mut modules: Vec<Module> = groups
        .into_iter()
        .filter(|g| g.len() >= options.min_size.max(2))
        .map(|g| {
            let mut sum = 0.0;
            let mut pairs = 0usize;
            for (a, &i) in g.iter().enumerate() {
                for &j in &g[a + 1..] {
                    sum += correlation[i * m + j];
                    pairs += 1;
                }
            }
            Module {
                features: g
                    .iter()
                    .map(|&i| matrix.features()[candidates[i].0].clone())
                    .collect(),
                mean_correlation: sum / pairs.max(1) as f64,
            }
        })
        .collect();
    modules.sort_by(|a, b| {
        b.features
            .len()
            .cmp(&a.features.len())
            .then_with(|| a.features.cmp(&b.features))
    });
    Ok(Modules {
        modules,
        clustered: m,
    })
}

/// Per-sample module scores: the mean z-score of the members observed in each sample (z over
/// `matrix`'s samples). Returns a samples x modules matrix with the given names; a module none of
/// whose members is in `matrix` scores NaN everywhere.
pub fn module_scores(matrix: &Matrix, modules: &[(FeatureId, Vec<FeatureId>)]) -> Outcome<Matrix> {
    let n = matrix.n_samples();
    let columns: Vec<Vec<f64>> = modules
        .par_iter()
        .map(|(_, members)| {
            let mut sum = vec![0.0; n];
            let mut count = vec![0usize; n];
            for id in members {
                let Some(f) = matrix.feature_index(id.as_str()) else {
                    continue;
                };
                let column = matrix.feature(f);
                let Some((_, z)) = standardise(column) else {
                    continue;
                };
                for s in 0..n {
                    if column[s].is_finite() {
                        sum[s] += z[s];
                        count[s] += 1;
                    }
                }
            }
            sum.iter()
                .zip(&count)
                .map(|(&x, &c)| if c > 0 { x / c as f64 } else { f64::NAN })
                .collect()
        })
        .collect();
    Matrix::from_features(
        matrix.samples().to_vec(),
        modules.iter().map(|(name, _)| name.clone()).collect(),
        columns,
    )
    .map_err(|e| NotTestable::InvalidInput {
        detail: e.to_string(),
    })
}

/// Standard deviation and z-scores (missing values as 0, the mean) of a feature with at least
/// three observed values and non-zero variance.
fn standardise(values: &[f64]) -> Option<(f64, Vec<f64>)> {
    let observed: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if observed.len() < 3 {
        return None;
    }
    let k = observed.len() as f64;
    let mean = observed.iter().sum::<f64>() / k;
    let var = observed.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1.0);
    let sd = var.sqrt();
    if !(sd.is_finite() && sd > 1e-12 * mean.abs().max(1.0)) {
        return None;
    }
    Some((
        sd,
        values
            .iter()
            .map(|x| if x.is_finite() { (x - mean) / sd } else { 0.0 })
            .collect(),
    ))
}

/// Full `m x m` Pearson correlation matrix of the standardised columns (row-major).
fn correlations(candidates: &[(usize, f64, Vec<f64>)], n: usize) -> Vec<f64> {
    let m = candidates.len();
    let norms: Vec<f64> = candidates
        .iter()
        .map(|c| c.2.iter().map(|x| x * x).sum::<f64>().sqrt())
        .collect();
    let rows: Vec<Vec<f64>> = (0..m)
        .into_par_iter()
        .map(|i| {
            let a = &candidates[i].2;
            (0..m)
                .map(|j| {
                    if i == j {
                        return 1.0;
                    }
                    let b = &candidates[j].2;
                    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
                    let denom = norms[i] * norms[j];
                    if denom > 0.0 {
                        (dot / denom).clamp(-1.0, 1.0)
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    debug_assert!(rows.iter().all(|r| r.len() == m) && n > 0);
    rows.into_iter().flatten().collect()
}

/// Average-linkage clustering of `m` items from a full row-major distance matrix by the
/// nearest-neighbour chain algorithm, cut at height `max_height`: returns a cluster label per
/// item (labels are representatives' indices). Average linkage is reducible, so the chain finds
/// exactly the merges of the usual agglomeration, and no merge above the cut is below one it
/// contains: joining every pair merged at or below the cut gives the cut's clusters.
fn cut_average_linkage(mut d: Vec<f64>, m: usize, max_height: f64) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..m).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut active = vec![true; m];
    let mut size = vec![1usize; m];
    let mut chain: Vec<usize> = Vec::with_capacity(m);
    let mut remaining = m;
    while remaining > 1 {
        if chain.is_empty()
            && let Some(first) = active.iter().position(|&a| a)
        {
            chain.push(first);
        }
        let Some(&a) = chain.last() else { break };
        let previous = chain.len().checked_sub(2).map(|i| chain[i]);
        // The nearest active neighbour of `a`; ties go to the previous chain element, which is
        // what guarantees the chain ends in a reciprocal pair.
        let mut best = previous;
        let mut best_d = previous.map_or(f64::INFINITY, |p| d[a * m + p]);
        for c in 0..m {
            if c != a && active[c] && d[a * m + c] < best_d {
                best = Some(c);
                best_d = d[a * m + c];
            }
        }
        let Some(b) = best else { break };
        if Some(b) != previous {
            chain.push(b);
            continue;
        }
        chain.pop();
        chain.pop();
        // Merge b into a (Lance-Williams update for average linkage).
        let (sa, sb) = (size[a] as f64, size[b] as f64);
        for c in 0..m {
            if c != a && c != b && active[c] {
                let v = (sa * d[a * m + c] + sb * d[b * m + c]) / (sa + sb);
                d[a * m + c] = v;
                d[c * m + a] = v;
            }
        }
        active[b] = false;
        size[a] += size[b];
        remaining -= 1;
        if best_d <= max_height {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            parent[rb] = ra;
        }
    }
    (0..m).map(|i| find(&mut parent, i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datasets::SampleId;

    #[test]
    fn nn_chain_cut_joins_only_close_pairs() {
        // Points on a line at 0, 0.1, 0.25, 5, 5.2: distances |x - y|.
        let x: [f64; 5] = [0.0, 0.1, 0.25, 5.0, 5.2];
        let m = x.len();
        let d: Vec<f64> = (0..m * m).map(|k| (x[k / m] - x[k % m]).abs()).collect();
        let labels = cut_average_linkage(d.clone(), m, 0.3);
        assert_eq!(labels[0], labels[1]);
        assert_eq!(labels[1], labels[2]);
        assert_eq!(labels[3], labels[4]);
        assert_ne!(labels[0], labels[3]);
        let labels = cut_average_linkage(d, m, 0.15);
        assert_eq!(labels[0], labels[1]);
        assert_ne!(labels[1], labels[2]);
        assert_ne!(labels[3], labels[4]);
    }

    #[test]
    fn too_few_samples_is_not_testable() {
        let m = Matrix::from_features(
            (0..4).map(|i| SampleId::from(format!("s{i}"))).collect(),
            vec![FeatureId::from("a")],
            vec![vec![1.0, 2.0, 3.0, 4.0]],
        )
        .unwrap();
        assert!(coexpression_modules(&m, &ModuleOptions::default()).is_err());
    }
}

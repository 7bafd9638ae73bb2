//! Average-linkage (UPGMA) agglomerative clustering of samples.
//!
//! The naive O(n³) agglomeration is used: cohorts have hundreds of samples, where it runs in
//! milliseconds, and merges come out in increasing height with the same numbering as SciPy's
//! `linkage`, so dendrograms can be compared directly.

use crate::{NotTestable, Outcome};
use serde::Serialize;

/// A full merge tree over `n` samples.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dendrogram {
    pub n_leaves: usize,
    /// `n − 1` merges in increasing height. Leaves are `0..n`; the cluster made by merge `i` is
    /// `n + i` (SciPy's convention).
    pub merges: Vec<Merge>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Merge {
    /// The two clusters joined, smaller id first.
    pub left: usize,
    pub right: usize,
    /// Mean distance between members of the two clusters.
    pub height: f64,
    /// Samples in the merged cluster.
    pub size: usize,
}

impl Dendrogram {
    /// Cuts the tree into `k` clusters by undoing its last `k − 1` merges; labels are numbered
    /// by first appearance over the samples.
    pub fn cut(&self, k: usize) -> Outcome<Vec<usize>> {
        let n = self.n_leaves;
        if k < 1 || k > n {
            return Err(NotTestable::InvalidInput {
                detail: format!("cannot cut {n} samples into {k} clusters"),
            });
        }
        // parent[x] for every leaf and internal node; roots point to themselves.
        let mut parent: Vec<usize> = (0..2 * n).collect();
        for (i, m) in self.merges.iter().take(n - k).enumerate() {
            let node = n + i;
            for child in [m.left, m.right] {
                // Children always precede their merge; anything else is a malformed tree and is
                // ignored rather than allowed to create a cycle.
                if child < node
                    && let Some(p) = parent.get_mut(child)
                {
                    *p = node;
                }
            }
        }
        let root = |mut x: usize| {
            while let Some(&p) = parent.get(x)
                && p != x
            {
                x = p;
            }
            x
        };
        let mut label_of_root = std::collections::HashMap::new();
        Ok((0..n)
            .map(|leaf| {
                let next = label_of_root.len();
                *label_of_root.entry(root(leaf)).or_insert(next)
            })
            .collect())
    }
}

/// Average linkage over a precomputed `n x n` distance matrix (row-major).
pub(crate) fn average_linkage_from_distances(mut dist: Vec<f64>, n: usize) -> Dendrogram {
    let mut id: Vec<usize> = (0..n).collect();
    let mut size = vec![1usize; n];
    let mut active: Vec<usize> = (0..n).collect();
    let mut merges = Vec::with_capacity(n.saturating_sub(1));
    while active.len() > 1 {
        let mut best = (0, 1, f64::INFINITY);
        for (ai, &a) in active.iter().enumerate() {
            for &b in &active[ai + 1..] {
                let d = dist[a * n + b];
                if d < best.2 {
                    best = (a, b, d);
                }
            }
        }
        let (a, b, height) = best;
        let (sa, sb) = (size[a] as f64, size[b] as f64);
        // The merged cluster lives in slot a; distances to it are size-weighted means.
        for &c in &active {
            if c != a && c != b {
                let v = (sa * dist[a * n + c] + sb * dist[b * n + c]) / (sa + sb);
                dist[a * n + c] = v;
                dist[c * n + a] = v;
            }
        }
        merges.push(Merge {
            left: id[a].min(id[b]),
            right: id[a].max(id[b]),
            height,
            size: size[a] + size[b],
        });
        size[a] += size[b];
        id[a] = n + merges.len() - 1;
        active.retain(|&c| c != b);
    }
    Dendrogram {
        n_leaves: n,
        merges,
    }
}

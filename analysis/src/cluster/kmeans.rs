//! k-means (Lloyd's algorithm) with k-means++ seeding and several seeded restarts.

use super::points::{Points, squared_distance};
use crate::{NotTestable, Outcome};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct KMeansOptions {
    /// Independent k-means++ starts; the one with the lowest inertia is kept.
    pub n_init: usize,
    pub max_iterations: usize,
    /// Seeds every start (start `r` uses ChaCha8 stream `r`), so results are identical for a
    /// seed whatever the number of threads.
    pub seed: u64,
}

impl Default for KMeansOptions {
    fn default() -> Self {
        Self {
            n_init: 10,
            max_iterations: 300,
            seed: 0,
        }
    }
}

/// A k-means partition of the samples.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KMeans {
    pub k: usize,
    /// Cluster of each sample, numbered by first appearance (sample 0 is in cluster 0), so equal
    /// partitions get equal labels.
    pub labels: Vec<usize>,
    pub centroids: Vec<Vec<f64>>,
    /// Sum of squared distances of samples to their centroid.
    pub inertia: f64,
    pub iterations: usize,
    /// `false` when the best start hit the iteration limit before assignments settled.
    pub converged: bool,
    pub dropped_features: usize,
}

/// The best of `options.n_init` seeded runs.
pub(crate) fn kmeans_points(points: &Points, k: usize, options: &KMeansOptions) -> Outcome<KMeans> {
    if k < 1 || k > points.n {
        return Err(NotTestable::InvalidInput {
            detail: format!("k = {k} clusters for {} samples", points.n),
        });
    }
    let runs: Vec<Outcome<Run>> = (0..options.n_init.max(1))
        .into_par_iter()
        .map(|start| {
            let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
            rng.set_stream(start as u64);
            lloyd(points, k, options.max_iterations, &mut rng)
        })
        .collect();
    // Lowest inertia wins; ties go to the earliest start, keeping the choice deterministic.
    let mut best: Option<Run> = None;
    for run in runs {
        let run = run?;
        if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
            best = Some(run);
        }
    }
    let run = best.ok_or(NotTestable::InvalidInput {
        detail: "no k-means start ran".into(),
    })?;
    Ok(canonical(run, k, points))
}

struct Run {
    labels: Vec<usize>,
    centroids: Vec<f64>,
    inertia: f64,
    iterations: usize,
    converged: bool,
}

fn lloyd(points: &Points, k: usize, max_iterations: usize, rng: &mut ChaCha8Rng) -> Outcome<Run> {
    let (n, d) = (points.n, points.d);
    let mut centroids = plus_plus(points, k, rng)?;
    let mut labels = vec![usize::MAX; n];
    let mut distance = vec![0.0; n];
    let mut counts = vec![0usize; k];
    let mut iterations = 0;
    let mut converged = false;
    while iterations < max_iterations {
        iterations += 1;
        let mut changed = false;
        for i in 0..n {
            let (c, dist) = nearest(points.row(i), &centroids, d);
            if labels[i] != c {
                labels[i] = c;
                changed = true;
            }
            distance[i] = dist;
        }
        if !changed {
            converged = true;
            break;
        }
        update_centroids(
            points,
            &mut labels,
            &mut distance,
            &mut centroids,
            &mut counts,
            k,
        );
    }
    let inertia = (0..n)
        .map(|i| {
            squared_distance(
                points.row(i),
                &centroids[labels[i] * d..(labels[i] + 1) * d],
            )
        })
        .sum();
    Ok(Run {
        labels,
        centroids,
        inertia,
        iterations,
        converged,
    })
}

/// k-means++: each new centre is drawn with probability proportional to the squared distance to
/// the nearest centre chosen so far.
fn plus_plus(points: &Points, k: usize, rng: &mut ChaCha8Rng) -> Outcome<Vec<f64>> {
    let (n, d) = (points.n, points.d);
    let mut centroids = Vec::with_capacity(k * d);
    let first = rng.random_range(0..n);
    centroids.extend_from_slice(points.row(first));
    let mut closest: Vec<f64> = (0..n)
        .map(|i| squared_distance(points.row(i), points.row(first)))
        .collect();
    for _ in 1..k {
        let total: f64 = closest.iter().sum();
        if total.is_nan() || total <= 0.0 {
            return Err(NotTestable::InvalidInput {
                detail: format!("fewer than {k} distinct samples"),
            });
        }
        let target = rng.random::<f64>() * total;
        let mut acc = 0.0;
        // Falls back to the last point with positive weight if rounding leaves acc < target.
        let mut chosen = n - 1;
        for (i, w) in closest.iter().enumerate() {
            acc += w;
            if *w > 0.0 {
                chosen = i;
                if acc > target {
                    break;
                }
            }
        }
        centroids.extend_from_slice(points.row(chosen));
        for (i, c) in closest.iter_mut().enumerate() {
            *c = c.min(squared_distance(points.row(i), points.row(chosen)));
        }
    }
    Ok(centroids)
}

/// Index and squared distance of the nearest centroid (lowest index on ties).
fn nearest(x: &[f64], centroids: &[f64], d: usize) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (c, centre) in centroids.chunks_exact(d).enumerate() {
        let dist = squared_distance(x, centre);
        if dist < best.1 {
            best = (c, dist);
        }
    }
    best
}

/// Centroids become their members' means. A cluster left empty takes over the sample farthest
/// from its own centroid, so k clusters always survive.
fn update_centroids(
    points: &Points,
    labels: &mut [usize],
    distance: &mut [f64],
    centroids: &mut [f64],
    counts: &mut [usize],
    k: usize,
) {
    let d = points.d;
    counts.fill(0);
    for &l in labels.iter() {
        counts[l] += 1;
    }
    for c in 0..k {
        if counts[c] > 0 {
            continue;
        }
        let donor = (0..points.n)
            .filter(|&i| counts[labels[i]] > 1)
            .max_by(|&a, &b| distance[a].total_cmp(&distance[b]).then(b.cmp(&a)));
        if let Some(i) = donor {
            counts[labels[i]] -= 1;
            labels[i] = c;
            counts[c] = 1;
            distance[i] = 0.0;
        }
    }
    centroids.fill(0.0);
    for (i, &l) in labels.iter().enumerate() {
        for (c, x) in centroids[l * d..(l + 1) * d].iter_mut().zip(points.row(i)) {
            *c += x;
        }
    }
    for (centre, &count) in centroids.chunks_exact_mut(d).zip(counts.iter()) {
        if count > 0 {
            centre.iter_mut().for_each(|c| *c /= count as f64);
        }
    }
}

/// Renumbers clusters by first appearance.
fn canonical(run: Run, k: usize, points: &Points) -> KMeans {
    let d = points.d;
    let mut map = vec![usize::MAX; k];
    let mut next = 0;
    for &l in &run.labels {
        if map[l] == usize::MAX {
            map[l] = next;
            next += 1;
        }
    }
    let mut centroids = vec![Vec::new(); k];
    for (old, &new) in map.iter().enumerate() {
        if let Some(slot) = centroids.get_mut(new) {
            *slot = run.centroids[old * d..(old + 1) * d].to_vec();
        }
    }
    KMeans {
        k,
        labels: run.labels.iter().map(|&l| map[l]).collect(),
        centroids,
        inertia: run.inertia,
        iterations: run.iterations,
        converged: run.converged,
        dropped_features: points.dropped_features,
    }
}

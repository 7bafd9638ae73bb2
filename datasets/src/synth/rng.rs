//! Seeded randomness. Each part of the simulation draws from its own ChaCha stream of the same
//! seed, so the study is identical for a seed on every platform, and changing one part of the
//! configuration (say, dropping the phospho layer) does not reshuffle every other part.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// The independent random streams of one simulation.
#[derive(Clone, Copy, Debug)]
pub(super) enum Stream {
    Genes = 1,
    Clinical,
    Background,
    CopyNumber,
    Plan,
    Mutations,
    Batch,
    Survival,
    Missing,
    Scales,
    Maf,
    // Streams of the harder parts (`harder.rs`), after the original ones so their numbers and
    // every earlier stream stay as they were.
    Hypermutator,
    BackgroundModules,
    Coregulation,
}

pub(super) fn stream(seed: u64, which: Stream) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(which as u64);
    rng
}

pub(super) fn normal(rng: &mut impl Rng) -> f64 {
    StandardNormal.sample(rng)
}

/// An exponential draw with the given rate (events per day), by inversion.
pub(super) fn exponential(rng: &mut impl Rng, rate: f64) -> f64 {
    let u: f64 = rng.random();
    -(1.0 - u).ln() / rate
}

/// Index drawn with probability proportional to `weights`.
pub(super) fn weighted_index(rng: &mut impl Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len().saturating_sub(1)
}

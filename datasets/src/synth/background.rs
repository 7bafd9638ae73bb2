//! The unplanted part of the data: correlated biological noise and copy-number segments.
//!
//! Values are in standard-deviation units (z); `write` turns them into each layer's unit. A few
//! latent programmes load on many genes, so thousands of features co-vary and naive screens
//! find "modules" that are not planted, as in real tumours. RNA and protein of one gene share a
//! gene-level state (correlation about 0.5), and phosphosites follow their protein.

use super::rng::normal;
use rand::Rng;

/// Features as rows, each a vector over samples.
pub(super) type Columns = Vec<Vec<f64>>;

/// Share of a gene's variance that comes from the latent programmes, at most.
const MAX_FACTOR_SHARE: f64 = 0.6;
const RNA_STATE_SHARE: f64 = 0.6;
const PROTEIN_STATE_SHARE: f64 = 0.45;
/// Correlation of a phosphosite with its protein.
const SITE_PROTEIN_LOADING: f64 = 0.6;
/// Consecutive genes sharing one copy-number segment, like neighbours on a chromosome.
const SEGMENT_GENES: usize = 40;
const SEGMENT_EVENT_PROBABILITY: f64 = 0.2;

pub(super) struct Background {
    pub rna: Columns,
    pub proteome: Columns,
    pub phospho: Columns,
}

/// Background z-values for every gene (RNA, protein) and site over all samples.
pub(super) fn draw_background(
    n_genes: usize,
    n_samples: usize,
    n_factors: usize,
    site_genes: &[usize],
    rng: &mut impl Rng,
) -> Background {
    let factors: Columns = (0..n_factors)
        .map(|_| (0..n_samples).map(|_| normal(rng)).collect())
        .collect();
    let mut rna = Vec::with_capacity(n_genes);
    let mut proteome = Vec::with_capacity(n_genes);
    for _ in 0..n_genes {
        let loadings = draw_loadings(n_factors, rng);
        let share: f64 = loadings.iter().map(|l| l * l).sum();
        let own = (1.0 - share).max(0.0).sqrt();
        let state: Vec<f64> = (0..n_samples)
            .map(|s| {
                let programmes: f64 = loadings.iter().zip(&factors).map(|(l, f)| l * f[s]).sum();
                programmes + own * normal(rng)
            })
            .collect();
        rna.push(mix(&state, RNA_STATE_SHARE, rng));
        proteome.push(mix(&state, PROTEIN_STATE_SHARE, rng));
    }
    let phospho = site_genes
        .iter()
        .map(|&g| {
            let own = (1.0 - SITE_PROTEIN_LOADING * SITE_PROTEIN_LOADING).sqrt();
            proteome[g]
                .iter()
                .map(|p| SITE_PROTEIN_LOADING * p + own * normal(rng))
                .collect()
        })
        .collect();
    Background {
        rna,
        proteome,
        phospho,
    }
}

/// Each gene loads on about a third of the programmes; total loading is capped so gene-specific
/// variation remains.
fn draw_loadings(n_factors: usize, rng: &mut impl Rng) -> Vec<f64> {
    let mut loadings: Vec<f64> = (0..n_factors)
        .map(|_| {
            if rng.random_bool(0.35) {
                0.45 * normal(rng)
            } else {
                0.0
            }
        })
        .collect();
    let share: f64 = loadings.iter().map(|l| l * l).sum();
    if share > MAX_FACTOR_SHARE {
        let scale = (MAX_FACTOR_SHARE / share).sqrt();
        loadings.iter_mut().for_each(|l| *l *= scale);
    }
    loadings
}

/// `sqrt(share) * state + sqrt(1 - share) * noise`: unit variance, correlation sqrt(share)
/// with the state.
fn mix(state: &[f64], share: f64, rng: &mut impl Rng) -> Vec<f64> {
    let (a, b) = (share.sqrt(), (1.0 - share).sqrt());
    state.iter().map(|x| a * x + b * normal(rng)).collect()
}

/// Log2 copy-number ratios of tumours. Genes in one segment share the segment's level; a
/// fifth of segments carry a gain or loss in each tumour, the rest sit near zero.
pub(super) fn draw_copy_number(n_genes: usize, n_tumours: usize, rng: &mut impl Rng) -> Columns {
    let n_segments = n_genes.div_ceil(SEGMENT_GENES);
    let segments: Columns = (0..n_segments)
        .map(|_| {
            (0..n_tumours)
                .map(|_| {
                    if rng.random_bool(SEGMENT_EVENT_PROBABILITY) {
                        let size = (0.5 + 0.2 * normal(rng)).abs();
                        if rng.random_bool(0.5) { size } else { -size }
                    } else {
                        0.05 * normal(rng)
                    }
                })
                .collect()
        })
        .collect();
    (0..n_genes)
        .map(|g| {
            segments[g / SEGMENT_GENES]
                .iter()
                .map(|level| level + 0.03 * normal(rng))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::rng::{Stream, stream};

    fn correlation(a: &[f64], b: &[f64]) -> f64 {
        let n = a.len() as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
        let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
        cov / (va * vb).sqrt()
    }

    #[test]
    fn rna_and_protein_of_a_gene_correlate_and_have_unit_variance() {
        let mut rng = stream(7, Stream::Background);
        let bg = draw_background(200, 400, 4, &[3], &mut rng);
        let mean_r: f64 = (0..200)
            .map(|g| correlation(&bg.rna[g], &bg.proteome[g]))
            .sum::<f64>()
            / 200.0;
        assert!((0.35..0.65).contains(&mean_r), "rna-protein r = {mean_r}");
        let var: f64 = bg.rna[0].iter().map(|x| x * x).sum::<f64>() / 400.0;
        assert!((0.75..1.25).contains(&var), "variance {var}");
        assert!(correlation(&bg.phospho[0], &bg.proteome[3]) > 0.4);
    }

    #[test]
    fn neighbouring_genes_share_copy_number_segments() {
        let mut rng = stream(7, Stream::CopyNumber);
        let cna = draw_copy_number(100, 150, &mut rng);
        assert!(correlation(&cna[0], &cna[1]) > 0.8);
        assert!(correlation(&cna[0], &cna[SEGMENT_GENES]).abs() < 0.4);
    }
}

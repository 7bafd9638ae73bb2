//! Choosing the features of planted relations and writing their effects into the z-values.
//!
//! A gene takes part in at most one planted relation (and never one it is mutated in), so every
//! true finding traces back to exactly one entry of the truth and evaluation is unambiguous.

use super::SynthError;
use super::background::Columns;
use super::config::SynthLayer;
use super::survival::standardize;
use rand::Rng;
use rand::seq::SliceRandom;

/// Which genes and sites are still free to carry a planted effect.
pub(super) struct Pools<'a> {
    genes: &'a [String],
    in_proteome: &'a [bool],
    site_genes: &'a [usize],
    used: Vec<bool>,
}

impl<'a> Pools<'a> {
    pub(super) fn new(
        genes: &'a [String],
        in_proteome: &'a [bool],
        site_genes: &'a [usize],
    ) -> Self {
        Self {
            genes,
            in_proteome,
            site_genes,
            used: vec![false; genes.len()],
        }
    }

    /// Marks a gene as taken by name (a mutated gene may not be in the universe at all).
    pub(super) fn reserve(&mut self, gene: &str) {
        if let Ok(i) = self.genes.binary_search_by(|g| g.as_str().cmp(gene)) {
            self.used[i] = true;
        }
    }

    /// `n` unused features of `layer`, as row indices of that layer's z-values (gene indices
    /// for RNA and protein, site indices for phospho), sorted.
    pub(super) fn take(
        &mut self,
        layer: SynthLayer,
        n: usize,
        rng: &mut impl Rng,
    ) -> Result<Vec<usize>, SynthError> {
        // (row in the layer, gene it belongs to)
        let mut candidates: Vec<(usize, usize)> = match layer {
            SynthLayer::Rna => (0..self.genes.len()).map(|g| (g, g)).collect(),
            SynthLayer::Proteome => (0..self.genes.len())
                .filter(|&g| self.in_proteome[g])
                .map(|g| (g, g))
                .collect(),
            SynthLayer::Phospho => self.site_genes.iter().copied().enumerate().collect(),
            SynthLayer::Cna => {
                return Err(SynthError::InvalidConfig(
                    "copy number cannot carry a planted effect".into(),
                ));
            }
        };
        candidates.shuffle(rng);
        let mut taken = Vec::with_capacity(n);
        for (row, gene) in candidates {
            if taken.len() == n {
                break;
            }
            if !self.used[gene] {
                self.used[gene] = true;
                taken.push(row);
            }
        }
        if taken.len() < n {
            return Err(SynthError::InvalidConfig(format!(
                "only {} unused {} features left for a planted relation of {n}",
                taken.len(),
                layer.as_str()
            )));
        }
        taken.sort_unstable();
        Ok(taken)
    }

    /// `n` unused genes measured in RNA, protein and copy number, for cis relations.
    pub(super) fn take_cis(
        &mut self,
        n: usize,
        rng: &mut impl Rng,
    ) -> Result<Vec<usize>, SynthError> {
        self.take(SynthLayer::Proteome, n, rng)
    }

    /// `n` unused genes of any kind (for passenger mutations).
    pub(super) fn take_genes(
        &mut self,
        n: usize,
        rng: &mut impl Rng,
    ) -> Result<Vec<usize>, SynthError> {
        self.take(SynthLayer::Rna, n, rng)
    }
}

/// Adds `amount` to the given features in the given samples.
pub(super) fn shift(z: &mut Columns, features: &[usize], samples: &[usize], amount: f64) {
    for &f in features {
        for &s in samples {
            z[f][s] += amount;
        }
    }
}

/// Adds `effect` times the standardized covariate (samples without a value are untouched).
pub(super) fn associate(
    z: &mut Columns,
    features: &[usize],
    covariate: &[Option<f64>],
    effect: f64,
) {
    let present: Vec<(usize, f64)> = covariate
        .iter()
        .enumerate()
        .filter_map(|(s, v)| v.map(|v| (s, v)))
        .collect();
    let values: Vec<f64> = present.iter().map(|(_, v)| *v).collect();
    let standardized = standardize(&values);
    for &f in features {
        for ((s, _), x) in present.iter().zip(&standardized) {
            z[f][*s] += effect * x;
        }
    }
}

/// Replaces part of a gene's RNA and protein variation by its own standardized copy number so
/// both correlate with it at `r`; samples beyond the copy-number columns (normals) count as
/// copy-neutral. Unit variance is kept.
pub(super) fn cis(rna: &mut [f64], protein: &mut [f64], copy_number: &[f64], r: f64) {
    let n = copy_number.len() as f64;
    let mean = copy_number.iter().sum::<f64>() / n;
    let sd = (copy_number.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / n).sqrt();
    let own = (1.0 - r * r).sqrt();
    let dosage = |s: usize| {
        let c = copy_number.get(s).copied().unwrap_or(0.0);
        if sd > 0.0 { (c - mean) / sd } else { 0.0 }
    };
    for (s, x) in rna.iter_mut().enumerate() {
        *x = r * dosage(s) + own * *x;
    }
    for (s, x) in protein.iter_mut().enumerate() {
        *x = r * dosage(s) + own * *x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::rng::{Stream, stream};

    #[test]
    fn pools_never_hand_out_a_gene_twice() {
        let genes: Vec<String> = (0..10).map(|i| format!("G{i}")).collect();
        let in_proteome = vec![true; 10];
        let site_genes = vec![0, 0, 1, 2, 3];
        let mut pools = Pools::new(&genes, &in_proteome, &site_genes);
        let mut rng = stream(3, Stream::Plan);
        pools.reserve("G5");
        let sites = pools.take(SynthLayer::Phospho, 3, &mut rng).unwrap();
        let site_gene_set: Vec<usize> = sites.iter().map(|&s| site_genes[s]).collect();
        let mut dedup = site_gene_set.clone();
        dedup.dedup();
        assert_eq!(dedup.len(), 3);
        let rest = pools.take(SynthLayer::Rna, 6, &mut rng).unwrap();
        assert!(!rest.contains(&5));
        assert!(rest.iter().all(|g| !site_gene_set.contains(g)));
        assert!(matches!(
            pools.take(SynthLayer::Rna, 1, &mut rng),
            Err(SynthError::InvalidConfig(_))
        ));
    }
}

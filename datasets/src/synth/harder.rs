//! The harder parts of a synthetic truth, each off unless configured (so a configuration written
//! before they existed regenerates the same study): co-expression modules in the background,
//! co-regulated planted sets, and a hypermutated subgroup that confounds single-gene mutation
//! effects.
//!
//! Why each exists:
//! - **Background modules**: real tumours have many co-expressed gene programmes (cell cycle,
//!   immune infiltration, stroma) that associate with nothing planted; a module screen must not
//!   turn them into findings.
//! - **Co-regulation of planted sets**: a mutation or a clinical state moves a pathway, and the
//!   pathway's genes co-vary in every tumour anyway; that shared programme is what lets a
//!   data-driven module analysis see the set as one unit.
//! - **Hypermutation**: MSI-high / POLE tumours carry many mutations in every gene *and* differ in
//!   expression (immune and replication-stress programmes). A gene mutated mostly in them looks,
//!   one gene at a time, as if its mutation changed those features; after adjustment for
//!   hypermutation status it does not. Claiming it is the error this part tests.

use super::SynthError;
use super::background::Columns;
use super::config::{SynthConfig, SynthLayer};
use super::rng::normal;
use rand::Rng;
use rand::seq::index;
use serde::{Deserialize, Serialize};

/// Co-expression modules written into the background before anything is planted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackgroundModules {
    /// Modules; 0 writes none.
    pub n_modules: usize,
    /// Genes per module (RNA and protein of a gene share its module).
    pub size: usize,
    /// Share of a member's variance from the module's programme, in [0, 0.9].
    pub share: f64,
}

/// A hypermutated subgroup of tumours (written as `msi_status` = `MSI-H` / `MSS`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HypermutatorSpec {
    /// Fraction of tumours hypermutated.
    pub frequency: f64,
    /// Features of `layer` shifted by `effect` SD in hypermutated tumours (a real, planted group
    /// difference of `msi_status`).
    pub layer: SynthLayer,
    pub n_features: usize,
    pub effect: f64,
    /// The gene whose mutation is confounded: mutated in hypermutated tumours with probability
    /// `gene_rate_hypermutated`, in the others with `gene_rate_other`; it affects nothing.
    pub gene: String,
    pub gene_rate_hypermutated: f64,
    pub gene_rate_other: f64,
    /// Each passenger gene is also mutated in a hypermutated tumour with this probability.
    pub passenger_rate: f64,
}

/// Column of `clinical.tsv` that records hypermutation.
pub const MSI_COLUMN: &str = "msi_status";
pub const MSI_HIGH: &str = "MSI-H";
pub const MSI_STABLE: &str = "MSS";

impl SynthConfig {
    /// The default study made harder: eight background modules of 30 genes, planted sets that
    /// share a programme (30% of their variance), a stronger batch effect and a hypermutated
    /// subgroup (12% of tumours) confounding the mutation of ARID1A. This is what
    /// `hypomics synth` writes.
    pub fn harder() -> Self {
        Self {
            batch_effect_sd: 0.4,
            background_modules: BackgroundModules {
                n_modules: 8,
                size: 30,
                share: 0.35,
            },
            planted_coregulation: 0.3,
            hypermutator: Some(HypermutatorSpec {
                frequency: 0.12,
                layer: SynthLayer::Rna,
                n_features: 20,
                effect: 1.5,
                gene: "ARID1A".into(),
                gene_rate_hypermutated: 0.8,
                gene_rate_other: 0.03,
                passenger_rate: 0.3,
            }),
            ..Self::default()
        }
    }

    /// Checks the harder parts (called by [`SynthConfig::validate`]).
    pub(super) fn validate_harder(&self) -> Result<(), SynthError> {
        let invalid = |m: String| Err(SynthError::InvalidConfig(m));
        let fraction = |name: &str, v: f64, hi: f64| {
            if v.is_finite() && (0.0..=hi).contains(&v) {
                Ok(())
            } else {
                invalid(format!("{name} must be in [0, {hi}], got {v}"))
            }
        };
        let m = &self.background_modules;
        fraction("background_modules.share", m.share, 0.9)?;
        if m.n_modules > 0 && (m.size < 2 || m.n_modules * m.size > self.n_genes) {
            return invalid(format!(
                "background_modules: {} modules of {} genes do not fit {} genes",
                m.n_modules, m.size, self.n_genes
            ));
        }
        fraction("planted_coregulation", self.planted_coregulation, 0.9)?;
        if let Some(h) = &self.hypermutator {
            fraction("hypermutator.frequency", h.frequency, 0.9)?;
            fraction(
                "hypermutator.gene_rate_hypermutated",
                h.gene_rate_hypermutated,
                1.0,
            )?;
            fraction("hypermutator.gene_rate_other", h.gene_rate_other, 1.0)?;
            fraction("hypermutator.passenger_rate", h.passenger_rate, 1.0)?;
            if !(h.effect.is_finite() && h.effect.abs() <= 10.0) {
                return invalid(format!(
                    "hypermutator.effect must be finite, got {}",
                    h.effect
                ));
            }
            if h.layer == SynthLayer::Cna || h.n_features == 0 {
                return invalid("hypermutator needs a measured layer and features".into());
            }
            if h.gene.is_empty() || self.mutation_modules.iter().any(|m| m.gene == h.gene) {
                return invalid(format!(
                    "hypermutator.gene {:?} must be a gene no module is planted on",
                    h.gene
                ));
            }
        }
        Ok(())
    }
}

/// Mixes a module programme into the given rows of each layer: every member becomes
/// `sqrt(share) * programme + sqrt(1 - share) * itself` (unit variance kept, members correlate
/// at about `share` through the programme). Rows of several layers may share one programme (RNA
/// and protein of the same gene).
pub(super) fn coregulate(
    layers: &mut [(&mut Columns, &[usize])],
    share: f64,
    n_samples: usize,
    rng: &mut impl Rng,
) {
    if share <= 0.0 {
        return;
    }
    let programme: Vec<f64> = (0..n_samples).map(|_| normal(rng)).collect();
    let (a, b) = (share.sqrt(), (1.0 - share).sqrt());
    for (z, rows) in layers.iter_mut() {
        for &r in rows.iter() {
            for (x, p) in z[r].iter_mut().zip(&programme) {
                *x = a * p + b * *x;
            }
        }
    }
}

/// Background modules over disjoint random genes: RNA and protein of a member share the
/// module's programme. Returns the member genes of each module.
pub(super) fn background_modules(
    spec: &BackgroundModules,
    rna: &mut Columns,
    proteome: &mut Columns,
    rng: &mut impl Rng,
) -> Vec<Vec<usize>> {
    if spec.n_modules == 0 || spec.share <= 0.0 {
        return Vec::new();
    }
    let n_genes = rna.len();
    let n_samples = rna.first().map_or(0, Vec::len);
    let chosen = index::sample(rng, n_genes, spec.n_modules * spec.size).into_vec();
    chosen
        .chunks(spec.size)
        .map(|members| {
            let mut members = members.to_vec();
            members.sort_unstable();
            coregulate(
                &mut [(&mut *rna, &members[..]), (&mut *proteome, &members[..])],
                spec.share,
                n_samples,
                rng,
            );
            members
        })
        .collect()
}

/// Hypermutated tumours (sorted indices among the first `n_tumours` samples).
pub(super) fn hypermutated(n_tumours: usize, frequency: f64, rng: &mut impl Rng) -> Vec<usize> {
    let count = ((frequency * n_tumours as f64).round() as usize).clamp(1, n_tumours);
    let mut chosen = index::sample(rng, n_tumours, count).into_vec();
    chosen.sort_unstable();
    chosen
}

/// Carriers of the confounded gene: most hypermutated tumours, few others.
pub(super) fn confounded_carriers(
    spec: &HypermutatorSpec,
    n_tumours: usize,
    hyper: &[usize],
    rng: &mut impl Rng,
) -> Vec<usize> {
    let mut carriers: Vec<usize> = (0..n_tumours)
        .filter(|t| {
            let p = if hyper.binary_search(t).is_ok() {
                spec.gene_rate_hypermutated
            } else {
                spec.gene_rate_other
            };
            rng.random_bool(p)
        })
        .collect();
    if carriers.is_empty()
        && let Some(&first) = hyper.first()
    {
        carriers.push(first);
    }
    carriers
}

/// Adds hypermutated tumours to a passenger's carriers, each with probability `rate`.
pub(super) fn add_hypermutated(
    carriers: &mut Vec<usize>,
    hyper: &[usize],
    rate: f64,
    rng: &mut impl Rng,
) {
    for &t in hyper {
        if rng.random_bool(rate) && carriers.binary_search(&t).is_err() {
            carriers.push(t);
            carriers.sort_unstable();
        }
    }
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
    fn module_members_correlate_and_others_do_not() {
        let mut rng = stream(11, Stream::Background);
        let noise = |rng: &mut rand_chacha::ChaCha8Rng| -> Columns {
            (0..60)
                .map(|_| (0..500).map(|_| normal(rng)).collect())
                .collect()
        };
        let mut rna = noise(&mut rng);
        let mut proteome = noise(&mut rng);
        let spec = BackgroundModules {
            n_modules: 2,
            size: 10,
            share: 0.4,
        };
        let modules = background_modules(&spec, &mut rna, &mut proteome, &mut rng);
        assert_eq!(modules.len(), 2);
        let (a, b) = (modules[0][0], modules[0][1]);
        assert!(correlation(&rna[a], &rna[b]) > 0.25);
        assert!(correlation(&rna[a], &proteome[b]) > 0.25);
        let other = modules[1][0];
        assert!(correlation(&rna[a], &rna[other]).abs() < 0.2);
        let var = rna[a].iter().map(|x| x * x).sum::<f64>() / 500.0;
        assert!((0.8..1.2).contains(&var), "variance {var}");
    }

    #[test]
    fn the_confounded_gene_is_mutated_mostly_in_hypermutated_tumours() {
        let mut rng = stream(3, Stream::Hypermutator);
        let hyper = hypermutated(400, 0.12, &mut rng);
        assert_eq!(hyper.len(), 48);
        let spec = SynthConfig::harder().hypermutator.unwrap();
        let carriers = confounded_carriers(&spec, 400, &hyper, &mut rng);
        let in_hyper = carriers
            .iter()
            .filter(|c| hyper.binary_search(c).is_ok())
            .count();
        assert!(
            in_hyper as f64 > 0.6 * carriers.len() as f64,
            "{in_hyper} of {carriers:?}"
        );
        let mut passenger = vec![1, 5];
        add_hypermutated(&mut passenger, &hyper, 1.0, &mut rng);
        assert!(passenger.windows(2).all(|w| w[0] < w[1]));
        assert!(hyper.iter().all(|h| passenger.contains(h)));
    }

    #[test]
    fn harder_config_is_valid_and_checked() {
        assert!(SynthConfig::harder().validate().is_ok());
        let mut bad = SynthConfig::harder();
        bad.background_modules.n_modules = 1000;
        assert!(bad.validate().is_err());
        let mut bad = SynthConfig::harder();
        if let Some(h) = bad.hypermutator.as_mut() {
            h.gene = "PTEN".into();
        }
        assert!(bad.validate().is_err());
    }
}

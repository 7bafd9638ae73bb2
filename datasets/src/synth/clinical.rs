//! Clinical variables of synthetic samples. None of them affects the omics except where a
//! relation is planted (histology, sample type, purity) and survival, which is drawn later from
//! a planted feature; age, sex and stage are deliberate nulls.

use super::config::{GroupVariable, HISTOLOGY_LEVELS, NumericVariable, SynthConfig};
use super::rng::{normal, weighted_index};
use crate::ids::SampleId;
use rand::Rng;
use rand::seq::SliceRandom;

pub(super) const STAGE_LEVELS: [&str; 4] = ["Stage I", "Stage II", "Stage III", "Stage IV"];
const STAGE_WEIGHTS: [f64; 4] = [0.35, 0.25, 0.25, 0.15];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SampleType {
    Tumor,
    Normal,
}

impl SampleType {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Tumor => "Tumor",
            Self::Normal => "Normal",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sex {
    Female,
    Male,
}

impl Sex {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Female => "Female",
            Self::Male => "Male",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Survival {
    pub days: u32,
    pub event: bool,
}

/// One row of `clinical.tsv`. Tumour-only variables are `None` for normals.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct ClinicalRecord {
    pub id: SampleId,
    pub sample_type: SampleType,
    pub age: u32,
    pub sex: Sex,
    /// Index into [`STAGE_LEVELS`].
    pub stage: Option<usize>,
    /// Index into [`HISTOLOGY_LEVELS`].
    pub histology: Option<usize>,
    pub purity: Option<f64>,
    /// Zero-based batch number, written as `B1`, `B2`, ...
    pub batch: usize,
    pub survival: Option<Survival>,
    /// In the hypermutated subgroup (`harder.rs`); written only when one is configured.
    pub hypermutated: bool,
}

impl ClinicalRecord {
    pub(super) fn is_tumour(&self) -> bool {
        self.sample_type == SampleType::Tumor
    }

    pub(super) fn in_group(&self, variable: GroupVariable, level: &str) -> bool {
        match variable {
            GroupVariable::Histology => self
                .histology
                .is_some_and(|h| HISTOLOGY_LEVELS.get(h).is_some_and(|(l, _)| *l == level)),
            GroupVariable::SampleType => self.sample_type.as_str() == level,
            GroupVariable::MsiStatus => self.is_tumour() && self.msi_status() == level,
        }
    }

    /// `MSI-H` for hypermutated tumours, `MSS` for the others.
    pub(super) fn msi_status(&self) -> &'static str {
        if self.hypermutated {
            super::harder::MSI_HIGH
        } else {
            super::harder::MSI_STABLE
        }
    }

    /// The value of a numeric variable; purity exists for tumours only.
    pub(super) fn numeric(&self, variable: NumericVariable) -> Option<f64> {
        match variable {
            NumericVariable::Purity => self.purity,
            NumericVariable::Age => self.is_tumour().then_some(f64::from(self.age)),
        }
    }
}

/// `S001`-style IDs, zero-padded to at least three digits.
pub(super) fn sample_ids(n: usize) -> Vec<SampleId> {
    let width = n.to_string().len().max(3);
    (1..=n)
        .map(|i| SampleId::new(format!("S{i:0width$}")))
        .collect()
}

/// Tumours first, then normals; batches are balanced and assigned at random, as in a
/// well-run TMT study.
pub(super) fn draw_clinical(config: &SynthConfig, rng: &mut impl Rng) -> Vec<ClinicalRecord> {
    let n = config.n_samples();
    let mut batches: Vec<usize> = (0..n).map(|i| i % config.n_batches).collect();
    batches.shuffle(rng);
    let histology_weights: Vec<f64> = HISTOLOGY_LEVELS.iter().map(|(_, w)| *w).collect();
    sample_ids(n)
        .into_iter()
        .zip(batches)
        .enumerate()
        .map(|(i, (id, batch))| {
            let tumour = i < config.n_tumours;
            let age = (64.0 + 10.0 * normal(rng)).round().clamp(30.0, 90.0) as u32;
            let sex = if rng.random_bool(0.5) {
                Sex::Female
            } else {
                Sex::Male
            };
            let (stage, histology, purity) = if tumour {
                let stage = weighted_index(rng, &STAGE_WEIGHTS);
                let histology = weighted_index(rng, &histology_weights);
                let purity = (0.65 + 0.12 * normal(rng)).clamp(0.2, 0.95);
                (
                    Some(stage),
                    Some(histology),
                    Some((purity * 100.0).round() / 100.0),
                )
            } else {
                (None, None, None)
            };
            ClinicalRecord {
                id,
                sample_type: if tumour {
                    SampleType::Tumor
                } else {
                    SampleType::Normal
                },
                age,
                sex,
                stage,
                histology,
                purity,
                batch,
                survival: None,
                hypermutated: false,
            }
        })
        .collect()
}

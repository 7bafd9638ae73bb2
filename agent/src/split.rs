//! The discovery/validation split, drawn once before any exploration. Every hypothesis is later
//! re-tested on the held-out samples, which the exploration never saw; that is what makes
//! "replicated" mean something after hundreds of adaptive choices.

use datasets::clinical::Tissue;
use datasets::{SampleId, Study};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Split {
    pub discovery: Vec<SampleId>,
    pub validation: Vec<SampleId>,
}

impl Split {
    /// Stratified by tissue (tumour/normal) and, within tumours, by the most recurrent mutation,
    /// so both halves keep similar group sizes for the questions asked most.
    pub fn draw(study: &Study, validation_fraction: f64, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_5a17);
        let carriers: HashSet<SampleId> = top_mutation_carriers(study);
        let mut strata: std::collections::BTreeMap<(u8, bool), Vec<SampleId>> = Default::default();
        for (i, s) in study.clinical.samples.iter().enumerate() {
            let tissue = match study.clinical.tissue_of(i) {
                Some(Tissue::Tumor) => 0,
                Some(Tissue::Normal) => 1,
                None => 2,
            };
            strata
                .entry((tissue, carriers.contains(s)))
                .or_default()
                .push(s.clone());
        }
        let mut discovery = Vec::new();
        let mut validation = Vec::new();
        for (_, mut members) in strata {
            members.shuffle(&mut rng);
            let n_val = (members.len() as f64 * validation_fraction).round() as usize;
            let (val, disc) = members.split_at(n_val.min(members.len()));
            validation.extend_from_slice(val);
            discovery.extend_from_slice(disc);
        }
        discovery.sort();
        validation.sort();
        Self {
            discovery,
            validation,
        }
    }

    pub fn discovery_set(&self) -> HashSet<&SampleId> {
        self.discovery.iter().collect()
    }

    pub fn validation_set(&self) -> HashSet<&SampleId> {
        self.validation.iter().collect()
    }
}

fn top_mutation_carriers(study: &Study) -> HashSet<SampleId> {
    let Some(layer) = study.mutation_layer() else {
        return HashSet::new();
    };
    let Some((gene, _)) = datasets::study::mutation_recurrence(layer)
        .into_iter()
        .next()
    else {
        return HashSet::new();
    };
    let Some(f) = layer.matrix.feature_index(gene.as_str()) else {
        return HashSet::new();
    };
    layer
        .matrix
        .samples()
        .iter()
        .zip(layer.matrix.feature(f))
        .filter(|(_, v)| **v == 1.0)
        .map(|(s, _)| s.clone())
        .collect()
}

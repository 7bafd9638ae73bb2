//! The discovery/validation split, drawn once before any exploration. Every hypothesis is later
//! re-tested on the held-out samples, which the exploration never saw; that is what makes
//! "replicated" mean something after hundreds of adaptive choices.

use datasets::clinical::Tissue;
use datasets::participants::Participants;
use datasets::{SampleId, Study};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Split {
    pub discovery: Vec<SampleId>,
    pub validation: Vec<SampleId>,
}

impl Split {
    /// Participants, not samples, are drawn: a tumour and its matched normal (or a replicate) fall
    /// in the same half, so the held-out half never shares a person with the explored one.
    /// Stratified by what each participant contributes (tumour, normal, both) and, within that,
    /// by carrying the most recurrent mutation, so both halves keep similar group sizes for the
    /// questions asked most.
    pub fn draw(study: &Study, validation_fraction: f64, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_5a17);
        let carriers: HashSet<SampleId> = top_mutation_carriers(study);
        let clinical = &study.clinical;
        let participants = Participants::of(clinical);
        let index = clinical.sample_index();
        let mut strata: BTreeMap<(u8, bool), Vec<Vec<&SampleId>>> = BTreeMap::new();
        for group in participants.groups(&clinical.samples) {
            let mut tissues = 0u8;
            for s in &group {
                tissues |= match index.get(s.as_str()).and_then(|&i| clinical.tissue_of(i)) {
                    Some(Tissue::Tumor) => 1,
                    Some(Tissue::Normal) => 2,
                    None => 4,
                };
            }
            let carrier = group.iter().any(|s| carriers.contains(*s));
            strata.entry((tissues, carrier)).or_default().push(group);
        }
        let mut discovery = Vec::new();
        let mut validation = Vec::new();
        for (_, mut members) in strata {
            members.shuffle(&mut rng);
            let n_val = (members.len() as f64 * validation_fraction).round() as usize;
            let (val, disc) = members.split_at(n_val.min(members.len()));
            validation.extend(val.iter().flatten().map(|s| (*s).clone()));
            discovery.extend(disc.iter().flatten().map(|s| (*s).clone()));
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

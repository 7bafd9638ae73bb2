//! The planted truth of a synthetic study, written as `truth.json` beside the data.
//!
//! An evaluation compares an agent's hypotheses with this list: every planted relation found is a
//! hit (recall), every hypothesis matching none of them and no nuisance is a false discovery.
//! Effects are in standard deviations of the feature's background variation so they are
//! comparable across layers whatever the unit the file is written in.

use super::SynthError;
use super::config::{GroupVariable, NumericVariable, SynthConfig, SynthLayer};
use crate::ids::{FeatureId, SampleId};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// File name of the truth beside the study's data files.
pub const TRUTH_FILE: &str = "truth.json";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    pub seed: u64,
    pub n_tumours: usize,
    pub n_normals: usize,
    pub planted: Vec<Planted>,
    /// Technical effects that are real in the data but are not biology: a hypothesis about one
    /// is neither a hit nor a false discovery.
    pub nuisance: Vec<Nuisance>,
    /// Genes mutated at realistic frequencies that affect nothing.
    pub passenger_mutations: Vec<String>,
    /// Mutation effects that exist one gene at a time but only through a confounder: a
    /// hypothesis stating one is both not planted and a confounded claim.
    #[serde(default)]
    pub confounded: Vec<Confounded>,
    /// The configuration that generated the study, so it can be regenerated exactly.
    pub config: SynthConfig,
}

/// One planted relation with its stable ID (`P1`, `P2`, ...).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Planted {
    pub id: String,
    #[serde(flatten)]
    pub relation: PlantedRelation,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlantedRelation {
    /// Carriers of a non-silent mutation in `mutation` have every feature of the module shifted.
    MutationShiftsModule {
        mutation: String,
        layer: SynthLayer,
        features: Vec<FeatureId>,
        effect: f64,
        direction: MutationDirection,
        /// Tumours with a non-silent call in `mutation.maf` (silent calls do not count).
        carriers: Vec<SampleId>,
    },
    /// Samples at `level` of a categorical clinical variable differ from all other samples.
    ClinicalGroupDifference {
        variable: GroupVariable,
        level: String,
        layer: SynthLayer,
        features: Vec<FeatureId>,
        effect: f64,
        direction: GroupDirection,
    },
    /// Features rise (or fall) linearly with a numeric clinical variable; `effect` is SD of
    /// feature per SD of the variable among tumours.
    ClinicalNumericAssociation {
        variable: NumericVariable,
        layer: SynthLayer,
        features: Vec<FeatureId>,
        effect: f64,
    },
    /// Each gene's copy number drives its own RNA and protein with this Pearson correlation.
    CisCopyNumber {
        genes: Vec<String>,
        layers: Vec<SynthLayer>,
        correlation: f64,
    },
    /// A mechanism chain: carriers of a mutation in `mutation` have lower (or higher) protein of
    /// the gene and of its complex partner `partner`; neither gene's RNA changes.
    MutationChain {
        mutation: String,
        partner: String,
        effect: f64,
        carriers: Vec<SampleId>,
    },
    /// Overall survival (`os_days`, `os_event`) of tumours depends on one feature; the hazard
    /// ratio is per SD of the feature (above 1: high values die sooner).
    SurvivalAssociation {
        feature: FeatureId,
        layer: SynthLayer,
        hazard_ratio: f64,
    },
}

/// A confounded mutation effect (`C1`, `C2`, ...): carriers of any gene in `mutations` are
/// enriched for the confounder, which shifts `features`, so a naive carrier/wild-type test finds
/// those features changed; adjusted for `explained_by` the effect is gone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Confounded {
    pub id: String,
    pub mutations: Vec<String>,
    pub layer: SynthLayer,
    pub features: Vec<FeatureId>,
    /// The clinical column that explains the effect (`msi_status`).
    pub explained_by: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MutationDirection {
    LowerInMutated,
    HigherInMutated,
}

impl MutationDirection {
    pub fn of(effect: f64) -> Self {
        if effect < 0.0 {
            Self::LowerInMutated
        } else {
            Self::HigherInMutated
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupDirection {
    LowerInLevel,
    HigherInLevel,
}

impl GroupDirection {
    pub fn of(effect: f64) -> Self {
        if effect < 0.0 {
            Self::LowerInLevel
        } else {
            Self::HigherInLevel
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Nuisance {
    /// Every feature of `layer` is shifted per batch by a draw with this standard deviation.
    BatchEffect {
        variable: String,
        layer: SynthLayer,
        shift_sd: f64,
    },
}

impl PlantedRelation {
    /// The layers a hypothesis must involve to match this relation.
    pub fn layers(&self) -> Vec<SynthLayer> {
        match self {
            Self::MutationShiftsModule { layer, .. }
            | Self::ClinicalGroupDifference { layer, .. }
            | Self::ClinicalNumericAssociation { layer, .. }
            | Self::SurvivalAssociation { layer, .. } => vec![*layer],
            Self::CisCopyNumber { layers, .. } => layers.clone(),
            Self::MutationChain { .. } => vec![SynthLayer::Proteome, SynthLayer::Rna],
        }
    }

    /// The features (or, for cis relations, genes) the relation involves.
    pub fn features(&self) -> Vec<FeatureId> {
        match self {
            Self::MutationShiftsModule { features, .. }
            | Self::ClinicalGroupDifference { features, .. }
            | Self::ClinicalNumericAssociation { features, .. } => features.clone(),
            Self::CisCopyNumber { genes, .. } => {
                genes.iter().map(|g| FeatureId::from(g.as_str())).collect()
            }
            Self::SurvivalAssociation { feature, .. } => vec![feature.clone()],
            Self::MutationChain {
                mutation, partner, ..
            } => vec![
                FeatureId::from(mutation.as_str()),
                FeatureId::from(partner.as_str()),
            ],
        }
    }
}

impl Truth {
    pub fn to_json(&self) -> Result<String, SynthError> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// Reads the `truth.json` of a synthetic study folder.
    pub fn read(dir: &Path) -> Result<Self, SynthError> {
        let path = dir.join(TRUTH_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| SynthError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(serde_json::from_str(&text)?)
    }
}

//! What a synthetic study should look like and which relationships to plant in it.
//!
//! Every size and effect is a field so tests and benchmarks can make the problem harder or
//! easier; the defaults give a study the size of a typical CPTAC cohort in which every planted
//! relation is findable with standard tests but not trivially so.

use super::SynthError;
use super::harder::{BackgroundModules, HypermutatorSpec, MSI_HIGH, MSI_STABLE};
use serde::{Deserialize, Serialize};

/// Histology levels written to `clinical.tsv`, with the probability of each among tumours.
pub const HISTOLOGY_LEVELS: [(&str, f64); 3] = [
    ("Adenocarcinoma", 0.55),
    ("Squamous cell carcinoma", 0.30),
    ("Large cell carcinoma", 0.15),
];

/// A feature layer of the synthetic study. The serialized name is the file stem the layer is
/// written to (`proteome` -> `proteome.tsv.gz`), which is also how the loader names layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SynthLayer {
    Proteome,
    Phospho,
    Rna,
    Cna,
}

impl SynthLayer {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proteome => "proteome",
            Self::Phospho => "phospho",
            Self::Rna => "rna",
            Self::Cna => "cna",
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            Self::Proteome => "proteome.tsv.gz",
            Self::Phospho => "phospho.tsv.gz",
            Self::Rna => "rna.tsv.gz",
            Self::Cna => "cna.tsv.gz",
        }
    }
}

/// A categorical clinical column that a planted group difference can be attached to. The
/// serialized name is the column header in `clinical.tsv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupVariable {
    #[serde(rename = "histology")]
    Histology,
    /// Tumour versus normal tissue; only exists when the study has normals.
    #[serde(rename = "Sample_Type")]
    SampleType,
    /// Hypermutation (`MSI-H` / `MSS`); only exists when a hypermutator is configured.
    #[serde(rename = "msi_status")]
    MsiStatus,
}

impl GroupVariable {
    pub fn column(self) -> &'static str {
        match self {
            Self::Histology => "histology",
            Self::SampleType => "Sample_Type",
            Self::MsiStatus => super::harder::MSI_COLUMN,
        }
    }
}

/// A numeric clinical column that a planted association can be attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumericVariable {
    Purity,
    Age,
}

impl NumericVariable {
    pub fn column(self) -> &'static str {
        match self {
            Self::Purity => "purity",
            Self::Age => "age",
        }
    }
}

/// Tumours carrying a mutation in `gene` have a module of `n_features` features of `layer`
/// shifted by `effect` standard deviations (negative = lower in carriers).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MutationModuleSpec {
    pub gene: String,
    /// Fraction of tumours carrying a non-silent mutation; the carrier count is rounded.
    pub frequency: f64,
    pub layer: SynthLayer,
    pub n_features: usize,
    pub effect: f64,
}

/// Samples at `level` of `variable` have `n_features` features of `layer` shifted by `effect`
/// standard deviations relative to all other samples.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupDifferenceSpec {
    pub variable: GroupVariable,
    pub level: String,
    pub layer: SynthLayer,
    pub n_features: usize,
    pub effect: f64,
}

/// `n_features` features of `layer` rise by `effect` standard deviations per standard deviation
/// of the tumours' `variable`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NumericAssociationSpec {
    pub variable: NumericVariable,
    pub layer: SynthLayer,
    pub n_features: usize,
    pub effect: f64,
}

/// `n_genes` genes whose RNA and protein follow their own copy number with Pearson correlation
/// `correlation` (the dosage effect real tumours show for a minority of genes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CisSpec {
    pub n_genes: usize,
    pub correlation: f64,
}

/// Overall survival of tumours depends on one feature of `layer`: exponential event times with
/// hazard multiplied by `hazard_ratio` per standard deviation of the feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SurvivalSpec {
    pub layer: SynthLayer,
    pub hazard_ratio: f64,
    /// Median survival of a tumour with an average feature value.
    pub median_days: f64,
    /// Approximate fraction of tumours censored (independent exponential censoring).
    pub censoring_fraction: f64,
}

/// A planted mechanism chain across entities and layers: tumours carrying a non-silent mutation
/// in `gene` have the protein of `gene` and of its complex partner `partner` shifted by `effect`
/// standard deviations, while the RNA of both stays untouched (the partner's protein depends on
/// the gene's, as PMS2's on MLH1's in MutL-alpha). A study with one tests that the agent states
/// mutation -> protein -> partner protein, without an RNA change, as one hypothesis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChainSpec {
    pub gene: String,
    pub partner: String,
    /// Fraction of tumours carrying the mutation.
    pub frequency: f64,
    pub effect: f64,
}

/// The full description of a synthetic study. `Default` gives ~120 tumours + 20 normals,
/// 2,000 genes and one relation of every kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SynthConfig {
    pub seed: u64,
    pub n_tumours: usize,
    /// Normal-tissue samples; when non-zero `clinical.tsv` gets a `Sample_Type` column.
    pub n_normals: usize,
    pub n_genes: usize,
    /// Fraction of genes measured in the proteome (mass spectrometry never sees them all).
    pub proteome_coverage: f64,
    /// Phosphosites written to `phospho.tsv.gz`; 0 writes no phospho layer.
    pub n_phosphosites: usize,
    /// Latent biological programmes shared by many genes, so the background is correlated.
    pub n_latent_factors: usize,
    pub proteome_missing: f64,
    pub phospho_missing: f64,
    /// Genes mutated at 3-12% with no effect on anything: findings about them are false.
    pub n_passenger_genes: usize,
    pub n_batches: usize,
    /// Standard deviation of the per-batch, per-protein shift (a technical nuisance).
    pub batch_effect_sd: f64,
    pub mutation_modules: Vec<MutationModuleSpec>,
    pub group_differences: Vec<GroupDifferenceSpec>,
    pub numeric_associations: Vec<NumericAssociationSpec>,
    pub cis: CisSpec,
    pub survival: Option<SurvivalSpec>,
    /// Co-expression modules in the background (`harder.rs`). Field defaults are "off", so a
    /// configuration written before these fields existed regenerates the same study.
    #[serde(default)]
    pub background_modules: BackgroundModules,
    /// Share of each planted set's variance from a programme its features share (0: none).
    #[serde(default)]
    pub planted_coregulation: f64,
    /// A hypermutated subgroup confounding one gene's mutation (`harder.rs`).
    #[serde(default)]
    pub hypermutator: Option<HypermutatorSpec>,
    /// Planted mechanism chains (none by default; the genes are added to the universe and the
    /// proteome when missing).
    #[serde(default)]
    pub chains: Vec<ChainSpec>,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            n_tumours: 120,
            n_normals: 20,
            n_genes: 2000,
            proteome_coverage: 0.85,
            n_phosphosites: 1500,
            n_latent_factors: 4,
            proteome_missing: 0.05,
            phospho_missing: 0.2,
            n_passenger_genes: 30,
            n_batches: 4,
            batch_effect_sd: 0.3,
            mutation_modules: vec![
                MutationModuleSpec {
                    gene: "PTEN".into(),
                    frequency: 0.22,
                    layer: SynthLayer::Proteome,
                    n_features: 20,
                    effect: -1.0,
                },
                MutationModuleSpec {
                    gene: "CTNNB1".into(),
                    frequency: 0.18,
                    layer: SynthLayer::Rna,
                    n_features: 20,
                    effect: 1.0,
                },
                MutationModuleSpec {
                    gene: "PIK3CA".into(),
                    frequency: 0.20,
                    layer: SynthLayer::Phospho,
                    n_features: 15,
                    effect: 1.0,
                },
            ],
            group_differences: vec![
                GroupDifferenceSpec {
                    variable: GroupVariable::Histology,
                    level: "Squamous cell carcinoma".into(),
                    layer: SynthLayer::Proteome,
                    n_features: 15,
                    effect: 1.0,
                },
                GroupDifferenceSpec {
                    variable: GroupVariable::SampleType,
                    level: "Normal".into(),
                    layer: SynthLayer::Rna,
                    n_features: 25,
                    effect: 1.5,
                },
            ],
            numeric_associations: vec![NumericAssociationSpec {
                variable: NumericVariable::Purity,
                layer: SynthLayer::Rna,
                n_features: 15,
                effect: 0.8,
            }],
            cis: CisSpec {
                n_genes: 25,
                correlation: 0.6,
            },
            survival: Some(SurvivalSpec {
                layer: SynthLayer::Proteome,
                hazard_ratio: 2.0,
                median_days: 1500.0,
                censoring_fraction: 0.3,
            }),
            background_modules: BackgroundModules::default(),
            planted_coregulation: 0.0,
            hypermutator: None,
            chains: Vec::new(),
        }
    }
}

fn invalid(message: impl Into<String>) -> SynthError {
    SynthError::InvalidConfig(message.into())
}

fn check_fraction(name: &str, value: f64, lo: f64, hi: f64) -> Result<(), SynthError> {
    if value.is_finite() && value >= lo && value <= hi {
        Ok(())
    } else {
        Err(invalid(format!(
            "{name} must be in [{lo}, {hi}], got {value}"
        )))
    }
}

fn check_effect(name: &str, value: f64) -> Result<(), SynthError> {
    if value.is_finite() && value.abs() <= 10.0 {
        Ok(())
    } else {
        Err(invalid(format!(
            "{name} must be a finite effect of at most 10 SD, got {value}"
        )))
    }
}

impl SynthConfig {
    /// Rejects configurations the simulator cannot honour, before anything is written.
    /// (Whether enough unused features remain for every module is checked while planting.)
    pub fn validate(&self) -> Result<(), SynthError> {
        if self.n_tumours < 10 {
            return Err(invalid("n_tumours must be at least 10"));
        }
        if self.n_genes < 50 {
            return Err(invalid("n_genes must be at least 50"));
        }
        if self.n_tumours + self.n_normals > 99_999 || self.n_genes > 99_999 {
            return Err(invalid("at most 99,999 samples and genes"));
        }
        if self.n_batches == 0 {
            return Err(invalid("n_batches must be at least 1"));
        }
        if self.n_latent_factors > 50 {
            return Err(invalid("n_latent_factors must be at most 50"));
        }
        check_fraction("proteome_coverage", self.proteome_coverage, 0.05, 1.0)?;
        check_fraction("proteome_missing", self.proteome_missing, 0.0, 0.9)?;
        check_fraction("phospho_missing", self.phospho_missing, 0.0, 0.9)?;
        check_fraction("batch_effect_sd", self.batch_effect_sd, 0.0, 5.0)?;
        if self.n_passenger_genes + self.mutation_modules.len() > self.n_genes / 2 {
            return Err(invalid("too many mutated genes for n_genes"));
        }
        self.validate_mutations()?;
        self.validate_harder()?;
        self.validate_chains()?;
        for spec in &self.group_differences {
            self.check_target_layer(spec.layer)?;
            check_effect("group difference effect", spec.effect)?;
            let valid_level = match spec.variable {
                GroupVariable::Histology => HISTOLOGY_LEVELS.iter().any(|(l, _)| *l == spec.level),
                GroupVariable::SampleType => {
                    if self.n_normals == 0 {
                        return Err(invalid("a Sample_Type difference needs n_normals > 0"));
                    }
                    spec.level == "Tumor" || spec.level == "Normal"
                }
                GroupVariable::MsiStatus => {
                    if self.hypermutator.is_none() {
                        return Err(invalid("an msi_status difference needs a hypermutator"));
                    }
                    spec.level == MSI_HIGH || spec.level == MSI_STABLE
                }
            };
            if !valid_level {
                return Err(invalid(format!(
                    "{} has no level {:?}",
                    spec.variable.column(),
                    spec.level
                )));
            }
        }
        for spec in &self.numeric_associations {
            self.check_target_layer(spec.layer)?;
            check_effect("numeric association effect", spec.effect)?;
        }
        check_fraction("cis.correlation", self.cis.correlation, 0.0, 0.99)?;
        if let Some(survival) = &self.survival {
            self.check_target_layer(survival.layer)?;
            if !(survival.hazard_ratio.is_finite() && survival.hazard_ratio > 0.0) {
                return Err(invalid("survival.hazard_ratio must be positive"));
            }
            if !(survival.median_days.is_finite() && survival.median_days >= 1.0) {
                return Err(invalid("survival.median_days must be at least 1"));
            }
            check_fraction(
                "survival.censoring_fraction",
                survival.censoring_fraction,
                0.0,
                0.9,
            )?;
        }
        Ok(())
    }

    fn validate_mutations(&self) -> Result<(), SynthError> {
        for (i, spec) in self.mutation_modules.iter().enumerate() {
            let valid_symbol = !spec.gene.is_empty()
                && spec
                    .gene
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if !valid_symbol {
                return Err(invalid(format!("bad mutation gene symbol {:?}", spec.gene)));
            }
            if self.mutation_modules[..i]
                .iter()
                .any(|m| m.gene == spec.gene)
            {
                return Err(invalid(format!(
                    "mutation gene {} planted twice",
                    spec.gene
                )));
            }
            check_fraction("mutation frequency", spec.frequency, 0.01, 0.9)?;
            check_effect("mutation effect", spec.effect)?;
            self.check_target_layer(spec.layer)?;
        }
        Ok(())
    }

    fn validate_chains(&self) -> Result<(), SynthError> {
        let symbol = |g: &str| {
            !g.is_empty()
                && g.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        };
        let mut used: Vec<&str> = self
            .mutation_modules
            .iter()
            .map(|m| m.gene.as_str())
            .collect();
        for spec in &self.chains {
            for g in [&spec.gene, &spec.partner] {
                if !symbol(g) {
                    return Err(invalid(format!("bad chain gene symbol {g:?}")));
                }
                if used.contains(&g.as_str()) {
                    return Err(invalid(format!("chain gene {g} is planted twice")));
                }
                used.push(g);
            }
            check_fraction("chain frequency", spec.frequency, 0.01, 0.9)?;
            check_effect("chain effect", spec.effect)?;
        }
        Ok(())
    }

    /// Planted shifts go into measured features; copy number is an input, not an outcome.
    fn check_target_layer(&self, layer: SynthLayer) -> Result<(), SynthError> {
        match layer {
            SynthLayer::Cna => Err(invalid(
                "copy number cannot be the target of a planted effect",
            )),
            SynthLayer::Phospho if self.n_phosphosites == 0 => {
                Err(invalid("a planted phospho effect needs n_phosphosites > 0"))
            }
            _ => Ok(()),
        }
    }

    pub fn n_samples(&self) -> usize {
        self.n_tumours + self.n_normals
    }
}

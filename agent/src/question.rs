//! Research directions: questions stated as relationships between entity classes ("does mutation
//! of G change the proteome?"). Initial directions come from the study profile; follow-ups are
//! opened by strong findings. Each carries a priority the planner weighs against its cost.

use crate::profile::StudyProfile;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Question {
    /// Tumour vs normal tissue across a layer.
    TumorVsNormal { layer: String },
    /// A clinical grouping (binary, categorical, ordinal) vs a layer; the two largest levels are
    /// contrasted, ordinal variables are also tested for trend.
    ClinicalGroups { variable: String, layer: String },
    /// A numeric clinical variable vs a layer (Spearman).
    ClinicalNumeric { variable: String, layer: String },
    /// Mutated vs wild-type carriers of one gene across a layer.
    MutationImpact { gene: String, layer: String },
    /// Per-gene correlation between two layers (copy number -> RNA -> protein).
    Cis { source: String, target: String },
    /// Univariate Cox regression of every feature of a layer.
    Survival { layer: String },
    /// Unsupervised clusters of samples on a layer, tested against clinical variables.
    Subtypes { layer: String },
    /// Follow-up: for features a mutation changed in one layer, is the same change in another
    /// layer (protein change with RNA change = transcriptional; without = post-transcriptional)?
    MutationMechanism {
        gene: String,
        layer: String,
        features: Vec<String>,
    },
    /// Follow-up: gene sets over-represented among the features an analysis found changed.
    Enrichment {
        source_step: usize,
        label: String,
        up: Vec<String>,
        down: Vec<String>,
        universe: Vec<String>,
    },
    /// Follow-up: do prognostic features hold in a Cox model adjusted for stage/grade?
    AdjustedSurvival {
        layer: String,
        features: Vec<String>,
        covariates: Vec<String>,
    },
    /// Follow-up: do group differences hold after adjusting for purity and batch?
    AdjustedGroups {
        variable: String,
        layer: String,
        features: Vec<String>,
        covariates: Vec<String>,
    },
}

/// The kind of a question, the unit the planner learns about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    TumorVsNormal,
    ClinicalGroups,
    ClinicalNumeric,
    MutationImpact,
    Cis,
    Survival,
    Subtypes,
    MutationMechanism,
    Enrichment,
    AdjustedSurvival,
    AdjustedGroups,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 11] = [
        Self::TumorVsNormal,
        Self::ClinicalGroups,
        Self::ClinicalNumeric,
        Self::MutationImpact,
        Self::Cis,
        Self::Survival,
        Self::Subtypes,
        Self::MutationMechanism,
        Self::Enrichment,
        Self::AdjustedSurvival,
        Self::AdjustedGroups,
    ];

    pub fn is_follow_up(self) -> bool {
        matches!(
            self,
            Self::MutationMechanism
                | Self::Enrichment
                | Self::AdjustedSurvival
                | Self::AdjustedGroups
        )
    }
}

impl Question {
    pub fn kind(&self) -> QuestionKind {
        match self {
            Self::TumorVsNormal { .. } => QuestionKind::TumorVsNormal,
            Self::ClinicalGroups { .. } => QuestionKind::ClinicalGroups,
            Self::ClinicalNumeric { .. } => QuestionKind::ClinicalNumeric,
            Self::MutationImpact { .. } => QuestionKind::MutationImpact,
            Self::Cis { .. } => QuestionKind::Cis,
            Self::Survival { .. } => QuestionKind::Survival,
            Self::Subtypes { .. } => QuestionKind::Subtypes,
            Self::MutationMechanism { .. } => QuestionKind::MutationMechanism,
            Self::Enrichment { .. } => QuestionKind::Enrichment,
            Self::AdjustedSurvival { .. } => QuestionKind::AdjustedSurvival,
            Self::AdjustedGroups { .. } => QuestionKind::AdjustedGroups,
        }
    }

    /// The question in words, as the graph and the report show it.
    pub fn describe(&self) -> String {
        match self {
            Self::TumorVsNormal { layer } => format!("tumour vs normal tissue -> {layer}"),
            Self::ClinicalGroups { variable, layer } => format!("clinical {variable} -> {layer}"),
            Self::ClinicalNumeric { variable, layer } => {
                format!("clinical {variable} (numeric) -> {layer}")
            }
            Self::MutationImpact { gene, layer } => format!("mutation of {gene} -> {layer}"),
            Self::Cis { source, target } => format!("{source} -> {target} in cis (same gene)"),
            Self::Survival { layer } => format!("{layer} -> overall survival"),
            Self::Subtypes { layer } => {
                format!("subtypes discovered in {layer} -> clinical variables")
            }
            Self::MutationMechanism {
                gene,
                layer,
                features,
            } => format!(
                "mutation of {gene} -> {layer}: is the change of {} seen here too?",
                abbreviate(features)
            ),
            Self::Enrichment { label, .. } => format!("pathways enriched among {label}"),
            Self::AdjustedSurvival {
                layer,
                features,
                covariates,
            } => format!(
                "{layer} {} -> survival, adjusted for {}",
                abbreviate(features),
                covariates.join(", ")
            ),
            Self::AdjustedGroups {
                variable,
                layer,
                features,
                covariates,
            } => format!(
                "{variable} -> {layer} {}, adjusted for {}",
                abbreviate(features),
                covariates.join(", ")
            ),
        }
    }

    /// A stable key: the same question asked twice is recognised (and not run twice).
    pub fn key(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| self.describe())
    }
}

fn abbreviate(items: &[String]) -> String {
    match items.len() {
        0 => "(none)".into(),
        1..=3 => items.join(", "),
        n => format!("{}, ... ({n} features)", items[..3].join(", ")),
    }
}

/// A question with the planner's bookkeeping.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Direction {
    pub id: usize,
    pub question: Question,
    /// Prior value in [0, 1]: statistical power given group sizes, times clinical relevance.
    #[serde(with = "crate::journal::float")]
    pub priority: f64,
    /// The analysis step whose findings opened this direction, for follow-ups.
    pub parent_step: Option<usize>,
    pub rationale: String,
}

/// Power proxy for a two-group comparison: grows with the effective sample size
/// n_a n_b / (n_a + n_b), saturating around 30 (where a 0.8 SD effect is found reliably).
pub fn two_group_power(n_a: usize, n_b: usize) -> f64 {
    if n_a == 0 || n_b == 0 {
        return 0.0;
    }
    let n_eff = (n_a * n_b) as f64 / (n_a + n_b) as f64;
    (n_eff / 30.0).sqrt().min(1.0)
}

/// How much a clinician would care about a variable, from its name. Tumour characteristics and
/// outcomes rank above demographics; technical variables (batch, plex) are tested only as
/// confounders.
pub fn clinical_relevance(variable: &str) -> f64 {
    let v = variable.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| v.contains(w));
    if is_derived_from_omics(variable) {
        return 0.3;
    }
    if has(&[
        "batch", "plex", "channel", "excluded", "country", "date", "year", "ethnic", "race",
    ]) {
        0.1
    } else if has(&[
        "histolog",
        "subtype",
        "stage",
        "grade",
        "msi",
        "pole",
        "molecular",
        "cluster",
        "coc",
        "c1a",
    ]) {
        1.0
    } else if has(&[
        "purity", "immune", "stromal", "estimate", "tumor_", "invasion", "lvsi", "receptor", "_er",
        "_pr",
    ]) {
        0.7
    } else if has(&["age", "bmi", "sex", "gender", "diabetes"]) {
        0.5
    } else {
        0.4
    }
}

/// Whether a "clinical" column is a score computed from the omics data itself (immune and stromal
/// scores, deconvolution fractions, pathway activities). Its associations with the same data are
/// partly circular: worth knowing, but neither new nor clinically decisive.
pub fn is_derived_from_omics(variable: &str) -> bool {
    let v = variable.to_ascii_lowercase();
    [
        "estimate",
        "immunescore",
        "stromalscore",
        "cibersort",
        "xcell",
        "epic_",
        "purity_",
        "stemness",
        "pathway_activity",
        "_score",
    ]
    .iter()
    .any(|w| v.contains(w))
}

/// Layers worth screening first: proteins are the study's point, RNA and phospho next.
pub fn layer_weight(profile: &StudyProfile, layer: &str) -> f64 {
    use datasets::LayerKind::*;
    match profile
        .layers
        .iter()
        .find(|l| l.name == layer)
        .map(|l| l.kind)
    {
        Some(Proteome) => 1.0,
        Some(Phosphosite) | Some(Rna) => 0.8,
        Some(PhosphoGene) | Some(Acetylsite) => 0.5,
        Some(Mirna) | Some(CircularRna) | Some(CopyNumber) => 0.4,
        _ => 0.3,
    }
}

/// The initial directions for a study profile.
pub fn initial_directions(profile: &StudyProfile) -> Vec<Direction> {
    use datasets::LayerKind;
    let mut out = Vec::new();
    let mut push = |question: Question, priority: f64, rationale: String| {
        out.push(Direction {
            id: 0,
            question,
            priority: priority.clamp(0.0, 1.0),
            parent_step: None,
            rationale,
        });
    };
    let screen_layers: Vec<&crate::profile::LayerInfo> = profile
        .layers
        .iter()
        .filter(|l| l.kind != LayerKind::CopyNumber && l.kind != LayerKind::CircularRna)
        .collect();
    for layer in &screen_layers {
        let w = layer_weight(profile, &layer.name);
        if profile.has_tumor_normal {
            push(
                Question::TumorVsNormal {
                    layer: layer.name.clone(),
                },
                0.6 * w * two_group_power(profile.tumors, profile.normals),
                format!("{} tumours and {} normals", profile.tumors, profile.normals),
            );
        }
        for m in &profile.mutations {
            push(
                Question::MutationImpact {
                    gene: m.gene.clone(),
                    layer: layer.name.clone(),
                },
                w * two_group_power(m.carriers, m.wild_type),
                format!("{} carriers, {} wild-type", m.carriers, m.wild_type),
            );
        }
        for g in &profile.groupings {
            let (a, b) = (g.levels[0].1, g.levels[1].1);
            push(
                Question::ClinicalGroups {
                    variable: g.variable.clone(),
                    layer: layer.name.clone(),
                },
                w * clinical_relevance(&g.variable) * two_group_power(a, b),
                format!(
                    "{} ({} levels, largest {a} and {b})",
                    g.kind,
                    g.levels.len()
                ),
            );
        }
        for v in &profile.numeric_variables {
            push(
                Question::ClinicalNumeric {
                    variable: v.clone(),
                    layer: layer.name.clone(),
                },
                0.8 * w * clinical_relevance(v),
                "numeric clinical variable".into(),
            );
        }
        if profile.survival.is_some() {
            push(
                Question::Survival {
                    layer: layer.name.clone(),
                },
                w,
                "survival data present".into(),
            );
        }
        if matches!(layer.kind, LayerKind::Proteome | LayerKind::Rna)
            && !profile.groupings.is_empty()
        {
            push(
                Question::Subtypes {
                    layer: layer.name.clone(),
                },
                0.5 * w,
                "unsupervised structure may match clinical groups".into(),
            );
        }
    }
    let kinds: Vec<(&str, LayerKind)> = profile
        .layers
        .iter()
        .map(|l| (l.name.as_str(), l.kind))
        .collect();
    let find = |k: LayerKind| {
        kinds
            .iter()
            .find(|(_, kind)| *kind == k)
            .map(|(n, _)| n.to_string())
    };
    let chain = [
        (find(LayerKind::CopyNumber), find(LayerKind::Rna)),
        (find(LayerKind::Rna), find(LayerKind::Proteome)),
        (find(LayerKind::CopyNumber), find(LayerKind::Proteome)),
    ];
    for (source, target) in chain {
        if let (Some(source), Some(target)) = (source, target) {
            push(
                Question::Cis { source, target },
                0.7,
                "dosage effects propagate from DNA to RNA to protein".into(),
            );
        }
    }
    for (i, d) in out.iter_mut().enumerate() {
        d.id = i;
    }
    out
}

//! The typed vocabulary of what a run records about its hypotheses: the kind of test behind a
//! finding, the entities a hypothesis names, the role each piece of evidence plays, the score
//! breakdown and the replication (the hypothesis they make up is `model/hypothesis.rs`). The agent produces these values, the store keeps them and the
//! dashboard reads them back with the same types; JSON appears only at the storage and HTTP
//! edges, so a field renamed here is renamed everywhere by the compiler.

use crate::model::edge::RelationKind;
use crate::model::entity::EntityRef;
use crate::text_enum::text_enum;
use serde::{Deserialize, Serialize};
use std::fmt;

text_enum! {
    /// The statistical test that produced a finding.
    pub enum TestKind {
        /// Welch's t-test between two groups (effect: mean difference, std: Hedges' g).
        WelchT => "welch_t",
        /// Mann-Whitney U test between two groups (effect: mean difference, std: Hedges' g,
        /// statistic: the rank-biserial correlation; the p-value is the rank test's).
        MannWhitney => "mann_whitney",
        /// limma's moderated t between two groups (empirical-Bayes variance shrinkage over the
        /// layer; effect: mean difference, std: difference over the moderated sd).
        ModeratedT => "moderated_t",
        /// Paired t over matched samples of one participant, e.g. tumour vs its normal
        /// (effect: mean within-pair difference, std: mean over sd of the differences).
        PairedT => "paired_t",
        /// The group coefficient of an ordinary least-squares model with covariates.
        OlsT => "ols_t",
        /// Spearman rank correlation (effect: rho).
        Spearman => "spearman",
        /// Spearman correlation with the ranks of an ordinal variable's levels.
        SpearmanTrend => "spearman_trend",
        /// Wald test of a Cox proportional-hazards coefficient (effect: log HR per unit).
        CoxWald => "cox_wald",
        /// Firth-penalised Cox (Heinze & Schemper 2001), used where the ordinary Cox fit separates
        /// (monotone likelihood); penalised likelihood-ratio p (effect: log HR per unit).
        CoxFirth => "cox_firth",
        /// Hypergeometric over-representation (effect: log2 fold enrichment).
        Hypergeometric => "hypergeometric",
        /// Preranked GSEA of a screen's signed statistic with gene-set permutations (effect: the
        /// normalised enrichment score).
        Gsea => "gsea_preranked",
        /// CAMERA's competitive gene-set test corrected for inter-gene correlation (effect: the
        /// members' mean signed statistic minus the other genes').
        Camera => "camera",
        /// Chi-square test of a contingency table (effect: Cramér's V).
        ChiSquare => "chi_square",
    }
}

impl TestKind {
    /// Rank correlations, whose effect reads as a trend rather than a group difference.
    pub fn is_rank_correlation(self) -> bool {
        matches!(self, Self::Spearman | Self::SpearmanTrend)
    }

    /// Cox models, whose effect is a log hazard ratio.
    pub fn is_cox(self) -> bool {
        matches!(self, Self::CoxWald | Self::CoxFirth)
    }
}

text_enum! {
    /// What a piece of evidence does for its hypothesis.
    pub enum EvidenceRole {
        /// The finding the hypothesis grew from.
        Primary => "primary",
        /// The same contrast in another layer (is a protein change transcriptional?).
        Mechanism => "mechanism",
        /// The finding re-tested with covariates (purity, batch, stage).
        Adjusted => "adjusted",
        /// A gene set enriched among the changed features that contains the gene.
        Pathway => "pathway",
        /// One link of a copy number -> RNA -> protein chain.
        Cis => "cis",
    }
}

text_enum! {
    /// Who wrote a hypothesis statement.
    pub enum StatementSource {
        /// Built from the findings by the kind's template.
        Template => "template",
        /// Prose from a language model whose every number matched a cited finding.
        Llm => "llm",
    }
}

/// Statements are the template's unless a language model's prose was checked and kept.
impl Default for StatementSource {
    fn default() -> Self {
        Self::Template
    }
}

/// An entity a hypothesis names. Stored and shown as `kind:name` text (`gene:TP53`,
/// `proteome:TP53`, `clinical:Stage`), the form hypotheses.json has always used; any other
/// prefix is the layer of a measured feature.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mention {
    Gene(String),
    /// A feature as one layer measures it (`proteome:TP53`, `phospho:AKT1-S473`).
    Feature {
        layer: String,
        feature: String,
    },
    /// Gene-level somatic mutation status.
    Mutation(String),
    /// A clinical variable (or a design variable such as overall survival).
    Clinical(String),
    /// One level of a clinical variable.
    ClinicalLevel {
        variable: String,
        level: String,
    },
    /// A gene set or pathway.
    Pathway(String),
    /// A group of samples (`tumour`, `proteome clusters`).
    SampleGroup(String),
    /// A data-driven module of co-varying features.
    Module(String),
}

/// Prefixes with a fixed meaning; any other prefix names a layer.
const GENE: &str = "gene";
const MUTATION: &str = "mutation";
const CLINICAL: &str = "clinical";
const CLINICAL_LEVEL: &str = "clinical_level";
const PATHWAY: &str = "pathway";
const SAMPLE_GROUP: &str = "sample_group";
const MODULE: &str = "module";

impl Mention {
    pub fn feature(layer: impl Into<String>, feature: impl Into<String>) -> Self {
        Self::Feature {
            layer: layer.into(),
            feature: feature.into(),
        }
    }

    /// The graph entity this mention stands for: a measured feature is its gene (or site), so
    /// evidence about `proteome:TP53` and `gene:TP53` lands on one node.
    pub fn entity(&self) -> EntityRef {
        match self {
            Self::Gene(g) => EntityRef::Gene(g.clone()),
            Self::Feature { feature, .. } => {
                EntityRef::from_feature(&datasets::FeatureId::new(feature.as_str()))
            }
            Self::Mutation(g) => EntityRef::Mutation(g.clone()),
            Self::Clinical(v) => EntityRef::ClinicalVariable(v.clone()),
            Self::ClinicalLevel { variable, level } => EntityRef::ClinicalLevel {
                variable: variable.clone(),
                level: level.clone(),
            },
            Self::Pathway(p) => EntityRef::GeneSet(p.clone()),
            Self::SampleGroup(g) | Self::Module(g) => EntityRef::SampleGroup(g.clone()),
        }
    }

    /// The clinical variable named, if this is one.
    pub fn clinical_variable(&self) -> Option<&str> {
        match self {
            Self::Clinical(v) | Self::ClinicalLevel { variable: v, .. } => Some(v),
            _ => None,
        }
    }
}

impl fmt::Display for Mention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Gene(g) => write!(f, "{GENE}:{g}"),
            Self::Feature { layer, feature } => write!(f, "{layer}:{feature}"),
            Self::Mutation(g) => write!(f, "{MUTATION}:{g}"),
            Self::Clinical(v) => write!(f, "{CLINICAL}:{v}"),
            Self::ClinicalLevel { variable, level } => {
                write!(f, "{CLINICAL_LEVEL}:{variable}={level}")
            }
            Self::Pathway(p) => write!(f, "{PATHWAY}:{p}"),
            Self::SampleGroup(g) => write!(f, "{SAMPLE_GROUP}:{g}"),
            Self::Module(m) => write!(f, "{MODULE}:{m}"),
        }
    }
}

/// Text that is not `kind:name`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an entity mention of the form kind:name")]
pub struct BadMention(pub String);

impl std::str::FromStr for Mention {
    type Err = BadMention;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (kind, name) = text
            .split_once(':')
            .ok_or_else(|| BadMention(text.to_owned()))?;
        let name = name.to_owned();
        Ok(match kind {
            GENE => Self::Gene(name),
            MUTATION => Self::Mutation(name),
            CLINICAL => Self::Clinical(name),
            CLINICAL_LEVEL => match name.split_once('=') {
                Some((variable, level)) => Self::ClinicalLevel {
                    variable: variable.to_owned(),
                    level: level.to_owned(),
                },
                None => return Err(BadMention(text.to_owned())),
            },
            PATHWAY => Self::Pathway(name),
            SAMPLE_GROUP => Self::SampleGroup(name),
            MODULE => Self::Module(name),
            layer => Self::Feature {
                layer: layer.to_owned(),
                feature: name,
            },
        })
    }
}

impl Serialize for Mention {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Mention {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A claim a hypothesis makes between two of its entities.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    pub subject: Mention,
    pub relation: RelationKind,
    pub object: Mention,
}

/// Whether a hypothesis held on samples it was not found on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplicationStatus {
    Replicated,
    NotReplicated,
    #[default]
    NotTested,
}

/// The re-test of a hypothesis on held-out samples or an external cohort.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Replication {
    pub status: ReplicationStatus,
    /// Where it was re-tested: `held-out samples` or the external study's name.
    pub cohort: String,
    pub effect: Option<f64>,
    pub p: Option<f64>,
    pub n: Option<usize>,
    pub detail: String,
}

/// Why a hypothesis ranks where it does: every component of its score is kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoreBreakdown {
    /// -log10(q) of the primary finding, scaled to [0, 1] (q = 1e-10 or smaller scores 1).
    pub significance: f64,
    /// Standardised effect of the primary finding, scaled to [0, 1].
    pub effect: f64,
    /// Supporting follow-ups that agree, minus those that disagree, scaled to [0, 1].
    pub consistency: f64,
    pub reliability: f64,
    pub novelty: f64,
    pub clinical_relevance: f64,
    /// 1 when replicated on held-out samples, 0.5 when not testable there, 0 when not replicated.
    pub replication: f64,
    pub total: f64,
    /// Why novelty is what it is.
    pub novelty_reason: String,
    /// How well prior knowledge supports the relation (1 known, 0.7 partly known, 0.4
    /// unexplained): textbook support raises a hypothesis instead of lowering its rank.
    #[serde(default)]
    pub plausibility: f64,
    /// What prior knowledge says about the hypothesis's relation, with the reason and source
    /// (boxed: it is most of the score's size, and graph nodes stay small).
    #[serde(default)]
    pub knowledge: Box<Grounding>,
    /// Findings that disagree with the hypothesis; each one demotes it, with its reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contradictions: Vec<Contradiction>,
    /// What was tried when the hypothesis failed adjustment or replication: narrowed to a
    /// stratum of a confounder where the effect still holds, or tried and not held (boxed, as
    /// `knowledge`: graph nodes stay small).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refinement: Option<Box<Refinement>>,
}

/// Whether prior knowledge states a relation (`graph::knowledge::Explanation`, as recorded).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KnowledgeStatus {
    /// Textbook knowledge states it.
    Known,
    /// Knowledge reaches it one step away (a complex partner, a pathway neighbour, a linked
    /// concept).
    PartlyKnown,
    /// Nothing shipped links the entities: unstudied or implausible, not new by default.
    #[default]
    Unexplained,
}

impl KnowledgeStatus {
    /// The badge a reader sees: `known`, `partly known`, `new`.
    pub fn badge(self) -> &'static str {
        match self {
            Self::Known => "known",
            Self::PartlyKnown => "partly known",
            Self::Unexplained => "new",
        }
    }

    /// The status a novelty value stands for where nothing else says (a score recorded before
    /// knowledge grounding; a kind whose design caps novelty when the hypothesis names no pair
    /// of entities to look up): below 0.4 known, below 0.7 partly known.
    pub fn from_novelty(novelty: f64) -> Self {
        if novelty < 0.4 {
            Self::Known
        } else if novelty < 0.7 {
            Self::PartlyKnown
        } else {
            Self::Unexplained
        }
    }
}

/// What prior knowledge says about a hypothesis: the strongest explanation over the pairs of
/// entities it names, and why the concepts it touches matter.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Grounding {
    pub status: KnowledgeStatus,
    /// The two entities explained (empty when nothing was).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub between: Vec<Mention>,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub source: String,
    /// "Why it matters" lines of the concepts the hypothesis names, each with its source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub why_it_matters: Vec<String>,
}

/// How a finding disagrees with a hypothesis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContradictionKind {
    /// The same gene moves the opposite way in another layer for the same contrast.
    OppositeLayers,
    /// The effect is no longer detected after adjustment for confounders.
    VanishesAfterAdjustment,
    /// The effect changes sign (significantly) after adjustment.
    ReversesAfterAdjustment,
    /// The re-test on held-out samples (or another cohort) did not confirm it.
    FailedReplication,
}

impl ContradictionKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::OppositeLayers => "opposite direction in another layer",
            Self::VanishesAfterAdjustment => "vanishes after adjustment",
            Self::ReversesAfterAdjustment => "reverses after adjustment",
            Self::FailedReplication => "failed replication",
        }
    }
}

/// One finding that disagrees with a hypothesis, in words with its numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contradiction {
    pub kind: ContradictionKind,
    pub detail: String,
    /// The findings (`F<step>.<row>`) that disagree, when they are in the ledger.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
}

/// How refining a hypothesis that failed adjustment or replication ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RefinementOutcome {
    /// The effect holds, with the same sign, within one level (`stratum`) of a confounder
    /// (`variable`): the hypothesis is restated for that stratum.
    Narrowed { variable: String, stratum: String },
    /// No stratum showed the effect: the demotion stands.
    NotHeld,
    /// Some strata showed the effect, but the strata do not differ (Cochran's Q): no stratum
    /// explains the failure, and the demotion stands.
    Uniform,
    /// A stratum showed the effect, but no other stratum of its confounder could be tested to
    /// compare it with: whether the effect is confined there is unknown; the demotion stands.
    Undecided,
}

/// A hypothesis re-tested within the strata of a confounder on the discovery samples (each
/// stratified test is a ledger row, cited in `findings`), and, when narrowed, the narrowed claim
/// re-tested on the held-out samples of the same stratum.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refinement {
    #[serde(flatten)]
    pub outcome: RefinementOutcome,
    /// Why refinement was tried: the adjustment or replication the claim failed.
    pub trigger: String,
    /// What was tried and what each stratum showed, in words with its numbers.
    pub detail: String,
    /// The stratified re-tests (`F<step>.<row>`) on the discovery samples.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    /// The narrowed claim's re-test on held-out samples of its stratum (narrowed only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication: Option<Replication>,
}

impl Refinement {
    /// One line a reader sees: `narrowed to MSS (MSI_status)` or `refinement tried: ..., did
    /// not hold`.
    pub fn headline(&self) -> String {
        match &self.outcome {
            RefinementOutcome::Narrowed { variable, stratum } => {
                format!("narrowed to {stratum} ({variable})")
            }
            RefinementOutcome::NotHeld => "refinement tried, did not hold".to_owned(),
            RefinementOutcome::Uniform => "refinement tried, the same in every stratum".to_owned(),
            RefinementOutcome::Undecided => {
                "refinement tried, strata could not be compared".to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refinement_is_stored_flat_with_its_outcome() {
        let narrowed = Refinement {
            outcome: RefinementOutcome::Narrowed {
                variable: "MSI_status".into(),
                stratum: "MSS".into(),
            },
            trigger: "vanishes after adjustment".into(),
            detail: "refinement tried: ...".into(),
            findings: vec!["F4.0".into()],
            replication: None,
        };
        let stored = serde_json::to_value(&narrowed).unwrap();
        assert_eq!(stored["outcome"], "narrowed");
        assert_eq!(stored["stratum"], "MSS");
        assert_eq!(
            serde_json::from_value::<Refinement>(stored).unwrap(),
            narrowed
        );
        assert_eq!(narrowed.headline(), "narrowed to MSS (MSI_status)");
        // Scores stored before refinements existed read back without one.
        let old: ScoreBreakdown = serde_json::from_str(
            r#"{"significance":1,"effect":1,"consistency":1,"reliability":1,"novelty":0.5,
                "clinical_relevance":0.5,"replication":1,"total":0.8,"novelty_reason":""}"#,
        )
        .unwrap();
        assert!(old.refinement.is_none());
    }

    #[test]
    fn mentions_read_back_as_written() {
        for text in [
            "gene:TP53",
            "proteome:TP53",
            "phospho:AKT1-S473",
            "mutation:PTEN",
            "clinical:Histologic_type",
            "clinical_level:Stage=III",
            "pathway:GO:0006915",
            "sample_group:proteome clusters",
            "module:M3",
        ] {
            let m: Mention = text.parse().unwrap();
            assert_eq!(m.to_string(), text);
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(serde_json::from_str::<Mention>(&json).unwrap(), m);
        }
        assert_eq!(
            "proteome:TP53".parse::<Mention>().unwrap(),
            Mention::feature("proteome", "TP53")
        );
        assert!("no colon".parse::<Mention>().is_err());
        assert!("clinical_level:no level".parse::<Mention>().is_err());
    }

    #[test]
    fn a_feature_mention_is_its_gene_in_the_graph() {
        assert_eq!(
            Mention::feature("proteome", "TP53").entity(),
            EntityRef::Gene("TP53".into())
        );
        assert_eq!(
            Mention::Pathway("GO:1".into()).entity(),
            EntityRef::GeneSet("GO:1".into())
        );
    }
}

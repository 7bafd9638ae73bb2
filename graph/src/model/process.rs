//! Process nodes: what the research agent did (directions, analyses), what it saw (findings) and
//! what it concluded (hypotheses). Together they make every claim traceable to data.

use crate::ids::{AnalysisId, DirectionId, EdgeId, EntityId, RunId};
use crate::model::edge::RelationKind;
use crate::model::entity::EntityClass;
use crate::model::hypothesis::Hypothesis;
use crate::model::vocab::TestKind;
use crate::text_enum::text_enum;
use crate::time::Timestamp;
use datasets::{FeatureId, SampleId};
use serde::{Deserialize, Serialize};

/// One run of the research agent. Runs scope process nodes so several runs share one store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub id: RunId,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub started_at: Timestamp,
}

/// A research direction: a question stated as a relationship between entity classes, e.g.
/// "does mutation of G change the abundance of proteins?".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Direction {
    pub run: RunId,
    pub question: String,
    pub subject: EntityClass,
    pub relation: RelationKind,
    pub object: EntityClass,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    pub created_at: Timestamp,
}

/// A data file an analysis read, with the hash of its content at the time.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InputFile {
    pub path: String,
    /// Lower-case hex SHA-256 of the file content.
    pub sha256: String,
}

/// One execution of a statistical module on one study's data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub run: RunId,
    /// The study entity whose data was analysed.
    pub study: EntityId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<DirectionId>,
    /// Module name as the analysis crate calls it (`differential_abundance`, `cox`, ...).
    pub module: String,
    pub params: serde_json::Value,
    pub input_layers: Vec<String>,
    pub sample_set: Vec<SampleId>,
    pub inputs: Vec<InputFile>,
    /// Content hash over the inputs' hashes, layers and samples; equal hashes mean the same data.
    pub input_hash: String,
    pub software_version: String,
    pub created_at: Timestamp,
    /// How many findings this analysis produced. Written with them in one transaction, so a
    /// store whose counts disagree was damaged outside SQLite's guarantees.
    pub n_findings: u32,
}

text_enum! {
    /// Sign of a finding's effect.
    pub enum EffectSign {
        Positive => "positive",
        Negative => "negative",
        Zero => "zero",
    }
}

impl EffectSign {
    pub fn of(effect: f64) -> Self {
        if effect > 0.0 {
            Self::Positive
        } else if effect < 0.0 {
            Self::Negative
        } else {
            Self::Zero
        }
    }
}

/// One statistical result about one feature and one variable or contrast.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub analysis: AnalysisId,
    /// Data layer of the feature (`proteomics`, `phosphoproteomics`, ...).
    pub layer: String,
    pub feature: FeatureId,
    /// The clinical variable, mutation or other covariate tested against.
    pub variable: String,
    /// Contrast within the variable (`Tumor vs Normal`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contrast: Option<String>,
    /// The test that produced it; stored as its stable text (`welch_t`, `spearman`, `cox_wald`).
    pub test: TestKind,
    pub statistic: f64,
    /// Effect size on the module's natural scale (log2 fold change, rho, log HR).
    pub effect: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_high: Option<f64>,
    pub p: f64,
    /// Multiple-testing adjusted p (FDR), when the module computed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<f64>,
    /// Observations used.
    pub n: u32,
    pub direction: EffectSign,
    /// The entity relation this finding supports, if it was stated as a claim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<EdgeId>,
    /// A caveat the analysis put on the result (a failed proportional-hazards check, a Firth
    /// rescue of a separating Cox fit), so readers of the store see what findings.tsv says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

text_enum! {
    /// Life cycle of a hypothesis.
    pub enum HypothesisStatus {
        /// Stated, not yet tested further.
        Proposed => "proposed",
        /// Follow-up analyses are under way.
        Testing => "testing",
        /// Evidence holds up (replication, robustness).
        Supported => "supported",
        /// Evidence speaks against it.
        Refuted => "refuted",
        /// Dropped without a verdict (duplicate, out of scope).
        Retired => "retired",
    }
}

/// A hypothesis as the graph holds it: the whole [`Hypothesis`] the agent stated, with its life
/// cycle in the store around it. Kept whole, not as a projection, so the dashboard reads the
/// same evidence, entities and statement source as hypotheses.json.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HypothesisRecord {
    pub run: RunId,
    pub status: HypothesisStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Boxed: it is most of the node's size, and graph nodes stay small.
    pub hypothesis: Box<Hypothesis>,
}

text_enum! {
    /// Whether a finding speaks for or against a hypothesis.
    pub enum Stance {
        Supports => "supports",
        Contradicts => "contradicts",
    }
}

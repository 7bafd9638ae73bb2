//! Follow-up: which gene sets move with an analysis's contrast.
//!
//! A careful analyst does not stop at over-representation of a hit list (which depends on an
//! arbitrary cut-off and treats genes as independent): the whole screen's signed statistic is
//! ranked and tested by preranked GSEA with gene-set permutations, and by CAMERA, which corrects
//! the competitive test for the correlation between a set's genes (estimated from the screen's
//! residuals where its samples and groups are known, limma's fixed 0.01 otherwise). Questions
//! stored before the ranking existed (no `ranking`) run the over-representation test as then.

use super::QuestionKind;
use super::novelty::{clinical_link, clinical_variables_relevance};
use super::relations::{DirectionClasses, claim};
use crate::execute::{Context, ExecError, Produced, explore, gene_sets};
use crate::hypothesis::Candidate;
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, TestRow};
use graph::{Claim, EntityClass, EntityKind, EntityRef, RelationKind};
use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Enrichment {
    /// The analysis whose changed features are tested.
    pub source_step: usize,
    pub label: String,
    pub up: Vec<String>,
    pub down: Vec<String>,
    pub universe: Vec<String>,
    /// The screen's signed statistic over its features, for GSEA and CAMERA; `None` in
    /// questions journaled before it existed (over-representation only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranking: Option<Box<Ranking>>,
}

/// One contrast of a screen as a ranked list: one feature per gene (its smallest p), scored by
/// the signed normal quantile of its two-sided p-value, `sign(effect) * z(p / 2)`. The z-scale
/// makes every test's rows comparable (rank tests, moderated t, Cox) and is what CAMERA's
/// variance formula expects of a gene-wise statistic.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ranking {
    /// The screen's contrast the scores are from (a categorical variable has several).
    pub contrast: String,
    /// The test whose p-values were turned into scores.
    pub test: graph::TestKind,
    pub features: Vec<String>,
    pub scores: Scores,
    /// The screen's layer and two-group variable, when its samples can be regrouped: CAMERA
    /// then estimates each set's inter-gene correlation from the within-group residuals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<RankingGroups>,
}

/// Where the ranked screen's samples come from: a layer and a two-group contrast of a variable
/// (a clinical variable or `<GENE> mutation`), as `execute::groups::contrast_groups` rebuilds it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RankingGroups {
    pub layer: String,
    pub variable: String,
}

/// Finite scores, compared and hashed bit for bit (a question is a hash key).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Scores(pub Vec<f64>);

impl PartialEq for Scores {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|(a, b)| a.to_bits() == b.to_bits())
    }
}

impl Eq for Scores {}

impl Hash for Scores {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for v in &self.0 {
            v.to_bits().hash(state);
        }
    }
}

impl QuestionKind for Enrichment {
    const FOLLOW_UP: bool = true;
    const LABEL_DEPENDENT: bool = true;

    super::follow_up_parts!();

    fn describe(&self) -> String {
        match &self.ranking {
            Some(_) => format!("pathways moving with {} (GSEA, CAMERA)", self.label),
            None => format!("pathways enriched among {}", self.label),
        }
    }

    fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError> {
        match &self.ranking {
            Some(ranking) => gene_sets::ranked_set_tests(ctx, &self.label, ranking),
            None => explore::enrichment(ctx, &self.label, &self.up, &self.down, &self.universe),
        }
    }

    fn claim(&self, row: &TestRow, ledger: &Ledger) -> Option<Claim> {
        let source = ledger.analysis(self.source_step)?;
        let object = source.direction.question.enrichment_target()?;
        claim(
            EntityRef::GeneSet(row.feature.clone()),
            RelationKind::EnrichedIn,
            object,
        )
    }

    fn direction_classes(&self, _layers: &[String]) -> DirectionClasses {
        DirectionClasses::new(
            EntityClass::new(EntityKind::GeneSet),
            RelationKind::EnrichedIn,
            EntityClass::new(EntityKind::ClinicalVariable),
        )
    }

    fn novelty(h: &Candidate, _knowledge: &Knowledge) -> (f64, String) {
        clinical_link(h)
    }

    fn clinical_relevance(h: &Candidate) -> f64 {
        clinical_variables_relevance(h)
    }
}

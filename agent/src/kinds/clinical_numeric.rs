//! A numeric clinical variable vs a layer (Spearman).

use super::adjusted_groups::AdjustedGroups;
use super::clinical_groups::{clinical_classes, clinical_statement};
use super::follow::{FollowUpContext, confounders, enrichment, prognostic_covariates};
use super::novelty::{clinical_link, clinical_variables_relevance};
use super::priors::{clinical_relevance, layer_weight, screen_layers};
use super::relations::{DirectionClasses, claim, feature_entity};
use super::truth::{layer_is, names_feature};
use super::{PlotKind, Proposal, Question, QuestionKind};
use crate::execute::{Context, ExecError, Produced, association};
use crate::hypothesis::{Candidate, Draft, ValidationKey};
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, TestRow};
use crate::profile::StudyProfile;
use datasets::Study;
use datasets::synth::PlantedRelation;
use graph::{Claim, EntityRef, RelationKind};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClinicalNumeric {
    pub variable: String,
    pub layer: String,
}

impl QuestionKind for ClinicalNumeric {
    const FOLLOW_UP: bool = false;
    const LABEL_DEPENDENT: bool = true;

    fn propose(profile: &StudyProfile) -> Vec<Proposal> {
        let mut out = Vec::new();
        for (position, layer) in screen_layers(profile) {
            let w = layer_weight(profile, &layer.name);
            for v in &profile.numeric_variables {
                out.push(Proposal {
                    question: Self {
                        variable: v.clone(),
                        layer: layer.name.clone(),
                    }
                    .into(),
                    priority: 0.8 * w * clinical_relevance(v),
                    rationale: "numeric clinical variable".into(),
                    layer: Some(position),
                });
            }
        }
        out
    }

    fn describe(&self) -> String {
        format!("clinical {} (numeric) -> {}", self.variable, self.layer)
    }

    fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError> {
        association::clinical_numeric(ctx, &self.variable, &self.layer)
    }

    /// Adjustment first (does the correlation hold with purity, batch, stage and grade in the
    /// model, by ranks like the screen), then the pathways of the correlated features.
    fn follow_ups(&self, opened: &FollowUpContext<'_>) -> Vec<(Question, String)> {
        let mut out = Vec::new();
        let mut covariates =
            confounders(opened, crate::confounders::Tested::Clinical(&self.variable));
        covariates.extend(prognostic_covariates(opened.study));
        covariates.retain(|c| c != &self.variable);
        if !covariates.is_empty() {
            out.push((
                AdjustedGroups {
                    variable: self.variable.clone(),
                    layer: self.layer.clone(),
                    features: opened.features.clone(),
                    covariates,
                }
                .into(),
                format!(
                    "{}: explained by purity, batch, stage or grade?",
                    opened.why
                ),
            ));
        }
        out.extend(enrichment(
            opened,
            &format!("{} correlated with {}", self.layer, self.variable),
            None,
        ));
        out
    }

    fn statement(&self, draft: &mut Draft<'_>) -> Option<String> {
        Some(clinical_statement(draft, &self.variable, &self.layer))
    }

    fn chained(_ledger: &Ledger) -> Vec<Candidate> {
        Vec::new()
    }

    fn claim(&self, row: &TestRow, _ledger: &Ledger) -> Option<Claim> {
        claim(
            feature_entity(row),
            RelationKind::CorrelatesWith,
            EntityRef::ClinicalVariable(self.variable.clone()),
        )
    }

    fn direction_classes(&self, layers: &[String]) -> DirectionClasses {
        clinical_classes(&self.variable, layers)
    }

    fn subject(&self) -> Option<crate::coverage::Subject> {
        Some(crate::coverage::Subject::Variable(self.variable.clone()))
    }

    fn enrichment_target(&self) -> Option<EntityRef> {
        Some(EntityRef::ClinicalVariable(self.variable.clone()))
    }

    fn adjusted_grouping(&self) -> Option<(String, &str)> {
        Some((self.variable.clone(), &self.layer))
    }

    fn novelty(h: &Candidate, _knowledge: &Knowledge) -> (f64, String) {
        clinical_link(h)
    }

    fn clinical_relevance(h: &Candidate) -> f64 {
        clinical_variables_relevance(h)
    }

    fn plot(
        &self,
        _layers: &[String],
        _variable: &str,
        _contrast: &str,
        _gene: Option<&str>,
    ) -> Option<PlotKind> {
        Some(PlotKind::Numeric {
            variable: self.variable.clone(),
            layer: self.layer.clone(),
        })
    }

    fn matches_truth(&self, study: &Study, key: &ValidationKey, planted: &PlantedRelation) -> bool {
        let PlantedRelation::ClinicalNumericAssociation {
            variable,
            layer,
            features,
            effect,
        } = planted
        else {
            return false;
        };
        self.variable == variable.column()
            && layer_is(study, &self.layer, *layer)
            && names_feature(features, &key.feature)
            && key.effect_sign == effect.signum()
    }
}

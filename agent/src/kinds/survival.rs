//! Univariate Cox regression of every feature of a layer.

use super::adjusted_survival::AdjustedSurvival;
use super::follow::{FollowUpContext, prognostic_covariates};
use super::novelty::clinical_link;
use super::priors::{layer_weight, screen_layers};
use super::relations::{DirectionClasses, claim, feature_entity, features};
use super::truth::layer_is;
use super::{Kind, PlotKind, Proposal, Question, QuestionKind};
use crate::execute::{Context, ExecError, Produced, survival as cox};
use crate::hypothesis::{
    Candidate, Draft, ValidationKey, evidence, find_follow_up, fmt_effect, fmt_p,
};
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, TestRow};
use crate::profile::StudyProfile;
use datasets::Study;
use datasets::synth::PlantedRelation;
use graph::{
    Claim, EntityClass, EntityKind, EntityRef, EvidenceRole, Mention, Relation, RelationKind,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Survival {
    pub layer: String,
    /// The survival outcome (`OS`, `PFS`, ...); `None` is the study's first, as questions
    /// stored before studies had several outcomes mean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

impl Survival {
    /// The outcome's name in statements and graph relations.
    fn outcome_name(&self) -> &str {
        self.outcome.as_deref().unwrap_or("overall_survival")
    }
}

impl QuestionKind for Survival {
    const FOLLOW_UP: bool = false;
    const LABEL_DEPENDENT: bool = true;

    /// One screen per layer and survival outcome.
    fn propose(profile: &StudyProfile) -> Vec<Proposal> {
        let mut out = Vec::new();
        for (position, layer) in screen_layers(profile) {
            for outcome in &profile.survival_outcomes {
                out.push(Proposal {
                    question: Self {
                        layer: layer.name.clone(),
                        outcome: Some(outcome.clone()),
                    }
                    .into(),
                    priority: layer_weight(profile, &layer.name),
                    rationale: format!("survival outcome {outcome}"),
                    layer: Some(position),
                });
            }
        }
        out
    }

    fn describe(&self) -> String {
        match &self.outcome {
            Some(outcome) => format!("{} -> survival ({outcome})", self.layer),
            None => format!("{} -> overall survival", self.layer),
        }
    }

    fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError> {
        cox::survival(ctx, &self.layer, self.outcome.as_deref(), None)
    }

    fn follow_ups(&self, opened: &FollowUpContext<'_>) -> Vec<(Question, String)> {
        let covariates = prognostic_covariates(opened.study);
        if covariates.is_empty() {
            return Vec::new();
        }
        vec![(
            AdjustedSurvival {
                layer: self.layer.clone(),
                features: opened.features.clone(),
                covariates,
                outcome: self.outcome.clone(),
            }
            .into(),
            format!("{}: independent of stage and grade?", opened.why),
        )]
    }

    fn statement(&self, draft: &mut Draft<'_>) -> Option<String> {
        let (layer, row, q, ledger) = (&self.layer, draft.row, draft.q, draft.ledger);
        let outcome = self.outcome_name();
        draft.entities.push(Mention::Clinical(outcome.into()));
        draft.relations.push(Relation {
            subject: draft.feature.clone(),
            relation: RelationKind::PrognosticFor,
            object: Mention::Clinical(outcome.into()),
        });
        let what = match &self.outcome {
            Some(o) => format!("survival ({o})"),
            None => "survival".to_owned(),
        };
        let mut s = format!(
            "higher {} {layer} predicts {} {what} (HR per unit {} [{}, {}], q={})",
            row.feature,
            if row.effect > 0.0 {
                "shorter"
            } else {
                "longer"
            },
            fmt_effect(row.effect.exp()),
            fmt_effect(row.ci_low.exp()),
            fmt_effect(row.ci_high.exp()),
            fmt_p(q)
        );
        if let Some((i, r)) = find_follow_up(
            ledger,
            Kind::AdjustedSurvival,
            |fq| matches!(fq, Question::AdjustedSurvival(a) if &a.layer == layer && a.outcome == self.outcome),
            |fr| fr.feature == row.feature,
        ) {
            let fr = &ledger.analyses()[i].rows[r];
            draft
                .evidence
                .extend(evidence(ledger, i, r, EvidenceRole::Adjusted));
            let holds = fr.p < 0.05 && fr.effect.signum() == row.effect.signum();
            s.push_str(&format!(
                "; {} after adjustment ({}: HR {}, p={})",
                if holds {
                    "it holds"
                } else {
                    "it does not hold"
                },
                fr.contrast,
                fmt_effect(fr.effect.exp()),
                fmt_p(fr.p)
            ));
        }
        Some(s)
    }

    fn chained(_ledger: &Ledger) -> Vec<Candidate> {
        Vec::new()
    }

    fn claim(&self, row: &TestRow, _ledger: &Ledger) -> Option<Claim> {
        prognostic_claim(row)
    }

    fn direction_classes(&self, layers: &[String]) -> DirectionClasses {
        prognostic_classes(layers)
    }

    fn subject(&self) -> Option<crate::coverage::Subject> {
        self.outcome.clone().map(crate::coverage::Subject::Survival)
    }

    fn enrichment_target(&self) -> Option<EntityRef> {
        None
    }

    fn adjusted_grouping(&self) -> Option<(String, &str)> {
        None
    }

    fn novelty(h: &Candidate, _knowledge: &Knowledge) -> (f64, String) {
        clinical_link(h)
    }

    fn clinical_relevance(_h: &Candidate) -> f64 {
        1.0
    }

    fn plot(
        &self,
        _layers: &[String],
        _variable: &str,
        _contrast: &str,
        _gene: Option<&str>,
    ) -> Option<PlotKind> {
        Some(PlotKind::Survival {
            layer: self.layer.clone(),
            outcome: self.outcome.clone(),
        })
    }

    fn matches_truth(&self, study: &Study, key: &ValidationKey, planted: &PlantedRelation) -> bool {
        let PlantedRelation::SurvivalAssociation { feature, layer, .. } = planted else {
            return false;
        };
        feature.as_str() == key.feature && layer_is(study, &self.layer, *layer)
    }
}

/// A feature prognostic for the outcome its row names.
pub fn prognostic_claim(row: &TestRow) -> Option<Claim> {
    claim(
        feature_entity(row),
        RelationKind::PrognosticFor,
        EntityRef::ClinicalVariable(row.variable.clone()),
    )
}

/// A layer's features prognostic for a clinical outcome.
pub fn prognostic_classes(layers: &[String]) -> DirectionClasses {
    DirectionClasses::new(
        features(layers),
        RelationKind::PrognosticFor,
        EntityClass::new(EntityKind::ClinicalVariable),
    )
}

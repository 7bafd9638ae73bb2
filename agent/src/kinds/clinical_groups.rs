//! A clinical grouping (binary, categorical, ordinal) vs a layer: the two largest levels are
//! contrasted, ordinal variables are also tested for trend.

use super::adjusted_groups::AdjustedGroups;
use super::follow::{FollowUpContext, confounders, enrichment, phospho_beyond_protein, stratified};
use super::novelty::{clinical_link, clinical_variables_relevance};
use super::priors::{clinical_relevance, layer_weight, screen_layers, two_group_power};
use super::relations::{DirectionClasses, claim, feature_entity, features, sign_relation};
use super::truth::{layer_is, names_feature};
use super::{PlotKind, Proposal, Question, QuestionKind};
use crate::confounders::Tested;
use crate::execute::{Context, ExecError, Produced, groups};
use crate::hypothesis::{Candidate, Draft, ValidationKey, fmt_effect, fmt_p, higher_lower};
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, TestRow};
use crate::profile::StudyProfile;
use datasets::Study;
use datasets::synth::PlantedRelation;
use graph::{Claim, EntityClass, EntityKind, EntityRef, Mention, Relation, RelationKind};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClinicalGroups {
    pub variable: String,
    pub layer: String,
}

impl QuestionKind for ClinicalGroups {
    const FOLLOW_UP: bool = false;
    const LABEL_DEPENDENT: bool = true;

    fn propose(profile: &StudyProfile) -> Vec<Proposal> {
        let mut out = Vec::new();
        for (position, layer) in screen_layers(profile) {
            let w = layer_weight(profile, &layer.name);
            for g in &profile.groupings {
                let (a, b) = (g.levels[0].1, g.levels[1].1);
                out.push(Proposal {
                    question: Self {
                        variable: g.variable.clone(),
                        layer: layer.name.clone(),
                    }
                    .into(),
                    priority: w * clinical_relevance(&g.variable) * two_group_power(a, b),
                    rationale: format!(
                        "{} ({} levels, largest {a} and {b})",
                        g.kind,
                        g.levels.len()
                    ),
                    layer: Some(position),
                });
            }
        }
        out
    }

    fn describe(&self) -> String {
        format!("clinical {} -> {}", self.variable, self.layer)
    }

    fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError> {
        groups::clinical_groups(ctx, &self.variable, &self.layer)
    }

    fn follow_ups(&self, opened: &FollowUpContext<'_>) -> Vec<(Question, String)> {
        let (variable, layer) = (&self.variable, &self.layer);
        let mut out = Vec::new();
        let covariates = confounders(opened, Tested::Clinical(variable));
        if !covariates.is_empty() {
            let why = format!("{}: explained by {}?", opened.why, covariates.join(", "));
            out.push((
                AdjustedGroups {
                    variable: variable.clone(),
                    layer: layer.clone(),
                    features: opened.features.clone(),
                    covariates: covariates.clone(),
                }
                .into(),
                why,
            ));
        }
        out.extend(stratified(opened, variable, layer, &covariates));
        out.extend(enrichment(
            opened,
            &format!("{layer} differing by {variable}"),
            Some((layer, variable)),
        ));
        out.extend(phospho_beyond_protein(opened, layer, variable));
        out
    }

    fn statement(&self, draft: &mut Draft<'_>) -> Option<String> {
        Some(clinical_statement(draft, &self.variable, &self.layer))
    }

    fn chained(_ledger: &Ledger) -> Vec<Candidate> {
        Vec::new()
    }

    fn claim(&self, row: &TestRow, _ledger: &Ledger) -> Option<Claim> {
        grouping_claim(&self.variable, row)
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
        contrast: &str,
        _gene: Option<&str>,
    ) -> Option<PlotKind> {
        Some(PlotKind::Groups {
            variable: self.variable.clone(),
            layer: self.layer.clone(),
            contrast: contrast.to_owned(),
        })
    }

    fn matches_truth(&self, study: &Study, key: &ValidationKey, planted: &PlantedRelation) -> bool {
        let PlantedRelation::ClinicalGroupDifference {
            variable,
            layer,
            features,
            ..
        } = planted
        else {
            return false;
        };
        self.variable == variable.column()
            && layer_is(study, &self.layer, *layer)
            && names_feature(features, &key.feature)
    }
}

/// The statement of a feature differing by (or trending with) a clinical variable; shared with
/// numeric clinical variables, whose findings read the same way.
pub fn clinical_statement(draft: &mut Draft<'_>, variable: &str, layer: &str) -> String {
    let (row, q) = (draft.row, draft.q);
    draft.entities.push(Mention::Clinical(variable.to_owned()));
    draft.relations.push(Relation {
        subject: Mention::Clinical(variable.to_owned()),
        relation: RelationKind::AssociatedWith,
        object: draft.feature.clone(),
    });
    if row.test.is_rank_correlation() {
        format!(
            "{} {layer} {} with {variable} ({}: rho {}, q={})",
            row.feature,
            if row.effect > 0.0 { "rises" } else { "falls" },
            row.contrast,
            fmt_effect(row.effect),
            fmt_p(q)
        )
    } else {
        let (a_level, b_level) = row
            .contrast
            .split_once(" vs ")
            .unwrap_or((&row.contrast, "others"));
        // Numeric codes read badly alone ("1 tumours"): name the variable with them.
        let group = |level: &str| {
            if level.parse::<f64>().is_ok() {
                format!("tumours with {variable} = {level}")
            } else if level == "rest" || level == "others" {
                "other tumours".to_owned()
            } else {
                format!("{level} tumours ({variable})")
            }
        };
        format!(
            "{} have {} {} {layer} than {} ({})",
            group(a_level),
            higher_lower(row.effect),
            row.feature,
            group(b_level).replace(&format!(" ({variable})"), ""),
            draft.stats
        )
    }
}

/// The relation a group difference supports: higher or lower in a mutation or a clinical level,
/// or an association with the variable for trends.
pub fn grouping_claim(variable: &str, row: &TestRow) -> Option<Claim> {
    if let Some(gene) = variable.strip_suffix(" mutation") {
        return claim(
            feature_entity(row),
            sign_relation(row.effect),
            EntityRef::Mutation(gene.to_owned()),
        );
    }
    match row.contrast.split_once(" vs ") {
        Some((level, _)) if !row.test.is_rank_correlation() => claim(
            feature_entity(row),
            sign_relation(row.effect),
            EntityRef::ClinicalLevel {
                variable: variable.to_owned(),
                level: level.to_owned(),
            },
        ),
        _ => claim(
            feature_entity(row),
            RelationKind::AssociatedWith,
            EntityRef::ClinicalVariable(variable.to_owned()),
        ),
    }
}

/// A clinical variable associated with a layer's features.
pub fn clinical_classes(variable: &str, layers: &[String]) -> DirectionClasses {
    DirectionClasses::new(
        EntityClass::new(EntityKind::ClinicalVariable),
        RelationKind::AssociatedWith,
        features(layers),
    )
    .focused_on(EntityRef::ClinicalVariable(variable.to_owned()))
}

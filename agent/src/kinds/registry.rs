//! The one list of question kinds. Each line names a kind and the module type implementing
//! [`QuestionKind`] for it; the macro below turns the list into the [`Question`] enum (the
//! question's data, stored in journals and hypotheses.json as `{"type": "<kind>", ...}`), the
//! [`Kind`] enum the planner learns about, and `match`-based dispatch to each kind's parts.

use super::{
    DirectionClasses, FollowUpContext, PlotKind, Proposal, QuestionKind, adjusted_groups,
    adjusted_survival, cis, clinical_groups, clinical_numeric, enrichment, modules,
    mutation_impact, mutation_mechanism, pathway_scores, phospho_adjusted, stratified, subtypes,
    survival, tumor_vs_normal,
};
use crate::execute::{Context, ExecError, Produced};
use crate::hypothesis::{Candidate, Draft, ValidationKey};
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, TestRow};
use crate::profile::StudyProfile;
use datasets::Study;
use datasets::synth::PlantedRelation;
use graph::{Claim, EntityRef};
use serde::{Deserialize, Serialize};

macro_rules! question_kinds {
    ($( $(#[$doc:meta])* $variant:ident => $ty:ty ),+ $(,)?) => {
        /// A question the agent can ask: one variant per registered kind, holding its parameters.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(tag = "type", rename_all = "snake_case")]
        pub enum Question {
            $( $(#[$doc])* $variant($ty), )+
        }

        /// The kind of a question, the unit the planner learns about and the q-value stratum.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Kind {
            $( $(#[$doc])* $variant, )+
        }

        $(
            impl From<$ty> for Question {
                fn from(q: $ty) -> Self {
                    Question::$variant(q)
                }
            }
        )+

        impl Kind {
            /// Every kind, in registry (proposal) order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),+];

            pub fn is_follow_up(self) -> bool {
                match self { $(Kind::$variant => <$ty as QuestionKind>::FOLLOW_UP,)+ }
            }

            pub fn is_label_dependent(self) -> bool {
                match self { $(Kind::$variant => <$ty as QuestionKind>::LABEL_DEPENDENT,)+ }
            }

            pub fn screens_many_subjects(self) -> bool {
                match self { $(Kind::$variant => <$ty as QuestionKind>::SCREENS_MANY_SUBJECTS,)+ }
            }

            pub fn propose(self, profile: &StudyProfile) -> Vec<Proposal> {
                match self { $(Kind::$variant => <$ty as QuestionKind>::propose(profile),)+ }
            }

            pub fn chained(self, ledger: &Ledger) -> Vec<Candidate> {
                match self { $(Kind::$variant => <$ty as QuestionKind>::chained(ledger),)+ }
            }

            pub fn novelty(self, h: &Candidate, knowledge: &Knowledge) -> (f64, String) {
                match self { $(Kind::$variant => <$ty as QuestionKind>::novelty(h, knowledge),)+ }
            }

            pub fn clinical_relevance(self, h: &Candidate) -> f64 {
                match self { $(Kind::$variant => <$ty as QuestionKind>::clinical_relevance(h),)+ }
            }
        }

        impl Question {
            pub fn kind(&self) -> Kind {
                match self { $(Question::$variant(_) => Kind::$variant,)+ }
            }

            pub fn describe(&self) -> String {
                match self { $(Question::$variant(q) => q.describe(),)+ }
            }

            pub fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError> {
                match self { $(Question::$variant(q) => q.execute(ctx),)+ }
            }

            pub fn follow_ups(&self, opened: &FollowUpContext<'_>) -> Vec<(Question, String)> {
                match self { $(Question::$variant(q) => q.follow_ups(opened),)+ }
            }

            pub fn statement(&self, draft: &mut Draft<'_>) -> Option<String> {
                match self { $(Question::$variant(q) => q.statement(draft),)+ }
            }

            pub fn claim(&self, row: &TestRow, ledger: &Ledger) -> Option<Claim> {
                match self { $(Question::$variant(q) => q.claim(row, ledger),)+ }
            }

            pub fn direction_classes(&self, layers: &[String]) -> DirectionClasses {
                match self { $(Question::$variant(q) => q.direction_classes(layers),)+ }
            }

            pub fn subject(&self) -> Option<crate::coverage::Subject> {
                match self { $(Question::$variant(q) => q.subject(),)+ }
            }

            pub fn enrichment_target(&self) -> Option<EntityRef> {
                match self { $(Question::$variant(q) => q.enrichment_target(),)+ }
            }

            pub fn adjusted_grouping(&self) -> Option<(String, &str)> {
                match self { $(Question::$variant(q) => q.adjusted_grouping(),)+ }
            }

            pub fn plot(
                &self,
                layers: &[String],
                variable: &str,
                contrast: &str,
                gene: Option<&str>,
            ) -> Option<PlotKind> {
                match self { $(Question::$variant(q) => q.plot(layers, variable, contrast, gene),)+ }
            }

            pub fn matches_truth(
                &self,
                study: &Study,
                key: &ValidationKey,
                planted: &PlantedRelation,
            ) -> bool {
                match self { $(Question::$variant(q) => q.matches_truth(study, key, planted),)+ }
            }
        }
    };
}

question_kinds! {
    /// Tumour vs normal tissue across a layer.
    TumorVsNormal => tumor_vs_normal::TumorVsNormal,
    /// Mutated vs wild-type carriers of one gene across a layer.
    MutationImpact => mutation_impact::MutationImpact,
    /// A clinical grouping (binary, categorical, ordinal) vs a layer.
    ClinicalGroups => clinical_groups::ClinicalGroups,
    /// A numeric clinical variable vs a layer (Spearman).
    ClinicalNumeric => clinical_numeric::ClinicalNumeric,
    /// Univariate Cox regression of every feature of a layer.
    Survival => survival::Survival,
    /// Unsupervised clusters of samples on a layer, tested against clinical variables.
    Subtypes => subtypes::Subtypes,
    /// Co-expression modules of a layer, scored and tested against mutations and clinical data.
    Modules => modules::Modules,
    /// Per-sample pathway activity (ssGSEA) of a layer's gene sets, tested like modules.
    PathwayScores => pathway_scores::PathwayScores,
    /// Per-gene correlation between two layers (copy number -> RNA -> protein).
    Cis => cis::Cis,
    /// Follow-up: is a mutation's change in one layer seen in another (RNA)?
    MutationMechanism => mutation_mechanism::MutationMechanism,
    /// Follow-up: gene sets over-represented among the features an analysis found changed.
    Enrichment => enrichment::Enrichment,
    /// Follow-up: do prognostic features hold in a Cox model adjusted for stage/grade?
    AdjustedSurvival => adjusted_survival::AdjustedSurvival,
    /// Follow-up: do group differences hold after adjusting for purity and batch?
    AdjustedGroups => adjusted_groups::AdjustedGroups,
    /// Follow-up: does a group difference hold within each stratum of a confounder?
    Stratified => stratified::Stratified,
    /// Follow-up: is a phosphosite's change phosphorylation beyond its protein's abundance?
    PhosphoAdjusted => phospho_adjusted::PhosphoAdjusted,
}

impl Kind {
    /// The kind's name as stored (`mutation_impact`, `cis`, ...).
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The kind a stored name stands for: the graph keeps a hypothesis's kind as its name, and
    /// the agent reads the typed kind back from it rather than storing it twice.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }
}

impl Question {
    /// A stable key: the same question asked twice is recognised (and not run twice).
    pub fn key(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Journals and hypotheses.json written before the registry existed must still read: each
    /// kind's question keeps its stored form.
    #[test]
    fn questions_keep_their_stored_form() {
        let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let cases: Vec<(Question, &str)> = vec![
            (
                tumor_vs_normal::TumorVsNormal {
                    layer: "proteome".into(),
                }
                .into(),
                r#"{"type":"tumor_vs_normal","layer":"proteome"}"#,
            ),
            (
                mutation_impact::MutationImpact {
                    gene: "PTEN".into(),
                    layer: "proteome".into(),
                }
                .into(),
                r#"{"type":"mutation_impact","gene":"PTEN","layer":"proteome"}"#,
            ),
            (
                clinical_groups::ClinicalGroups {
                    variable: "Stage".into(),
                    layer: "rna".into(),
                }
                .into(),
                r#"{"type":"clinical_groups","variable":"Stage","layer":"rna"}"#,
            ),
            (
                clinical_numeric::ClinicalNumeric {
                    variable: "Age".into(),
                    layer: "rna".into(),
                }
                .into(),
                r#"{"type":"clinical_numeric","variable":"Age","layer":"rna"}"#,
            ),
            (
                survival::Survival {
                    layer: "rna".into(),
                    outcome: None,
                }
                .into(),
                r#"{"type":"survival","layer":"rna"}"#,
            ),
            (
                subtypes::Subtypes {
                    layer: "rna".into(),
                }
                .into(),
                r#"{"type":"subtypes","layer":"rna"}"#,
            ),
            (
                modules::Modules {
                    layer: "rna".into(),
                    module: None,
                }
                .into(),
                r#"{"type":"modules","layer":"rna"}"#,
            ),
            (
                modules::Modules {
                    layer: "rna".into(),
                    module: Some(modules::FixedModule {
                        name: "module M1 (2 features)".into(),
                        features: list(&["A", "B"]),
                        variable: "PTEN mutation".into(),
                    }),
                }
                .into(),
                r#"{"type":"modules","layer":"rna","module":{"name":"module M1 (2 features)","features":["A","B"],"variable":"PTEN mutation"}}"#,
            ),
            (
                cis::Cis {
                    source: "cnv".into(),
                    target: "rna".into(),
                }
                .into(),
                r#"{"type":"cis","source":"cnv","target":"rna"}"#,
            ),
            (
                mutation_mechanism::MutationMechanism {
                    gene: "PTEN".into(),
                    layer: "rna".into(),
                    features: list(&["AKT1"]),
                }
                .into(),
                r#"{"type":"mutation_mechanism","gene":"PTEN","layer":"rna","features":["AKT1"]}"#,
            ),
            (
                enrichment::Enrichment {
                    source_step: 3,
                    label: "x".into(),
                    up: list(&["A"]),
                    down: list(&[]),
                    universe: list(&["A", "B"]),
                    ranking: None,
                }
                .into(),
                r#"{"type":"enrichment","source_step":3,"label":"x","up":["A"],"down":[],"universe":["A","B"]}"#,
            ),
            (
                adjusted_survival::AdjustedSurvival {
                    layer: "rna".into(),
                    features: list(&["A"]),
                    covariates: list(&["Stage"]),
                    outcome: None,
                }
                .into(),
                r#"{"type":"adjusted_survival","layer":"rna","features":["A"],"covariates":["Stage"]}"#,
            ),
            (
                adjusted_groups::AdjustedGroups {
                    variable: "PTEN mutation".into(),
                    layer: "rna".into(),
                    features: list(&["A"]),
                    covariates: list(&["Purity"]),
                }
                .into(),
                r#"{"type":"adjusted_groups","variable":"PTEN mutation","layer":"rna","features":["A"],"covariates":["Purity"]}"#,
            ),
            (
                stratified::Stratified {
                    variable: "PTEN mutation".into(),
                    layer: "rna".into(),
                    features: list(&["A"]),
                    covariates: list(&["Purity", "MSI"]),
                    by: list(&["MSI"]),
                }
                .into(),
                r#"{"type":"stratified","variable":"PTEN mutation","layer":"rna","features":["A"],"covariates":["Purity","MSI"],"by":["MSI"]}"#,
            ),
            (
                phospho_adjusted::PhosphoAdjusted {
                    source_step: 4,
                    variable: "PTEN mutation".into(),
                    contrasts: list(&["mutated vs wild-type"]),
                    layer: "phospho".into(),
                    features: list(&["AKT1|S473"]),
                }
                .into(),
                r#"{"type":"phospho_adjusted","source_step":4,"variable":"PTEN mutation","contrasts":["mutated vs wild-type"],"layer":"phospho","features":["AKT1|S473"]}"#,
            ),
            (
                pathway_scores::PathwayScores {
                    layer: "proteome".into(),
                    focus: None,
                }
                .into(),
                r#"{"type":"pathway_scores","layer":"proteome"}"#,
            ),
        ];
        for (question, stored) in &cases {
            assert_eq!(&question.key(), stored);
            assert_eq!(&serde_json::from_str::<Question>(stored).unwrap(), question);
        }
        let covered: std::collections::BTreeSet<Kind> =
            cases.iter().map(|(q, _)| q.kind()).collect();
        assert_eq!(
            covered.len(),
            Kind::ALL.len(),
            "a registered kind has no case"
        );
    }

    #[test]
    fn kinds_know_their_names_and_roles() {
        assert_eq!(Kind::MutationImpact.name(), "mutation_impact");
        assert_eq!(Kind::Cis.name(), "cis");
        for &kind in Kind::ALL {
            assert_eq!(Kind::from_name(&kind.name()), Some(kind));
        }
        assert_eq!(Kind::from_name("no_such_kind"), None);
        let follow_ups: Vec<Kind> = Kind::ALL
            .iter()
            .copied()
            .filter(|k| k.is_follow_up())
            .collect();
        assert_eq!(
            follow_ups,
            [
                Kind::MutationMechanism,
                Kind::Enrichment,
                Kind::AdjustedSurvival,
                Kind::AdjustedGroups,
                Kind::Stratified,
                Kind::PhosphoAdjusted
            ]
        );
        assert!(!Kind::Cis.is_label_dependent() && !Kind::TumorVsNormal.is_label_dependent());
        assert!(Kind::Survival.is_label_dependent());
    }
}

//! Kinds of question, each one module implementing [`QuestionKind`], all listed once in
//! [`registry`]. A kind owns everything that differs between kinds: the directions it proposes
//! from a study profile, how it runs on the discovery samples, the follow-ups its strong findings
//! open, the statement of a hypothesis grown from one of its findings, the entity relations its
//! findings support, its novelty and clinical relevance, the plot of its evidence and how a
//! hypothesis of its kind is matched against a synthetic study's planted truth.
//!
//! The trait has no default methods, and the registry dispatches with `match` arms generated
//! from its one list, so a kind that forgets a part, or is written but not registered, does not
//! compile; nothing falls through a `_ =>` arm.
//!
//! Adding a kind: write `kinds/<name>.rs` with a parameter struct (the question's data, as the
//! journal and hypotheses.json store it) implementing [`QuestionKind`], usually calling a new
//! function of the `analysis` crate from `execute`, then add one line to the list in
//! `registry.rs`. Its position there is its place in the proposal order. A follow-up kind states
//! the parts it lacks with [`follow_up_parts!`].

/// The parts a follow-up kind does not have, spelled out once. A follow-up proposes nothing from
/// the profile (strong findings open it), opens no further follow-ups, states no hypothesis of its
/// own (its findings are evidence for the hypothesis of the analysis that opened it) and has no
/// plot, enrichment target, adjusted grouping or planted truth of its own. A follow-up kind says
/// so by invoking this inside its `impl QuestionKind`; a screen cannot forget a part this way.
macro_rules! follow_up_parts {
    () => {
        fn propose(_profile: &$crate::profile::StudyProfile) -> Vec<$crate::kinds::Proposal> {
            Vec::new()
        }

        fn follow_ups(
            &self,
            _opened: &$crate::kinds::FollowUpContext<'_>,
        ) -> Vec<($crate::kinds::Question, String)> {
            Vec::new()
        }

        fn statement(&self, _draft: &mut $crate::hypothesis::Draft<'_>) -> Option<String> {
            None
        }

        fn chained(_ledger: &$crate::ledger::Ledger) -> Vec<$crate::hypothesis::Candidate> {
            Vec::new()
        }

        fn enrichment_target(&self) -> Option<graph::EntityRef> {
            None
        }

        fn subject(&self) -> Option<$crate::coverage::Subject> {
            None
        }

        fn adjusted_grouping(&self) -> Option<(String, &str)> {
            None
        }

        fn plot(
            &self,
            _layers: &[String],
            _variable: &str,
            _contrast: &str,
            _gene: Option<&str>,
        ) -> Option<$crate::kinds::PlotKind> {
            None
        }

        fn matches_truth(
            &self,
            _study: &datasets::Study,
            _key: &$crate::hypothesis::ValidationKey,
            _planted: &datasets::synth::PlantedRelation,
        ) -> bool {
            false
        }
    };
}
pub(crate) use follow_up_parts;

pub mod adjusted_groups;
pub mod adjusted_survival;
pub mod cis;
pub mod clinical_groups;
pub mod clinical_numeric;
pub mod enrichment;
pub mod follow;
pub mod modules;
pub mod mutation_impact;
pub mod mutation_mechanism;
pub mod novelty;
pub mod pathway_scores;
pub mod phospho_adjusted;
pub mod plot;
pub mod priors;
mod registry;
pub mod relations;
pub mod stratified;
pub mod subtypes;
pub mod survival;
pub mod truth;
pub mod tumor_vs_normal;

pub use follow::FollowUpContext;
pub use plot::PlotKind;
pub use registry::{Kind, Question};
pub use relations::DirectionClasses;

use crate::execute::{Context, ExecError, Produced};
use crate::hypothesis::{Candidate, Draft, ValidationKey};
use crate::knowledge::Knowledge;
use crate::ledger::{Ledger, TestRow};
use crate::profile::StudyProfile;
use datasets::Study;
use datasets::synth::PlantedRelation;
use graph::{Claim, EntityRef};

/// A direction a kind proposes from the study profile, before the loop numbers it.
#[derive(Clone, Debug)]
pub struct Proposal {
    pub question: Question,
    /// Prior value in [0, 1] (power x clinical relevance x layer weight), clamped by the caller.
    pub priority: f64,
    pub rationale: String,
    /// Position of the screened layer the question is about in the profile, or `None` for
    /// questions between layers. Proposals are ordered layer by layer (registry order within a
    /// layer), then the questions between layers.
    pub layer: Option<usize>,
}

/// One kind of question. `Self` is the question's parameters (the data a direction of this
/// kind carries); associated functions without `self` are about the kind as a whole.
pub trait QuestionKind: Sized + Into<Question> {
    /// Whether strong findings open this kind (it completes an evidence chain already begun)
    /// rather than the study profile. Follow-ups have their own prior in the planner, and every
    /// test result of theirs is kept in the graph (a non-change is evidence too).
    const FOLLOW_UP: bool;
    /// Whether its hypotheses depend on sample labels (clinical data, mutations); those that do
    /// not (cis dosage, tumour/normal) survive label shuffling by design and are not counted by
    /// calibration.
    const LABEL_DEPENDENT: bool;
    /// Whether one analysis of this kind tests many subjects at once (every module or pathway
    /// score against every clinical variable and mutation), each row naming its subject in
    /// `TestRow::variable`. Such an analysis is many questions in one, so hypotheses are drawn
    /// from it per subject (`assemble::PER_ANALYSIS` each), not per analysis: otherwise the three
    /// strongest subjects of a layer (often a batch) would hide every other one.
    const SCREENS_MANY_SUBJECTS: bool = false;

    /// The directions of this kind worth asking of a study (none for follow-up kinds).
    fn propose(profile: &StudyProfile) -> Vec<Proposal>;

    /// The question in words, as the graph and the report show it.
    fn describe(&self) -> String;

    /// Runs the question on the samples in `ctx` (discovery, validation or another cohort).
    fn execute(&self, ctx: &Context<'_>) -> Result<Produced, ExecError>;

    /// Questions opened by the strong findings of an analysis of this kind.
    fn follow_ups(&self, opened: &FollowUpContext<'_>) -> Vec<(Question, String)>;

    /// The kind-specific part of a hypothesis grown from one strong finding of this kind: its
    /// entities, relations and follow-up evidence go into `draft`, the statement (before the
    /// shared adjustment and pathway clauses) is returned. `None`: this kind states no
    /// hypothesis from a single finding.
    fn statement(&self, draft: &mut Draft<'_>) -> Option<String>;

    /// Hypotheses that chain findings of several analyses of this kind (cis cascades).
    fn chained(ledger: &Ledger) -> Vec<Candidate>;

    /// The entity relation a strong finding of this kind supports in the graph.
    fn claim(&self, row: &TestRow, ledger: &Ledger) -> Option<Claim>;

    /// The direction as a relation between entity classes, with the entities it focuses on.
    fn direction_classes(&self, layers: &[String]) -> DirectionClasses;

    /// The clinical variable, mutation or survival outcome this question screens, if it is a
    /// first screen of one (`coverage`: every subject gets one before the loop repeats itself).
    fn subject(&self) -> Option<crate::coverage::Subject>;

    /// What gene sets enriched among this analysis's changed features are enriched in.
    fn enrichment_target(&self) -> Option<EntityRef>;

    /// The grouping variable and layer an adjusted re-test of this question uses, if its
    /// findings are group differences that purity or batch could explain.
    fn adjusted_grouping(&self) -> Option<(String, &str)>;

    /// The kind's cap on novelty, with its reason: where the kind's design makes a link
    /// unsurprising (a variable computed from the omics data, a well-studied contrast); 1.0 for no
    /// cap. What prior knowledge knows is decided for every kind alike (`grounding.rs`).
    fn novelty(h: &Candidate, knowledge: &Knowledge) -> (f64, String);

    /// How much a clinician would care about a hypothesis of this kind, in [0, 1].
    fn clinical_relevance(h: &Candidate) -> f64;

    /// The plot of a finding of this kind (`variable`, `contrast` and `gene` are the finding's,
    /// `layers` the analysis's), if the kind has one.
    fn plot(
        &self,
        layers: &[String],
        variable: &str,
        contrast: &str,
        gene: Option<&str>,
    ) -> Option<PlotKind>;

    /// Whether a hypothesis re-tested by `key` (whose question is `self`) states the planted
    /// relation of a synthetic study.
    fn matches_truth(&self, study: &Study, key: &ValidationKey, planted: &PlantedRelation) -> bool;
}

/// Every kind's proposals for a study, in proposal order (see [`Proposal::layer`]).
pub fn proposals(profile: &StudyProfile) -> Vec<Proposal> {
    let mut out: Vec<Proposal> = Kind::ALL
        .iter()
        .flat_map(|kind| kind.propose(profile))
        .collect();
    out.sort_by_key(|p| p.layer.unwrap_or(usize::MAX));
    out
}

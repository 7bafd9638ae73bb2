//! First screens before exploitation: every testable clinical variable, recurrent mutation and
//! survival outcome a study holds is asked about at least once before the loop repeats itself
//! (another layer for a subject already screened, a follow-up, a question about no subject).
//!
//! Labs add what famous variables do not cover: a grouping of their own, a score, a second
//! outcome, under names no list anticipates. The planner's priors (power x clinical relevance x
//! layer weight) would spend a budget on MSI status and histology across every layer before
//! reaching them. Here the priors only *order* the first screens, they never exclude one: while
//! a subject of the profile has no screen, the planner chooses among the directions that would
//! give one, and a planner that finds none of them worth its cost is overruled by priority.
//! The budget grows with the study (`RunConfig::grow_budget`, computed in `run/explore.rs`) so
//! the first screens and every question about no subject (one per layer and kind) fit, with
//! room for follow-ups, and what still goes unexplored is listed with the reason.

use crate::profile::StudyProfile;
use crate::question::PlannedDirection;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What a first screen is about: the things a lab brings to a study.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", content = "name", rename_all = "snake_case")]
pub enum Subject {
    /// A clinical variable (grouping or numeric).
    Variable(String),
    /// A recurrently mutated gene.
    Mutation(String),
    /// A survival outcome.
    Survival(String),
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Variable(v) => write!(f, "clinical variable {v}"),
            Self::Mutation(g) => write!(f, "mutation {g}"),
            Self::Survival(s) => write!(f, "survival outcome {s}"),
        }
    }
}

/// Analyses left for follow-ups and further layers once every first screen fits the budget.
pub const ROOM_AFTER_SCREENS: usize = 20;

/// Every subject of a study profile, in profile order.
pub fn subjects(profile: &StudyProfile) -> Vec<Subject> {
    let mut out: Vec<Subject> = profile
        .groupings
        .iter()
        .map(|g| Subject::Variable(g.variable.clone()))
        .chain(
            profile
                .numeric_variables
                .iter()
                .map(|v| Subject::Variable(v.clone())),
        )
        .chain(
            profile
                .mutations
                .iter()
                .map(|m| Subject::Mutation(m.gene.clone())),
        )
        .chain(
            profile
                .survival_outcomes
                .iter()
                .cloned()
                .map(Subject::Survival),
        )
        .collect();
    let mut seen = BTreeSet::new();
    out.retain(|s| seen.insert(s.clone()));
    out
}

/// A subject that got no screen, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotExplored {
    pub subject: Subject,
    pub reason: String,
}

/// Which subjects have had their first screen during one exploration.
#[derive(Debug)]
pub struct Coverage {
    /// Subjects with a direction proposed for them, in profile order.
    wanted: Vec<Subject>,
    screened: BTreeSet<Subject>,
    /// The last reason a direction about a subject failed.
    failed: BTreeMap<Subject, String>,
    /// Questions about no subject the study profile proposed (tumour vs normal, cis effects,
    /// modules, subtypes, pathway scores, each on its layer), by key, not yet run or failed:
    /// each screens a whole layer in one analysis, so they are asked among the first screens
    /// too rather than left to the planner's free steps, where a layer's modules could go
    /// unasked for a run's whole budget.
    layer_screens: BTreeSet<String>,
}

impl Coverage {
    /// The subjects of `profile` that some open direction asks about.
    pub fn new(profile: &StudyProfile, open: &[PlannedDirection]) -> Self {
        let asked: BTreeSet<Subject> = open.iter().filter_map(|d| d.question.subject()).collect();
        Self {
            wanted: subjects(profile)
                .into_iter()
                .filter(|s| asked.contains(s))
                .collect(),
            screened: BTreeSet::new(),
            failed: BTreeMap::new(),
            layer_screens: open
                .iter()
                .filter(|d| d.question.subject().is_none())
                .map(|d| d.question.key())
                .collect(),
        }
    }

    /// How many questions about no subject are still to be asked (at the start: how many the
    /// study's profile proposed).
    pub fn layer_screens_needed(&self) -> usize {
        self.layer_screens.len()
    }

    /// How many first screens the study needs.
    pub fn needed(&self) -> usize {
        self.wanted.len()
    }

    /// Indexes of the open directions that would give a subject its first screen, or that ask a
    /// proposed question about no subject; empty once every subject with an open direction has
    /// had one or has failed one and every such question was asked (then any direction may be
    /// chosen).
    pub fn first_screens(&self, open: &[PlannedDirection]) -> Vec<usize> {
        open.iter()
            .enumerate()
            .filter(|(_, d)| match d.question.subject() {
                Some(s) => {
                    !self.screened.contains(&s)
                        && !self.failed.contains_key(&s)
                        && self.wanted.contains(&s)
                }
                None => self.layer_screens.contains(&d.question.key()),
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Records the outcome of a direction: an analysis screens its subject; a failure (too few
    /// samples per level in the discovery half, usually the same on every layer) ends the
    /// subject's priority, so one rare variable does not spend the budget layer by layer. Its
    /// other directions stay open for the planner.
    pub fn record(&mut self, direction: &PlannedDirection, failure: Option<&str>) {
        let Some(subject) = direction.question.subject() else {
            self.layer_screens.remove(&direction.question.key());
            return;
        };
        match failure {
            None => {
                self.failed.remove(&subject);
                self.screened.insert(subject);
            }
            Some(reason) if !self.screened.contains(&subject) => {
                self.failed.insert(subject, reason.to_owned());
            }
            Some(_) => {}
        }
    }

    /// Subjects without a screen when the exploration ended (`stop_reason`), with the reason.
    pub fn not_explored(&self, stop_reason: &str) -> Vec<NotExplored> {
        self.wanted
            .iter()
            .filter(|s| !self.screened.contains(s))
            .map(|s| NotExplored {
                subject: s.clone(),
                reason: match self.failed.get(s) {
                    Some(why) => format!("its screen failed: {why}"),
                    None => format!("no screen before the exploration stopped ({stop_reason})"),
                },
            })
            .collect()
    }
}

/// The most valuable first screen by prior alone (lowest id on ties): what is run when the
/// planner would stop while subjects still lack a screen.
pub fn by_priority(open: &[PlannedDirection], candidates: &[usize]) -> Option<usize> {
    candidates.iter().copied().min_by(|&a, &b| {
        open[b]
            .priority
            .total_cmp(&open[a].priority)
            .then_with(|| open[a].id.cmp(&open[b].id))
    })
}

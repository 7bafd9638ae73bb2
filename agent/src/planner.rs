//! Choosing the next direction. The offline planner treats question kinds as arms of a bandit:
//! each direction's prior value (power x relevance) is scaled by how often that kind of question
//! has paid off in this study so far (a Beta-Bernoulli mean) plus an optimism bonus for kinds
//! tried rarely (UCB). It is deterministic: the same study and seed give the same run, which is
//! what lets `--resume` replay a killed run exactly.

use crate::ledger::Ledger;
use crate::profile::StudyProfile;
use crate::question::{Kind, PlannedDirection};
use serde::Serialize;
use std::collections::BTreeMap;

/// What a planner sees when choosing.
pub struct PlanContext<'a> {
    pub profile: &'a StudyProfile,
    pub ledger: &'a Ledger,
    pub step: usize,
}

/// A planner's pick, with its reasons.
#[derive(Debug, Default)]
pub struct Choice {
    /// Index into the open directions; `None` stops the exploration.
    pub index: Option<usize>,
    pub rationale: Option<String>,
    /// Set when an LLM planner could not decide and the offline rule chose instead.
    pub fallback: Option<String>,
}

/// Chooses directions and, optionally, writes hypothesis prose. Implemented offline (the
/// default) and by an LLM planner that falls back to the offline rules step by step.
pub trait Planner {
    fn choose(&mut self, open: &[PlannedDirection], context: &PlanContext<'_>) -> Choice;
    fn update(&mut self, kind: Kind, success: bool);
    /// Per-kind statistics and, for LLM planners, calls, fallbacks and tokens.
    fn report(&self) -> serde_json::Value;
    /// Rewrites a hypothesis statement in prose; `None` keeps the template statement.
    fn write_statement(
        &mut self,
        _hypothesis: &crate::hypothesis::Hypothesis,
        _ledger: &Ledger,
    ) -> Option<String> {
        None
    }
    /// The planner calibration runs use on label-shuffled copies, so they measure the loop this
    /// run ran. `chosen` is the kind of every step the real exploration took, in order. The
    /// offline rules are their own copy; planners that cannot be re-run cheaply replay `chosen`.
    fn calibration_planner(&self, _chosen: &[Kind]) -> CalibrationPlanner {
        CalibrationPlanner {
            planner: Box::new(OfflinePlanner::default()),
            description: "the run's planner (offline rules)".into(),
        }
    }
}

/// The planner of calibration runs, with how it relates to the run's (for summary.json and the
/// report).
pub struct CalibrationPlanner {
    /// `Send`: shuffled runs go in parallel, one planner each.
    pub planner: Box<dyn Planner + Send>,
    pub description: String,
}

/// Replays the kinds of question another planner chose, step by step: at step `i` it takes the
/// offline rules' best open direction of the kind chosen at step `i` (the offline best of any
/// kind when none of that kind is open), and stops where the replayed run stopped. Calibration
/// of an LLM-planned run uses it: the shuffled runs then ask as many questions of each kind, in
/// the order the model chose, with no model calls (which on shuffled data would spend tokens to
/// measure the model's taste rather than the loop's error control).
#[derive(Clone, Debug)]
pub struct ReplayKinds {
    kinds: Vec<Kind>,
    offline: OfflinePlanner,
}

impl ReplayKinds {
    pub fn new(kinds: Vec<Kind>) -> Self {
        Self {
            kinds,
            offline: OfflinePlanner::default(),
        }
    }
}

impl Planner for ReplayKinds {
    fn choose(&mut self, open: &[PlannedDirection], context: &PlanContext<'_>) -> Choice {
        let Some(&kind) = self.kinds.get(context.step) else {
            return Choice::default();
        };
        let best_of_kind = open
            .iter()
            .enumerate()
            .filter(|(_, d)| d.question.kind() == kind)
            .map(|(i, d)| (i, self.offline.value(d)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .map(|(i, _)| i);
        Choice {
            index: best_of_kind.or_else(|| self.offline.choose(open)),
            ..Choice::default()
        }
    }

    fn update(&mut self, kind: Kind, success: bool) {
        self.offline.update(kind, success);
    }

    fn report(&self) -> serde_json::Value {
        serde_json::json!({"planner": "replayed kinds", "steps": self.kinds.len()})
    }
}

#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct ArmStats {
    pub tries: u32,
    pub successes: u32,
}

#[derive(Clone, Debug, Default)]
pub struct OfflinePlanner {
    arms: BTreeMap<Kind, ArmStats>,
    total: u32,
}

/// Directions scoring below this are not worth their cost; the run stops when none is left above.
pub const MIN_VALUE: f64 = 0.05;

impl OfflinePlanner {
    pub fn value(&self, d: &PlannedDirection) -> f64 {
        let kind = d.question.kind();
        let arm = self.arms.get(&kind).copied().unwrap_or_default();
        let mean = (f64::from(arm.successes) + 1.0) / (f64::from(arm.tries) + 2.0);
        let bonus = ((f64::from(self.total) + 1.0).ln() / (f64::from(arm.tries) + 1.0)).sqrt();
        // Follow-ups complete evidence chains already begun: they get their own prior.
        let chain = if kind.is_follow_up() { 1.5 } else { 1.0 };
        d.priority * chain * (mean + 0.5 * bonus)
    }

    /// Index of the most valuable open direction, if any is worth running.
    pub fn choose(&self, open: &[PlannedDirection]) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for (i, d) in open.iter().enumerate() {
            let v = self.value(d);
            let better = match best {
                None => true,
                Some((j, bv)) => v > bv + 1e-12 || ((v - bv).abs() <= 1e-12 && d.id < open[j].id),
            };
            if better {
                best = Some((i, v));
            }
        }
        best.filter(|&(_, v)| v >= MIN_VALUE).map(|(i, _)| i)
    }

    pub fn update(&mut self, kind: Kind, success: bool) {
        let arm = self.arms.entry(kind).or_default();
        arm.tries += 1;
        arm.successes += u32::from(success);
        self.total += 1;
    }

    pub fn arms(&self) -> &BTreeMap<Kind, ArmStats> {
        &self.arms
    }
}

impl Planner for OfflinePlanner {
    fn choose(&mut self, open: &[PlannedDirection], _context: &PlanContext<'_>) -> Choice {
        Choice {
            index: OfflinePlanner::choose(self, open),
            ..Choice::default()
        }
    }

    fn update(&mut self, kind: Kind, success: bool) {
        OfflinePlanner::update(self, kind, success);
    }

    fn report(&self) -> serde_json::Value {
        serde_json::json!({"planner": "offline", "arms": self.arms})
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::mutation_impact::MutationImpact;
    use crate::kinds::survival::Survival;
    use crate::question::Question;

    fn direction(id: usize, question: Question, priority: f64) -> PlannedDirection {
        PlannedDirection {
            id,
            question,
            priority,
            parent_step: None,
            rationale: String::new(),
        }
    }

    #[test]
    fn learns_which_kinds_pay_off() {
        let open = vec![
            direction(
                0,
                Survival {
                    layer: "p".into(),
                    outcome: None,
                }
                .into(),
                0.8,
            ),
            direction(
                1,
                MutationImpact {
                    gene: "PTEN".into(),
                    layer: "p".into(),
                }
                .into(),
                0.8,
            ),
        ];
        let mut planner = OfflinePlanner::default();
        // Equal priors: the lower id wins the tie, deterministically.
        assert_eq!(planner.choose(&open), Some(0));
        for _ in 0..4 {
            planner.update(Kind::Survival, false);
            planner.update(Kind::MutationImpact, true);
        }
        assert_eq!(planner.choose(&open), Some(1));
    }

    #[test]
    fn stops_when_nothing_is_worth_it() {
        let open = vec![direction(
            0,
            Survival {
                layer: "p".into(),
                outcome: None,
            }
            .into(),
            0.01,
        )];
        assert_eq!(OfflinePlanner::default().choose(&open), None);
        assert_eq!(OfflinePlanner::default().choose(&[]), None);
    }
}

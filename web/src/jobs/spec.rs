//! What a job runs: the user-facing knobs of a research run, as stored in the job's `spec` column
//! and accepted by `POST /api/runs`, schedules and batch manifests. LLM credentials are not part
//! of it: an `llm` job uses the serving process's `HYPOMICS_LLM_*` environment, so no secret is
//! ever written to the store.

use agent::run::{Budget, RunConfig};
use serde::{Deserialize, Serialize};

pub use agent::planner_choice::PlannerChoice;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobSpec {
    pub planner: PlannerChoice,
    /// Most analyses the exploration may run.
    pub max_analyses: usize,
    /// Wall-time limit of the exploration, seconds.
    pub max_seconds: f64,
    pub seed: u64,
    /// Label-shuffled calibration runs (0 skips calibration).
    pub permutations: usize,
    pub max_hypotheses: usize,
}

impl Default for JobSpec {
    fn default() -> Self {
        let run = RunConfig::default();
        Self {
            planner: PlannerChoice::Offline,
            max_analyses: run.budget.max_analyses,
            max_seconds: run.budget.max_seconds,
            seed: run.seed,
            permutations: run.permutations,
            max_hypotheses: run.max_hypotheses,
        }
    }
}

/// Largest budget a job may ask for; a typo of 40000 analyses should be refused, not queued.
pub const MAX_ANALYSES: usize = 1000;

impl JobSpec {
    /// Checks the ranges, naming the offending field.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_analyses == 0 || self.max_analyses > MAX_ANALYSES {
            return Err(format!(
                "max_analyses must be between 1 and {MAX_ANALYSES}, got {}",
                self.max_analyses
            ));
        }
        if !(self.max_seconds.is_finite() && self.max_seconds > 0.0) {
            return Err(format!(
                "max_seconds must be a positive number of seconds, got {}",
                self.max_seconds
            ));
        }
        if self.permutations > 20 {
            return Err(format!(
                "permutations must be at most 20, got {}",
                self.permutations
            ));
        }
        if self.max_hypotheses == 0 {
            return Err("max_hypotheses must be at least 1".into());
        }
        Ok(())
    }

    pub fn run_config(&self) -> RunConfig {
        RunConfig {
            seed: self.seed,
            budget: Budget {
                max_analyses: self.max_analyses,
                max_seconds: self.max_seconds,
            },
            permutations: self.permutations,
            max_hypotheses: self.max_hypotheses,
            ..RunConfig::default()
        }
    }
}

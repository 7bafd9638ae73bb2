//! Which planner a run uses, and the one place that builds it: the CLI, the job worker and the
//! batch all go through [`PlannerChoice::build`].

use crate::llm::LlmConfig;
use crate::llm_planner::LlmPlanner;
use crate::planner::{OfflinePlanner, Planner};
use serde::{Deserialize, Serialize};

/// Who chooses directions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlannerChoice {
    /// The deterministic offline rules (no network).
    #[default]
    Offline,
    /// An OpenAI-compatible model configured by `HYPOMICS_LLM_*`, falling back to the offline
    /// rules step by step.
    Llm,
}

/// Why a planner could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PlannerSetupError {
    #[error(
        "the llm planner needs a model: set HYPOMICS_LLM_BASE_URL (an OpenAI-compatible endpoint ending in /v1) where the run happens; see the README"
    )]
    NoModel,
    #[error("LLM planner: {0}")]
    Runtime(#[from] std::io::Error),
}

impl PlannerChoice {
    /// The planner for this choice; `llm` is the model configured where the run happens.
    pub fn build(self, llm: Option<LlmConfig>) -> Result<Box<dyn Planner>, PlannerSetupError> {
        Ok(match self {
            Self::Offline => Box::new(OfflinePlanner::default()),
            Self::Llm => Box::new(LlmPlanner::new(llm.ok_or(PlannerSetupError::NoModel)?)?),
        })
    }
}

impl std::str::FromStr for PlannerChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "offline" => Ok(Self::Offline),
            "llm" => Ok(Self::Llm),
            other => Err(format!("unknown planner {other:?}: offline or llm")),
        }
    }
}

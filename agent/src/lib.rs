//! The research agent: profiles a study, proposes research directions, runs analyses over whole
//! layers, follows up where evidence is strong, and assembles scored, validated hypotheses whose
//! every number comes from an analysis. Planning is offline and deterministic by default; an
//! OpenAI-compatible LLM can plan and write prose through the `llm` module.

mod assemble;
pub mod chain;
pub mod confounders;
pub mod contradictions;
pub mod coverage;
pub mod eval;
mod events;
pub mod evidence_plots;
pub mod execute;
mod followup;
pub mod grounding;
pub mod html;
pub mod hypothesis;
pub mod journal;
pub mod kinds;
pub mod knowledge;
pub mod launch;
pub mod ledger;
pub mod llm;
pub mod llm_planner;
pub mod output;
mod permute;
pub mod planner;
pub mod planner_choice;
pub mod plots;
pub mod profile;
pub mod question;
pub mod record;
pub mod refine;
pub mod report;
pub mod run;
mod score;
pub mod split;
pub mod validate;

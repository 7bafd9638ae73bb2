//! The research loop end to end: profile, split, explore under a budget (directions chosen by the
//! planner, analyses run, follow-ups opened), then hypotheses assembled, validated on held-out
//! samples, scored and ranked, and the whole loop calibrated on label-shuffled copies.

//!
//! The loop is split by job: `explore.rs` runs the planner-driven exploration, `replay.rs` opens
//! the journal and matches journaled steps to open directions, `conclude.rs` turns the ledger
//! into ranked hypotheses, `calibrate.rs` repeats the loop on label-shuffled copies.

mod calibrate;
mod conclude;
mod explore;
mod replay;

use crate::assemble::assemble;
use crate::execute::Context;
use crate::followup::follow_ups;
use crate::hypothesis::Hypothesis;
use crate::journal::{
    Explored, Header, JOURNAL_NAME, JournalError, Outcome, PermutationCounts, Phase, Prose,
    RunJournal,
};
use crate::knowledge::Knowledge;
use crate::ledger::{AnalysisRecord, Ledger, Q_STRONG};
use crate::planner::{PlanContext, Planner};
use crate::profile::{StudyProfile, profile};
use crate::question::{Kind, PlannedDirection, initial_directions};
use crate::record::GraphRecorder;
use crate::split::Split;
use crate::validate::{ReplicationStatus, validate};
use calibrate::calibrate;
use conclude::conclude;
use datasets::{SampleId, Study};
use explore::explore;
use replay::open_journal;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Budget {
    /// Most analyses (directions run) per exploration.
    pub max_analyses: usize,
    /// Wall-time limit for the exploration, in seconds.
    pub max_seconds: f64,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            max_analyses: 40,
            max_seconds: 600.0,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunConfig {
    pub seed: u64,
    pub budget: Budget,
    pub validation_fraction: f64,
    pub max_hypotheses: usize,
    /// Label-shuffled re-runs for the empirical false-hypothesis rate (0 = skip).
    pub permutations: usize,
    /// Most recurrent mutations to consider.
    pub max_mutations: usize,
    /// Top hypotheses whose statements the planner may rewrite as prose (LLM planner only).
    pub max_prose: usize,
    /// Grow the analysis budget to fit every first screen the study needs, every question about
    /// no subject (one per layer and kind) and `coverage::ROOM_AFTER_SCREENS` (at least
    /// `budget.max_analyses`). The CLI sets it when no
    /// `--max-analyses` is given; an explicit budget is kept as given.
    #[serde(default)]
    pub grow_budget: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            budget: Budget::default(),
            validation_fraction: 1.0 / 3.0,
            max_hypotheses: 25,
            permutations: 10,
            max_mutations: 8,
            max_prose: 10,
            grow_budget: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("{0}")]
    Resume(String),
    #[error("loading prior knowledge: {0}")]
    Knowledge(String),
    #[error("graph store: {0}")]
    Graph(#[from] graph::GraphError),
    /// The caller raised the stop flag of [`Persistence`]; the journal holds every finished step,
    /// so the run can be resumed.
    #[error("stopped on request after {steps} steps; resume continues from the journal")]
    Stopped { steps: usize },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What the loop reports as it goes; the CLI and the web server render it.
#[derive(Debug)]
pub enum Event<'a> {
    Profiled(&'a StudyProfile),
    /// The run is being recorded in the graph store as this run.
    Recording {
        run: graph::RunId,
    },
    Resumed {
        steps: usize,
    },
    Step {
        step: usize,
        direction: &'a PlannedDirection,
        tests: usize,
        strong: usize,
        opened: usize,
        replayed: bool,
    },
    StepFailed {
        step: usize,
        direction: &'a PlannedDirection,
        reason: &'a str,
    },
    /// The LLM planner could not decide a step and the offline rule did.
    PlannerFallback {
        step: usize,
        reason: &'a str,
    },
    Stopped {
        reason: &'a str,
    },
    Validating {
        hypotheses: usize,
    },
    Calibrating {
        permutation: usize,
        of: usize,
    },
}

/// The empirical false-hypothesis rate: hypotheses that survive on label-shuffled data.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Calibration {
    pub permutations: usize,
    /// How the shuffled runs chose their directions (the run's own planner, or its choices
    /// replayed by kind of question).
    pub planner: String,
    /// Label-dependent hypotheses (all kinds but cis) on the real data.
    pub real_hypotheses: usize,
    pub real_replicated: usize,
    /// Analyses the real exploration ran, to compare with each shuffled run's.
    pub real_analyses: usize,
    /// The same count on each shuffled copy.
    pub null_hypotheses: Vec<usize>,
    pub null_replicated: Vec<usize>,
    /// Analyses each shuffled run ran: a shuffled run that stopped early asked fewer questions
    /// and had fewer chances to be wrong.
    pub null_analyses: Vec<usize>,
    /// Mean label-dependent hypotheses per shuffled run, with its 95% interval.
    pub null_rate: Option<NullRate>,
    /// Mean null count over the real count: the fraction of hypotheses expected by chance.
    pub false_hypothesis_rate: Option<f64>,
    pub false_replicated_rate: Option<f64>,
}

/// The mean count of false hypotheses per label-shuffled run with its interval
/// (`analysis::rate_interval`: Garwood's exact Poisson interval for the total over the runs,
/// divided by their number; why that one is said there).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NullRate {
    #[serde(with = "crate::journal::float")]
    pub mean: f64,
    #[serde(with = "crate::journal::float")]
    pub low: f64,
    #[serde(with = "crate::journal::float")]
    pub high: f64,
    pub level: f64,
    pub method: String,
    /// Variance over mean of the per-run counts; well above 1, the counts come in clusters and
    /// the Poisson interval is too narrow.
    #[serde(with = "crate::journal::float")]
    pub dispersion: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunSummary {
    pub study: String,
    pub seed: u64,
    pub analyses: usize,
    pub failed_directions: usize,
    pub tests: usize,
    pub strong_findings: usize,
    pub directions_opened: usize,
    pub stop_reason: String,
    pub discovery_samples: usize,
    pub validation_samples: usize,
    pub hypotheses: usize,
    pub replicated: usize,
    pub seconds: f64,
    pub calibration: Calibration,
    /// Planner statistics: per-kind yields, and for the LLM planner its calls, fallbacks, tokens.
    pub planner: serde_json::Value,
    /// Whether every clinical variable, mutation and survival outcome got a first screen.
    pub coverage: CoverageSummary,
}

/// First screens: how many the study needed, the budget that had room for them, and what was
/// not explored, with the reason (set aside by the profile, or never reached).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CoverageSummary {
    pub first_screens_needed: usize,
    pub first_screens_done: usize,
    /// The analysis budget the exploration had.
    pub max_analyses: usize,
    pub not_explored: Vec<crate::coverage::NotExplored>,
}

pub struct RunResult {
    pub profile: StudyProfile,
    pub split: Split,
    pub ledger: Ledger,
    pub hypotheses: Vec<Hypothesis>,
    /// Hypotheses below the cut that findings contradict (see `contradictions::BeyondTheCut`).
    pub contradicted_beyond_the_cut: Vec<crate::contradictions::BeyondTheCut>,
    pub summary: RunSummary,
}

/// Where a run keeps its journal and graph store, and whether it may continue one.
pub struct Persistence {
    pub out_dir: PathBuf,
    pub resume: bool,
    /// The graph store the run records itself in, a SQLite path or a `postgres://` URL
    /// (`None`: journal and files only).
    pub store: Option<PathBuf>,
    /// Raised by another thread to stop the run between steps (a cancelled job). Only runs with a
    /// journal can be stopped, because only they can be resumed afterwards.
    pub stop: Option<Arc<AtomicBool>>,
    /// The job lease a worker runs under: every graph write carries it, and the store refuses
    /// them once the lease moved to another worker (`None` outside the job queue).
    pub fence: Option<graph::control::Fence>,
}

/// Runs the loop on `study`. With `persistence`, steps are journaled and a previous journal can be
/// resumed; calibration runs use none.
pub fn run(
    study: &Study,
    knowledge: &Knowledge,
    config: &RunConfig,
    persistence: Option<&Persistence>,
    planner: &mut dyn Planner,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<RunResult, AgentError> {
    let started = Instant::now();
    let profile = profile(study, config.max_mutations);
    on_event(Event::Profiled(&profile));
    let split = Split::draw(study, config.validation_fraction, config.seed);
    let mut journal = match persistence {
        Some(p) => Some(open_journal(p, study, config, on_event)?),
        None => None,
    };
    let resumed = journal
        .as_ref()
        .is_some_and(|j| j.resumed_steps().is_some());
    let mut recorder = match persistence.and_then(|p| p.store.as_ref().map(|s| (p, s))) {
        Some((p, store)) => {
            let out = p
                .out_dir
                .canonicalize()
                .unwrap_or_else(|_| p.out_dir.clone());
            let label = format!("{} (seed {}) -> {}", study.name, config.seed, out.display());
            let recorder = GraphRecorder::open(store, study, &label, resumed, p.fence.clone())?;
            on_event(Event::Recording {
                run: recorder.run(),
            });
            Some(recorder)
        }
        None => None,
    };
    let stop = persistence.and_then(|p| p.stop.clone());
    let exploration = explore(
        study,
        knowledge,
        config,
        &profile,
        &split,
        journal.as_mut(),
        Phase::Explore,
        recorder.as_mut(),
        planner,
        stop.as_deref(),
        on_event,
    )?;
    let conclusion = conclude(
        study,
        knowledge,
        config,
        &split,
        &exploration.ledger,
        on_event,
    );
    let replicated = conclusion.replicated;
    let real_counts = (
        conclusion.label_dependent,
        conclusion.label_dependent_replicated,
    );
    let contradicted_beyond_the_cut = conclusion.contradicted_beyond_the_cut;
    let mut hypotheses = conclusion.hypotheses;
    for h in hypotheses.iter_mut().take(config.max_prose) {
        // Prose is journaled like a step: a resume must not ask a model again and get other words.
        let prose = match journal.as_ref().and_then(|j| j.prose(&h.model.id)) {
            Some(recorded) => recorded.clone(),
            None => {
                let prose = planner.write_statement(h, &exploration.ledger);
                if let Some(j) = journal.as_mut() {
                    j.append_prose(Prose {
                        hypothesis: h.model.id.clone(),
                        statement: prose.clone(),
                    })?;
                }
                prose
            }
        };
        if let Some(prose) = prose {
            h.model.template_statement = Some(std::mem::replace(&mut h.model.statement, prose));
            h.model.statement_source = graph::StatementSource::Llm;
        }
    }
    let planner_report = planner.report();
    if let Some(r) = recorder.as_mut() {
        r.record_final_q(&exploration.ledger)?;
        r.record_hypotheses(&hypotheses)?;
    }
    let calibration = calibrate(
        study,
        knowledge,
        config,
        real_counts,
        (exploration.ledger.analyses().len(), &exploration.kinds),
        &*planner,
        journal.as_mut(),
        stop.as_deref(),
        on_event,
    )?;
    let summary = RunSummary {
        study: study.name.clone(),
        seed: config.seed,
        analyses: exploration.ledger.analyses().len(),
        failed_directions: exploration.failed,
        tests: exploration.ledger.total_tests(),
        strong_findings: (0..exploration.ledger.analyses().len())
            .map(|i| exploration.ledger.strong_rows(i, Q_STRONG).len())
            .sum(),
        directions_opened: exploration.opened,
        stop_reason: exploration.stop_reason,
        discovery_samples: split.discovery.len(),
        validation_samples: split.validation.len(),
        hypotheses: hypotheses.len(),
        replicated,
        seconds: started.elapsed().as_secs_f64(),
        calibration,
        planner: planner_report,
        coverage: CoverageSummary {
            first_screens_needed: exploration.first_screens,
            first_screens_done: exploration
                .first_screens
                .saturating_sub(exploration.not_explored.len()),
            max_analyses: exploration.max_analyses,
            not_explored: profile
                .set_aside
                .iter()
                .map(|a| crate::coverage::NotExplored {
                    subject: a.subject.clone(),
                    reason: a.reason.clone(),
                })
                .chain(exploration.not_explored.iter().cloned())
                .collect(),
        },
    };
    Ok(RunResult {
        profile,
        split,
        ledger: exploration.ledger,
        hypotheses,
        contradicted_beyond_the_cut,
        summary,
    })
}

//! One run of the agent from a study to its output folder, as the command line starts it for
//! `run`, `eval` and `bench-synth`: the planner from [`PlannerChoice::build`] (the one factory the
//! job worker uses too), the loop, an optional re-test on an external cohort, the files. It lives
//! here so the binary only parses arguments and prints.

use crate::eval::{BenchSummary, EvalReport};
use crate::knowledge::Knowledge;
use crate::llm::{LlmConfig, LlmConfigError};
use crate::planner_choice::{PlannerChoice, PlannerSetupError};
use crate::run::{AgentError, Event, Persistence, RunConfig, RunResult};
use datasets::Study;
use datasets::synth::{SynthConfig, SynthError};
use std::path::{Path, PathBuf};

/// How to start one run.
pub struct Launch<'a> {
    pub config: &'a RunConfig,
    /// Output folder (journal, findings.tsv, hypotheses.json, report.html, ...).
    pub out: PathBuf,
    /// Continue from the journal in `out`.
    pub resume: bool,
    pub planner: PlannerChoice,
    /// Re-test every hypothesis on this cohort as well.
    pub external: Option<&'a Study>,
    /// The graph store to record in (`None`: files only).
    pub store: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error(transparent)]
    Llm(#[from] LlmConfigError),
    #[error(transparent)]
    Planner(#[from] PlannerSetupError),
    #[error(transparent)]
    Agent(#[from] AgentError),
    #[error("writing synthetic study to {}: {source}", dir.display())]
    Synth {
        dir: PathBuf,
        #[source]
        source: SynthError,
    },
    #[error("loading study {}: {source}", dir.display())]
    Study {
        dir: PathBuf,
        #[source]
        source: datasets::DatasetError,
    },
    #[error("{0}")]
    Hypotheses(String),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Runs the agent as `launch` says and writes its outputs; `on_event` sees its progress.
pub fn run_to_folder(
    study: &Study,
    launch: &Launch<'_>,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<RunResult, LaunchError> {
    let llm = match launch.planner {
        PlannerChoice::Llm => LlmConfig::from_env()?,
        PlannerChoice::Offline => None,
    };
    let mut planner = launch.planner.build(llm)?;
    let knowledge = Knowledge::embedded().map_err(AgentError::Knowledge)?;
    if launch.store.is_some() {
        std::fs::create_dir_all(&launch.out).map_err(|source| LaunchError::Io {
            path: launch.out.clone(),
            source,
        })?;
    }
    let persistence = Persistence {
        out_dir: launch.out.clone(),
        resume: launch.resume,
        store: launch.store.clone(),
        stop: None,
        fence: None,
    };
    let mut result = crate::run::run(
        study,
        &knowledge,
        launch.config,
        Some(&persistence),
        planner.as_mut(),
        on_event,
    )?;
    if let Some(other) = launch.external {
        crate::validate::validate_external(
            &mut result.hypotheses,
            other,
            &knowledge.gene_sets,
            launch.config.seed,
        );
    }
    crate::output::write_outputs(&result, study, &launch.out)?;
    Ok(result)
}

/// How a caller runs the agent for [`evaluate_folder`] and [`bench_synth`]: usually
/// [`run_to_folder`] with the caller's progress display around it.
pub type Runner<'r> = dyn FnMut(&Study, &Launch<'_>) -> Result<(), LaunchError> + 'r;

/// Scores the run in `out` against the synthetic `study`'s truth, running the agent first
/// (offline, with `config`) when `out` holds no hypotheses.json.
pub fn evaluate_folder(
    study: &Study,
    truth: &datasets::synth::Truth,
    out: &Path,
    config: &RunConfig,
    run: &mut Runner<'_>,
) -> Result<EvalReport, LaunchError> {
    if !out.join("hypotheses.json").exists() {
        run(study, &offline(config, out))?;
    }
    score_folder(study, truth, out)
}

/// For each seed: writes a synthetic study under `out/seed-N`, runs the agent on it (through
/// `run`) and scores the run; then the summary over seeds, also written to `out/bench.json`.
/// `on_seed` sees each seed's report as it is done.
pub fn bench_synth(
    seeds: &[u64],
    synth: &SynthConfig,
    config: &RunConfig,
    out: &Path,
    run: &mut Runner<'_>,
    on_seed: &mut dyn FnMut(u64, &EvalReport),
) -> Result<BenchSummary, LaunchError> {
    let mut reports = Vec::new();
    for &seed in seeds {
        let dir = out.join(format!("seed-{seed}"));
        let synth = SynthConfig {
            seed,
            ..synth.clone()
        };
        let truth = datasets::synth::write_synthetic_study(&dir, &synth).map_err(|source| {
            LaunchError::Synth {
                dir: dir.clone(),
                source,
            }
        })?;
        let study = Study::load(&dir).map_err(|source| LaunchError::Study {
            dir: dir.clone(),
            source,
        })?;
        let run_out = dir.join("hypomics-out");
        run(&study, &offline(config, &run_out))?;
        let report = score_folder(&study, &truth, &run_out)?;
        on_seed(seed, &report);
        reports.push((seed, report));
    }
    let summary = crate::eval::aggregate(&reports);
    let path = out.join("bench.json");
    let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
    std::fs::write(&path, &text).map_err(|source| LaunchError::Io { path, source })?;
    Ok(summary)
}

/// A fresh offline run into `out` with no graph store, as evaluation runs are.
fn offline<'a>(config: &'a RunConfig, out: &Path) -> Launch<'a> {
    Launch {
        config,
        out: out.to_path_buf(),
        resume: false,
        planner: PlannerChoice::Offline,
        external: None,
        store: None,
    }
}

fn score_folder(
    study: &Study,
    truth: &datasets::synth::Truth,
    out: &Path,
) -> Result<EvalReport, LaunchError> {
    let file = crate::output::read_hypotheses(&out.join("hypotheses.json"))
        .map_err(LaunchError::Hypotheses)?;
    Ok(crate::eval::evaluate(truth, &file.hypotheses, study))
}

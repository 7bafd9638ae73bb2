//! The research loop end to end: profile, split, explore under a budget (directions chosen by the
//! planner, analyses run, follow-ups opened), then hypotheses assembled, validated on held-out
//! samples, scored and ranked, and the whole loop calibrated on label-shuffled copies.

use crate::execute::{Context, execute};
use crate::followup::follow_ups;
use crate::hypothesis::{Hypothesis, assemble};
use crate::journal::{Entry, JOURNAL_NAME, Journal, JournalError};
use crate::knowledge::Knowledge;
use crate::ledger::{AnalysisRecord, Ledger, Q_STRONG};
use crate::planner::{OfflinePlanner, PlanContext, Planner};
use crate::profile::{StudyProfile, profile};
use crate::question::{Direction, initial_directions};
use crate::record::GraphRecorder;
use crate::split::Split;
use crate::validate::{ReplicationStatus, validate};
use datasets::{SampleId, Study};
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
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            budget: Budget::default(),
            validation_fraction: 1.0 / 3.0,
            max_hypotheses: 25,
            permutations: 2,
            max_mutations: 8,
            max_prose: 10,
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
        direction: &'a Direction,
        tests: usize,
        strong: usize,
        opened: usize,
        replayed: bool,
    },
    StepFailed {
        step: usize,
        direction: &'a Direction,
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
    /// Label-dependent hypotheses (all kinds but cis) on the real data.
    pub real_hypotheses: usize,
    pub real_replicated: usize,
    /// The same count on each shuffled copy.
    pub null_hypotheses: Vec<usize>,
    pub null_replicated: Vec<usize>,
    /// Mean null count over the real count: the fraction of hypotheses expected by chance.
    pub false_hypothesis_rate: Option<f64>,
    pub false_replicated_rate: Option<f64>,
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
}

pub struct RunResult {
    pub profile: StudyProfile,
    pub split: Split,
    pub ledger: Ledger,
    pub hypotheses: Vec<Hypothesis>,
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

struct Exploration {
    ledger: Ledger,
    failed: usize,
    opened: usize,
    stop_reason: String,
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
    let mut recorder = match persistence.and_then(|p| p.store.as_ref().map(|s| (p, s))) {
        Some((p, store)) => {
            let out = p
                .out_dir
                .canonicalize()
                .unwrap_or_else(|_| p.out_dir.clone());
            let label = format!("{} (seed {}) -> {}", study.name, config.seed, out.display());
            let recorder = GraphRecorder::open(store, study, &label, p.resume, p.fence.clone())?;
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
    let mut hypotheses = conclusion.hypotheses;
    for h in hypotheses.iter_mut().take(config.max_prose) {
        if let Some(prose) = planner.write_statement(h, &exploration.ledger) {
            h.template_statement = Some(std::mem::replace(&mut h.statement, prose));
            h.statement_source = "llm".into();
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
    };
    Ok(RunResult {
        profile,
        split,
        ledger: exploration.ledger,
        hypotheses,
        summary,
    })
}

/// Entries of a journal being replayed, consumed in order.
struct Replay {
    entries: std::collections::VecDeque<Entry>,
    journal: Journal,
}

fn open_journal(
    p: &Persistence,
    study: &Study,
    config: &RunConfig,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<Replay, AgentError> {
    std::fs::create_dir_all(&p.out_dir).map_err(|source| AgentError::Io {
        path: p.out_dir.clone(),
        source,
    })?;
    let path = p.out_dir.join(JOURNAL_NAME);
    let header = Entry::Header {
        study: study.name.clone(),
        seed: config.seed,
        config: serde_json::to_value(config).unwrap_or_default(),
    };
    let mut entries = Vec::new();
    if path.exists() {
        if !p.resume {
            return Err(AgentError::Resume(format!(
                "{} already holds a run; pass --resume to continue it, or choose another output folder",
                path.display()
            )));
        }
        entries = Journal::read(&path)?;
        match entries.first() {
            Some(Entry::Header { study: s, seed, .. })
                if s == &study.name && *seed == config.seed => {}
            Some(Entry::Header { study: s, seed, .. }) => {
                return Err(AgentError::Resume(format!(
                    "{}: the journal is for study {s:?} with seed {seed}, not {:?} with seed {}",
                    path.display(),
                    study.name,
                    config.seed
                )));
            }
            _ => entries.clear(),
        }
        on_event(Event::Resumed {
            steps: entries.len().saturating_sub(1),
        });
    }
    if entries.is_empty() {
        entries.push(header);
    }
    let journal = Journal::open_append(&path, &entries)?;
    Ok(Replay {
        entries: entries.into_iter().skip(1).collect(),
        journal,
    })
}

#[allow(clippy::too_many_arguments)]
fn explore(
    study: &Study,
    knowledge: &Knowledge,
    config: &RunConfig,
    profile: &StudyProfile,
    split: &Split,
    mut replay: Option<&mut Replay>,
    mut recorder: Option<&mut GraphRecorder>,
    planner: &mut dyn Planner,
    stop: Option<&AtomicBool>,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<Exploration, AgentError> {
    let started = Instant::now();
    let scope: HashSet<SampleId> = split.discovery.iter().cloned().collect();
    let ctx = Context {
        study,
        scope: &scope,
        gene_sets: &knowledge.gene_sets,
        seed: config.seed,
    };
    let mut open = initial_directions(profile);
    let mut asked: HashSet<String> = open.iter().map(|d| d.question.key()).collect();
    let mut next_id = open.len();
    let mut ledger = Ledger::default();
    let mut failed = 0;
    let mut opened = 0;
    let mut step = 0;
    let stop_reason = loop {
        if stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            return Err(AgentError::Stopped { steps: step });
        }
        if step >= config.budget.max_analyses {
            break format!("analysis budget of {} reached", config.budget.max_analyses);
        }
        if started.elapsed().as_secs_f64() > config.budget.max_seconds {
            break format!("time budget of {} s reached", config.budget.max_seconds);
        }
        // A journaled step is replayed as recorded, whichever planner chose it then.
        let recorded = replay.as_mut().and_then(|r| r.entries.pop_front());
        let pick = match &recorded {
            Some(entry) => replayed_pick(entry, step, &open)?,
            None => {
                let choice = planner.choose(
                    &open,
                    &PlanContext {
                        profile,
                        ledger: &ledger,
                        step,
                    },
                );
                if let Some(reason) = &choice.fallback {
                    on_event(Event::PlannerFallback { step, reason });
                }
                match choice.index {
                    Some(i) if i < open.len() => {
                        if let Some(r) = choice.rationale {
                            open[i].rationale = r;
                        }
                        i
                    }
                    _ => break "no open direction worth its cost".to_owned(),
                }
            }
        };
        let direction = open.remove(pick);
        let replayed = recorded.is_some();
        let entry = match recorded {
            Some(entry) => entry,
            None => {
                let entry = match execute(&ctx, &direction.question) {
                    Ok(p) => Entry::Analysis(Box::new(AnalysisRecord {
                        step,
                        direction: direction.clone(),
                        module: p.module.to_owned(),
                        params: p.params,
                        layers: p.layers,
                        samples: p.samples,
                        rows: p.rows,
                        not_testable: p.not_testable,
                        notes: p.notes,
                    })),
                    Err(e) => Entry::Failed {
                        step,
                        direction: direction.clone(),
                        reason: e.to_string(),
                    },
                };
                if let Some(r) = replay.as_mut() {
                    r.journal.append(&entry)?;
                }
                entry
            }
        };
        match entry {
            Entry::Analysis(record) => {
                let tests = record.rows.len();
                ledger.push(*record);
                let index = ledger.analyses().len() - 1;
                if let (Some(r), Some(done)) = (recorder.as_mut(), ledger.analyses().last()) {
                    r.record_step(done, &ledger)?;
                }
                let strong = ledger.strong_rows(index, Q_STRONG).len();
                planner.update(direction.question.kind(), strong > 0);
                let mut new = 0;
                for (question, rationale) in follow_ups(study, &ledger, index) {
                    if asked.insert(question.key()) {
                        open.push(Direction {
                            id: next_id,
                            question,
                            priority: 0.9,
                            parent_step: Some(step),
                            rationale,
                        });
                        next_id += 1;
                        new += 1;
                    }
                }
                opened += new;
                on_event(Event::Step {
                    step,
                    direction: &direction,
                    tests,
                    strong,
                    opened: new,
                    replayed,
                });
            }
            Entry::Failed { reason, .. } => {
                failed += 1;
                planner.update(direction.question.kind(), false);
                on_event(Event::StepFailed {
                    step,
                    direction: &direction,
                    reason: &reason,
                });
            }
            Entry::Header { .. } => {}
        }
        step += 1;
    };
    on_event(Event::Stopped {
        reason: &stop_reason,
    });
    Ok(Exploration {
        ledger,
        failed,
        opened,
        stop_reason,
    })
}

/// The open direction a journaled step ran. It must be open now: the loop that wrote the journal
/// opened directions exactly as this one does; anything else means the data or code changed.
fn replayed_pick(entry: &Entry, step: usize, open: &[Direction]) -> Result<usize, AgentError> {
    let (s, d) = match entry {
        Entry::Analysis(r) => (r.step, &r.direction),
        Entry::Failed {
            step, direction, ..
        } => (*step, direction),
        Entry::Header { .. } => return Err(AgentError::Resume("a second journal header".into())),
    };
    let key = d.question.key();
    match open.iter().position(|o| o.question.key() == key) {
        Some(i) if s == step => Ok(i),
        _ => Err(AgentError::Resume(format!(
            "journal step {s} ran {:?}, which this run has not opened at step {step}: the data or the code changed since the run began",
            d.question.describe()
        ))),
    }
}

/// Hypotheses from the ledger: assembled, validated on held-out samples, scored, ranked.
fn conclude(
    study: &Study,
    knowledge: &Knowledge,
    config: &RunConfig,
    split: &Split,
    ledger: &Ledger,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Conclusion {
    let mut hypotheses = assemble(ledger);
    on_event(Event::Validating {
        hypotheses: hypotheses.len(),
    });
    let validation: HashSet<SampleId> = split.validation.iter().cloned().collect();
    let ctx = Context {
        study,
        scope: &validation,
        gene_sets: &knowledge.gene_sets,
        seed: config.seed,
    };
    validate(&mut hypotheses, &ctx, "held-out samples");
    for h in hypotheses.iter_mut() {
        h.score = crate::score::score(h, ledger, knowledge);
    }
    hypotheses.sort_by(|a, b| {
        b.score
            .total
            .total_cmp(&a.score.total)
            .then_with(|| a.statement.cmp(&b.statement))
    });
    let mut seen = HashSet::new();
    hypotheses.retain(|h| seen.insert(h.statement.clone()));
    // Calibration compares everything the loop would claim, before the report's selection.
    let label_dependent_all = hypotheses.iter().filter(|h| label_dependent(h)).count();
    let label_dependent_replicated = hypotheses
        .iter()
        .filter(|h| label_dependent(h) && h.replication.status == ReplicationStatus::Replicated)
        .count();
    hypotheses.truncate(config.max_hypotheses);
    for (i, h) in hypotheses.iter_mut().enumerate() {
        h.rank = i + 1;
        h.id = format!("H{}", i + 1);
    }
    let replicated = hypotheses
        .iter()
        .filter(|h| h.replication.status == ReplicationStatus::Replicated)
        .count();
    Conclusion {
        hypotheses,
        replicated,
        label_dependent: label_dependent_all,
        label_dependent_replicated,
    }
}

/// The ranked hypotheses a run presents, and the counts calibration compares (taken before the
/// presentation's per-kind cap and truncation, so real and shuffled runs are counted alike).
struct Conclusion {
    hypotheses: Vec<Hypothesis>,
    replicated: usize,
    label_dependent: usize,
    label_dependent_replicated: usize,
}

/// Whether a hypothesis depends on sample labels (clinical data or mutations); cis dosage
/// effects and tumour/normal contrasts survive shuffling by design and are not counted.
fn label_dependent(h: &Hypothesis) -> bool {
    !matches!(
        h.kind,
        crate::question::QuestionKind::Cis | crate::question::QuestionKind::TumorVsNormal
    )
}

fn calibrate(
    study: &Study,
    knowledge: &Knowledge,
    config: &RunConfig,
    (real_hypotheses, real_replicated): (usize, usize),
    stop: Option<&AtomicBool>,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<Calibration, AgentError> {
    let mut c = Calibration {
        permutations: config.permutations,
        real_hypotheses,
        real_replicated,
        ..Calibration::default()
    };
    for k in 0..config.permutations {
        on_event(Event::Calibrating {
            permutation: k + 1,
            of: config.permutations,
        });
        let shuffled =
            crate::permute::shuffle_labels(study, config.seed.wrapping_add(1000 + k as u64));
        let null_config = RunConfig {
            permutations: 0,
            ..config.clone()
        };
        let profile = profile(&shuffled, config.max_mutations);
        let split = Split::draw(&shuffled, config.validation_fraction, config.seed);
        // Calibration uses the offline rules: it measures the loop's error control, and model
        // calls on shuffled data would only spend tokens.
        let mut offline = OfflinePlanner::default();
        let exploration = explore(
            &shuffled,
            knowledge,
            &null_config,
            &profile,
            &split,
            None,
            None,
            &mut offline,
            stop,
            &mut |_| {},
        )?;
        let null = conclude(
            &shuffled,
            knowledge,
            &null_config,
            &split,
            &exploration.ledger,
            &mut |_| {},
        );
        c.null_hypotheses.push(null.label_dependent);
        c.null_replicated.push(null.label_dependent_replicated);
    }
    let mean = |v: &[usize]| v.iter().sum::<usize>() as f64 / v.len().max(1) as f64;
    if config.permutations > 0 {
        c.false_hypothesis_rate = (c.real_hypotheses > 0)
            .then(|| (mean(&c.null_hypotheses) / c.real_hypotheses as f64).min(1.0));
        c.false_replicated_rate = (c.real_replicated > 0)
            .then(|| (mean(&c.null_replicated) / c.real_replicated as f64).min(1.0));
    }
    Ok(c)
}

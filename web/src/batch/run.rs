//! Running a manifest: register its studies, store its schedules, queue one job per study, run
//! workers until those jobs are final, and summarise each with the diff against the study's
//! previous run.

use super::manifest::{Manifest, StudyEntry};
use super::progress::{Progress, ProgressMode};
use crate::jobs::study::load_new_study;
use crate::jobs::webhook::Webhook;
use crate::jobs::{Clock, Worker, WorkerConfig};
use crate::schedule;
use datasets::summary::StudySummary;
use graph::RunId;
use graph::control::{
    ControlError, ControlStore, Job, JobFilter, JobId, JobState, JobTrigger, NewJob, NewStudy,
    StudyRecord, StudySource,
};
use serde::Deserialize;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How the batch runs its workers.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    /// How long a claim lasts without renewal; a killed batch's jobs wait this long before
    /// another worker (a later batch, or `hypomics serve` on the same store) resumes them.
    pub lease: Duration,
    /// First retry delay after a failed attempt (doubled each further attempt).
    pub retry_base: Duration,
    /// Attempts per job. Bad input fails at once whatever this says; retries are for passing
    /// trouble (a locked store, an LLM endpoint that was down).
    pub max_attempts: u32,
    /// How often the batch looks at its jobs, and idle workers at the queue.
    pub poll: Duration,
    pub progress: ProgressMode,
    /// The model for studies with `planner = "llm"` (from `HYPOMICS_LLM_*`).
    pub llm: Option<crate::jobs::worker::LlmSetting>,
    /// The secret the manifest's webhook calls are signed with (`HYPOMICS_WEBHOOK_SECRET`);
    /// required when the manifest has a webhook.
    pub webhook_secret: Option<String>,
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(60),
            retry_base: Duration::from_secs(5),
            max_attempts: 3,
            poll: Duration::from_millis(250),
            llm: None,
            progress: ProgressMode::Auto,
            webhook_secret: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("opening the job queue in {}: {source}", graph::sql::shown(path))]
    Open {
        path: PathBuf,
        source: graph::StoreError,
    },
    #[error("creating {}: {source}", path.display())]
    Workspace {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: study `{name}`: {message}", manifest.display())]
    Study {
        manifest: PathBuf,
        line: usize,
        name: String,
        message: String,
    },
    #[error("job queue: {0}")]
    Control(#[from] ControlError),
    #[error("a batch worker stopped: {0}")]
    Worker(String),
    #[error("{}: webhook: {message}", manifest.display())]
    Webhook { manifest: PathBuf, message: String },
}

/// Hypotheses of a run compared with the study's previous run.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DiffCounts {
    pub against: RunId,
    pub new: usize,
    pub lost: usize,
    pub strengthened: usize,
    pub weakened: usize,
    pub unchanged: usize,
}

/// One study's line of the summary.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SummaryRow {
    pub study: String,
    pub job: JobId,
    pub state: JobState,
    /// `ran`, `unchanged`, `failed` or `cancelled`.
    pub outcome: String,
    pub run: Option<RunId>,
    pub hypotheses: Option<u64>,
    /// `None` for a first run, a skipped one, or a failure.
    pub diff: Option<DiffCounts>,
    pub seconds: Option<f64>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct BatchReport {
    /// Shown without a PostgreSQL password.
    #[serde(serialize_with = "shown_store")]
    pub store: PathBuf,
    pub rows: Vec<SummaryRow>,
    /// Schedules the manifest stored, as `study: cron (zone), next run`.
    pub schedules: Vec<String>,
}

fn shown_store<S: serde::Serializer>(store: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&graph::sql::shown(store))
}

impl BatchReport {
    /// Jobs that ended failed or cancelled.
    pub fn failed(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.state != JobState::Done)
            .count()
    }

    /// The summary as an aligned text table, then one line per failure with its error.
    pub fn table(&self) -> String {
        let dash = || "–".to_owned();
        let header = [
            "study",
            "job",
            "state",
            "outcome",
            "hypotheses",
            "new",
            "lost",
            "stronger",
            "weaker",
            "vs run",
            "seconds",
        ];
        let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| (*h).to_owned()).collect()];
        for r in &self.rows {
            let d = r.diff.as_ref();
            let count = |f: fn(&DiffCounts) -> usize| d.map_or_else(dash, |d| f(d).to_string());
            rows.push(vec![
                r.study.clone(),
                r.job.to_string(),
                r.state.to_string(),
                r.outcome.clone(),
                r.hypotheses.map_or_else(dash, |h| h.to_string()),
                count(|d| d.new),
                count(|d| d.lost),
                count(|d| d.strengthened),
                count(|d| d.weakened),
                d.map_or_else(dash, |d| d.against.to_string()),
                r.seconds.map_or_else(dash, |s| format!("{s:.1}")),
            ]);
        }
        let widths: Vec<usize> = (0..header.len())
            .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in &rows {
            let line: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, cell)| {
                    // Text columns left, numbers right.
                    if c < 4 {
                        format!("{cell:<w$}", w = widths[c])
                    } else {
                        format!("{cell:>w$}", w = widths[c])
                    }
                })
                .collect();
            let _ = writeln!(out, "{}", line.join("  ").trim_end());
        }
        for r in self.rows.iter().filter(|r| r.error.is_some()) {
            if r.state != JobState::Done {
                let _ = writeln!(
                    out,
                    "job {} ({}) {}: {}",
                    r.job,
                    r.study,
                    r.state,
                    r.error.as_deref().unwrap_or("")
                );
            }
        }
        for s in &self.schedules {
            let _ = writeln!(out, "scheduled: {s}");
        }
        out
    }
}

fn study_error(manifest: &Manifest, entry: &StudyEntry, message: String) -> BatchError {
    BatchError::Study {
        manifest: manifest.file.clone(),
        line: entry.line,
        name: entry.name.clone(),
        message,
    }
}

/// Registers the entry's study unless registered, refusing a name that already means another
/// folder: two manifests must not silently share one study's change history.
fn ensure(
    control: &mut ControlStore,
    manifest: &Manifest,
    entry: &StudyEntry,
    clock: &dyn Clock,
) -> Result<StudyRecord, BatchError> {
    if let Some(existing) = control.study_by_name(&entry.name)? {
        let same = existing.source == entry.source
            && (entry.source == StudySource::Demo || existing.path == entry.path);
        if !same {
            let was = existing
                .path
                .as_ref()
                .map_or_else(|| existing.source.to_string(), |p| p.display().to_string());
            return Err(study_error(
                manifest,
                entry,
                format!(
                    "the store already has a study of this name for {was}; rename the entry or use another store"
                ),
            ));
        }
        return Ok(existing);
    }
    let mut study = NewStudy {
        name: entry.name.clone(),
        source: entry.source,
        path: entry.path.clone(),
        profile: None,
    };
    // The profile is what the dashboard shows about a study. A folder that does not load is
    // still registered and queued: its job fails with the loader's message, and the other
    // studies of the batch run, rather than one bad folder stopping them all.
    study.profile = load_new_study(&study).ok().map(|s| StudySummary::of(&s));
    Ok(control.ensure_study(study, clock.now())?)
}

/// The previous completed run of the job's study, for the diff: from the queue's own history,
/// which knows the study exactly.
fn previous_run(control: &ControlStore, job: &Job) -> Result<Option<RunId>, ControlError> {
    let done = control.jobs(&JobFilter {
        study: Some(job.study),
        state: Some(JobState::Done),
        limit: None,
    })?;
    Ok(done
        .into_iter()
        .filter(|j| j.id < job.id && j.outcome.as_deref() == Some("ran"))
        .filter_map(|j| j.run)
        .find(|r| Some(*r) != job.run))
}

fn summary_row(
    control: &ControlStore,
    graph: Option<&graph::ResearchGraph>,
    name: &str,
    job: &Job,
) -> Result<SummaryRow, ControlError> {
    let outcome = match job.state {
        JobState::Done => job.outcome.clone().unwrap_or_else(|| "ran".into()),
        JobState::Failed => "failed".into(),
        other => other.to_string(),
    };
    let ran = job.state == JobState::Done && outcome == "ran";
    let diff = match (ran, job.run, graph) {
        (true, Some(run), Some(graph)) => previous_run(control, job)?
            .or_else(|| graph.previous_run_of_same_study(run))
            .and_then(|prev| graph.diff_runs(prev, run).ok())
            .map(|d| DiffCounts {
                against: d.from,
                new: d.new.len(),
                lost: d.lost.len(),
                strengthened: d.strengthened.len(),
                weakened: d.weakened.len(),
                unchanged: d.unchanged.len(),
            }),
        _ => None,
    };
    let seconds = match (job.started_at, job.finished_at) {
        (Some(s), Some(f)) => Some((f.millis() - s.millis()) as f64 / 1000.0),
        _ => None,
    };
    Ok(SummaryRow {
        study: name.to_owned(),
        job: job.id,
        state: job.state,
        outcome,
        run: job.run,
        hypotheses: if ran {
            job.result
                .as_ref()
                .and_then(|r| RanResult::deserialize(r).ok())
                .and_then(|r| r.hypotheses)
        } else {
            None
        },
        diff,
        seconds,
        error: job.error.clone(),
    })
}

/// Runs the manifest to the end and returns its summary. Workers take jobs from the shared
/// queue in order, so jobs already queued in the store (by a server, or a batch that was
/// killed) are worked off too; the batch ends when its own jobs are final.
pub fn run_batch(
    manifest: &Manifest,
    options: &BatchOptions,
    clock: Arc<dyn Clock>,
) -> Result<BatchReport, BatchError> {
    let webhook = match &manifest.webhook {
        Some(url) => Some(
            Webhook::new(
                url.clone(),
                options.webhook_secret.clone().unwrap_or_default(),
            )
            .map_err(|message| BatchError::Webhook {
                manifest: manifest.file.clone(),
                message,
            })?,
        ),
        None => None,
    };
    for dir in [&manifest.workspace, &manifest.runs_dir] {
        std::fs::create_dir_all(dir).map_err(|source| BatchError::Workspace {
            path: dir.clone(),
            source,
        })?;
    }
    if let Some(parent) = manifest.store.parent() {
        std::fs::create_dir_all(parent).map_err(|source| BatchError::Workspace {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let mut control = ControlStore::open(&manifest.store).map_err(|source| BatchError::Open {
        path: manifest.store.clone(),
        source,
    })?;
    let mut records = Vec::with_capacity(manifest.studies.len());
    for entry in &manifest.studies {
        records.push(ensure(&mut control, manifest, entry, clock.as_ref())?);
    }
    let mut schedules = Vec::new();
    for (entry, record) in manifest.studies.iter().zip(&records) {
        if let Some(s) = &entry.schedule {
            let spec = serde_json::to_value(&entry.spec)
                .map_err(|e| study_error(manifest, entry, e.to_string()))?;
            let stored = schedule::upsert(
                &mut control,
                record.id,
                &s.cron,
                &s.timezone,
                spec,
                clock.now(),
            )
            .map_err(|e| study_error(manifest, entry, format!("schedule: {e}")))?;
            let next = stored.next_run_at.map_or_else(
                || "never".to_owned(),
                |t| {
                    schedule::cron::parse_zone(&stored.timezone)
                        .map_or_else(|_| t.to_string(), |z| schedule::cron::local_text(z, t))
                },
            );
            schedules.push(format!(
                "{}: `{}` ({}), next run {next} (schedule {}; `hypomics serve` on this store fires it)",
                entry.name, stored.cron, stored.timezone, stored.id
            ));
        }
    }
    let mut jobs = Vec::with_capacity(records.len());
    for (entry, record) in manifest.studies.iter().zip(&records) {
        let spec = serde_json::to_value(&entry.spec)
            .map_err(|e| study_error(manifest, entry, e.to_string()))?;
        let job = control.enqueue(
            NewJob {
                study: record.id,
                spec,
                trigger: JobTrigger::Batch,
                schedule: None,
                force: entry.force,
                max_attempts: options.max_attempts,
            },
            clock.now(),
        )?;
        jobs.push(job.id);
    }
    let names: Vec<String> = manifest.studies.iter().map(|s| s.name.clone()).collect();
    let finished = work_until_final(
        manifest,
        options,
        webhook.as_ref(),
        &clock,
        &mut control,
        &jobs,
        &names,
    )?;
    // Webhook calls run on their own threads; let them land before the batch exits.
    crate::jobs::webhook::wait_for_deliveries(Duration::from_secs(40));
    let graph = graph::ResearchGraph::open_read_only(&manifest.store).ok();
    let rows = names
        .iter()
        .zip(&finished)
        .map(|(name, job)| summary_row(&control, graph.as_ref(), name, job))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(BatchReport {
        store: manifest.store.clone(),
        rows,
        schedules,
    })
}

/// Runs `parallel` worker threads until every job in `jobs` is final, showing progress.
fn work_until_final(
    manifest: &Manifest,
    options: &BatchOptions,
    webhook: Option<&Webhook>,
    clock: &Arc<dyn Clock>,
    control: &mut ControlStore,
    jobs: &[JobId],
    names: &[String],
) -> Result<Vec<Job>, BatchError> {
    let done = Arc::new(AtomicBool::new(false));
    // Unique among everything sharing the store, on any host: the pid alone repeats across
    // machines (and containers), so a random part follows it.
    let random = crate::auth::generate_token();
    let process = format!(
        "batch-{}-{}",
        std::process::id(),
        random.get(..8).unwrap_or(&random)
    );
    let threads: Vec<_> = (0..manifest.parallel)
        .map(|i| {
            let config = WorkerConfig {
                lease: options.lease,
                retry_base: options.retry_base,
                webhook: webhook.cloned(),
                llm: options.llm.clone(),
                ..WorkerConfig::new(
                    format!("{process}-{i}"),
                    manifest.store.clone(),
                    manifest.runs_dir.clone(),
                )
            };
            let worker = Worker::new(config, clock.clone());
            let done = done.clone();
            let poll = options.poll;
            std::thread::spawn(move || -> Result<(), String> {
                let mut failures = 0u32;
                while !done.load(Ordering::SeqCst) {
                    match worker.run_once() {
                        Ok(Some(_)) => failures = 0,
                        Ok(None) => std::thread::sleep(poll),
                        // A locked or briefly unreadable store: try again, but do not spin on a
                        // store that is gone for good.
                        Err(e) => {
                            failures += 1;
                            if failures >= 20 {
                                return Err(format!("{}: {e}", worker.name()));
                            }
                            std::thread::sleep(poll * 4);
                        }
                    }
                }
                Ok(())
            })
        })
        .collect();
    let mut progress = Progress::new(options.progress, names);
    let mut seen = vec![0i64; jobs.len()];
    let mut latest: Vec<Option<graph::control::JobEvent>> = vec![None; jobs.len()];
    let result = loop {
        let mut current = Vec::with_capacity(jobs.len());
        let mut failed = None;
        for (i, id) in jobs.iter().enumerate() {
            match control.job(*id) {
                Ok(job) => {
                    if let Ok(events) = control.events_since(*id, seen[i], 1000)
                        && let Some(last) = events.into_iter().last()
                    {
                        seen[i] = last.seq;
                        latest[i] = Some(last);
                    }
                    progress.update(i, &job, latest[i].as_ref());
                    current.push(job);
                }
                Err(e) => failed = Some(e),
            }
        }
        if let Some(e) = failed {
            break Err(BatchError::Control(e));
        }
        if current.iter().all(|j| j.state.is_final()) {
            break Ok(current);
        }
        if threads.iter().all(std::thread::JoinHandle::is_finished) {
            break Err(BatchError::Worker(
                "every worker stopped before the batch's jobs ended".into(),
            ));
        }
        std::thread::sleep(options.poll);
    };
    done.store(true, Ordering::SeqCst);
    progress.finish();
    let mut worker_error = None;
    for t in threads {
        match t.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => worker_error = Some(e),
            Err(_) => worker_error = Some("a worker thread panicked".to_owned()),
        }
    }
    match (result, worker_error) {
        (Ok(jobs), _) => Ok(jobs),
        (Err(BatchError::Worker(_)), Some(e)) => Err(BatchError::Worker(e)),
        (Err(e), _) => Err(e),
    }
}

/// What the batch summary reads of a job that ran: the run summary the worker stored as the
/// job's result (`agent::output`'s summary, whose other fields the summary row does not need).
#[derive(Deserialize)]
struct RanResult {
    #[serde(default)]
    hypotheses: Option<u64>,
}

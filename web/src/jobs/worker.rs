//! A worker takes one job at a time from the store's queue and runs the research loop for it.
//!
//! The job is held by a lease that a heartbeat thread renews; if this process dies the lease
//! runs out and any worker sharing the store recovers the job and resumes the run from its
//! journal, which sits in a folder named after the job, so no finished step is lost or repeated.
//! Cancellation travels the same way: the heartbeat sees the store's cancel flag and raises the
//! run's stop flag, and the loop stops between steps.
//!
//! Unless a job is forced, the study's input files are hashed first and compared with the last
//! completed run of the study: identical inputs end the job as `unchanged` without running.

use super::clock::Clock;
use super::spec::{JobSpec, PlannerChoice};
use super::study::{input_hashes, load_study};
use agent::run::{AgentError, Persistence};
use graph::Timestamp;
use graph::control::{ControlError, ControlStore, Fence, Job, Outcome, StudyRecord, WorkerEvent};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How a worker behaves; one per worker thread.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Unique among everything sharing the store (host, process and thread make one).
    pub name: String,
    /// The graph store holding the queue, where runs are recorded too.
    pub store: PathBuf,
    /// Runs write their journal and outputs to `runs_dir/job-<id>/`.
    pub runs_dir: PathBuf,
    /// How long a claim lasts without renewal. A killed worker's job waits this long.
    pub lease: Duration,
    /// First retry delay after a failed attempt; doubled each further attempt.
    pub retry_base: Duration,
    /// Called with every job that reached a final state (webhooks).
    pub webhook: Option<super::webhook::Webhook>,
    /// The model `llm` jobs plan with, read from `HYPOMICS_LLM_*` where the worker starts;
    /// `None`: such jobs fail at once, saying what to set.
    pub llm: Option<LlmSetting>,
}

/// An LLM endpoint for workers. Its own type so `Debug` never prints the API key.
#[derive(Clone)]
pub struct LlmSetting(pub agent::llm::LlmConfig);

impl std::fmt::Debug for LlmSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LlmSetting(model {})", self.0.model)
    }
}

impl WorkerConfig {
    pub fn new(name: impl Into<String>, store: PathBuf, runs_dir: PathBuf) -> Self {
        Self {
            name: name.into(),
            store,
            runs_dir,
            lease: Duration::from_secs(60),
            retry_base: Duration::from_secs(30),
            webhook: None,
            llm: None,
        }
    }
}

/// Failures of the worker itself (not of a job, which are recorded on the job).
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("job queue: {0}")]
    Control(#[from] ControlError),
    #[error("opening the job queue in {}: {source}", graph::sql::shown(path))]
    Open {
        path: PathBuf,
        source: graph::StoreError,
    },
}

pub struct Worker {
    config: WorkerConfig,
    clock: Arc<dyn Clock>,
    /// The worker's connection to the queue, opened on first use and kept: an idle worker
    /// polls often.
    control: std::sync::Mutex<Option<ControlStore>>,
}

fn at_offset(t: Timestamp, d: Duration) -> Timestamp {
    Timestamp::from_millis(
        t.millis()
            .saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
    )
}

impl Worker {
    pub fn new(config: WorkerConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            config,
            clock,
            control: std::sync::Mutex::new(None),
        }
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    fn open(&self) -> Result<ControlStore, WorkerError> {
        ControlStore::open(&self.config.store).map_err(|source| WorkerError::Open {
            path: self.config.store.clone(),
            source,
        })
    }

    /// Recovers jobs of dead workers, then claims and runs the next due job. Returns the job as it
    /// ended, or `None` when nothing was due.
    pub fn run_once(&self) -> Result<Option<Job>, WorkerError> {
        let mut slot = self
            .control
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let control = match slot.take() {
            Some(open) => slot.insert(open),
            None => slot.insert(self.open()?),
        };
        let result = self.run_once_on(control);
        if result.is_err() {
            // A broken connection is opened afresh next time.
            *slot = None;
        }
        result
    }

    fn run_once_on(&self, control: &mut ControlStore) -> Result<Option<Job>, WorkerError> {
        let now = self.clock.now();
        for r in control.recover_expired(now, now)? {
            let _ = control.record_event(
                r.job,
                WorkerEvent::Recovered {
                    from_worker: r.worker,
                    state: r.state,
                },
                now,
            );
        }
        let Some(job) =
            control.claim_next(&self.config.name, now, at_offset(now, self.config.lease))?
        else {
            return Ok(None);
        };
        let ended = self.execute(control, job)?;
        if let (Some(url), Some(job)) = (&self.config.webhook, &ended)
            && job.state.is_final()
        {
            super::webhook::notify(url, &self.config.store, control, job);
        }
        Ok(ended)
    }

    /// Runs a claimed job to its end and records how it ended.
    fn execute(&self, control: &mut ControlStore, job: Job) -> Result<Option<Job>, WorkerError> {
        // A claimed job is running under this worker, so it has a fence; anything else means
        // another worker holds it already.
        let Some(fence) = job.fence() else {
            return Ok(Some(job));
        };
        let now = self.clock.now();
        let _ = control.record_worker_event(
            &fence,
            WorkerEvent::Claimed {
                worker: fence.worker.clone(),
                attempt: fence.attempt,
            },
            now,
        );
        let outcome = match self.attempt(control, &job, &fence) {
            Ok(outcome) => outcome,
            Err(Lost) => return Ok(Some(control.job(job.id)?)),
        };
        let now = self.clock.now();
        // `finish` records the `finished` event in the same transaction.
        Ok(control.finish(&fence, outcome, now)?)
    }

    fn retry_at(&self, attempts: u32) -> Timestamp {
        let factor = 1u32 << attempts.saturating_sub(1).min(10);
        at_offset(self.clock.now(), self.config.retry_base * factor)
    }

    fn attempt(
        &self,
        control: &mut ControlStore,
        job: &Job,
        fence: &Fence,
    ) -> Result<Outcome, Lost> {
        let fail = |error: String, retry: bool| Outcome::Failed {
            error,
            retry_at: retry.then(|| self.retry_at(job.attempts)),
        };
        let spec: JobSpec = match serde_json::from_value(job.spec.clone()) {
            Ok(spec) => spec,
            Err(e) => return Ok(fail(format!("job spec: {e}"), false)),
        };
        let record = match control.study(job.study) {
            Ok(Some(r)) => r,
            Ok(None) => {
                return Ok(fail(
                    format!("study {} is not registered", job.study),
                    false,
                ));
            }
            Err(e) => return Ok(fail(e.to_string(), true)),
        };
        // Bad input does not improve on retry; say what is wrong once.
        let study = match load_study(&record) {
            Ok(s) => s,
            Err(e) => return Ok(fail(e, false)),
        };
        if spec.planner == PlannerChoice::Llm && self.config.llm.is_none() {
            return Ok(fail(
                "the llm planner needs a model: start the server (or batch) with HYPOMICS_LLM_BASE_URL set (see the README)".into(),
                false,
            ));
        }
        let hashes = input_hashes(&study);
        if let Some(unchanged) = self.unchanged(control, job, fence, &record, &hashes) {
            return Ok(unchanged);
        }
        // A job folder named in the store is kept: a job resumed by another server (sharing the
        // runs folder) continues the same journal.
        let out_dir = job
            .out_dir
            .clone()
            .unwrap_or_else(|| self.config.runs_dir.join(format!("job-{}", job.id)));
        if !control
            .set_job_context(fence, Some(&out_dir), Some(&hashes), None)
            .unwrap_or(false)
        {
            return Err(Lost);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let lost = Arc::new(AtomicBool::new(false));
        let heartbeat = self.heartbeat(fence.clone(), stop.clone(), lost.clone());
        let result = self.run_agent(control, fence, &spec, &study, &out_dir, stop.clone(), &lost);
        heartbeat.finish();
        if lost.load(Ordering::SeqCst) {
            return Err(Lost);
        }
        Ok(match result {
            Ok(summary) => Outcome::Done {
                outcome: "ran".into(),
                result: summary,
            },
            Err(AgentError::Stopped { .. }) => Outcome::Cancelled,
            Err(e) => fail(e.to_string(), true),
        })
    }

    /// `Some(done)` when the job may skip: not forced, and the inputs equal those of the study's
    /// last completed run.
    fn unchanged(
        &self,
        control: &mut ControlStore,
        job: &Job,
        fence: &Fence,
        record: &StudyRecord,
        hashes: &BTreeMap<String, String>,
    ) -> Option<Outcome> {
        if job.force {
            return None;
        }
        let previous = control.last_completed_run(record.id).ok()??;
        if previous.input_hashes.as_ref() != Some(hashes) {
            return None;
        }
        let _ = control.set_job_context(fence, None, Some(hashes), None);
        Some(Outcome::Done {
            outcome: "unchanged".into(),
            result: serde_json::json!({
                "reason": "the study's input files have the same SHA-256 as when it last ran",
                "previous_job": previous.id,
                "previous_run": previous.run,
            }),
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn run_agent(
        &self,
        control: &mut ControlStore,
        fence: &Fence,
        spec: &JobSpec,
        study: &datasets::Study,
        out_dir: &std::path::Path,
        stop: Arc<AtomicBool>,
        lost: &AtomicBool,
    ) -> Result<serde_json::Value, AgentError> {
        let knowledge = agent::knowledge::Knowledge::embedded().map_err(AgentError::Knowledge)?;
        let llm = self.config.llm.clone().map(|LlmSetting(config)| config);
        let mut planner = spec
            .planner
            .build(llm)
            .map_err(|e| AgentError::Knowledge(e.to_string()))?;
        let persistence = Persistence {
            out_dir: out_dir.to_path_buf(),
            resume: out_dir.join(agent::journal::JOURNAL_NAME).exists(),
            store: Some(self.config.store.clone()),
            stop: Some(stop),
            fence: Some(fence.clone()),
        };
        let config = spec.run_config();
        let clock = self.clock.clone();
        let mut on_event = |event: agent::run::Event<'_>| {
            if let agent::run::Event::Recording { run } = &event {
                let _ = control.set_job_context(fence, None, None, Some(*run));
            }
            // Progress is best effort: a busy store must not fail the run. A fenced-off worker's
            // events are refused by the store.
            let _ = control.record_worker_event(fence, event.progress(), clock.now());
        };
        let result = agent::run::run(
            study,
            &knowledge,
            &config,
            Some(&persistence),
            planner.as_mut(),
            &mut on_event,
        )?;
        // The outputs go where a successor would write its own: only while the lease holds.
        let until = at_offset(self.clock.now(), self.config.lease);
        if lost.load(Ordering::SeqCst) || !matches!(control.renew_lease(fence, until), Ok(Some(_)))
        {
            lost.store(true, Ordering::SeqCst);
            return Err(AgentError::Stopped { steps: 0 });
        }
        agent::output::write_outputs(&result, study, out_dir)?;
        let mut summary = serde_json::to_value(&result.summary).unwrap_or_default();
        if let Some(map) = summary.as_object_mut() {
            map.insert(
                "out_dir".into(),
                serde_json::Value::String(out_dir.display().to_string()),
            );
            if let Ok(job) = control.job(fence.job) {
                map.insert("run".into(), serde_json::json!(job.run));
            }
        }
        Ok(summary)
    }

    /// Renews the lease a few times per lease period and watches for cancellation. A worker
    /// that cannot renew (the store refuses, or is unreachable until the lease would run out)
    /// raises `lost` and `stop`: past its lease another worker may own the job.
    fn heartbeat(&self, fence: Fence, stop: Arc<AtomicBool>, lost: Arc<AtomicBool>) -> Heartbeat {
        let done = Arc::new(AtomicBool::new(false));
        let config = self.config.clone();
        let clock = self.clock.clone();
        let flag = done.clone();
        // Renewing writes to the store, so it happens a few times per lease; looking for a
        // cancellation only reads, so it happens often enough that Cancel feels immediate.
        let renew_every = (config.lease / 4).max(Duration::from_millis(50));
        let look_every = renew_every.min(Duration::from_millis(250));
        let thread = std::thread::spawn(move || {
            let give_up = |why: String| {
                eprintln!(
                    "worker {}: job {}: {why}; stopping",
                    fence.worker, fence.job
                );
                lost.store(true, Ordering::SeqCst);
                stop.store(true, Ordering::SeqCst);
            };
            let mut control = match ControlStore::open(&config.store) {
                Ok(c) => c,
                Err(e) => return give_up(format!("cannot open the store to renew the lease: {e}")),
            };
            // The lease is good until this instant (by the last successful renewal).
            let mut held_until = std::time::Instant::now() + config.lease;
            let mut last_renewal: Option<std::time::Instant> = None;
            while !flag.load(Ordering::SeqCst) {
                if last_renewal.is_none_or(|t| t.elapsed() >= renew_every) {
                    let until = at_offset(clock.now(), config.lease);
                    match control.renew_lease(&fence, until) {
                        Ok(Some(_)) => {
                            let now = std::time::Instant::now();
                            last_renewal = Some(now);
                            held_until = now + config.lease;
                        }
                        Ok(None) => {
                            return give_up("the lease moved to another worker".into());
                        }
                        Err(e) if std::time::Instant::now() >= held_until => {
                            return give_up(format!("lease ran out, last renewal failed: {e}"));
                        }
                        Err(e) => {
                            eprintln!(
                                "worker {}: job {}: renewing the lease failed ({e}); retrying",
                                fence.worker, fence.job
                            );
                            last_renewal = Some(std::time::Instant::now());
                            if let Ok(fresh) = ControlStore::open(&config.store) {
                                control = fresh;
                            }
                        }
                    }
                }
                if let Ok(j) = control.job(fence.job)
                    && j.cancel_requested
                {
                    stop.store(true, Ordering::SeqCst);
                }
                let mut slept = Duration::ZERO;
                while slept < look_every && !flag.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(25));
                    slept += Duration::from_millis(25);
                }
            }
        });
        Heartbeat {
            done,
            thread: Some(thread),
        }
    }
}

/// This worker no longer holds the job (its lease expired and someone else took it over).
struct Lost;

struct Heartbeat {
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Heartbeat {
    fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.stop();
    }
}

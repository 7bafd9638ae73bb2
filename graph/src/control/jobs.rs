//! The durable job queue. A job runs the research loop once on one study; its life is
//! `queued -> running -> done | failed | cancelled`, with `running -> queued` again when an attempt
//! fails and retries remain, or when the worker holding it disappeared (its lease expired).
//!
//! Ownership is a lease: a worker claims a job for a while and renews the lease as it makes
//! progress. A worker that dies stops renewing, and [`ControlStore::recover_expired`] (called by
//! every worker before claiming) hands the job to the next claimant, which resumes the run's
//! journal. Claims, renewals and finishes check the worker's name, so a worker that lost its lease
//! cannot overwrite the job its successor now holds.

use super::{
    ControlError, ControlResult, ControlStore, JobId, ScheduleId, StudyId, json_column,
    study_exists,
};
use crate::RunId;
use crate::text_enum::text_enum;
use crate::time::Timestamp;
use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

text_enum! {
    pub enum JobState {
        Queued => "queued",
        Running => "running",
        Done => "done",
        Failed => "failed",
        Cancelled => "cancelled",
    }
}

impl JobState {
    /// Whether the job will not change again without someone resuming it.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::Failed | Self::Cancelled)
    }
}

text_enum! {
    /// Who asked for a job.
    pub enum JobTrigger {
        /// A user, through the API or dashboard.
        Manual => "manual",
        /// A cron schedule fired.
        Schedule => "schedule",
        /// `hypomics batch`.
        Batch => "batch",
    }
}

/// What to enqueue.
#[derive(Clone, Debug)]
pub struct NewJob {
    pub study: StudyId,
    /// What to run (planner, budget, seed ...), owned by the caller.
    pub spec: serde_json::Value,
    pub trigger: JobTrigger,
    pub schedule: Option<ScheduleId>,
    /// Run even when the study's inputs did not change since its last completed run.
    pub force: bool,
    /// Attempts before a failing job is given up (at least 1).
    pub max_attempts: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct Job {
    pub id: JobId,
    pub study: StudyId,
    pub spec: serde_json::Value,
    pub trigger: JobTrigger,
    pub schedule: Option<ScheduleId>,
    pub force: bool,
    pub state: JobState,
    pub attempts: u32,
    pub max_attempts: u32,
    /// Not to be claimed before this instant (retry backoff).
    pub not_before: Timestamp,
    pub worker: Option<String>,
    pub lease_until: Option<Timestamp>,
    pub cancel_requested: bool,
    /// The graph run the job recorded, once it started one.
    pub run: Option<RunId>,
    /// Where the run keeps its journal and outputs; kept across attempts so a retry resumes.
    pub out_dir: Option<PathBuf>,
    /// File name -> SHA-256 of the study's inputs as this job saw them.
    pub input_hashes: Option<BTreeMap<String, String>>,
    /// `ran` or `unchanged` (skipped because the inputs had not changed) for done jobs.
    pub outcome: Option<String>,
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
}

/// How an attempt ended, as the worker reports it.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The run finished (`outcome` says whether it ran or was skipped as unchanged).
    Done {
        outcome: String,
        result: serde_json::Value,
    },
    /// The attempt failed; retried at `retry_at` if attempts remain, else the job fails.
    Failed {
        error: String,
        retry_at: Option<Timestamp>,
    },
    /// The worker stopped because cancellation was requested.
    Cancelled,
}

/// A job taken back from a worker whose lease expired.
#[derive(Clone, Debug, Serialize)]
pub struct Recovered {
    pub job: JobId,
    pub worker: Option<String>,
    /// Its state after recovery: queued again, or failed when no attempts remained.
    pub state: JobState,
}

/// Which jobs to list.
#[derive(Clone, Debug, Default)]
pub struct JobFilter {
    pub study: Option<StudyId>,
    pub state: Option<JobState>,
    pub limit: Option<usize>,
}

const COLUMNS: &str = "id, study_id, spec, trigger, schedule_id, force, state, attempts, max_attempts, not_before, worker, lease_until, cancel_requested, run_id, out_dir, input_hashes, outcome, result, error, created_at, started_at, finished_at";

/// The raw columns, read inside rusqlite's row callback; parsing that can fail with our own errors
/// happens after, in [`RawJob::parse`].
struct RawJob {
    id: i64,
    study: i64,
    spec: String,
    trigger: String,
    schedule: Option<i64>,
    force: bool,
    state: String,
    attempts: u32,
    max_attempts: u32,
    not_before: i64,
    worker: Option<String>,
    lease_until: Option<i64>,
    cancel_requested: bool,
    run: Option<i64>,
    out_dir: Option<String>,
    input_hashes: Option<String>,
    outcome: Option<String>,
    result: Option<String>,
    error: Option<String>,
    created_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
}

fn raw_job(row: &Row<'_>) -> rusqlite::Result<RawJob> {
    Ok(RawJob {
        id: row.get(0)?,
        study: row.get(1)?,
        spec: row.get(2)?,
        trigger: row.get(3)?,
        schedule: row.get(4)?,
        force: row.get(5)?,
        state: row.get(6)?,
        attempts: row.get(7)?,
        max_attempts: row.get(8)?,
        not_before: row.get(9)?,
        worker: row.get(10)?,
        lease_until: row.get(11)?,
        cancel_requested: row.get(12)?,
        run: row.get(13)?,
        out_dir: row.get(14)?,
        input_hashes: row.get(15)?,
        outcome: row.get(16)?,
        result: row.get(17)?,
        error: row.get(18)?,
        created_at: row.get(19)?,
        started_at: row.get(20)?,
        finished_at: row.get(21)?,
    })
}

impl RawJob {
    fn parse(self) -> ControlResult<Job> {
        let corrupt = crate::error::StoreError::from;
        Ok(Job {
            id: JobId(self.id),
            study: StudyId(self.study),
            spec: serde_json::from_str(&self.spec)?,
            trigger: self.trigger.parse().map_err(corrupt)?,
            schedule: self.schedule.map(ScheduleId),
            force: self.force,
            state: self.state.parse().map_err(corrupt)?,
            attempts: self.attempts,
            max_attempts: self.max_attempts,
            not_before: Timestamp::from_millis(self.not_before),
            worker: self.worker,
            lease_until: self.lease_until.map(Timestamp::from_millis),
            cancel_requested: self.cancel_requested,
            run: self.run.map(RunId::new),
            out_dir: self.out_dir.map(PathBuf::from),
            input_hashes: match self.input_hashes {
                Some(t) => Some(serde_json::from_str(&t)?),
                None => None,
            },
            outcome: self.outcome,
            result: json_column(self.result)?,
            error: self.error,
            created_at: Timestamp::from_millis(self.created_at),
            started_at: self.started_at.map(Timestamp::from_millis),
            finished_at: self.finished_at.map(Timestamp::from_millis),
        })
    }
}

fn load(tx: &rusqlite::Connection, id: JobId) -> ControlResult<Job> {
    tx.query_row(
        &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
        [id.0],
        raw_job,
    )
    .optional()?
    .ok_or(ControlError::UnknownJob(id))?
    .parse()
}

/// Inserts a job inside an open transaction (also used when a schedule fires).
pub(super) fn insert(tx: &Transaction<'_>, job: &NewJob, now: Timestamp) -> ControlResult<JobId> {
    tx.execute(
        "INSERT INTO jobs(study_id, spec, trigger, schedule_id, force, state, attempts, max_attempts, not_before, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'queued', 0, ?6, ?7, ?7)",
        params![
            job.study.0,
            serde_json::to_string(&job.spec)?,
            job.trigger.as_str(),
            job.schedule.map(|s| s.0),
            job.force,
            job.max_attempts.max(1),
            now.millis(),
        ],
    )?;
    Ok(JobId(tx.last_insert_rowid()))
}

impl ControlStore {
    pub fn enqueue(&mut self, job: NewJob, now: Timestamp) -> ControlResult<Job> {
        let tx = self.immediate()?;
        if study_exists(&tx, job.study)? {
            let id = insert(&tx, &job, now)?;
            let stored = load(&tx, id)?;
            tx.commit()?;
            Ok(stored)
        } else {
            Err(ControlError::UnknownStudy(job.study.to_string()))
        }
    }

    pub fn job(&self, id: JobId) -> ControlResult<Job> {
        load(&self.conn, id)
    }

    /// Jobs, newest first.
    pub fn jobs(&self, filter: &JobFilter) -> ControlResult<Vec<Job>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM jobs
             WHERE (?1 IS NULL OR study_id = ?1) AND (?2 IS NULL OR state = ?2)
             ORDER BY id DESC LIMIT ?3"
        ))?;
        let limit = filter
            .limit
            .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let rows = stmt.query_map(
            params![
                filter.study.map(|s| s.0),
                filter.state.map(|s| s.as_str()),
                limit
            ],
            raw_job,
        )?;
        rows.map(|r| r?.parse()).collect()
    }

    /// Takes the oldest claimable job for `worker`, holding it until `lease_until`.
    pub fn claim_next(
        &mut self,
        worker: &str,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> ControlResult<Option<Job>> {
        let tx = self.immediate()?;
        let id: Option<i64> = tx
            .query_row(
                "SELECT id FROM jobs WHERE state = 'queued' AND not_before <= ?1 ORDER BY not_before, id LIMIT 1",
                [now.millis()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = id else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE jobs SET state = 'running', worker = ?2, lease_until = ?3, attempts = attempts + 1,
                 started_at = COALESCE(started_at, ?4), error = NULL
             WHERE id = ?1 AND state = 'queued'",
            params![id, worker, lease_until.millis(), now.millis()],
        )?;
        let job = load(&tx, JobId(id))?;
        tx.commit()?;
        Ok(Some(job))
    }

    /// Extends `worker`'s lease. Returns the job as it is now, or `None` when the worker no longer
    /// holds it (its lease expired and the job was recovered): the worker must stop.
    pub fn renew_lease(
        &mut self,
        id: JobId,
        worker: &str,
        lease_until: Timestamp,
    ) -> ControlResult<Option<Job>> {
        let tx = self.immediate()?;
        let n = tx.execute(
            "UPDATE jobs SET lease_until = ?3 WHERE id = ?1 AND worker = ?2 AND state = 'running'",
            params![id.0, worker, lease_until.millis()],
        )?;
        let job = if n == 1 { Some(load(&tx, id)?) } else { None };
        tx.commit()?;
        Ok(job)
    }

    /// Notes what the running job is working on: where its run writes, which inputs it saw, the
    /// graph run it records into. Fields left `None` are kept.
    pub fn set_job_context(
        &mut self,
        id: JobId,
        worker: &str,
        out_dir: Option<&std::path::Path>,
        input_hashes: Option<&BTreeMap<String, String>>,
        run: Option<RunId>,
    ) -> ControlResult<bool> {
        let n = self.conn.execute(
            "UPDATE jobs SET out_dir = COALESCE(?3, out_dir), input_hashes = COALESCE(?4, input_hashes),
                 run_id = COALESCE(?5, run_id)
             WHERE id = ?1 AND worker = ?2 AND state = 'running'",
            params![
                id.0,
                worker,
                out_dir.map(|p| p.to_string_lossy().into_owned()),
                input_hashes.map(serde_json::to_string).transpose()?,
                run.map(RunId::get),
            ],
        )?;
        Ok(n == 1)
    }

    /// Records how `worker`'s attempt ended. Returns the job after the change, or `None` when the
    /// worker had lost the job meanwhile (nothing is changed then).
    pub fn finish(
        &mut self,
        id: JobId,
        worker: &str,
        outcome: Outcome,
        now: Timestamp,
    ) -> ControlResult<Option<Job>> {
        let tx = self.immediate()?;
        let held: Option<(u32, u32)> = tx
            .query_row(
                "SELECT attempts, max_attempts FROM jobs WHERE id = ?1 AND worker = ?2 AND state = 'running'",
                params![id.0, worker],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((attempts, max_attempts)) = held else {
            return Ok(None);
        };
        match outcome {
            Outcome::Done { outcome, result } => {
                tx.execute(
                    "UPDATE jobs SET state = 'done', outcome = ?2, result = ?3, lease_until = NULL, finished_at = ?4
                     WHERE id = ?1",
                    params![id.0, outcome, serde_json::to_string(&result)?, now.millis()],
                )?;
            }
            Outcome::Failed { error, retry_at } => match retry_at {
                Some(at) if attempts < max_attempts => {
                    tx.execute(
                        "UPDATE jobs SET state = 'queued', error = ?2, not_before = ?3, worker = NULL, lease_until = NULL
                         WHERE id = ?1",
                        params![id.0, error, at.millis()],
                    )?;
                }
                _ => {
                    tx.execute(
                        "UPDATE jobs SET state = 'failed', error = ?2, lease_until = NULL, finished_at = ?3
                         WHERE id = ?1",
                        params![id.0, error, now.millis()],
                    )?;
                }
            },
            Outcome::Cancelled => {
                tx.execute(
                    "UPDATE jobs SET state = 'cancelled', lease_until = NULL, finished_at = ?2 WHERE id = ?1",
                    params![id.0, now.millis()],
                )?;
            }
        }
        let job = load(&tx, id)?;
        tx.commit()?;
        Ok(Some(job))
    }

    /// Asks for a job to stop: a queued job is cancelled at once, a running one is flagged and its
    /// worker stops at its next step. Final jobs are refused.
    pub fn request_cancel(&mut self, id: JobId, now: Timestamp) -> ControlResult<Job> {
        let tx = self.immediate()?;
        let job = load(&tx, id)?;
        match job.state {
            JobState::Queued => {
                tx.execute(
                    "UPDATE jobs SET state = 'cancelled', cancel_requested = 1, finished_at = ?2 WHERE id = ?1",
                    params![id.0, now.millis()],
                )?;
            }
            JobState::Running => {
                tx.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ?1", [id.0])?;
            }
            state => {
                return Err(ControlError::WrongState {
                    job: id,
                    state,
                    action: "cancelling",
                    needed: "queued or running",
                });
            }
        }
        let job = load(&tx, id)?;
        tx.commit()?;
        Ok(job)
    }

    /// Queues a failed or cancelled job again; its worker resumes the run's journal, so finished
    /// steps are not repeated. It gets `extra_attempts` more attempts.
    pub fn resume(&mut self, id: JobId, extra_attempts: u32, now: Timestamp) -> ControlResult<Job> {
        let tx = self.immediate()?;
        let job = load(&tx, id)?;
        if !matches!(job.state, JobState::Failed | JobState::Cancelled) {
            return Err(ControlError::WrongState {
                job: id,
                state: job.state,
                action: "resuming",
                needed: "failed or cancelled",
            });
        }
        tx.execute(
            "UPDATE jobs SET state = 'queued', cancel_requested = 0, worker = NULL, lease_until = NULL,
                 not_before = ?2, finished_at = NULL, max_attempts = attempts + ?3
             WHERE id = ?1",
            params![id.0, now.millis(), extra_attempts.max(1)],
        )?;
        let job = load(&tx, id)?;
        tx.commit()?;
        Ok(job)
    }

    /// Takes back running jobs whose lease expired before `now` (their worker died or hung):
    /// queued again at `retry_at` when attempts remain, failed otherwise.
    pub fn recover_expired(
        &mut self,
        now: Timestamp,
        retry_at: Timestamp,
    ) -> ControlResult<Vec<Recovered>> {
        let tx = self.immediate()?;
        let expired: Vec<(i64, Option<String>, u32, u32, bool)> = {
            let mut stmt = tx.prepare(
                "SELECT id, worker, attempts, max_attempts, cancel_requested FROM jobs
                 WHERE state = 'running' AND lease_until < ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([now.millis()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut recovered = Vec::with_capacity(expired.len());
        for (id, worker, attempts, max_attempts, cancel) in expired {
            let lost = format!(
                "worker {} stopped renewing its lease (process killed or hung)",
                worker.as_deref().unwrap_or("?")
            );
            let state = if cancel {
                tx.execute(
                    "UPDATE jobs SET state = 'cancelled', lease_until = NULL, finished_at = ?2 WHERE id = ?1",
                    params![id, now.millis()],
                )?;
                JobState::Cancelled
            } else if attempts < max_attempts {
                tx.execute(
                    "UPDATE jobs SET state = 'queued', worker = NULL, lease_until = NULL, not_before = ?2, error = ?3
                     WHERE id = ?1",
                    params![id, retry_at.millis(), lost],
                )?;
                JobState::Queued
            } else {
                tx.execute(
                    "UPDATE jobs SET state = 'failed', lease_until = NULL, finished_at = ?2, error = ?3 WHERE id = ?1",
                    params![id, now.millis(), lost],
                )?;
                JobState::Failed
            };
            recovered.push(Recovered {
                job: JobId(id),
                worker,
                state,
            });
        }
        tx.commit()?;
        Ok(recovered)
    }

    /// The most recent job of `study` that actually ran the loop to the end; change detection
    /// compares against the input hashes it saw.
    pub fn last_completed_run(&self, study: StudyId) -> ControlResult<Option<Job>> {
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM jobs WHERE study_id = ?1 AND state = 'done' AND outcome = 'ran'
                 ORDER BY finished_at DESC, id DESC LIMIT 1",
                [study.0],
                |r| r.get(0),
            )
            .optional()?;
        id.map(|id| load(&self.conn, JobId(id))).transpose()
    }

    /// The job that recorded graph run `run`.
    pub fn job_of_run(&self, run: RunId) -> ControlResult<Option<Job>> {
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM jobs WHERE run_id = ?1 ORDER BY id DESC LIMIT 1",
                [run.get()],
                |r| r.get(0),
            )
            .optional()?;
        id.map(|id| load(&self.conn, JobId(id))).transpose()
    }
}

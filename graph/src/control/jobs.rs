//! The durable job queue. A job runs the research loop once on one study; its life is
//! `queued -> running -> done | failed | cancelled`, with `running -> queued` again when an attempt
//! fails and retries remain, or when the worker holding it disappeared (its lease expired).
//!
//! Ownership is a lease: a worker claims a job for a while and renews the lease as it makes
//! progress. A worker that dies stops renewing, and [`ControlStore::recover_expired`] (called by
//! every worker before claiming) hands the job to the next claimant, which resumes the run's
//! journal. Every write of the worker carries its [`Fence`] (job, worker name, attempt), checked in
//! the write's transaction, so a worker that lost its lease cannot overwrite the job its successor
//! now holds. On PostgreSQL a claim takes the oldest due job with `FOR UPDATE SKIP LOCKED`, so
//! servers claiming at once each get a different job without waiting for one another.

use super::{
    ControlError, ControlResult, ControlStore, Fence, JobId, ScheduleId, StudyId, study_exists,
};
use crate::RunId;
use crate::error::StoreError;
use crate::sql::{Arg, Db, Lock, Row, args};
use crate::text_enum::text_enum;
use crate::time::Timestamp;
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

impl Job {
    /// The fencing token of the worker holding this job, while it runs.
    pub fn fence(&self) -> Option<Fence> {
        match (&self.worker, self.state) {
            (Some(worker), JobState::Running) => Some(Fence {
                job: self.id,
                worker: worker.clone(),
                attempt: self.attempts,
            }),
            _ => None,
        }
    }
}

const COLUMNS: &str = "id, study_id, spec, trigger, schedule_id, force, state, attempts, max_attempts, not_before, worker, lease_until, cancel_requested, run_id, out_dir, input_hashes, outcome, result, error, created_at, started_at, finished_at";

fn job_row(r: &dyn Row) -> Result<Job, StoreError> {
    let json = |idx| -> Result<Option<serde_json::Value>, StoreError> {
        r.opt_text(idx)?
            .map(|t| serde_json::from_str(&t))
            .transpose()
            .map_err(StoreError::from)
    };
    Ok(Job {
        id: JobId(r.int(0)?),
        study: StudyId(r.int(1)?),
        spec: serde_json::from_str(&r.text(2)?)?,
        trigger: r.text(3)?.parse()?,
        schedule: r.opt_int(4)?.map(ScheduleId),
        force: r.boolean(5)?,
        state: r.text(6)?.parse()?,
        attempts: r.count(7)?,
        max_attempts: r.count(8)?,
        not_before: Timestamp::from_millis(r.int(9)?),
        worker: r.opt_text(10)?,
        lease_until: r.opt_int(11)?.map(Timestamp::from_millis),
        cancel_requested: r.boolean(12)?,
        run: r.opt_int(13)?.map(RunId::new),
        out_dir: r.opt_text(14)?.map(PathBuf::from),
        input_hashes: match r.opt_text(15)? {
            Some(t) => Some(serde_json::from_str(&t)?),
            None => None,
        },
        outcome: r.opt_text(16)?,
        result: json(17)?,
        error: r.opt_text(18)?,
        created_at: Timestamp::from_millis(r.int(19)?),
        started_at: r.opt_int(20)?.map(Timestamp::from_millis),
        finished_at: r.opt_int(21)?.map(Timestamp::from_millis),
    })
}

fn load(db: &mut dyn Db, id: JobId) -> ControlResult<Job> {
    db.row(
        &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
        &args![id.0],
        job_row,
    )?
    .ok_or(ControlError::UnknownJob(id))
}

/// Loads a job about to be changed, locking its row on PostgreSQL until the transaction ends.
fn load_for_update(db: &mut dyn Db, id: JobId) -> ControlResult<Job> {
    let sql = format!(
        "SELECT {COLUMNS} FROM jobs WHERE id = ?1{}",
        db.for_update()
    );
    db.row(&sql, &args![id.0], job_row)?
        .ok_or(ControlError::UnknownJob(id))
}

/// Inserts a job inside an open transaction (also used when a schedule fires).
pub(super) fn insert(db: &mut dyn Db, job: &NewJob, now: Timestamp) -> ControlResult<JobId> {
    let id = db
        .row(
            "INSERT INTO jobs(study_id, spec, trigger, schedule_id, force, state, attempts, max_attempts, not_before, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'queued', 0, ?6, ?7, ?7) RETURNING id",
            &args![
                job.study.0,
                serde_json::to_string(&job.spec)?,
                job.trigger.as_str(),
                job.schedule.map(|s| s.0),
                job.force,
                job.max_attempts.max(1),
                now.millis(),
            ],
            |r| r.int(0),
        )?
        .ok_or_else(|| StoreError::Corrupt("INSERT returned no id".into()))?;
    Ok(JobId(id))
}

/// Takes back running jobs whose lease expired before `now`, inside the caller's transaction.
fn recover(db: &mut dyn Db, now: Timestamp, retry_at: Timestamp) -> ControlResult<Vec<Recovered>> {
    let sql = format!(
        "SELECT id, worker, attempts, max_attempts, cancel_requested FROM jobs
         WHERE state = 'running' AND lease_until < ?1 ORDER BY id{}",
        db.skip_locked()
    );
    let expired = db.rows(&sql, &args![now.millis()], |r| {
        Ok((
            r.int(0)?,
            r.opt_text(1)?,
            r.count(2)?,
            r.count(3)?,
            r.boolean(4)?,
        ))
    })?;
    let mut recovered = Vec::with_capacity(expired.len());
    for (id, worker, attempts, max_attempts, cancel) in expired {
        let lost = format!(
            "worker {} stopped renewing its lease (process killed or hung)",
            worker.as_deref().unwrap_or("?")
        );
        let state = if cancel {
            db.execute(
                "UPDATE jobs SET state = 'cancelled', lease_until = NULL, finished_at = ?2 WHERE id = ?1",
                &args![id, now.millis()],
            )?;
            JobState::Cancelled
        } else if attempts < max_attempts {
            db.execute(
                "UPDATE jobs SET state = 'queued', worker = NULL, lease_until = NULL, not_before = ?2, error = ?3
                 WHERE id = ?1",
                &args![id, retry_at.millis(), lost],
            )?;
            JobState::Queued
        } else {
            db.execute(
                "UPDATE jobs SET state = 'failed', lease_until = NULL, finished_at = ?2, error = ?3 WHERE id = ?1",
                &args![id, now.millis(), lost],
            )?;
            JobState::Failed
        };
        super::notify::job_changed(db, JobId(id))?;
        recovered.push(Recovered {
            job: JobId(id),
            worker,
            state,
        });
    }
    Ok(recovered)
}

impl ControlStore {
    pub fn enqueue(&mut self, job: NewJob, now: Timestamp) -> ControlResult<Job> {
        self.db().transaction(Lock::Control, |db| {
            if study_exists(db, job.study)? {
                let id = insert(db, &job, now)?;
                load(db, id)
            } else {
                Err(ControlError::UnknownStudy(job.study.to_string()))
            }
        })
    }

    pub fn job(&self, id: JobId) -> ControlResult<Job> {
        load(self.reader().as_mut(), id)
    }

    /// Jobs, newest first.
    pub fn jobs(&self, filter: &JobFilter) -> ControlResult<Vec<Job>> {
        let mut sql = format!("SELECT {COLUMNS} FROM jobs WHERE 1 = 1");
        let mut params: Vec<Arg<'_>> = Vec::new();
        if let Some(study) = filter.study {
            params.push(study.0.into());
            sql.push_str(&format!(" AND study_id = ?{}", params.len()));
        }
        if let Some(state) = filter.state {
            params.push(state.as_str().into());
            sql.push_str(&format!(" AND state = ?{}", params.len()));
        }
        sql.push_str(" ORDER BY id DESC");
        if let Some(limit) = filter.limit {
            params.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
            sql.push_str(&format!(" LIMIT ?{}", params.len()));
        }
        Ok(self.reader().rows(&sql, &params, job_row)?)
    }

    /// Takes the oldest claimable job for `worker`, holding it until `lease_until`. The returned
    /// job's [`Job::fence`] is what the worker's writes carry from now on.
    pub fn claim_next(
        &mut self,
        worker: &str,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> ControlResult<Option<Job>> {
        self.db().transaction(Lock::Rows, |db| {
            let sql = format!(
                "SELECT id FROM jobs WHERE state = 'queued' AND not_before <= ?1 ORDER BY not_before, id LIMIT 1{}",
                db.skip_locked()
            );
            let Some(id) = db.row(&sql, &args![now.millis()], |r| r.int(0))? else {
                return Ok(None);
            };
            db.execute(
                "UPDATE jobs SET state = 'running', worker = ?2, lease_until = ?3, attempts = attempts + 1,
                     started_at = COALESCE(started_at, ?4), error = NULL
                 WHERE id = ?1 AND state = 'queued'",
                &args![id, worker, lease_until.millis(), now.millis()],
            )?;
            super::notify::job_changed(db, JobId(id))?;
            Ok(Some(load(db, JobId(id))?))
        })
    }

    /// Extends the lease of the worker holding `fence`. Returns the job as it is now, or `None`
    /// when the worker no longer holds it (its lease expired and the job was recovered): the
    /// worker must stop.
    pub fn renew_lease(
        &mut self,
        fence: &Fence,
        lease_until: Timestamp,
    ) -> ControlResult<Option<Job>> {
        self.db().transaction(Lock::Rows, |db| {
            let n = db.execute(
                "UPDATE jobs SET lease_until = ?4
                 WHERE id = ?1 AND worker = ?2 AND attempts = ?3 AND state = 'running'",
                &args![
                    fence.job.0,
                    &fence.worker,
                    fence.attempt,
                    lease_until.millis()
                ],
            )?;
            if n == 1 {
                Ok(Some(load(db, fence.job)?))
            } else {
                Ok(None)
            }
        })
    }

    /// Notes what the running job is working on: where its run writes, which inputs it saw, the
    /// graph run it records into. Fields left `None` are kept. `false` when `fence` no longer
    /// holds the job (nothing is changed then).
    pub fn set_job_context(
        &mut self,
        fence: &Fence,
        out_dir: Option<&std::path::Path>,
        input_hashes: Option<&BTreeMap<String, String>>,
        run: Option<RunId>,
    ) -> ControlResult<bool> {
        let n = self.db().execute(
            "UPDATE jobs SET out_dir = COALESCE(?4, out_dir), input_hashes = COALESCE(?5, input_hashes),
                 run_id = COALESCE(?6, run_id)
             WHERE id = ?1 AND worker = ?2 AND attempts = ?3 AND state = 'running'",
            &args![
                fence.job.0,
                &fence.worker,
                fence.attempt,
                out_dir.map(|p| p.to_string_lossy().into_owned()),
                input_hashes.map(serde_json::to_string).transpose()?,
                run.map(RunId::get),
            ],
        )?;
        Ok(n == 1)
    }

    /// Records how the attempt of `fence` ended, with a `finished` event (the job's state,
    /// outcome, error and result) in the same transaction. Returns the job after the change, or
    /// `None` when the worker had lost the job meanwhile (nothing is changed then). Takes the
    /// control lock (event numbers) before the job's row, the order every fenced event takes.
    pub fn finish(
        &mut self,
        fence: &Fence,
        outcome: Outcome,
        now: Timestamp,
    ) -> ControlResult<Option<Job>> {
        let id = fence.job;
        self.db().transaction(Lock::Control, |db| {
            let held = db.row(
                &format!(
                    "SELECT attempts, max_attempts FROM jobs
                     WHERE id = ?1 AND worker = ?2 AND attempts = ?3 AND state = 'running'{}",
                    db.for_update()
                ),
                &args![id.0, &fence.worker, fence.attempt],
                |r| Ok((r.count(0)?, r.count(1)?)),
            )?;
            let Some((attempts, max_attempts)) = held else {
                return Ok(None);
            };
            match outcome {
                Outcome::Done { outcome, result } => {
                    db.execute(
                        "UPDATE jobs SET state = 'done', outcome = ?2, result = ?3, lease_until = NULL, finished_at = ?4
                         WHERE id = ?1",
                        &args![id.0, outcome, serde_json::to_string(&result)?, now.millis()],
                    )?;
                }
                Outcome::Failed { error, retry_at } => match retry_at {
                    Some(at) if attempts < max_attempts => {
                        db.execute(
                            "UPDATE jobs SET state = 'queued', error = ?2, not_before = ?3, worker = NULL, lease_until = NULL
                             WHERE id = ?1",
                            &args![id.0, error, at.millis()],
                        )?;
                    }
                    _ => {
                        db.execute(
                            "UPDATE jobs SET state = 'failed', error = ?2, lease_until = NULL, finished_at = ?3
                             WHERE id = ?1",
                            &args![id.0, error, now.millis()],
                        )?;
                    }
                },
                Outcome::Cancelled => {
                    db.execute(
                        "UPDATE jobs SET state = 'cancelled', lease_until = NULL, finished_at = ?2 WHERE id = ?1",
                        &args![id.0, now.millis()],
                    )?;
                }
            }
            // The `finished` event is written with the state, so whoever sees the job final
            // (a live stream on any server) finds the event too.
            let job = load(db, id)?;
            let finished = super::events::WorkerEvent::Finished {
                state: job.state,
                outcome: job.outcome.clone(),
                error: job.error.clone(),
                result: job.result.clone(),
            };
            super::events::append(db, id, finished.kind(), &finished.data(), now)?;
            Ok(Some(job))
        })
    }

    /// Asks for a job to stop: a queued job is cancelled at once, a running one is flagged and its
    /// worker stops at its next step. Final jobs are refused.
    pub fn request_cancel(&mut self, id: JobId, now: Timestamp) -> ControlResult<Job> {
        self.db().transaction(Lock::Rows, |db| {
            let job = load_for_update(db, id)?;
            match job.state {
                JobState::Queued => {
                    db.execute(
                        "UPDATE jobs SET state = 'cancelled', cancel_requested = TRUE, finished_at = ?2 WHERE id = ?1",
                        &args![id.0, now.millis()],
                    )?;
                }
                JobState::Running => {
                    db.execute(
                        "UPDATE jobs SET cancel_requested = TRUE WHERE id = ?1",
                        &args![id.0],
                    )?;
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
            super::notify::job_changed(db, id)?;
            load(db, id)
        })
    }

    /// Queues a failed or cancelled job again; its worker resumes the run's journal, so finished
    /// steps are not repeated. It gets `extra_attempts` more attempts.
    pub fn resume(&mut self, id: JobId, extra_attempts: u32, now: Timestamp) -> ControlResult<Job> {
        self.db().transaction(Lock::Rows, |db| {
            let job = load_for_update(db, id)?;
            if !matches!(job.state, JobState::Failed | JobState::Cancelled) {
                return Err(ControlError::WrongState {
                    job: id,
                    state: job.state,
                    action: "resuming",
                    needed: "failed or cancelled",
                });
            }
            db.execute(
                "UPDATE jobs SET state = 'queued', cancel_requested = FALSE, worker = NULL, lease_until = NULL,
                     not_before = ?2, finished_at = NULL, max_attempts = attempts + ?3
                 WHERE id = ?1",
                &args![id.0, now.millis(), extra_attempts.max(1)],
            )?;
            super::notify::job_changed(db, id)?;
            load(db, id)
        })
    }

    /// Takes back running jobs whose lease expired before `now` (their worker died or hung):
    /// queued again at `retry_at` when attempts remain, failed otherwise.
    pub fn recover_expired(
        &mut self,
        now: Timestamp,
        retry_at: Timestamp,
    ) -> ControlResult<Vec<Recovered>> {
        self.db()
            .transaction(Lock::Rows, |db| recover(db, now, retry_at))
    }

    /// The most recent job of `study` that actually ran the loop to the end; change detection
    /// compares against the input hashes it saw.
    pub fn last_completed_run(&self, study: StudyId) -> ControlResult<Option<Job>> {
        Ok(self.reader().row(
            &format!(
                "SELECT {COLUMNS} FROM jobs WHERE study_id = ?1 AND state = 'done' AND outcome = 'ran'
                 ORDER BY finished_at DESC, id DESC LIMIT 1"
            ),
            &args![study.0],
            job_row,
        )?)
    }

    /// The job that recorded graph run `run`.
    pub fn job_of_run(&self, run: RunId) -> ControlResult<Option<Job>> {
        Ok(self.reader().row(
            &format!("SELECT {COLUMNS} FROM jobs WHERE run_id = ?1 ORDER BY id DESC LIMIT 1"),
            &args![run.get()],
            job_row,
        )?)
    }
}

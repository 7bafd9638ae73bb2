//! Cron schedules. The store keeps each schedule's expression, its explicit time zone and its next
//! and last firing, so a restarted server carries on where it stopped: an occurrence missed while
//! no server ran fires once at start-up (not once per missed occurrence). The cron arithmetic
//! itself belongs to the caller, which passes it in as `next_after`.
//!
//! Each firing is one transaction that locks its schedule row (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, the file on SQLite), so of several servers polling one store exactly one fires
//! each occurrence. An occurrence whose previous job is still running is skipped (the schedule
//! moves on without queueing a second run of the same study behind it).

use super::jobs::{JobTrigger, NewJob, insert};
use super::{ControlError, ControlResult, ControlStore, JobId, ScheduleId, StudyId, study_exists};
use crate::error::StoreError;
use crate::sql::{Db, Lock, Row, args};
use crate::time::Timestamp;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Schedule {
    pub id: ScheduleId,
    pub study: StudyId,
    /// A cron expression (the caller's dialect; hypomics uses seconds-free five-field cron).
    pub cron: String,
    /// IANA time zone the expression is read in, e.g. `Europe/Berlin`.
    pub timezone: String,
    /// The job spec each firing enqueues.
    pub spec: serde_json::Value,
    pub enabled: bool,
    pub next_run_at: Option<Timestamp>,
    pub last_run_at: Option<Timestamp>,
    pub last_job: Option<JobId>,
    pub created_at: Timestamp,
}

pub struct NewSchedule {
    pub study: StudyId,
    pub cron: String,
    pub timezone: String,
    pub spec: serde_json::Value,
    pub enabled: bool,
    /// The first firing, computed by the caller from `cron` and `timezone`.
    pub next_run_at: Option<Timestamp>,
}

/// One firing: the schedule and the job it enqueued.
#[derive(Clone, Debug, Serialize)]
pub struct FiredSchedule {
    pub schedule: ScheduleId,
    pub job: JobId,
    /// The occurrence that fired (may be earlier than now after downtime).
    pub due: Timestamp,
    pub next_run_at: Option<Timestamp>,
}

const COLUMNS: &str = "id, study_id, cron, timezone, spec, enabled, next_run_at, last_run_at, last_job_id, created_at";

fn schedule_row(r: &dyn Row) -> Result<Schedule, StoreError> {
    Ok(Schedule {
        id: ScheduleId(r.int(0)?),
        study: StudyId(r.int(1)?),
        cron: r.text(2)?,
        timezone: r.text(3)?,
        spec: serde_json::from_str(&r.text(4)?)?,
        enabled: r.boolean(5)?,
        next_run_at: r.opt_int(6)?.map(Timestamp::from_millis),
        last_run_at: r.opt_int(7)?.map(Timestamp::from_millis),
        last_job: r.opt_int(8)?.map(JobId),
        created_at: Timestamp::from_millis(r.int(9)?),
    })
}

fn load(db: &mut dyn Db, id: ScheduleId) -> ControlResult<Schedule> {
    db.row(
        &format!("SELECT {COLUMNS} FROM schedules WHERE id = ?1"),
        &args![id.0],
        schedule_row,
    )?
    .ok_or(ControlError::UnknownSchedule(id))
}

/// What one firing transaction did.
enum Firing {
    /// No due schedule after the given id.
    None,
    Fired(FiredSchedule),
    /// The schedule's previous job still runs; it moved on to its next occurrence.
    Skipped(ScheduleId),
}

/// Fires the first due schedule with an id above `after`, inside the caller's transaction.
fn fire_next(
    db: &mut dyn Db,
    after: i64,
    now: Timestamp,
    max_attempts: u32,
    next_after: &dyn Fn(&Schedule, Timestamp) -> Option<Timestamp>,
) -> ControlResult<Firing> {
    let sql = format!(
        "SELECT {COLUMNS} FROM schedules
         WHERE enabled AND next_run_at IS NOT NULL AND next_run_at <= ?1 AND id > ?2
         ORDER BY id LIMIT 1{}",
        db.skip_locked()
    );
    let Some(schedule) = db.row(&sql, &args![now.millis(), after], schedule_row)? else {
        return Ok(Firing::None);
    };
    let next = next_after(&schedule, now);
    let previous_running = match schedule.last_job {
        Some(job) => db
            .row(
                "SELECT 1 FROM jobs WHERE id = ?1 AND state = 'running'",
                &args![job.0],
                |_| Ok(()),
            )?
            .is_some(),
        None => false,
    };
    if previous_running {
        db.execute(
            "UPDATE schedules SET next_run_at = ?2 WHERE id = ?1",
            &args![schedule.id.0, next.map(Timestamp::millis)],
        )?;
        return Ok(Firing::Skipped(schedule.id));
    }
    let job = insert(
        db,
        &NewJob {
            study: schedule.study,
            spec: schedule.spec.clone(),
            trigger: JobTrigger::Schedule,
            schedule: Some(schedule.id),
            force: false,
            max_attempts,
        },
        now,
    )?;
    db.execute(
        "UPDATE schedules SET next_run_at = ?2, last_run_at = ?3, last_job_id = ?4 WHERE id = ?1",
        &args![
            schedule.id.0,
            next.map(Timestamp::millis),
            now.millis(),
            job.0
        ],
    )?;
    Ok(Firing::Fired(FiredSchedule {
        schedule: schedule.id,
        job,
        due: schedule.next_run_at.unwrap_or(now),
        next_run_at: next,
    }))
}

impl ControlStore {
    pub fn add_schedule(&mut self, s: NewSchedule, now: Timestamp) -> ControlResult<Schedule> {
        self.db().transaction(Lock::Control, |db| {
            if !study_exists(db, s.study)? {
                return Err(ControlError::UnknownStudy(s.study.to_string()));
            }
            let id = db
                .row(
                    "INSERT INTO schedules(study_id, cron, timezone, spec, enabled, next_run_at, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                    &args![
                        s.study.0,
                        &s.cron,
                        &s.timezone,
                        serde_json::to_string(&s.spec)?,
                        s.enabled,
                        s.next_run_at.map(Timestamp::millis),
                        now.millis()
                    ],
                    |r| r.int(0),
                )?
                .ok_or_else(|| StoreError::Corrupt("INSERT returned no id".into()))?;
            load(db, ScheduleId(id))
        })
    }

    /// Changes a schedule's expression, zone, spec or switch; `next_run_at` is the caller's
    /// recomputation for the new expression.
    pub fn update_schedule(
        &mut self,
        id: ScheduleId,
        cron: &str,
        timezone: &str,
        spec: &serde_json::Value,
        enabled: bool,
        next_run_at: Option<Timestamp>,
    ) -> ControlResult<Schedule> {
        self.db().transaction(Lock::Rows, |db| {
            let n = db.execute(
                "UPDATE schedules SET cron = ?2, timezone = ?3, spec = ?4, enabled = ?5, next_run_at = ?6 WHERE id = ?1",
                &args![
                    id.0,
                    cron,
                    timezone,
                    serde_json::to_string(spec)?,
                    enabled,
                    next_run_at.map(Timestamp::millis)
                ],
            )?;
            if n == 0 {
                return Err(ControlError::UnknownSchedule(id));
            }
            load(db, id)
        })
    }

    /// Removes a schedule; the jobs it enqueued stay (their history is the point) but no longer
    /// point at it.
    pub fn delete_schedule(&mut self, id: ScheduleId) -> ControlResult<()> {
        self.db().transaction(Lock::Rows, |db| {
            db.execute(
                "UPDATE jobs SET schedule_id = NULL WHERE schedule_id = ?1",
                &args![id.0],
            )?;
            let n = db.execute("DELETE FROM schedules WHERE id = ?1", &args![id.0])?;
            if n == 0 {
                return Err(ControlError::UnknownSchedule(id));
            }
            Ok(())
        })
    }

    pub fn schedule(&self, id: ScheduleId) -> ControlResult<Schedule> {
        load(self.reader().as_mut(), id)
    }

    /// Every schedule, oldest first.
    pub fn schedules(&self) -> ControlResult<Vec<Schedule>> {
        Ok(self.reader().rows(
            &format!("SELECT {COLUMNS} FROM schedules ORDER BY id"),
            &[],
            schedule_row,
        )?)
    }

    /// Fires every enabled schedule whose next run is due at `now`: enqueues its job and moves
    /// `next_run_at` to `next_after(schedule, now)`. One transaction per firing, each locking
    /// its schedule, so of two servers polling the same store only one fires each occurrence.
    /// Schedules whose previous job still runs move on without a job (not returned).
    pub fn fire_due_schedules(
        &mut self,
        now: Timestamp,
        max_attempts: u32,
        next_after: &dyn Fn(&Schedule, Timestamp) -> Option<Timestamp>,
    ) -> ControlResult<Vec<FiredSchedule>> {
        let mut fired = Vec::new();
        let mut after = 0;
        loop {
            let firing = self.db().transaction(Lock::Rows, |db| {
                fire_next(db, after, now, max_attempts, next_after)
            })?;
            match firing {
                Firing::None => return Ok(fired),
                Firing::Fired(f) => {
                    after = f.schedule.0;
                    fired.push(f);
                }
                Firing::Skipped(id) => after = id.0,
            }
        }
    }
}

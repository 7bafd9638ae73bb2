//! Cron schedules. The store keeps each schedule's expression, its explicit time zone and its next
//! and last firing, so a restarted server carries on where it stopped: an occurrence missed while
//! no server ran fires once at start-up (not once per missed occurrence). The cron arithmetic
//! itself belongs to the caller, which passes it in as `next_after`.

use super::jobs::{JobTrigger, NewJob, insert};
use super::{ControlError, ControlResult, ControlStore, JobId, ScheduleId, StudyId, study_exists};
use crate::time::Timestamp;
use rusqlite::{OptionalExtension, Row, params};
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

type RawSchedule = (
    i64,
    i64,
    String,
    String,
    String,
    bool,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    i64,
);

fn raw(row: &Row<'_>) -> rusqlite::Result<RawSchedule> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
        row.get(9)?,
    ))
}

fn parse(r: RawSchedule) -> ControlResult<Schedule> {
    Ok(Schedule {
        id: ScheduleId(r.0),
        study: StudyId(r.1),
        cron: r.2,
        timezone: r.3,
        spec: serde_json::from_str(&r.4)?,
        enabled: r.5,
        next_run_at: r.6.map(Timestamp::from_millis),
        last_run_at: r.7.map(Timestamp::from_millis),
        last_job: r.8.map(JobId),
        created_at: Timestamp::from_millis(r.9),
    })
}

fn load(conn: &rusqlite::Connection, id: ScheduleId) -> ControlResult<Schedule> {
    parse(
        conn.query_row(
            &format!("SELECT {COLUMNS} FROM schedules WHERE id = ?1"),
            [id.0],
            raw,
        )
        .optional()?
        .ok_or(ControlError::UnknownSchedule(id))?,
    )
}

impl ControlStore {
    pub fn add_schedule(&mut self, s: NewSchedule, now: Timestamp) -> ControlResult<Schedule> {
        let tx = self.immediate()?;
        if !study_exists(&tx, s.study)? {
            return Err(ControlError::UnknownStudy(s.study.to_string()));
        }
        tx.execute(
            "INSERT INTO schedules(study_id, cron, timezone, spec, enabled, next_run_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                s.study.0,
                s.cron,
                s.timezone,
                serde_json::to_string(&s.spec)?,
                s.enabled,
                s.next_run_at.map(Timestamp::millis),
                now.millis()
            ],
        )?;
        let id = ScheduleId(tx.last_insert_rowid());
        let schedule = load(&tx, id)?;
        tx.commit()?;
        Ok(schedule)
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
        let tx = self.immediate()?;
        let n = tx.execute(
            "UPDATE schedules SET cron = ?2, timezone = ?3, spec = ?4, enabled = ?5, next_run_at = ?6 WHERE id = ?1",
            params![
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
        let schedule = load(&tx, id)?;
        tx.commit()?;
        Ok(schedule)
    }

    /// Removes a schedule; the jobs it enqueued stay (their history is the point) but no longer
    /// point at it.
    pub fn delete_schedule(&mut self, id: ScheduleId) -> ControlResult<()> {
        let tx = self.immediate()?;
        tx.execute(
            "UPDATE jobs SET schedule_id = NULL WHERE schedule_id = ?1",
            [id.0],
        )?;
        let n = tx.execute("DELETE FROM schedules WHERE id = ?1", [id.0])?;
        if n == 0 {
            return Err(ControlError::UnknownSchedule(id));
        }
        tx.commit()?;
        Ok(())
    }

    pub fn schedule(&self, id: ScheduleId) -> ControlResult<Schedule> {
        load(&self.conn, id)
    }

    /// Every schedule, oldest first.
    pub fn schedules(&self) -> ControlResult<Vec<Schedule>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM schedules ORDER BY id"))?;
        let rows = stmt.query_map([], raw)?;
        rows.map(|r| parse(r?)).collect()
    }

    /// Fires every enabled schedule whose next run is due at `now`: enqueues its job and moves
    /// `next_run_at` to `next_after(schedule, now)`. One transaction under the write lock, so of
    /// two servers polling the same store only one fires each occurrence.
    pub fn fire_due_schedules(
        &mut self,
        now: Timestamp,
        max_attempts: u32,
        next_after: &dyn Fn(&Schedule, Timestamp) -> Option<Timestamp>,
    ) -> ControlResult<Vec<FiredSchedule>> {
        let tx = self.immediate()?;
        let due: Vec<Schedule> = {
            let mut stmt = tx.prepare(&format!(
                "SELECT {COLUMNS} FROM schedules WHERE enabled = 1 AND next_run_at IS NOT NULL AND next_run_at <= ?1 ORDER BY id"
            ))?;
            let rows = stmt.query_map([now.millis()], raw)?;
            rows.map(|r| parse(r?)).collect::<ControlResult<_>>()?
        };
        let mut fired = Vec::with_capacity(due.len());
        for schedule in due {
            let job = insert(
                &tx,
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
            let next = next_after(&schedule, now);
            tx.execute(
                "UPDATE schedules SET next_run_at = ?2, last_run_at = ?3, last_job_id = ?4 WHERE id = ?1",
                params![schedule.id.0, next.map(Timestamp::millis), now.millis(), job.0],
            )?;
            fired.push(FiredSchedule {
                schedule: schedule.id,
                job,
                due: schedule.next_run_at.unwrap_or(now),
                next_run_at: next,
            });
        }
        tx.commit()?;
        Ok(fired)
    }
}

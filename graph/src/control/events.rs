//! A job's progress as an append-only log: profiled, each step with its tests and strong
//! findings, validation, calibration, the end. Kept in the store rather than in memory so a
//! dashboard on any server sharing the store can follow a run live (server-sent events resume from
//! the last sequence number the browser saw) and the history survives restarts.

use super::{ControlResult, ControlStore, Fence, JobId};
use crate::error::StoreError;
use crate::sql::{Db, Lock, args};
use crate::time::Timestamp;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct JobEvent {
    pub job: JobId,
    /// 1, 2, 3 ... within the job.
    pub seq: i64,
    pub at: Timestamp,
    pub kind: String,
    pub data: serde_json::Value,
}

/// Appends inside the caller's transaction (which holds the control lock).
pub(super) fn append(
    db: &mut dyn Db,
    job: JobId,
    kind: &str,
    data: &serde_json::Value,
    now: Timestamp,
) -> ControlResult<i64> {
    let seq = db
        .row(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM job_events WHERE job_id = ?1",
            &args![job.0],
            |r| r.int(0),
        )?
        .unwrap_or(1);
    db.execute(
        "INSERT INTO job_events(job_id, seq, at, kind, data) VALUES (?1, ?2, ?3, ?4, ?5)",
        &args![job.0, seq, now.millis(), kind, serde_json::to_string(data)?],
    )?;
    super::notify::job_changed(db, job)?;
    Ok(seq)
}

impl ControlStore {
    /// Appends an event (the server's own: recovery, webhook) and returns its sequence number.
    pub fn append_event(
        &mut self,
        job: JobId,
        kind: &str,
        data: &serde_json::Value,
        now: Timestamp,
    ) -> ControlResult<i64> {
        self.db()
            .transaction(Lock::Control, |db| append(db, job, kind, data, now))
    }

    /// Appends an event of the worker holding `fence`; refused with [`StoreError::Fenced`] once
    /// the worker lost the job, so a replaced worker's progress never mixes into its successor's.
    pub fn append_worker_event(
        &mut self,
        fence: &Fence,
        kind: &str,
        data: &serde_json::Value,
        now: Timestamp,
    ) -> ControlResult<i64> {
        self.db().transaction(Lock::Control, |db| {
            fence.check(db)?;
            append(db, fence.job, kind, data, now)
        })
    }

    /// Events of `job` after sequence number `after`, oldest first, at most `limit`.
    pub fn events_since(
        &self,
        job: JobId,
        after: i64,
        limit: usize,
    ) -> ControlResult<Vec<JobEvent>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.reader().rows(
            "SELECT seq, at, kind, data FROM job_events WHERE job_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            &args![job.0, after, limit],
            |r| Ok((r.int(0)?, r.int(1)?, r.text(2)?, r.text(3)?)),
        )?;
        rows.into_iter()
            .map(|(seq, at, kind, data)| {
                Ok(JobEvent {
                    job,
                    seq,
                    at: Timestamp::from_millis(at),
                    kind,
                    data: serde_json::from_str(&data).map_err(StoreError::from)?,
                })
            })
            .collect()
    }
}

//! A job's progress as an append-only log: profiled, each step with its tests and strong
//! findings, validation, calibration, the end. Kept in the store rather than in memory so a
//! dashboard on any server sharing the store can follow a run live (server-sent events resume from
//! the last sequence number the browser saw) and the history survives restarts.

use super::{ControlResult, ControlStore, JobId};
use crate::time::Timestamp;
use rusqlite::params;
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

impl ControlStore {
    /// Appends an event and returns its sequence number.
    pub fn append_event(
        &mut self,
        job: JobId,
        kind: &str,
        data: &serde_json::Value,
        now: Timestamp,
    ) -> ControlResult<i64> {
        let tx = self.immediate()?;
        let seq: i64 = tx.query_row(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM job_events WHERE job_id = ?1",
            [job.0],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO job_events(job_id, seq, at, kind, data) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![job.0, seq, now.millis(), kind, serde_json::to_string(data)?],
        )?;
        tx.commit()?;
        Ok(seq)
    }

    /// Events of `job` after sequence number `after`, oldest first, at most `limit`.
    pub fn events_since(
        &self,
        job: JobId,
        after: i64,
        limit: usize,
    ) -> ControlResult<Vec<JobEvent>> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, at, kind, data FROM job_events WHERE job_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![job.0, after, limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        rows.map(|row| {
            let (seq, at, kind, data) = row?;
            Ok(JobEvent {
                job,
                seq,
                at: Timestamp::from_millis(at),
                kind,
                data: serde_json::from_str(&data)?,
            })
        })
        .collect()
    }
}

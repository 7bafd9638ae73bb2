//! A job's progress as an append-only log: profiled, each step with its tests and strong
//! findings, validation, calibration, the end. Kept in the store rather than in memory so a
//! dashboard on any server sharing the store can follow a run live (server-sent events resume from
//! the last sequence number the browser saw) and the history survives restarts.

use super::{ControlResult, ControlStore, Fence, JobId, JobState};
use crate::error::StoreError;
use crate::model::RunProgress;
use crate::sql::{Db, Lock, args};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize)]
pub struct JobEvent {
    pub job: JobId,
    /// 1, 2, 3 ... within the job.
    pub seq: i64,
    pub at: Timestamp,
    pub kind: String,
    pub data: serde_json::Value,
}

impl JobEvent {
    /// The event typed; `None` for a kind no writer in this build produces or a payload of
    /// another shape (a log written by another version).
    pub fn body(&self) -> Option<JobEventBody> {
        JobEventBody::from_stored(&self.kind, &self.data)
    }
}

/// The worker's and the queue's own events; the agent's are [`RunProgress`]. Written and read
/// through this type so the log's kinds and payloads are declared once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum WorkerEvent {
    /// A worker claimed the job for this attempt.
    Claimed { worker: String, attempt: u32 },
    /// The job's lease expired under `from_worker`; it is queued again or failed.
    Recovered {
        from_worker: Option<String>,
        state: JobState,
    },
    /// The job reached a final state (written in the transaction that sets it).
    Finished {
        state: JobState,
        outcome: Option<String>,
        error: Option<String>,
        /// The job's result as stored with it.
        result: Option<serde_json::Value>,
    },
    /// A webhook delivery for the finished job.
    Webhook {
        target: String,
        delivered: bool,
        error: Option<String>,
    },
}

impl WorkerEvent {
    /// The kind the event log stores (`claimed`, `finished`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Claimed { .. } => "claimed",
            Self::Recovered { .. } => "recovered",
            Self::Finished { .. } => "finished",
            Self::Webhook { .. } => "webhook",
        }
    }

    /// The payload the event log stores.
    pub fn data(&self) -> serde_json::Value {
        payload(self)
    }

    /// The event as one short line, as the batch's progress shows it.
    pub fn line(&self) -> String {
        match self {
            Self::Claimed { worker, attempt } => {
                format!("claimed by {worker} (attempt {attempt})")
            }
            Self::Recovered { .. } => "recovered after its worker stopped".to_owned(),
            Self::Finished { state, outcome, .. } => {
                format!("finished: {}", outcome.as_deref().unwrap_or(state.as_str()))
            }
            Self::Webhook { .. } => "webhook".to_owned(),
        }
    }
}

/// One entry of a job's event log, typed: the agent's progress or the worker's own event. The
/// log keeps a kind and a JSON payload (the storage edge); both variants are tagged by that kind,
/// so reading tries each in turn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum JobEventBody {
    Run(RunProgress),
    Worker(WorkerEvent),
}

impl JobEventBody {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Run(p) => p.kind(),
            Self::Worker(w) => w.kind(),
        }
    }

    pub fn data(&self) -> serde_json::Value {
        match self {
            Self::Run(p) => p.data(),
            Self::Worker(w) => w.data(),
        }
    }

    /// An event read back from the log; `None` for an unknown kind or a payload of another shape.
    pub fn from_stored(kind: &str, data: &serde_json::Value) -> Option<Self> {
        serde_json::from_value(serde_json::json!({"kind": kind, "data": data})).ok()
    }

    /// The event as one short line.
    pub fn line(&self) -> String {
        match self {
            Self::Run(p) => p.line(),
            Self::Worker(w) => w.line(),
        }
    }
}

impl From<RunProgress> for JobEventBody {
    fn from(p: RunProgress) -> Self {
        Self::Run(p)
    }
}

impl From<WorkerEvent> for JobEventBody {
    fn from(w: WorkerEvent) -> Self {
        Self::Worker(w)
    }
}

/// The `data` half of an adjacently tagged value.
fn payload(tagged: &impl Serialize) -> serde_json::Value {
    let mut tagged = serde_json::to_value(tagged).unwrap_or_default();
    tagged
        .get_mut("data")
        .map(serde_json::Value::take)
        .unwrap_or_default()
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
    /// Appends a typed event outside any worker's fence (recovery, webhook).
    pub fn record_event(
        &mut self,
        job: JobId,
        event: impl Into<JobEventBody>,
        now: Timestamp,
    ) -> ControlResult<i64> {
        let event = event.into();
        self.append_event(job, event.kind(), &event.data(), now)
    }

    /// Appends a typed event of the worker holding `fence` (see [`Self::append_worker_event`]).
    pub fn record_worker_event(
        &mut self,
        fence: &Fence,
        event: impl Into<JobEventBody>,
        now: Timestamp,
    ) -> ControlResult<i64> {
        let event = event.into();
        self.append_worker_event(fence, event.kind(), &event.data(), now)
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The payloads are the ones the log has always held (older logs read back, the HTTP
    /// stream's JSON does not change), and read back typed.
    #[test]
    fn worker_events_keep_their_stored_form_and_read_back() {
        let cases = [
            (
                WorkerEvent::Claimed {
                    worker: "w1".into(),
                    attempt: 2,
                },
                "claimed",
                json!({"worker": "w1", "attempt": 2}),
                "claimed by w1 (attempt 2)",
            ),
            (
                WorkerEvent::Recovered {
                    from_worker: None,
                    state: JobState::Queued,
                },
                "recovered",
                json!({"from_worker": null, "state": "queued"}),
                "recovered after its worker stopped",
            ),
            (
                WorkerEvent::Finished {
                    state: JobState::Done,
                    outcome: Some("unchanged".into()),
                    error: None,
                    result: Some(json!({"hypotheses": 3})),
                },
                "finished",
                json!({"state": "done", "outcome": "unchanged", "error": null, "result": {"hypotheses": 3}}),
                "finished: unchanged",
            ),
            (
                WorkerEvent::Finished {
                    state: JobState::Failed,
                    outcome: None,
                    error: Some("boom".into()),
                    result: None,
                },
                "finished",
                json!({"state": "failed", "outcome": null, "error": "boom", "result": null}),
                "finished: failed",
            ),
            (
                WorkerEvent::Webhook {
                    target: "https://example.org".into(),
                    delivered: false,
                    error: Some("refused".into()),
                },
                "webhook",
                json!({"target": "https://example.org", "delivered": false, "error": "refused"}),
                "webhook",
            ),
        ];
        for (event, kind, data, line) in cases {
            assert_eq!(event.kind(), kind);
            assert_eq!(event.data(), data);
            assert_eq!(event.line(), line);
            let stored = JobEvent {
                job: JobId(1),
                seq: 1,
                at: Timestamp::from_millis(0),
                kind: kind.into(),
                data,
            };
            assert_eq!(stored.body(), Some(JobEventBody::Worker(event)));
        }
        // The agent's progress reads back as run progress, not as a worker event.
        let step = RunProgress::Resumed { steps: 4 };
        assert_eq!(
            JobEventBody::from_stored(step.kind(), &step.data()),
            Some(JobEventBody::Run(step))
        );
        // A kind this build does not know, or a payload of another shape, is not typed.
        assert_eq!(
            JobEventBody::from_stored("cancelled", &json!({"by": "x"})),
            None
        );
        assert_eq!(
            JobEventBody::from_stored("claimed", &json!({"worker": 3})),
            None
        );
    }
}

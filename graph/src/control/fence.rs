//! Fencing tokens. A claim makes a worker the holder of a job for one attempt; every write the
//! worker makes for the job (lease renewals, context, events, graph commits, the final outcome)
//! carries that [`Fence`], and the store checks it in the same transaction as the write. Once the
//! lease expired and the job was recovered or claimed again, the old holder's writes are refused,
//! however late they arrive.

use super::JobId;
use crate::error::StoreError;
use crate::sql::{Db, args};
use serde::Serialize;

/// Who holds a job, for which attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fence {
    pub job: JobId,
    pub worker: String,
    /// The job's attempt counter at the claim; a new claim moves it on.
    pub attempt: u32,
}

impl Fence {
    /// Fails with [`StoreError::Fenced`] unless the job is still running under this worker and
    /// attempt. On PostgreSQL the job row stays share-locked until the caller's transaction ends,
    /// so a recovery cannot slip in between this check and the write it guards.
    pub(crate) fn check(&self, db: &mut dyn Db) -> Result<(), StoreError> {
        let sql = format!(
            "SELECT 1 FROM jobs WHERE id = ?1 AND worker = ?2 AND attempts = ?3 AND state = 'running'{}",
            db.for_share()
        );
        let held = db
            .row(&sql, &args![self.job.0, &self.worker, self.attempt], |_| {
                Ok(())
            })?
            .is_some();
        if held {
            Ok(())
        } else {
            Err(StoreError::Fenced {
                job: self.job.0,
                worker: self.worker.clone(),
                attempt: self.attempt,
            })
        }
    }
}

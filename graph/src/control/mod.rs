//! The control plane: registered studies, the durable job queue, job progress events and cron
//! schedules. It lives in the graph's store (tables of schema version 2, SQLite file or PostgreSQL
//! database alike), so a run's job, its input hashes and the findings it recorded are one backup
//! and can be joined.
//!
//! Every operation is one transaction over [`crate::sql::Db`], written once for both backends.
//! The ones that decide ownership lock what they decide on: on SQLite the whole file
//! (`BEGIN IMMEDIATE`); on PostgreSQL the rows (`FOR UPDATE SKIP LOCKED` for claims, recoveries
//! and firings, so servers never wait on each other's candidates) or a control advisory lock (for
//! unique names and event numbers). Two processes sharing a store never both claim one job or
//! both fire one schedule occurrence. Every write of a worker carries its [`Fence`] (job, worker,
//! attempt), checked by the store in the same transaction. Time is always passed in (`now`),
//! never read here, so tests drive the queue with a fake clock.
//!
//! What a job *does* is opaque to this module: its `spec` is JSON owned by the caller (the web
//! crate's worker), and its `result` likewise.

mod events;
mod fence;
mod jobs;
mod notify;
mod schedules;
mod studies;

pub use events::{JobEvent, JobEventBody, WorkerEvent};
pub use fence::Fence;
pub use jobs::{Job, JobFilter, JobState, JobTrigger, NewJob, Outcome, Recovered};
pub use notify::{CHANNEL as NOTIFY_CHANNEL, JobChange, JobListener};
pub use schedules::{FiredSchedule, NewSchedule, Schedule};
pub use studies::{NewStudy, StudyRecord, StudySource};

use crate::error::StoreError;
use crate::sql::postgres::PgDb;
use crate::sql::{Db, StoreLocation, args};
use crate::store::schema;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// Ids of control-plane rows. Plain integers in the store; distinct types here so a job id is never
/// passed where a study id is meant.
macro_rules! control_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

control_id!(
    /// A registered study.
    StudyId
);
control_id!(
    /// A queued or finished job.
    JobId
);
control_id!(
    /// A cron schedule.
    ScheduleId
);

/// Failures of the control plane that are the caller's doing rather than the storage's.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no study {0}")]
    UnknownStudy(String),
    #[error("no job {0}")]
    UnknownJob(JobId),
    #[error("no schedule {0}")]
    UnknownSchedule(ScheduleId),
    #[error("a study named `{0}` is already registered")]
    DuplicateStudy(String),
    #[error("job {job} is {state}; {action} needs it {needed}")]
    WrongState {
        job: JobId,
        state: JobState,
        action: &'static str,
        needed: &'static str,
    },
}

impl From<serde_json::Error> for ControlError {
    fn from(e: serde_json::Error) -> Self {
        Self::Store(StoreError::Json(e))
    }
}

pub type ControlResult<T> = std::result::Result<T, ControlError>;

/// A connection to the control tables of one store.
pub struct ControlStore {
    /// Locked only to reach the connection from `&self` readers; never held across calls.
    db: Mutex<Box<dyn Db>>,
    location: Option<StoreLocation>,
}

impl ControlStore {
    /// Opens (creating and migrating if needed) the store at `location`: a SQLite file path or
    /// a `postgres://` URL.
    pub fn open(location: impl Into<StoreLocation>) -> Result<Self, StoreError> {
        let location = location.into();
        let mut db: Box<dyn Db> = match &location {
            StoreLocation::Sqlite(path) => Box::new(crate::store::sqlite::configure(
                Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_WRITE
                        | OpenFlags::SQLITE_OPEN_CREATE
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?,
            )?),
            StoreLocation::Postgres(url) => Box::new(PgDb::connect(url)?),
        };
        schema::migrate(db.as_mut())?;
        Ok(Self {
            db: Mutex::new(db),
            location: Some(location),
        })
    }

    /// A private store in memory (tests).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let mut db: Box<dyn Db> = Box::new(crate::store::sqlite::configure(
            Connection::open_in_memory()?,
        )?);
        schema::migrate(db.as_mut())?;
        Ok(Self {
            db: Mutex::new(db),
            location: None,
        })
    }

    /// The SQLite file this store lives in (`None` in memory or on PostgreSQL).
    pub fn path(&self) -> Option<&Path> {
        self.location.as_ref().and_then(StoreLocation::file)
    }

    /// Where this store lives (`None` in memory).
    pub fn location(&self) -> Option<&StoreLocation> {
        self.location.as_ref()
    }

    /// The connection, for a write (`&mut self`: never waits).
    fn db(&mut self) -> &mut dyn Db {
        self.db
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_mut()
    }

    /// The connection, for a read through `&self`.
    fn reader(&self) -> MutexGuard<'_, Box<dyn Db>> {
        self.db
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Reads a JSON column.
fn json_column(text: Option<String>) -> ControlResult<Option<serde_json::Value>> {
    Ok(match text {
        Some(t) => Some(serde_json::from_str(&t)?),
        None => None,
    })
}

/// Whether `study` is registered (checked inside the transaction that refers to it).
fn study_exists(db: &mut dyn Db, study: StudyId) -> ControlResult<bool> {
    Ok(db
        .row(
            "SELECT 1 FROM studies WHERE id = ?1",
            &args![study.0],
            |_| Ok(()),
        )?
        .is_some())
}

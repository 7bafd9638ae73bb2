//! The control plane: registered studies, the durable job queue, job progress events and cron
//! schedules. It lives in the graph's SQLite file (tables of schema version 2), so a run's job, its
//! input hashes and the findings it recorded are one backup and can be joined.
//!
//! Every operation is one SQLite transaction; the ones that decide ownership (claiming a job,
//! firing a schedule, recovering a lost job) take the write lock first (`BEGIN IMMEDIATE`), so two
//! processes sharing a store never both claim one job or both fire one schedule occurrence. Time is
//! always passed in (`now`), never read here, so tests drive the queue with a fake clock.
//!
//! What a job *does* is opaque to this module: its `spec` is JSON owned by the caller (the web
//! crate's worker), and its `result` likewise.

mod events;
mod jobs;
mod schedules;
mod studies;

pub use events::JobEvent;
pub use jobs::{Job, JobFilter, JobState, JobTrigger, NewJob, Outcome, Recovered};
pub use schedules::{FiredSchedule, NewSchedule, Schedule};
pub use studies::{NewStudy, StudyRecord, StudySource};

use crate::error::StoreError;
use crate::store::schema;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Ids of control-plane rows. Plain integers in SQLite; distinct types here so a job id is never
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

impl From<rusqlite::Error> for ControlError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(StoreError::Sqlite(e))
    }
}

impl From<serde_json::Error> for ControlError {
    fn from(e: serde_json::Error) -> Self {
        Self::Store(StoreError::Json(e))
    }
}

pub type ControlResult<T> = std::result::Result<T, ControlError>;

/// How long a connection waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection to the control tables of one store file.
pub struct ControlStore {
    conn: Connection,
    path: Option<PathBuf>,
}

impl ControlStore {
    /// Opens (creating and migrating if needed) the store at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let mut store = Self::configure(conn)?;
        store.path = Some(path.to_path_buf());
        Ok(store)
    }

    /// A private store in memory (tests).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::configure(Connection::open_in_memory()?)
    }

    fn configure(mut conn: Connection) -> Result<Self, StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        schema::migrate(&mut conn)?;
        Ok(Self { conn, path: None })
    }

    /// The file this store lives in (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// A write transaction that holds the lock from its first statement, for read-decide-write
    /// sequences that must not interleave with another process.
    fn immediate(&mut self) -> rusqlite::Result<rusqlite::Transaction<'_>> {
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
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
fn study_exists(conn: &rusqlite::Connection, study: StudyId) -> ControlResult<bool> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row("SELECT 1 FROM studies WHERE id = ?1", [study.0], |_| Ok(()))
        .optional()?
        .is_some())
}

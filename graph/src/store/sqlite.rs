//! SQLite backend: one file per workspace, WAL journal so readers (the dashboard) never block the
//! writer (the agent) and see only committed change sets. `synchronous = FULL` makes each commit
//! durable before it returns: a crash or kill loses at most the change set in flight.

use crate::error::StoreError;
use crate::sql::sqlite::SqliteDb;
use crate::store::schema;
use crate::store::sql_store::SqlStore;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// How long a connection waits for a lock before reporting SQLITE_BUSY.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A SQLite-backed [`crate::store::GraphStore`].
pub type SqliteStore = SqlStore<SqliteDb>;

impl SqlStore<SqliteDb> {
    /// Opens (creating if needed) a writable store and migrates it to the current schema.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        Self::writable(conn)
    }

    /// A private store in memory (tests, throw-away runs).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::writable(Connection::open_in_memory()?)
    }

    /// Opens an existing store for reading only; it must already be at the current schema.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "foreign_keys", true)?;
        let mut db = SqliteDb(conn);
        schema::require_current(&mut db)?;
        Ok(Self::new(db, true))
    }

    fn writable(conn: Connection) -> Result<Self, StoreError> {
        let mut db = configure(conn)?;
        // 64 MiB page cache: the knowledge import touches a few hundred thousand index pages.
        db.0.pragma_update(None, "cache_size", -65_536)?;
        schema::migrate(&mut db)?;
        Ok(Self::new(db, false))
    }

    /// The underlying connection, for ad-hoc queries (reports, tests).
    pub fn connection(&mut self) -> &mut Connection {
        &mut self.db().0
    }
}

/// A writable connection as every store user sets it up: a busy timeout, WAL, durable commits,
/// enforced foreign keys.
pub(crate) fn configure(conn: Connection) -> Result<SqliteDb, StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Room for every statement of a change set, so none is re-prepared per row.
    conn.set_prepared_statement_cache_capacity(64);
    // In-memory databases answer "memory" here; that is fine.
    let _mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(SqliteDb(conn))
}

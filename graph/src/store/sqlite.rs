//! SQLite backend: one file per workspace, WAL journal so readers (the dashboard) never block the
//! writer (the agent) and see only committed change sets. `synchronous = FULL` makes each commit
//! durable before it returns: a crash or kill loses at most the change set in flight.

use crate::error::StoreError;
use crate::store::{
    ChangeSet, GraphStore, IncompleteAnalysis, IntegrityReport, read_rows, schema, write_rows,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

/// How long a connection waits for a lock before reporting SQLITE_BUSY.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A SQLite-backed [`GraphStore`].
///
/// The connection sits in a `Mutex` only to make the store `Sync` (so a `ResearchGraph` can be
/// shared behind an `RwLock` by the web server); every method takes `&mut self` and reaches it
/// with `get_mut`, which never locks.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    read_only: bool,
    /// A write transaction opened by `begin_write` is in progress on the connection.
    writing: bool,
    /// `PRAGMA data_version` when this connection last read or wrote; it moves only when another
    /// connection commits, which is how a writer learns its snapshot went stale.
    seen_version: Option<i64>,
}

impl SqliteStore {
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
        schema::require_current(&conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
            read_only: true,
            writing: false,
            seen_version: None,
        })
    }

    fn writable(mut conn: Connection) -> Result<Self, StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Room for every statement of a change set, so none is re-prepared per row.
        conn.set_prepared_statement_cache_capacity(64);
        // In-memory databases answer "memory" here; that is fine.
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // 64 MiB page cache: the knowledge import touches a few hundred thousand index pages.
        conn.pragma_update(None, "cache_size", -65_536)?;
        schema::migrate(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
            read_only: false,
            writing: false,
            seen_version: None,
        })
    }

    /// The underlying connection, for ad-hoc queries (reports, tests).
    pub fn connection(&mut self) -> &mut Connection {
        // Never locked, so never poisoned; recover the value either way.
        self.conn
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Changes whenever another connection commits to the database (and never for our own commits).
fn data_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.pragma_query_value(None, "data_version", |row| row.get(0))?)
}

impl GraphStore for SqliteStore {
    fn load(&mut self) -> Result<ChangeSet, StoreError> {
        if self.writing {
            // Inside the write lock nobody else commits: the reads are one snapshot already.
            let snapshot = read_rows::load_all(self.connection())?;
            self.seen_version = Some(data_version(self.connection())?);
            return Ok(snapshot);
        }
        // One read transaction: every table is read from the same snapshot, even while a
        // writer commits in between two SELECTs.
        let tx = self.connection().transaction()?;
        let version = data_version(&tx)?;
        let snapshot = read_rows::load_all(&tx)?;
        tx.commit()?;
        self.seen_version = Some(version);
        Ok(snapshot)
    }

    fn begin_write(&mut self) -> Result<bool, StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly);
        }
        if self.writing {
            self.abort_write();
        }
        self.connection().execute_batch("BEGIN IMMEDIATE")?;
        self.writing = true;
        match data_version(self.connection()) {
            Ok(now) => Ok(self.seen_version != Some(now)),
            Err(e) => {
                self.abort_write();
                Err(e)
            }
        }
    }

    fn commit(&mut self, changes: &ChangeSet) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly);
        }
        if self.writing {
            let written = write_rows::write_all(self.connection(), changes)
                .and_then(|()| Ok(self.connection().execute_batch("COMMIT")?));
            if written.is_err() {
                self.abort_write();
            }
            self.writing = false;
            written?;
            self.seen_version = Some(data_version(self.connection())?);
            return Ok(());
        }
        if changes.is_empty() {
            return Ok(());
        }
        let tx = self
            .connection()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        write_rows::write_all(&tx, changes)?;
        tx.commit()?;
        Ok(())
    }

    fn abort_write(&mut self) {
        if self.writing {
            // Nothing was written, or the write failed: either way there is nothing to keep.
            let _ = self.connection().execute_batch("ROLLBACK");
            self.writing = false;
        }
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .connection()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    }

    fn check_integrity(&mut self) -> Result<IntegrityReport, StoreError> {
        let tx = self.connection().transaction()?;
        let mut report = IntegrityReport::default();

        let mut stmt = tx.prepare("PRAGMA integrity_check")?;
        let messages = stmt.query_map([], |row| row.get::<_, String>(0))?;
        for message in messages {
            let message = message?;
            if message != "ok" {
                report.backend.push(message);
            }
        }
        drop(stmt);

        let mut stmt = tx.prepare("PRAGMA foreign_key_check")?;
        let rows = stmt.query_map([], |row| {
            Ok(format!(
                "{} row {} -> {}",
                row.get::<_, String>(0)?,
                row.get::<_, Option<i64>>(1)?.unwrap_or_default(),
                row.get::<_, String>(2)?
            ))
        })?;
        for row in rows {
            report.foreign_key_violations.push(row?);
        }
        drop(stmt);

        let mut stmt = tx.prepare(
            "SELECT a.node_id, a.n_findings, COUNT(f.node_id)
               FROM analyses a LEFT JOIN findings f ON f.analysis_node = a.node_id
              GROUP BY a.node_id
             HAVING COUNT(f.node_id) != a.n_findings",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(IncompleteAnalysis {
                analysis: crate::ids::NodeId::new(row.get(0)?),
                declared: row.get(1)?,
                stored: row.get(2)?,
            })
        })?;
        for row in rows {
            report.incomplete_analyses.push(row?);
        }
        drop(stmt);

        report.dangling_nodes = tx.query_row(
            "SELECT
               (SELECT COUNT(*) FROM nodes n WHERE
                   (n.type = 'entity'     AND NOT EXISTS (SELECT 1 FROM entities   d WHERE d.node_id = n.id)) OR
                   (n.type = 'direction'  AND NOT EXISTS (SELECT 1 FROM directions d WHERE d.node_id = n.id)) OR
                   (n.type = 'analysis'   AND NOT EXISTS (SELECT 1 FROM analyses   d WHERE d.node_id = n.id)) OR
                   (n.type = 'finding'    AND NOT EXISTS (SELECT 1 FROM findings   d WHERE d.node_id = n.id)) OR
                   (n.type = 'hypothesis' AND NOT EXISTS (SELECT 1 FROM hypotheses d WHERE d.node_id = n.id)))
             + (SELECT COUNT(*) FROM (
                   SELECT node_id, 'entity' AS t FROM entities
                   UNION ALL SELECT node_id, 'direction' FROM directions
                   UNION ALL SELECT node_id, 'analysis' FROM analyses
                   UNION ALL SELECT node_id, 'finding' FROM findings
                   UNION ALL SELECT node_id, 'hypothesis' FROM hypotheses) d
                 WHERE NOT EXISTS (SELECT 1 FROM nodes n WHERE n.id = d.node_id AND n.type = d.t))",
            [],
            |row| row.get(0),
        )?;
        tx.commit()?;
        Ok(report)
    }

    fn is_read_only(&self) -> bool {
        self.read_only
    }
}

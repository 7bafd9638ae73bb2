//! The [`GraphStore`] both backends share: rows are read and written through [`Db`], so SQLite
//! ([`super::SqliteStore`]) and PostgreSQL ([`super::PostgresStore`]) differ only in how they
//! connect, lock and check themselves.
//!
//! Staleness: `store_version.graph` counts graph commits. A writer compares it, inside the write
//! lock, with the value its snapshot saw; a reader compares it with the last load to decide a
//! reload ([`GraphStore::is_stale`]).

use crate::control::Fence;
use crate::error::StoreError;
use crate::sql::{Backend, Db, Lock, args};
use crate::store::write_rows;
use crate::store::{ChangeSet, GraphStore, IncompleteAnalysis, IntegrityReport, read_rows};
use std::sync::Mutex;

/// A [`GraphStore`] over any [`Db`].
///
/// The connection sits in a `Mutex` only to make the store `Sync` (so a `ResearchGraph` can be
/// shared behind an `RwLock` by the web server); methods taking `&mut self` reach it with
/// `get_mut`, which never locks.
pub struct SqlStore<D: Db> {
    db: Mutex<D>,
    read_only: bool,
    /// A write transaction opened by `begin_write` is in progress on the connection.
    writing: bool,
    /// `store_version.graph` as of this connection's last load or commit.
    seen_version: Option<i64>,
    /// Writes are refused unless this job lease still holds (a worker's graph writes).
    fence: Option<Fence>,
}

/// The graph commit counter, read in the caller's transaction.
fn graph_version(db: &mut dyn Db) -> Result<i64, StoreError> {
    db.row("SELECT graph FROM store_version WHERE id = 1", &[], |r| {
        r.int(0)
    })?
    .ok_or_else(|| StoreError::Corrupt("store_version has no row".into()))
}

impl<D: Db> SqlStore<D> {
    pub(crate) fn new(db: D, read_only: bool) -> Self {
        Self {
            db: Mutex::new(db),
            read_only,
            writing: false,
            seen_version: None,
            fence: None,
        }
    }

    /// The connection (never locked while `&mut self` is held, so never poisoned).
    pub fn db(&mut self) -> &mut D {
        self.db
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes the change set, refusing it when the fence no longer holds, and counts the commit.
    fn write_checked(&mut self, changes: &ChangeSet) -> Result<i64, StoreError> {
        let fence = self.fence.clone();
        let db: &mut dyn Db = self.db();
        if let Some(fence) = &fence {
            fence.check(db)?;
        }
        write_rows::write_all(db, changes)?;
        db.execute(
            "UPDATE store_version SET graph = graph + 1 WHERE id = 1",
            &[],
        )?;
        graph_version(db)
    }
}

impl<D: Db> GraphStore for SqlStore<D> {
    fn load(&mut self) -> Result<ChangeSet, StoreError> {
        if self.writing {
            // Inside the write lock nobody else commits: the reads are one snapshot already.
            let db: &mut dyn Db = self.db();
            let snapshot = read_rows::load_all(db)?;
            self.seen_version = Some(graph_version(db)?);
            return Ok(snapshot);
        }
        // One read transaction: every table is read from the same snapshot, even while a
        // writer commits in between two SELECTs.
        let db: &mut dyn Db = self.db();
        db.begin_read()?;
        let read = graph_version(db).and_then(|v| Ok((v, read_rows::load_all(db)?)));
        let (version, snapshot) = match read {
            Ok(r) => r,
            Err(e) => {
                db.rollback();
                return Err(e);
            }
        };
        db.commit()?;
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
        let seen = self.seen_version;
        let db: &mut dyn Db = self.db();
        db.begin(Lock::Graph)?;
        match graph_version(db) {
            Ok(now) => {
                self.writing = true;
                Ok(seen != Some(now))
            }
            Err(e) => {
                db.rollback();
                Err(e)
            }
        }
    }

    fn commit(&mut self, changes: &ChangeSet) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly);
        }
        if !self.writing {
            if changes.is_empty() {
                return Ok(());
            }
            self.db().begin(Lock::Graph)?;
            self.writing = true;
        }
        let written = self
            .write_checked(changes)
            .and_then(|version| self.db().commit().map(|()| version));
        self.writing = false;
        match written {
            Ok(version) => {
                // Our own commit does not make our snapshot stale, unless it already was: a
                // commit without `begin_write` may follow someone else's.
                if self.seen_version == Some(version - 1) {
                    self.seen_version = Some(version);
                }
                Ok(())
            }
            Err(e) => {
                self.db().rollback();
                Err(e)
            }
        }
    }

    fn abort_write(&mut self) {
        if self.writing {
            // Nothing was written, or the write failed: either way there is nothing to keep.
            self.db().rollback();
            self.writing = false;
        }
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        let db: &mut dyn Db = self.db();
        db.row("SELECT value FROM meta WHERE key = ?1", &args![key], |r| {
            r.text(0)
        })
    }

    fn is_stale(&self) -> Result<bool, StoreError> {
        let mut guard = self
            .db
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(Some(graph_version(&mut *guard)?) != self.seen_version)
    }

    fn set_fence(&mut self, fence: Option<Fence>) {
        self.fence = fence;
    }

    fn check_integrity(&mut self) -> Result<IntegrityReport, StoreError> {
        let db: &mut dyn Db = self.db();
        db.begin_read()?;
        let report = integrity(db);
        match report {
            Ok(r) => {
                db.commit()?;
                Ok(r)
            }
            Err(e) => {
                db.rollback();
                Err(e)
            }
        }
    }

    fn is_read_only(&self) -> bool {
        self.read_only
    }
}

fn integrity(db: &mut dyn Db) -> Result<IntegrityReport, StoreError> {
    let mut report = IntegrityReport::default();
    if db.backend() == Backend::Sqlite {
        // PostgreSQL checks its own pages and enforces foreign keys at commit; SQLite is asked.
        report.backend = db
            .rows("PRAGMA integrity_check", &[], |r| r.text(0))?
            .into_iter()
            .filter(|m| m != "ok")
            .collect();
        report.foreign_key_violations = db.rows("PRAGMA foreign_key_check", &[], |r| {
            Ok(format!(
                "{} row {} -> {}",
                r.text(0)?,
                r.opt_int(1)?.unwrap_or_default(),
                r.text(2)?
            ))
        })?;
    }
    report.incomplete_analyses = db.rows(
        "SELECT a.node_id, a.n_findings, COUNT(f.node_id)
           FROM analyses a LEFT JOIN findings f ON f.analysis_node = a.node_id
          GROUP BY a.node_id
         HAVING COUNT(f.node_id) != a.n_findings",
        &[],
        |r| {
            Ok(IncompleteAnalysis {
                analysis: crate::ids::NodeId::new(r.int(0)?),
                declared: r.int(1)?,
                stored: r.int(2)?,
            })
        },
    )?;
    report.dangling_nodes = db
        .row(
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
            &[],
            |r| r.int(0),
        )?
        .unwrap_or(0);
    Ok(report)
}

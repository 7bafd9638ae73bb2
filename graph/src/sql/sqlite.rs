//! [`Db`] over a rusqlite connection. Statements are prepared once and cached, so a change set of
//! a hundred thousand rows reuses a handful of statements.

use super::{Arg, Backend, Db, Lock, Row};
use crate::error::StoreError;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Database {
            backend: Backend::Sqlite,
            source: Box::new(e),
        }
    }
}

impl ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Arg::Null => ValueRef::Null,
            Arg::Int(v) => ValueRef::Integer(*v),
            Arg::Real(v) => ValueRef::Real(*v),
            Arg::Text(v) => ValueRef::Text(v.as_bytes()),
            Arg::Bool(v) => ValueRef::Integer(i64::from(*v)),
        }))
    }
}

impl Row for rusqlite::Row<'_> {
    fn opt_int(&self, idx: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.get(idx)?)
    }
    fn opt_real(&self, idx: usize) -> Result<Option<f64>, StoreError> {
        Ok(self.get(idx)?)
    }
    fn opt_text(&self, idx: usize) -> Result<Option<String>, StoreError> {
        Ok(self.get(idx)?)
    }
    fn opt_bool(&self, idx: usize) -> Result<Option<bool>, StoreError> {
        Ok(self.get(idx)?)
    }
}

/// A SQLite connection as a [`Db`]; the connection stays reachable for SQLite's own pragmas.
pub struct SqliteDb(pub Connection);

impl Db for SqliteDb {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, StoreError> {
        let n = self
            .0
            .prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(args))?;
        Ok(n as u64)
    }

    fn query(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        each: &mut dyn FnMut(&dyn Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.0.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        while let Some(row) = rows.next()? {
            each(row)?;
        }
        Ok(())
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.0.execute_batch(sql)?)
    }

    fn begin(&mut self, _lock: Lock) -> Result<(), StoreError> {
        // One write lock per file: taking it at BEGIN makes read-decide-write sequences atomic
        // across processes.
        Ok(self.0.execute_batch("BEGIN IMMEDIATE")?)
    }

    fn begin_read(&mut self) -> Result<(), StoreError> {
        Ok(self.0.execute_batch("BEGIN DEFERRED")?)
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        Ok(self.0.execute_batch("COMMIT")?)
    }

    fn rollback(&mut self) {
        if !self.0.is_autocommit() {
            let _ = self.0.execute_batch("ROLLBACK");
        }
    }
}

//! The seam between the store's SQL and the two databases it runs on. The graph's rows and the
//! control plane are written once, as SQL over [`Db`]; SQLite ([`sqlite::SqliteDb`]) and
//! PostgreSQL ([`postgres::PgDb`]) each implement it: statements (written with `?1`-style
//! placeholders), typed arguments ([`Arg`]), typed row access ([`Row`]) and transactions that take
//! the right lock ([`Lock`]). What differs beyond that (schema DDL, `FOR UPDATE SKIP LOCKED`, how a
//! writer learns its snapshot went stale) is asked of [`Db::backend`].

mod location;
pub mod postgres;
pub mod scratch;
pub mod sqlite;

pub use location::{StoreLocation, shown};

use crate::error::StoreError;
use std::borrow::Cow;
use std::fmt;

/// A bare connection to the store at `location`, without migrating it (schema tools, tests).
pub fn connect(location: &StoreLocation) -> Result<Box<dyn Db>, StoreError> {
    Ok(match location {
        StoreLocation::Sqlite(path) => Box::new(crate::store::sqlite::configure(
            rusqlite::Connection::open(path)?,
        )?),
        StoreLocation::Postgres(url) => Box::new(postgres::PgDb::connect(url)?),
    })
}

/// Which database a store lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        })
    }
}

/// One statement argument. Borrowed text where the caller has it, owned where it was made for
/// the statement (JSON columns).
#[derive(Clone, Debug, PartialEq)]
pub enum Arg<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(Cow<'a, str>),
    Bool(bool),
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}
impl From<u32> for Arg<'_> {
    fn from(v: u32) -> Self {
        Self::Int(i64::from(v))
    }
}
impl From<f64> for Arg<'_> {
    fn from(v: f64) -> Self {
        Self::Real(v)
    }
}
impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}
impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Self::Text(Cow::Borrowed(v))
    }
}
impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Self::Text(Cow::Borrowed(v))
    }
}
impl From<String> for Arg<'_> {
    fn from(v: String) -> Self {
        Self::Text(Cow::Owned(v))
    }
}
impl<'a, T: Into<Arg<'a>>> From<Option<T>> for Arg<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null, Into::into)
    }
}

/// Builds an argument list: `args![a, b, c]`.
macro_rules! args {
    ($($v:expr),* $(,)?) => { [$($crate::sql::Arg::from($v)),*] };
}
pub(crate) use args;

/// One result row. Integers, reals, text and booleans, each possibly NULL; the non-optional
/// getters report a NULL as corruption.
pub trait Row {
    fn opt_int(&self, idx: usize) -> Result<Option<i64>, StoreError>;
    fn opt_real(&self, idx: usize) -> Result<Option<f64>, StoreError>;
    fn opt_text(&self, idx: usize) -> Result<Option<String>, StoreError>;
    fn opt_bool(&self, idx: usize) -> Result<Option<bool>, StoreError>;

    fn int(&self, idx: usize) -> Result<i64, StoreError> {
        self.opt_int(idx)?.ok_or_else(|| null(idx))
    }
    fn real(&self, idx: usize) -> Result<f64, StoreError> {
        self.opt_real(idx)?.ok_or_else(|| null(idx))
    }
    fn text(&self, idx: usize) -> Result<String, StoreError> {
        self.opt_text(idx)?.ok_or_else(|| null(idx))
    }
    fn boolean(&self, idx: usize) -> Result<bool, StoreError> {
        self.opt_bool(idx)?.ok_or_else(|| null(idx))
    }
    /// A non-negative count stored as an integer.
    fn count(&self, idx: usize) -> Result<u32, StoreError> {
        let v = self.int(idx)?;
        u32::try_from(v)
            .map_err(|_| StoreError::Corrupt(format!("column {idx}: {v} is not a count")))
    }
}

fn null(idx: usize) -> StoreError {
    StoreError::Corrupt(format!("column {idx} is NULL where a value is required"))
}

/// What a write transaction locks. SQLite has one write lock per file, so every kind takes it
/// (`BEGIN IMMEDIATE`); PostgreSQL takes a transaction-scoped advisory lock per kind, or none for
/// [`Lock::Rows`], whose statements lock the rows they touch (`FOR UPDATE SKIP LOCKED`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    /// One graph writer at a time: ids and entities are staged from a snapshot.
    Graph,
    /// Read-decide-write sequences of the control plane (unique names, event numbers).
    Control,
    /// Schema migrations.
    Schema,
    /// Row locks only (claims, recoveries, firing schedules).
    Rows,
}

/// A connection to one store database.
pub trait Db: Send {
    fn backend(&self) -> Backend;

    /// Runs one statement; returns the number of rows changed.
    fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, StoreError>;

    /// Runs one query and hands every row to `each`, stopping at its first error.
    fn query(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        each: &mut dyn FnMut(&dyn Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// Runs several statements without arguments (schema scripts).
    fn batch(&mut self, sql: &str) -> Result<(), StoreError>;

    /// Opens a write transaction holding `lock`.
    fn begin(&mut self, lock: Lock) -> Result<(), StoreError>;

    /// Opens a read transaction: every query until [`Db::commit`] sees one snapshot.
    fn begin_read(&mut self) -> Result<(), StoreError>;

    fn commit(&mut self) -> Result<(), StoreError>;

    /// Ends the open transaction without keeping anything; errors are moot (nothing to keep).
    fn rollback(&mut self);
}

impl dyn Db + '_ {
    /// Every row of a query, mapped.
    pub fn rows<T>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        mut map: impl FnMut(&dyn Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        self.query(sql, args, &mut |row| {
            out.push(map(row)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row of a query, mapped, if there is one.
    pub fn row<T>(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        mut map: impl FnMut(&dyn Row) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let mut out = None;
        self.query(sql, args, &mut |row| {
            if out.is_none() {
                out = Some(map(row)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Runs `f` in a write transaction holding `lock`: committed when `f` succeeds, rolled back
    /// when it fails.
    pub fn transaction<T, E: From<StoreError>>(
        &mut self,
        lock: Lock,
        f: impl FnOnce(&mut dyn Db) -> Result<T, E>,
    ) -> Result<T, E> {
        self.begin(lock)?;
        match f(self) {
            Ok(v) => {
                if let Err(e) = self.commit() {
                    self.rollback();
                    return Err(e.into());
                }
                Ok(v)
            }
            Err(e) => {
                self.rollback();
                Err(e)
            }
        }
    }

    /// `" FOR UPDATE SKIP LOCKED"` where rows can be locked (PostgreSQL); SQLite's transaction
    /// already holds the whole file.
    pub fn skip_locked(&self) -> &'static str {
        match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// `" FOR UPDATE"` on PostgreSQL: the row read is the row about to be changed.
    pub fn for_update(&self) -> &'static str {
        match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// `" FOR SHARE"` on PostgreSQL: a row read to check a condition stays as read until commit.
    pub fn for_share(&self) -> &'static str {
        match self.backend() {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR SHARE",
        }
    }
}

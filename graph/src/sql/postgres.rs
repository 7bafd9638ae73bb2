//! [`Db`] over the synchronous PostgreSQL client of rust-postgres. The store's SQL is written with
//! SQLite's `?N` placeholders, which become `$N` here; prepared statements are cached per
//! connection. Locks are transaction-scoped advisory locks, one key per [`Lock`] kind.

use super::{Arg, Backend, Db, Lock, Row};
use crate::error::StoreError;
use bytes::BytesMut;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;
use std::error::Error;

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        Self::Database {
            backend: Backend::Postgres,
            source: Box::new(e),
        }
    }
}

/// Arguments convert to whatever type the server inferred for the parameter, so one [`Arg`]
/// serves an `INTEGER`, `BIGINT` or `BOOLEAN` column alike.
impl ToSql for Arg<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match (self, ty) {
            (Arg::Null, _) => Ok(IsNull::Yes),
            (Arg::Int(v), &Type::INT8) => v.to_sql(ty, out),
            (Arg::Int(v), &Type::INT4) => i32::try_from(*v)?.to_sql(ty, out),
            (Arg::Int(v), &Type::INT2) => i16::try_from(*v)?.to_sql(ty, out),
            (Arg::Int(v), &Type::FLOAT8) => (*v as f64).to_sql(ty, out),
            (Arg::Int(v), &Type::BOOL) => (*v != 0).to_sql(ty, out),
            (Arg::Real(v), &Type::FLOAT8) => v.to_sql(ty, out),
            (Arg::Real(v), &Type::FLOAT4) => (*v as f32).to_sql(ty, out),
            (Arg::Bool(v), &Type::BOOL) => v.to_sql(ty, out),
            (Arg::Bool(v), &Type::INT8) => i64::from(*v).to_sql(ty, out),
            (Arg::Text(v), _) if <&str as ToSql>::accepts(ty) => v.as_ref().to_sql(ty, out),
            (arg, ty) => Err(format!("cannot pass {arg:?} as a {ty} parameter").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

impl Row for postgres::Row {
    fn opt_int(&self, idx: usize) -> Result<Option<i64>, StoreError> {
        let ty = self.columns().get(idx).map(|c| c.type_().clone());
        Ok(match ty {
            Some(Type::INT4) => self.try_get::<_, Option<i32>>(idx)?.map(i64::from),
            Some(Type::INT2) => self.try_get::<_, Option<i16>>(idx)?.map(i64::from),
            _ => self.try_get(idx)?,
        })
    }
    fn opt_real(&self, idx: usize) -> Result<Option<f64>, StoreError> {
        let ty = self.columns().get(idx).map(|c| c.type_().clone());
        Ok(match ty {
            Some(Type::FLOAT4) => self.try_get::<_, Option<f32>>(idx)?.map(f64::from),
            _ => self.try_get(idx)?,
        })
    }
    fn opt_text(&self, idx: usize) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(idx)?)
    }
    fn opt_bool(&self, idx: usize) -> Result<Option<bool>, StoreError> {
        Ok(self.try_get(idx)?)
    }
}

/// Advisory lock keys, one per [`Lock`] kind ("hypo" in the high bytes, so they are unlikely to
/// meet another application's keys on a shared server).
fn lock_key(lock: Lock) -> Option<i64> {
    const BASE: i64 = 0x6879_706f_0000;
    match lock {
        Lock::Graph => Some(BASE + 1),
        Lock::Control => Some(BASE + 2),
        Lock::Schema => Some(BASE + 3),
        Lock::Rows => None,
    }
}

/// `?1` placeholders (the store's SQL, as SQLite reads it) become `$1`.
fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

/// Runs a blocking call of the synchronous client. That client drives its own small runtime,
/// which must not start on a thread of the server's (multi-threaded) tokio runtime: there the
/// call is moved off the async scheduler first (`block_in_place`). A current-thread runtime
/// cannot do that; the server and workers never use one.
pub(crate) fn off_runtime<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// A PostgreSQL connection as a [`Db`].
pub struct PgDb {
    /// Always `Some` except while dropping (the close is a blocking call too).
    client: Option<Client>,
    statements: HashMap<String, Statement>,
}

impl PgDb {
    /// Connects to `url` (`postgres://user@host:port/database`), without TLS: the server is
    /// expected on a trusted network or loopback.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let client = off_runtime(|| Client::connect(url, NoTls))?;
        Ok(Self {
            client: Some(client),
            statements: HashMap::new(),
        })
    }

    /// The client, for what the seam does not cover (session settings, test set-up).
    pub fn client(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("the client is only taken when the connection is dropped")
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(stmt) = self.statements.get(sql) {
            return Ok(stmt.clone());
        }
        let text = placeholders(sql);
        let client = self.client();
        let stmt = off_runtime(|| client.prepare(&text))?;
        self.statements.insert(sql.to_owned(), stmt.clone());
        Ok(stmt)
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            off_runtime(move || drop(client));
        }
    }
}

impl Db for PgDb {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, StoreError> {
        let stmt = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a as _).collect();
        let client = self.client();
        Ok(off_runtime(|| client.execute(&stmt, &params))?)
    }

    fn query(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
        each: &mut dyn FnMut(&dyn Row) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let stmt = self.statement(sql)?;
        let client = self.client();
        off_runtime(|| {
            let mut rows = client.query_raw(&stmt, args.iter())?;
            while let Some(row) = rows.next()? {
                each(&row)?;
            }
            Ok(())
        })
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        let client = self.client();
        Ok(off_runtime(|| client.batch_execute(sql))?)
    }

    fn begin(&mut self, lock: Lock) -> Result<(), StoreError> {
        self.batch("BEGIN")?;
        if let Some(key) = lock_key(lock) {
            let client = self.client();
            if let Err(e) =
                off_runtime(|| client.execute("SELECT pg_advisory_xact_lock($1)", &[&key]))
            {
                self.rollback();
                return Err(e.into());
            }
        }
        Ok(())
    }

    fn begin_read(&mut self) -> Result<(), StoreError> {
        self.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        self.batch("COMMIT")
    }

    fn rollback(&mut self) {
        // Outside a transaction this only warns.
        let _ = self.batch("ROLLBACK");
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn numbered_placeholders_are_rewritten() {
        assert_eq!(
            placeholders("SELECT a FROM t WHERE b = ?1 AND c > ?12"),
            "SELECT a FROM t WHERE b = $1 AND c > $12"
        );
        assert_eq!(placeholders("SELECT '?'"), "SELECT '?'");
    }
}

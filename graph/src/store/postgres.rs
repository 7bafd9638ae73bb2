//! PostgreSQL backend: one database shared by any number of servers and workers on any hosts.
//! Graph writers serialise on an advisory lock (ids are staged from a snapshot), readers load in
//! one `REPEATABLE READ` snapshot, and foreign keys are checked at commit as on SQLite.

use crate::error::StoreError;
use crate::sql::postgres::PgDb;
use crate::store::schema;
use crate::store::sql_store::SqlStore;

/// A PostgreSQL-backed [`crate::store::GraphStore`].
pub type PostgresStore = SqlStore<PgDb>;

impl SqlStore<PgDb> {
    /// Connects to `url` (`postgres://user@host/database`) and migrates the schema to current.
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        let mut db = PgDb::connect(url)?;
        schema::migrate(&mut db)?;
        Ok(Self::new(db, false))
    }

    /// Connects for reading only: the session refuses writes, and the schema must be current.
    pub fn connect_read_only(url: &str) -> Result<Self, StoreError> {
        let mut db = PgDb::connect(url)?;
        schema::require_current(&mut db)?;
        crate::sql::Db::batch(
            &mut db,
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
        )?;
        Ok(Self::new(db, true))
    }
}

//! `hypomics store migrate --from A --to B`: copies a whole store (graph and control plane) from
//! one backend to the other, SQLite to PostgreSQL or back.
//!
//! Both stores are brought to the current schema first, so the tables and columns are the same
//! on both sides; [`TABLES`] lists them with their value types (a test checks the list against
//! both schemas, so a migration that adds a column or table cannot be forgotten here). The source
//! is read in one snapshot and the destination written in one transaction: a failed copy leaves
//! the destination as empty as it was. The destination must hold no data; a store is never merged
//! into another. After the copy both stores are read back table by table and compared value by
//! value ([`fingerprint`]), and PostgreSQL's identity counters are moved past the copied ids.

use crate::error::StoreError;
use crate::sql::{Arg, Backend, Db, Lock, Row, StoreLocation};
use crate::store::schema;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// How a column's values are read and written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Int,
    Real,
    Text,
    Bool,
}

use Ty::{Bool, Int, Real, Text};

/// One table of the store: its name, its columns in order, and the columns that order its rows.
pub struct Table {
    pub name: &'static str,
    columns: &'static [(&'static str, Ty)],
    order_by: &'static str,
    /// Ids from a PostgreSQL identity column (the control plane's own ids).
    identity: bool,
}

impl Table {
    pub fn column_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.columns.iter().map(|(name, _)| *name)
    }
}

/// Every table of the current schema, parents before children (the control plane's foreign keys
/// are checked per statement on PostgreSQL). `schema_version` is PostgreSQL's own bookkeeping and
/// not copied: the destination was migrated to the same version.
pub const TABLES: &[Table] = &[
    Table {
        name: "meta",
        columns: &[("key", Text), ("value", Text)],
        order_by: "key",
        identity: false,
    },
    Table {
        name: "store_version",
        columns: &[("id", Int), ("graph", Int)],
        order_by: "id",
        identity: false,
    },
    Table {
        name: "runs",
        columns: &[
            ("id", Int),
            ("label", Text),
            ("notes", Text),
            ("started_at", Int),
        ],
        order_by: "id",
        identity: false,
    },
    Table {
        name: "nodes",
        columns: &[("id", Int), ("type", Text)],
        order_by: "id",
        identity: false,
    },
    Table {
        name: "entities",
        columns: &[
            ("node_id", Int),
            ("kind", Text),
            ("key", Text),
            ("label", Text),
            ("attrs", Text),
        ],
        order_by: "node_id",
        identity: false,
    },
    Table {
        name: "directions",
        columns: &[
            ("node_id", Int),
            ("run_id", Int),
            ("question", Text),
            ("subject_class", Text),
            ("relation", Text),
            ("object_class", Text),
            ("rationale", Text),
            ("created_at", Int),
        ],
        order_by: "node_id",
        identity: false,
    },
    Table {
        name: "analyses",
        columns: &[
            ("node_id", Int),
            ("run_id", Int),
            ("study_node", Int),
            ("direction_node", Int),
            ("module", Text),
            ("params", Text),
            ("input_layers", Text),
            ("sample_set", Text),
            ("input_hash", Text),
            ("software_version", Text),
            ("created_at", Int),
            ("n_findings", Int),
        ],
        order_by: "node_id",
        identity: false,
    },
    Table {
        name: "analysis_inputs",
        columns: &[
            ("analysis_node", Int),
            ("ordinal", Int),
            ("path", Text),
            ("sha256", Text),
        ],
        order_by: "analysis_node, ordinal",
        identity: false,
    },
    Table {
        name: "edges",
        columns: &[
            ("id", Int),
            ("source", Int),
            ("target", Int),
            ("kind", Text),
            ("prior", Text),
            ("weight", Real),
        ],
        order_by: "id",
        identity: false,
    },
    Table {
        name: "findings",
        columns: &[
            ("node_id", Int),
            ("analysis_node", Int),
            ("layer", Text),
            ("feature", Text),
            ("variable", Text),
            ("contrast", Text),
            ("test", Text),
            ("statistic", Real),
            ("effect", Real),
            ("ci_low", Real),
            ("ci_high", Real),
            ("p", Real),
            ("q", Real),
            ("n", Int),
            ("direction", Text),
            ("claim_edge", Int),
            ("warning", Text),
        ],
        order_by: "node_id",
        identity: false,
    },
    Table {
        name: "hypotheses",
        columns: &[
            ("node_id", Int),
            ("run_id", Int),
            ("statement", Text),
            ("score", Text),
            ("status", Text),
            ("created_at", Int),
            ("updated_at", Int),
        ],
        order_by: "node_id",
        identity: false,
    },
    Table {
        name: "studies",
        columns: &[
            ("id", Int),
            ("name", Text),
            ("source", Text),
            ("path", Text),
            ("profile", Text),
            ("created_at", Int),
        ],
        order_by: "id",
        identity: true,
    },
    Table {
        name: "schedules",
        columns: &[
            ("id", Int),
            ("study_id", Int),
            ("cron", Text),
            ("timezone", Text),
            ("spec", Text),
            ("enabled", Bool),
            ("next_run_at", Int),
            ("last_run_at", Int),
            ("last_job_id", Int),
            ("created_at", Int),
        ],
        order_by: "id",
        identity: true,
    },
    Table {
        name: "jobs",
        columns: &[
            ("id", Int),
            ("study_id", Int),
            ("spec", Text),
            ("trigger", Text),
            ("schedule_id", Int),
            ("force", Bool),
            ("state", Text),
            ("attempts", Int),
            ("max_attempts", Int),
            ("not_before", Int),
            ("worker", Text),
            ("lease_until", Int),
            ("cancel_requested", Bool),
            ("run_id", Int),
            ("out_dir", Text),
            ("input_hashes", Text),
            ("outcome", Text),
            ("result", Text),
            ("error", Text),
            ("created_at", Int),
            ("started_at", Int),
            ("finished_at", Int),
        ],
        order_by: "id",
        identity: true,
    },
    Table {
        name: "job_events",
        columns: &[
            ("job_id", Int),
            ("seq", Int),
            ("at", Int),
            ("kind", Text),
            ("data", Text),
        ],
        order_by: "job_id, seq",
        identity: false,
    },
];

/// Tables a freshly migrated store already fills (its migration notes, the graph counter); every
/// other table must be empty in a copy's destination.
const BOOKKEEPING: &[&str] = &["meta", "store_version"];

/// Most statement parameters per multi-row insert (well under both backends' limits).
const MAX_PARAMS: usize = 4000;

/// Failures of a copy.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the source store {0} does not exist")]
    SourceMissing(StoreLocation),
    #[error("the source and the destination are the same store ({0})")]
    SameStore(StoreLocation),
    #[error(
        "the destination {location} already holds data ({rows} rows in table `{table}`); copy into a new, empty store"
    )]
    DestinationNotEmpty {
        location: StoreLocation,
        table: &'static str,
        rows: i64,
    },
    #[error(
        "after the copy, table `{table}` differs: {from} rows (digest {from_digest}) in the source, {to} rows (digest {to_digest}) in the destination"
    )]
    Differs {
        table: &'static str,
        from: u64,
        to: u64,
        from_digest: String,
        to_digest: String,
    },
}

/// Rows and a digest of every value of one table, in primary-key order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TableFingerprint {
    pub table: &'static str,
    pub rows: u64,
    /// SHA-256 over every value, typed (an integer 1 and a text "1" differ; reals bit for bit).
    pub sha256: String,
}

/// What a copy moved.
#[derive(Clone, Debug, Serialize)]
pub struct CopyReport {
    pub from: String,
    pub to: String,
    pub tables: Vec<TableFingerprint>,
}

impl CopyReport {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }

    /// The report as `hypomics store migrate` prints it: rows per table and the start of each
    /// table's fingerprint.
    pub fn text(&self) -> String {
        let mut text = format!(
            "copied {} rows from {} to {}; every table checked equal:\n",
            self.rows(),
            self.from,
            self.to
        );
        for t in &self.tables {
            text.push_str(&format!(
                "  {:<16} {:>9} rows  sha256 {}\n",
                t.table,
                t.rows,
                t.sha256.get(..16).unwrap_or(&t.sha256)
            ));
        }
        text
    }
}

/// Copies the store at `from` into the empty store at `to` (created and migrated if needed),
/// then checks that both hold the same values. `from` is migrated to the current schema first,
/// as any writable open would.
pub fn copy_store(from: &StoreLocation, to: &StoreLocation) -> Result<CopyReport, CopyError> {
    if from == to {
        return Err(CopyError::SameStore(from.clone()));
    }
    if !from.may_exist() {
        return Err(CopyError::SourceMissing(from.clone()));
    }
    let mut source = crate::sql::connect(from)?;
    schema::migrate(source.as_mut())?;
    let mut dest = crate::sql::connect(to)?;
    schema::migrate(dest.as_mut())?;

    source.begin_read()?;
    let copied = dest.as_mut().transaction(Lock::Schema, |dest| {
        for table in TABLES {
            let rows = count(dest, table)?;
            if rows > 0 && !BOOKKEEPING.contains(&table.name) {
                return Err(CopyError::DestinationNotEmpty {
                    location: to.clone(),
                    table: table.name,
                    rows,
                });
            }
        }
        // Children first, so no foreign key is left dangling for a moment.
        for table in TABLES.iter().rev() {
            if BOOKKEEPING.contains(&table.name) {
                dest.execute(&format!("DELETE FROM {}", table.name), &[])?;
            }
        }
        for table in TABLES {
            copy_table(source.as_mut(), dest, table)?;
        }
        if dest.backend() == Backend::Postgres {
            advance_identities(dest)?;
        }
        Ok::<_, CopyError>(())
    });
    source.rollback();
    copied?;

    let mut tables = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let a = fingerprint_table(source.as_mut(), table)?;
        let b = fingerprint_table(dest.as_mut(), table)?;
        if a != b {
            return Err(CopyError::Differs {
                table: table.name,
                from: a.rows,
                to: b.rows,
                from_digest: a.sha256,
                to_digest: b.sha256,
            });
        }
        tables.push(a);
    }
    Ok(CopyReport {
        from: from.to_string(),
        to: to.to_string(),
        tables,
    })
}

/// Every table's rows and value digest: equal for two stores holding the same data, whatever
/// their backends.
pub fn fingerprint(location: &StoreLocation) -> Result<Vec<TableFingerprint>, StoreError> {
    let mut db = crate::sql::connect(location)?;
    schema::require_current(db.as_mut())?;
    db.begin_read()?;
    let result = TABLES
        .iter()
        .map(|t| fingerprint_table(db.as_mut(), t))
        .collect();
    db.rollback();
    result
}

fn count(db: &mut dyn Db, table: &Table) -> Result<i64, StoreError> {
    Ok(db
        .row(&format!("SELECT COUNT(*) FROM {}", table.name), &[], |r| {
            r.int(0)
        })?
        .unwrap_or(0))
}

fn select(table: &Table) -> String {
    let columns: Vec<&str> = table.column_names().collect();
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        columns.join(", "),
        table.name,
        table.order_by
    )
}

/// One value as read from a row, owned, typed by the column.
fn value(row: &dyn Row, idx: usize, ty: Ty) -> Result<Arg<'static>, StoreError> {
    Ok(match ty {
        Int => row.opt_int(idx)?.into(),
        Real => row.opt_real(idx)?.into(),
        Text => row
            .opt_text(idx)?
            .map_or(Arg::Null, |t| Arg::Text(Cow::Owned(t))),
        Bool => row.opt_bool(idx)?.into(),
    })
}

fn copy_table(source: &mut dyn Db, dest: &mut dyn Db, table: &Table) -> Result<(), StoreError> {
    let width = table.columns.len();
    let per_statement = (MAX_PARAMS / width).max(1);
    let mut pending: Vec<Arg<'static>> = Vec::with_capacity(per_statement * width);
    source.query(&select(table), &[], &mut |row| {
        for (idx, (_, ty)) in table.columns.iter().enumerate() {
            pending.push(value(row, idx, *ty)?);
        }
        if pending.len() >= per_statement * width {
            insert(dest, table, &pending)?;
            pending.clear();
        }
        Ok(())
    })?;
    if !pending.is_empty() {
        insert(dest, table, &pending)?;
    }
    Ok(())
}

/// One multi-row insert of `values` (whole rows, in column order).
fn insert(dest: &mut dyn Db, table: &Table, values: &[Arg<'_>]) -> Result<(), StoreError> {
    let width = table.columns.len();
    let rows = values.len() / width;
    let mut sql = format!(
        "INSERT INTO {}({}) VALUES ",
        table.name,
        table.column_names().collect::<Vec<_>>().join(", ")
    );
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..width {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("?{}", r * width + c + 1));
        }
        sql.push(')');
    }
    dest.execute(&sql, values)?;
    Ok(())
}

/// Moves each identity column's counter past the copied ids, so the next job or study gets a
/// fresh id rather than colliding with a copied one.
fn advance_identities(db: &mut dyn Db) -> Result<(), StoreError> {
    for table in TABLES.iter().filter(|t| t.identity) {
        db.row(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{0}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {0}",
                table.name
            ),
            &[],
            |_| Ok(()),
        )?;
    }
    Ok(())
}

fn fingerprint_table(db: &mut dyn Db, table: &Table) -> Result<TableFingerprint, StoreError> {
    let mut hash = Sha256::new();
    let mut rows = 0u64;
    db.query(&select(table), &[], &mut |row| {
        rows += 1;
        for (idx, (_, ty)) in table.columns.iter().enumerate() {
            match value(row, idx, *ty)? {
                Arg::Null => hash.update(b"N"),
                Arg::Int(v) => {
                    hash.update(b"I");
                    hash.update(v.to_le_bytes());
                }
                Arg::Real(v) => {
                    hash.update(b"R");
                    hash.update(v.to_bits().to_le_bytes());
                }
                Arg::Text(t) => {
                    hash.update(b"T");
                    hash.update((t.len() as u64).to_le_bytes());
                    hash.update(t.as_bytes());
                }
                Arg::Bool(v) => hash.update(if v { b"1" } else { b"0" }),
            }
        }
        Ok(())
    })?;
    let sha256 = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(TableFingerprint {
        table: table.name,
        rows,
        sha256,
    })
}

/// The columns `db` has for `table`, in order (tests compare them with [`TABLES`]).
pub fn columns_in_store(db: &mut dyn Db, table: &str) -> Result<Vec<String>, StoreError> {
    match db.backend() {
        Backend::Sqlite => db.rows(
            "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
            &[Arg::from(table)],
            |r| r.text(0),
        ),
        Backend::Postgres => db.rows(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position",
            &[Arg::from(table)],
            |r| r.text(0),
        ),
    }
}

/// Every table `db` holds apart from the backend's own bookkeeping (tests compare them with
/// [`TABLES`]).
pub fn tables_in_store(db: &mut dyn Db) -> Result<Vec<String>, StoreError> {
    match db.backend() {
        Backend::Sqlite => db.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            &[],
            |r| r.text(0),
        ),
        Backend::Postgres => db.rows(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_name <> 'schema_version' ORDER BY table_name",
            &[],
            |r| r.text(0),
        ),
    }
}

//! The schema and its migrations, for both backends: each [`Migration`] has a SQLite and a
//! PostgreSQL script (`schema_pg.rs`) with the same version. SQLite keeps the version in
//! `PRAGMA user_version`, PostgreSQL in `schema_version`; each migration runs in its own
//! transaction under the schema lock, so a store is always at a whole version. Add a migration by
//! appending to [`MIGRATIONS`]; never edit a released one.
//!
//! Foreign keys are `DEFERRABLE INITIALLY DEFERRED`: they are checked at commit, so a change set
//! can be written in any order while a finding without its analysis still cannot be committed.

use super::schema_pg as pg;
use crate::error::StoreError;
use crate::sql::{Backend, Db, Lock, args};

pub struct Migration {
    pub version: i64,
    pub description: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

impl Migration {
    fn script(&self, backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        }
    }
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "initial graph schema",
        sqlite: V1,
        postgres: pg::V1,
    },
    Migration {
        version: 2,
        description: "control plane: studies, job queue, job events, schedules",
        sqlite: V2,
        postgres: pg::V2,
    },
    Migration {
        version: 3,
        description: "graph change counter: writers see a stale snapshot, readers know when to reload",
        sqlite: V3,
        postgres: pg::V3,
    },
    Migration {
        version: 4,
        description: "findings keep the analysis's warning (a failed proportional-hazards check, a Firth rescue)",
        sqlite: V4,
        postgres: pg::V4,
    },
];

/// The schema version this build reads and writes.
pub fn current_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

const V1: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE runs (
    id         INTEGER PRIMARY KEY,
    label      TEXT NOT NULL,
    notes      TEXT,
    started_at INTEGER NOT NULL
);

-- One id space for all nodes, so edges can reference any node.
CREATE TABLE nodes (
    id   INTEGER PRIMARY KEY,
    type TEXT NOT NULL CHECK (type IN ('entity','direction','analysis','finding','hypothesis'))
);

CREATE TABLE entities (
    node_id INTEGER PRIMARY KEY REFERENCES nodes(id) DEFERRABLE INITIALLY DEFERRED,
    kind    TEXT NOT NULL,
    key     TEXT NOT NULL,
    label   TEXT NOT NULL,
    attrs   TEXT NOT NULL,
    UNIQUE (kind, key)
);

CREATE TABLE directions (
    node_id       INTEGER PRIMARY KEY REFERENCES nodes(id) DEFERRABLE INITIALLY DEFERRED,
    run_id        INTEGER NOT NULL REFERENCES runs(id) DEFERRABLE INITIALLY DEFERRED,
    question      TEXT NOT NULL,
    subject_class TEXT NOT NULL,
    relation      TEXT NOT NULL,
    object_class  TEXT NOT NULL,
    rationale     TEXT,
    created_at    INTEGER NOT NULL
);
CREATE INDEX directions_run ON directions(run_id);

CREATE TABLE analyses (
    node_id          INTEGER PRIMARY KEY REFERENCES nodes(id) DEFERRABLE INITIALLY DEFERRED,
    run_id           INTEGER NOT NULL REFERENCES runs(id) DEFERRABLE INITIALLY DEFERRED,
    study_node       INTEGER NOT NULL REFERENCES entities(node_id) DEFERRABLE INITIALLY DEFERRED,
    direction_node   INTEGER REFERENCES directions(node_id) DEFERRABLE INITIALLY DEFERRED,
    module           TEXT NOT NULL,
    params           TEXT NOT NULL,
    input_layers     TEXT NOT NULL,
    sample_set       TEXT NOT NULL,
    input_hash       TEXT NOT NULL,
    software_version TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    n_findings       INTEGER NOT NULL
);
CREATE INDEX analyses_run ON analyses(run_id);
CREATE INDEX analyses_direction ON analyses(direction_node);
CREATE INDEX analyses_input_hash ON analyses(input_hash);

CREATE TABLE analysis_inputs (
    analysis_node INTEGER NOT NULL REFERENCES analyses(node_id) DEFERRABLE INITIALLY DEFERRED,
    ordinal       INTEGER NOT NULL,
    path          TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    PRIMARY KEY (analysis_node, ordinal)
) WITHOUT ROWID;

CREATE TABLE edges (
    id     INTEGER PRIMARY KEY,
    source INTEGER NOT NULL REFERENCES nodes(id) DEFERRABLE INITIALLY DEFERRED,
    target INTEGER NOT NULL REFERENCES nodes(id) DEFERRABLE INITIALLY DEFERRED,
    kind   TEXT NOT NULL,
    prior  TEXT,
    weight REAL,
    UNIQUE (source, target, kind)
);
CREATE INDEX edges_target ON edges(target);

CREATE TABLE findings (
    node_id       INTEGER PRIMARY KEY REFERENCES nodes(id) DEFERRABLE INITIALLY DEFERRED,
    analysis_node INTEGER NOT NULL REFERENCES analyses(node_id) DEFERRABLE INITIALLY DEFERRED,
    layer         TEXT NOT NULL,
    feature       TEXT NOT NULL,
    variable      TEXT NOT NULL,
    contrast      TEXT,
    test          TEXT NOT NULL,
    statistic     REAL NOT NULL,
    effect        REAL NOT NULL,
    ci_low        REAL,
    ci_high       REAL,
    p             REAL NOT NULL,
    q             REAL,
    n             INTEGER NOT NULL,
    direction     TEXT NOT NULL,
    claim_edge    INTEGER REFERENCES edges(id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX findings_analysis ON findings(analysis_node);
CREATE INDEX findings_claim ON findings(claim_edge);

CREATE TABLE hypotheses (
    node_id    INTEGER PRIMARY KEY REFERENCES nodes(id) DEFERRABLE INITIALLY DEFERRED,
    run_id     INTEGER NOT NULL REFERENCES runs(id) DEFERRABLE INITIALLY DEFERRED,
    statement  TEXT NOT NULL,
    score      TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX hypotheses_run ON hypotheses(run_id);
"#;

/// The control plane (see `crate::control`): what the server and `hypomics batch` run, kept in the
/// same file as the graph so one backup holds both and a run's job and its findings can be joined.
const V2: &str = r#"
CREATE TABLE studies (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    source     TEXT NOT NULL CHECK (source IN ('demo','folder','upload')),
    path       TEXT,
    profile    TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE schedules (
    id          INTEGER PRIMARY KEY,
    study_id    INTEGER NOT NULL REFERENCES studies(id),
    cron        TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    spec        TEXT NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    next_run_at INTEGER,
    last_run_at INTEGER,
    last_job_id INTEGER,
    created_at  INTEGER NOT NULL
);

CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY,
    study_id         INTEGER NOT NULL REFERENCES studies(id),
    spec             TEXT NOT NULL,
    trigger          TEXT NOT NULL CHECK (trigger IN ('manual','schedule','batch')),
    schedule_id      INTEGER REFERENCES schedules(id),
    force            INTEGER NOT NULL DEFAULT 0,
    state            TEXT NOT NULL CHECK (state IN ('queued','running','done','failed','cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    not_before       INTEGER NOT NULL,
    worker           TEXT,
    lease_until      INTEGER,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    run_id           INTEGER,
    out_dir          TEXT,
    input_hashes     TEXT,
    outcome          TEXT,
    result           TEXT,
    error            TEXT,
    created_at       INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER
);
CREATE INDEX jobs_queue ON jobs(state, not_before, id);
CREATE INDEX jobs_study ON jobs(study_id, id);
CREATE INDEX jobs_run ON jobs(run_id);

CREATE TABLE job_events (
    job_id INTEGER NOT NULL REFERENCES jobs(id),
    seq    INTEGER NOT NULL,
    at     INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    data   TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
"#;

/// Counts graph commits (`store_version.graph`), so a writer can tell whether anyone committed
/// since its snapshot and a reader whether to reload, on either backend.
const V3: &str = r#"
CREATE TABLE store_version (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    graph INTEGER NOT NULL
);
INSERT INTO store_version(id, graph) VALUES (1, 0);
"#;

/// A finding's caveat from its analysis; NULL for findings recorded before it existed.
const V4: &str = "ALTER TABLE findings ADD COLUMN warning TEXT;";

/// The store's schema version (0 for an empty database).
pub fn version(db: &mut dyn Db) -> Result<i64, StoreError> {
    match db.backend() {
        Backend::Sqlite => Ok(db
            .row("PRAGMA user_version", &[], |r| r.int(0))?
            .unwrap_or(0)),
        Backend::Postgres => {
            let exists = db
                .row(
                    "SELECT to_regclass('schema_version') IS NOT NULL",
                    &[],
                    |r| r.boolean(0),
                )?
                .unwrap_or(false);
            if !exists {
                return Ok(0);
            }
            Ok(db
                .row("SELECT MAX(version) FROM schema_version", &[], |r| {
                    r.opt_int(0)
                })?
                .flatten()
                .unwrap_or(0))
        }
    }
}

/// Records `version` as the store's schema version (migrations; tests of version checks).
pub fn set_version(db: &mut dyn Db, version: i64) -> Result<(), StoreError> {
    match db.backend() {
        Backend::Sqlite => db.batch(&format!("PRAGMA user_version = {version}")),
        Backend::Postgres => {
            db.execute("DELETE FROM schema_version", &[])?;
            db.execute(
                "INSERT INTO schema_version(version) VALUES (?1)",
                &args![version],
            )?;
            Ok(())
        }
    }
}

/// Brings a writable store up to [`current_version`].
pub fn migrate(db: &mut dyn Db) -> Result<(), StoreError> {
    migrate_to(db, current_version())
}

/// Brings a writable store up to `target` (tests build stores of an earlier version with it).
pub fn migrate_to(db: &mut dyn Db, target: i64) -> Result<(), StoreError> {
    // The common case, a current store, needs no write lock (workers and the scheduler open
    // connections often; each would otherwise queue for the lock behind a running analysis).
    let found = version(db)?;
    if found > current_version() {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: current_version(),
        });
    }
    if found >= target {
        return Ok(());
    }
    if db.backend() == Backend::Postgres {
        // Two servers starting at once both get here; the second waits at the schema lock.
        db.transaction(Lock::Schema, |db| db.batch(pg::VERSION_TABLE))?;
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version <= target) {
        db.transaction(Lock::Schema, |db| {
            // Re-read inside the lock: another process may have migrated meanwhile.
            let found = version(db)?;
            if found > current_version() {
                return Err(StoreError::SchemaTooNew {
                    found,
                    supported: current_version(),
                });
            }
            if found >= migration.version {
                return Ok(());
            }
            db.batch(migration.script(db.backend()))?;
            set_version(db, migration.version)?;
            db.execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                &args![
                    format!("migration.{}", migration.version),
                    migration.description
                ],
            )?;
            Ok(())
        })?;
    }
    Ok(())
}

/// Read-only connections cannot migrate; they refuse stores of any other version.
pub fn require_current(db: &mut dyn Db) -> Result<(), StoreError> {
    let found = version(db)?;
    let required = current_version();
    if found > required {
        Err(StoreError::SchemaTooNew {
            found,
            supported: required,
        })
    } else if found < required {
        Err(StoreError::NeedsMigration { found, required })
    } else {
        Ok(())
    }
}

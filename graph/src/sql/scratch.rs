//! Throw-away stores for tests, on either backend: a SQLite file in a fresh temporary folder, or
//! a freshly created PostgreSQL database with a unique name on the server named by
//! `HYPOMICS_TEST_POSTGRES` (default: the local server, `postgres://root@127.0.0.1:5432/postgres`).
//! Both are removed on drop, so test suites can run every store test against both backends.

use super::{Backend, StoreLocation};
use crate::error::StoreError;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// The server tests create their databases on (an administrative database to connect to).
pub const DEFAULT_ADMIN_URL: &str = "postgres://root@127.0.0.1:5432/postgres";

/// A store that exists for one test.
pub struct ScratchStore {
    location: StoreLocation,
    /// The SQLite folder, or the PostgreSQL admin URL and database name, to remove on drop.
    cleanup: Cleanup,
}

enum Cleanup {
    Folder(PathBuf),
    Database { admin: String, name: String },
}

/// A name no other test (in this or another process) uses at the same time.
fn unique_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "hypomics_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

impl ScratchStore {
    /// A new empty store on `backend` (the schema is created when it is first opened).
    pub fn new(backend: Backend) -> Result<Self, StoreError> {
        let name = unique_name();
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(&name);
                std::fs::create_dir_all(&dir)
                    .map_err(|e| StoreError::Corrupt(format!("creating {}: {e}", dir.display())))?;
                Ok(Self {
                    location: StoreLocation::Sqlite(dir.join("hypomics.db")),
                    cleanup: Cleanup::Folder(dir),
                })
            }
            Backend::Postgres => {
                let admin = std::env::var("HYPOMICS_TEST_POSTGRES")
                    .unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned());
                // Tests create stores from async tests too (a multi-threaded runtime).
                super::postgres::off_runtime(|| -> Result<(), StoreError> {
                    let mut client = postgres::Client::connect(&admin, postgres::NoTls)?;
                    client.batch_execute(&format!("CREATE DATABASE {name}"))?;
                    Ok(())
                })?;
                let location = StoreLocation::Postgres(database_url(&admin, &name));
                Ok(Self {
                    location,
                    cleanup: Cleanup::Database { admin, name },
                })
            }
        }
    }

    pub fn location(&self) -> &StoreLocation {
        &self.location
    }

    /// The location as a path-like value, for callers that take `--store` as a path.
    pub fn as_path(&self) -> PathBuf {
        match &self.location {
            StoreLocation::Sqlite(p) => p.clone(),
            StoreLocation::Postgres(url) => PathBuf::from(url),
        }
    }

    pub fn backend(&self) -> Backend {
        self.location.backend()
    }
}

/// `postgres://u@h:p/admin_db?opts` with the database replaced by `name`.
fn database_url(admin: &str, name: &str) -> String {
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

impl Drop for ScratchStore {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Folder(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Database { admin, name } => super::postgres::off_runtime(|| {
                if let Ok(mut client) = postgres::Client::connect(admin, postgres::NoTls) {
                    // FORCE ends connections a test left open (threads, child processes).
                    let _ = client
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn the_database_is_swapped_in_the_admin_url() {
        assert_eq!(
            database_url("postgres://root@127.0.0.1:5432/postgres", "t1"),
            "postgres://root@127.0.0.1:5432/t1"
        );
        assert_eq!(
            database_url("postgres://root@h/postgres?sslmode=disable", "t1"),
            "postgres://root@h/t1?sslmode=disable"
        );
        assert_eq!(
            database_url("postgres://root@h", "t1"),
            "postgres://root@h/t1"
        );
    }
}

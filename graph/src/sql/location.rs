//! Where a store lives, as the user names it: a file path or `sqlite://PATH` for SQLite, a
//! `postgres://` or `postgresql://` URL for PostgreSQL. Every command that takes `--store` (and
//! batch manifests) accepts either, so callers keep passing paths and the backend follows.

use super::Backend;
use std::fmt;
use std::path::{Path, PathBuf};

/// `Debug` hides a PostgreSQL password as `Display` does, so no log of a value leaks it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum StoreLocation {
    Sqlite(PathBuf),
    /// A libpq-style URL, e.g. `postgres://user@host:5432/database`.
    Postgres(String),
}

impl StoreLocation {
    /// Reads a store name: a PostgreSQL URL, `sqlite://PATH`, or else a SQLite file path.
    pub fn parse(text: &str) -> Self {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Self::Postgres(text.to_owned())
        } else if let Some(path) = text.strip_prefix("sqlite://") {
            Self::Sqlite(PathBuf::from(path))
        } else {
            Self::Sqlite(PathBuf::from(text))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// The SQLite file, if the store is one.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Self::Sqlite(p) => Some(p),
            Self::Postgres(_) => None,
        }
    }

    /// Whether the store can be opened without creating it: the file exists, or the store is a
    /// server's database (its existence is checked by connecting).
    pub fn may_exist(&self) -> bool {
        match self {
            Self::Sqlite(p) => p.is_file(),
            Self::Postgres(_) => true,
        }
    }
}

impl From<&Path> for StoreLocation {
    fn from(p: &Path) -> Self {
        match p.to_str() {
            Some(text) => Self::parse(text),
            None => Self::Sqlite(p.to_path_buf()),
        }
    }
}
impl From<&PathBuf> for StoreLocation {
    fn from(p: &PathBuf) -> Self {
        Self::from(p.as_path())
    }
}
impl From<PathBuf> for StoreLocation {
    fn from(p: PathBuf) -> Self {
        Self::from(p.as_path())
    }
}
impl From<&str> for StoreLocation {
    fn from(s: &str) -> Self {
        Self::parse(s)
    }
}
impl From<&String> for StoreLocation {
    fn from(s: &String) -> Self {
        Self::parse(s)
    }
}
impl From<String> for StoreLocation {
    fn from(s: String) -> Self {
        Self::parse(&s)
    }
}
impl From<&StoreLocation> for StoreLocation {
    fn from(s: &StoreLocation) -> Self {
        s.clone()
    }
}

/// The location as a user may see it: a PostgreSQL password is replaced by `***`.
impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(p) => write!(f, "{}", p.display()),
            Self::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

/// A store name (path or URL) as a user may see it in logs, messages and pages: a PostgreSQL
/// password is replaced by `***`. Everything that shows where a store lives goes through this.
pub fn shown(store: &Path) -> String {
    StoreLocation::from(store).to_string()
}

impl fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            Self::Postgres(url) => f
                .debug_tuple("Postgres")
                .field(&redact_password(url))
                .finish(),
        }
    }
}

/// `postgres://user:secret@host/db` -> `postgres://user:***@host/db`; a `password=` query
/// parameter is hidden too.
fn redact_password(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match base.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
                None => base.to_owned(),
            },
            None => base.to_owned(),
        },
        None => base.to_owned(),
    };
    match query {
        Some(q) => {
            let params: Vec<String> = q
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_owned(),
                })
                .collect();
            format!("{base}?{}", params.join("&"))
        }
        None => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend_and_paths_stay_sqlite() {
        assert_eq!(
            StoreLocation::parse("postgres://root@127.0.0.1/x").backend(),
            Backend::Postgres
        );
        assert_eq!(
            StoreLocation::parse("postgresql://root@127.0.0.1/x").backend(),
            Backend::Postgres
        );
        assert_eq!(
            StoreLocation::parse("sqlite://work/h.db"),
            StoreLocation::Sqlite(PathBuf::from("work/h.db"))
        );
        assert_eq!(
            StoreLocation::from(Path::new("work/h.db")),
            StoreLocation::Sqlite(PathBuf::from("work/h.db"))
        );
    }

    #[test]
    fn passwords_are_not_shown() {
        let loc = StoreLocation::parse("postgres://u:hunter2@db:5432/h");
        assert_eq!(loc.to_string(), "postgres://u:***@db:5432/h");
        assert!(!format!("{loc}").contains("hunter2"));
        // An `@` inside the password, and a password given as a parameter.
        let loc = StoreLocation::parse("postgres://u:p@ss@db/h?sslmode=disable&password=x2");
        assert_eq!(
            loc.to_string(),
            "postgres://u:***@db/h?sslmode=disable&password=***"
        );
        assert_eq!(
            shown(Path::new("postgres://u:hunter2@db/h")),
            "postgres://u:***@db/h"
        );
        assert_eq!(shown(Path::new("work/h.db")), "work/h.db");
        let debug = format!("{:?}", StoreLocation::parse("postgres://u:hunter2@db/h"));
        assert!(!debug.contains("hunter2"), "{debug}");
    }
}

//! `hypomics store migrate` as a user runs it: a SQLite store copied into an empty PostgreSQL
//! database and back into a new SQLite file, each copy reported table by table and readable as a
//! store; the password of the URL is never printed; a destination holding data is refused.
//! (What the copy preserves is checked value by value in graph/tests/copy.rs.)

mod common;

use common::hypomics;
use graph::Timestamp;
use graph::control::{ControlStore, NewStudy, StudySource};
use graph::sql::scratch::ScratchStore;

const PASSWORD: &str = "migrate-secret-31415";

#[test]
fn migrate_copies_sqlite_to_postgres_and_back_without_printing_the_password() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sqlite = tmp.path().join("hypomics.db");
    {
        let mut control = ControlStore::open(&sqlite).expect("store");
        for name in ["first", "second"] {
            control
                .register_study(
                    NewStudy {
                        name: name.into(),
                        source: StudySource::Demo,
                        path: None,
                        profile: None,
                    },
                    Timestamp::from_millis(1_800_000_000_000),
                )
                .expect("register");
        }
    }
    let pg = ScratchStore::new(graph::sql::Backend::Postgres).expect("a PostgreSQL database");
    let graph::sql::StoreLocation::Postgres(url) = pg.location().clone() else {
        unreachable!("asked for PostgreSQL")
    };
    // The local server trusts loopback and ignores the password.
    let url = url.replacen("://root@", &format!("://root:{PASSWORD}@"), 1);
    assert!(url.contains(PASSWORD), "{url}");

    let sqlite_arg = sqlite.to_str().expect("utf-8");
    let out = hypomics()
        .args(["store", "migrate", "--from", sqlite_arg, "--to", &url])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("every table checked equal"), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.trim_start().starts_with("studies") && l.contains(" 2 rows")),
        "{stdout}"
    );
    assert!(
        !stdout.contains(PASSWORD) && stdout.contains(":***@"),
        "{stdout}"
    );
    let copied = ControlStore::open(&url).expect("the copy opens");
    let names: Vec<String> = copied
        .studies()
        .expect("studies")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // Back into a new SQLite file.
    let back = tmp.path().join("back.db");
    let out = hypomics()
        .args([
            "store",
            "migrate",
            "--from",
            &url,
            "--to",
            back.to_str().expect("utf-8"),
            "--json",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    assert!(!report.to_string().contains(PASSWORD), "{report}");
    let studies = report["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["table"] == "studies")
        .expect("studies");
    assert_eq!(studies["rows"], 2);

    // Never into a store that holds data; the error names it without the password.
    let out = hypomics()
        .args(["store", "migrate", "--from", sqlite_arg, "--to", &url])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("already holds data"), "{stderr}");
    assert!(!stderr.contains(PASSWORD), "{stderr}");
}

//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// The real cohorts in `../shared/data`, or `HYPOMICS_SHARED_DATA` if set. Tests that need them say
/// so and skip when they are absent (they are present in CI and on developer machines).
pub fn shared_data(name: &str) -> Option<PathBuf> {
    let root = std::env::var_os("HYPOMICS_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let dir = root.join(name);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} not found", dir.display());
        None
    }
}

pub fn hypomics() -> Command {
    Command::new(env!("CARGO_BIN_EXE_hypomics"))
}

/// Runs hypomics and returns stdout, failing the test with stderr if it exits non-zero.
pub fn run_ok(args: &[&str]) -> String {
    let out = hypomics().args(args).output().expect("run hypomics");
    assert!(
        out.status.success(),
        "hypomics {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// The layer of an `inspect --json` summary with the given name.
pub fn layer<'a>(summary: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    summary["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("no layer {name} in {}", summary["layers"]))
}

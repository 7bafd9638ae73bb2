//! `hypomics batch MANIFEST.toml`: many studies from one file, each with its own planner, budget
//! and schedule. The batch goes through the same durable queue as `hypomics serve` (one job per
//! study, trigger `batch`), so change detection, retries, recovery after a crash and the
//! run-to-run diff behave exactly as for scheduled jobs, and a server on the same store shows the
//! batch's jobs live.

pub mod manifest;
pub mod progress;
pub mod run;

pub use manifest::{Manifest, ManifestError, StudyEntry};
pub use run::{BatchError, BatchOptions, BatchReport, DiffCounts, SummaryRow, run_batch};

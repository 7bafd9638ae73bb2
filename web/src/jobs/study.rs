//! Loading a registered study's files, and what the control plane keeps about them.

use datasets::Study;
use graph::control::{StudyRecord, StudySource};
use std::collections::BTreeMap;

/// Loads the study a record names. Errors are messages for the job's `error` field and the API,
/// naming the folder and what is wrong in it.
pub fn load_study(record: &StudyRecord) -> Result<Study, String> {
    match (&record.source, &record.path) {
        (StudySource::Demo, _) => {
            datasets::demo::load().map_err(|e| format!("loading the bundled demo study: {e}"))
        }
        (_, Some(path)) => {
            Study::load(path).map_err(|e| format!("loading study {}: {e}", record.name))
        }
        (_, None) => Err(format!("study {} has no folder recorded", record.name)),
    }
}

/// File name -> SHA-256 of every input file the study read; what change detection compares.
pub fn input_hashes(study: &Study) -> BTreeMap<String, String> {
    study
        .files
        .iter()
        .filter_map(|f| f.sha256.as_ref().map(|h| (f.name.clone(), h.clone())))
        .collect()
}

/// The profile kept with a registered study: layers, shapes, sample matching, clinical variables.
pub fn profile_json(study: &Study) -> serde_json::Value {
    serde_json::to_value(datasets::summary::StudySummary::of(study)).unwrap_or_default()
}

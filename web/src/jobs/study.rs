//! Loading a registered study's files, and what the control plane keeps about them.

use datasets::Study;
use graph::control::{NewStudy, StudyRecord, StudySource};
use std::collections::BTreeMap;
use std::path::Path;

/// Loads the study a record names. Errors are messages for the job's `error` field and the API,
/// naming the folder and what is wrong in it.
pub fn load_study(record: &StudyRecord) -> Result<Study, String> {
    load(&record.name, record.source, record.path.as_deref())
}

/// Loads a study about to be registered, to check it and profile it first.
pub fn load_new_study(study: &NewStudy) -> Result<Study, String> {
    load(&study.name, study.source, study.path.as_deref())
}

fn load(name: &str, source: StudySource, path: Option<&Path>) -> Result<Study, String> {
    match (source, path) {
        (StudySource::Demo, _) => {
            datasets::demo::load().map_err(|e| format!("loading the bundled demo study: {e}"))
        }
        (_, Some(path)) => Study::load(path).map_err(|e| format!("loading study {name}: {e}")),
        (_, None) => Err(format!("study {name} has no folder recorded")),
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

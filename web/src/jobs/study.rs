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
        (_, Some(path)) => {
            files_stay_inside(path).map_err(|e| format!("loading study {name}: {e}"))?;
            Study::load(path).map_err(|e| format!("loading study {name}: {e}"))
        }
        (_, None) => Err(format!("study {name} has no folder recorded")),
    }
}

/// Refuses a study folder holding a file that resolves outside it (a symbolic link to
/// `/etc/passwd` or to another user's data): the data root confines the folder itself, and this
/// confines what the loader will read in it. Checked on registration and before every job.
pub fn files_stay_inside(folder: &Path) -> Result<(), String> {
    let root = folder
        .canonicalize()
        .map_err(|e| format!("folder {} cannot be opened: {e}", folder.display()))?;
    let entries = std::fs::read_dir(&root)
        .map_err(|e| format!("folder {} cannot be listed: {e}", root.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let inside = match path.canonicalize() {
            Ok(resolved) => resolved.starts_with(&root),
            // A dangling link leads nowhere the loader could read; the loader reports it.
            Err(_) => true,
        };
        if !inside {
            return Err(format!(
                "file {} is a link to a place outside the study folder; copy the file in instead",
                path.display()
            ));
        }
    }
    Ok(())
}

/// File name -> SHA-256 of every input file the study read; what change detection compares.
pub fn input_hashes(study: &Study) -> BTreeMap<String, String> {
    study
        .files
        .iter()
        .filter_map(|f| f.sha256.as_ref().map(|h| (f.name.clone(), h.clone())))
        .collect()
}

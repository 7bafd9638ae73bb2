//! `hypomics init DIR`: writes the study.toml hypomics infers for a folder, commented, for the
//! user to edit. The rendering lives in `datasets::init`; this only loads and writes.

use anyhow::{Context, Result};
use std::path::Path;

pub fn write_study_toml(dir: &Path, force: bool) -> Result<String> {
    let path = dir.join(datasets::manifest::MANIFEST_NAME);
    anyhow::ensure!(
        force || !path.exists(),
        "{} exists already; edit it, or pass --force to overwrite it",
        path.display()
    );
    let study =
        datasets::Study::load(dir).with_context(|| format!("loading study {}", dir.display()))?;
    let text = datasets::init::render(&study);
    std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
    Ok(format!(
        "wrote {} ({} layers, clinical table {}); edit it, then run `hypomics inspect {}`\n",
        path.display(),
        study.layers.len(),
        study.clinical.file,
        dir.display()
    ))
}

//! The bundled demo study: a trimmed copy of CPTAC endometrial carcinoma (see `datasets/demo/README.md`
//! for source, licence and how it was trimmed), compiled into the binary so that `hypomics inspect
//! --demo` works from any directory with no files and no network.

use crate::error::Result;
use crate::manifest::Manifest;
use crate::source::SourceFile;
use crate::study::Study;
use std::path::PathBuf;

const PREFIX: &str = "demo:cptac-ucec";
/// The demo study's name, which is what a run records as its study.
pub const NAME: &str = "CPTAC UCEC demo (trimmed)";

macro_rules! demo_files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/demo/ucec/", $name)))),*]
    };
}

static FILES: &[(&str, &[u8])] = demo_files![
    "CNA.cct.gz",
    "acetylproteomics.cct.gz",
    "clinical.txt",
    "miRNA.cct.gz",
    "phosphoproteomics_gene.cct.gz",
    "phosphoproteomics_site.cct.gz",
    "proteomics.cct.gz",
    "somatic.maf.gz",
    "somatic_binary.cbt.gz",
    "transcriptomics_linear.cct.gz",
];

/// The demo's files, as the loader sees a folder.
pub fn files() -> Vec<SourceFile> {
    FILES
        .iter()
        .map(|(name, bytes)| SourceFile::embedded(PREFIX, name, bytes))
        .collect()
}

/// Loads the demo study.
pub fn load() -> Result<Study> {
    Study::from_files(
        NAME.into(),
        PathBuf::from(PREFIX),
        files(),
        &Manifest::default(),
    )
}

/// Writes the demo's files into `dir`, for users who want to see or edit a study folder.
pub fn write_to(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, bytes) in FILES {
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}

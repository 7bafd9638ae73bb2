//! `study.toml`: the optional file beside a study's tables that overrides what hypomics infers.
//! Every field is optional; an absent file means "infer everything". The format is documented in
//! the README.

use crate::error::{DatasetError, Result};
use crate::kinds::LayerKind;
use serde::Deserialize;
use std::path::Path;

pub const MANIFEST_NAME: &str = "study.toml";

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Display name of the study (default: the folder name).
    pub name: Option<String>,
    /// The clinical table's file name (default: the file whose name says clinical/colData/...).
    pub clinical: Option<String>,
    /// The clinical column holding sample IDs (default: the first column).
    pub sample_id_column: Option<String>,
    /// A table mapping file column names to clinical sample IDs (columns assay, primary, colname).
    pub sample_map: Option<String>,
    /// Files to leave out.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Keep features observed in at least this fraction of a layer's samples (default 0.5).
    pub min_observed_fraction: Option<f64>,
    /// Subtract each sample's median from all of its values (default false), for every layer.
    pub median_center: Option<bool>,
    #[serde(default, rename = "layer")]
    pub layers: Vec<LayerOverride>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    /// One row per feature, one column per sample (the usual omics export).
    FeaturesAsRows,
    /// One row per sample, one column per feature.
    SamplesAsRows,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogTransform {
    /// log2(x + 1) when the values look like counts or linear intensities.
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerOverride {
    pub file: String,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub orientation: Option<Orientation>,
    #[serde(default)]
    pub log_transform: LogTransform,
    pub median_center: Option<bool>,
    pub min_observed_fraction: Option<f64>,
}

impl Manifest {
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| DatasetError::Manifest {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        for layer in &manifest.layers {
            if let Some(kind) = &layer.kind
                && LayerKind::parse(kind).is_none()
            {
                return Err(DatasetError::Manifest {
                    path: path.to_owned(),
                    message: format!(
                        "layer {:?}: unknown kind {kind:?}; use one of {}",
                        layer.file,
                        LayerKind::ALL.map(LayerKind::as_str).join(", ")
                    ),
                });
            }
        }
        let fractions = manifest.min_observed_fraction.into_iter().chain(
            manifest
                .layers
                .iter()
                .filter_map(|l| l.min_observed_fraction),
        );
        for f in fractions {
            if !(0.0..=1.0).contains(&f) {
                return Err(DatasetError::Manifest {
                    path: path.to_owned(),
                    message: format!("min_observed_fraction must be between 0 and 1, got {f}"),
                });
            }
        }
        Ok(manifest)
    }

    pub fn layer(&self, file: &str) -> Option<&LayerOverride> {
        self.layers.iter().find(|l| l.file == file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_manifest_parses() {
        let m = Manifest::parse(
            Path::new("study.toml"),
            r#"
name = "My study"
clinical = "pheno.tsv"
sample_id_column = "patient"
ignore = ["old.tsv"]
[[layer]]
file = "prot.tsv"
kind = "proteome"
orientation = "samples_as_rows"
log_transform = "never"
"#,
        )
        .unwrap();
        assert_eq!(m.clinical.as_deref(), Some("pheno.tsv"));
        let l = m.layer("prot.tsv").unwrap();
        assert_eq!(l.orientation, Some(Orientation::SamplesAsRows));
        assert_eq!(l.log_transform, LogTransform::Never);
    }

    #[test]
    fn bad_kind_and_unknown_field_are_errors() {
        let e = Manifest::parse(
            Path::new("study.toml"),
            "[[layer]]\nfile = \"a.tsv\"\nkind = \"proteinz\"\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("unknown kind"));
        assert!(Manifest::parse(Path::new("study.toml"), "colour = 1\n").is_err());
    }
}

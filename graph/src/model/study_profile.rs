//! What a registered study's profile says, as the dashboard reads it. The control plane stores
//! the profile `hypomics inspect --json` prints (`datasets::StudySummary`) as JSON; readers
//! deserialize it into these types (fields they do not use are ignored, missing ones default)
//! rather than indexing the JSON by key.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StudyProfile {
    pub name: String,
    pub samples: Option<usize>,
    pub layers: Vec<LayerProfile>,
    pub clinical_variables: Vec<VariableProfile>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LayerProfile {
    pub name: String,
    /// The layer kind as stored (`proteome`, `rna`, ...).
    pub kind: String,
    pub file: String,
    pub features: usize,
    pub samples: usize,
    pub matching: SampleMatching,
}

/// How the file's sample IDs were matched to clinical samples.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SampleMatching {
    pub ids_in_file: usize,
    pub matched: usize,
    /// Matched IDs per rule (`exact`, `prefix`, ...).
    pub by_rule: BTreeMap<String, usize>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VariableProfile {
    pub name: String,
    /// The inferred type (`binary`, `categorical`, `ordinal`, `numeric`, ...).
    pub kind: String,
    pub observed: usize,
    /// Levels with their counts (binary, categorical and ordinal variables).
    pub levels: Vec<(String, usize)>,
    /// Smallest and largest value (numeric variables).
    pub range: Option<(f64, f64)>,
}

impl StudyProfile {
    /// The profile stored as JSON; an unreadable one reads as empty (the page still shows the
    /// raw JSON).
    pub fn from_stored(json: Option<&serde_json::Value>) -> Self {
        json.and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }
}

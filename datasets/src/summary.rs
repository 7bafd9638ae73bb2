//! What `hypomics inspect` shows: a serialisable digest of a loaded study (layers, shapes, sample
//! matching, clinical variables, warnings), printed as text for people or as JSON for machines.

use crate::clinical::{TimeUnit, VariableKind};
use crate::harmonize::MatchReport;
use crate::infer::kind::KindBasis;
use crate::kinds::LayerKind;
use crate::layer::Processing;
use crate::manifest::Orientation;
use crate::mutation::MutationSource;
use crate::study::{FileRecord, Study, mutation_recurrence};
use serde::Serialize;
use std::fmt;

#[derive(Debug, Serialize)]
pub struct StudySummary {
    pub name: String,
    pub root: String,
    pub clinical_file: String,
    pub samples: usize,
    pub tumor_samples: Option<usize>,
    pub normal_samples: Option<usize>,
    pub layers: Vec<LayerSummary>,
    pub clinical_variables: Vec<VariableSummary>,
    pub survival: Vec<SurvivalSummary>,
    pub files: Vec<FileRecord>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct LayerSummary {
    pub name: String,
    pub kind: LayerKind,
    pub file: String,
    /// Features kept after filtering; `features_in_file` is in `processing`.
    pub features: usize,
    pub samples: usize,
    pub tumor_samples: Option<usize>,
    pub normal_samples: Option<usize>,
    pub orientation: Orientation,
    pub matching: MatchReport,
    pub processing: Processing,
    pub mutation_source: Option<MutationSource>,
    /// Where the kind came from, how sure, and what the values look like.
    pub kind_basis: KindBasis,
    pub orientation_reason: String,
    pub notes: Vec<String>,
    /// For mutation layers: the most recurrently mutated genes with their carrier counts.
    pub top_mutated: Vec<(String, usize)>,
}

#[derive(Debug, Serialize)]
pub struct VariableSummary {
    pub name: String,
    /// The file's display name for the variable, when it gives one (cBioPortal `#` lines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub kind: &'static str,
    pub observed: usize,
    /// Levels with counts, for binary, categorical and ordinal variables (ordinal in order).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<(String, usize)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<(f64, f64)>,
}

#[derive(Debug, Serialize)]
pub struct SurvivalSummary {
    pub name: String,
    pub time_columns: Vec<String>,
    pub event_column: String,
    /// Unit of the time column when its name states one.
    pub unit: Option<TimeUnit>,
    /// The naming convention that paired time and event.
    pub convention: &'static str,
    pub usable: usize,
    pub events: usize,
}

impl StudySummary {
    pub fn of(study: &Study) -> Self {
        let all_tissue = study.tissue_counts(&study.clinical.samples);
        let layers = study
            .layers
            .iter()
            .map(|l| {
                let tissue = study.tissue_counts(l.matrix.samples());
                let top_mutated = if l.kind == LayerKind::Mutation {
                    mutation_recurrence(l)
                        .into_iter()
                        .take(10)
                        .map(|(g, c)| (g.to_string(), c))
                        .collect()
                } else {
                    Vec::new()
                };
                LayerSummary {
                    name: l.name.clone(),
                    kind: l.kind,
                    file: l.file.clone(),
                    features: l.matrix.n_features(),
                    samples: l.matrix.n_samples(),
                    tumor_samples: tissue.map(|t| t.0),
                    normal_samples: tissue.map(|t| t.1),
                    orientation: l.orientation,
                    matching: l.matching.clone(),
                    processing: l.processing.clone(),
                    mutation_source: l.mutation_source,
                    kind_basis: l.kind_basis.clone(),
                    orientation_reason: l.orientation_reason.clone(),
                    notes: l.notes.clone(),
                    top_mutated,
                }
            })
            .collect::<Vec<LayerSummary>>();
        let mut layers = layers;
        layers.sort_by_key(|l| (l.kind, l.name.clone()));
        let clinical_variables = study
            .clinical
            .variables
            .iter()
            .map(|v| VariableSummary {
                name: v.name.clone(),
                display_name: v.display_name.clone(),
                kind: v.kind.label(),
                observed: v.observed,
                levels: v
                    .kind
                    .levels()
                    .map(|l| l.levels.iter().map(|l| (l.name.clone(), l.count)).collect())
                    .unwrap_or_default(),
                range: match &v.kind {
                    VariableKind::Numeric(values) => {
                        let finite = values.iter().copied().filter(|x| x.is_finite());
                        let (lo, hi) = finite
                            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
                                (a.min(x), b.max(x))
                            });
                        (lo <= hi).then_some((lo, hi))
                    }
                    _ => None,
                },
            })
            .collect();
        let survival = study
            .clinical
            .survival
            .iter()
            .map(|s| SurvivalSummary {
                name: s.name.clone(),
                time_columns: s.time_columns.clone(),
                event_column: s.event_column.clone(),
                unit: s.unit,
                convention: s.convention,
                usable: s.n_usable(),
                events: s.n_events(),
            })
            .collect();
        Self {
            name: study.name.clone(),
            root: study.root.display().to_string(),
            clinical_file: study.clinical.file.clone(),
            samples: study.clinical.samples.len(),
            tumor_samples: all_tissue.map(|t| t.0),
            normal_samples: all_tissue.map(|t| t.1),
            layers,
            clinical_variables,
            survival,
            files: study.files.clone(),
            warnings: study.warnings.clone(),
        }
    }
}

fn tissue_note(tumor: Option<usize>, normal: Option<usize>) -> String {
    match (tumor, normal) {
        (Some(t), Some(n)) => format!(" ({t} tumour, {n} normal)"),
        _ => String::new(),
    }
}

/// Four significant digits, without the float noise (`-7.99e-18` prints as `0`).
fn short_number(x: f64) -> String {
    if x.abs() < 1e-9 {
        return "0".into();
    }
    let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 8) as usize;
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

impl fmt::Display for StudySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Study {} ({})", self.name, self.root)?;
        writeln!(
            f,
            "  {} samples in {}{}",
            self.samples,
            self.clinical_file,
            tissue_note(self.tumor_samples, self.normal_samples)
        )?;
        writeln!(f, "\nLayers")?;
        writeln!(
            f,
            "  {:<26} {:<12} {:>16} {:>8}  {:<30} {:>7}  preprocessing",
            "name", "kind", "features (file)", "samples", "matched / IDs in file", "missing"
        )?;
        for l in &self.layers {
            let rules: Vec<String> = l
                .matching
                .by_rule
                .iter()
                .map(|(r, n)| {
                    format!(
                        "{}: {n}",
                        serde_json::to_value(r)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default()
                    )
                })
                .collect();
            let mut prep = Vec::new();
            if l.processing.log2_transformed {
                prep.push("log2(x+1)".to_owned());
            }
            if l.processing.median_centered {
                prep.push("median-centred".to_owned());
            }
            if l.processing.features_dropped_sparse > 0 {
                prep.push(format!(
                    "{} sparse features dropped",
                    l.processing.features_dropped_sparse
                ));
            }
            writeln!(
                f,
                "  {:<26} {:<12} {:>16} {:>8}  {:<30} {:>6.1}%  {}",
                l.name,
                l.kind.as_str(),
                format!("{} ({})", l.features, l.processing.features_in_file),
                l.samples,
                format!(
                    "{} / {} ({})",
                    l.matching.matched,
                    l.matching.ids_in_file,
                    rules.join(", ")
                ),
                l.processing.missing_fraction * 100.0,
                if prep.is_empty() {
                    "none".to_owned()
                } else {
                    prep.join(", ")
                }
            )?;
            let tissue = tissue_note(l.tumor_samples, l.normal_samples);
            if !tissue.is_empty() {
                writeln!(f, "  {:<26} {}", "", tissue.trim_start())?;
            }
            if !l.top_mutated.is_empty() {
                let top: Vec<String> = l
                    .top_mutated
                    .iter()
                    .map(|(g, c)| format!("{g} {c}"))
                    .collect();
                writeln!(f, "  {:<26} most mutated: {}", "", top.join(", "))?;
            }
        }
        writeln!(f, "\nClinical variables")?;
        for v in &self.clinical_variables {
            if matches!(v.kind, "empty" | "constant") {
                continue;
            }
            let detail = if !v.levels.is_empty() {
                let shown: Vec<String> = v
                    .levels
                    .iter()
                    .take(8)
                    .map(|(n, c)| format!("{n} {c}"))
                    .collect();
                let more = v.levels.len().saturating_sub(8);
                format!(
                    "{}{}",
                    shown.join(", "),
                    if more > 0 {
                        format!(", +{more} more")
                    } else {
                        String::new()
                    }
                )
            } else if let Some((lo, hi)) = v.range {
                format!("{} .. {}", short_number(lo), short_number(hi))
            } else {
                String::new()
            };
            let name = match &v.display_name {
                Some(display) => format!("{} ({display})", v.name),
                None => v.name.clone(),
            };
            writeln!(
                f,
                "  {:<40} {:<13} n={:<4} {}",
                name, v.kind, v.observed, detail
            )?;
        }
        let hidden = self
            .clinical_variables
            .iter()
            .filter(|v| matches!(v.kind, "empty" | "constant"))
            .count();
        if hidden > 0 {
            writeln!(f, "  ({hidden} empty or constant columns not shown)")?;
        }
        if !self.survival.is_empty() {
            writeln!(f, "\nSurvival")?;
            for s in &self.survival {
                writeln!(
                    f,
                    "  {}: time from {} ({}), event from {}; {} usable, {} events [{}]",
                    s.name,
                    s.time_columns.join(" / "),
                    s.unit.map_or("unit not stated", TimeUnit::as_str),
                    s.event_column,
                    s.usable,
                    s.events,
                    s.convention
                )?;
            }
        }
        writeln!(f, "\nDecisions")?;
        for file in &self.files {
            let reasons = if file.explain.is_empty() {
                vec![file.role.describe()]
            } else {
                file.explain.clone()
            };
            writeln!(f, "  {}", file.name)?;
            for r in reasons {
                writeln!(f, "    - {r}")?;
            }
        }
        if !self.warnings.is_empty() {
            writeln!(f, "\nWarnings")?;
            for w in &self.warnings {
                writeln!(f, "  - {w}")?;
            }
        }
        Ok(())
    }
}

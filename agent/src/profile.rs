//! Step 1 of the loop: what is in the study, in the terms the planner reasons with — which layers,
//! which clinical groupings have enough samples to compare, which mutations recur, whether there
//! is survival, and which samples are tumours.

use datasets::clinical::{Tissue, VariableKind};
use datasets::{LayerKind, SampleId, Study};
use serde::Serialize;
use std::collections::HashSet;

/// Smallest group worth comparing; below it, tests have almost no power.
pub const MIN_GROUP: usize = 5;

#[derive(Clone, Debug, Serialize)]
pub struct LayerInfo {
    pub name: String,
    pub kind: LayerKind,
    pub features: usize,
    pub samples: usize,
    pub missing_fraction: f64,
}

/// A clinical variable usable as a grouping, with level counts among the analysed samples.
#[derive(Clone, Debug, Serialize)]
pub struct GroupingInfo {
    pub variable: String,
    pub kind: &'static str,
    pub levels: Vec<(String, usize)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MutationInfo {
    pub gene: String,
    pub carriers: usize,
    pub wild_type: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct StudyProfile {
    pub study: String,
    pub layers: Vec<LayerInfo>,
    pub groupings: Vec<GroupingInfo>,
    pub numeric_variables: Vec<String>,
    /// The layer mutation questions use (MAF-derived preferred), and its recurrent genes.
    pub mutation_layer: Option<String>,
    pub mutations: Vec<MutationInfo>,
    pub survival: Option<String>,
    /// Every survival outcome of the study (the first is `survival`).
    pub survival_outcomes: Vec<String>,
    /// What the study holds that no question will ask about, and why (a variable with one
    /// usable level, too few values, an identifier; recurrent mutations beyond the cap).
    pub set_aside: Vec<SetAside>,
    pub tumors: usize,
    pub normals: usize,
    /// Whether the study has normal tissue to compare tumours against.
    pub has_tumor_normal: bool,
}

/// Samples most analyses use: tumours when the study says which samples are tumours, else all.
pub fn analysis_samples(study: &Study) -> Vec<SampleId> {
    let c = &study.clinical;
    match &c.tissue {
        Some(_) => c
            .samples
            .iter()
            .enumerate()
            .filter(|(i, _)| c.tissue_of(*i) == Some(Tissue::Tumor))
            .map(|(_, s)| s.clone())
            .collect(),
        None => c.samples.clone(),
    }
}

/// A clinical variable or mutation the profile leaves out of every question, with the reason.
#[derive(Clone, Debug, Serialize)]
pub struct SetAside {
    pub subject: crate::coverage::Subject,
    pub reason: String,
}

pub fn profile(study: &Study, max_mutations: usize) -> StudyProfile {
    let tumors: HashSet<&SampleId> = analysis_samples_ref(study);
    let index = study.clinical.sample_index();
    let in_scope = |i: usize| {
        study
            .clinical
            .samples
            .get(i)
            .is_some_and(|s| tumors.contains(s))
    };
    let mut groupings = Vec::new();
    let mut numeric_variables = Vec::new();
    let mut set_aside = Vec::new();
    let mut aside = |variable: &str, reason: String| {
        set_aside.push(SetAside {
            subject: crate::coverage::Subject::Variable(variable.to_owned()),
            reason,
        });
    };
    let tissue_column = study.clinical.tissue.as_ref().map(|(c, _)| c.as_str());
    for v in &study.clinical.variables {
        if Some(v.name.as_str()) == tissue_column {
            continue;
        }
        match &v.kind {
            VariableKind::Numeric(values) => {
                let observed = values
                    .iter()
                    .enumerate()
                    .filter(|(i, x)| in_scope(*i) && x.is_finite())
                    .count();
                if observed >= 3 * MIN_GROUP {
                    numeric_variables.push(v.name.clone());
                } else {
                    aside(
                        &v.name,
                        format!(
                            "numeric with {observed} values among the analysed samples (a screen needs {})",
                            3 * MIN_GROUP
                        ),
                    );
                }
            }
            VariableKind::SurvivalPart => {}
            kind => {
                let Some(levels) = kind.levels() else {
                    aside(&v.name, format!("not testable ({})", kind.label()));
                    continue;
                };
                let mut counts = vec![0usize; levels.levels.len()];
                for (i, code) in levels.codes.iter().enumerate() {
                    if let Some(c) = code
                        && in_scope(i)
                    {
                        counts[*c as usize] += 1;
                    }
                }
                let usable: Vec<(String, usize)> = levels
                    .levels
                    .iter()
                    .zip(counts)
                    .filter(|(_, n)| *n >= MIN_GROUP)
                    .map(|(l, n)| (l.name.clone(), n))
                    .collect();
                if usable.len() >= 2 {
                    groupings.push(GroupingInfo {
                        variable: v.name.clone(),
                        kind: kind.label(),
                        levels: usable,
                    });
                } else {
                    aside(
                        &v.name,
                        format!(
                            "{} with {} level(s) of {MIN_GROUP}+ analysed samples (a comparison needs two)",
                            kind.label(),
                            usable.len()
                        ),
                    );
                }
            }
        }
    }
    let mutation_layer = study.mutation_layer();
    let mut mutations = Vec::new();
    let mut beyond_cap = 0usize;
    if let Some(layer) = mutation_layer {
        for (gene, carriers) in datasets::study::mutation_recurrence(layer) {
            let wild_type = layer.matrix.n_samples() - carriers;
            if carriers >= MIN_GROUP.max(layer.matrix.n_samples() / 20) && wild_type >= MIN_GROUP {
                if mutations.len() < max_mutations {
                    mutations.push(MutationInfo {
                        gene: gene.to_string(),
                        carriers,
                        wild_type,
                    });
                } else {
                    beyond_cap += 1;
                }
            }
        }
    }
    if beyond_cap > 0 {
        set_aside.push(SetAside {
            subject: crate::coverage::Subject::Mutation(format!("{beyond_cap} more recurrent genes")),
            reason: format!(
                "recurrent, but beyond the {max_mutations} most recurrent mutations screened (max_mutations)"
            ),
        });
    }
    let (n_tumor, n_normal) = study
        .tissue_counts(&study.clinical.samples)
        .unwrap_or((index.len(), 0));
    StudyProfile {
        study: study.name.clone(),
        layers: study
            .layers
            .iter()
            .filter(|l| l.kind != LayerKind::Mutation)
            .map(|l| LayerInfo {
                name: l.name.clone(),
                kind: l.kind,
                features: l.matrix.n_features(),
                samples: l.matrix.n_samples(),
                missing_fraction: l.processing.missing_fraction,
            })
            .collect(),
        groupings,
        numeric_variables,
        mutation_layer: mutation_layer.map(|l| l.name.clone()),
        mutations,
        survival: study.clinical.survival.first().map(|s| s.name.clone()),
        survival_outcomes: study
            .clinical
            .survival
            .iter()
            .map(|s| s.name.clone())
            .collect(),
        set_aside,
        tumors: n_tumor,
        normals: n_normal,
        has_tumor_normal: n_normal >= MIN_GROUP && n_tumor >= MIN_GROUP,
    }
}

fn analysis_samples_ref(study: &Study) -> HashSet<&SampleId> {
    let c = &study.clinical;
    c.samples
        .iter()
        .enumerate()
        .filter(|(i, _)| c.tissue.is_none() || c.tissue_of(*i) == Some(Tissue::Tumor))
        .map(|(_, s)| s)
        .collect()
}

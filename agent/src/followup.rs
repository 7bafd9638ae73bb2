//! Step 4 of the loop: strong findings open new directions. This is what makes the work iterative
//! rather than a fixed screen: a mutation that changes proteins asks whether RNA changes too,
//! whether purity or batch explain it, and which pathways the changed proteins share; a prognostic
//! protein asks whether it survives adjustment for stage and grade.

use crate::ledger::{AnalysisRecord, Ledger, Q_STRONG};
use crate::question::Question;
use datasets::clinical::VariableKind;
use datasets::{LayerKind, Study};

/// Most features carried into a follow-up: enough for the chain, few enough to stay cheap.
const FOLLOW_FEATURES: usize = 20;

/// Covariates a careful analyst adjusts group differences for: tumour purity and batch.
pub fn confounders(study: &Study) -> Vec<String> {
    let mut out = Vec::new();
    let vars = &study.clinical.variables;
    if let Some(v) = vars.iter().find(|v| {
        matches!(v.kind, VariableKind::Numeric(_)) && {
            let n = v.name.to_ascii_lowercase();
            n == "purity"
                || n.contains("purity_cancer")
                || n.contains("tumor_purity")
                || n.ends_with("purity")
        }
    }) {
        out.push(v.name.clone());
    }
    if let Some(v) = vars.iter().find(|v| {
        matches!(v.kind, VariableKind::Categorical(_))
            && v.name.to_ascii_lowercase().contains("batch")
    }) {
        out.push(v.name.clone());
    }
    out
}

/// Stage and grade: what a prognostic marker must be independent of.
pub fn prognostic_covariates(study: &Study) -> Vec<String> {
    let mut out = Vec::new();
    for word in ["stage", "grade"] {
        if let Some(v) = study.clinical.variables.iter().find(|v| {
            matches!(v.kind, VariableKind::Ordinal(_)) && v.name.to_ascii_lowercase().contains(word)
        }) {
            out.push(v.name.clone());
        }
    }
    out
}

/// Questions opened by the strong findings of one analysis.
pub fn follow_ups(study: &Study, ledger: &Ledger, index: usize) -> Vec<(Question, String)> {
    let Some(record) = ledger.analyses().get(index) else {
        return Vec::new();
    };
    let strong = ledger.strong_rows(index, Q_STRONG);
    if strong.is_empty() {
        return Vec::new();
    }
    let top: Vec<&crate::ledger::TestRow> = strong
        .iter()
        .take(FOLLOW_FEATURES)
        .map(|&r| &record.rows[r])
        .collect();
    let features: Vec<String> = top.iter().map(|r| r.feature.clone()).collect();
    let genes: Vec<String> = dedup(top.iter().map(|r| r.gene.clone()));
    let why = format!("{} strong findings in step {}", strong.len(), record.step);
    let mut out = Vec::new();
    let layer_kind = |name: &str| study.layer_named(name).map(|l| l.kind);
    match &record.direction.question {
        Question::MutationImpact { gene, layer } => {
            if let Some(rna) = study.layer(LayerKind::Rna)
                && layer_kind(layer) != Some(LayerKind::Rna)
            {
                out.push((
                    Question::MutationMechanism {
                        gene: gene.clone(),
                        layer: rna.name.clone(),
                        features: genes.clone(),
                    },
                    format!("{why}: is the change transcriptional?"),
                ));
            }
            let covariates = confounders(study);
            if !covariates.is_empty() {
                out.push((
                    Question::AdjustedGroups {
                        variable: format!("{gene} mutation"),
                        layer: layer.clone(),
                        features: features.clone(),
                        covariates,
                    },
                    format!("{why}: explained by purity or batch?"),
                ));
            }
            out.extend(enrichment(
                record,
                ledger,
                index,
                &format!("{layer} changed with {gene} mutation"),
                &why,
            ));
        }
        Question::ClinicalGroups { variable, layer } => {
            let covariates: Vec<String> = confounders(study)
                .into_iter()
                .filter(|c| c != variable)
                .collect();
            if !covariates.is_empty() {
                out.push((
                    Question::AdjustedGroups {
                        variable: variable.clone(),
                        layer: layer.clone(),
                        features,
                        covariates,
                    },
                    format!("{why}: explained by purity or batch?"),
                ));
            }
            out.extend(enrichment(
                record,
                ledger,
                index,
                &format!("{layer} differing by {variable}"),
                &why,
            ));
        }
        Question::TumorVsNormal { layer } => {
            out.extend(enrichment(
                record,
                ledger,
                index,
                &format!("{layer} differing tumour vs normal"),
                &why,
            ));
        }
        Question::ClinicalNumeric { variable, layer } => {
            out.extend(enrichment(
                record,
                ledger,
                index,
                &format!("{layer} correlated with {variable}"),
                &why,
            ));
        }
        Question::Survival { layer } => {
            let covariates = prognostic_covariates(study);
            if !covariates.is_empty() {
                out.push((
                    Question::AdjustedSurvival {
                        layer: layer.clone(),
                        features,
                        covariates,
                    },
                    format!("{why}: independent of stage and grade?"),
                ));
            }
        }
        _ => {}
    }
    out
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items
        .filter(|i| !i.is_empty() && seen.insert(i.clone()))
        .collect()
}

/// Enrichment of the strong features' genes, split by direction, against every gene tested.
fn enrichment(
    record: &AnalysisRecord,
    ledger: &Ledger,
    index: usize,
    label: &str,
    why: &str,
) -> Option<(Question, String)> {
    let strong = ledger.strong_rows(index, Q_STRONG);
    let up = dedup(
        strong
            .iter()
            .map(|&r| &record.rows[r])
            .filter(|r| r.effect > 0.0)
            .map(|r| r.gene.clone()),
    );
    let down = dedup(
        strong
            .iter()
            .map(|&r| &record.rows[r])
            .filter(|r| r.effect < 0.0)
            .map(|r| r.gene.clone()),
    );
    if up.len() < 3 && down.len() < 3 {
        return None;
    }
    let mut universe = dedup(record.rows.iter().map(|r| r.gene.clone()));
    universe.sort();
    Some((
        Question::Enrichment {
            source_step: record.step,
            label: label.to_owned(),
            up,
            down,
            universe,
        },
        format!("{why}: which pathways?"),
    ))
}

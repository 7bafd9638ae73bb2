//! What follow-up questions are made of: the strong findings that open them, the covariates a
//! careful analyst adjusts for, and the enrichment of the changed features' genes.

use super::Question;
use super::enrichment::Enrichment;
use crate::confounders::{Tested, dominant_axes};
use crate::ledger::{AnalysisRecord, Ledger, Q_STRONG, TestRow};
use datasets::Study;
use datasets::clinical::VariableKind;

/// Most features carried into a follow-up: enough for the chain, few enough to stay cheap.
const FOLLOW_FEATURES: usize = 20;

/// The strong findings of one analysis, as the kinds' follow-ups read them.
pub struct FollowUpContext<'a> {
    pub study: &'a Study,
    pub ledger: &'a Ledger,
    pub record: &'a AnalysisRecord,
    /// Rows passing the session-wide q threshold and the effect floor, strongest first.
    pub strong: Vec<usize>,
    /// Features of the strongest rows (at most [`FOLLOW_FEATURES`]).
    pub features: Vec<String>,
    /// Their genes, once each.
    pub genes: Vec<String>,
    /// Why a follow-up is opened (`N strong findings in step S`).
    pub why: String,
}

impl<'a> FollowUpContext<'a> {
    /// `None` when the analysis is not in the ledger or found nothing strong.
    pub fn new(study: &'a Study, ledger: &'a Ledger, index: usize) -> Option<Self> {
        let record = ledger.analyses().get(index)?;
        let strong = ledger.strong_rows(index, Q_STRONG);
        if strong.is_empty() {
            return None;
        }
        let top: Vec<&TestRow> = strong
            .iter()
            .take(FOLLOW_FEATURES)
            .map(|&r| &record.rows[r])
            .collect();
        let features = top.iter().map(|r| r.feature.clone()).collect();
        let genes = dedup(top.iter().map(|r| r.gene.clone()));
        let why = format!("{} strong findings in step {}", strong.len(), record.step);
        Some(Self {
            study,
            ledger,
            record,
            strong,
            features,
            genes,
            why,
        })
    }
}

/// Covariates a careful analyst adjusts a group difference for: purity, batch and the study's
/// hypermutation axis (`confounders.rs`), read on the analysis's own (discovery) samples.
pub fn confounders(opened: &FollowUpContext<'_>, tested: Tested<'_>) -> Vec<String> {
    dominant_axes(opened.study, &opened.record.samples, tested)
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

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items
        .filter(|i| !i.is_empty() && seen.insert(i.clone()))
        .collect()
}

/// Enrichment of the strong features' genes, split by direction, against every gene tested.
pub fn enrichment(opened: &FollowUpContext<'_>, label: &str) -> Option<(Question, String)> {
    let (record, strong, why) = (opened.record, &opened.strong, &opened.why);
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
        Enrichment {
            source_step: record.step,
            label: label.to_owned(),
            up,
            down,
            universe,
        }
        .into(),
        format!("{why}: which pathways?"),
    ))
}

//! What follow-up questions are made of: the strong findings that open them, the covariates a
//! careful analyst adjusts for, and the enrichment of the changed features' genes.

use super::Question;
use super::enrichment::{Enrichment, Ranking, RankingGroups, Scores};
use super::phospho_adjusted::PhosphoAdjusted;
use super::stratified::Stratified;
use crate::confounders::{MUTATION_BURDEN, Tested, dominant_axes};
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

/// The stratified re-test of a group difference (`stratified.rs`): within each level of the
/// categorical confounders among `covariates` (the hypermutation and expression axes), and within
/// each half of the numeric ones (purity, mutation burden: an effect may hold only in purer or in
/// hypermutated tumours); batch is left to the adjustment. `None` when no confounder can be split.
pub fn stratified(
    opened: &FollowUpContext<'_>,
    variable: &str,
    layer: &str,
    covariates: &[String],
) -> Option<(Question, String)> {
    let by: Vec<String> = covariates
        .iter()
        .filter(|c| !c.to_ascii_lowercase().contains("batch"))
        .filter(|c| match opened.study.clinical.variable(c) {
            Some(v) => matches!(
                v.kind,
                VariableKind::Categorical(_)
                    | VariableKind::Binary(_)
                    | VariableKind::Ordinal(_)
                    | VariableKind::Numeric(_)
            ),
            // The burden computed from the mutation layer (`confounders.rs`).
            None => *c == MUTATION_BURDEN && opened.study.mutation_layer().is_some(),
        })
        .cloned()
        .collect();
    if by.is_empty() {
        return None;
    }
    let why = format!(
        "{}: does it hold within each stratum of {}?",
        opened.why,
        by.join(", ")
    );
    Some((
        Stratified {
            variable: variable.to_owned(),
            layer: layer.to_owned(),
            features: opened.features.clone(),
            covariates: covariates.to_vec(),
            by,
        }
        .into(),
        why,
    ))
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

/// The gene-set follow-up of a screen's strong findings: preranked GSEA and CAMERA over the
/// screen's signed statistic (the contrast of its strongest finding), with the strong genes split
/// by direction kept for the record. `groups`: the screen's layer and two-group variable, when
/// its samples can be regrouped for CAMERA's correlation estimate (`None` for trends, survival,
/// tumour vs normal).
pub fn enrichment(
    opened: &FollowUpContext<'_>,
    label: &str,
    groups: Option<(&str, &str)>,
) -> Option<(Question, String)> {
    let (record, strong, why) = (opened.record, &opened.strong, &opened.why);
    let strongest = &record.rows[*strong.first()?];
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
    let ranking = ranking(record, &strongest.contrast, strongest.test, groups)?;
    let mut universe = dedup(record.rows.iter().map(|r| r.gene.clone()));
    universe.sort();
    Some((
        Enrichment {
            source_step: record.step,
            label: label.to_owned(),
            up,
            down,
            universe,
            ranking: Some(Box::new(ranking)),
        }
        .into(),
        format!("{why}: which pathways?"),
    ))
}

/// Fewest ranked genes for gene-set tests to mean anything.
const MIN_RANKED_GENES: usize = 50;

/// One contrast's rows as a ranked list: the smallest-p feature of each gene, scored
/// `sign(effect) * z(p / 2)` (p floored at the smallest normal double, so z stays finite).
fn ranking(
    record: &AnalysisRecord,
    contrast: &str,
    test: graph::TestKind,
    groups: Option<(&str, &str)>,
) -> Option<Ranking> {
    let mut best: std::collections::HashMap<&str, &TestRow> = std::collections::HashMap::new();
    let mut order = Vec::new();
    for row in &record.rows {
        if row.contrast != contrast
            || row.test != test
            || row.gene.is_empty()
            || !row.p.is_finite()
            || !row.effect.is_finite()
        {
            continue;
        }
        match best.entry(row.gene.as_str()) {
            std::collections::hash_map::Entry::Vacant(e) => {
                order.push(row.gene.as_str());
                e.insert(row);
            }
            std::collections::hash_map::Entry::Occupied(mut e) => {
                if row.p < e.get().p {
                    e.insert(row);
                }
            }
        }
    }
    if order.len() < MIN_RANKED_GENES {
        return None;
    }
    let mut features = Vec::with_capacity(order.len());
    let mut scores = Vec::with_capacity(order.len());
    for gene in order {
        let row = best[gene];
        let z =
            -analysis::distributions::normal_quantile(row.p.clamp(f64::MIN_POSITIVE, 1.0) / 2.0);
        let signed = if row.effect < 0.0 { -z } else { z };
        if signed.is_finite() {
            features.push(row.feature.clone());
            scores.push(signed);
        }
    }
    Some(Ranking {
        contrast: contrast.to_owned(),
        test,
        features,
        scores: Scores(scores),
        groups: groups
            .filter(|_| !test.is_rank_correlation() && !test.is_cox())
            .map(|(layer, variable)| RankingGroups {
                layer: layer.to_owned(),
                variable: variable.to_owned(),
            }),
    })
}

/// Where a group screen of a phosphosite layer found sites changed and the study has a
/// proteome: are they phosphorylated beyond their protein's abundance? (`variable`: a clinical
/// variable or `<GENE> mutation`; trend rows over ordered levels are not re-fitted.)
pub fn phospho_beyond_protein(
    opened: &FollowUpContext<'_>,
    layer: &str,
    variable: &str,
) -> Option<(Question, String)> {
    crate::execute::phospho::protein_layer_for(opened.study, layer)?;
    let record = opened.record;
    let mut contrasts: Vec<String> = Vec::new();
    for &r in opened.strong.iter().take(FOLLOW_FEATURES) {
        let row = &record.rows[r];
        if !row.test.is_rank_correlation() && !contrasts.contains(&row.contrast) {
            contrasts.push(row.contrast.clone());
        }
    }
    if contrasts.is_empty() {
        return None;
    }
    Some((
        PhosphoAdjusted {
            source_step: record.step,
            variable: variable.to_owned(),
            contrasts,
            layer: layer.to_owned(),
            features: opened.features.clone(),
        }
        .into(),
        format!("{}: phosphorylation beyond protein abundance?", opened.why),
    ))
}

//! Step 5: assembling hypotheses from chains of supported findings. A hypothesis starts from one
//! strong primary finding and collects the follow-up evidence that speaks to it: what its kind
//! adds (the same change in RNA or not, survival after adjustment), whether a group difference
//! survives adjustment for purity and batch (robustness), and the pathway it belongs to. Kinds
//! that chain findings of several analyses (cis cascades) add theirs after.

use crate::hypothesis::{
    Candidate, Draft, ValidationKey, capitalise, evidence, find_follow_up, fmt_effect, fmt_p,
};
use crate::kinds::phospho_adjusted::BEYOND_PROTEIN;
use crate::kinds::{Kind, Question};
use crate::ledger::{Ledger, Q_STRONG};
use graph::{EvidenceRole, Mention, Relation, RelationKind};

/// Primary findings taken per analysis: the strongest few, each about a different gene.
pub const PER_ANALYSIS: usize = 3;

/// Builds the candidate hypotheses of a run.
pub fn assemble(ledger: &Ledger) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (index, a) in ledger.analyses().iter().enumerate() {
        let kind = a.direction.question.kind();
        if kind.is_follow_up() {
            continue;
        }
        // Genes already stated, per subject of the analysis (one subject unless the kind
        // screens many in one analysis).
        let mut genes_used: std::collections::HashMap<&str, std::collections::HashSet<&str>> =
            std::collections::HashMap::new();
        for row_index in ledger.strong_rows(index, Q_STRONG) {
            let row = &a.rows[row_index];
            let subject = if kind.screens_many_subjects() {
                row.variable.as_str()
            } else {
                ""
            };
            let genes = genes_used.entry(subject).or_default();
            if genes.len() >= PER_ANALYSIS || !genes.insert(row.gene.as_str()) {
                continue;
            }
            if let Some(h) = from_primary(ledger, index, row_index) {
                out.push(h);
            }
        }
    }
    for kind in Kind::ALL {
        out.extend(kind.chained(ledger));
    }
    out
}

fn from_primary(ledger: &Ledger, index: usize, row_index: usize) -> Option<Candidate> {
    let a = ledger.analyses().get(index)?;
    let row = a.rows.get(row_index)?;
    let q = ledger.q(index, row_index);
    let mut draft = Draft {
        ledger,
        index,
        analysis: a,
        row,
        q,
        feature: Mention::feature(
            a.layers.last().cloned().unwrap_or_default(),
            row.feature.clone(),
        ),
        stats: format!("difference {}, q={}", fmt_effect(row.effect), fmt_p(q)),
        entities: Vec::new(),
        relations: Vec::new(),
        evidence: vec![evidence(ledger, index, row_index, EvidenceRole::Primary)?],
        validation_question: None,
    };
    let mut statement = a.direction.question.statement(&mut draft)?;
    let Draft {
        feature: feature_entity,
        mut entities,
        mut relations,
        evidence: mut ev,
        validation_question,
        ..
    } = draft;
    let grouping = a.direction.question.adjusted_grouping();
    if row.gene.is_empty() {
        entities.push(feature_entity.clone());
    } else {
        entities.push(Mention::Gene(row.gene.clone()));
        entities.push(feature_entity.clone());
    }
    // Robustness to purity and batch.
    if let Some((i, r)) = find_follow_up(
        ledger,
        Kind::AdjustedGroups,
        |fq| {
            let (Question::AdjustedGroups(adjusted), Some((variable, layer))) = (fq, &grouping)
            else {
                return false;
            };
            &adjusted.variable == variable && adjusted.layer == *layer
        },
        |fr| {
            fr.feature == row.feature
                && fr
                    .contrast
                    .starts_with(&format!("{} adjusted for", row.contrast))
        },
    ) {
        let fr = &ledger.analyses()[i].rows[r];
        ev.extend(evidence(ledger, i, r, EvidenceRole::Adjusted));
        let covariates = fr
            .contrast
            .rsplit_once(" adjusted for ")
            .map_or("covariates", |(_, c)| c);
        let numbers = format!(
            "difference {}, 95% CI [{}, {}], p={}",
            fmt_effect(fr.effect),
            fmt_effect(fr.ci_low),
            fmt_effect(fr.ci_high),
            fmt_p(fr.p)
        );
        // A p-value above 0.05 after adjustment is not evidence of no effect: the clause says
        // the effect was not detected and gives the interval.
        statement.push_str(
            &if fr.p < 0.05 && fr.effect.signum() == row.effect.signum() {
                format!("; the difference holds after adjustment for {covariates} ({numbers})")
            } else if fr.p < 0.05 {
                format!("; the difference reverses after adjustment for {covariates} ({numbers})")
            } else {
                format!(
                    "; after adjustment for {covariates} the difference is no longer detected \
                 ({numbers})"
                )
            },
        );
    }
    // A phosphosite's change with its protein held fixed (`kinds/phospho_adjusted.rs`).
    if let Some((i, r)) = find_follow_up(
        ledger,
        Kind::PhosphoAdjusted,
        |fq| matches!(fq, Question::PhosphoAdjusted(p) if p.source_step == a.step),
        |fr| {
            fr.feature == row.feature
                && fr.contrast == format!("{}, {BEYOND_PROTEIN}", row.contrast)
        },
    ) {
        let fr = &ledger.analyses()[i].rows[r];
        ev.extend(evidence(ledger, i, r, EvidenceRole::Adjusted));
        let numbers = format!(
            "difference {}, 95% CI [{}, {}], p={}",
            fmt_effect(fr.effect),
            fmt_effect(fr.ci_low),
            fmt_effect(fr.ci_high),
            fmt_p(fr.p)
        );
        statement.push_str(&if fr.p < 0.05 && fr.effect.signum() == row.effect.signum() {
            format!("; it is phosphorylation beyond protein abundance ({numbers}, protein held fixed)")
        } else {
            format!(
                "; with its protein held fixed the change is not detected, so it may follow \
                 protein abundance ({numbers})"
            )
        });
    }
    // Pathway context from the enrichment of this analysis's changed features.
    if let Some((i, r)) = best_pathway(ledger, a.step, &row.gene, row.effect) {
        let fr = &ledger.analyses()[i].rows[r];
        ev.extend(evidence(ledger, i, r, EvidenceRole::Pathway));
        entities.push(Mention::Pathway(fr.feature.clone()));
        relations.push(Relation {
            subject: Mention::Gene(row.gene.clone()),
            relation: RelationKind::MemberOf,
            object: Mention::Pathway(fr.feature.clone()),
        });
        let how = match fr.test {
            graph::TestKind::Gsea => format!("preranked GSEA, NES {}", fmt_effect(fr.effect)),
            graph::TestKind::Camera => format!(
                "CAMERA, corrected for inter-gene correlation, mean z shift {}",
                fmt_effect(fr.effect)
            ),
            _ => format!("{}-fold", fmt_effect(fr.effect.exp2())),
        };
        statement.push_str(&format!(
            "; it belongs to {}, enriched among the {} features ({how}, q={})",
            fr.feature,
            if fr.contrast == "up" {
                "increased"
            } else {
                "decreased"
            },
            fmt_p(ledger.q(i, r))
        ));
    }
    // A caveat about the primary test's assumptions (proportional hazards, separation).
    if let Some(warning) = &row.warning {
        statement.push_str(&format!("; caution: {warning}"));
    }
    Some(Candidate {
        kind: a.direction.question.kind(),
        statement: capitalise(&statement) + ".",
        entities,
        relations,
        evidence: ev,
        validation: ValidationKey {
            question: validation_question.unwrap_or_else(|| a.direction.question.clone()),
            feature: row.feature.clone(),
            contrast: row.contrast.clone(),
            effect_sign: row.effect.signum(),
        },
        chain: None,
    })
}

/// The strongest enriched set (q below threshold) from the enrichment of `step` that contains the
/// gene, in the direction of the effect.
fn best_pathway(ledger: &Ledger, step: usize, gene: &str, effect: f64) -> Option<(usize, usize)> {
    let want = if effect > 0.0 { "up" } else { "down" };
    let mut best: Option<(usize, usize, f64)> = None;
    for (i, a) in ledger.analyses().iter().enumerate() {
        let Question::Enrichment(enrichment) = &a.direction.question else {
            continue;
        };
        if enrichment.source_step != step {
            continue;
        }
        for (r, row) in a.rows.iter().enumerate() {
            let q = ledger.q(i, r);
            if row.contrast == want
                && q <= Q_STRONG
                && row.gene.split(',').any(|g| g == gene)
                && best.is_none_or(|(_, _, bp)| row.p < bp)
            {
                best = Some((i, r, row.p));
            }
        }
    }
    best.map(|(i, r, _)| (i, r))
}

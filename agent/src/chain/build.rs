//! Growing single-finding candidates into chains. A candidate whose primary finding is a group
//! difference (a mutation, a clinical contrast) gains links when the run's findings and the
//! pre-specified checks support them:
//!
//! 1. group -> the feature (the primary finding itself);
//! 2. for a protein: group -> the same gene's RNA, changed the same way (transcriptional) or
//!    shown unchanged by TOST (beyond transcription); inconclusive checks add no link;
//! 3. for a protein: the protein -> a complex partner's protein changing the same way in the
//!    same analysis (a finding of the run at q <= `Q_STRONG`), and the partner's RNA check;
//! 4. the feature -> survival, when the run found the same feature prognostic.
//!
//! A candidate becomes a chain with two or more links. A partner's own single-finding candidate
//! from the same analysis is absorbed (the chain states it), so one mechanism is one hypothesis.

use super::check::{GroupCheck, MARGIN_SD, Verdict};
use super::{ChainDraft, LinkCheck, LinkDraft, ledger_finding};
use crate::execute::Context;
use crate::hypothesis::{Candidate, ValidationKey, evidence, fmt_effect, fmt_p, higher_lower};
use crate::kinds::Question;
use crate::ledger::{Ledger, Q_STRONG};
use datasets::LayerKind;
use graph::{EvidenceRole, LinkDirection, Mention, Relation, RelationKind};
use std::collections::HashSet;

/// Adds chains to the candidates that support one, and drops candidates a chain absorbed.
/// `ctx` is the discovery samples (the checks run there, like the findings they extend).
pub fn attach(candidates: Vec<Candidate>, ledger: &Ledger, ctx: &Context<'_>) -> Vec<Candidate> {
    let kb = graph::Knowledgebase::embedded().ok();
    // A mutation's own gene first (the chain starts where the cause is), then the strongest
    // primary, so of two complex partners the chain starts at the stronger.
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    let key = |c: &Candidate| {
        primary(c, ledger).map_or((true, 1.0), |(i, r)| {
            let a = &ledger.analyses()[i];
            let row = &a.rows[r];
            let own = a
                .direction
                .question
                .adjusted_grouping()
                .and_then(|(v, _)| v.strip_suffix(" mutation").map(|g| g == row.gene))
                .unwrap_or(false);
            (!own, row.p)
        })
    };
    order.sort_by(|&x, &y| {
        let (kx, ky) = (key(&candidates[x]), key(&candidates[y]));
        kx.0.cmp(&ky.0).then(kx.1.total_cmp(&ky.1))
    });
    let mut absorbed: HashSet<(usize, usize)> = HashSet::new();
    let mut keep = vec![true; candidates.len()];
    let mut out: Vec<Option<Candidate>> = candidates.into_iter().map(Some).collect();
    for &ix in &order {
        let Some(candidate) = out[ix].as_mut() else {
            continue;
        };
        let Some(primary) = primary(candidate, ledger) else {
            continue;
        };
        if absorbed.contains(&primary) {
            keep[ix] = false;
            continue;
        }
        if candidate.chain.is_some() {
            continue;
        }
        if let Some(grown) = grow(candidate, primary, ledger, ctx, kb, &mut absorbed) {
            *candidate = grown;
        }
    }
    out.into_iter()
        .zip(keep)
        .filter_map(|(c, k)| if k { c } else { None })
        .collect()
}

/// The (analysis index, row) of a candidate's primary finding.
fn primary(c: &Candidate, ledger: &Ledger) -> Option<(usize, usize)> {
    let e = c
        .evidence
        .iter()
        .find(|e| e.role == EvidenceRole::Primary)?;
    Some((ledger.index_of(e.step)?, e.row))
}

/// The group a contrast's first level names: a mutation, or a clinical level.
fn group_mention(variable: &str, contrast: &str) -> Mention {
    if let Some(gene) = variable.strip_suffix(" mutation") {
        return Mention::Mutation(gene.to_owned());
    }
    match contrast.split_once(" vs ") {
        Some((level, _)) => Mention::ClinicalLevel {
            variable: variable.to_owned(),
            level: level.to_owned(),
        },
        None => Mention::Clinical(variable.to_owned()),
    }
}

fn grow(
    candidate: &Candidate,
    (index, row_ix): (usize, usize),
    ledger: &Ledger,
    ctx: &Context<'_>,
    kb: Option<&graph::Knowledgebase>,
    absorbed: &mut HashSet<(usize, usize)>,
) -> Option<Candidate> {
    let a = ledger.analyses().get(index)?;
    let row = a.rows.get(row_ix)?;
    let question = &a.direction.question;
    let (variable, layer) = question.adjusted_grouping()?;
    let layer = layer.to_owned();
    let group = group_mention(&variable, &row.contrast);
    let feature = Mention::feature(layer.clone(), row.feature.clone());
    let sign = row.effect.signum();
    let mut links = vec![LinkDraft {
        from: group.clone(),
        to: feature.clone(),
        predicted: LinkDirection::of(row.effect),
        rationale: String::new(),
        discovery: ledger_finding(ledger, index, row_ix)?,
        check: LinkCheck::Retest(candidate.validation.clone()),
    }];
    let mut grown = candidate.clone();
    let mut clauses: Vec<String> = Vec::new();
    let mut refutation: Option<String> = None;
    let study = ctx.study;
    let is_protein = study.layer_named(&layer).map(|l| l.kind) == Some(LayerKind::Proteome);
    let rna = study.layer(LayerKind::Rna).map(|l| l.name.clone());
    let gene = row.gene.clone();
    if let (true, Some(rna), false) = (is_protein, rna.as_ref(), gene.is_empty()) {
        let own = rna_link(&group, &variable, &row.contrast, rna, &gene, sign, ctx);
        if let Some((link, clause, verdict)) = own {
            clauses.push(clause);
            links.push(link);
            refutation = Some(match verdict {
                Verdict::Unchanged => format!(
                    "Regress {gene} protein on its RNA and the grouping: the chain predicts a group effect that persists given RNA (a change beyond transcription); a group coefficient near zero refutes it."
                ),
                _ => format!(
                    "Regress {gene} protein on its RNA and the grouping: the chain predicts the group effect vanishes given RNA (transcription is the route); a group effect that persists refutes it."
                ),
            });
        }
        // A complex partner whose protein moves the same way in the same analysis.
        let partner = kb.and_then(|kb| {
            kb.complex_partners(&gene).into_iter().find_map(|p| {
                let r = ledger.strong_rows(index, Q_STRONG).into_iter().find(|&r| {
                    let pr = &a.rows[r];
                    pr.gene == p.gene && pr.effect.signum() == sign
                })?;
                Some((
                    p.gene.to_owned(),
                    p.complex.label.clone(),
                    p.complex.key.clone(),
                    r,
                ))
            })
        });
        if let Some((partner, complex, complex_id, pr_ix)) = partner {
            let pr = &a.rows[pr_ix];
            let partner_feature = Mention::feature(layer.clone(), pr.feature.clone());
            links.push(LinkDraft {
                from: feature.clone(),
                to: partner_feature.clone(),
                predicted: LinkDirection::Up,
                rationale: format!("{gene} and {partner} are both in {complex} ({complex_id})"),
                discovery: ledger_finding(ledger, index, pr_ix)?,
                check: LinkCheck::Retest(ValidationKey {
                    question: question.clone(),
                    feature: pr.feature.clone(),
                    contrast: pr.contrast.clone(),
                    effect_sign: pr.effect.signum(),
                }),
            });
            absorbed.insert((index, pr_ix));
            grown
                .evidence
                .extend(evidence(ledger, index, pr_ix, EvidenceRole::Mechanism));
            grown.entities.push(Mention::Gene(partner.clone()));
            grown.entities.push(partner_feature.clone());
            grown.relations.push(Relation {
                subject: group.clone(),
                relation: if pr.effect < 0.0 {
                    RelationKind::LowerIn
                } else {
                    RelationKind::HigherIn
                },
                object: partner_feature,
            });
            let mut clause = format!(
                "its {complex} partner {partner} is {} in {layer} too (difference {}, q={})",
                higher_lower(pr.effect),
                fmt_effect(pr.effect),
                fmt_p(ledger.q(index, pr_ix))
            );
            if let Some((link, rna_clause, verdict)) =
                rna_link(&group, &variable, &pr.contrast, rna, &partner, sign, ctx)
            {
                if verdict == Verdict::Unchanged {
                    clause.push_str(&format!(" while {rna_clause}"));
                } else {
                    clause.push_str(&format!(", and {rna_clause}"));
                }
                links.push(link);
                refutation = Some(if verdict == Verdict::Unchanged {
                    format!(
                        "Knock down {gene} in a cell line: the chain predicts {partner} protein falls while {partner} mRNA stays flat; {partner} protein unchanged after {gene} knock-down refutes it."
                    )
                } else {
                    format!(
                        "Knock down {gene} in a cell line: the chain predicts {partner} protein follows {gene}; {partner} protein unchanged after {gene} knock-down refutes a dependence on the complex."
                    )
                });
            }
            // No decisive RNA check of the partner: the knock-down still discriminates.
            refutation.get_or_insert_with(|| {
                format!(
                    "Knock down {gene} in a cell line: the chain predicts {partner} protein follows {gene}; {partner} protein unchanged after {gene} knock-down refutes a dependence on the complex."
                )
            });
            clauses.push(clause);
        }
    }
    // The feature's own association with survival, when the run found it prognostic.
    if let Some((si, sr)) = survival_row(ledger, &layer, &row.feature) {
        let srow = &ledger.analyses()[si].rows[sr];
        let outcome = Mention::Clinical(srow.variable.clone());
        links.push(LinkDraft {
            from: feature.clone(),
            to: outcome.clone(),
            predicted: LinkDirection::of(srow.effect),
            rationale: "hazard per unit of the feature".into(),
            discovery: ledger_finding(ledger, si, sr)?,
            check: LinkCheck::Retest(ValidationKey {
                question: ledger.analyses()[si].direction.question.clone(),
                feature: srow.feature.clone(),
                contrast: srow.contrast.clone(),
                effect_sign: srow.effect.signum(),
            }),
        });
        grown
            .evidence
            .extend(evidence(ledger, si, sr, EvidenceRole::Mechanism));
        grown.entities.push(outcome);
        clauses.push(format!(
            "and higher {} {layer} goes with {} survival (HR {}, q={})",
            row.feature,
            if srow.effect > 0.0 {
                "shorter"
            } else {
                "longer"
            },
            fmt_effect(srow.effect.exp()),
            fmt_p(ledger.q(si, sr))
        ));
        refutation.get_or_insert_with(|| {
            format!(
                "Fit the Cox model of {} within each group of {variable}: the chain predicts the hazard ratio holds within groups; a hazard ratio that vanishes within groups means {} only marks the group.",
                row.feature, row.feature
            )
        });
    }
    if links.len() < 2 {
        return None;
    }
    let base = grown.statement.trim_end_matches('.').to_owned();
    grown.statement = format!("{base}; as a chain: {}.", clauses.join("; "));
    grown.chain = Some(ChainDraft {
        links,
        refutation: refutation.unwrap_or_default(),
    });
    Some(grown)
}

/// The RNA check of `gene` between the contrast's groups, as a link with its clause, when it
/// is decisive (changed or shown unchanged).
fn rna_link(
    group: &Mention,
    variable: &str,
    contrast: &str,
    rna: &str,
    gene: &str,
    sign: f64,
    ctx: &Context<'_>,
) -> Option<(LinkDraft, String, Verdict)> {
    let check = GroupCheck {
        variable: variable.to_owned(),
        contrast: contrast.to_owned(),
        layer: rna.to_owned(),
        gene: gene.to_owned(),
    };
    let outcome = check.run(ctx)?;
    let verdict = outcome.verdict();
    let (predicted, clause) = match verdict {
        Verdict::Unchanged => (
            LinkDirection::Unchanged,
            format!(
                "{gene} {rna} stays within ±{MARGIN_SD} SD (difference {}, 90% CI [{}, {}], TOST p={})",
                fmt_effect(outcome.equivalence.difference),
                fmt_effect(outcome.equivalence.ci90_low),
                fmt_effect(outcome.equivalence.ci90_high),
                fmt_p(outcome.equivalence.p)
            ),
        ),
        Verdict::Changed(s) if s == sign => (
            LinkDirection::of(s),
            format!(
                "{gene} {rna} is {} too (difference {}, p={})",
                higher_lower(s),
                fmt_effect(outcome.comparison.mean_difference.value),
                fmt_p(outcome.comparison.welch.p_value)
            ),
        ),
        _ => return None,
    };
    let discovery = outcome.finding(rna, contrast);
    Some((
        LinkDraft {
            from: group.clone(),
            to: Mention::feature(rna.to_owned(), outcome.feature.clone()),
            predicted,
            rationale: String::new(),
            discovery,
            check: LinkCheck::Groups(check),
        },
        clause,
        verdict,
    ))
}

/// A strong row for `feature` in a survival screen of `layer`.
fn survival_row(ledger: &Ledger, layer: &str, feature: &str) -> Option<(usize, usize)> {
    ledger.analyses().iter().enumerate().find_map(|(i, a)| {
        let Question::Survival(s) = &a.direction.question else {
            return None;
        };
        if s.layer != layer {
            return None;
        }
        ledger
            .strong_rows(i, Q_STRONG)
            .into_iter()
            .find(|&r| a.rows[r].feature == feature)
            .map(|r| (i, r))
    })
}

//! What prior knowledge says about a hypothesis: the strongest [`Explanation`] over the pairs of
//! entities it names (its stated relations first), turned into the typed [`Grounding`] the score,
//! the report and the dashboard show, with the "why it matters" lines of the concepts it touches.
//! Scoring what that is worth (plausibility up, novelty down) is `score.rs`'s job.

use crate::hypothesis::Candidate;
use crate::knowledge::Knowledge;
use graph::knowledge::{Explanation, Knowledgebase};
use graph::{Grounding, KnowledgeStatus, Mention};

/// Lines of "why it matters" kept per hypothesis.
const WHY_LINES: usize = 2;

/// What knowledge says about `h`; unexplained (with no reason) when no knowledge base is loaded.
pub fn ground(h: &Candidate, knowledge: &Knowledge) -> Grounding {
    let Some(base) = knowledge.base else {
        return Grounding::default();
    };
    let mut best: Option<(Explanation, [Mention; 2])> = None;
    for (a, b) in pairs(h) {
        let explanation = base.explain(&a.entity(), &b.entity());
        if best
            .as_ref()
            .is_none_or(|(e, _)| explanation.strength() > e.strength())
        {
            let known = explanation.is_known();
            best = Some((explanation, [a, b]));
            if known {
                break;
            }
        }
    }
    let why_it_matters = why_it_matters(h, base);
    match best {
        Some((Explanation::Known { reason, source }, between)) => Grounding {
            status: KnowledgeStatus::Known,
            between: between.to_vec(),
            reason,
            source,
            why_it_matters,
        },
        Some((Explanation::PartlyKnown { reason, source }, between)) => Grounding {
            status: KnowledgeStatus::PartlyKnown,
            between: between.to_vec(),
            reason,
            source,
            why_it_matters,
        },
        Some((Explanation::Unexplained, between)) => Grounding {
            status: KnowledgeStatus::Unexplained,
            reason: format!(
                "nothing in the shipped knowledge links {} and {}: it may be new, unstudied or \
                 implausible",
                between[0], between[1]
            ),
            source: String::new(),
            between: between.to_vec(),
            why_it_matters,
        },
        None => Grounding {
            why_it_matters,
            ..Grounding::default()
        },
    }
}

/// The pairs worth explaining: the stated relations first, then every other pair of the
/// entities named (with the levels of a clinical variable its contrast compares, which is how
/// a subtype column reaches a concept: `Genomic_subtype` = `MSI-H`), leaving out a gene and its
/// own measurement (one entity, not a relation).
fn pairs(h: &Candidate) -> Vec<(Mention, Mention)> {
    let mut out: Vec<(Mention, Mention)> = h
        .relations
        .iter()
        .filter(|r| !uninformative(&r.subject, &r.object))
        .map(|r| (r.subject.clone(), r.object.clone()))
        .collect();
    let mut entities = h.entities.clone();
    entities.extend(contrast_levels(h));
    for (i, a) in entities.iter().enumerate() {
        for b in &entities[i + 1..] {
            let (a, b) = (a.clone(), b.clone());
            if !uninformative(&a, &b)
                && !out.contains(&(a.clone(), b.clone()))
                && !out.contains(&(b.clone(), a.clone()))
            {
                out.push((a, b));
            }
        }
    }
    out
}

/// The levels `A` and `B` of a two-level contrast `A vs B` of a clinical variable the
/// hypothesis names (`A` alone against `rest`).
fn contrast_levels(h: &Candidate) -> Vec<Mention> {
    let Some((a, b)) = h.validation.contrast.split_once(" vs ") else {
        return Vec::new();
    };
    let b = b.split(" adjusted for ").next().unwrap_or(b);
    h.entities
        .iter()
        .filter_map(Mention::clinical_variable)
        .flat_map(|variable| {
            [a, b]
                .into_iter()
                .filter(|level| !matches!(*level, "rest" | "others"))
                .map(|level| Mention::ClinicalLevel {
                    variable: variable.to_owned(),
                    level: level.to_owned(),
                })
        })
        .collect()
}

/// Pairs that say nothing about the hypothesis: one entity twice, a gene and a feature measuring
/// it (`gene:AKT1`, `phospho:AKT1-S473`), two mentions of one clinical variable (a variable and
/// its levels), and a gene with the pathway it was reported in (chosen because it is a member).
fn uninformative(a: &Mention, b: &Mention) -> bool {
    if a.entity() == b.entity() {
        return true;
    }
    if let (Some(x), Some(y)) = (a.clinical_variable(), b.clinical_variable()) {
        return x == y;
    }
    let gene_like = |m: &Mention| {
        matches!(
            m,
            Mention::Gene(_) | Mention::Feature { .. } | Mention::Mutation(_)
        )
    };
    if (gene_like(a) && matches!(b, Mention::Pathway(_)))
        || (gene_like(b) && matches!(a, Mention::Pathway(_)))
    {
        return true;
    }
    match (a, b) {
        (Mention::Gene(g), Mention::Feature { feature, .. })
        | (Mention::Feature { feature, .. }, Mention::Gene(g)) => feature
            .strip_prefix(g.as_str())
            .is_some_and(|rest| rest.is_empty() || !rest.starts_with(char::is_alphanumeric)),
        _ => false,
    }
}

/// "Concept: why (source)" for the clinical variables, levels and pathways named, else for the
/// genes, at most [`WHY_LINES`], each concept once.
fn why_it_matters(h: &Candidate, base: &Knowledgebase) -> Vec<String> {
    let context = h
        .entities
        .iter()
        .filter(|m| {
            matches!(
                m,
                Mention::Clinical(_) | Mention::ClinicalLevel { .. } | Mention::Pathway(_)
            )
        })
        .collect::<Vec<_>>();
    let genes = h
        .entities
        .iter()
        .filter(|m| matches!(m, Mention::Gene(_)))
        .collect::<Vec<_>>();
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for group in [context, genes] {
        for m in group {
            for why in base.why_it_matters(&m.entity()) {
                if out.len() < WHY_LINES && !seen.contains(&why.concept) {
                    out.push(format!("{}: {} ({})", why.concept, why.text, why.source));
                    seen.push(why.concept);
                }
            }
        }
        if !out.is_empty() {
            break;
        }
    }
    out
}

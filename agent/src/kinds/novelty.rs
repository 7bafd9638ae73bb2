//! Novelty and clinical relevance rules shared by kinds whose hypotheses link a clinical
//! variable to a feature.

use super::priors::{clinical_relevance, is_derived_from_omics};
use crate::hypothesis::Candidate;
use graph::Mention;

/// The clinical variables a hypothesis names.
pub fn clinical_variables(h: &Candidate) -> impl Iterator<Item = &str> {
    h.entities.iter().filter_map(|e| match e {
        Mention::Clinical(v) => Some(v.as_str()),
        _ => None,
    })
}

/// Novelty of a clinical link: partly circular when the variable is computed from the omics
/// data, partly known when the feature's pathway responds, otherwise new.
pub fn clinical_link(h: &Candidate) -> (f64, String) {
    if clinical_variables(h).any(is_derived_from_omics) {
        return (
            0.25,
            "the variable is itself computed from expression data, so the link is partly circular"
                .into(),
        );
    }
    let has_pathway = h.entities.iter().any(|e| matches!(e, Mention::Pathway(_)));
    if has_pathway {
        (
            0.5,
            "the feature's pathway is known to respond; the clinical link is the new part".into(),
        )
    } else {
        (
            0.7,
            "no prior-knowledge link between the clinical variable and the feature".into(),
        )
    }
}

/// Relevance of the most relevant clinical variable named (0.4 when none is).
pub fn clinical_variables_relevance(h: &Candidate) -> f64 {
    clinical_variables(h)
        .map(clinical_relevance)
        .fold(0.4, f64::max)
}

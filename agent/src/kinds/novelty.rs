//! Novelty caps and clinical relevance rules shared by kinds whose hypotheses link a clinical
//! variable to a feature. What is known is decided from prior knowledge in `grounding.rs`; a
//! kind only caps novelty where its own design makes a link unsurprising.

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

/// The kind's cap on novelty for a clinical link: partly circular when the variable is computed
/// from the omics data; otherwise no cap (1.0), and what prior knowledge says decides (see
/// `grounding.rs`).
pub fn clinical_link(h: &Candidate) -> (f64, String) {
    if clinical_variables(h).any(is_derived_from_omics) {
        return (
            0.25,
            "the variable is itself computed from expression data, so the link is partly circular"
                .into(),
        );
    }
    (1.0, String::new())
}

/// Relevance of the most relevant clinical variable named (0.4 when none is).
pub fn clinical_variables_relevance(h: &Candidate) -> f64 {
    clinical_variables(h)
        .map(clinical_relevance)
        .fold(0.4, f64::max)
}

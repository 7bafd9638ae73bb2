//! Over-representation analysis: is a hit list (e.g. significant genes) enriched in a gene set
//! beyond chance? The p-value is the hypergeometric upper tail `P(X >= overlap)` (one-sided
//! Fisher's exact test), as `scipy.stats.hypergeom.sf(overlap - 1, universe, set, hits)`.
//!
//! Both the hits and every set are first restricted to the universe (the genes that could have
//! been hits, i.e. the measured ones): counting unmeasured set members would deflate the
//! expected overlap and inflate significance.

use super::{SetResult, attach_q_values};
use crate::contingency::hypergeometric::upper_tail_from;
use crate::gmt::GeneSet;
use crate::outcome::NotTestable;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Set-size bounds (counted within the universe).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OraOptions {
    pub min_set_size: usize,
    pub max_set_size: usize,
}

impl Default for OraOptions {
    fn default() -> Self {
        Self {
            min_set_size: 5,
            max_set_size: 1000,
        }
    }
}

/// Over-representation of the hits in one set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OraResult {
    /// Set members in the universe.
    pub set_size: usize,
    /// Hits in the set.
    pub overlap: usize,
    /// Hits in the universe.
    pub hits: usize,
    pub universe: usize,
    /// `hits * set_size / universe`.
    pub expected: f64,
    /// `overlap / expected`.
    pub fold_enrichment: f64,
    pub p_value: f64,
    /// Benjamini-Hochberg over all tested sets.
    pub q_value: f64,
    /// The overlapping genes, in set order.
    pub overlap_genes: Vec<String>,
}

/// Tests every set for over-representation of `hits` against `universe`. Duplicates in either
/// list count once; hits outside the universe are ignored.
pub fn over_representation<S: AsRef<str> + Sync>(
    sets: &[GeneSet],
    hits: &[S],
    universe: &[S],
    options: &OraOptions,
) -> Vec<SetResult<OraResult>> {
    let universe: HashSet<&str> = universe.iter().map(AsRef::as_ref).collect();
    let hits: HashSet<&str> = hits
        .iter()
        .map(AsRef::as_ref)
        .filter(|g| universe.contains(g))
        .collect();
    let (n_universe, n_hits) = (universe.len() as u64, hits.len() as u64);
    let mut results: Vec<SetResult<OraResult>> = sets
        .par_iter()
        .map(|set| {
            let members: Vec<&str> = set
                .genes
                .iter()
                .map(String::as_str)
                .filter(|g| universe.contains(g))
                .collect();
            let size = members.len();
            let outcome = if size < options.min_set_size {
                Err(NotTestable::TooFewObservations {
                    observed: size,
                    required: options.min_set_size,
                })
            } else if size > options.max_set_size {
                Err(NotTestable::InvalidInput {
                    detail: format!(
                        "{size} genes in the universe, above the maximum set size {}",
                        options.max_set_size
                    ),
                })
            } else if n_hits == 0 {
                Err(NotTestable::TooFewObservations {
                    observed: 0,
                    required: 1,
                })
            } else {
                let overlap_genes: Vec<String> = members
                    .iter()
                    .filter(|g| hits.contains(*g))
                    .map(|g| (*g).to_owned())
                    .collect();
                let overlap = overlap_genes.len();
                let expected = n_hits as f64 * size as f64 / n_universe as f64;
                Ok(OraResult {
                    set_size: size,
                    overlap,
                    hits: n_hits as usize,
                    universe: n_universe as usize,
                    expected,
                    fold_enrichment: overlap as f64 / expected,
                    p_value: upper_tail_from(overlap as u64, n_universe, size as u64, n_hits),
                    q_value: f64::NAN,
                    overlap_genes,
                })
            };
            SetResult {
                set: set.name.clone(),
                outcome,
            }
        })
        .collect();
    attach_q_values(&mut results, |r| r.p_value, |r, q| r.q_value = q);
    results
}

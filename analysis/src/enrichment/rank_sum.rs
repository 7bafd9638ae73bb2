//! Rank-based gene-set test: do the scores (e.g. t statistics or log fold changes of a screen)
//! of a set's members differ from those of all other scored genes? Each set gets a Mann-Whitney
//! U test of members vs the rest, identical to `scipy.stats.mannwhitneyu(members, rest)` with
//! `method="auto"`. All scores are ranked once, so each set costs only a sum over its members.

use super::{EnrichmentError, SetResult, attach_q_values};
use crate::compare::{Estimate, ExactCache, MwuMethod, mann_whitney_from_rank_sum};
use crate::gmt::GeneSet;
use crate::outcome::NotTestable;
use crate::ranks::{RankScratch, average_ranks};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Set-size bounds (counted among scored genes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankSumOptions {
    pub min_set_size: usize,
    pub max_set_size: usize,
}

impl Default for RankSumOptions {
    fn default() -> Self {
        Self {
            min_set_size: 5,
            max_set_size: 1000,
        }
    }
}

/// Members vs the rest for one set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RankSumResult {
    /// Scored set members.
    pub set_size: usize,
    /// Mean member score minus mean score of the other genes.
    pub mean_difference: f64,
    /// U statistic of the members.
    pub u: f64,
    pub p_value: f64,
    pub method: MwuMethod,
    /// Positive when members score higher than the rest.
    pub rank_biserial: Estimate,
    /// Benjamini-Hochberg over all tested sets.
    pub q_value: f64,
}

/// Tests every set; `genes[i]` has score `scores[i]`, NaN (and infinite) scores are left out.
pub fn rank_sum_enrichment<S: AsRef<str> + Sync>(
    sets: &[GeneSet],
    genes: &[S],
    scores: &[f64],
    options: &RankSumOptions,
) -> Result<Vec<SetResult<RankSumResult>>, EnrichmentError> {
    if genes.len() != scores.len() {
        return Err(EnrichmentError::LengthMismatch {
            genes: genes.len(),
            scores: scores.len(),
        });
    }
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(genes.len());
    let mut values = Vec::with_capacity(scores.len());
    for (g, &s) in genes.iter().zip(scores) {
        if !s.is_finite() {
            continue;
        }
        if index.insert(g.as_ref(), values.len()).is_some() {
            return Err(EnrichmentError::DuplicateGene(g.as_ref().to_owned()));
        }
        values.push(s);
    }
    let mut ranks = Vec::new();
    let ties = average_ranks(&values, &mut ranks, &mut RankScratch::new());
    let total_n = values.len();
    let total_sum: f64 = values.iter().sum();

    let mut results: Vec<SetResult<RankSumResult>> = sets
        .par_iter()
        .map_init(ExactCache::new, |cache, set| {
            let (mut m, mut rank_sum, mut score_sum) = (0usize, 0.0, 0.0);
            for g in &set.genes {
                if let Some(&i) = index.get(g.as_str()) {
                    m += 1;
                    rank_sum += ranks[i];
                    score_sum += values[i];
                }
            }
            let rest = total_n - m;
            let outcome = if m < options.min_set_size.max(1) {
                Err(NotTestable::TooFewObservations {
                    observed: m,
                    required: options.min_set_size.max(1),
                })
            } else if m > options.max_set_size {
                Err(NotTestable::InvalidInput {
                    detail: format!(
                        "{m} scored genes, above the maximum set size {}",
                        options.max_set_size
                    ),
                })
            } else if rest == 0 {
                Err(NotTestable::GroupTooSmall {
                    group: "genes outside the set".to_owned(),
                    observed: 0,
                    required: 1,
                })
            } else {
                mann_whitney_from_rank_sum(rank_sum, m, rest, ties, cache).map(|mw| RankSumResult {
                    set_size: m,
                    mean_difference: score_sum / m as f64 - (total_sum - score_sum) / rest as f64,
                    u: mw.u,
                    p_value: mw.p_value,
                    method: mw.method,
                    rank_biserial: mw.rank_biserial,
                    q_value: f64::NAN,
                })
            };
            SetResult {
                set: set.name.clone(),
                outcome,
            }
        })
        .collect();
    attach_q_values(&mut results, |r| r.p_value, |r, q| r.q_value = q);
    Ok(results)
}

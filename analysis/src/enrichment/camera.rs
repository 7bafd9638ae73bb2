//! Competitive gene-set test corrected for inter-gene correlation: CAMERA (Wu & Smyth 2012) on a
//! gene-wise statistic, as limma's `cameraPR` computes it (parametric version).
//!
//! Genes of a pathway are correlated, so the mean statistic of a set varies more than a mean of
//! independent genes; tests that ignore this (the rank-sum test, ORA) are anti-conservative. With
//! G genes, a set of m members with mean statistic `mean_set`, the variance inflation factor
//! `vif = 1 + (m - 1) rho` and
//!
//! ```text
//! delta = G / (G - m) * (mean_set - mean_all)
//! pooled = ((G - 1) var_all - delta^2 m (G - m) / G) / (G - 2)
//! t = delta / sqrt(pooled (vif / m + 1 / (G - m)))
//! ```
//!
//! is compared with Student's t on `df` degrees of freedom (G - 2 with a fixed correlation,
//! `min(residual df, G - 2)` when rho is estimated, as `camera` does). `rho` is either a fixed
//! value (limma's default 0.01 since 3.29.6, robust when the statistic is a moderated t) or
//! estimated per set from the residuals of the fitted model ([`inter_gene_correlation`]).

use super::{EnrichmentError, SetResult, attach_q_values};
use crate::distributions::t_sf;
use crate::gmt::GeneSet;
use crate::outcome::NotTestable;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// limma's default fixed inter-gene correlation.
pub const DEFAULT_INTER_GENE_CORRELATION: f64 = 0.01;

/// Where each set's inter-gene correlation comes from.
#[derive(Clone, Copy, Debug)]
pub enum InterGeneCorrelation<'a> {
    /// The same correlation for every set.
    Fixed(f64),
    /// Estimated per set from model residuals ([`Residuals`]).
    Estimated(&'a Residuals),
}

/// Residuals of a gene-wise linear model (e.g. the group comparison that produced the
/// statistic), one vector per gene over the same samples, with the model's residual df.
#[derive(Clone, Debug)]
pub struct Residuals {
    /// Gene -> residual vector (all of one length; genes with any missing value left out).
    pub by_gene: HashMap<String, Vec<f64>>,
    pub df_residual: f64,
}

/// Which way the set moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Up,
    Down,
}

/// One set's CAMERA test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CameraResult {
    pub set_size: usize,
    /// Inter-gene correlation used for the set.
    pub correlation: f64,
    pub direction: Direction,
    /// The two-sample t comparing members with the other genes, corrected by the vif.
    pub t: f64,
    pub df: f64,
    /// `2 min(P(T <= t), P(T >= t))`, capped at 1.
    pub p_value: f64,
    /// Benjamini-Hochberg over all tested sets.
    pub q_value: f64,
}

/// Estimated inter-gene correlation of `members` from residual vectors:
/// `vif = ||sum_j r_j / ||r_j|| ||^2 / m`, `rho = (vif - 1) / (m - 1)` — camera's estimate from
/// the residual effects, written with the residuals themselves (the effects are an orthonormal
/// rotation of them). `None` with fewer than two members with non-zero residuals.
pub fn inter_gene_correlation(members: &[&[f64]]) -> Option<f64> {
    let len = members.first()?.len();
    let mut sum = vec![0.0; len];
    let mut m = 0usize;
    for r in members {
        let norm = r.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm <= 0.0 || !norm.is_finite() || r.len() != len {
            continue;
        }
        m += 1;
        for (s, v) in sum.iter_mut().zip(r.iter()) {
            *s += v / norm;
        }
    }
    if m < 2 {
        return None;
    }
    let vif = sum.iter().map(|v| v * v).sum::<f64>() / m as f64;
    Some((vif - 1.0) / (m - 1) as f64)
}

/// Tests every set against the other genes of `genes` scored by `statistic` (NaN left out).
pub fn camera<S: AsRef<str>>(
    sets: &[GeneSet],
    genes: &[S],
    statistic: &[f64],
    correlation: InterGeneCorrelation<'_>,
    min_set_size: usize,
) -> Result<Vec<SetResult<CameraResult>>, EnrichmentError> {
    if genes.len() != statistic.len() {
        return Err(EnrichmentError::LengthMismatch {
            genes: genes.len(),
            scores: statistic.len(),
        });
    }
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(genes.len());
    let mut values = Vec::with_capacity(statistic.len());
    let mut names = Vec::with_capacity(statistic.len());
    for (g, &s) in genes.iter().zip(statistic) {
        if !s.is_finite() {
            continue;
        }
        if index.insert(g.as_ref(), values.len()).is_some() {
            return Err(EnrichmentError::DuplicateGene(g.as_ref().to_owned()));
        }
        values.push(s);
        names.push(g.as_ref());
    }
    let g = values.len();
    let gf = g as f64;
    let mean_all = values.iter().sum::<f64>() / gf;
    let var_all = values
        .iter()
        .map(|v| (v - mean_all) * (v - mean_all))
        .sum::<f64>()
        / (gf - 1.0);
    let mut results: Vec<SetResult<CameraResult>> = sets
        .par_iter()
        .map(|set| {
            let mut idx: Vec<usize> = set
                .genes
                .iter()
                .filter_map(|m| index.get(m.as_str()).copied())
                .collect();
            idx.sort_unstable();
            idx.dedup();
            let m = idx.len();
            let min = min_set_size.max(2);
            let outcome = if m < min {
                Err(NotTestable::TooFewObservations {
                    observed: m,
                    required: min,
                })
            } else if m + 2 > g {
                Err(NotTestable::GroupTooSmall {
                    group: "genes outside the set".to_owned(),
                    observed: g - m,
                    required: 2,
                })
            } else {
                let rho_df = match correlation {
                    InterGeneCorrelation::Fixed(rho) => Ok((rho, gf - 2.0)),
                    InterGeneCorrelation::Estimated(res) => {
                        let vectors: Vec<&[f64]> = idx
                            .iter()
                            .filter_map(|&i| res.by_gene.get(names[i]).map(|v| v.as_slice()))
                            .collect();
                        inter_gene_correlation(&vectors)
                            .map(|rho| (rho, res.df_residual.min(gf - 2.0)))
                            .ok_or(NotTestable::TooFewObservations {
                                observed: vectors.len(),
                                required: 2,
                            })
                    }
                };
                rho_df.map(|(rho, df)| {
                    let mf = m as f64;
                    let m2 = gf - mf;
                    let mean_set = idx.iter().map(|&i| values[i]).sum::<f64>() / mf;
                    let delta = gf / m2 * (mean_set - mean_all);
                    let pooled = ((gf - 1.0) * var_all - delta * delta * mf * m2 / gf) / (gf - 2.0);
                    let vif = 1.0 + (mf - 1.0) * rho;
                    let t = delta / (pooled * (vif / mf + 1.0 / m2)).sqrt();
                    let up = t_sf(t, df);
                    let down = t_sf(-t, df);
                    CameraResult {
                        set_size: m,
                        correlation: rho,
                        direction: if up < down {
                            Direction::Up
                        } else {
                            Direction::Down
                        },
                        t,
                        df,
                        p_value: (2.0 * up.min(down)).min(1.0),
                        q_value: f64::NAN,
                    }
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

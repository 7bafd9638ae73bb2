//! Proportional-hazards check by scaled Schoenfeld residuals (Grambsch & Therneau 1994), as
//! lifelines' `proportional_hazard_test` computes it.
//!
//! A Cox coefficient is one number for the whole follow-up; if a protein's effect fades or grows
//! with time the hazard ratio is an average that can mislead. At each death the Schoenfeld
//! residual is the dead patient's covariates minus their risk-weighted mean over the risk set
//! (Efron's mean over tied deaths); scaled by `d V` (d deaths, V the coefficients' covariance)
//! they estimate `beta(t) - beta`. Each covariate's statistic is the squared correlation-type
//! score of the scaled residuals against a transform g of the death times,
//! `T_j = (sum (g_k - mean g) s*_kj)^2 / (d V_jj sum (g_k - mean g)^2)`, chi-square on 1 df
//! (the approximation R's `cox.zph` used until survival 3.0; lifelines keeps it). A small p says
//! the effect changes over time.

use super::SurvivalTimes;
use super::cox::{Covariate, CoxOptions};
use super::efron::{self, CoxData, Workspace};
use crate::distributions::chi2_sf;
use crate::{NotTestable, Outcome};
use serde::{Deserialize, Serialize};

/// The time scale the residuals are regressed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeTransform {
    /// Rank of the death among deaths, 1..d in time order (lifelines' default; tied deaths in
    /// input order).
    Rank,
    /// The time itself.
    Identity,
    /// Its logarithm.
    Log,
}

/// One covariate's test.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PhTerm {
    pub name: String,
    pub statistic: f64,
    pub p_value: f64,
}

/// The check of every covariate of one model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PhTest {
    pub transform: TimeTransform,
    pub terms: Vec<PhTerm>,
    pub n_samples: usize,
    pub n_events: usize,
}

/// Fits the Cox model of `covariates` (each in the sample order of `surv`; incomplete samples
/// dropped) and tests each covariate's proportional hazards.
pub fn proportional_hazards_test(
    covariates: &[Covariate<'_>],
    surv: &SurvivalTimes,
    transform: TimeTransform,
    options: &CoxOptions,
) -> Outcome<PhTest> {
    if covariates.is_empty() {
        return Err(NotTestable::InvalidInput {
            detail: "a Cox model needs at least one covariate".into(),
        });
    }
    for c in covariates {
        surv.check_len(c.values.len(), &format!("covariate {}", c.name))?;
    }
    let p = covariates.len();
    // Complete samples in increasing time.
    let rows: Vec<(f64, bool, usize)> = surv
        .order_by_time()
        .into_iter()
        .filter(|&i| {
            covariates
                .iter()
                .all(|c| c.values.get(i).is_some_and(|v| v.is_finite()))
        })
        .filter_map(|i| surv.get(i).map(|(t, e)| (t, e, i)))
        .collect();
    let value = |i: usize, j: usize| {
        covariates
            .get(j)
            .and_then(|c| c.values.get(i))
            .copied()
            .unwrap_or(f64::NAN)
    };
    let mut data = CoxData::default();
    data.fill_with(p, rows.iter().copied(), value);
    let fit = efron::fit(
        &mut data,
        &mut Workspace::default(),
        options.max_iterations,
        options.tolerance,
    )?;
    if !fit.converged {
        return Err(NotTestable::DidNotConverge {
            iterations: fit.iterations,
        });
    }
    let n = rows.len();
    let x: Vec<f64> = rows
        .iter()
        .flat_map(|&(_, _, i)| (0..p).map(move |j| value(i, j)))
        .collect();
    let residuals = schoenfeld_residuals(&rows, &x, p, &fit.beta);
    let d = residuals.len();
    if d < 2 {
        return Err(NotTestable::TooFewObservations {
            observed: d,
            required: 2,
        });
    }
    let g: Vec<f64> = residuals
        .iter()
        .enumerate()
        .map(|(k, &(t, _))| match transform {
            TimeTransform::Rank => (k + 1) as f64,
            TimeTransform::Identity => t,
            TimeTransform::Log => t.ln(),
        })
        .collect();
    let g_mean = g.iter().sum::<f64>() / d as f64;
    let g_ss: f64 = g.iter().map(|v| (v - g_mean) * (v - g_mean)).sum();
    let df = d as f64;
    let terms = covariates
        .iter()
        .enumerate()
        .map(|(j, c)| {
            // sum_k (g_k - mean) s*_kj with s* = d s V.
            let score: f64 = residuals
                .iter()
                .zip(&g)
                .map(|((_, s), gk)| {
                    let scaled: f64 = (0..p).map(|a| s[a] * fit.covariance[a * p + j]).sum();
                    (gk - g_mean) * df * scaled
                })
                .sum();
            let statistic = score * score / (df * fit.covariance[j * p + j] * g_ss);
            PhTerm {
                name: c.name.to_owned(),
                statistic,
                p_value: chi2_sf(statistic, 1.0),
            }
        })
        .collect();
    Ok(PhTest {
        transform,
        terms,
        n_samples: n,
        n_events: d,
    })
}

/// `(time, residual)` per death in increasing time order (ties in input order); `rows` in
/// increasing time, `x` row-major `n x p` on the covariates' own scale.
fn schoenfeld_residuals(
    rows: &[(f64, bool, usize)],
    x: &[f64],
    p: usize,
    beta: &[f64],
) -> Vec<(f64, Vec<f64>)> {
    let n = rows.len();
    let risk: Vec<f64> = (0..n)
        .map(|i| (0..p).map(|j| x[i * p + j] * beta[j]).sum::<f64>().exp())
        .collect();
    let (mut s0, mut s1) = (0.0, vec![0.0; p]);
    let mut out: Vec<(f64, Vec<f64>)> = Vec::new();
    let mut end = n;
    // Walk tie groups from the latest time, growing the risk set.
    while end > 0 {
        let t = rows[end - 1].0;
        let mut start = end - 1;
        while start > 0 && rows[start - 1].0 == t {
            start -= 1;
        }
        let (mut t0, mut t1, mut deaths) = (0.0, vec![0.0; p], 0usize);
        for i in start..end {
            s0 += risk[i];
            for j in 0..p {
                s1[j] += risk[i] * x[i * p + j];
            }
            if rows[i].1 {
                deaths += 1;
                t0 += risk[i];
                for j in 0..p {
                    t1[j] += risk[i] * x[i * p + j];
                }
            }
        }
        if deaths > 0 {
            let dd = deaths as f64;
            let mut mean = vec![0.0; p];
            for l in 0..deaths {
                let f = l as f64 / dd;
                let denom = s0 - f * t0;
                for ((m, s), t) in mean.iter_mut().zip(&s1).zip(&t1) {
                    *m += (s - f * t) / (denom * dd);
                }
            }
            for i in (start..end).rev() {
                if rows[i].1 {
                    out.push((t, (0..p).map(|j| x[i * p + j] - mean[j]).collect()));
                }
            }
        }
        end = start;
    }
    out.reverse();
    out
}

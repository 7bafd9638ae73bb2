//! Firth-penalised Cox regression (Heinze & Schemper 2001), the fix for monotone likelihood: when
//! a covariate separates early from late deaths (a small cohort, a rare mutation carried only
//! by patients who all die first) the ordinary Cox estimate runs to infinity and its Wald test is
//! meaningless. Firth's penalty maximises `l*(beta) = l(beta) + 1/2 log det I(beta)` (the
//! Jeffreys prior), which always has a finite maximum and removes the first-order bias.
//!
//! As R's `coxphf`: Breslow's handling of tied deaths, the modified score
//! `U*_c = U_c + 1/2 tr(I^{-1} dI/dbeta_c)` solved by Newton steps on `I` with step halving on
//! `l*`, standard errors from `I(beta)^{-1}` at the estimate, and each coefficient's p-value from
//! the penalised likelihood ratio `2 (l*(beta) - max l* with beta_j = 0)` on 1 df. Intervals here
//! are Wald intervals (coxphf's default is the profile penalised likelihood interval).
//! Covariates are centred and scaled for the iterations (the estimates are scaled back; the
//! penalised likelihood ratio does not depend on the scale).

use super::SurvivalTimes;
use super::Z_95;
use super::cox::{Covariate, CoxOptions};
use super::linalg::cholesky_in_place;
use crate::distributions::chi2_sf;
use crate::{NotTestable, Outcome};
use serde::Serialize;

/// One covariate of a Firth fit, per unit of the covariate as given.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FirthCoefficient {
    pub name: String,
    pub coef: f64,
    pub se: f64,
    pub hazard_ratio: f64,
    /// 95% Wald interval of the hazard ratio.
    pub hr_lower: f64,
    pub hr_upper: f64,
    /// Penalised likelihood-ratio statistic of `coef = 0` and its chi-square (1 df) p-value.
    pub lr_statistic: f64,
    pub p_value: f64,
}

/// A Firth-penalised Cox model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FirthFit {
    pub coefficients: Vec<FirthCoefficient>,
    /// `l(beta) + 1/2 log det I(beta)` at the estimate.
    pub penalized_log_likelihood: f64,
    pub n_samples: usize,
    pub n_events: usize,
    pub iterations: usize,
}

/// Samples in decreasing time with standardised covariates.
struct Data {
    p: usize,
    x: Vec<f64>,
    event: Vec<bool>,
    /// Half-open ranges of equal times, in decreasing time.
    ties: Vec<(usize, usize)>,
}

/// Value, modified score and information of the penalised likelihood.
struct Eval {
    lstar: f64,
    score: Vec<f64>,
    info: Vec<f64>,
}

/// Fits the Firth-penalised Cox model of `covariates` (each in the sample order of `surv`;
/// samples missing any are dropped).
pub fn firth_cox(
    covariates: &[Covariate<'_>],
    surv: &SurvivalTimes,
    options: &CoxOptions,
) -> Outcome<FirthFit> {
    if covariates.is_empty() {
        return Err(NotTestable::InvalidInput {
            detail: "a Cox model needs at least one covariate".into(),
        });
    }
    for c in covariates {
        surv.check_len(c.values.len(), &format!("covariate {}", c.name))?;
    }
    let p = covariates.len();
    let mut rows: Vec<(f64, bool, usize)> = surv
        .order_by_time()
        .into_iter()
        .filter(|&i| {
            covariates
                .iter()
                .all(|c| c.values.get(i).is_some_and(|v| v.is_finite()))
        })
        .filter_map(|i| surv.get(i).map(|(t, e)| (t, e, i)))
        .collect();
    rows.reverse();
    let n = rows.len();
    let n_events = rows.iter().filter(|r| r.1).count();
    if n < 2 {
        return Err(NotTestable::TooFewObservations {
            observed: n,
            required: 2,
        });
    }
    if n_events == 0 {
        return Err(NotTestable::NoEvents);
    }
    let mut x = Vec::with_capacity(n * p);
    for &(_, _, i) in &rows {
        x.extend(covariates.iter().map(|c| c.values[i]));
    }
    let mut scale = Vec::with_capacity(p);
    for j in 0..p {
        let mean = (0..n).map(|i| x[i * p + j]).sum::<f64>() / n as f64;
        let ss: f64 = (0..n).map(|i| (x[i * p + j] - mean).powi(2)).sum();
        let sd = (ss / (n as f64 - 1.0)).sqrt();
        if !(sd > 0.0 && sd.is_finite()) {
            return Err(NotTestable::ConstantValues);
        }
        for i in 0..n {
            x[i * p + j] = (x[i * p + j] - mean) / sd;
        }
        scale.push(sd);
    }
    let mut ties = Vec::new();
    let mut start = 0;
    for i in 1..=n {
        if i == n || rows[i].0 != rows[start].0 {
            ties.push((start, i));
            start = i;
        }
    }
    let data = Data {
        p,
        x,
        event: rows.iter().map(|r| r.1).collect(),
        ties,
    };
    let (beta, full, iterations) = maximise(&data, None, options)?;
    let inverse = invert(&full.info, p).ok_or(NotTestable::SingularDesign)?;
    let coefficients = covariates
        .iter()
        .enumerate()
        .map(|(j, c)| {
            let restricted = if p == 1 {
                evaluate(&data, &[0.0]).map(|e| e.lstar)
            } else {
                maximise(&data, Some(j), options)
                    .ok()
                    .map(|(_, e, _)| e.lstar)
            };
            let lr = restricted
                .map(|l0| (2.0 * (full.lstar - l0)).max(0.0))
                .unwrap_or(f64::NAN);
            let coef = beta[j] / scale[j];
            let se = inverse[j * p + j].sqrt() / scale[j];
            FirthCoefficient {
                name: c.name.to_owned(),
                coef,
                se,
                hazard_ratio: coef.exp(),
                hr_lower: (coef - Z_95 * se).exp(),
                hr_upper: (coef + Z_95 * se).exp(),
                lr_statistic: lr,
                p_value: chi2_sf(lr, 1.0),
            }
        })
        .collect();
    // On the standardised scale log det I is smaller by 2 sum log sd; report the original scale.
    let log_scale: f64 = scale.iter().map(|s| s.ln()).sum();
    Ok(FirthFit {
        coefficients,
        penalized_log_likelihood: full.lstar + log_scale,
        n_samples: n,
        n_events,
        iterations,
    })
}

/// Newton-Raphson on the modified score, with coefficient `fixed` (if any) held at zero.
fn maximise(
    data: &Data,
    fixed: Option<usize>,
    options: &CoxOptions,
) -> Outcome<(Vec<f64>, Eval, usize)> {
    let p = data.p;
    let free: Vec<usize> = (0..p).filter(|&j| Some(j) != fixed).collect();
    let mut beta = vec![0.0; p];
    let mut current = evaluate(data, &beta).ok_or(NotTestable::SingularDesign)?;
    if free.is_empty() {
        return Ok((beta, current, 0));
    }
    let k = free.len();
    for iteration in 1..=options.max_iterations.max(1) * 4 {
        let mut sub = vec![0.0; k * k];
        for (a, &i) in free.iter().enumerate() {
            for (b, &j) in free.iter().enumerate() {
                sub[a * k + b] = current.info[i * p + j];
            }
        }
        let inv = invert(&sub, k).ok_or(NotTestable::SingularDesign)?;
        let mut step: Vec<f64> = (0..k)
            .map(|a| {
                (0..k)
                    .map(|b| inv[a * k + b] * current.score[free[b]])
                    .sum()
            })
            .collect();
        // coxphf's maxstep: no coefficient moves more than 0.5 (standardised) per iteration.
        let largest = step.iter().fold(0.0f64, |m, s| m.max(s.abs()));
        if !largest.is_finite() {
            return Err(NotTestable::DidNotConverge {
                iterations: iteration,
            });
        }
        if largest > 0.5 {
            step.iter_mut().for_each(|s| *s *= 0.5 / largest);
        }
        let mut factor = 1.0;
        loop {
            let mut trial = beta.clone();
            for (a, &j) in free.iter().enumerate() {
                trial[j] += factor * step[a];
            }
            match evaluate(data, &trial) {
                Some(e) if e.lstar >= current.lstar - 1e-12 * (1.0 + current.lstar.abs()) => {
                    beta = trial;
                    current = e;
                    break;
                }
                _ => {}
            }
            factor *= 0.5;
            if factor < 1e-10 {
                return Err(NotTestable::DidNotConverge {
                    iterations: iteration,
                });
            }
        }
        let score_max = free
            .iter()
            .fold(0.0f64, |m, &j| m.max(current.score[j].abs()));
        if largest * factor <= options.tolerance && score_max <= 1e-6 {
            return Ok((beta, current, iteration));
        }
    }
    Err(NotTestable::DidNotConverge {
        iterations: options.max_iterations.max(1) * 4,
    })
}

/// The penalised log likelihood, modified score and information at `beta` (Breslow ties).
fn evaluate(data: &Data, beta: &[f64]) -> Option<Eval> {
    let p = data.p;
    let mut s0 = 0.0;
    let mut s1 = vec![0.0; p];
    let mut s2 = vec![0.0; p * p];
    let mut s3 = vec![0.0; p * p * p];
    let mut ll = 0.0;
    let mut score = vec![0.0; p];
    let mut info = vec![0.0; p * p];
    let mut d_info = vec![0.0; p * p * p]; // [c][a][b]
    let mut m = vec![0.0; p];
    for &(start, end) in &data.ties {
        let mut deaths = 0usize;
        for i in start..end {
            let xi = &data.x[i * p..(i + 1) * p];
            let eta: f64 = xi.iter().zip(beta).map(|(a, b)| a * b).sum();
            let w = eta.exp();
            s0 += w;
            for a in 0..p {
                s1[a] += w * xi[a];
                for b in 0..p {
                    s2[a * p + b] += w * xi[a] * xi[b];
                    for c in 0..p {
                        s3[(a * p + b) * p + c] += w * xi[a] * xi[b] * xi[c];
                    }
                }
            }
            if data.event[i] {
                deaths += 1;
                ll += eta;
                for (s, v) in score.iter_mut().zip(xi) {
                    *s += v;
                }
            }
        }
        if deaths == 0 {
            continue;
        }
        let d = deaths as f64;
        ll -= d * s0.ln();
        for ((m, s1), s) in m.iter_mut().zip(&s1).zip(score.iter_mut()) {
            *m = s1 / s0;
            *s -= d * *m;
        }
        for a in 0..p {
            for b in 0..p {
                info[a * p + b] += d * (s2[a * p + b] / s0 - m[a] * m[b]);
                for c in 0..p {
                    d_info[(c * p + a) * p + b] += d
                        * (s3[(a * p + b) * p + c] / s0
                            - s2[a * p + b] / s0 * m[c]
                            - s2[a * p + c] / s0 * m[b]
                            - s2[b * p + c] / s0 * m[a]
                            + 2.0 * m[a] * m[b] * m[c]);
                }
            }
        }
    }
    let mut factor = info.clone();
    if !cholesky_in_place(&mut factor, p) {
        return None;
    }
    let log_det: f64 = 2.0 * (0..p).map(|i| factor[i * p + i].ln()).sum::<f64>();
    let inverse = invert(&info, p)?;
    for c in 0..p {
        let trace: f64 = (0..p)
            .flat_map(|a| (0..p).map(move |b| (a, b)))
            .map(|(a, b)| inverse[a * p + b] * d_info[(c * p + b) * p + a])
            .sum();
        score[c] += 0.5 * trace;
    }
    let lstar = ll + 0.5 * log_det;
    lstar.is_finite().then_some(Eval { lstar, score, info })
}

/// Inverse of a symmetric positive definite `n x n` matrix (row-major).
fn invert(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let solver = super::linalg::SymmetricSolver::new(a.to_vec(), n)?;
    let mut out = vec![0.0; n * n];
    let mut e = vec![0.0; n];
    for j in 0..n {
        e.fill(0.0);
        e[j] = 1.0;
        for (i, v) in solver.solve(&e).into_iter().enumerate() {
            out[i * n + j] = v;
        }
    }
    Some(out)
}

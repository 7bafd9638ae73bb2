//! Cox proportional hazards: one feature at a time over a whole layer, or several covariates in
//! one model. Estimates match lifelines' `CoxPHFitter` (Efron ties, no penalty) on raw values.

use super::SurvivalTimes;
use super::Z_95;
use super::efron::{self, CoxData, RawFit, Workspace};
use crate::Outcome;
use crate::distributions::{chi2_sf, normal_sf};
use datasets::Matrix;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// Newton-Raphson settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CoxOptions {
    pub max_iterations: usize,
    /// Largest Newton step, in standard deviations of the covariate, at which the fit counts as
    /// converged (the step is still taken).
    pub tolerance: f64,
}

impl Default for CoxOptions {
    fn default() -> Self {
        Self {
            max_iterations: 50,
            tolerance: 1e-9,
        }
    }
}

/// A fitted Cox model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoxFit {
    pub coefficients: Vec<CoxCoefficient>,
    /// Log partial likelihood at the estimates and with all coefficients zero.
    pub log_likelihood: f64,
    pub null_log_likelihood: f64,
    /// Likelihood-ratio test of all coefficients against the empty model: chi-square with as
    /// many degrees of freedom as coefficients.
    pub lr_statistic: f64,
    pub lr_df: usize,
    pub lr_p: f64,
    pub n_samples: usize,
    pub n_events: usize,
    pub iterations: usize,
    /// `false` when the iteration limit was reached first, typically because a covariate
    /// separates early from late deaths and its coefficient drifts towards infinity; estimates
    /// and Wald p-values of such a fit are not meaningful.
    pub converged: bool,
}

/// One covariate's estimate, per unit of the covariate as given.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoxCoefficient {
    pub name: String,
    /// Log hazard ratio.
    pub coef: f64,
    pub se: f64,
    pub coef_lower: f64,
    pub coef_upper: f64,
    pub hazard_ratio: f64,
    /// 95% Wald interval of the hazard ratio.
    pub hr_lower: f64,
    pub hr_upper: f64,
    pub z: f64,
    pub wald_p: f64,
}

/// A named column of the design of a multivariable model, aligned with the follow-up; NaN is
/// missing.
#[derive(Clone, Copy, Debug)]
pub struct Covariate<'a> {
    pub name: &'a str,
    pub values: &'a [f64],
}

/// Fits `hazard ~ values` for one feature, `values` given in the sample order of `surv` (samples
/// where it is NaN are dropped).
pub fn cox_univariate(
    name: &str,
    values: &[f64],
    surv: &SurvivalTimes,
    options: &CoxOptions,
) -> Outcome<CoxFit> {
    surv.check_len(values.len(), "feature")?;
    let order = surv.order_by_time();
    let mut data = CoxData::default();
    let mut ws = Workspace::default();
    fit_single(name, values, surv, &order, &mut data, &mut ws, options)
}

/// Fits one univariate Cox model per feature of `layer`, in feature order, in parallel. The
/// follow-up is matched to the layer's samples by ID; each feature uses the samples where both it
/// and the follow-up are present.
pub fn cox_univariate_screen(
    layer: &Matrix,
    surv: &SurvivalTimes,
    options: &CoxOptions,
) -> Vec<Outcome<CoxFit>> {
    let surv = &surv.aligned_to(layer.samples());
    let order = surv.order_by_time();
    (0..layer.n_features())
        .into_par_iter()
        .map_init(
            || (CoxData::default(), Workspace::default()),
            |(data, ws), f| {
                let name = layer.features().get(f).map_or("", |id| id.as_str());
                fit_single(name, layer.feature(f), surv, &order, data, ws, options)
            },
        )
        .collect()
}

/// Fits `hazard ~ feature + covariates` for every feature of `layer`, in feature order, in
/// parallel: the feature's effect adjusted for clinical covariates such as age and stage.
///
/// The follow-up is matched to the layer by sample ID; `covariates` are given in the sample
/// order of `surv`. Each fit uses the samples where the feature, every covariate and the
/// follow-up are present. The feature's coefficient comes first, then the covariates'; the
/// likelihood-ratio fields test the whole model against the empty one, so the feature's
/// adjusted evidence is its Wald test.
pub fn cox_adjusted_screen(
    layer: &Matrix,
    surv: &SurvivalTimes,
    covariates: &[Covariate<'_>],
    options: &CoxOptions,
) -> Vec<Outcome<CoxFit>> {
    if let Some(Err(reason)) = covariates
        .iter()
        .map(|c| surv.check_len(c.values.len(), &format!("covariate {}", c.name)))
        .find(Result::is_err)
    {
        return vec![Err(reason); layer.n_features()];
    }
    // Covariates re-ordered to the layer's samples (NaN where a sample has no follow-up row).
    let index: HashMap<&str, usize> = surv
        .samples()
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let rows: Vec<Option<usize>> = layer
        .samples()
        .iter()
        .map(|s| index.get(s.as_str()).copied())
        .collect();
    let aligned: Vec<Vec<f64>> = covariates
        .iter()
        .map(|c| {
            rows.iter()
                .map(|r| r.and_then(|i| c.values.get(i)).copied().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    let surv = &surv.aligned_to(layer.samples());
    let order: Vec<usize> = surv
        .order_by_time()
        .into_iter()
        .filter(|&i| {
            aligned
                .iter()
                .all(|c| c.get(i).is_some_and(|v| !v.is_nan()))
        })
        .collect();
    let p = covariates.len() + 1;
    (0..layer.n_features())
        .into_par_iter()
        .map_init(
            || (CoxData::default(), Workspace::default()),
            |(data, ws), f| {
                let name = layer.features().get(f).map_or("", |id| id.as_str());
                let values = layer.feature(f);
                let observed = order.iter().filter_map(|&i| {
                    let x = values.get(i)?;
                    if x.is_nan() {
                        return None;
                    }
                    surv.get(i).map(|(t, e)| (t, e, i))
                });
                data.fill_with(p, observed, |i, j| {
                    let column = if j == 0 {
                        Some(values)
                    } else {
                        aligned.get(j - 1).map(Vec::as_slice)
                    };
                    column.and_then(|c| c.get(i)).copied().unwrap_or(f64::NAN)
                });
                let n_samples = data.n();
                let n_events = data.n_events();
                let raw = efron::fit(data, ws, options.max_iterations, options.tolerance)?;
                let names: Vec<&str> = std::iter::once(name)
                    .chain(covariates.iter().map(|c| c.name))
                    .collect();
                Ok(summarise(&names, raw, n_samples, n_events))
            },
        )
        .collect()
}

/// Fits one model with all `covariates` together, each given in the sample order of `surv`
/// (`SampleValues::aligned_to(surv.samples())` produces that); a sample missing any of them is
/// dropped.
pub fn cox_multivariable(
    covariates: &[Covariate<'_>],
    surv: &SurvivalTimes,
    options: &CoxOptions,
) -> Outcome<CoxFit> {
    for c in covariates {
        surv.check_len(c.values.len(), &format!("covariate {}", c.name))?;
    }
    if covariates.is_empty() {
        return Err(crate::NotTestable::InvalidInput {
            detail: "a Cox model needs at least one covariate".into(),
        });
    }
    let complete = |i: usize| {
        covariates
            .iter()
            .all(|c| c.values.get(i).is_some_and(|v| !v.is_nan()))
    };
    let order: Vec<(f64, bool, usize)> = surv
        .order_by_time()
        .into_iter()
        .filter(|&i| complete(i))
        .filter_map(|i| surv.get(i).map(|(t, e)| (t, e, i)))
        .collect();
    let mut data = CoxData::default();
    data.fill_with(covariates.len(), order.into_iter(), |i, j| {
        covariates
            .get(j)
            .and_then(|c| c.values.get(i))
            .copied()
            .unwrap_or(f64::NAN)
    });
    let names: Vec<&str> = covariates.iter().map(|c| c.name).collect();
    let mut ws = Workspace::default();
    let n_samples = data.n();
    let n_events = data.n_events();
    let raw = efron::fit(
        &mut data,
        &mut ws,
        options.max_iterations,
        options.tolerance,
    )?;
    Ok(summarise(&names, raw, n_samples, n_events))
}

fn fit_single(
    name: &str,
    values: &[f64],
    surv: &SurvivalTimes,
    order: &[usize],
    data: &mut CoxData,
    ws: &mut Workspace,
    options: &CoxOptions,
) -> Outcome<CoxFit> {
    data.fill_single(order.iter().filter_map(|&i| {
        let x = *values.get(i)?;
        if x.is_nan() {
            return None;
        }
        surv.get(i).map(|(t, e)| (t, e, x))
    }));
    let n_samples = data.n();
    let n_events = data.n_events();
    let raw = efron::fit(data, ws, options.max_iterations, options.tolerance)?;
    Ok(summarise(&[name], raw, n_samples, n_events))
}

fn summarise(names: &[&str], raw: RawFit, n_samples: usize, n_events: usize) -> CoxFit {
    let p = raw.beta.len();
    let coefficients = names
        .iter()
        .zip(&raw.beta)
        .enumerate()
        .map(|(j, (name, &coef))| {
            let se = raw.covariance.get(j * p + j).map_or(f64::NAN, |v| v.sqrt());
            let z = coef / se;
            let (coef_lower, coef_upper) = (coef - Z_95 * se, coef + Z_95 * se);
            CoxCoefficient {
                name: (*name).to_owned(),
                coef,
                se,
                coef_lower,
                coef_upper,
                hazard_ratio: coef.exp(),
                hr_lower: coef_lower.exp(),
                hr_upper: coef_upper.exp(),
                z,
                // Cody's normal tail keeps full relative precision to 1e-300; statrs' erfc-based
                // one was ~5e-11 relative off.
                wald_p: (2.0 * normal_sf(z.abs())).min(1.0),
            }
        })
        .collect();
    // Rounding can leave a hair below zero when the estimates are essentially zero.
    let lr_statistic = (2.0 * (raw.log_likelihood - raw.null_log_likelihood)).max(0.0);
    CoxFit {
        coefficients,
        log_likelihood: raw.log_likelihood,
        null_log_likelihood: raw.null_log_likelihood,
        lr_statistic,
        lr_df: p,
        lr_p: chi2_sf(lr_statistic, p as f64),
        n_samples,
        n_events,
        iterations: raw.iterations,
        converged: raw.converged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NotTestable;

    fn surv(t: &[f64], e: &[bool]) -> SurvivalTimes {
        let ids = (0..t.len())
            .map(|i| datasets::SampleId::from(format!("s{i}")))
            .collect();
        SurvivalTimes::new(ids, t.to_vec(), e.iter().map(|&e| Some(e)).collect()).unwrap()
    }

    #[test]
    fn no_events_and_constant_features_are_reasons() {
        let s = surv(&[1.0, 2.0, 3.0], &[false, false, false]);
        let opts = CoxOptions::default();
        assert_eq!(
            cox_univariate("x", &[1.0, 2.0, 3.0], &s, &opts),
            Err(NotTestable::NoEvents)
        );
        let s = surv(&[1.0, 2.0, 3.0], &[true, false, true]);
        assert_eq!(
            cox_univariate("x", &[1.0, 1.0, 1.0], &s, &opts),
            Err(NotTestable::ConstantValues)
        );
        assert!(matches!(
            cox_univariate("x", &[1.0, f64::NAN, f64::NAN], &s, &opts),
            Err(NotTestable::TooFewObservations { .. })
        ));
        assert!(matches!(
            cox_univariate("x", &[1.0], &s, &opts),
            Err(NotTestable::InvalidInput { .. })
        ));
    }

    #[test]
    fn separation_is_flagged_not_hidden() {
        // Higher values always die first: the likelihood keeps rising as beta grows.
        let t: Vec<f64> = (1..=8).map(f64::from).collect();
        let x: Vec<f64> = (1..=8).rev().map(f64::from).collect();
        let s = surv(&t, &[true; 8]);
        match cox_univariate("x", &x, &s, &CoxOptions::default()) {
            Ok(fit) => assert!(!fit.converged),
            Err(reason) => assert!(matches!(reason, NotTestable::DidNotConverge { .. })),
        }
    }
}

//! Logistic regression of a binary outcome (response, relapse, a mutation) on a design, fitted by
//! iteratively reweighted least squares over the crate's Householder QR, with Wald z tests and
//! the likelihood-ratio test against the intercept-only model. Results match `statsmodels`
//! `Logit(...).fit(method="newton")` (fixtures in `tests/fixtures/logistic.json`).
//!
//! Perfect or quasi-perfect separation (a feature that splits the outcome) has no finite
//! maximum: the coefficients grow without bound, so it is reported as
//! [`NotTestable::DidNotConverge`] rather than as a huge estimate with a meaningless p-value.

use crate::distributions::{chi2_sf, normal_sf};
use crate::groups::{Membership, TwoGroups};
use crate::outcome::{NotTestable, Outcome};
use crate::regression::qr::Qr;
use crate::regression::{Coefficient, Design};
use datasets::Matrix;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Newton (IRLS) iterations before a fit counts as not converged.
pub const MAX_ITERATIONS: usize = 100;
/// Converged when the deviance changes by less than this relative amount (R's `glm` uses 1e-8;
/// tighter here so estimates agree with a reference to ~1e-12).
const DEVIANCE_TOLERANCE: f64 = 1e-14;
/// A fitted probability this close to 0 or 1 with growing coefficients means separation.
const SEPARATION_PROBABILITY: f64 = 1e-10;

/// A logistic fit; coefficients are log odds ratios with Wald z in the `t` field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogisticFit {
    /// Rows used.
    pub n: usize,
    /// Rows with outcome 1.
    pub n_events: usize,
    /// In the order of [`Design::names`]: estimate (log odds ratio), standard error, z and the
    /// two-sided normal p-value.
    pub coefficients: Vec<Coefficient>,
    pub log_likelihood: f64,
    pub null_log_likelihood: f64,
    /// `2 (ll - ll0)` on `n_terms - 1` degrees of freedom.
    pub lr_statistic: f64,
    pub lr_p: f64,
    pub iterations: usize,
}

/// Fits `outcome` (1 = event, 0 = none, NaN = missing; one per design row) on `design`.
pub fn logistic(outcome: &[f64], design: &Design) -> Outcome<LogisticFit> {
    if outcome.len() != design.n_rows() {
        return Err(NotTestable::InvalidInput {
            detail: format!(
                "{} outcomes for {} design rows",
                outcome.len(),
                design.n_rows()
            ),
        });
    }
    if let Some(bad) = outcome
        .iter()
        .find(|v| v.is_finite() && **v != 0.0 && **v != 1.0)
    {
        return Err(NotTestable::InvalidInput {
            detail: format!("outcome {bad} is neither 0 nor 1"),
        });
    }
    let rows: Vec<usize> = (0..design.n_rows())
        .filter(|&r| design.complete_rows()[r] && outcome[r].is_finite())
        .collect();
    let p = design.n_terms();
    let n = rows.len();
    if n < p + 1 {
        return Err(NotTestable::TooFewObservations {
            observed: n,
            required: p + 1,
        });
    }
    let y: Vec<f64> = rows.iter().map(|&r| outcome[r]).collect();
    let events = y.iter().filter(|&&v| v == 1.0).count();
    if events == 0 || events == n {
        return Err(NotTestable::ConstantValues);
    }
    let x: Vec<f64> = (0..p)
        .flat_map(|j| rows.iter().map(move |&r| design.value(r, j)))
        .collect();
    irls(&x, &y, n, p, events)
}

/// Newton-Raphson as iteratively reweighted least squares: each step solves the weighted least
/// squares problem `sqrt(W) X b = sqrt(W) z` by QR, never forming `X'WX`.
fn irls(x: &[f64], y: &[f64], n: usize, p: usize, events: usize) -> Outcome<LogisticFit> {
    let mut beta = vec![0.0; p];
    let mut eta = vec![0.0; n];
    let (mut wx, mut wz) = (vec![0.0; n * p], vec![0.0; n]);
    let mut qr = Qr::default();
    let mut deviance = f64::INFINITY;
    let mut iterations = 0;
    loop {
        iterations += 1;
        for i in 0..n {
            let mu = logistic_mean(eta[i]);
            let w = (mu * (1.0 - mu)).max(f64::MIN_POSITIVE);
            let sw = w.sqrt();
            wz[i] = sw * (eta[i] + (y[i] - mu) / w);
            for j in 0..p {
                wx[j * n + i] = sw * x[j * n + i];
            }
        }
        qr.factor(&wx, n, p)
            .map_err(|_| NotTestable::SingularDesign)?;
        qr.apply_qt(&mut wz);
        qr.solve(&wz, &mut beta);
        for (i, e) in eta.iter_mut().enumerate() {
            *e = (0..p).map(|j| x[j * n + i] * beta[j]).sum();
        }
        let next = -2.0 * log_likelihood(y, &eta);
        let converged = (deviance - next).abs() <= DEVIANCE_TOLERANCE * (next.abs() + 0.1);
        deviance = next;
        if converged {
            break;
        }
        let separated = eta.iter().all(|&e| {
            let mu = logistic_mean(e);
            !(SEPARATION_PROBABILITY..=1.0 - SEPARATION_PROBABILITY).contains(&mu)
        });
        if iterations >= MAX_ITERATIONS || separated || !deviance.is_finite() {
            return Err(NotTestable::DidNotConverge { iterations });
        }
    }
    // Covariance (X'WX)^-1 at the estimate: refactor with the final weights.
    for i in 0..n {
        let mu = logistic_mean(eta[i]);
        let sw = (mu * (1.0 - mu)).max(f64::MIN_POSITIVE).sqrt();
        for j in 0..p {
            wx[j * n + i] = sw * x[j * n + i];
        }
    }
    qr.factor(&wx, n, p)
        .map_err(|_| NotTestable::SingularDesign)?;
    let (mut diag, mut work) = (Vec::new(), Vec::new());
    qr.inverse_gram_diagonal(&mut diag, &mut work);
    let coefficients = beta
        .iter()
        .zip(&diag)
        .map(|(&estimate, &d)| {
            let std_error = d.sqrt();
            let z = estimate / std_error;
            Coefficient {
                estimate,
                std_error,
                t: z,
                p_value: (2.0 * normal_sf(z.abs())).min(1.0),
            }
        })
        .collect();
    let log_likelihood = -deviance / 2.0;
    let rate = events as f64 / n as f64;
    let null_log_likelihood = events as f64 * rate.ln() + (n - events) as f64 * (1.0 - rate).ln();
    let lr_statistic = (2.0 * (log_likelihood - null_log_likelihood)).max(0.0);
    Ok(LogisticFit {
        n,
        n_events: events,
        coefficients,
        log_likelihood,
        null_log_likelihood,
        lr_statistic,
        lr_p: if p > 1 {
            chi2_sf(lr_statistic, (p - 1) as f64)
        } else {
            1.0
        },
        iterations,
    })
}

fn logistic_mean(eta: f64) -> f64 {
    1.0 / (1.0 + (-eta).exp())
}

/// `sum y log(mu) + (1 - y) log(1 - mu)`, written with `ln_1p` so extreme linear predictors keep
/// precision: `log(mu) = -log(1 + e^-eta)`.
fn log_likelihood(y: &[f64], eta: &[f64]) -> f64 {
    y.iter()
        .zip(eta)
        .map(|(&y, &e)| {
            let log_mu = -softplus(-e);
            let log_one_minus = -softplus(e);
            y * log_mu + (1.0 - y) * log_one_minus
        })
        .sum()
}

/// `log(1 + e^x)` without overflow.
fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// One logistic fit per feature of `matrix`: group A (outcome 1) against group B (outcome 0) on
/// the feature alone (`outcome ~ feature`), e.g. response by protein abundance. Samples in
/// neither group or with the feature missing are left out of that feature's fit.
pub fn logistic_screen(matrix: &Matrix, outcome: &TwoGroups) -> Vec<Outcome<LogisticFit>> {
    let y: Vec<f64> = outcome
        .aligned_to(matrix.samples())
        .into_iter()
        .map(Membership::indicator)
        .collect();
    (0..matrix.n_features())
        .into_par_iter()
        .map(|f| {
            let column = matrix.feature(f);
            let design = Design::from_columns(
                column.len(),
                vec![(matrix.features()[f].to_string(), column.to_vec())],
            )
            .ok_or_else(|| NotTestable::InvalidInput {
                detail: "feature length differs from the samples".to_owned(),
            })?;
            logistic(&y, &design)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separation_and_degenerate_outcomes_are_reasons() {
        let x = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let design = Design::from_columns(6, vec![("x".into(), x)]).unwrap();
        // x > 3.5 predicts the outcome perfectly.
        let y = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        assert!(matches!(
            logistic(&y, &design),
            Err(NotTestable::DidNotConverge { .. })
        ));
        assert_eq!(
            logistic(&[1.0; 6], &design).unwrap_err(),
            NotTestable::ConstantValues
        );
        assert!(logistic(&[0.0, 2.0, 1.0, 0.0, 1.0, 0.0], &design).is_err());
    }

    #[test]
    fn intercept_only_is_the_log_odds() {
        let design = Design::from_columns(5, vec![]).unwrap();
        let fit = logistic(&[1.0, 0.0, 0.0, 1.0, 0.0], &design).unwrap();
        assert!((fit.coefficients[0].estimate - (2.0f64 / 3.0).ln()).abs() < 1e-12);
        // se = sqrt(1 / (n p (1 - p))).
        let se = (1.0f64 / (5.0 * 0.4 * 0.6)).sqrt();
        assert!((fit.coefficients[0].std_error - se).abs() < 1e-12);
    }
}

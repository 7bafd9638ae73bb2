//! Equivalence of two group means: the two one-sided tests (TOST, Schuirmann 1987).
//!
//! A non-significant difference test is not evidence that nothing changed: with few samples or
//! noisy values nearly anything is "not significant". A claim that a feature did *not* change
//! (a protein falls while its RNA stays flat) needs the opposite test: is the difference inside
//! an interval `(low, high)` judged too small to matter? TOST rejects "difference <= low" and
//! "difference >= high" separately; its p-value is the larger of the two one-sided p-values, and
//! equivalence at level alpha is the same as the (1 - 2 alpha) interval of the difference lying
//! inside the margins. Matches statsmodels' `ttost_ind` (Welch `unequal` and Student `pooled`)
//! and `CompareMeans.tconfint_diff` (`analysis/reference/make_equivalence_fixtures.py`).

use crate::distributions::{t_quantile, t_sf};
use crate::outcome::{NotTestable, Outcome};
use serde::{Deserialize, Serialize};

/// How the standard error of the difference is formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VarianceModel {
    /// Welch: separate variances, Welch-Satterthwaite degrees of freedom.
    Unequal,
    /// Student: pooled variance, `n_a + n_b - 2` degrees of freedom.
    Pooled,
}

/// The result of TOST for `mean(a) - mean(b)` against the interval `(low, high)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Equivalence {
    pub n_a: usize,
    pub n_b: usize,
    /// `mean(a) - mean(b)`.
    pub difference: f64,
    pub std_error: f64,
    pub df: f64,
    pub low: f64,
    pub high: f64,
    /// t of `difference - low` (tests `difference <= low`).
    pub t_lower: f64,
    pub p_lower: f64,
    /// t of `difference - high` (tests `difference >= high`).
    pub t_upper: f64,
    pub p_upper: f64,
    /// The TOST p-value: the larger one-sided p.
    pub p: f64,
    /// The 90% interval of the difference (the interval TOST at 0.05 compares with the margins).
    pub ci90_low: f64,
    pub ci90_high: f64,
}

impl Equivalence {
    /// Whether equivalence is shown at level `alpha` (both one-sided nulls rejected).
    pub fn shown(&self, alpha: f64) -> bool {
        self.p < alpha
    }
}

/// Mean, unbiased variance and count of the observed (non-NaN) values.
fn moments(values: &[f64]) -> (f64, f64, usize) {
    let (mut n, mut sum) = (0usize, 0.0);
    for &v in values.iter().filter(|v| !v.is_nan()) {
        n += 1;
        sum += v;
    }
    if n == 0 {
        return (f64::NAN, f64::NAN, 0);
    }
    let mean = sum / n as f64;
    let ss: f64 = values
        .iter()
        .filter(|v| !v.is_nan())
        .map(|v| (v - mean) * (v - mean))
        .sum();
    let var = if n > 1 { ss / (n - 1) as f64 } else { f64::NAN };
    (mean, var, n)
}

/// TOST of `mean(a) - mean(b)` against `(low, high)`; missing values (NaN) are skipped. Each
/// group needs at least two observed values, the interval must be non-empty, and the values must
/// vary.
pub fn tost(
    a: &[f64],
    b: &[f64],
    low: f64,
    high: f64,
    model: VarianceModel,
) -> Outcome<Equivalence> {
    if low >= high || !low.is_finite() || !high.is_finite() {
        return Err(NotTestable::InvalidInput {
            detail: format!("equivalence interval ({low}, {high}) is empty or not finite"),
        });
    }
    let (mean_a, var_a, n_a) = moments(a);
    let (mean_b, var_b, n_b) = moments(b);
    for (group, n) in [("a", n_a), ("b", n_b)] {
        if n < 2 {
            return Err(NotTestable::GroupTooSmall {
                group: group.into(),
                observed: n,
                required: 2,
            });
        }
    }
    let (na, nb) = (n_a as f64, n_b as f64);
    let (std_error, df) = match model {
        VarianceModel::Unequal => {
            let (sa, sb) = (var_a / na, var_b / nb);
            let se2 = sa + sb;
            let df = se2 * se2 / (sa * sa / (na - 1.0) + sb * sb / (nb - 1.0));
            (se2.sqrt(), df)
        }
        VarianceModel::Pooled => {
            let df = na + nb - 2.0;
            let pooled = ((na - 1.0) * var_a + (nb - 1.0) * var_b) / df;
            ((pooled * (1.0 / na + 1.0 / nb)).sqrt(), df)
        }
    };
    if std_error.is_nan() || std_error <= 0.0 || df.is_nan() {
        return Err(NotTestable::ConstantValues);
    }
    let difference = mean_a - mean_b;
    let t_lower = (difference - low) / std_error;
    let t_upper = (difference - high) / std_error;
    let p_lower = t_sf(t_lower, df);
    // P(T < t_upper) by symmetry, without the cancellation of 1 - sf.
    let p_upper = t_sf(-t_upper, df);
    let half = t_quantile(0.95, df) * std_error;
    Ok(Equivalence {
        n_a,
        n_b,
        difference,
        std_error,
        df,
        low,
        high,
        t_lower,
        p_lower,
        t_upper,
        p_upper,
        p: p_lower.max(p_upper),
        ci90_low: difference - half,
        ci90_high: difference + half,
    })
}

/// The pooled standard deviation of two groups' observed values: the scale of a margin stated
/// in standard deviations (`margin_sd * pooled_sd`), so "unchanged" means "less than a
/// difference the screens would call an effect".
pub fn pooled_sd(a: &[f64], b: &[f64]) -> Option<f64> {
    let (_, var_a, n_a) = moments(a);
    let (_, var_b, n_b) = moments(b);
    if n_a < 2 || n_b < 2 {
        return None;
    }
    let df = (n_a + n_b - 2) as f64;
    let sd = (((n_a - 1) as f64 * var_a + (n_b - 1) as f64 * var_b) / df).sqrt();
    (sd.is_finite() && sd > 0.0).then_some(sd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degenerate_input_is_not_testable() {
        let a = [1.0, 2.0, 3.0];
        assert!(matches!(
            tost(&a, &[1.0], -1.0, 1.0, VarianceModel::Unequal),
            Err(NotTestable::GroupTooSmall { .. })
        ));
        assert!(matches!(
            tost(
                &[2.0, 2.0],
                &[2.0, 2.0, f64::NAN],
                -1.0,
                1.0,
                VarianceModel::Pooled
            ),
            Err(NotTestable::ConstantValues)
        ));
        assert!(matches!(
            tost(&a, &a, 1.0, -1.0, VarianceModel::Unequal),
            Err(NotTestable::InvalidInput { .. })
        ));
        assert_eq!(pooled_sd(&[1.0], &a), None);
    }
}

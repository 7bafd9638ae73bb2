//! Association of features with a numeric variable: Pearson and Spearman correlation with
//! p-values and Fisher-z 95% intervals, on pairwise-complete observations.
//!
//! p-values follow scipy: the exact null distribution of r under bivariate normality (a Beta
//! distribution, equivalent to the t test with n - 2 df that `spearmanr` uses), evaluated from
//! `(1 - |r|) / 2` so |r| near one keeps precision. Both intervals are
//! `tanh(atanh(r) +- 1.96 / sqrt(n - 3))`, the interval `scipy.stats.pearsonr(...)
//! .confidence_interval()` gives; for Spearman the same plain Fisher-z form is used (no
//! Fieller/Bonett-Wright variance inflation). With exactly three pairs the interval is (-1, 1).
//! A pair is complete when both values are finite.

use crate::compare::{Estimate, Moments};
use crate::distributions::{Z_975, correlation_two_sided_p};
use crate::groups::SampleValues;
use crate::outcome::{NotTestable, Outcome};
use crate::ranks::{RankScratch, average_ranks};
use datasets::Matrix;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Which coefficient to compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrelationMethod {
    Pearson,
    /// Pearson correlation of average ranks (ties share their mean rank).
    Spearman,
}

/// The default and smallest allowed number of complete pairs: a p-value needs n - 2 > 0.
pub const MIN_PAIRS: usize = 3;

/// A correlation coefficient with its 95% interval and two-sided p-value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Correlation {
    pub method: CorrelationMethod,
    /// Number of complete pairs used.
    pub n: usize,
    pub coefficient: Estimate,
    pub p_value: f64,
}

/// Reusable buffers for correlating many features.
#[derive(Clone, Debug, Default)]
pub struct CorrelationScratch {
    x: Vec<f64>,
    y: Vec<f64>,
    rx: Vec<f64>,
    ry: Vec<f64>,
    rank: RankScratch,
}

impl CorrelationScratch {
    pub fn new() -> Self {
        Self::default()
    }
}

/// Pearson r of two complete, equally long slices, with the constant check.
fn pearson_r(x: &[f64], y: &[f64]) -> Outcome<f64> {
    let (mx, my) = (Moments::of(x), Moments::of(y));
    if mx.m2 == 0.0 || my.m2 == 0.0 {
        return Err(NotTestable::ConstantValues);
    }
    // Centred sums formed the same way for all three, so identical (or perfectly concordant
    // rank) vectors give sxy == sxx == syy and r == 1 exactly: `sqrt(fl(a^2)) == a`, whereas
    // `sqrt(sxx) * sqrt(syy)` rounds twice and left r a hair below one (p 2e-16 instead of 0).
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        let (da, db) = (a - mx.mean, b - my.mean);
        sxx += da * da;
        syy += db * db;
        sxy += da * db;
    }
    let scale = match (sxx * syy).sqrt() {
        s if s.is_finite() && s > 0.0 => s,
        _ => sxx.sqrt() * syy.sqrt(),
    };
    Ok((sxy / scale).clamp(-1.0, 1.0))
}

fn finish(method: CorrelationMethod, r: f64, n: usize) -> Correlation {
    let (ci_low, ci_high) = if n > 3 {
        let z = r.atanh();
        let se = 1.0 / ((n - 3) as f64).sqrt();
        ((z - Z_975 * se).tanh(), (z + Z_975 * se).tanh())
    } else {
        (-1.0, 1.0)
    };
    Correlation {
        method,
        n,
        coefficient: Estimate {
            value: r,
            ci_low,
            ci_high,
        },
        p_value: correlation_two_sided_p(r, n),
    }
}

fn check_n(n: usize, min_pairs: usize) -> Outcome<()> {
    let required = min_pairs.max(MIN_PAIRS);
    if n < required {
        return Err(NotTestable::TooFewObservations {
            observed: n,
            required,
        });
    }
    Ok(())
}

/// Correlates the complete pairs already in `scratch.x` / `scratch.y`.
fn correlate_loaded(
    method: CorrelationMethod,
    min_pairs: usize,
    s: &mut CorrelationScratch,
) -> Outcome<Correlation> {
    let n = s.x.len();
    check_n(n, min_pairs)?;
    let r = match method {
        CorrelationMethod::Pearson => pearson_r(&s.x, &s.y)?,
        CorrelationMethod::Spearman => {
            average_ranks(&s.x, &mut s.rx, &mut s.rank);
            average_ranks(&s.y, &mut s.ry, &mut s.rank);
            pearson_r(&s.rx, &s.ry)?
        }
    };
    Ok(finish(method, r, n))
}

/// Correlation of `x` and `y` over the pairs where both are observed, reusing `scratch`.
pub fn correlate_with(
    x: &[f64],
    y: &[f64],
    method: CorrelationMethod,
    min_pairs: usize,
    scratch: &mut CorrelationScratch,
) -> Outcome<Correlation> {
    if x.len() != y.len() {
        return Err(NotTestable::InvalidInput {
            detail: format!("{} x values but {} y values", x.len(), y.len()),
        });
    }
    scratch.x.clear();
    scratch.y.clear();
    for (&a, &b) in x.iter().zip(y) {
        if a.is_finite() && b.is_finite() {
            scratch.x.push(a);
            scratch.y.push(b);
        }
    }
    correlate_loaded(method, min_pairs, scratch)
}

/// Correlation of `x` and `y` over pairwise-complete observations.
pub fn correlate(
    x: &[f64],
    y: &[f64],
    method: CorrelationMethod,
    min_pairs: usize,
) -> Outcome<Correlation> {
    correlate_with(x, y, method, min_pairs, &mut CorrelationScratch::new())
}

/// Pearson correlation with the default minimum of three pairs.
pub fn pearson(x: &[f64], y: &[f64]) -> Outcome<Correlation> {
    correlate(x, y, CorrelationMethod::Pearson, MIN_PAIRS)
}

/// Spearman correlation with the default minimum of three pairs.
pub fn spearman(x: &[f64], y: &[f64]) -> Outcome<Correlation> {
    correlate(x, y, CorrelationMethod::Spearman, MIN_PAIRS)
}

/// Correlates every feature of `matrix` with `variable` (matched by sample ID), in feature
/// order. For Spearman the variable's ranks are computed once and reused for every feature that
/// is observed wherever the variable is.
pub fn correlate_layer(
    matrix: &Matrix,
    variable: &SampleValues,
    method: CorrelationMethod,
    min_pairs: usize,
) -> Vec<Outcome<Correlation>> {
    let aligned = variable.aligned_to(matrix.samples());
    let rows: Vec<usize> = (0..aligned.len())
        .filter(|&i| aligned[i].is_finite())
        .collect();
    let values: Vec<f64> = rows.iter().map(|&i| aligned[i]).collect();
    let mut shared_ranks = Vec::new();
    if method == CorrelationMethod::Spearman {
        average_ranks(&values, &mut shared_ranks, &mut RankScratch::new());
    }
    (0..matrix.n_features())
        .into_par_iter()
        .map_init(CorrelationScratch::new, |s, f| {
            let column = matrix.feature(f);
            s.x.clear();
            s.y.clear();
            for (&row, &v) in rows.iter().zip(&values) {
                let y = column[row];
                if y.is_finite() {
                    s.x.push(v);
                    s.y.push(y);
                }
            }
            if method == CorrelationMethod::Spearman && s.x.len() == values.len() {
                check_n(s.x.len(), min_pairs)?;
                average_ranks(&s.y, &mut s.ry, &mut s.rank);
                let r = pearson_r(&shared_ranks, &s.ry)?;
                return Ok(finish(method, r, s.x.len()));
            }
            correlate_loaded(method, min_pairs, s)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_linear_and_monotone() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 4.0, 6.0, 8.0, 10.0];
        let r = pearson(&x, &y).unwrap();
        assert!((r.coefficient.value - 1.0).abs() < 1e-15);
        assert!(r.p_value < 1e-20);
        let cubes: Vec<f64> = x.iter().map(|v| -v * v * v).collect();
        let s = spearman(&x, &cubes).unwrap();
        assert!((s.coefficient.value + 1.0).abs() < 1e-15);
    }

    #[test]
    fn n_three_closed_form() {
        // With n = 3, r has density 1 / (pi sqrt(1 - r^2)), so p = 1 - 2 asin(|r|) / pi.
        let r = pearson(&[1.0, 2.0, 3.0], &[1.0, 3.0, 2.0]).unwrap();
        assert!((r.coefficient.value - 0.5).abs() < 1e-15);
        let expect = 1.0 - 2.0 * 0.5f64.asin() / std::f64::consts::PI;
        assert!((r.p_value - expect).abs() < 1e-14);
        assert_eq!((r.coefficient.ci_low, r.coefficient.ci_high), (-1.0, 1.0));
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(
            pearson(&[1.0, 1.0, 1.0, 1.0], &[1.0, 2.0, 3.0, 4.0]).unwrap_err(),
            NotTestable::ConstantValues
        );
        assert_eq!(
            spearman(&[1.0, f64::NAN, 3.0], &[1.0, 2.0, f64::NAN]).unwrap_err(),
            NotTestable::TooFewObservations {
                observed: 1,
                required: 3
            }
        );
        assert!(matches!(
            pearson(&[1.0], &[1.0, 2.0]),
            Err(NotTestable::InvalidInput { .. })
        ));
    }
}

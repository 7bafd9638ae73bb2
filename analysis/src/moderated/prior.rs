//! The empirical-Bayes prior of limma's `squeezeVar` / `fitFDist` (Smyth 2004; Phipson et al.
//! 2016 for the trend): feature variances are modelled as a scaled F sample, and the prior
//! variance `s0^2` and prior degrees of freedom `d0` are moment estimates on the log scale.
//! Follows inmoose 0.9.1's port of limma line by line so the two agree to rounding.

use super::spline::natural_spline_basis;
use crate::outcome::NotTestable;
use crate::regression::qr::Qr;
use statrs::function::gamma::digamma;

/// The prior of the residual variances: `d0` degrees of freedom around `s0^2`, one `s0^2` per
/// feature when it follows a trend in mean abundance.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct VariancePrior {
    /// `d0`; infinite when the variances are no more dispersed than sampling alone explains.
    pub df: f64,
    /// `s0^2`, one value, or one per input variance with a trend.
    pub variance: Vec<f64>,
}

/// Fits the prior to `variances` (each on `df` residual degrees of freedom). With `covariate`
/// (limma's `trend = TRUE`: the mean log abundance) the prior variance is a natural cubic spline
/// in it (up to 4 degrees of freedom, knots at quantiles), as in limma's `fitFDist`.
pub(crate) fn fit_prior(
    variances: &[f64],
    df: &[f64],
    covariate: Option<&[f64]>,
) -> Result<VariancePrior, NotTestable> {
    let n = variances.len();
    if n < 2 {
        return Err(NotTestable::TooFewObservations {
            observed: n,
            required: 2,
        });
    }
    let mut spline_df = 1;
    if let Some(c) = covariate {
        let mut unique: Vec<f64> = c.to_vec();
        unique.sort_by(f64::total_cmp);
        unique.dedup();
        spline_df = (1 + usize::from(n >= 3) + usize::from(n >= 6) + usize::from(n >= 30))
            .min(unique.len());
    }
    // Work on log variances, offset away from zero as limma does.
    let mut sorted: Vec<f64> = variances.iter().map(|v| v.max(0.0)).collect();
    sorted.sort_by(f64::total_cmp);
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
    };
    let m = if median == 0.0 { 1.0 } else { median };
    let log_offset = per_distinct(df, |d| (d / 2.0).ln() - digamma(d / 2.0));
    let e: Vec<f64> = variances
        .iter()
        .zip(&log_offset)
        .map(|(&v, &offset)| v.max(0.0).max(1e-5 * m).ln() + offset)
        .collect();
    let (emean, evar) = match covariate {
        Some(c) if spline_df >= 2 => trend_moments(&e, c, spline_df)?,
        _ => {
            let mean = e.iter().sum::<f64>() / n as f64;
            let var = e
                .iter()
                .map(|x| (x - mean) * (x - mean) / (n - 1) as f64)
                .sum();
            (vec![mean], var)
        }
    };
    let evar = evar - per_distinct(df, |d| trigamma(d / 2.0)).iter().sum::<f64>() / n as f64;
    if evar > 0.0 {
        let d0 = 2.0 * trigamma_inverse(evar);
        let shift = digamma(d0 / 2.0) - (d0 / 2.0).ln();
        Ok(VariancePrior {
            df: d0,
            variance: emean.iter().map(|m| (m + shift).exp()).collect(),
        })
    } else {
        let variance = if covariate.is_some() && spline_df >= 2 {
            emean.iter().map(|m| m.exp()).collect()
        } else {
            // limma: the mean of the (offset) variances.
            vec![variances.iter().map(|v| v.max(1e-5 * m)).sum::<f64>() / n as f64]
        };
        Ok(VariancePrior {
            df: f64::INFINITY,
            variance,
        })
    }
}

/// `f` of every residual df, evaluated once per distinct value: a layer's thousands of features
/// share a handful of dfs (one per pattern of missing values), and the polygamma functions are
/// the costly part of fitting the prior.
fn per_distinct(df: &[f64], f: impl Fn(f64) -> f64) -> Vec<f64> {
    let mut seen: std::collections::HashMap<u64, f64> = std::collections::HashMap::new();
    df.iter()
        .map(|&d| *seen.entry(d.to_bits()).or_insert_with(|| f(d)))
        .collect()
}

/// Fitted values of `e` on a natural spline in `covariate`, and the residual mean square.
fn trend_moments(
    e: &[f64],
    covariate: &[f64],
    spline_df: usize,
) -> Result<(Vec<f64>, f64), NotTestable> {
    let n = e.len();
    let basis = natural_spline_basis(covariate, spline_df);
    let mut qr = Qr::default();
    qr.factor(&basis, n, spline_df)
        .map_err(|_| NotTestable::InvalidInput {
            detail: "the abundance trend's spline basis is singular (too few distinct means)"
                .to_owned(),
        })?;
    let mut qty = e.to_vec();
    qr.apply_qt(&mut qty);
    let mut beta = Vec::new();
    qr.solve(&qty, &mut beta);
    let evar = qty[spline_df..].iter().map(|v| v * v).sum::<f64>() / (n - spline_df) as f64;
    let fitted = (0..n)
        .map(|i| (0..spline_df).map(|j| basis[j * n + i] * beta[j]).sum())
        .collect();
    Ok((fitted, evar))
}

/// Solves `trigamma(y) = x` by limma's Newton iteration on `1 / trigamma`, which converges
/// monotonically from `0.5 + 1/x`.
pub(crate) fn trigamma_inverse(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x > 1e7 {
        return 1.0 / x.sqrt();
    }
    if x < 1e-6 {
        return 1.0 / x;
    }
    let mut y = 0.5 + 1.0 / x;
    for _ in 0..50 {
        let tri = trigamma(y);
        let dif = tri * (1.0 - tri / x) / tetragamma(y);
        y += dif;
        if -dif / y < 1e-8 {
            break;
        }
    }
    y
}

/// Below this argument the polygamma functions are shifted up by their recurrence before the
/// asymptotic series is used; at 20 the series' first omitted term is below 1e-22.
const ASYMPTOTIC_FROM: f64 = 20.0;

/// `psi'(x)`, the trigamma function, for `x > 0`.
pub(crate) fn trigamma(mut x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let mut shift = 0.0;
    while x < ASYMPTOTIC_FROM {
        shift += 1.0 / (x * x);
        x += 1.0;
    }
    let r = 1.0 / (x * x);
    // 1/x + 1/(2x^2) + sum B_2k / x^(2k+1).
    let series = r
        * (1.0 / 6.0
            + r * (-1.0 / 30.0
                + r * (1.0 / 42.0 + r * (-1.0 / 30.0 + r * (5.0 / 66.0 + r * (-691.0 / 2730.0))))));
    shift + 1.0 / x + 0.5 * r + series / x
}

/// `psi''(x)`, the tetragamma function, for `x > 0`.
pub(crate) fn tetragamma(mut x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let mut shift = 0.0;
    while x < ASYMPTOTIC_FROM {
        shift -= 2.0 / (x * x * x);
        x += 1.0;
    }
    let r = 1.0 / (x * x);
    // -1/x^2 - 1/x^3 - sum (2k+1) B_2k / x^(2k+2).
    let series = r
        * (1.0 / 2.0
            + r * (-1.0 / 6.0
                + r * (1.0 / 6.0 + r * (-3.0 / 10.0 + r * (5.0 / 6.0 + r * (-691.0 / 210.0))))));
    shift - r - r / x - series * r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    fn polygamma_matches_scipy() {
        // scipy.special.polygamma(1, x) and polygamma(2, x).
        for (x, tri, tetra) in [
            (0.1, 101.433_299_150_792_75, -2_001.861_457_378_343_9),
            (1.0, 1.644_934_066_848_226_6, -2.404_113_806_319_188),
            (2.5, 0.490_357_756_100_234_9, -0.236_204_051_641_727_36),
            (7.3, 0.146_795_768_131_427_03, -0.021_510_814_441_620_257),
            (
                150.0,
                0.006_688_938_271_165_996,
                -4.474_172_838_043_046_4e-5,
            ),
        ] {
            assert!(
                close(trigamma(x), tri, 1e-14),
                "trigamma({x}) = {}",
                trigamma(x)
            );
            assert!(
                close(tetragamma(x), tetra, 1e-13),
                "tetragamma({x}) = {}",
                tetragamma(x)
            );
        }
    }

    #[test]
    fn trigamma_inverse_inverts() {
        for y in [0.3, 1.0, 4.2, 55.0, 2_000.0] {
            let x = trigamma(y);
            assert!(close(trigamma_inverse(x), y, 1e-9), "{y}");
        }
    }
}

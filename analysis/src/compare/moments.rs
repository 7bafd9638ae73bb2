//! The parametric half of a two-group comparison, computed from per-group moments.
//!
//! Welch's and Student's t, the mean difference with its Welch interval, Cohen's d and Hedges' g
//! all depend on the data only through `(n, mean, sum of squared deviations)` per group. Working
//! from [`Moments`] lets the mutation-impact grid derive the wild-type moments by subtraction
//! from per-feature totals instead of re-reading every sample for every mutated gene.

use super::{Estimate, TTest};
use crate::distributions::{Z_975, t_quantile, t_two_sided_p};
use crate::outcome::{NotTestable, Outcome};
use serde::{Deserialize, Serialize};
use statrs::function::gamma::ln_gamma;
use std::sync::OnceLock;

/// Count, mean and sum of squared deviations from the mean of one group's observed values.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    pub n: usize,
    pub mean: f64,
    /// `sum((x - mean)^2)`; exactly zero when all values are equal.
    pub m2: f64,
}

impl Moments {
    /// Two-pass moments of `values` (which must not contain NaN). A constant input gets exactly
    /// zero spread, which the constant-feature checks rely on.
    pub fn of(values: &[f64]) -> Self {
        let n = values.len();
        let Some(&first) = values.first() else {
            return Self {
                n: 0,
                mean: f64::NAN,
                m2: 0.0,
            };
        };
        if values.iter().all(|&v| v == first) {
            return Self {
                n,
                mean: first,
                m2: 0.0,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let m2 = values.iter().map(|&v| (v - mean) * (v - mean)).sum();
        Self { n, mean, m2 }
    }

    /// Sample variance (denominator `n - 1`).
    pub fn variance(&self) -> f64 {
        self.m2 / (self.n as f64 - 1.0)
    }
}

/// Everything the parametric comparison reports, before the optional rank test is added.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Parametric {
    pub mean_difference: Estimate,
    pub cohens_d: f64,
    pub hedges_g: Estimate,
    pub welch: TTest,
    pub student: TTest,
}

/// The Welch test with its mean-difference interval and Hedges' g: what a screen over very many
/// comparisons (the mutation grid) keeps per cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct WelchEffects {
    pub mean_difference: Estimate,
    pub hedges_g: Estimate,
    pub welch: TTest,
}

/// The minimum-n rule and degenerate spread, checked before any statistic is computed.
pub(crate) fn check_groups(
    a: &Moments,
    b: &Moments,
    names: (&str, &str),
    min_per_group: usize,
) -> Outcome<()> {
    let required = min_per_group.max(2);
    for (m, name) in [(a, names.0), (b, names.1)] {
        if m.n < required {
            return Err(NotTestable::GroupTooSmall {
                group: name.to_owned(),
                observed: m.n,
                required,
            });
        }
    }
    if a.m2 == 0.0 && b.m2 == 0.0 {
        return Err(if a.mean == b.mean {
            NotTestable::ConstantValues
        } else {
            NotTestable::InvalidInput {
                detail: "no variance within either group".to_owned(),
            }
        });
    }
    Ok(())
}

/// Welch's t (Welch-Satterthwaite df) and the mean difference with its t interval.
fn welch(a: &Moments, b: &Moments) -> (Estimate, TTest) {
    let (na, nb) = (a.n as f64, b.n as f64);
    let (qa, qb) = (a.variance() / na, b.variance() / nb);
    let diff = a.mean - b.mean;
    let se = (qa + qb).sqrt();
    let df = (qa + qb) * (qa + qb) / (qa * qa / (na - 1.0) + qb * qb / (nb - 1.0));
    let t = diff / se;
    let half_width = t_quantile(0.975, df) * se;
    (
        Estimate {
            value: diff,
            ci_low: diff - half_width,
            ci_high: diff + half_width,
        },
        TTest {
            statistic: t,
            df,
            p_value: t_two_sided_p(t, df),
        },
    )
}

/// Hedges' exact small-sample factor `J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2))`.
/// It depends only on the total group size, so values up to df = 4096 are tabulated once: a
/// mutation grid evaluates it for every cell.
fn hedges_j(df: usize) -> f64 {
    const TABULATED: usize = 4096;
    fn exact(df: usize) -> f64 {
        let df = df as f64;
        (ln_gamma(df / 2.0) - ln_gamma((df - 1.0) / 2.0)).exp() / (df / 2.0).sqrt()
    }
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    if df >= TABULATED {
        return exact(df);
    }
    let table = TABLE.get_or_init(|| (0..TABULATED).map(exact).collect());
    table.get(df).copied().unwrap_or_else(|| exact(df))
}

/// Pooled variance, Cohen's d and Hedges' g.
///
/// Hedges' g applies the exact small-sample factor
/// `J = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2))` to d. Its interval uses the large-sample
/// variance of d, `(na+nb)/(na nb) + d^2 / (2 (na+nb))` (Hedges & Olkin 1985; Borenstein et al.
/// 2009), scaled by J, with a normal quantile.
fn pooled_effects(a: &Moments, b: &Moments) -> (f64, f64, Estimate) {
    let (na, nb) = (a.n as f64, b.n as f64);
    let df = na + nb - 2.0;
    let pooled_var = (a.m2 + b.m2) / df;
    let d = (a.mean - b.mean) / pooled_var.sqrt();
    let j = hedges_j(a.n + b.n - 2);
    let g = j * d;
    let se_g = j * ((na + nb) / (na * nb) + d * d / (2.0 * (na + nb))).sqrt();
    (
        pooled_var,
        d,
        Estimate {
            value: g,
            ci_low: g - Z_975 * se_g,
            ci_high: g + Z_975 * se_g,
        },
    )
}

/// Checks the groups, then computes every parametric statistic.
pub(crate) fn parametric(
    a: &Moments,
    b: &Moments,
    names: (&str, &str),
    min_per_group: usize,
) -> Outcome<Parametric> {
    check_groups(a, b, names, min_per_group)?;
    let (mean_difference, welch) = welch(a, b);
    let (pooled_var, cohens_d, hedges_g) = pooled_effects(a, b);
    let (na, nb) = (a.n as f64, b.n as f64);
    let df = na + nb - 2.0;
    let t = (a.mean - b.mean) / (pooled_var * (1.0 / na + 1.0 / nb)).sqrt();
    Ok(Parametric {
        mean_difference,
        cohens_d,
        hedges_g,
        welch,
        student: TTest {
            statistic: t,
            df,
            p_value: t_two_sided_p(t, df),
        },
    })
}

/// Checks the groups, then computes Welch's test, the mean difference and Hedges' g only.
pub(crate) fn welch_effects(
    a: &Moments,
    b: &Moments,
    names: (&str, &str),
    min_per_group: usize,
) -> Outcome<WelchEffects> {
    check_groups(a, b, names, min_per_group)?;
    let (mean_difference, welch) = welch(a, b);
    let (_, _, hedges_g) = pooled_effects(a, b);
    Ok(WelchEffects {
        mean_difference,
        hedges_g,
        welch,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_of_constant_are_exact() {
        let m = Moments::of(&[0.1, 0.1, 0.1]);
        assert_eq!((m.n, m.mean, m.m2), (3, 0.1, 0.0));
        let m = Moments::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!((m.mean, m.m2, m.variance()), (2.5, 5.0, 5.0 / 3.0));
    }

    #[test]
    fn equal_sizes_and_variances_make_welch_equal_student() {
        let a = Moments::of(&[1.0, 2.0, 3.0, 4.0]);
        let b = Moments::of(&[3.0, 4.0, 5.0, 6.0]);
        let p = parametric(&a, &b, ("a", "b"), 3).unwrap();
        assert!((p.welch.statistic - p.student.statistic).abs() < 1e-15);
        assert!((p.welch.df - 6.0).abs() < 1e-12);
        // d = -2 / sqrt(5/3); J(6) = Gamma(3) / (sqrt(3) Gamma(2.5)).
        let d = -2.0 / (5.0f64 / 3.0).sqrt();
        assert!((p.cohens_d - d).abs() < 1e-14);
        let j = 2.0 / (3.0f64.sqrt() * 1.329_340_388_179_137);
        assert!((p.hedges_g.value - j * d).abs() < 1e-12);
    }

    #[test]
    fn degenerate_groups_are_not_testable() {
        let c = Moments::of(&[2.0, 2.0, 2.0]);
        let r = parametric(&c, &c, ("a", "b"), 3);
        assert_eq!(r.unwrap_err(), NotTestable::ConstantValues);
        let other = Moments::of(&[5.0, 5.0, 5.0]);
        assert!(matches!(
            parametric(&c, &other, ("a", "b"), 3),
            Err(NotTestable::InvalidInput { .. })
        ));
        let small = Moments::of(&[1.0, 2.0]);
        assert_eq!(
            parametric(&small, &other, ("tumour", "normal"), 3).unwrap_err(),
            NotTestable::GroupTooSmall {
                group: "tumour".into(),
                observed: 2,
                required: 3
            }
        );
    }
}

//! Multiple-testing corrections over the p-values of one screen.
//!
//! NaN p-values stand for untestable features: they are skipped (they do not count towards the
//! number of tests) and stay NaN in the output, so the adjusted vector lines up with the input.
//! Benjamini-Hochberg, Benjamini-Yekutieli and Bonferroni match
//! `statsmodels.stats.multitest.multipletests` (`fdr_bh`, `fdr_by`, `bonferroni`) on the
//! non-NaN values. Storey's q-values are `q = pi0 * BH` with pi0 estimated either at a single
//! fixed `lambda` (default 0.5), `pi0 = min(1, #{p >= lambda} / (m (1 - lambda)))`, or as the R
//! `qvalue` package does by default (`pi0.method = "smoother"`): pi0(lambda) at
//! lambda = 0.05, 0.10, ..., 0.95, smoothed by a cubic smoothing spline with 3 degrees of
//! freedom, and pi0 the smoothed value at lambda = 0.95 (capped at 1); see [`storey_smoother`].

use serde::{Deserialize, Serialize};

/// Which correction to apply.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Correction {
    BenjaminiHochberg,
    BenjaminiYekutieli,
    Bonferroni,
    Storey {
        lambda: f64,
    },
    /// Storey with qvalue's spline smoother over lambda (its default).
    StoreySmoother,
}

/// The default lambda for Storey's pi0 estimate.
pub const STOREY_LAMBDA: f64 = 0.5;

/// Adjusts `p_values` with `correction`.
pub fn adjust(p_values: &[f64], correction: Correction) -> Vec<f64> {
    match correction {
        Correction::BenjaminiHochberg => benjamini_hochberg(p_values),
        Correction::BenjaminiYekutieli => benjamini_yekutieli(p_values),
        Correction::Bonferroni => bonferroni(p_values),
        Correction::Storey { lambda } => storey(p_values, lambda).q_values,
        Correction::StoreySmoother => storey_smoother(p_values).q_values,
    }
}

/// Indices of the non-NaN p-values, sorted by p-value (ascending).
fn sorted_tested(p: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    idx.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    idx
}

/// Step-up adjustment `min_{j >= i} (scale * m / j) p_(j)`, capped at 1.
fn step_up(p: &[f64], scale: f64) -> Vec<f64> {
    let order = sorted_tested(p);
    let m = order.len() as f64;
    let mut out = vec![f64::NAN; p.len()];
    let mut running = f64::INFINITY;
    for (rank, &i) in order.iter().enumerate().rev() {
        let candidate = p[i] * scale * m / (rank + 1) as f64;
        running = running.min(candidate);
        out[i] = running.min(1.0);
    }
    out
}

/// Benjamini-Hochberg adjusted p-values (FDR under independence or positive dependence).
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    step_up(p_values, 1.0)
}

/// Benjamini-Yekutieli adjusted p-values (FDR under arbitrary dependence).
pub fn benjamini_yekutieli(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.iter().filter(|p| !p.is_nan()).count();
    let harmonic: f64 = (1..=m).map(|i| 1.0 / i as f64).sum();
    step_up(p_values, harmonic)
}

/// Bonferroni adjusted p-values, `min(1, m p)`.
pub fn bonferroni(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.iter().filter(|p| !p.is_nan()).count() as f64;
    p_values
        .iter()
        .map(|&p| if p.is_nan() { p } else { (p * m).min(1.0) })
        .collect()
}

/// Storey's q-values with the estimated proportion of true nulls.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoreyQValues {
    pub pi0: f64,
    pub q_values: Vec<f64>,
}

/// Storey's q-values with a fixed `lambda` in [0, 1). With no testable p-values `pi0` is NaN.
pub fn storey(p_values: &[f64], lambda: f64) -> StoreyQValues {
    let tested: Vec<f64> = p_values.iter().copied().filter(|p| !p.is_nan()).collect();
    let m = tested.len() as f64;
    let above = tested.iter().filter(|&&p| p >= lambda).count() as f64;
    let pi0 = if tested.is_empty() || !(0.0..1.0).contains(&lambda) {
        f64::NAN
    } else {
        (above / (m * (1.0 - lambda))).min(1.0)
    };
    let q_values = benjamini_hochberg(p_values)
        .into_iter()
        .map(|q| pi0 * q)
        .collect();
    StoreyQValues { pi0, q_values }
}

/// Storey's q-values with pi0 from qvalue's smoother (`pi0est(p, lambda = seq(0.05, 0.95,
/// 0.05), pi0.method = "smoother", smooth.df = 3)`). The smoother is the cubic smoothing spline
/// minimising `sum (y_i - f(x_i))^2 + s * integral f''^2` (R's `smooth.spline` criterion, knots at
/// every lambda) with `s` chosen so the smoother matrix has trace 3 (R searches its `spar` for
/// the same trace to a looser tolerance, so R's pi0 can differ in the fourth digit). Where the
/// smoothed value is not positive (qvalue stops with an error) pi0 falls back to 1 (BH).
pub fn storey_smoother(p_values: &[f64]) -> StoreyQValues {
    let tested: Vec<f64> = p_values.iter().copied().filter(|p| !p.is_nan()).collect();
    let pi0 = if tested.is_empty() {
        f64::NAN
    } else {
        let m = tested.len() as f64;
        let lambdas: Vec<f64> = (1..=19).map(|i| i as f64 * 0.05).collect();
        let raw: Vec<f64> = lambdas
            .iter()
            .map(|&l| tested.iter().filter(|&&p| p >= l).count() as f64 / (m * (1.0 - l)))
            .collect();
        match crate::smoothing_spline::fit_with_df(&lambdas, &raw, 3.0)
            .and_then(|fit| fit.last().copied())
        {
            Some(at_largest) if at_largest > 0.0 => at_largest.min(1.0),
            _ => 1.0,
        }
    };
    let q_values = benjamini_hochberg(p_values)
        .into_iter()
        .map(|q| pi0 * q)
        .collect();
    StoreyQValues { pi0, q_values }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        let p = [0.01, f64::NAN, 0.04, 0.03, 0.5];
        let bh = benjamini_hochberg(&p);
        // m = 4: sorted 0.01, 0.03, 0.04, 0.5 -> 0.04, 0.06, 0.0533.., 0.5 -> cummin from top.
        assert!((bh[0] - 0.04).abs() < 1e-15);
        assert!(bh[1].is_nan());
        assert!((bh[2] - 0.04 * 4.0 / 3.0).abs() < 1e-15);
        assert!((bh[3] - 0.04 * 4.0 / 3.0).abs() < 1e-15);
        assert!((bh[4] - 0.5).abs() < 1e-15);
        let bonf = bonferroni(&p);
        assert!((bonf[2] - 0.16).abs() < 1e-15 && bonf[4] == 1.0);
        let by = benjamini_yekutieli(&p);
        let c: f64 = 1.0 + 0.5 + 1.0 / 3.0 + 0.25;
        assert!((by[0] - (0.04 * c).min(1.0)).abs() < 1e-15);
        // One of four p-values >= 0.5 -> pi0 = 1 / (4 * 0.5) = 0.5.
        let s = storey(&p, STOREY_LAMBDA);
        assert!((s.pi0 - 0.5).abs() < 1e-15);
        assert!((s.q_values[0] - 0.02).abs() < 1e-15);
    }

    #[test]
    fn empty_and_all_nan() {
        assert!(benjamini_hochberg(&[]).is_empty());
        assert!(benjamini_hochberg(&[f64::NAN])[0].is_nan());
        assert!(storey(&[f64::NAN], 0.5).pi0.is_nan());
    }
}

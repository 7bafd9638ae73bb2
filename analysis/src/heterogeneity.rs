//! Do several estimates of one effect differ by more than their errors allow? Cochran's Q over
//! inverse-variance weights, the fixed-effect meta-analysis test of homogeneity. The agent uses
//! it before narrowing a hypothesis to one stratum of a confounder: a stratum that reaches
//! significance while the others do not is not evidence that the effect lives there, unless the
//! strata's effects really differ.

use crate::distributions::chi2_sf;

/// Cochran's Q test of `k` estimates: `q` on `k - 1` degrees of freedom, its chi-square tail
/// `p`, and the fixed-effect pooled estimate with its standard error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Homogeneity {
    pub q: f64,
    pub df: usize,
    pub p: f64,
    pub pooled: f64,
    pub pooled_se: f64,
}

/// Cochran's Q of `estimates` with their standard errors. Pairs with a non-finite estimate or a
/// standard error that is not finite and positive are left out; `None` when fewer than two
/// remain (nothing to compare).
pub fn cochran_q(estimates: &[f64], std_errors: &[f64]) -> Option<Homogeneity> {
    let pairs: Vec<(f64, f64)> = estimates
        .iter()
        .zip(std_errors)
        .filter(|(e, s)| e.is_finite() && s.is_finite() && **s > 0.0)
        .map(|(&e, &s)| (e, 1.0 / (s * s)))
        .collect();
    if pairs.len() < 2 {
        return None;
    }
    let total_weight: f64 = pairs.iter().map(|(_, w)| w).sum();
    let pooled = pairs.iter().map(|(e, w)| e * w).sum::<f64>() / total_weight;
    let q: f64 = pairs.iter().map(|(e, w)| w * (e - pooled).powi(2)).sum();
    let df = pairs.len() - 1;
    Some(Homogeneity {
        q,
        df,
        p: chi2_sf(q, df as f64),
        pooled,
        pooled_se: total_weight.recip().sqrt(),
    })
}

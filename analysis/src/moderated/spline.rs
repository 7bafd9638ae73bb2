//! A natural cubic spline basis, for limma's variance trend (`splines::ns(x, df, intercept =
//! TRUE)`): boundary knots at the extremes, `df - 2` interior knots at evenly spaced quantiles.
//! Only the fitted values of a regression on the basis are used, so any basis of the same space
//! serves; this is the truncated-power form (Hastie, Tibshirani & Friedman, eq. 5.4-5.5), built on
//! a covariate rescaled to [0, 1] for conditioning.

/// The `n x df` column-major basis at `x` (df >= 2; with df = 2 it is the straight line).
pub(crate) fn natural_spline_basis(x: &[f64], df: usize) -> Vec<f64> {
    let n = x.len();
    let (lo, hi) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let u: Vec<f64> = x.iter().map(|v| (v - lo) / span).collect();
    let mut sorted = u.clone();
    sorted.sort_by(f64::total_cmp);
    // Knots: 0, the interior quantiles, 1.
    let interior = df.saturating_sub(2);
    let mut knots = vec![0.0];
    knots.extend((1..=interior).map(|k| quantile(&sorted, k as f64 / (interior + 1) as f64)));
    knots.push(1.0);
    let last = knots.len() - 1;
    let d = |k: usize, v: f64| {
        let cube = |t: f64| t.max(0.0).powi(3);
        (cube(v - knots[k]) - cube(v - knots[last])) / (knots[last] - knots[k])
    };
    let mut basis = Vec::with_capacity(n * df);
    basis.extend(std::iter::repeat_n(1.0, n));
    basis.extend(u.iter().copied());
    for k in 0..interior {
        basis.extend(u.iter().map(|&v| d(k, v) - d(last - 1, v)));
    }
    basis
}

/// The `p` quantile of sorted data with linear interpolation (R's type 7, numpy's default).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let (below, frac) = (h.floor() as usize, h - h.floor());
    match sorted.get(below + 1) {
        Some(&next) => sorted[below] + frac * (next - sorted[below]),
        None => sorted[below],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basis_is_linear_outside_and_cubic_between_knots() {
        let x: Vec<f64> = (0..50)
            .map(|i| (i as f64 * 0.37).sin() * 3.0 + i as f64 * 0.1)
            .collect();
        let b = natural_spline_basis(&x, 4);
        assert_eq!(b.len(), 200);
        // Intercept and linear columns are exact.
        assert!(b[..50].iter().all(|&v| v == 1.0));
        // The nonlinear columns vanish at the lower boundary (all truncated powers are zero).
        let (imin, _) = x
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .unwrap();
        assert!(b[100 + imin].abs() < 1e-15 && b[150 + imin].abs() < 1e-15);
        assert_eq!(quantile(&[1.0, 2.0, 4.0], 0.25), 1.5);
    }
}

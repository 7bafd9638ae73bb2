//! Cubic smoothing splines with the smoothness set by degrees of freedom, for the few-point
//! smoothers of the statistics (Storey's pi0 over lambda, as R's `smooth.spline(x, y, df)`).
//!
//! The fit minimises `sum (y_i - f(x_i))^2 + alpha * integral f''(x)^2 dx`; its solution is the
//! natural cubic spline with knots at the x values, with fitted values `(I + alpha K)^{-1} y`
//! where `K = Q R^{-1} Q'` (Green & Silverman 1994, Reinsch form). The trace of the smoother
//! `(I + alpha K)^{-1}` falls from n (interpolation) to 2 (the least-squares line) as alpha
//! grows, and `alpha` is found by bisection on its logarithm so the trace equals `df`. Dense
//! n x n algebra: meant for tens of points, not thousands.

/// Fitted values at `x` (strictly increasing, n >= 3) of the smoothing spline with `df` degrees
/// of freedom (2 < df < n). `None` for invalid input.
pub fn fit_with_df(x: &[f64], y: &[f64], df: f64) -> Option<Vec<f64>> {
    let n = x.len();
    if n < 3 || y.len() != n || !(df > 2.0 && df < n as f64) {
        return None;
    }
    if x.windows(2)
        .any(|w| w[1].partial_cmp(&w[0]) != Some(std::cmp::Ordering::Greater))
        || y.iter().any(|v| !v.is_finite())
    {
        return None;
    }
    let k = penalty_matrix(x)?;
    // Bisection on log10(alpha): trace is decreasing in alpha.
    let (mut lo, mut hi) = (-30.0f64, 30.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        let trace = smoother_trace(&k, 10f64.powf(mid))?;
        if trace > df {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-13 {
            break;
        }
    }
    let alpha = 10f64.powf(0.5 * (lo + hi));
    let mut a = shifted(&k, alpha);
    let mut b = y.to_vec();
    solve(&mut a, n, &mut b, 1)?;
    Some(b)
}

/// `K = Q R^{-1} Q'` (n x n, row-major).
fn penalty_matrix(x: &[f64]) -> Option<Vec<f64>> {
    let n = x.len();
    let h: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
    let m = n - 2;
    // Q: n x m, column j for interior knot j + 1.
    let mut q = vec![0.0; n * m];
    let mut r = vec![0.0; m * m];
    for j in 0..m {
        q[j * m + j] = 1.0 / h[j];
        q[(j + 1) * m + j] = -1.0 / h[j] - 1.0 / h[j + 1];
        q[(j + 2) * m + j] = 1.0 / h[j + 1];
        r[j * m + j] = (h[j] + h[j + 1]) / 3.0;
        if j + 1 < m {
            r[j * m + j + 1] = h[j + 1] / 6.0;
            r[(j + 1) * m + j] = h[j + 1] / 6.0;
        }
    }
    // R^{-1} Q': m x n.
    let mut rq = vec![0.0; m * n];
    for i in 0..m {
        for c in 0..n {
            rq[i * n + c] = q[c * m + i];
        }
    }
    solve(&mut r, m, &mut rq, n)?;
    let mut k = vec![0.0; n * n];
    for a in 0..n {
        for b in 0..n {
            k[a * n + b] = (0..m).map(|i| q[a * m + i] * rq[i * n + b]).sum();
        }
    }
    Some(k)
}

fn shifted(k: &[f64], alpha: f64) -> Vec<f64> {
    let n = (k.len() as f64).sqrt() as usize;
    let mut a: Vec<f64> = k.iter().map(|v| alpha * v).collect();
    for i in 0..n {
        a[i * n + i] += 1.0;
    }
    a
}

fn smoother_trace(k: &[f64], alpha: f64) -> Option<f64> {
    let n = (k.len() as f64).sqrt() as usize;
    let mut a = shifted(k, alpha);
    let mut identity = vec![0.0; n * n];
    for i in 0..n {
        identity[i * n + i] = 1.0;
    }
    solve(&mut a, n, &mut identity, n)?;
    Some((0..n).map(|i| identity[i * n + i]).sum())
}

/// Solves `A X = B` in place (A n x n, B n x cols, row-major) by Gaussian elimination with
/// partial pivoting; `None` if A is singular.
fn solve(a: &mut [f64], n: usize, b: &mut [f64], cols: usize) -> Option<()> {
    for col in 0..n {
        let pivot =
            (col..n).max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs()))?;
        if a[pivot * n + col].abs() < 1e-300 {
            return None;
        }
        if pivot != col {
            for c in 0..n {
                a.swap(pivot * n + c, col * n + c);
            }
            for c in 0..cols {
                b.swap(pivot * cols + c, col * cols + c);
            }
        }
        let d = a[col * n + col];
        for row in col + 1..n {
            let f = a[row * n + col] / d;
            if f == 0.0 {
                continue;
            }
            for c in col..n {
                a[row * n + c] -= f * a[col * n + c];
            }
            for c in 0..cols {
                b[row * cols + c] -= f * b[col * cols + c];
            }
        }
    }
    for col in (0..n).rev() {
        let d = a[col * n + col];
        for c in 0..cols {
            let mut v = b[col * cols + c];
            for k in col + 1..n {
                v -= a[col * n + k] * b[k * cols + c];
            }
            b[col * cols + c] = v / d;
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A straight line is reproduced for any smoothness (it has no curvature to penalise).
    #[test]
    fn lines_are_kept() {
        let x: Vec<f64> = (0..10).map(|i| i as f64 * 0.1).collect();
        let y: Vec<f64> = x.iter().map(|v| 2.0 - 3.0 * v).collect();
        let fit = fit_with_df(&x, &y, 3.0).unwrap();
        for (f, w) in fit.iter().zip(&y) {
            assert!((f - w).abs() < 1e-9);
        }
        assert!(fit_with_df(&x, &y, 2.0).is_none());
        assert!(fit_with_df(&x[..2], &y[..2], 3.0).is_none());
    }
}

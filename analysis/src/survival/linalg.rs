//! Cholesky factorisation of the small symmetric positive-definite systems survival tests solve
//! (a log-rank covariance, a Cox information matrix): a handful of rows, so a dependency-free
//! textbook factorisation is both fast and exact enough.

/// Overwrites the lower triangle of the row-major `n x n` matrix `a` with its Cholesky factor `L`
/// (`a = L Lᵀ`). Returns `false` when `a` is not numerically positive definite, which callers
/// report as a singular design.
pub(crate) fn cholesky_in_place(a: &mut [f64], n: usize) -> bool {
    if a.len() != n * n {
        return false;
    }
    // Pivots below this fraction of the largest diagonal entry mean a (near-)singular matrix.
    let scale = (0..n).map(|i| a[i * n + i].abs()).fold(0.0, f64::max);
    let floor = scale * 1e-13;
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d.is_nan() || d <= floor {
            return false;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    true
}

/// Solves `L Lᵀ x = b` in place, given the factor from [`cholesky_in_place`].
pub(crate) fn cholesky_solve_in_place(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * n + k] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[k * n + i] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

/// A factorised symmetric positive-definite matrix, for callers that solve more than once.
pub(crate) struct SymmetricSolver {
    factor: Vec<f64>,
    n: usize,
}

impl SymmetricSolver {
    /// Factorises the row-major `n x n` matrix; `None` when it is not positive definite.
    pub(crate) fn new(mut a: Vec<f64>, n: usize) -> Option<Self> {
        cholesky_in_place(&mut a, n).then_some(Self { factor: a, n })
    }

    pub(crate) fn solve(&self, b: &[f64]) -> Vec<f64> {
        let mut x = b.to_vec();
        cholesky_solve_in_place(&self.factor, self.n, &mut x);
        x
    }

    /// `zᵀ A⁻¹ z`, the form of every Wald-type chi-square statistic.
    pub(crate) fn quadratic_form_inverse(&self, z: &[f64]) -> f64 {
        self.solve(z).iter().zip(z).map(|(x, z)| x * z).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_and_forms_quadratics() {
        let a = vec![4.0, 2.0, 2.0, 3.0];
        let s = SymmetricSolver::new(a, 2).unwrap();
        let x = s.solve(&[2.0, 1.0]);
        assert!((4.0 * x[0] + 2.0 * x[1] - 2.0).abs() < 1e-14);
        assert!((2.0 * x[0] + 3.0 * x[1] - 1.0).abs() < 1e-14);
        assert!((s.quadratic_form_inverse(&[1.0, 0.0]) - 3.0 / 8.0).abs() < 1e-15);
    }

    #[test]
    fn singular_is_refused() {
        assert!(SymmetricSolver::new(vec![1.0, 1.0, 1.0, 1.0], 2).is_none());
        assert!(SymmetricSolver::new(vec![0.0], 1).is_none());
        assert!(SymmetricSolver::new(vec![1.0; 3], 2).is_none());
    }
}

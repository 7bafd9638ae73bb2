//! Householder QR of a small dense design matrix, the numerically stable route to least squares
//! (forming `X'X` would square the condition number). Buffers are reused between fits.

/// A design whose columns are (numerically) linearly dependent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Singular;

/// A column whose remaining norm after removing the span of earlier columns is below this
/// fraction of its own norm is treated as linearly dependent.
const RANK_TOLERANCE: f64 = 1e-9;

/// Householder factorisation `X = Q R` of an `n x p` column-major matrix.
#[derive(Clone, Debug, Default)]
pub(crate) struct Qr {
    n: usize,
    p: usize,
    /// Householder vectors on and below the diagonal, R strictly above it (column-major).
    a: Vec<f64>,
    /// Diagonal of R.
    rdiag: Vec<f64>,
    /// `v'v` of each Householder vector.
    vtv: Vec<f64>,
}

impl Qr {
    /// Factors the `n x p` column-major matrix `x` into this buffer.
    pub fn factor(&mut self, x: &[f64], n: usize, p: usize) -> Result<(), Singular> {
        let mut kept = Vec::new();
        self.factor_dropping(x, n, p, |_| false, &mut kept)
    }

    /// Factors `x` like [`Qr::factor`], except that a column which is (numerically) a linear
    /// combination of the columns before it is removed instead of failing when `droppable`
    /// holds for its index, as R's `lm` drops aliased terms in order. `kept` receives the
    /// original indices of the columns factored.
    pub fn factor_dropping(
        &mut self,
        x: &[f64],
        n: usize,
        p: usize,
        droppable: impl Fn(usize) -> bool,
        kept: &mut Vec<usize>,
    ) -> Result<(), Singular> {
        if x.len() != n * p {
            return Err(Singular);
        }
        self.n = n;
        self.a.clear();
        self.a.extend_from_slice(x);
        self.rdiag.clear();
        self.vtv.clear();
        kept.clear();
        kept.extend(0..p);
        let mut k = 0;
        while k < kept.len() {
            let width = kept.len();
            let original: f64 = self.a[k * n..(k + 1) * n]
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt();
            let norm = self
                .a
                .get(k * n + k..(k + 1) * n)
                .map_or(0.0, |col| col.iter().map(|v| v * v).sum::<f64>().sqrt());
            if k >= n || norm.is_nan() || norm <= RANK_TOLERANCE * original || original == 0.0 {
                if droppable(kept[k]) {
                    self.a.drain(k * n..(k + 1) * n);
                    kept.remove(k);
                    continue;
                }
                return Err(Singular);
            }
            let (head, tail) = self.a.split_at_mut((k + 1) * n);
            let col = &mut head[k * n + k..(k + 1) * n];
            let alpha = if col[0] > 0.0 { -norm } else { norm };
            col[0] -= alpha;
            let vtv: f64 = col.iter().map(|v| v * v).sum();
            for j in 0..(width - k - 1) {
                let other = &mut tail[j * n + k..(j + 1) * n];
                let s: f64 = col.iter().zip(other.iter()).map(|(v, o)| v * o).sum();
                let f = 2.0 * s / vtv;
                for (o, v) in other.iter_mut().zip(col.iter()) {
                    *o -= f * v;
                }
            }
            self.rdiag.push(alpha);
            self.vtv.push(vtv);
            k += 1;
        }
        self.p = kept.len();
        Ok(())
    }

    /// Replaces `y` (length n) by `Q' y`.
    pub fn apply_qt(&self, y: &mut [f64]) {
        let n = self.n;
        for k in 0..self.p {
            let v = &self.a[k * n + k..(k + 1) * n];
            let target = &mut y[k..n];
            let s: f64 = v.iter().zip(target.iter()).map(|(a, b)| a * b).sum();
            let f = 2.0 * s / self.vtv[k];
            for (t, a) in target.iter_mut().zip(v) {
                *t -= f * a;
            }
        }
    }

    /// Solves `R beta = qty[..p]` by back substitution.
    pub fn solve(&self, qty: &[f64], beta: &mut Vec<f64>) {
        let (n, p) = (self.n, self.p);
        beta.clear();
        beta.extend_from_slice(&qty[..p]);
        for k in (0..p).rev() {
            let above: f64 = (k + 1..p).map(|j| self.a[j * n + k] * beta[j]).sum();
            beta[k] = (beta[k] - above) / self.rdiag[k];
        }
    }

    /// Diagonal of `(X'X)^-1 = R^-1 R^-T`, i.e. squared row norms of `R^-1`.
    pub fn inverse_gram_diagonal(&self, out: &mut Vec<f64>, column: &mut Vec<f64>) {
        let (n, p) = (self.n, self.p);
        out.clear();
        out.resize(p, 0.0);
        // Column j of R^-1 solves R c = e_j; accumulate c_k^2 into row k.
        for j in 0..p {
            column.clear();
            column.resize(p, 0.0);
            column[j] = 1.0 / self.rdiag[j];
            for k in (0..j).rev() {
                let above: f64 = (k + 1..=j).map(|i| self.a[i * n + k] * column[i]).sum();
                column[k] = -above / self.rdiag[k];
            }
            for (o, c) in out.iter_mut().zip(column.iter()) {
                *o += c * c;
            }
        }
    }

    /// The full `(X'X)^-1 = R^-1 R^-T`, row-major `p x p` into `out` (`work` holds `R^-1`).
    pub fn inverse_gram(&self, out: &mut Vec<f64>, work: &mut Vec<f64>) {
        let (n, p) = (self.n, self.p);
        // work[k * p + j] = (R^-1)[k, j]; column j solves R c = e_j.
        work.clear();
        work.resize(p * p, 0.0);
        for j in 0..p {
            work[j * p + j] = 1.0 / self.rdiag[j];
            for k in (0..j).rev() {
                let above: f64 = (k + 1..=j)
                    .map(|i| self.a[i * n + k] * work[i * p + j])
                    .sum();
                work[k * p + j] = -above / self.rdiag[k];
            }
        }
        out.clear();
        out.resize(p * p, 0.0);
        for a in 0..p {
            for b in a..p {
                // R^-1 is upper triangular: row a is zero before column a.
                let v: f64 = (b..p).map(|k| work[a * p + k] * work[b * p + k]).sum();
                out[a * p + b] = v;
                out[b * p + a] = v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_exact_system_and_detects_collinearity() {
        // Columns: intercept, x. y = 1 + 2x exactly.
        let x = [1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 2.0, 3.0];
        let mut qr = Qr::default();
        qr.factor(&x, 4, 2).unwrap();
        let mut y = vec![1.0, 3.0, 5.0, 7.0];
        qr.apply_qt(&mut y);
        let mut beta = Vec::new();
        qr.solve(&y, &mut beta);
        assert!((beta[0] - 1.0).abs() < 1e-14 && (beta[1] - 2.0).abs() < 1e-14);
        assert!(y[2].abs() < 1e-14 && y[3].abs() < 1e-14);
        // (X'X)^-1 for x = 0..3: X'X = [[4, 6], [6, 14]], det 20 -> diag 14/20, 4/20.
        let (mut d, mut c) = (Vec::new(), Vec::new());
        qr.inverse_gram_diagonal(&mut d, &mut c);
        assert!((d[0] - 0.7).abs() < 1e-14 && (d[1] - 0.2).abs() < 1e-14);
        let mut full = Vec::new();
        qr.inverse_gram(&mut full, &mut c);
        // Off-diagonal: -6/20.
        for (got, want) in full.iter().zip([0.7, -0.3, -0.3, 0.2]) {
            assert!((got - want).abs() < 1e-14, "{full:?}");
        }
        let dup = [1.0, 2.0, 3.0, 2.0, 4.0, 6.0];
        assert_eq!(qr.factor(&dup, 3, 2), Err(Singular));
        // The same column dropped when allowed: one column kept.
        let mut kept = Vec::new();
        qr.factor_dropping(&dup, 3, 2, |j| j == 1, &mut kept)
            .unwrap();
        assert_eq!(kept, [0]);
        // An empty level (all zeros) between two real columns.
        let x = [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 4.0];
        qr.factor_dropping(&x, 4, 3, |j| j == 1, &mut kept).unwrap();
        assert_eq!(kept, [0, 2]);
        let mut y = vec![1.0, 3.0, 5.0, 9.0];
        qr.apply_qt(&mut y);
        qr.solve(&y, &mut beta);
        assert!((beta[0] - 1.0).abs() < 1e-14 && (beta[1] - 2.0).abs() < 1e-14);
    }
}

//! Eigen-decomposition of a small dense symmetric matrix by cyclic Jacobi rotations.
//!
//! PCA only ever decomposes a matrix whose side is the smaller of samples and features (about 150
//! for a CPTAC cohort), where Jacobi's O(n³) per sweep is milliseconds; in exchange it is short,
//! has no dependency and gives eigenvectors orthogonal to machine precision.

/// Eigenvalues in decreasing order with their unit eigenvectors.
pub(crate) struct SymmetricEigen {
    pub values: Vec<f64>,
    /// `vectors[k]` is the eigenvector of `values[k]`.
    pub vectors: Vec<Vec<f64>>,
}

/// Decomposes the row-major symmetric `n x n` matrix `a` (only its values are read, it need not
/// be exactly symmetric in the last bit).
pub(crate) fn symmetric_eigen(mut a: Vec<f64>, n: usize) -> SymmetricEigen {
    debug_assert_eq!(a.len(), n * n);
    // v holds the accumulated rotations, row-major: column k is eigenvector k.
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let total: f64 = a.iter().map(|x| x * x).sum();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum();
        if off <= total * 1e-30 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let (app, aqq) = (a[p * n + p], a[q * n + q]);
                // Already below rounding of both diagonal entries: zero it without rotating.
                if apq.abs() < 1e-3 * f64::EPSILON * (app.abs() + aqq.abs()) {
                    a[p * n + q] = 0.0;
                    a[q * n + p] = 0.0;
                    continue;
                }
                let theta = (aqq - app) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                rotate(&mut a, n, p, q, c, s);
                // The rotation was chosen to annihilate this pair; store the exact zero rather
                // than its rounding residue so the off-diagonal norm can reach zero.
                a[p * n + q] = 0.0;
                a[q * n + p] = 0.0;
                rotate_columns(&mut v, n, p, q, c, s);
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| a[y * n + y].total_cmp(&a[x * n + x]));
    SymmetricEigen {
        values: order.iter().map(|&k| a[k * n + k]).collect(),
        vectors: order
            .iter()
            .map(|&k| (0..n).map(|i| v[i * n + k]).collect())
            .collect(),
    }
}

/// `a ← Jᵀ a J` for the rotation `J` in the (p, q) plane.
fn rotate(a: &mut [f64], n: usize, p: usize, q: usize, c: f64, s: f64) {
    rotate_columns(a, n, p, q, c, s);
    for k in 0..n {
        let (apk, aqk) = (a[p * n + k], a[q * n + k]);
        a[p * n + k] = c * apk - s * aqk;
        a[q * n + k] = s * apk + c * aqk;
    }
}

/// `m ← m J`.
fn rotate_columns(m: &mut [f64], n: usize, p: usize, q: usize, c: f64, s: f64) {
    for k in 0..n {
        let (mkp, mkq) = (m[k * n + p], m[k * n + q]);
        m[k * n + p] = c * mkp - s * mkq;
        m[k * n + q] = s * mkp + c * mkq;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposes_a_known_matrix() {
        // [[2, 1], [1, 2]] has eigenvalues 3 and 1 with vectors (1, 1)/√2 and (1, −1)/√2.
        let e = symmetric_eigen(vec![2.0, 1.0, 1.0, 2.0], 2);
        assert!((e.values[0] - 3.0).abs() < 1e-14 && (e.values[1] - 1.0).abs() < 1e-14);
        let v = &e.vectors[0];
        assert!((v[0].abs() - 0.5f64.sqrt()).abs() < 1e-14 && (v[0] - v[1]).abs() < 1e-14);
    }

    #[test]
    fn reconstructs_a_random_symmetric_matrix() {
        let n = 7;
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let x = ((i * 31 + j * 17) % 13) as f64 - 6.0;
                a[i * n + j] = x;
                a[j * n + i] = x;
            }
        }
        let e = symmetric_eigen(a.clone(), n);
        for i in 0..n {
            for j in 0..n {
                let r: f64 = (0..n)
                    .map(|k| e.values[k] * e.vectors[k][i] * e.vectors[k][j])
                    .sum();
                assert!(
                    (r - a[i * n + j]).abs() < 1e-12,
                    "({i},{j}) {r} vs {}",
                    a[i * n + j]
                );
            }
        }
        assert!(e.values.windows(2).all(|w| w[0] >= w[1]));
    }
}

//! Ordinary least squares with covariates, per feature over a layer: e.g. protein abundance ~
//! tumour/normal + purity + batch, to separate a group effect from composition and batch.
//! Results match `statsmodels` OLS (`missing="drop"`): coefficients, standard errors, t
//! statistics and two-sided p-values on `n - p` residual degrees of freedom.
//!
//! Rows with a missing response or covariate are dropped per feature. A level of a categorical
//! covariate that the feature's remaining rows leave empty (or aliased with earlier terms) is
//! dropped from that feature's fit and named in [`OlsFit::dropped_terms`], as R's `lm` drops
//! aliased terms; the feature stays testable. Any other linear dependence (collinear numeric
//! covariates, a group with no samples left) is [`NotTestable::SingularDesign`]. The QR factorisation of the design is computed once for
//! all features observed in every complete row and only recomputed for features with missing
//! values.

mod design;
pub(crate) mod qr;

pub use design::{Design, DesignBuilder, INTERCEPT};

use crate::distributions::t_two_sided_p;
use crate::outcome::{NotTestable, Outcome};
use datasets::Matrix;
use qr::Qr;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// One fitted coefficient.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Coefficient {
    pub estimate: f64,
    pub std_error: f64,
    pub t: f64,
    pub p_value: f64,
}

/// An OLS fit of one feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OlsFit {
    /// Rows used.
    pub n: usize,
    pub df_residual: usize,
    /// In the order of [`Design::names`]. A dropped term (see `dropped_terms`) holds NaN.
    pub coefficients: Vec<Coefficient>,
    /// Levels of categorical covariates this feature's observed samples left empty (or made
    /// the only level present), dropped from its fit rather than making the design singular:
    /// with plex-wise TMT missingness a whole batch can be missing for one protein.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dropped_terms: Vec<String>,
    /// `1 - RSS / TSS` with the centred total sum of squares (the design has an intercept).
    pub r_squared: f64,
    /// Residual standard error `sqrt(RSS / df_residual)`.
    pub residual_se: f64,
}

/// Per-thread buffers.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scratch {
    rows: Vec<usize>,
    x: Vec<f64>,
    y: Vec<f64>,
    qty: Vec<f64>,
    beta: Vec<f64>,
    diag: Vec<f64>,
    column: Vec<f64>,
    /// Design columns the current feature's fit kept.
    kept: Vec<usize>,
    qr: Qr,
}

/// The least-squares solution of one feature, borrowed from the scratch buffers by a
/// summariser (OLS here, the moderated fit in `crate::moderated`).
pub(crate) struct Solution<'s> {
    /// Rows used.
    pub n: usize,
    pub df_residual: usize,
    pub rss: f64,
    /// Centred total sum of squares of the response.
    pub tss: f64,
    /// Mean of the response over the rows used.
    pub mean: f64,
    /// Coefficients of the kept terms, in the order of `kept`.
    pub beta: &'s [f64],
    /// Design columns fitted: all of them unless levels of a categorical covariate had no
    /// observed sample for this feature (or covered all of them) and were dropped.
    pub kept: &'s [usize],
    pub qr: &'s Qr,
    /// Buffers for `Qr::inverse_gram*`.
    pub out: &'s mut Vec<f64>,
    pub work: &'s mut Vec<f64>,
}

/// Solves `y` on the design restricted to `s.rows`, using `shared` when it already holds the
/// factorisation for exactly these rows. The coefficients are left in `s.beta`; the factorisation
/// used is returned alongside.
pub(crate) fn solve<'s>(
    y: &[f64],
    design: &Design,
    shared: Option<&'s Qr>,
    s: &'s mut Scratch,
) -> Outcome<Solution<'s>> {
    let (n, p) = (s.rows.len(), design.n_terms());
    // Levels may be dropped below, so only the other terms set the minimum here.
    let fixed = (0..p).filter(|&j| !design.is_level(j)).count();
    if n < fixed + 1 {
        return Err(NotTestable::TooFewObservations {
            observed: n,
            required: fixed + 1,
        });
    }
    s.y.clear();
    s.y.extend(s.rows.iter().map(|&r| y[r]));
    let first = s.y[0];
    if s.y.iter().all(|&v| v == first) {
        return Err(NotTestable::ConstantValues);
    }
    let qr = match shared {
        Some(qr) => {
            s.kept.clear();
            s.kept.extend(0..p);
            qr
        }
        None => {
            s.x.clear();
            for j in 0..p {
                s.x.extend(s.rows.iter().map(|&r| design.value(r, j)));
            }
            s.qr.factor_dropping(&s.x, n, p, |j| design.is_level(j), &mut s.kept)
                .map_err(|_| NotTestable::SingularDesign)?;
            &s.qr
        }
    };
    let p = s.kept.len();
    if n < p + 1 {
        return Err(NotTestable::TooFewObservations {
            observed: n,
            required: p + 1,
        });
    }
    s.qty.clear();
    s.qty.extend_from_slice(&s.y);
    qr.apply_qt(&mut s.qty);
    qr.solve(&s.qty, &mut s.beta);
    let rss: f64 = s.qty[p..].iter().map(|v| v * v).sum();
    let mean = s.y.iter().sum::<f64>() / n as f64;
    let tss: f64 = s.y.iter().map(|v| (v - mean) * (v - mean)).sum();
    if rss.is_nan() || rss <= 1e-24 * tss {
        return Err(NotTestable::InvalidInput {
            detail: "the design fits the response exactly; no residual variance".to_owned(),
        });
    }
    Ok(Solution {
        n,
        df_residual: n - p,
        rss,
        tss,
        mean,
        beta: &s.beta,
        kept: &s.kept,
        qr,
        out: &mut s.diag,
        work: &mut s.column,
    })
}

/// Fits `y` on the design restricted to `s.rows` and summarises it as OLS.
fn fit(y: &[f64], design: &Design, shared: Option<&Qr>, s: &mut Scratch) -> Outcome<OlsFit> {
    let solved = solve(y, design, shared, s)?;
    let df = solved.df_residual;
    let sigma2 = solved.rss / df as f64;
    solved.qr.inverse_gram_diagonal(solved.out, solved.work);
    let dropped = Coefficient {
        estimate: f64::NAN,
        std_error: f64::NAN,
        t: f64::NAN,
        p_value: f64::NAN,
    };
    let mut coefficients = vec![dropped; design.n_terms()];
    for ((&j, &estimate), &d) in solved.kept.iter().zip(solved.beta).zip(solved.out.iter()) {
        let std_error = (sigma2 * d).sqrt();
        let t = estimate / std_error;
        coefficients[j] = Coefficient {
            estimate,
            std_error,
            t,
            p_value: t_two_sided_p(t, df as f64),
        };
    }
    Ok(OlsFit {
        n: solved.n,
        df_residual: df,
        dropped_terms: dropped_terms(design, solved.kept),
        coefficients,
        r_squared: 1.0 - solved.rss / solved.tss,
        residual_se: sigma2.sqrt(),
    })
}

/// Names of the design terms not in `kept`.
pub(crate) fn dropped_terms(design: &Design, kept: &[usize]) -> Vec<String> {
    let mut next = kept.iter().peekable();
    (0..design.n_terms())
        .filter(|&j| {
            if next.peek() == Some(&&j) {
                next.next();
                false
            } else {
                true
            }
        })
        .map(|j| design.names()[j].clone())
        .collect()
}

/// Fits `y` (one value per design row, NaN = missing) on `design`.
pub fn ols(y: &[f64], design: &Design) -> Outcome<OlsFit> {
    if y.len() != design.n_rows() {
        return Err(NotTestable::InvalidInput {
            detail: format!("{} responses for {} design rows", y.len(), design.n_rows()),
        });
    }
    let mut s = Scratch::default();
    s.rows.extend(
        design
            .complete_rows()
            .iter()
            .enumerate()
            .filter(|&(r, &c)| c && y[r].is_finite())
            .map(|(r, _)| r),
    );
    fit(y, design, None, &mut s)
}

/// Fits every feature of `matrix` on the covariates of `builder`, matched by sample ID. Returns
/// the design (for coefficient names) and one fit per feature.
pub fn regress_layer(matrix: &Matrix, builder: &DesignBuilder) -> (Design, Vec<Outcome<OlsFit>>) {
    let design = builder.build_for(matrix.samples());
    let fits = fit_layer(matrix, &design, fit);
    (design, fits)
}

/// Runs `fit_one` on every feature of `matrix` (rows aligned with `design`) in parallel, each on
/// the complete design rows where the feature is observed. The QR factorisation of the design is
/// computed once and shared by every feature observed on all complete rows.
pub(crate) fn fit_layer<T, F>(matrix: &Matrix, design: &Design, fit_one: F) -> Vec<Outcome<T>>
where
    T: Send,
    F: Fn(&[f64], &Design, Option<&Qr>, &mut Scratch) -> Outcome<T> + Sync,
{
    let complete = design.complete_row_indices();
    let p = design.n_terms();
    let mut shared = Qr::default();
    let x: Vec<f64> = (0..p)
        .flat_map(|j| complete.iter().map(move |&r| (r, j)))
        .map(|(r, j)| design.value(r, j))
        .collect();
    let shared = shared
        .factor(&x, complete.len(), p)
        .is_ok()
        .then_some(shared);

    (0..matrix.n_features())
        .into_par_iter()
        .map_init(Scratch::default, |s, f| {
            let y = matrix.feature(f);
            s.rows.clear();
            s.rows
                .extend(complete.iter().copied().filter(|&r| y[r].is_finite()));
            // Reuse the shared factorisation when this feature uses exactly its rows; a design
            // that is singular on them is found again (after the cheaper checks) by `solve`.
            let reuse = shared.as_ref().filter(|_| s.rows.len() == complete.len());
            fit_one(y, design, reuse, s)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_regression_closed_form() {
        // y = 1 + 2x + e with e = (+1, -1, -1, +1) orthogonal to x = (0, 1, 2, 3)?
        // e . x = 0 - 1 - 2 + 3 = 0 and sum e = 0, so beta = (1, 2) exactly; RSS = 4, df = 2.
        let design = Design::from_columns(4, vec![("x".into(), vec![0.0, 1.0, 2.0, 3.0])]).unwrap();
        let y = [2.0, 2.0, 4.0, 8.0];
        let fit = ols(&y, &design).unwrap();
        assert!((fit.coefficients[0].estimate - 1.0).abs() < 1e-13);
        assert!((fit.coefficients[1].estimate - 2.0).abs() < 1e-13);
        // se(slope) = sqrt(sigma^2 / Sxx) = sqrt(2 / 5).
        assert!((fit.coefficients[1].std_error - 0.4f64.sqrt()).abs() < 1e-13);
        assert_eq!(fit.df_residual, 2);
        assert!((fit.residual_se - 2.0f64.sqrt()).abs() < 1e-13);
    }

    #[test]
    fn degenerate_designs() {
        let x = vec![0.0, 1.0, 2.0, 3.0, 4.0];
        let twice: Vec<f64> = x.iter().map(|v| 2.0 * v).collect();
        let design =
            Design::from_columns(5, vec![("x".into(), x.clone()), ("2x".into(), twice)]).unwrap();
        let y = [1.0, 3.0, 2.0, 5.0, 4.0];
        assert_eq!(ols(&y, &design).unwrap_err(), NotTestable::SingularDesign);
        let design = Design::from_columns(5, vec![("x".into(), x)]).unwrap();
        assert_eq!(
            ols(&[2.0; 5], &design).unwrap_err(),
            NotTestable::ConstantValues
        );
        assert_eq!(
            ols(&[1.0, 2.0, f64::NAN, f64::NAN, f64::NAN], &design).unwrap_err(),
            NotTestable::TooFewObservations {
                observed: 2,
                required: 3
            }
        );
    }
}

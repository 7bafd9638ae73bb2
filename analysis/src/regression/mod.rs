//! Ordinary least squares with covariates, per feature over a layer: e.g. protein abundance ~
//! tumour/normal + purity + batch, to separate a group effect from composition and batch.
//! Results match `statsmodels` OLS (`missing="drop"`): coefficients, standard errors, t
//! statistics and two-sided p-values on `n - p` residual degrees of freedom.
//!
//! Rows with a missing response or covariate are dropped per feature. A level of a categorical
//! covariate that the feature's remaining rows leave empty (or aliased with earlier terms) is
//! dropped from that feature's fit and named in [`OlsFit::dropped_terms`], as R's `lm` drops
//! aliased terms; the feature stays testable. Any other linear dependence (collinear numeric
//! covariates, a group with no samples left) is [`NotTestable::SingularDesign`]. The QR factorisation of the design (and the diagonal of
//! `(X'X)^-1`) is computed once per pattern of observed rows that two or more features share
//! (proteomes miss values plex by plex, so patterns repeat), and per feature only for features
//! whose pattern is their own. Shared or not, the arithmetic is the same, so results are too.

mod design;
pub(crate) mod qr;

pub use design::{Design, DesignBuilder, INTERCEPT};

use crate::distributions::t_two_sided_p;
use crate::outcome::{NotTestable, Outcome};
use datasets::Matrix;
use qr::Qr;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The factorisation of the design on one set of rows, shared by every feature observed on
/// exactly those rows.
#[derive(Debug, Default)]
pub(crate) struct SharedQr {
    qr: Qr,
    /// Design columns factored (levels the rows leave empty are dropped, as per feature).
    kept: Vec<usize>,
    /// Diagonal of `(X'X)^-1` over `kept`.
    diagonal: Vec<f64>,
}

impl SharedQr {
    /// Factors the design on `rows`; `None` when it is singular there (each feature then finds
    /// that again itself, after its cheaper checks, and reports it the same way).
    fn factor(design: &Design, rows: &[usize]) -> Option<Self> {
        let p = design.n_terms();
        let mut x = Vec::with_capacity(rows.len() * p);
        for j in 0..p {
            x.extend(rows.iter().map(|&r| design.value(r, j)));
        }
        let mut shared = Self::default();
        shared
            .qr
            .factor_dropping(&x, rows.len(), p, |j| design.is_level(j), &mut shared.kept)
            .ok()?;
        let mut work = Vec::new();
        shared
            .qr
            .inverse_gram_diagonal(&mut shared.diagonal, &mut work);
        Some(shared)
    }
}

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
    pub(crate) rows: Vec<usize>,
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
    /// `out` already holds the diagonal of `(X'X)^-1` (from a shared factorisation).
    pub diagonal_ready: bool,
}

impl Solution<'_> {
    /// Puts the diagonal of `(X'X)^-1` over `kept` in `out`, unless it is there already.
    pub fn inverse_gram_diagonal(&mut self) {
        if !self.diagonal_ready {
            self.qr.inverse_gram_diagonal(self.out, self.work);
            self.diagonal_ready = true;
        }
    }
}

/// Solves `y` on the design restricted to `s.rows`, using `shared` when it already holds the
/// factorisation for exactly these rows. The coefficients are left in `s.beta`; the factorisation
/// used is returned alongside.
pub(crate) fn solve<'s>(
    y: &[f64],
    design: &Design,
    shared: Option<&'s SharedQr>,
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
        Some(shared) => {
            s.kept.clear();
            s.kept.extend_from_slice(&shared.kept);
            s.diag.clear();
            s.diag.extend_from_slice(&shared.diagonal);
            &shared.qr
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
        diagonal_ready: shared.is_some(),
    })
}

/// Fits `y` on the design restricted to `s.rows` and summarises it as OLS.
fn fit(y: &[f64], design: &Design, shared: Option<&SharedQr>, s: &mut Scratch) -> Outcome<OlsFit> {
    let mut solved = solve(y, design, shared, s)?;
    let df = solved.df_residual;
    let sigma2 = solved.rss / df as f64;
    solved.inverse_gram_diagonal();
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
/// computed once per pattern of observed rows shared by two or more features (see module docs).
pub(crate) fn fit_layer<T, F>(matrix: &Matrix, design: &Design, fit_one: F) -> Vec<Outcome<T>>
where
    T: Send,
    F: Fn(&[f64], &Design, Option<&SharedQr>, &mut Scratch) -> Outcome<T> + Sync,
{
    let complete = design.complete_row_indices();
    // Each feature's observed rows among the complete ones, as a bit mask.
    let words = complete.len().div_ceil(64);
    let patterns: Vec<Vec<u64>> = (0..matrix.n_features())
        .into_par_iter()
        .map(|f| {
            let y = matrix.feature(f);
            let mut mask = vec![0_u64; words];
            for (i, &r) in complete.iter().enumerate() {
                if y[r].is_finite() {
                    mask[i / 64] |= 1 << (i % 64);
                }
            }
            mask
        })
        .collect();
    let mut counts: HashMap<&[u64], usize> = HashMap::new();
    for mask in &patterns {
        *counts.entry(mask.as_slice()).or_default() += 1;
    }
    let rows_of = |mask: &[u64]| -> Vec<usize> {
        complete
            .iter()
            .enumerate()
            .filter(|(i, _)| (mask[i / 64] >> (i % 64)) & 1 == 1)
            .map(|(_, &r)| r)
            .collect()
    };
    // One factorisation per pattern that two or more features share.
    let shared: HashMap<&[u64], SharedQr> = counts
        .into_iter()
        .filter(|&(_, count)| count >= 2)
        .collect::<Vec<_>>()
        .into_par_iter()
        .filter_map(|(mask, _)| Some((mask, SharedQr::factor(design, &rows_of(mask))?)))
        .collect();

    (0..matrix.n_features())
        .into_par_iter()
        .map_init(Scratch::default, |s, f| {
            let y = matrix.feature(f);
            s.rows.clear();
            s.rows
                .extend(complete.iter().copied().filter(|&r| y[r].is_finite()));
            fit_one(y, design, shared.get(patterns[f].as_slice()), s)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_factorisations_give_the_same_fits_as_per_feature_ones() {
        use crate::groups::{GroupLabels, SampleValues};
        use datasets::{FeatureId, SampleId};
        let n = 12;
        let samples: Vec<SampleId> = (0..n).map(|i| SampleId::from(format!("S{i}"))).collect();
        let x = SampleValues::new(
            samples.clone(),
            (0..n).map(|i| (i as f64 * 0.7).sin()).collect(),
        )
        .unwrap();
        let levels: Vec<Option<String>> = (0..n).map(|i| Some(format!("b{}", i % 3))).collect();
        let batch = GroupLabels::new(samples.clone(), &levels).unwrap();
        let builder = DesignBuilder::new()
            .numeric("x", &x)
            .categorical("batch", &batch);
        // Two complete features, three missing all of batch b2 (one pattern, a level dropped),
        // two missing sample 0 (one pattern), one with a pattern of its own.
        let missing = |f: usize, i: usize| match f {
            2..=4 => i % 3 == 2,
            5 | 6 => i == 0,
            7 => i == 5 || i == 7,
            _ => false,
        };
        let columns: Vec<Vec<f64>> = (0..8)
            .map(|f| {
                (0..n)
                    .map(|i| {
                        if missing(f, i) {
                            f64::NAN
                        } else {
                            ((f * 31 + i * 17) % 23) as f64 / 7.0
                                + (i as f64 * 0.7).sin() * f as f64
                        }
                    })
                    .collect()
            })
            .collect();
        let names = (0..8).map(|f| FeatureId::from(format!("F{f}"))).collect();
        let m = Matrix::from_features(samples, names, columns.clone()).unwrap();
        let (design, fits) = regress_layer(&m, &builder);
        for (f, fit) in fits.iter().enumerate() {
            // `ols` factors the design for the one feature: the shared path must agree exactly.
            let alone = ols(&columns[f], &design);
            assert_eq!(format!("{fit:?}"), format!("{alone:?}"), "feature {f}");
            assert!(fit.is_ok(), "feature {f}: {fit:?}");
        }
        assert!(!fits[3].as_ref().unwrap().dropped_terms.is_empty());
    }

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

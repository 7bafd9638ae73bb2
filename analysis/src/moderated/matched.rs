//! The patient-blocked model in closed form for matched pairs.
//!
//! When every patient has at most one sample in each group (the usual tumour and matched normal),
//! `~ patient + group` fitted on a feature's observed rows is the one-sample model of the
//! within-patient differences: each patient term absorbs its pair's mean, so the group
//! coefficient is the mean difference `d̄` over the `m` complete pairs, the residual variance is
//! `Σ(d - d̄)² / 2 / (m - 1)` on `m - 1` degrees of freedom, and `stdev_unscaled` is `sqrt(2/m)`.
//! A patient with one observed side is fitted exactly by its own term and adds nothing (rank
//! grows with the row), as in the general fit. This replaces a QR factorisation per pattern of
//! missing values by one pass over the pairs, which is what makes the blocked screen of a whole
//! CPTAC layer fast. Features the closed form does not cover (fewer than two complete pairs,
//! constant or exactly fitted values) go through the general solver, so every outcome matches it.

use super::FeatureFit;
use crate::groups::{GroupLabels, Membership, TwoGroups};
use crate::outcome::Outcome;
use crate::regression::{Design, Scratch};
use datasets::Matrix;
use rayon::prelude::*;

/// The complete design rows of each patient, one per group side.
pub(super) struct MatchedRows {
    /// `(a_row, b_row)` per patient with both sides; either may be absent.
    sides: Vec<(Option<usize>, Option<usize>)>,
    /// Index of the group term in the design.
    group_term: usize,
}

impl MatchedRows {
    /// The matched structure of `design` (built from `patients` then `groups`), or `None` when
    /// some patient has two samples on one side and the general fit is needed.
    pub(super) fn of(
        matrix: &Matrix,
        design: &Design,
        groups: &TwoGroups,
        patients: &GroupLabels,
    ) -> Option<Self> {
        let membership = groups.aligned_to(matrix.samples());
        let patient = patients.aligned_to(matrix.samples());
        let mut sides = vec![(None, None); patients.levels().len()];
        for row in design.complete_row_indices() {
            let side: &mut (Option<usize>, Option<usize>) = &mut sides[patient[row]?];
            let slot = match membership[row] {
                Membership::A => &mut side.0,
                Membership::B => &mut side.1,
                Membership::Excluded => return None,
            };
            if slot.replace(row).is_some() {
                return None;
            }
        }
        Some(Self {
            sides,
            group_term: design.n_terms().checked_sub(1)?,
        })
    }

    /// Fits every feature: the closed form where it applies, the general solver elsewhere.
    pub(super) fn fit_layer(&self, matrix: &Matrix, design: &Design) -> Vec<Outcome<FeatureFit>> {
        let complete = design.complete_row_indices();
        (0..matrix.n_features())
            .into_par_iter()
            .map_init(Scratch::default, |s, f| {
                let y = matrix.feature(f);
                if let Some(fit) = self.closed_form(y, design.n_terms()) {
                    return Ok(fit);
                }
                s.rows.clear();
                s.rows
                    .extend(complete.iter().copied().filter(|&r| y[r].is_finite()));
                super::fit_feature(y, design, None, s)
            })
            .collect()
    }

    fn closed_form(&self, y: &[f64], n_terms: usize) -> Option<FeatureFit> {
        let observed = |row: Option<usize>| row.map(|r| y[r]).filter(|v| v.is_finite());
        let (mut n, mut sum, mut pairs, mut d_sum) = (0_usize, 0.0, 0_usize, 0.0);
        for &(a, b) in &self.sides {
            let (a, b) = (observed(a), observed(b));
            for v in [a, b].into_iter().flatten() {
                n += 1;
                sum += v;
            }
            if let (Some(a), Some(b)) = (a, b) {
                pairs += 1;
                d_sum += a - b;
            }
        }
        if pairs < 2 {
            return None;
        }
        let (mean, d_mean) = (sum / n as f64, d_sum / pairs as f64);
        let (mut tss, mut rss) = (0.0, 0.0);
        for &(a, b) in &self.sides {
            let (a, b) = (observed(a), observed(b));
            for v in [a, b].into_iter().flatten() {
                tss += (v - mean) * (v - mean);
            }
            if let (Some(a), Some(b)) = (a, b) {
                rss += (a - b - d_mean) * (a - b - d_mean) / 2.0;
            }
        }
        // Constant or exactly fitted responses get the general solver's reasons.
        if tss == 0.0 || rss.is_nan() || rss <= 1e-24 * tss {
            return None;
        }
        let df_residual = pairs - 1;
        let mut coefficients = vec![f64::NAN; n_terms];
        let mut stdev_unscaled = vec![f64::NAN; n_terms];
        coefficients[self.group_term] = d_mean;
        stdev_unscaled[self.group_term] = (2.0 / pairs as f64).sqrt();
        Some(FeatureFit {
            n,
            df_residual,
            coefficients,
            stdev_unscaled,
            sigma: (rss / df_residual as f64).sqrt(),
            mean,
            // Only the group term is reported; the patient terms are nuisance parameters.
            dropped_terms: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ModerationOptions, lm_fit_layer, moderate_last_term, moderated_paired};
    use crate::groups::{GroupLabels, TwoGroups};
    use crate::outcome::NotTestable;
    use crate::regression::DesignBuilder;
    use datasets::{FeatureId, Matrix, SampleId};

    /// A deterministic stream in [0, 1) (no test may depend on an unseeded generator).
    fn uniform(state: &mut u64) -> f64 {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*state >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// 9 patients with tumour and normal, 2 with a tumour only, 1 with a normal only, one
    /// sample in neither group; features with scattered missing values, one with a single
    /// complete pair, one constant.
    fn study() -> (Matrix, TwoGroups, GroupLabels) {
        let mut samples = Vec::new();
        let (mut tissue, mut patient) = (Vec::new(), Vec::new());
        for p in 0..12 {
            for (side, present) in [("tumour", p != 11), ("normal", p < 9 || p == 11)] {
                if present {
                    samples.push(SampleId::from(format!("P{p}-{side}")));
                    tissue.push(Some(side.to_owned()));
                    patient.push(Some(format!("P{p}")));
                }
            }
        }
        samples.push(SampleId::from("P3-metastasis"));
        tissue.push(Some("metastasis".to_owned()));
        patient.push(Some("P3".to_owned()));
        let n = samples.len();
        let mut state = 7;
        let mut features: Vec<Vec<f64>> = (0..40)
            .map(|f| {
                (0..n)
                    .map(|i| {
                        let tumour = tissue[i].as_deref() == Some("tumour");
                        // Noise scales spread over features, so the prior has finite df.
                        let v = uniform(&mut state) * 1.6_f64.powi(f % 7)
                            + if tumour { 0.5 } else { 0.0 }
                            + (i / 2) as f64 * 0.3;
                        if uniform(&mut state) < 0.15 {
                            f64::NAN
                        } else {
                            v
                        }
                    })
                    .collect()
            })
            .collect();
        // One complete pair only, and a constant feature.
        features.push(
            (0..n)
                .map(|i| if i < 2 { i as f64 } else { f64::NAN })
                .collect(),
        );
        features.push(vec![3.0; n]);
        let ids = (0..features.len())
            .map(|f| FeatureId::from(format!("f{f}").as_str()))
            .collect();
        let matrix = Matrix::from_features(samples.clone(), ids, features).unwrap();
        let groups = TwoGroups::from_labels(samples.clone(), &tissue, "tumour", "normal").unwrap();
        let patients = GroupLabels::new(samples, &patient).unwrap();
        (matrix, groups, patients)
    }

    #[test]
    fn closed_form_matches_the_general_fit() {
        let (matrix, groups, patients) = study();
        let builder = DesignBuilder::new()
            .categorical("patient", &patients)
            .two_groups("group", &groups);
        let design = builder.build_for(matrix.samples());
        assert!(
            super::MatchedRows::of(&matrix, &design, &groups, &patients).is_some(),
            "the study is matched, so the closed form is taken"
        );
        for trend in [false, true] {
            let options = ModerationOptions { trend };
            let fast = moderated_paired(&matrix, &groups, &patients, options).unwrap();
            let general =
                moderate_last_term(&lm_fit_layer(&matrix, &design).unwrap(), options).unwrap();
            assert_eq!(fast.terms, general.terms);
            let close = |a: f64, b: f64, what: &str| {
                assert!(
                    a == b || (a - b).abs() <= 1e-10 * a.abs().max(b.abs()),
                    "{what}: {a} vs {b}"
                )
            };
            // Without a trend the spread of variances gives a finite prior (with one, the
            // abundance trend explains it).
            assert!(
                trend || fast.prior_df.is_finite(),
                "moderation is exercised"
            );
            close(fast.prior_df, general.prior_df, "prior df");
            for (f, (a, b)) in fast.features.iter().zip(&general.features).enumerate() {
                match (a, b) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!((a.n, a.df_residual), (b.n, b.df_residual), "f{f}");
                        close(a.sigma, b.sigma, "sigma");
                        close(a.mean, b.mean, "mean");
                        close(a.posterior_variance, b.posterior_variance, "s2 post");
                        let (ca, cb) = (a.coefficients[0], b.coefficients[0]);
                        close(ca.estimate, cb.estimate, "estimate");
                        close(ca.std_error, cb.std_error, "se");
                        close(ca.p_value, cb.p_value, "p");
                    }
                    (Err(a), Err(b)) => assert_eq!(a, b, "f{f}"),
                    _ => panic!("feature {f}: {a:?} vs {b:?}"),
                }
            }
            assert!(matches!(
                fast.features[41],
                Err(NotTestable::ConstantValues)
            ));
            assert!(fast.features[40].is_err(), "one pair leaves no residual df");
        }
    }

    #[test]
    fn replicates_on_one_side_take_the_general_fit() {
        let (matrix, groups, patients) = study();
        // Relabel patient 1's samples as patient 0's: two tumours for patient 0.
        let relabelled: Vec<Option<String>> = patients
            .samples()
            .iter()
            .zip(patients.labels())
            .map(|(_, l)| {
                l.map(|l| match patients.levels()[l].as_str() {
                    "P1" => "P0".to_owned(),
                    other => other.to_owned(),
                })
            })
            .collect();
        let patients = GroupLabels::new(patients.samples().to_vec(), &relabelled).unwrap();
        let design = DesignBuilder::new()
            .categorical("patient", &patients)
            .two_groups("group", &groups)
            .build_for(matrix.samples());
        assert!(super::MatchedRows::of(&matrix, &design, &groups, &patients).is_none());
        assert!(
            moderated_paired(&matrix, &groups, &patients, ModerationOptions::default()).is_ok()
        );
    }
}

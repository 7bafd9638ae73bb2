//! Moderated linear models vs inmoose 0.9.1 (limma's lmFit / contrasts.fit / eBayes), fixtures
//! from `analysis/reference/make_moderated_fixtures.py`. Tolerance: 1e-9 relative for every
//! estimate, standard error, variance, prior and statistic, and 1e-9 relative for p-values with no
//! absolute floor (the fixtures reach 1e-31).

use crate::common::*;
use analysis::moderated::{Contrast, ModerationOptions, lm_fit_layer};
use analysis::regression::Design;
use datasets::Matrix;
use serde_json::Value;

/// The fixture's features x samples values as a layer.
fn layer(case: &Value) -> Matrix {
    layer_from_rows(&case["samples"], &case["features"], &case["y"])
}

fn design(case: &Value, n: usize) -> Design {
    let terms = strings(&case["terms"]);
    let columns = terms[1..]
        .iter()
        .map(|t| (t.clone(), nums(&case["design"][t])))
        .collect();
    Design::from_columns(n, columns).unwrap()
}

fn contrasts(case: &Value) -> Vec<Contrast> {
    case["contrasts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Contrast {
            name: c["name"].as_str().unwrap().to_owned(),
            weights: nums(&c["weights"]),
        })
        .collect()
}

/// Checks one case end to end: the per-feature fit, the contrasts, both moderations.
pub fn check_case(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let m = layer(case);
    let design = design(case, m.n_samples());
    let fit = lm_fit_layer(&m, &design).unwrap();
    assert_eq!(fit.terms(), strings(&case["terms"]).as_slice());
    let base = &case["fit"];
    for (i, f) in fit.features().iter().enumerate() {
        let f = f
            .as_ref()
            .unwrap_or_else(|e| panic!("{name} feature {i}: {e}"));
        let what = |k: &str| format!("{name} f{i} {k}");
        assert_eq!(
            f.df_residual as f64,
            num(&base["df_residual"][i]),
            "{}",
            what("df")
        );
        close(f.sigma, num(&base["sigma"][i]), REL, &what("sigma"));
        close(f.mean, num(&base["amean"][i]), REL, &what("Amean"));
        for (j, (c, su)) in f.coefficients.iter().zip(&f.stdev_unscaled).enumerate() {
            close(*c, num(&base["coefficients"][i][j]), REL, &what("coef"));
            close(*su, num(&base["stdev_unscaled"][i][j]), REL, &what("su"));
        }
    }
    let cfit = fit.contrasts(&contrasts(case)).unwrap();
    for (key, trend) in [("plain", false), ("trend", true)] {
        let e = &case["moderated"][key];
        let got = cfit.moderate(ModerationOptions { trend }).unwrap();
        let what = |i: usize, k: &str| format!("{name} {key} f{i} {k}");
        close(
            got.prior_df,
            num(&e["df_prior"]),
            REL,
            &format!("{name} {key} d0"),
        );
        let s2_prior = nums(&e["s2_prior"]);
        for (i, f) in got.features.iter().enumerate() {
            let f = f.as_ref().unwrap();
            let prior = s2_prior[i.min(s2_prior.len() - 1)];
            close(f.prior_variance, prior, REL, &what(i, "s0^2"));
            close(
                f.posterior_variance,
                num(&e["s2_post"][i]),
                REL,
                &what(i, "s2 post"),
            );
            close(
                f.df_total,
                num(&e["df_total"][i]),
                REL,
                &what(i, "df total"),
            );
            for (j, c) in f.coefficients.iter().enumerate() {
                close(
                    c.estimate,
                    num(&e["coefficients"][i][j]),
                    REL,
                    &what(i, "estimate"),
                );
                close(c.t, num(&e["t"][i][j]), REL, &what(i, "t"));
                close_p(c.p_value, num(&e["p_value"][i][j]), REL_P, &what(i, "p"));
            }
            assert_eq!(f.f.df1 as f64, num(&e["f_df1"]));
            close(f.f.statistic, num(&e["f"][i]), REL, &what(i, "F"));
            close_p(f.f.p_value, num(&e["f_p_value"][i]), REL_P, &what(i, "F p"));
        }
    }
}

#[test]
fn moderated_fits_match_inmoose() {
    let fixture = load("moderated.json");
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for case in cases {
        check_case(case);
    }
}

#[test]
fn contrasts_refuse_wrong_lengths() {
    let fixture = load("moderated.json");
    let case = &fixture["cases"][0];
    let m = layer(case);
    let fit = lm_fit_layer(&m, &design(case, m.n_samples())).unwrap();
    let bad = Contrast {
        name: "three weights".into(),
        weights: vec![1.0, 0.0, 0.0],
    };
    let err = fit.contrasts(&[bad]).unwrap_err();
    assert!(err.to_string().contains("three weights"), "{err}");
    assert!(fit.contrasts(&[]).is_err());
}

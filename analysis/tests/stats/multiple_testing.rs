//! BH / BY / Bonferroni vs statsmodels multipletests (on the non-NaN p-values); Storey q-values
//! vs the fixed-lambda formula implemented in the fixture script.

use crate::common::*;
use analysis::multiple_testing::{
    Correction, STOREY_LAMBDA, adjust, benjamini_hochberg, benjamini_yekutieli, bonferroni, storey,
};

fn all_close(got: &[f64], expected: &[f64], what: &str) {
    assert_eq!(got.len(), expected.len(), "{what}");
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        close_p(*g, *e, REL_P, &format!("{what}[{i}]"));
    }
}

#[test]
fn corrections_match_statsmodels() {
    let fixture = load("multiple_testing.json");
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let p = nums(&case["p"]);
        all_close(
            &benjamini_hochberg(&p),
            &nums(&case["bh"]),
            &format!("{name} BH"),
        );
        all_close(
            &benjamini_yekutieli(&p),
            &nums(&case["by"]),
            &format!("{name} BY"),
        );
        all_close(
            &bonferroni(&p),
            &nums(&case["bonferroni"]),
            &format!("{name} Bonf"),
        );
        let s = storey(&p, STOREY_LAMBDA);
        close(s.pi0, num(&case["storey_pi0"]), REL, &format!("{name} pi0"));
        all_close(
            &s.q_values,
            &nums(&case["storey_q"]),
            &format!("{name} Storey"),
        );
        let via_enum = adjust(&p, Correction::Storey { lambda: 0.5 });
        assert_eq!(via_enum.len(), p.len());
    }
}

/// Storey with qvalue's smoother vs the scipy replication of `pi0est(..., "smoother")`
/// (`analysis/reference/make_storey_smoother_fixtures.py`): the smoothed pi0 curve and pi0 to
/// 1e-7 relative (both sides solve for the spline's smoothness numerically), q-values by the same.
#[test]
fn storey_smoother_matches_the_scipy_replication() {
    use analysis::multiple_testing::storey_smoother;
    use analysis::smoothing_spline::fit_with_df;
    let fx = load("storey_smoother.json");
    let lambdas: Vec<f64> = (1..=19).map(|i| i as f64 * 0.05).collect();
    for (name, case) in fx["cases"].as_object().unwrap() {
        let p = nums(&case["p"]);
        let raw = nums(&case["pi0_lambda"]);
        let fit = fit_with_df(&lambdas, &raw, 3.0).unwrap();
        for (i, (g, w)) in fit.iter().zip(nums(&case["pi0_smooth"])).enumerate() {
            close(*g, w, 1e-7, &format!("{name} smoothed pi0 at lambda {i}"));
        }
        let s = storey_smoother(&p);
        close(s.pi0, num(&case["pi0"]), 1e-7, &format!("{name} pi0"));
        for (i, (g, w)) in s.q_values.iter().zip(nums(&case["q"])).enumerate() {
            close_p(*g, w, 1e-7, &format!("{name} q {i}"));
        }
        let via_enum = adjust(&p, Correction::StoreySmoother);
        assert_eq!(via_enum.len(), p.len());
    }
}

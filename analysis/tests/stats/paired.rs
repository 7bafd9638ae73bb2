//! Paired designs (tumour vs matched normal) vs scipy's ttest_rel and wilcoxon, statsmodels OLS
//! with patient dummies, and inmoose's limma with design `~ patient + group`
//! (`analysis/reference/make_moderated_fixtures.py` -> paired.json). Tolerances: 1e-9 relative
//! for statistics and p-values (no absolute floor); exact signed-rank p-values are checked
//! against exact integer counts, which scipy's `1 - cdf` cannot match below ~1e-12.

use crate::common::*;
use crate::moderated::check_case;
use analysis::groups::{GroupLabels, TwoGroups};
use analysis::moderated::{ModerationOptions, moderated_paired};
use analysis::paired::{
    Pairs, SignedRankScratch, WilcoxonMethod, compare_paired_layer, signed_rank,
};
use analysis::regression::{DesignBuilder, regress_layer};
use datasets::{Matrix, SampleId};
use serde_json::Value;

fn method_name(m: WilcoxonMethod) -> &'static str {
    match m {
        WilcoxonMethod::Exact => "exact",
        WilcoxonMethod::Permutation => "permutation",
        WilcoxonMethod::Asymptotic => "asymptotic",
    }
}

struct Study {
    matrix: Matrix,
    groups: TwoGroups,
    patients: GroupLabels,
}

fn study(fx: &Value) -> Study {
    let samples: Vec<SampleId> = strings(&fx["samples"])
        .into_iter()
        .map(SampleId::from)
        .collect();
    // The matrix lists samples in reverse so pairing must go by ID, not position.
    let reversed: Vec<usize> = (0..samples.len()).rev().collect();
    let matrix =
        layer_from_rows(&fx["samples"], &fx["features"], &fx["y"]).select_samples(&reversed);
    let tissue: Vec<Option<String>> = strings(&fx["tissue"]).into_iter().map(Some).collect();
    let patient: Vec<Option<String>> = strings(&fx["patients"]).into_iter().map(Some).collect();
    Study {
        matrix,
        groups: TwoGroups::from_labels(samples.clone(), &tissue, "tumour", "normal").unwrap(),
        patients: GroupLabels::new(samples, &patient).unwrap(),
    }
}

#[test]
fn paired_t_and_signed_rank_match_scipy() {
    let fx = load("paired.json");
    let s = study(&fx);
    let pairs = Pairs::within(s.matrix.samples(), &s.groups, &s.patients);
    assert_eq!(pairs.len(), 10);
    let results = compare_paired_layer(&s.matrix, &pairs, 3);
    for (i, (got, e)) in results
        .iter()
        .zip(fx["paired"].as_array().unwrap())
        .enumerate()
    {
        let got = got.as_ref().unwrap_or_else(|e| panic!("feature {i}: {e}"));
        let what = |k: &str| format!("feature {i} {k}");
        assert_eq!(got.n_pairs as f64, num(&e["n_pairs"]), "{}", what("pairs"));
        close(
            got.mean_difference.value,
            num(&e["mean_difference"]),
            REL,
            &what("diff"),
        );
        close(got.t.statistic, num(&e["t"]), REL, &what("t"));
        close(got.t.df, num(&e["df"]), REL, &what("df"));
        close_p(got.t.p_value, num(&e["t_p_value"]), REL_P, &what("t p"));
        let w = &got.signed_rank;
        assert_eq!(
            method_name(w.method),
            e["w_method"].as_str().unwrap(),
            "{}",
            what("method")
        );
        close(w.statistic, num(&e["w"]), REL, &what("W"));
        close(w.r_plus, num(&e["w_r_plus"]), REL, &what("R+"));
        close_p(w.p_value, num(&e["w_p_value"]), REL_P, &what("W p"));
    }
}

#[test]
fn signed_rank_methods_match_scipy() {
    let fx = load("paired.json");
    let cases = fx["signed_rank"].as_array().unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut s = SignedRankScratch::default();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let got = signed_rank(&nums(&case["differences"]), &mut s).unwrap();
        assert_eq!(
            method_name(got.method),
            case["method"].as_str().unwrap(),
            "{name}"
        );
        seen.insert(got.method);
        close(got.statistic, num(&case["statistic"]), REL, name);
        close_p(got.p_value, num(&case["p_value"]), REL_P, name);
    }
    assert_eq!(seen.len(), 3, "every method is exercised");
}

#[test]
fn patient_blocked_ols_matches_statsmodels() {
    let fx = load("paired.json");
    let s = study(&fx);
    let builder = DesignBuilder::new()
        .categorical("patient", &s.patients)
        .two_groups("group", &s.groups);
    let (design, fits) = regress_layer(&s.matrix, &builder);
    let term = design.index_of("group[T.tumour]").unwrap();
    for (i, (fit, e)) in fits
        .iter()
        .zip(fx["blocked_ols"].as_array().unwrap())
        .enumerate()
    {
        let fit = fit.as_ref().unwrap();
        let c = fit.coefficients[term];
        let what = |k: &str| format!("feature {i} {k}");
        close(c.estimate, num(&e["estimate"]), REL, &what("estimate"));
        close(c.std_error, num(&e["std_error"]), REL, &what("se"));
        close(c.t, num(&e["t"]), REL, &what("t"));
        close_p(c.p_value, num(&e["p_value"]), REL_P, &what("p"));
        assert_eq!(fit.df_residual as f64, num(&e["df_residual"]));
    }
}

#[test]
fn patient_blocked_moderated_t_matches_inmoose() {
    let fx = load("paired.json");
    let case = &fx["limma"];
    // The general path: explicit design columns and a contrast.
    check_case(case);
    // The convenience entry point builds the same design from labels.
    let s = study(&fx);
    for (key, trend) in [("plain", false), ("trend", true)] {
        let got = moderated_paired(
            &s.matrix,
            &s.groups,
            &s.patients,
            ModerationOptions { trend },
        )
        .unwrap();
        let e = &case["moderated"][key];
        assert_eq!(got.terms, ["group[T.tumour]"]);
        close(got.prior_df, num(&e["df_prior"]), REL, key);
        for (i, f) in got.features.iter().enumerate() {
            let c = f.as_ref().unwrap().coefficients[0];
            close(c.t, num(&e["t"][i][0]), REL, &format!("{key} f{i} t"));
            close_p(
                c.p_value,
                num(&e["p_value"][i][0]),
                REL_P,
                &format!("{key} f{i} p"),
            );
        }
    }
}

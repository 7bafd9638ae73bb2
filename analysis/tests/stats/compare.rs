//! Two-group and k-group comparisons vs scipy.stats (ttest_ind, mannwhitneyu, f_oneway, kruskal).

use crate::common::*;
use analysis::compare::{
    CompareOptions, KGroupOptions, MwuMethod, compare_k_groups, compare_two_groups, kruskal_wallis,
    one_way_anova,
};

#[test]
fn two_groups_match_scipy() {
    let fixture = load("compare.json");
    let options = CompareOptions {
        min_per_group: 3,
        rank_test: true,
    };
    for case in fixture["two_groups"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (a, b) = (nums(&case["a"]), nums(&case["b"]));
        let e = &case["expected"];
        let r = compare_two_groups(&a, &b, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(r.n_a as f64, num(&e["n_a"]), "{name}");
        assert_eq!(r.n_b as f64, num(&e["n_b"]), "{name}");
        close_field(r.mean_a, e, "mean_a", REL, name);
        close_field(r.mean_b, e, "mean_b", REL, name);
        let w = &e["welch"];
        close_field(
            r.welch.statistic,
            w,
            "statistic",
            REL,
            &format!("{name} welch"),
        );
        close_field(r.welch.df, w, "df", REL, &format!("{name} welch"));
        close_p_field(
            r.welch.p_value,
            w,
            "p_value",
            REL_P,
            &format!("{name} welch"),
        );
        let md = &e["mean_difference"];
        close_field(
            r.mean_difference.value,
            md,
            "value",
            REL,
            &format!("{name} diff"),
        );
        close_field(
            r.mean_difference.ci_low,
            md,
            "ci_low",
            REL,
            &format!("{name} diff"),
        );
        close_field(
            r.mean_difference.ci_high,
            md,
            "ci_high",
            REL,
            &format!("{name} diff"),
        );
        let s = &e["student"];
        close_field(
            r.student.statistic,
            s,
            "statistic",
            REL,
            &format!("{name} student"),
        );
        close_field(r.student.df, s, "df", REL, &format!("{name} student"));
        close_p_field(
            r.student.p_value,
            s,
            "p_value",
            REL_P,
            &format!("{name} student"),
        );
        close_field(r.cohens_d, e, "cohens_d", REL, name);
        let g = &e["hedges_g"];
        close_field(r.hedges_g.value, g, "value", REL, &format!("{name} g"));
        close_field(r.hedges_g.ci_low, g, "ci_low", REL, &format!("{name} g"));
        close_field(r.hedges_g.ci_high, g, "ci_high", REL, &format!("{name} g"));
        let m = &e["mann_whitney"];
        let mw = r.mann_whitney.unwrap();
        close_field(mw.u, m, "u", REL, &format!("{name} U"));
        close_p_field(mw.p_value, m, "p_value", REL_P, &format!("{name} U"));
        let method = match mw.method {
            MwuMethod::Exact => "exact",
            MwuMethod::Asymptotic => "asymptotic",
        };
        assert_eq!(method, m["method"].as_str().unwrap(), "{name}");
        let rb = &m["rank_biserial"];
        close_field(
            mw.rank_biserial.value,
            rb,
            "value",
            REL,
            &format!("{name} rb"),
        );
        close_field(
            mw.rank_biserial.ci_low,
            rb,
            "ci_low",
            REL,
            &format!("{name} rb"),
        );
        close_field(
            mw.rank_biserial.ci_high,
            rb,
            "ci_high",
            REL,
            &format!("{name} rb"),
        );
    }
}

#[test]
fn deep_tail_p_values_are_not_zero() {
    let fixture = load("compare.json");
    let case = fixture["two_groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "very_deep_tail")
        .unwrap();
    let r = compare_two_groups(
        &nums(&case["a"]),
        &nums(&case["b"]),
        &CompareOptions::default(),
    )
    .unwrap();
    assert!(r.welch.p_value > 0.0 && r.welch.p_value < 1e-300);
}

#[test]
fn k_groups_match_scipy() {
    let fixture = load("compare.json");
    for case in fixture["k_groups"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let groups: Vec<Vec<f64>> = case["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(nums)
            .collect();
        let slices: Vec<&[f64]> = groups.iter().map(Vec::as_slice).collect();
        let e = &case["expected"];
        let anova = one_way_anova(&slices).unwrap();
        close_field(
            anova.statistic,
            &e["anova"],
            "statistic",
            REL,
            &format!("{name} F"),
        );
        close_p_field(
            anova.p_value,
            &e["anova"],
            "p_value",
            REL_P,
            &format!("{name} F"),
        );
        let kw = kruskal_wallis(&slices).unwrap();
        close_field(
            kw.statistic,
            &e["kruskal"],
            "statistic",
            REL,
            &format!("{name} H"),
        );
        close_p_field(
            kw.p_value,
            &e["kruskal"],
            "p_value",
            REL_P,
            &format!("{name} H"),
        );
        let options = KGroupOptions {
            min_per_group: 1,
            rank_test: true,
        };
        let all = compare_k_groups(&slices, &options).unwrap();
        assert_eq!(all.anova, anova);
        assert_eq!(all.kruskal_wallis, Some(kw));
        for (m, expected) in all.means.iter().zip(nums(&e["means"])) {
            close(*m, expected, REL, &format!("{name} mean"));
        }
    }
}

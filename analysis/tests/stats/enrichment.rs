//! GMT parsing, over-representation vs scipy.stats.hypergeom.sf and the rank-sum set test vs
//! scipy.stats.mannwhitneyu, with BH q-values vs statsmodels.

use crate::common::*;
use analysis::compare::MwuMethod;
use analysis::enrichment::{OraOptions, RankSumOptions, over_representation, rank_sum_enrichment};
use analysis::gmt::parse_gmt;

#[test]
fn over_representation_matches_scipy() {
    let fixture = load("enrichment.json");
    let sets = parse_gmt(fixture["gmt"].as_str().unwrap()).unwrap();
    let universe = strings(&fixture["universe"]);
    let hits = strings(&fixture["hits"]);
    let options = OraOptions {
        min_set_size: fixture["min_set_size"].as_u64().unwrap() as usize,
        max_set_size: fixture["max_set_size"].as_u64().unwrap() as usize,
    };
    let results = over_representation(&sets, &hits, &universe, &options);
    let expected = fixture["ora"].as_array().unwrap();
    assert_eq!(results.len(), expected.len());
    for (r, e) in results.iter().zip(expected) {
        assert_eq!(r.set, e["set"].as_str().unwrap());
        if !e["testable"].as_bool().unwrap() {
            assert!(r.outcome.is_err(), "{}", r.set);
            continue;
        }
        let o = r.outcome.as_ref().unwrap();
        assert_eq!(
            o.set_size as u64,
            e["set_size"].as_u64().unwrap(),
            "{}",
            r.set
        );
        assert_eq!(
            o.overlap as u64,
            e["overlap"].as_u64().unwrap(),
            "{}",
            r.set
        );
        assert_eq!(o.overlap_genes.len(), o.overlap);
        close_p_field(o.p_value, e, "p_value", REL_P, &r.set);
        close_p_field(o.q_value, e, "q_value", REL_P, &r.set);
    }
}

#[test]
fn rank_sum_matches_scipy() {
    let fixture = load("enrichment.json");
    let sets = parse_gmt(fixture["gmt"].as_str().unwrap()).unwrap();
    let universe = strings(&fixture["universe"]);
    let options = RankSumOptions {
        min_set_size: fixture["min_set_size"].as_u64().unwrap() as usize,
        max_set_size: fixture["max_set_size"].as_u64().unwrap() as usize,
    };
    for case in fixture["rank_sum"].as_array().unwrap() {
        let label = case["name"].as_str().unwrap();
        let scores = nums(&case["scores"]);
        let results = rank_sum_enrichment(&sets, &universe, &scores, &options).unwrap();
        for (r, e) in results.iter().zip(case["results"].as_array().unwrap()) {
            let what = format!("{label} {}", r.set);
            assert_eq!(r.set, e["set"].as_str().unwrap());
            if !e["testable"].as_bool().unwrap() {
                assert!(r.outcome.is_err(), "{what}");
                continue;
            }
            let o = r.outcome.as_ref().unwrap();
            assert_eq!(o.set_size as u64, e["set_size"].as_u64().unwrap(), "{what}");
            close_field(o.u, e, "u", REL, &what);
            close_p_field(o.p_value, e, "p_value", REL_P, &what);
            close_p_field(o.q_value, e, "q_value", REL_P, &what);
            close_field(o.mean_difference, e, "mean_difference", REL, &what);
            let method = match o.method {
                MwuMethod::Exact => "exact",
                MwuMethod::Asymptotic => "asymptotic",
            };
            assert_eq!(method, e["method"].as_str().unwrap(), "{what}");
        }
    }
}

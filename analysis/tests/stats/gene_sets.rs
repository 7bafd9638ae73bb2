//! Preranked GSEA vs gseapy.prerank, ssGSEA vs gseapy.ssgsea and CAMERA vs Wu & Smyth's formulas
//! in numpy/scipy (`analysis/reference/make_gene_set_fixtures.py`).
//!
//! Tolerances: enrichment scores, ssGSEA scores, CAMERA t and correlation 1e-10 relative; CAMERA
//! p-values `REL_P` relative. GSEA's NES and p are Monte Carlo estimates from different random
//! sets (10000 each side, about half of them of the observed sign): NES within 3% relative
//! (about four standard errors of the difference of two null means), p within
//! `4 sqrt(2 p (1 - p) / m) + 2 / m` with m = 4000 same-sign draws (gseapy's b/m vs hypomics'
//! (b+1)/(m+1) differ by at most 1/m).

use crate::common::*;
use analysis::NotTestable;
use analysis::enrichment::{
    Direction, GseaOptions, InterGeneCorrelation, Residuals, SsgseaOptions, camera, preranked_gsea,
    scores_matrix, ssgsea_sample_scores,
};
use analysis::gmt::GeneSet;
use serde_json::Value;

fn sets(v: &Value) -> Vec<GeneSet> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(name, genes)| GeneSet {
            name: name.clone(),
            description: String::new(),
            genes: strings(genes),
        })
        .collect()
}

#[test]
fn preranked_gsea_matches_gseapy() {
    let fx = load("gene_sets.json");
    let fx = &fx["gsea"];
    let genes = strings(&fx["genes"]);
    let scores = nums(&fx["scores"]);
    let gene_sets = sets(&fx["sets"]);
    let options = GseaOptions {
        min_set_size: num(&fx["min_size"]) as usize,
        max_set_size: num(&fx["max_size"]) as usize,
        permutations: num(&fx["permutations"]) as usize,
        seed: 2026,
        ..GseaOptions::default()
    };
    let results = preranked_gsea(&gene_sets, &genes, &scores, &options).unwrap();
    assert_eq!(results.len(), gene_sets.len());
    let m = 4000.0;
    for r in &results {
        let e = &fx["expected"][r.set.as_str()];
        if e.is_null() {
            assert!(
                matches!(r.outcome, Err(NotTestable::TooFewObservations { .. })),
                "{}",
                r.set
            );
            continue;
        }
        let got = r.outcome.as_ref().unwrap();
        assert_eq!(got.set_size as f64, num(&e["set_size"]), "{}", r.set);
        close(got.enrichment_score, num(&e["es"]), 1e-10, &r.set);
        let nes = num(&e["nes"]);
        assert!(
            (got.normalized_es - nes).abs() <= 0.03 * nes.abs(),
            "{}: NES {} vs gseapy {nes}",
            r.set,
            got.normalized_es
        );
        let p = num(&e["p_gseapy"]);
        let tol = 4.0 * (2.0 * p * (1.0 - p) / m).sqrt() + 2.0 / m;
        assert!(
            (got.p_value - p).abs() <= tol,
            "{}: p {} vs gseapy {p} (tolerance {tol})",
            r.set,
            got.p_value
        );
        assert!(got.p_value > 0.0 && got.q_value >= got.p_value);
        assert!(got.leading_edge_size >= 1 && got.leading_edge_size <= got.set_size);
    }
    // Same seed, same numbers, whatever the thread schedule.
    let again = preranked_gsea(&gene_sets, &genes, &scores, &options).unwrap();
    assert_eq!(results, again);
}

#[test]
fn gsea_rejects_duplicates_and_mismatched_lengths() {
    let sets = vec![GeneSet {
        name: "s".into(),
        description: String::new(),
        genes: vec!["A".into()],
    }];
    assert!(preranked_gsea(&sets, &["A", "A"], &[1.0, 2.0], &GseaOptions::default()).is_err());
    assert!(preranked_gsea(&sets, &["A"], &[1.0, 2.0], &GseaOptions::default()).is_err());
}

#[test]
fn ssgsea_matches_gseapy() {
    let fx = load("gene_sets.json");
    let fx = &fx["ssgsea"];
    let m = layer_from_rows(&fx["samples"], &fx["genes"], &fx["values"]);
    let gene_sets = sets(&fx["sets"]);
    let min_size = num(&fx["min_size"]) as usize;
    for normalize in [false, true] {
        let options = SsgseaOptions {
            weight: 0.25,
            min_size,
            normalize,
        };
        let results = ssgsea_sample_scores(&m, &gene_sets, &options);
        for r in &results {
            let e = &fx["expected"][r.set.as_str()];
            let got = r.outcome.as_ref().unwrap();
            assert_eq!(got.n_genes as f64, num(&e["n_genes"]), "{}", r.set);
            let want = nums(&e[if normalize { "nes" } else { "es" }]);
            for (i, (g, w)) in got.scores.iter().zip(want).enumerate() {
                close(*g, w, 1e-10, &format!("{} sample {i}", r.set));
            }
        }
        let layer = scores_matrix(&m, &results).unwrap();
        assert_eq!(layer.n_features(), gene_sets.len());
    }
    // Missing values: left out of that sample's ranking.
    let y = layer_from_rows(&fx["samples"], &fx["genes"], &fx["values_missing"]);
    let results = ssgsea_sample_scores(
        &y,
        &gene_sets,
        &SsgseaOptions {
            weight: 0.25,
            min_size,
            normalize: false,
        },
    );
    for r in &results {
        let want = nums(&fx["expected_missing"][r.set.as_str()]);
        let got = r.outcome.as_ref().unwrap();
        for (i, (g, w)) in got.scores.iter().zip(want).enumerate() {
            close(*g, w, 1e-10, &format!("{} (missing) sample {i}", r.set));
        }
    }
}

fn check_camera(got: &analysis::enrichment::CameraResult, e: &Value, what: &str) {
    close(got.t, num(&e["t"]), 1e-10, what);
    close(got.df, num(&e["df"]), 1e-12, what);
    close(got.correlation, num(&e["correlation"]), 1e-10, what);
    close_p(got.p_value, num(&e["p"]), REL_P, what);
    let dir = match got.direction {
        Direction::Up => "up",
        Direction::Down => "down",
    };
    assert_eq!(dir, e["direction"].as_str().unwrap(), "{what}");
}

#[test]
fn camera_matches_the_formulas() {
    let fx = load("gene_sets.json");
    let fx = &fx["camera"];
    let genes = strings(&fx["genes"]);
    let t = nums(&fx["statistic"]);
    let gene_sets = sets(&fx["sets"]);
    let fixed = camera(&gene_sets, &genes, &t, InterGeneCorrelation::Fixed(0.01), 2).unwrap();
    for r in &fixed {
        check_camera(
            r.outcome.as_ref().unwrap(),
            &fx["expected_fixed"][r.set.as_str()],
            &format!("{} fixed", r.set),
        );
    }
    let residuals = Residuals {
        by_gene: genes
            .iter()
            .cloned()
            .zip(fx["residuals"].as_array().unwrap().iter().map(nums))
            .collect(),
        df_residual: num(&fx["df_residual"]),
    };
    let estimated = camera(
        &gene_sets,
        &genes,
        &t,
        InterGeneCorrelation::Estimated(&residuals),
        2,
    )
    .unwrap();
    for r in &estimated {
        check_camera(
            r.outcome.as_ref().unwrap(),
            &fx["expected_estimated"][r.set.as_str()],
            &format!("{} estimated", r.set),
        );
    }
    // The correlated null set is what CAMERA is for: its estimated correlation is large and
    // its variance inflation keeps it far from significance.
    let null = estimated
        .iter()
        .find(|r| r.set == "correlated_null")
        .unwrap()
        .outcome
        .as_ref()
        .unwrap();
    assert!(null.correlation > 0.1 && null.p_value > 0.05);
}

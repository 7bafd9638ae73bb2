//! Per-sample combined z-score set scores vs the formula in numpy
//! (`analysis/reference/make_sample_score_fixtures.py`), 1e-12 relative.

use crate::common::*;
use analysis::NotTestable;
use analysis::enrichment::{scores_matrix, zscore_sample_scores};
use analysis::gmt::GeneSet;

#[test]
fn zscore_scores_match_the_formula() {
    let fx = load("sample_scores.json");
    let m = layer_from_rows(&fx["samples"], &fx["genes"], &fx["values"]);
    let sets: Vec<GeneSet> = fx["sets"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, genes)| GeneSet {
            name: name.clone(),
            description: String::new(),
            genes: strings(genes),
        })
        .collect();
    let min_size = fx["min_size"].as_u64().unwrap() as usize;
    let results = zscore_sample_scores(&m, &sets, min_size);
    assert_eq!(results.len(), sets.len());
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
        assert_eq!(got.n_genes as f64, num(&e["n_genes"]), "{}", r.set);
        for (i, (g, want)) in got.scores.iter().zip(nums(&e["scores"])).enumerate() {
            close(*g, want, 1e-12, &format!("{} sample {i}", r.set));
        }
    }
    // As a layer: one feature per scored set, over the same samples.
    let layer = scores_matrix(&m, &results).unwrap();
    assert_eq!(layer.n_features(), 3);
    assert_eq!(layer.samples(), m.samples());
    let module = layer.feature_index("module").unwrap();
    let e = nums(&fx["expected"]["module"]["scores"]);
    close(layer.feature(module)[0], e[0], 1e-12, "module in the layer");
}

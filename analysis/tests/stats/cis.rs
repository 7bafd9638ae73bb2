//! Cis correlations (CNA -> RNA) vs scipy pearsonr / spearmanr on the shared samples of each gene.

use crate::common::*;
use analysis::cis::cis_correlations;
use analysis::correlation::CorrelationMethod;

#[test]
fn cis_pairs_match_scipy() {
    let fixture = load("cis.json");
    let cna = matrix(&fixture["cna_samples"], &fixture["cna"]);
    let rna = matrix(&fixture["rna_samples"], &fixture["rna"]);
    let expected = fixture["pairs"].as_array().unwrap();
    for (method, key) in [
        (CorrelationMethod::Pearson, "pearson"),
        (CorrelationMethod::Spearman, "spearman"),
    ] {
        let pairs = cis_correlations(&cna, &rna, method, 3);
        assert_eq!(pairs.len(), expected.len());
        for e in expected {
            let gene = e["gene"].as_str().unwrap();
            let pair = pairs.iter().find(|p| p.gene == gene).unwrap();
            assert_eq!(pair.source.as_str(), gene);
            let c = pair.correlation.as_ref().unwrap();
            assert_eq!(c.n as f64, num(&e["n"]), "{gene}");
            close_field(c.coefficient.value, &e[key], "value", REL, gene);
            close_p_field(c.p_value, &e[key], "p_value", REL_P, gene);
        }
    }
}

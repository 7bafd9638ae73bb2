//! Cis effects across layers: for each gene, how well an upstream layer tracks a downstream one
//! in the same samples — copy number -> RNA (dosage), RNA -> protein (translation/buffering),
//! copy number -> protein, and protein -> phosphosite (site changes explained by abundance).
//!
//! Features are matched by gene symbol ([`FeatureId::gene_symbol`]), so a phosphosite
//! `PTEN-S380` pairs with the protein `PTEN`; every target feature is paired with every source
//! feature of its gene. Samples are matched by ID and each pair uses its complete observations.

use crate::align::shared_rows;
use crate::correlation::{Correlation, CorrelationMethod, CorrelationScratch, correlate_with};
use crate::outcome::Outcome;
use datasets::{FeatureId, Matrix};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// The correlation of one source feature with one target feature of the same gene.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CisPair {
    pub gene: String,
    pub source: FeatureId,
    pub target: FeatureId,
    pub correlation: Outcome<Correlation>,
}

/// Correlates every target feature with the source feature(s) of the same gene, in target
/// feature order. Target features whose gene is absent from the source are skipped.
pub fn cis_correlations(
    source: &Matrix,
    target: &Matrix,
    method: CorrelationMethod,
    min_pairs: usize,
) -> Vec<CisPair> {
    let rows = shared_rows(source.samples(), target.samples());
    let mut by_gene: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, f) in source.features().iter().enumerate() {
        by_gene.entry(f.gene_symbol()).or_default().push(i);
    }
    let pairs: Vec<(usize, usize)> = target
        .features()
        .iter()
        .enumerate()
        .flat_map(|(t, f)| {
            by_gene
                .get(f.gene_symbol())
                .into_iter()
                .flatten()
                .map(move |&s| (s, t))
        })
        .collect();
    pairs
        .par_iter()
        .map_init(
            || (Vec::new(), Vec::new(), CorrelationScratch::new()),
            |(x, y, scratch), &(s, t)| {
                let (sc, tc) = (source.feature(s), target.feature(t));
                x.clear();
                y.clear();
                x.extend(rows.left.iter().map(|&r| sc[r]));
                y.extend(rows.right.iter().map(|&r| tc[r]));
                let target_id = &target.features()[t];
                CisPair {
                    gene: target_id.gene_symbol().to_owned(),
                    source: source.features()[s].clone(),
                    target: target_id.clone(),
                    correlation: correlate_with(x, y, method, min_pairs, scratch),
                }
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::correlation::pearson;
    use datasets::SampleId;

    #[test]
    fn pairs_by_symbol_and_sample() {
        let ids = |v: &[&str]| v.iter().map(|&s| SampleId::from(s)).collect::<Vec<_>>();
        let protein = Matrix::from_features(
            ids(&["a", "b", "c", "d", "e"]),
            vec![FeatureId::from("PTEN"), FeatureId::from("TP53")],
            vec![vec![1.0, 2.0, 3.0, 4.0, 5.0], vec![5.0, 1.0, 2.0, 2.5, 0.0]],
        )
        .unwrap();
        // Phospho has samples in another order plus one the protein lacks.
        let phospho = Matrix::from_features(
            ids(&["e", "x", "d", "c", "b", "a"]),
            vec![
                FeatureId::from("PTEN-S380"),
                FeatureId::from("PTEN-T382"),
                FeatureId::from("EGFR-Y1068"),
            ],
            vec![
                vec![5.5, 0.0, 3.9, 3.2, 1.8, 1.1],
                vec![1.0, 9.0, f64::NAN, 3.0, 4.0, 6.0],
                vec![1.0; 6],
            ],
        )
        .unwrap();
        let out = cis_correlations(&protein, &phospho, CorrelationMethod::Pearson, 3);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].gene, "PTEN");
        assert_eq!(out[1].target.as_str(), "PTEN-T382");
        // Expected: protein a..e vs site values at a..e.
        let expect = pearson(&[1.0, 2.0, 3.0, 4.0, 5.0], &[1.1, 1.8, 3.2, 3.9, 5.5]).unwrap();
        assert_eq!(out[0].correlation.as_ref().unwrap(), &expect);
        let expect = pearson(&[1.0, 2.0, 3.0, 4.0, 5.0], &[6.0, 4.0, 3.0, f64::NAN, 1.0]).unwrap();
        assert_eq!(out[1].correlation.as_ref().unwrap(), &expect);
        assert_eq!(out[1].correlation.as_ref().unwrap().n, 4);
    }
}

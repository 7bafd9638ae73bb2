//! Gene-set enrichment: over-representation of a hit list (hypergeometric upper tail against a
//! universe) and a rank-based test of set members' scores against all other scored genes
//! (Mann-Whitney). Every set is tested in one call and the p-values are Benjamini-Hochberg
//! adjusted across the sets that could be tested. Preranked GSEA with gene-set permutations
//! (`gsea`) and CAMERA's correlation-corrected competitive test (`camera`) rank sets by a
//! screen's statistic. Per-sample set scores (combined z-scores, or ssGSEA) turn sets into a
//! layer of module activities.

mod camera;
mod gsea;
mod ora;
mod rank_sum;
mod sample_scores;
mod ssgsea;

pub use camera::{
    CameraResult, DEFAULT_INTER_GENE_CORRELATION, Direction, InterGeneCorrelation, Residuals,
    camera, inter_gene_correlation,
};
pub use gsea::{GseaOptions, GseaResult, RankedList, preranked_gsea};
pub use ora::{OraOptions, OraResult, over_representation};
pub use rank_sum::{RankSumOptions, RankSumResult, rank_sum_enrichment};
pub use sample_scores::{SampleScores, scores_matrix, zscore_sample_scores};
pub use ssgsea::{SsgseaOptions, ssgsea_sample_scores};

use crate::outcome::Outcome;
use serde::Serialize;

/// The outcome for one gene set, tagged with the set's name.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SetResult<T> {
    pub set: String,
    pub outcome: Outcome<T>,
}

/// Why a set-level analysis could not start.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnrichmentError {
    #[error("{genes} genes but {scores} scores")]
    LengthMismatch { genes: usize, scores: usize },
    #[error("gene {0} is scored twice")]
    DuplicateGene(String),
}

/// Fills `q_value` of each tested set with Benjamini-Hochberg over the tested sets.
fn attach_q_values<T>(
    results: &mut [SetResult<T>],
    p_of: impl Fn(&T) -> f64,
    set_q: impl Fn(&mut T, f64),
) {
    let p: Vec<f64> = results
        .iter()
        .map(|r| r.outcome.as_ref().map_or(f64::NAN, &p_of))
        .collect();
    let q = crate::multiple_testing::benjamini_hochberg(&p);
    for (r, q) in results.iter_mut().zip(q) {
        if let Ok(t) = r.outcome.as_mut() {
            set_q(t, q);
        }
    }
}

//! Gene-set tests of a screen's whole ranked statistic (the enrichment follow-up): preranked GSEA
//! with gene-set permutations and CAMERA's competitive test corrected for inter-gene correlation.
//!
//! Both rank every gene the screen tested, so no cut-off decides which genes count. Their rows
//! read like the over-representation rows they replace: `feature` is the set, `contrast` the
//! direction (`up`/`down`), `gene` the members that carry the signal (GSEA's leading edge;
//! CAMERA's members moving in the set's direction), and every p-value enters the run's error
//! control like any other row.
//!
//! Run time is bounded: [`PERMUTATIONS`] random sets per gene set, drawn in parallel (rayon) in
//! O(set size) each (`analysis::enrichment::preranked_gsea`).

use super::groups::contrast_groups;
use super::{Context, ExecError, Produced};
use crate::kinds::enrichment::Ranking;
use crate::ledger::TestRow;
use analysis::enrichment::{
    DEFAULT_INTER_GENE_CORRELATION, Direction, GseaOptions, InterGeneCorrelation, Residuals,
    camera, preranked_gsea,
};
use analysis::groups::Membership;
use datasets::FeatureId;
use serde_json::json;
use std::collections::HashMap;

/// Random gene sets per set for GSEA's null: p-values down to 1/1001, enough for the run's
/// error control to claim the strongest sets, and a bounded cost (a few hundred sets x 1000
/// draws of a set's size).
pub const PERMUTATIONS: usize = 1000;
/// Set sizes (members among the ranked genes) GSEA and CAMERA test.
pub const MIN_SET_SIZE: usize = 15;
pub const MAX_SET_SIZE: usize = 500;
/// A gene's residuals enter CAMERA's correlation estimate when it is observed in this share of
/// the compared samples (the missing rest are set to their group mean, a residual of 0).
const MIN_OBSERVED_SHARE: f64 = 0.7;

/// GSEA and CAMERA of every gene set over `ranking`.
pub fn ranked_set_tests(
    ctx: &Context<'_>,
    label: &str,
    ranking: &Ranking,
) -> Result<Produced, ExecError> {
    if ctx.gene_sets.is_empty() {
        return Err(ExecError::NothingToTest("no gene sets loaded".into()));
    }
    let genes: Vec<String> = ranking
        .features
        .iter()
        .map(|f| FeatureId::from(f.as_str()).gene_symbol().to_owned())
        .collect();
    let scores = &ranking.scores.0;
    let sets: Vec<analysis::gmt::GeneSet> = ctx
        .gene_sets
        .iter()
        .filter(|s| s.genes.len() >= MIN_SET_SIZE)
        .cloned()
        .collect();
    let gsea_options = GseaOptions {
        min_set_size: MIN_SET_SIZE,
        max_set_size: MAX_SET_SIZE,
        weight: 1.0,
        permutations: PERMUTATIONS,
        seed: ctx.seed,
    };
    let gsea = preranked_gsea(&sets, &genes, scores, &gsea_options)
        .map_err(|e| ExecError::NothingToTest(e.to_string()))?;
    let residuals = ranking
        .groups
        .as_ref()
        .and_then(|g| group_residuals(ctx, &g.layer, &g.variable, &ranking.contrast, ranking));
    let correlation = match &residuals {
        Some(r) => InterGeneCorrelation::Estimated(r),
        None => InterGeneCorrelation::Fixed(DEFAULT_INTER_GENE_CORRELATION),
    };
    let cameras = camera(&sets, &genes, scores, correlation, MIN_SET_SIZE)
        .map_err(|e| ExecError::NothingToTest(e.to_string()))?;

    // Rank positions (highest score first, ties by input order, as GSEA orders them) and each
    // gene's score, for leading edges and CAMERA's mean shift.
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let position: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(pos, &i)| (genes[i].as_str(), pos))
        .collect();
    let score_of: HashMap<&str, f64> = genes
        .iter()
        .map(String::as_str)
        .zip(scores.iter().copied())
        .collect();
    let total: f64 = scores.iter().sum();
    let mut rows = Vec::new();
    let mut untestable = 0usize;
    for (set, result) in sets.iter().zip(&gsea) {
        let Ok(r) = &result.outcome else {
            untestable += 1;
            continue;
        };
        if !r.normalized_es.is_finite() {
            untestable += 1;
            continue;
        }
        let members = members_in_rank_order(set, &position);
        let edge: Vec<&str> = if r.enrichment_score >= 0.0 {
            members.iter().take(r.leading_edge_size).copied().collect()
        } else {
            members
                .iter()
                .rev()
                .take(r.leading_edge_size)
                .copied()
                .collect()
        };
        rows.push(TestRow {
            layer: "gene_sets".into(),
            feature: result.set.clone(),
            gene: edge.join(","),
            variable: label.to_owned(),
            contrast: (if r.enrichment_score >= 0.0 {
                "up"
            } else {
                "down"
            })
            .to_owned(),
            test: graph::TestKind::Gsea,
            effect: r.normalized_es,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
            std_effect: r.normalized_es,
            statistic: r.enrichment_score,
            p: r.p_value,
            n: r.set_size,
            warning: None,
        });
    }
    for (set, result) in sets.iter().zip(&cameras) {
        let Ok(r) = &result.outcome else {
            untestable += 1;
            continue;
        };
        let members = members_in_rank_order(set, &position);
        let m = members.len() as f64;
        let inside: f64 = members.iter().map(|g| score_of[g]).sum();
        let others = scores.len() as f64 - m;
        let shift = inside / m - (total - inside) / others;
        let up = r.direction == Direction::Up;
        let moving: Vec<&str> = members
            .iter()
            .copied()
            .filter(|g| (score_of[g] > 0.0) == up && score_of[g] != 0.0)
            .collect();
        rows.push(TestRow {
            layer: "gene_sets".into(),
            feature: result.set.clone(),
            gene: moving.join(","),
            variable: label.to_owned(),
            contrast: (if up { "up" } else { "down" }).to_owned(),
            test: graph::TestKind::Camera,
            effect: shift,
            ci_low: f64::NAN,
            ci_high: f64::NAN,
            std_effect: shift,
            statistic: r.t,
            p: r.p_value,
            n: r.set_size,
            warning: None,
        });
    }
    if rows.is_empty() {
        return Err(ExecError::NothingToTest(format!(
            "no gene set with {MIN_SET_SIZE} to {MAX_SET_SIZE} members among {} ranked genes",
            genes.len()
        )));
    }
    let camera_correlation = match &residuals {
        Some(r) => format!(
            "estimated per set from within-group residuals of {} genes ({} residual df)",
            r.by_gene.len(),
            r.df_residual
        ),
        None => format!("fixed at {DEFAULT_INTER_GENE_CORRELATION} (limma's default)"),
    };
    Ok(Produced {
        module: "gene_set_tests",
        params: json!({"label": label, "contrast": ranking.contrast, "ranked_by": format!("signed z of {} p", ranking.test),
            "ranked_genes": genes.len(), "gsea": {"permutations": PERMUTATIONS, "weight": 1.0, "seed": ctx.seed,
            "p": "(b + 1) / (m + 1)"}, "camera": {"inter_gene_correlation": camera_correlation},
            "min_set_size": MIN_SET_SIZE, "max_set_size": MAX_SET_SIZE}),
        layers: vec!["gene_sets".into()],
        samples: Vec::new(),
        rows,
        not_testable: untestable,
        notes: vec![
            format!(
                "{} genes ranked by the signed z of their {} p ({})",
                genes.len(),
                ranking.test,
                ranking.contrast
            ),
            format!("CAMERA inter-gene correlation {camera_correlation}"),
        ],
    })
}

/// Within-group residuals of the ranked features over the screen's two groups (value minus its
/// group's mean), for CAMERA's correlation estimate; `None` when the groups cannot be rebuilt.
fn group_residuals(
    ctx: &Context<'_>,
    layer: &str,
    variable: &str,
    contrast: &str,
    ranking: &Ranking,
) -> Option<Residuals> {
    let layer = ctx.layer(layer).ok()?;
    let matrix = ctx.scoped(layer, false);
    let groups = contrast_groups(ctx, variable, contrast, matrix.samples()).ok()?;
    let membership = groups.aligned_to(matrix.samples());
    let rows: Vec<(usize, bool)> = membership
        .iter()
        .enumerate()
        .filter_map(|(i, m)| match m {
            Membership::A => Some((i, true)),
            Membership::B => Some((i, false)),
            Membership::Excluded => None,
        })
        .collect();
    if rows.len() < 4 {
        return None;
    }
    let index: HashMap<&str, usize> = matrix
        .features()
        .iter()
        .enumerate()
        .map(|(f, id)| (id.as_str(), f))
        .collect();
    let mut by_gene = HashMap::new();
    for feature in &ranking.features {
        let Some(&f) = index.get(feature.as_str()) else {
            continue;
        };
        let column = matrix.feature(f);
        let mut sums = [(0.0, 0usize); 2];
        for &(i, a) in &rows {
            let v = column[i];
            if v.is_finite() {
                let s = &mut sums[usize::from(a)];
                s.0 += v;
                s.1 += 1;
            }
        }
        let observed = sums[0].1 + sums[1].1;
        if sums[0].1 < 2
            || sums[1].1 < 2
            || (observed as f64) < MIN_OBSERVED_SHARE * rows.len() as f64
        {
            continue;
        }
        let means = [sums[0].0 / sums[0].1 as f64, sums[1].0 / sums[1].1 as f64];
        let residual: Vec<f64> = rows
            .iter()
            .map(|&(i, a)| {
                let v = column[i];
                if v.is_finite() {
                    v - means[usize::from(a)]
                } else {
                    0.0
                }
            })
            .collect();
        by_gene.insert(
            FeatureId::from(feature.as_str()).gene_symbol().to_owned(),
            residual,
        );
    }
    (by_gene.len() >= MIN_SET_SIZE).then_some(Residuals {
        by_gene,
        df_residual: rows.len() as f64 - 2.0,
    })
}

/// The set's members among the ranked genes, in rank order (highest score first).
fn members_in_rank_order<'a>(
    set: &'a analysis::gmt::GeneSet,
    position: &HashMap<&str, usize>,
) -> Vec<&'a str> {
    let mut m: Vec<&str> = set
        .genes
        .iter()
        .map(String::as_str)
        .filter(|g| position.contains_key(g))
        .collect();
    m.sort_by_key(|g| position[g]);
    m.dedup();
    m
}

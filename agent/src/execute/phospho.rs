//! Phosphosite effects with the site's protein held fixed (`analysis::phospho`): a group
//! difference (mutation, clinical contrast) or a cis source's effect on a site, beyond what the
//! protein's abundance explains. Rows are OLS terms (`ols_t`) whose contrast ends in
//! "beyond protein abundance".

use super::groups::contrast_groups;
use super::{Context, ExecError, Produced, Untestable, restrict_features};
use crate::kinds::phospho_adjusted::BEYOND_PROTEIN;
use crate::ledger::TestRow;
use analysis::groups::Membership;
use analysis::phospho::{AdjustedSiteEffect, SiteTerm, site_effects_adjusted_for_protein};
use datasets::{Layer, LayerKind, Study};
use serde_json::json;

/// The proteome to adjust a phosphosite layer's sites for, if `layer` is a phosphosite layer
/// and the study has one.
pub fn protein_layer_for<'a>(study: &'a Study, layer: &str) -> Option<&'a Layer> {
    let sites = study.layer_named(layer)?;
    if sites.kind != LayerKind::Phosphosite {
        return None;
    }
    study.layer(LayerKind::Proteome)
}

/// Re-fits the listed sites of `layer` as `site ~ group + protein` for each two-group
/// `contrasts` of `variable` (a clinical variable or `<GENE> mutation`).
pub fn beyond_protein(
    ctx: &Context<'_>,
    variable: &str,
    contrasts: &[String],
    layer_name: &str,
    features: &[String],
    protein_layer: &str,
) -> Result<Produced, ExecError> {
    let sites = restrict_features(&ctx.scoped(ctx.layer(layer_name)?, false), features, false);
    let protein = ctx.scoped(ctx.layer(protein_layer)?, false);
    let samples = sites.samples().to_vec();
    let mut untestable = Untestable::default();
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for contrast in contrasts {
        let groups = match contrast_groups(ctx, variable, contrast, &samples) {
            Ok(g) => g,
            Err(e) => {
                notes.push(format!("{contrast}: {e}"));
                continue;
            }
        };
        let membership = groups.aligned_to(&samples);
        let effects =
            site_effects_adjusted_for_protein(&sites, &protein, SiteTerm::Groups(&groups));
        for e in &effects {
            let Some(site) = sites.feature_index(e.site.as_str()) else {
                continue;
            };
            // Group sizes among the samples where the site is observed, for the standardised
            // difference.
            let column = sites.feature(site);
            let count = |g: Membership| {
                membership
                    .iter()
                    .zip(column)
                    .filter(|(m, v)| **m == g && v.is_finite())
                    .count() as f64
            };
            let (n_a, n_b) = (count(Membership::A), count(Membership::B));
            let scale = if n_a > 0.0 && n_b > 0.0 {
                (1.0 / n_a + 1.0 / n_b).sqrt()
            } else {
                f64::NAN
            };
            rows.extend(site_row(
                layer_name,
                variable,
                &format!("{contrast}, {BEYOND_PROTEIN}"),
                e,
                &mut untestable,
                // Cohen's d of the adjusted difference: t times sqrt(1/n_a + 1/n_b).
                |t, _| t * scale,
            ));
        }
    }
    if rows.is_empty() {
        return Err(ExecError::NothingToTest(format!(
            "no site of {layer_name} with its protein in {protein_layer} could be re-fitted"
        )));
    }
    notes.extend(untestable.notes());
    Ok(Produced {
        module: "phospho_beyond_protein",
        params: json!({"variable": variable, "contrasts": contrasts, "protein_layer": protein_layer,
            "model": "site ~ group + protein (OLS)", "features": features.len()}),
        layers: vec![layer_name.to_owned(), protein_layer.to_owned()],
        samples,
        rows,
        not_testable: untestable.total(),
        notes,
    })
}

/// Cis effects of `source` on the sites of `target` with each site's protein (from
/// `protein_layer`) held fixed: `site ~ source feature + protein`, the source's slope per unit.
pub fn cis_beyond_protein(
    ctx: &Context<'_>,
    source_name: &str,
    target_name: &str,
    protein_layer: &str,
) -> Result<Produced, ExecError> {
    let source = ctx.scoped(ctx.layer(source_name)?, false);
    let target = ctx.scoped(ctx.layer(target_name)?, false);
    let protein = ctx.scoped(ctx.layer(protein_layer)?, false);
    let effects = site_effects_adjusted_for_protein(&target, &protein, SiteTerm::Cis(&source));
    let mut untestable = Untestable::default();
    let mut rows = Vec::new();
    let contrast = format!("{source_name} -> {target_name} (same gene), {BEYOND_PROTEIN}");
    for e in &effects {
        let variable = match &e.source {
            Some(s) => format!("{source_name} {s}"),
            None => continue,
        };
        rows.extend(site_row(
            target_name,
            &variable,
            &contrast,
            e,
            &mut untestable,
            // The partial correlation of site and source given the protein.
            |t, df| t / (t * t + df).sqrt(),
        ));
    }
    if rows.is_empty() {
        return Err(ExecError::NothingToTest(format!(
            "no site of {target_name} with its gene in {source_name} and {protein_layer}"
        )));
    }
    let samples = target
        .samples()
        .iter()
        .filter(|s| source.sample_index(s.as_str()).is_some())
        .cloned()
        .collect();
    Ok(Produced {
        module: "cis_beyond_protein",
        params: json!({"source": source_name, "target": target_name, "protein_layer": protein_layer,
            "model": "site ~ source + protein (OLS)"}),
        layers: vec![
            source_name.to_owned(),
            target_name.to_owned(),
            protein_layer.to_owned(),
        ],
        samples,
        rows,
        not_testable: untestable.total(),
        notes: untestable.notes(),
    })
}

/// One site's adjusted term as a row; `standardise(t, df)` gives the row's standardised effect.
fn site_row(
    layer: &str,
    variable: &str,
    contrast: &str,
    e: &AdjustedSiteEffect,
    untestable: &mut Untestable,
    standardise: impl Fn(f64, f64) -> f64,
) -> Option<TestRow> {
    let fit = match &e.fit {
        Ok(fit) => fit,
        Err(reason) => {
            untestable.add(reason);
            return None;
        }
    };
    let c = &fit.effect;
    // Intercept, term and protein: n - 3 residual degrees of freedom.
    let df = fit.n as f64 - 3.0;
    let half = analysis::distributions::t_quantile(0.975, df) * c.std_error;
    Some(TestRow {
        layer: layer.to_owned(),
        feature: e.site.to_string(),
        gene: e.site.gene_symbol().to_owned(),
        variable: variable.to_owned(),
        contrast: contrast.to_owned(),
        test: graph::TestKind::OlsT,
        effect: c.estimate,
        ci_low: c.estimate - half,
        ci_high: c.estimate + half,
        std_effect: standardise(c.t, df),
        statistic: c.t,
        p: c.p_value,
        n: fit.n,
        warning: None,
    })
}

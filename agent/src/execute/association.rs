//! Associations with continuous outcomes: numeric clinical variables and the same gene in another
//! layer (cis). Survival is `survival.rs`.

use super::{Context, ExecError, Produced, Untestable, collect_rows};
use crate::ledger::TestRow;
use analysis::correlation::{CorrelationMethod, correlate_layer};
use analysis::groups::SampleValues;
use datasets::FeatureId;
use serde_json::json;

const MIN_PAIRS: usize = 10;

pub(super) fn correlation_row(
    layer: &str,
    f: &FeatureId,
    variable: &str,
    c: &analysis::correlation::Correlation,
) -> TestRow {
    TestRow {
        layer: layer.to_owned(),
        feature: f.to_string(),
        gene: f.gene_symbol().to_owned(),
        variable: variable.to_owned(),
        contrast: "rank correlation".into(),
        test: graph::TestKind::Spearman,
        effect: c.coefficient.value,
        ci_low: c.coefficient.ci_low,
        ci_high: c.coefficient.ci_high,
        std_effect: c.coefficient.value,
        statistic: c.coefficient.value,
        p: c.p_value,
        n: c.n,
        warning: None,
    }
}

pub fn clinical_numeric(
    ctx: &Context<'_>,
    variable: &str,
    layer_name: &str,
) -> Result<Produced, ExecError> {
    let layer = ctx.layer(layer_name)?;
    let matrix = ctx.scoped(layer, false);
    let samples = matrix.samples().to_vec();
    let values = ctx.numeric_values(variable, &samples)?;
    let values = SampleValues::new(samples.clone(), values)
        .map_err(|e| ExecError::NothingToTest(e.to_string()))?;
    let outcomes = correlate_layer(&matrix, &values, CorrelationMethod::Spearman, MIN_PAIRS);
    let mut untestable = Untestable::default();
    let rows = collect_rows(&outcomes, matrix.features(), &mut untestable, |f, c| {
        Some(correlation_row(layer_name, f, variable, c))
    });
    Ok(Produced {
        module: "correlation",
        params: json!({"variable": variable, "method": "spearman", "min_pairs": MIN_PAIRS}),
        layers: vec![layer_name.to_owned()],
        samples,
        rows,
        not_testable: untestable.total(),
        notes: untestable.notes(),
    })
}

pub fn cis(ctx: &Context<'_>, source_name: &str, target_name: &str) -> Result<Produced, ExecError> {
    let source = ctx.scoped(ctx.layer(source_name)?, false);
    let target = ctx.scoped(ctx.layer(target_name)?, false);
    let pairs =
        analysis::cis::cis_correlations(&source, &target, CorrelationMethod::Spearman, MIN_PAIRS);
    let mut untestable = Untestable::default();
    let mut rows = Vec::with_capacity(pairs.len());
    for pair in &pairs {
        match &pair.correlation {
            Ok(c) => {
                let mut row = correlation_row(
                    target_name,
                    &pair.target,
                    &format!("{source_name} {}", pair.source),
                    c,
                );
                row.gene = pair.gene.clone();
                row.contrast = format!("{source_name} -> {target_name} (same gene)");
                rows.push(row);
            }
            Err(reason) => untestable.add(reason),
        }
    }
    let samples = source
        .samples()
        .iter()
        .filter(|s| target.sample_index(s.as_str()).is_some())
        .cloned()
        .collect();
    Ok(Produced {
        module: "cis_correlation",
        params: json!({"source": source_name, "target": target_name, "method": "spearman"}),
        layers: vec![source_name.to_owned(), target_name.to_owned()],
        samples,
        rows,
        not_testable: untestable.total(),
        notes: untestable.notes(),
    })
}

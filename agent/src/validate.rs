//! Validation: every hypothesis is re-tested on the held-out samples of the discovery/validation
//! split (drawn before exploration), or on an external cohort. The key question is asked again on
//! those samples, and the hypothesis's feature and contrast looked up in the result.

use crate::execute::{Context, execute};
use crate::hypothesis::{Hypothesis, fmt_effect, fmt_p};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplicationStatus {
    Replicated,
    NotReplicated,
    #[default]
    NotTested,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Replication {
    pub status: ReplicationStatus,
    /// Where it was re-tested: `held-out samples` or the external study's name.
    pub cohort: String,
    pub effect: Option<f64>,
    pub p: Option<f64>,
    pub n: Option<usize>,
    pub detail: String,
}

/// Nominal threshold on the held-out half: each hypothesis is one pre-specified test there.
pub const REPLICATION_P: f64 = 0.05;

/// Re-tests every hypothesis on another study (all of its samples), recording the result as
/// `external_replication`. Layers, variables and genes are matched by name; a hypothesis whose
/// data the other study lacks is reported as not tested there.
pub fn validate_external(
    hypotheses: &mut [Hypothesis],
    other: &datasets::Study,
    gene_sets: &[analysis::gmt::GeneSet],
    seed: u64,
) {
    let scope: std::collections::HashSet<datasets::SampleId> =
        other.clinical.samples.iter().cloned().collect();
    let ctx = Context {
        study: other,
        scope: &scope,
        gene_sets,
        seed,
    };
    let mut copies: Vec<Hypothesis> = hypotheses.to_vec();
    validate(&mut copies, &ctx, &other.name);
    for (h, c) in hypotheses.iter_mut().zip(copies) {
        h.external_replication = Some(c.replication);
    }
}

/// Re-tests all hypotheses in `ctx` (validation samples or another study), running each distinct
/// key question once.
pub fn validate(hypotheses: &mut [Hypothesis], ctx: &Context<'_>, cohort: &str) {
    let mut cache: HashMap<String, Option<Vec<crate::ledger::TestRow>>> = HashMap::new();
    for h in hypotheses.iter_mut() {
        let key = h.validation.question.key();
        let rows = cache
            .entry(key)
            .or_insert_with(|| execute(ctx, &h.validation.question).ok().map(|p| p.rows));
        let found = rows.as_ref().and_then(|rows| {
            rows.iter()
                .find(|r| r.feature == h.validation.feature && r.contrast == h.validation.contrast)
        });
        h.replication = match found {
            None => Replication {
                status: ReplicationStatus::NotTested,
                cohort: cohort.to_owned(),
                detail: "not testable in this cohort (feature or groups missing)".into(),
                ..Replication::default()
            },
            Some(r) => {
                let same = r.effect.signum() == h.validation.effect_sign;
                let ok = r.p < REPLICATION_P && same;
                Replication {
                    status: if ok {
                        ReplicationStatus::Replicated
                    } else {
                        ReplicationStatus::NotReplicated
                    },
                    cohort: cohort.to_owned(),
                    effect: Some(r.effect),
                    p: Some(r.p),
                    n: Some(r.n),
                    detail: format!(
                        "{}: effect {} (p={}, n={}){}",
                        cohort,
                        fmt_effect(r.effect),
                        fmt_p(r.p),
                        r.n,
                        if same { "" } else { ", opposite direction" }
                    ),
                }
            }
        };
    }
}

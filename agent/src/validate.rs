//! Validation: every hypothesis is re-tested on the held-out samples of the discovery/validation
//! split (drawn before exploration), or on an external cohort. The key question is asked again on
//! those samples, and the hypothesis's feature and contrast looked up in the result.

use crate::execute::Context;
use crate::hypothesis::{Candidate, Hypothesis, Validated, ValidationKey, fmt_effect, fmt_p};
use std::collections::HashMap;

pub use graph::{Replication, ReplicationStatus};

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
    let keys: Vec<&ValidationKey> = hypotheses.iter().map(|h| &h.validation).collect();
    let replications = retest(&keys, &ctx, &other.name);
    for (h, r) in hypotheses.iter_mut().zip(replications) {
        h.model.external_replication = Some(r);
    }
}

/// Re-tests candidates in `ctx` (the validation samples): the second stage of a hypothesis. A
/// chain is re-tested link by link, and its replication is the chain's (every link held).
pub fn validate(candidates: Vec<Candidate>, ctx: &Context<'_>, cohort: &str) -> Vec<Validated> {
    let mut retester = Retester::new(ctx, cohort);
    candidates
        .into_iter()
        .map(|candidate| {
            let chain = candidate.chain.as_ref().map(|c| c.validate(&mut retester));
            let replication = match &chain {
                Some(chain) => chain.replication(cohort),
                None => retester.key(&candidate.validation),
            };
            Validated {
                candidate,
                replication,
                chain,
            }
        })
        .collect()
}

/// Asks each key's question again in `ctx` and looks up the key's feature and contrast.
fn retest(keys: &[&ValidationKey], ctx: &Context<'_>, cohort: &str) -> Vec<Replication> {
    let mut retester = Retester::new(ctx, cohort);
    keys.iter().map(|key| retester.key(key)).collect()
}

/// Re-asks questions on one set of samples, each distinct question once.
pub struct Retester<'c, 'a> {
    ctx: &'c Context<'a>,
    cohort: &'c str,
    cache: HashMap<String, Option<Vec<crate::ledger::TestRow>>>,
}

impl<'c, 'a> Retester<'c, 'a> {
    pub fn new(ctx: &'c Context<'a>, cohort: &'c str) -> Self {
        Self {
            ctx,
            cohort,
            cache: HashMap::new(),
        }
    }

    pub fn context(&self) -> &Context<'a> {
        self.ctx
    }

    pub fn cohort(&self) -> &str {
        self.cohort
    }

    /// The re-test of one key: its question asked again, its feature and contrast looked up.
    pub fn key(&mut self, key: &ValidationKey) -> Replication {
        let ctx = self.ctx;
        let rows = self
            .cache
            .entry(key.question.key())
            .or_insert_with(|| key.question.execute(ctx).ok().map(|p| p.rows));
        let found = rows.as_ref().and_then(|rows| {
            rows.iter()
                .find(|r| r.feature == key.feature && r.contrast == key.contrast)
        });
        replication(key, found, self.cohort)
    }
}

fn replication(
    key: &ValidationKey,
    found: Option<&crate::ledger::TestRow>,
    cohort: &str,
) -> Replication {
    match found {
        None => Replication {
            status: ReplicationStatus::NotTested,
            cohort: cohort.to_owned(),
            detail: "not testable in this cohort (feature or groups missing)".into(),
            ..Replication::default()
        },
        Some(r) => {
            let same = r.effect.signum() == key.effect_sign;
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
    }
}

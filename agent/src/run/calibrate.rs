//! Calibration: the whole loop on label-shuffled copies, for the empirical false-hypothesis rate.
//!
//! Each shuffled run uses the run's own planner as far as it can be re-run
//! (`Planner::calibration_planner`: the offline rules are, an LLM planner's choices are replayed
//! by kind), the same budget and seed. Only a finished shuffled run is journaled, as its
//! label-dependent hypothesis count and its analysis count: its steps are not, because on a
//! full cohort they are gigabytes of test rows per shuffled run that nothing reads once the run
//! is counted. A resume therefore repeats at most the one shuffled run it interrupted, which is
//! deterministic (its seed is fixed) and gives the same counts. The mean count per shuffled run
//! gets a 95% interval (`analysis::rate_interval`).

use super::*;

/// The confidence level of the interval on the mean false-hypothesis count.
const LEVEL: f64 = 0.95;

#[allow(clippy::too_many_arguments)]
pub(super) fn calibrate(
    study: &Study,
    knowledge: &Knowledge,
    config: &RunConfig,
    (real_hypotheses, real_replicated): (usize, usize),
    (real_analyses, chosen): (usize, &[Kind]),
    planner: &dyn Planner,
    mut journal: Option<&mut RunJournal>,
    stop: Option<&AtomicBool>,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<Calibration, AgentError> {
    let mut c = Calibration {
        permutations: config.permutations,
        planner: planner.calibration_planner(chosen).description,
        real_hypotheses,
        real_replicated,
        real_analyses,
        ..Calibration::default()
    };
    for k in 0..config.permutations {
        on_event(Event::Calibrating {
            permutation: k + 1,
            of: config.permutations,
        });
        let done = journal.as_ref().and_then(|j| j.permutation(k));
        let counts = match done {
            Some(counts) => counts,
            None => {
                let mut null_planner = planner.calibration_planner(chosen).planner;
                calibration_run(
                    study,
                    knowledge,
                    config,
                    k,
                    &mut *null_planner,
                    journal.as_deref_mut(),
                    stop,
                )?
            }
        };
        c.null_hypotheses.push(counts.null_hypotheses);
        c.null_replicated.push(counts.null_replicated);
        c.null_analyses.push(counts.analyses);
    }
    let mean = |v: &[usize]| v.iter().sum::<usize>() as f64 / v.len().max(1) as f64;
    if config.permutations > 0 {
        c.false_hypothesis_rate = (c.real_hypotheses > 0)
            .then(|| (mean(&c.null_hypotheses) / c.real_hypotheses as f64).min(1.0));
        c.false_replicated_rate = (c.real_replicated > 0)
            .then(|| (mean(&c.null_replicated) / c.real_replicated as f64).min(1.0));
        c.null_rate =
            analysis::rate_interval::poisson_rate_interval(&c.null_hypotheses, LEVEL).map(|r| {
                NullRate {
                    mean: r.mean,
                    low: r.low,
                    high: r.high,
                    level: r.level,
                    method: "Garwood exact Poisson interval for the total over the shuffled runs, divided by their number".into(),
                    dispersion: r.dispersion,
                }
            });
    }
    Ok(c)
}

/// Label-shuffled run `k`: explored and concluded like the real one; its counts are journaled
/// once it finishes.
fn calibration_run(
    study: &Study,
    knowledge: &Knowledge,
    config: &RunConfig,
    k: usize,
    planner: &mut dyn Planner,
    journal: Option<&mut RunJournal>,
    stop: Option<&AtomicBool>,
) -> Result<PermutationCounts, AgentError> {
    let shuffled = crate::permute::shuffle_labels(study, config.seed.wrapping_add(1000 + k as u64));
    let null_config = RunConfig {
        permutations: 0,
        ..config.clone()
    };
    let profile = profile(&shuffled, config.max_mutations);
    let split = Split::draw(&shuffled, config.validation_fraction, config.seed);
    let exploration = explore(
        &shuffled,
        knowledge,
        &null_config,
        &profile,
        &split,
        None,
        Phase::Calibration(k),
        None,
        planner,
        stop,
        &mut |_| {},
    )?;
    let null = conclude(
        &shuffled,
        knowledge,
        &null_config,
        &split,
        &exploration.ledger,
        &mut |_| {},
    );
    let counts = PermutationCounts {
        permutation: k,
        null_hypotheses: null.label_dependent,
        null_replicated: null.label_dependent_replicated,
        analyses: exploration.ledger.analyses().len(),
    };
    if let Some(j) = journal {
        j.append_permutation(counts)?;
    }
    Ok(counts)
}

//! Calibration: the whole loop on label-shuffled copies, for the empirical false-hypothesis rate.

use super::*;

pub(super) fn calibrate(
    study: &Study,
    knowledge: &Knowledge,
    config: &RunConfig,
    (real_hypotheses, real_replicated): (usize, usize),
    mut journal: Option<&mut RunJournal>,
    stop: Option<&AtomicBool>,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<Calibration, AgentError> {
    let mut c = Calibration {
        permutations: config.permutations,
        real_hypotheses,
        real_replicated,
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
            None => calibration_run(study, knowledge, config, k, journal.as_deref_mut(), stop)?,
        };
        c.null_hypotheses.push(counts.null_hypotheses);
        c.null_replicated.push(counts.null_replicated);
    }
    let mean = |v: &[usize]| v.iter().sum::<usize>() as f64 / v.len().max(1) as f64;
    if config.permutations > 0 {
        c.false_hypothesis_rate = (c.real_hypotheses > 0)
            .then(|| (mean(&c.null_hypotheses) / c.real_hypotheses as f64).min(1.0));
        c.false_replicated_rate = (c.real_replicated > 0)
            .then(|| (mean(&c.null_replicated) / c.real_replicated as f64).min(1.0));
    }
    Ok(c)
}

/// Label-shuffled run `k`: explored and concluded like the real one, its steps and its counts
/// journaled so a resume neither loses nor repeats calibration work.
fn calibration_run(
    study: &Study,
    knowledge: &Knowledge,
    config: &RunConfig,
    k: usize,
    mut journal: Option<&mut RunJournal>,
    stop: Option<&AtomicBool>,
) -> Result<PermutationCounts, AgentError> {
    let shuffled = crate::permute::shuffle_labels(study, config.seed.wrapping_add(1000 + k as u64));
    let null_config = RunConfig {
        permutations: 0,
        ..config.clone()
    };
    let profile = profile(&shuffled, config.max_mutations);
    let split = Split::draw(&shuffled, config.validation_fraction, config.seed);
    // Calibration uses the offline rules: it measures the loop's error control, and model
    // calls on shuffled data would only spend tokens.
    let mut offline = OfflinePlanner::default();
    let exploration = explore(
        &shuffled,
        knowledge,
        &null_config,
        &profile,
        &split,
        journal.as_deref_mut(),
        Phase::Calibration(k),
        None,
        &mut offline,
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
    };
    if let Some(j) = journal {
        j.append_permutation(counts)?;
    }
    Ok(counts)
}

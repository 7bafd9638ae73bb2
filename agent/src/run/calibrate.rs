//! Calibration: the whole loop on label-shuffled copies, for the empirical false-hypothesis rate.
//!
//! Each shuffled run uses the run's own planner as far as it can be re-run
//! (`Planner::calibration_planner`: the offline rules are, an LLM planner's choices are replayed
//! by kind), the same budget and seed. Only a finished shuffled run is journaled, as its
//! label-dependent hypothesis count and its analysis count: its steps are not, because on a
//! full cohort they are gigabytes of test rows per shuffled run that nothing reads once the run
//! is counted. Shuffled runs go side by side, one per core (`for_each_in_parallel`), and each
//! is journaled as it finishes; a resume repeats only the ones it interrupted, which are
//! deterministic (each seed is fixed) and give the same counts. The mean count per shuffled run
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
    let mut counts: Vec<Option<PermutationCounts>> = (0..config.permutations)
        .map(|k| journal.as_ref().and_then(|j| j.permutation(k)))
        .collect();
    let pending: Vec<(usize, Box<dyn Planner + Send>)> = (0..config.permutations)
        .filter(|&k| counts[k].is_none())
        .map(|k| (k, planner.calibration_planner(chosen).planner))
        .collect();
    let mut done = config.permutations - pending.len();
    if done < config.permutations {
        on_event(Event::Calibrating {
            permutation: done + 1,
            of: config.permutations,
        });
    }
    let mut failure = None;
    for_each_in_parallel(
        pending,
        |(k, mut null_planner)| {
            calibration_run(study, knowledge, config, k, &mut *null_planner, stop)
        },
        |finished| {
            let result = finished.and_then(|c| {
                if let Some(j) = journal.as_deref_mut() {
                    j.append_permutation(c)?;
                }
                Ok(c)
            });
            match result {
                Ok(c) => {
                    counts[c.permutation] = Some(c);
                    done += 1;
                    if done < config.permutations {
                        on_event(Event::Calibrating {
                            permutation: done + 1,
                            of: config.permutations,
                        });
                    }
                    true
                }
                Err(e) => {
                    failure.get_or_insert(e);
                    false
                }
            }
        },
    );
    if let Some(e) = failure {
        return Err(e);
    }
    for counts in counts.into_iter().flatten() {
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

/// Runs `job` on every item, as many at once as the machine has cores, and hands each result to
/// `finished` on the calling thread as it arrives (so journaling and progress stay in one
/// place). When `finished` returns false no further item is started; the ones running finish.
///
/// Shuffled runs are independent and mostly single-threaded (one analysis at a time), so on a
/// full cohort running them side by side is what brings calibration's wall time down.
fn for_each_in_parallel<T: Send, R: Send>(
    items: Vec<T>,
    job: impl Fn(T) -> R + Sync,
    mut finished: impl FnMut(R) -> bool,
) {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len());
    if workers == 0 {
        return;
    }
    let queue = std::sync::Mutex::new(items.into_iter());
    let (sender, results) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let sender = sender.clone();
            let (queue, job) = (&queue, &job);
            let worker = move || {
                loop {
                    // A poisoned queue means another worker panicked: stop taking work.
                    let next = match queue.lock() {
                        Ok(mut q) => q.next(),
                        Err(_) => None,
                    };
                    let Some(item) = next else { break };
                    if sender.send(job(item)).is_err() {
                        break;
                    }
                }
            };
            // Exploration recurses no deeper than the main thread, but give it the main
            // thread's stack rather than a spawned thread's 2 MiB default.
            let spawned = std::thread::Builder::new()
                .name("calibration".into())
                .stack_size(8 << 20)
                .spawn_scoped(scope, worker);
            if spawned.is_err() {
                break;
            }
        }
        drop(sender);
        for result in results {
            if !finished(result)
                && let Ok(mut q) = queue.lock()
            {
                q.by_ref().for_each(drop);
            }
        }
    });
}

/// Label-shuffled run `k`: explored and concluded like the real one. Its counts are journaled by
/// the caller once it finishes.
fn calibration_run(
    study: &Study,
    knowledge: &Knowledge,
    config: &RunConfig,
    k: usize,
    planner: &mut dyn Planner,
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
    Ok(PermutationCounts {
        permutation: k,
        null_hypotheses: null.label_dependent,
        null_replicated: null.label_dependent_replicated,
        analyses: exploration.ledger.analyses().len(),
    })
}

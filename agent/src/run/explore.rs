//! The exploration: the planner picks an open direction, its kind runs it (or the journal replays it), strong findings open follow-ups, until the budget or the planner stops it.

use super::replay::replayed_pick;
use super::*;
use crate::coverage::{Coverage, NotExplored, ROOM_AFTER_SCREENS, by_priority};

pub(super) struct Exploration {
    pub(super) ledger: Ledger,
    pub(super) failed: usize,
    pub(super) opened: usize,
    pub(super) stop_reason: String,
    /// The kind of every step taken (analysed or failed), in order: what calibration replays
    /// when the run's planner cannot be re-run (`Planner::calibration_planner`).
    pub(super) kinds: Vec<Kind>,
    /// The analysis budget this exploration had (grown for the study's first screens when
    /// `RunConfig::grow_budget` says so).
    pub(super) max_analyses: usize,
    /// First screens the study needed (clinical variables, mutations, survival outcomes).
    pub(super) first_screens: usize,
    /// Subjects left without a screen, with the reason.
    pub(super) not_explored: Vec<NotExplored>,
}

/// While first screens remain, one step in this many is the planner's free choice.
const FREE_EVERY: usize = 3;

#[allow(clippy::too_many_arguments)]
pub(super) fn explore(
    study: &Study,
    knowledge: &Knowledge,
    config: &RunConfig,
    profile: &StudyProfile,
    split: &Split,
    mut journal: Option<&mut RunJournal>,
    phase: Phase,
    mut recorder: Option<&mut GraphRecorder>,
    planner: &mut dyn Planner,
    stop: Option<&AtomicBool>,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<Exploration, AgentError> {
    let mut clock = journal
        .as_ref()
        .map_or(crate::journal::PhaseClock::after(0.0), |j| j.clock(phase));
    let scope: HashSet<SampleId> = split.discovery.iter().cloned().collect();
    let ctx = Context {
        study,
        scope: &scope,
        gene_sets: &knowledge.gene_sets,
        seed: config.seed,
    };
    let mut open = initial_directions(profile);
    let mut coverage = Coverage::new(profile, &open);
    let max_analyses = if config.grow_budget {
        // Every first screen (one per subject, and every proposed question about no subject:
        // tumour vs normal, cis, modules, subtypes, pathway scores, each a whole layer's screen
        // in one analysis), the free steps taken among them, and room for follow-ups.
        let firsts = coverage.needed() + coverage.layer_screens_needed();
        config
            .budget
            .max_analyses
            .max(firsts + firsts / (FREE_EVERY - 1) + ROOM_AFTER_SCREENS)
    } else {
        config.budget.max_analyses
    };
    let mut asked: HashSet<String> = open.iter().map(|d| d.question.key()).collect();
    let mut next_id = open.len();
    let mut ledger = Ledger::default();
    let mut failed = 0;
    let mut opened = 0;
    let mut step = 0;
    let mut kinds = Vec::new();
    let stop_reason = loop {
        if stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            return Err(AgentError::Stopped { steps: step });
        }
        if step >= max_analyses {
            break format!("analysis budget of {max_analyses} reached");
        }
        // A journaled step is replayed as recorded, whichever planner chose it then; the budget
        // and the planner's choice to stop were decided then too.
        let recorded = journal.as_mut().and_then(|j| j.next_step(phase));
        if recorded.is_none() {
            if let Some(end) = journal.as_ref().and_then(|j| j.end(phase)) {
                break end.stop_reason.clone();
            }
            if clock.elapsed() > config.budget.max_seconds {
                break format!("time budget of {} s reached", config.budget.max_seconds);
            }
        }
        let pick = match &recorded {
            Some(entry) => replayed_pick(&entry.outcome, step, &open)?,
            None => {
                // Subjects without a first screen come first; the planner orders them. Every
                // `FREE_EVERY`-th step is the planner's own choice over everything open, so
                // questions that screen no subject (cis effects, tumour vs normal, modules) and
                // follow-ups of strong findings are not starved while screens remain.
                let free_step = step % FREE_EVERY == FREE_EVERY - 1;
                let firsts = if free_step {
                    Vec::new()
                } else {
                    coverage.first_screens(&open)
                };
                let offered: Vec<PlannedDirection>;
                let menu: &[PlannedDirection] = if firsts.is_empty() {
                    &open
                } else {
                    offered = firsts.iter().map(|&i| open[i].clone()).collect();
                    &offered
                };
                let choice = planner.choose(
                    menu,
                    &PlanContext {
                        profile,
                        ledger: &ledger,
                        step,
                    },
                );
                if let Some(reason) = &choice.fallback {
                    on_event(Event::PlannerFallback { step, reason });
                }
                let picked = match choice.index {
                    Some(i) if i < menu.len() => {
                        Some(if firsts.is_empty() { i } else { firsts[i] })
                    }
                    // A prior may order the first screens, never exclude one.
                    _ => by_priority(&open, &firsts),
                };
                match picked {
                    Some(i) => {
                        if let Some(r) = choice.rationale {
                            open[i].rationale = r;
                        }
                        i
                    }
                    None => break "no open direction worth its cost".to_owned(),
                }
            }
        };
        let direction = open.remove(pick);
        kinds.push(direction.question.kind());
        let replayed = recorded.is_some();
        let entry = match recorded {
            Some(entry) => entry.outcome,
            None => {
                let entry = match direction.question.execute(&ctx) {
                    Ok(p) => Outcome::Analysis(Box::new(AnalysisRecord {
                        step,
                        direction: direction.clone(),
                        module: p.module.to_owned(),
                        params: p.params,
                        layers: p.layers,
                        samples: p.samples,
                        rows: p.rows,
                        not_testable: p.not_testable,
                        notes: p.notes,
                    })),
                    Err(e) => Outcome::Failed {
                        step,
                        direction: direction.clone(),
                        reason: e.to_string(),
                    },
                };
                if let Some(j) = journal.as_mut() {
                    j.append_step(phase, clock.elapsed(), &entry)?;
                }
                entry
            }
        };
        match entry {
            Outcome::Analysis(record) => {
                coverage.record(&direction, None);
                let tests = record.rows.len();
                ledger.push(*record);
                let index = ledger.analyses().len() - 1;
                if let (Some(r), Some(done)) = (recorder.as_mut(), ledger.analyses().last()) {
                    r.record_step(done, &ledger)?;
                }
                let strong = ledger.strong_rows(index, Q_STRONG).len();
                planner.update(direction.question.kind(), strong > 0);
                let mut new = 0;
                for (question, rationale) in follow_ups(study, &ledger, index) {
                    if asked.insert(question.key()) {
                        open.push(PlannedDirection {
                            id: next_id,
                            question,
                            priority: 0.9,
                            parent_step: Some(step),
                            rationale,
                        });
                        next_id += 1;
                        new += 1;
                    }
                }
                opened += new;
                on_event(Event::Step {
                    step,
                    direction: &direction,
                    tests,
                    strong,
                    opened: new,
                    replayed,
                });
            }
            Outcome::Failed { reason, .. } => {
                coverage.record(&direction, Some(&reason));
                failed += 1;
                planner.update(direction.question.kind(), false);
                on_event(Event::StepFailed {
                    step,
                    direction: &direction,
                    reason: &reason,
                });
            }
        }
        step += 1;
    };
    if let Some(j) = journal.filter(|j| j.end(phase).is_none()) {
        j.append_end(Explored {
            phase,
            stop_reason: stop_reason.clone(),
            seconds: clock.elapsed(),
        })?;
    }
    on_event(Event::Stopped {
        reason: &stop_reason,
    });
    Ok(Exploration {
        ledger,
        failed,
        opened,
        not_explored: coverage.not_explored(&stop_reason),
        stop_reason,
        kinds,
        max_analyses,
        first_screens: coverage.needed(),
    })
}

//! Opening a run's journal, and matching its recorded steps to the directions the replaying loop has open.

use super::*;

pub(super) fn open_journal(
    p: &Persistence,
    study: &Study,
    config: &RunConfig,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<RunJournal, AgentError> {
    std::fs::create_dir_all(&p.out_dir).map_err(|source| AgentError::Io {
        path: p.out_dir.clone(),
        source,
    })?;
    let journal = RunJournal::open(
        &p.out_dir.join(JOURNAL_NAME),
        Header::new(study, config),
        p.resume,
    )?;
    if let Some(steps) = journal.resumed_steps() {
        on_event(Event::Resumed { steps });
    }
    Ok(journal)
}

/// The open direction a journaled step ran. It must be open now: the loop that wrote the journal
/// opened directions exactly as this one does; anything else means the data or code changed.
pub(super) fn replayed_pick(
    entry: &Outcome,
    step: usize,
    open: &[PlannedDirection],
) -> Result<usize, AgentError> {
    let (s, d) = (entry.step(), entry.direction());
    let key = d.question.key();
    match open.iter().position(|o| o.question.key() == key) {
        Some(i) if s == step => Ok(i),
        _ => Err(AgentError::Resume(format!(
            "journal step {s} ran {:?}, which this run has not opened at step {step}: the data or the code changed since the run began",
            d.question.describe()
        ))),
    }
}

//! A run's journal while the run works: what an earlier process recorded, handed back in order
//! for replay (by phase: the real exploration and each calibration run), and the appending of
//! what this process does.

use super::entry::{Entry, Explored, Header, Outcome, PermutationCounts, Phase, Prose, Step};
use super::file::{Journal, JournalError};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;
use std::time::Instant;

pub struct RunJournal {
    file: Journal,
    steps: HashMap<Phase, VecDeque<Step>>,
    /// Time already spent per phase, by the last entry that recorded it.
    spent: HashMap<Phase, f64>,
    ends: HashMap<Phase, Explored>,
    prose: HashMap<String, Option<String>>,
    permutations: BTreeMap<usize, PermutationCounts>,
    /// Steps of the real exploration found in the journal when it was opened.
    resumed_steps: Option<usize>,
}

impl RunJournal {
    /// Starts the journal at `path`, or with `resume` continues the one there if it belongs to
    /// the same run (`header` equal in study, configuration and input files).
    pub fn open(path: &Path, header: Header, resume: bool) -> Result<Self, JournalError> {
        let existing = match std::fs::metadata(path) {
            Ok(m) if m.len() > 0 => true,
            Ok(_) => false,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(source) => {
                return Err(JournalError::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        if existing && !resume {
            return Err(JournalError::Exists {
                path: path.to_owned(),
            });
        }
        let (file, entries) = if existing {
            let (file, entries) = Journal::open(path)?;
            if entries.is_empty() {
                // Killed before its header was complete: nothing to resume.
                drop(file);
                (Journal::create(path, &Entry::Header(header.clone()))?, None)
            } else {
                (file, Some(entries))
            }
        } else {
            (Journal::create(path, &Entry::Header(header.clone()))?, None)
        };
        let mut journal = Self {
            file,
            steps: HashMap::new(),
            spent: HashMap::new(),
            ends: HashMap::new(),
            prose: HashMap::new(),
            permutations: BTreeMap::new(),
            resumed_steps: None,
        };
        if let Some(entries) = entries {
            journal.load(path, &header, entries)?;
        }
        Ok(journal)
    }

    fn load(&mut self, path: &Path, now: &Header, entries: Vec<Entry>) -> Result<(), JournalError> {
        for entry in entries {
            match entry {
                Entry::Header(then) => {
                    let differences = then.differences(now);
                    if !differences.is_empty() {
                        return Err(JournalError::Mismatch {
                            path: path.to_owned(),
                            differences,
                        });
                    }
                }
                Entry::Step(step) => {
                    self.spent.insert(step.phase, step.seconds);
                    self.steps.entry(step.phase).or_default().push_back(step);
                }
                Entry::Explored(end) => {
                    self.spent.insert(end.phase, end.seconds);
                    self.ends.insert(end.phase, end);
                }
                Entry::Prose(p) => {
                    self.prose.insert(p.hypothesis, p.statement);
                }
                Entry::Permutation(c) => {
                    self.permutations.insert(c.permutation, c);
                }
            }
        }
        self.resumed_steps = Some(self.steps.get(&Phase::Explore).map_or(0, VecDeque::len));
        Ok(())
    }

    /// With a journal that held a run: how many steps of the real exploration it held.
    pub fn resumed_steps(&self) -> Option<usize> {
        self.resumed_steps
    }

    /// The next journaled step of `phase`, to be replayed as recorded.
    pub fn next_step(&mut self, phase: Phase) -> Option<Step> {
        self.steps.get_mut(&phase)?.pop_front()
    }

    /// How an earlier process ended `phase`'s exploration, once its steps are replayed.
    pub fn end(&self, phase: Phase) -> Option<&Explored> {
        self.ends.get(&phase)
    }

    /// A clock for `phase` that starts from the time already spent on it.
    pub fn clock(&self, phase: Phase) -> PhaseClock {
        PhaseClock::after(self.spent.get(&phase).copied().unwrap_or(0.0))
    }

    pub fn prose(&self, hypothesis: &str) -> Option<&Option<String>> {
        self.prose.get(hypothesis)
    }

    pub fn permutation(&self, k: usize) -> Option<PermutationCounts> {
        self.permutations.get(&k).copied()
    }

    /// Journals a step this process ran.
    pub fn append_step(
        &mut self,
        phase: Phase,
        seconds: f64,
        outcome: &Outcome,
    ) -> Result<(), JournalError> {
        self.file.append(&Entry::Step(Step {
            phase,
            seconds,
            outcome: outcome.clone(),
        }))
    }

    pub fn append_end(&mut self, end: Explored) -> Result<(), JournalError> {
        let entry = Entry::Explored(end.clone());
        self.file.append(&entry)?;
        self.ends.insert(end.phase, end);
        Ok(())
    }

    pub fn append_prose(&mut self, prose: Prose) -> Result<(), JournalError> {
        self.file.append(&Entry::Prose(prose))
    }

    pub fn append_permutation(&mut self, counts: PermutationCounts) -> Result<(), JournalError> {
        self.file.append(&Entry::Permutation(counts))
    }

    pub fn path(&self) -> &Path {
        self.file.path()
    }
}

/// Exploration time of one phase: what earlier processes spent, plus this process's time since
/// it first looked at the clock (after replaying, so replay itself costs nothing).
pub struct PhaseClock {
    spent: f64,
    since: Option<Instant>,
}

impl PhaseClock {
    pub fn after(spent: f64) -> Self {
        Self { spent, since: None }
    }

    pub fn elapsed(&mut self) -> f64 {
        self.spent
            + self
                .since
                .get_or_insert_with(Instant::now)
                .elapsed()
                .as_secs_f64()
    }
}

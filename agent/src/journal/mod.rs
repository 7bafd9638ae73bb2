//! The run journal: one JSON line per completed step, appended and synced to disk before the next
//! step starts. A run killed at any moment loses at most the step in flight; `--resume` replays
//! the journal through the same deterministic loop, so nothing is lost or done twice.
//!
//! `entry` is the line format (versioned), `float` how numbers JSON lacks are written, `file` the
//! append-only file with its torn-line repair, `header` what a resume must match, and `session`
//! the journal as a run reads and extends it.

mod entry;
mod file;
pub mod float;
mod header;
mod session;

pub use entry::{
    Entry, Explored, FORMAT, Header, InputHash, Outcome, PermutationCounts, Phase, Prose, Step,
};
pub use file::{Journal, JournalError, read};
pub use session::{PhaseClock, RunJournal};

pub const JOURNAL_NAME: &str = "journal.jsonl";

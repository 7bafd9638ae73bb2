//! The run journal: one JSON line per completed step, appended and synced to disk before the next
//! step starts. A run killed at any moment loses at most the step in flight; `--resume` replays
//! the journal through the same deterministic loop, so nothing is lost or done twice.

use crate::ledger::AnalysisRecord;
use crate::question::Direction;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

pub const JOURNAL_NAME: &str = "journal.jsonl";

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "entry", rename_all = "snake_case")]
pub enum Entry {
    /// First line: what run this journal belongs to.
    Header {
        study: String,
        seed: u64,
        config: serde_json::Value,
    },
    Analysis(Box<AnalysisRecord>),
    /// A direction that could not be analysed (too few samples, missing data), with the reason.
    Failed {
        step: usize,
        direction: Direction,
        reason: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}, line {line}: not a journal entry ({message})")]
    Corrupt {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

pub struct Journal {
    path: PathBuf,
    file: std::fs::File,
}

impl Journal {
    /// Reads the complete entries of an existing journal. A final line cut short by a crash is
    /// dropped (it was the step in flight); damage anywhere else is an error.
    pub fn read(path: &Path) -> Result<Vec<Entry>, JournalError> {
        let file = std::fs::File::open(path).map_err(|source| JournalError::Io {
            path: path.to_owned(),
            source,
        })?;
        let lines: Vec<String> = std::io::BufReader::new(file)
            .lines()
            .collect::<Result<_, _>>()
            .map_err(|source| JournalError::Io {
                path: path.to_owned(),
                source,
            })?;
        let mut entries = Vec::with_capacity(lines.len());
        for (i, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Entry>(line) {
                Ok(e) => entries.push(e),
                Err(_) if i + 1 == lines.len() => break,
                Err(e) => {
                    return Err(JournalError::Corrupt {
                        path: path.to_owned(),
                        line: i + 1,
                        message: e.to_string(),
                    });
                }
            }
        }
        Ok(entries)
    }

    /// Opens for appending (creating it if needed), after truncating to `keep` complete entries
    /// so a torn last line is not followed by new ones.
    pub fn open_append(path: &Path, keep: &[Entry]) -> Result<Self, JournalError> {
        let io = |source| JournalError::Io {
            path: path.to_owned(),
            source,
        };
        let mut file = std::fs::File::create(path).map_err(io)?;
        for e in keep {
            write_line(&mut file, e).map_err(io)?;
        }
        file.sync_data().map_err(io)?;
        Ok(Self {
            path: path.to_owned(),
            file,
        })
    }

    pub fn append(&mut self, entry: &Entry) -> Result<(), JournalError> {
        let io = |source| JournalError::Io {
            path: self.path.clone(),
            source,
        };
        write_line(&mut self.file, entry).map_err(io)?;
        self.file.sync_data().map_err(io)
    }
}

fn write_line(file: &mut std::fs::File, entry: &Entry) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
    line.push(b'\n');
    file.write_all(&line)
}

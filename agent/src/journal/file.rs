//! The journal file: one JSON line per entry, only ever appended, each synced to disk before the
//! run goes on. A process killed mid-write leaves a last line without its newline; opening the
//! journal cuts that torn line off (it was the step in flight) and nothing else is rewritten.

use super::entry::{Entry, FORMAT};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}, line {line}{}: not a journal entry ({message})", field_part(.field))]
    Corrupt {
        path: PathBuf,
        line: usize,
        /// Where in the entry the reader stopped (`step.outcome.analysis.rows[3].ci_low`).
        field: String,
        message: String,
    },
    #[error(
        "{path}: journal format {found}, but this hypomics reads format {FORMAT}; the run cannot \
         be resumed by this version. Start a fresh run in another output folder (or delete {path})"
    )]
    Format { path: PathBuf, found: u32 },
    #[error(
        "{path}: cannot resume: the run was begun with other settings or data:\n{}\nResume with \
         the original settings and data, or start a fresh run in another output folder (or \
         delete {path})",
        .differences.iter().map(|d| format!("  - {d}")).collect::<Vec<_>>().join("\n")
    )]
    Mismatch {
        path: PathBuf,
        differences: Vec<String>,
    },
    #[error(
        "{path} already holds a run; pass --resume to continue it, or choose another output folder"
    )]
    Exists { path: PathBuf },
    #[error("{path}, line {line}: {message}")]
    Order {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

fn field_part(field: &str) -> String {
    if field.is_empty() || field == "." {
        String::new()
    } else {
        format!(", field {field}")
    }
}

/// An open journal, positioned at its end.
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Opens an existing journal for appending and returns its complete entries. A last line
    /// without its newline was torn by a crash and is truncated away; damage anywhere else is an
    /// error naming the line and field.
    pub fn open(path: &Path) -> Result<(Self, Vec<Entry>), JournalError> {
        let io = |source| JournalError::Io {
            path: path.to_owned(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        let complete = complete_len(&bytes);
        let entries = parse(path, &bytes[..complete])?;
        if complete < bytes.len() {
            file.set_len(complete as u64).map_err(io)?;
            file.sync_data().map_err(io)?;
        }
        Ok((
            Self {
                path: path.to_owned(),
                file,
            },
            entries,
        ))
    }

    /// Creates a new journal holding `header` (or an empty one left by a crash before its header
    /// was complete). Fails if a journal with entries is already there.
    pub fn create(path: &Path, header: &Entry) -> Result<Self, JournalError> {
        let io = |source| JournalError::Io {
            path: path.to_owned(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        if file.metadata().map_err(io)?.len() != 0 {
            return Err(JournalError::Exists {
                path: path.to_owned(),
            });
        }
        let mut journal = Self {
            path: path.to_owned(),
            file,
        };
        journal.append(header)?;
        // The new file's name must survive a crash too, not only its content.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|source| JournalError::Io {
                    path: dir.to_owned(),
                    source,
                })?;
        }
        Ok(journal)
    }

    /// Appends one entry as one write of one line and syncs it.
    pub fn append(&mut self, entry: &Entry) -> Result<(), JournalError> {
        let io = |source| JournalError::Io {
            path: self.path.clone(),
            source,
        };
        let mut line = serde_json::to_vec(entry).map_err(|e| io(std::io::Error::other(e)))?;
        line.push(b'\n');
        self.file.write_all(&line).map_err(io)?;
        self.file.sync_data().map_err(io)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Reads a journal's complete entries without changing the file.
pub fn read(path: &Path) -> Result<Vec<Entry>, JournalError> {
    let bytes = std::fs::read(path).map_err(|source| JournalError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &bytes[..complete_len(&bytes)])
}

/// Length of the journal up to and including its last newline.
fn complete_len(bytes: &[u8]) -> usize {
    bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}

fn parse(path: &Path, bytes: &[u8]) -> Result<Vec<Entry>, JournalError> {
    let mut entries = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let number = i + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if entries.is_empty() {
            check_format(path, number, line)?;
        }
        let corrupt = |field: String, message: String| JournalError::Corrupt {
            path: path.to_owned(),
            line: number,
            field,
            message,
        };
        let mut de = serde_json::Deserializer::from_slice(line);
        let entry: Entry = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| corrupt(e.path().to_string(), e.into_inner().to_string()))?;
        de.end()
            .map_err(|e| corrupt(String::new(), e.to_string()))?;
        let is_header = matches!(entry, Entry::Header(_));
        if is_header != entries.is_empty() {
            return Err(JournalError::Order {
                path: path.to_owned(),
                line: number,
                message: if is_header {
                    "a second header".into()
                } else {
                    "the first entry is not a header".into()
                },
            });
        }
        entries.push(entry);
    }
    Ok(entries)
}

/// The first line decides the format: an older (or newer) layout is refused as such, rather
/// than reported as a damaged line.
fn check_format(path: &Path, line: usize, text: &[u8]) -> Result<(), JournalError> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(text) else {
        return Ok(()); // not JSON at all: the entry parser names the problem
    };
    let found = match (value.get("header"), value.get("entry")) {
        (Some(h), _) => h.get("format").and_then(|f| f.as_u64()),
        // Format 1 tagged its lines with `"entry": "header"`.
        (None, Some(tag)) if tag == "header" => Some(1),
        _ => None,
    };
    match found {
        Some(f) if f == u64::from(FORMAT) => Ok(()),
        Some(f) => Err(JournalError::Format {
            path: path.to_owned(),
            found: u32::try_from(f).unwrap_or(u32::MAX),
        }),
        None => Err(JournalError::Order {
            path: path.to_owned(),
            line,
            message: "the first entry is not a journal header".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::entry::{Header, Outcome, Phase, Step};
    use crate::ledger::{AnalysisRecord, TestRow};
    use crate::question::PlannedDirection;

    fn header() -> Entry {
        Entry::Header(Header {
            format: FORMAT,
            study: "s".into(),
            software_version: "0".into(),
            config: serde_json::json!({"seed": 1}),
            inputs: Vec::new(),
        })
    }

    fn row(x: f64) -> TestRow {
        TestRow {
            layer: "rna".into(),
            feature: "TP53".into(),
            gene: "TP53".into(),
            variable: "stage".into(),
            contrast: "III vs I".into(),
            test: graph::TestKind::Hypergeometric,
            effect: x,
            ci_low: f64::NAN,
            ci_high: f64::INFINITY,
            std_effect: f64::NEG_INFINITY,
            statistic: -0.0,
            p: f64::MIN_POSITIVE / 3.0,
            n: 0,
            warning: None,
        }
    }

    fn step(step: usize, rows: Vec<TestRow>) -> Entry {
        Entry::Step(Step {
            phase: Phase::Calibration(1),
            seconds: 0.1 + 0.2,
            outcome: Outcome::Analysis(Box::new(AnalysisRecord {
                step,
                direction: PlannedDirection {
                    id: 3,
                    question: crate::kinds::enrichment::Enrichment {
                        source_step: 0,
                        label: "up".into(),
                        up: Vec::new(),
                        down: Vec::new(),
                        universe: Vec::new(),
                        ranking: None,
                    }
                    .into(),
                    priority: f64::NAN,
                    parent_step: None,
                    rationale: String::new(),
                },
                module: "enrichment_ora".into(),
                params: serde_json::json!({"x": 1.5, "empty": []}),
                layers: Vec::new(),
                samples: Vec::new(),
                rows,
                not_testable: 0,
                notes: Vec::new(),
            })),
        })
    }

    fn write(path: &Path, entries: &[Entry]) {
        let mut j = Journal::create(path, &entries[0]).unwrap();
        for e in &entries[1..] {
            j.append(e).unwrap();
        }
    }

    #[test]
    fn every_value_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let rows = vec![row(1.0 / 3.0), row(f64::NAN)];
        let written = [header(), step(0, rows.clone()), step(1, Vec::new())];
        write(&path, &written);
        let read = read(&path).unwrap();
        // Written again, every entry gives the same line: nothing was lost or changed.
        let lines = |e: &[Entry]| -> Vec<String> {
            e.iter()
                .map(|e| serde_json::to_string(e).unwrap())
                .collect()
        };
        assert_eq!(lines(&read), lines(&written));
        let Entry::Step(Step {
            seconds,
            phase,
            outcome: Outcome::Analysis(a),
        }) = &read[1]
        else {
            panic!("a step")
        };
        assert_eq!(*phase, Phase::Calibration(1));
        assert_eq!(seconds.to_bits(), (0.1f64 + 0.2).to_bits());
        assert!(a.direction.priority.is_nan());
        for (got, want) in a.rows.iter().zip(&rows) {
            for (g, w) in [
                (got.effect, want.effect),
                (got.ci_low, want.ci_low),
                (got.ci_high, want.ci_high),
                (got.std_effect, want.std_effect),
                (got.statistic, want.statistic),
                (got.p, want.p),
            ] {
                assert!(g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()));
            }
        }
    }

    #[test]
    fn a_torn_last_line_is_cut_off_and_appending_goes_on_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        write(&path, &[header(), step(0, vec![row(2.0)])]);
        let whole = std::fs::read(&path).unwrap();
        let mut torn = whole.clone();
        torn.extend_from_slice(&serde_json::to_vec(&step(1, vec![row(3.0)])).unwrap()[..40]);
        std::fs::write(&path, &torn).unwrap();

        let (mut journal, entries) = Journal::open(&path).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            whole,
            "only the torn line went"
        );
        journal.append(&step(1, vec![row(3.0)])).unwrap();
        assert_eq!(read(&path).unwrap().len(), 3);
    }

    #[test]
    fn a_bad_line_is_named_with_its_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        write(&path, &[header(), step(0, vec![row(2.0), row(1.0)])]);
        let text = std::fs::read_to_string(&path).unwrap();
        // What format 1 wrote for a NaN interval.
        let damaged = text.replacen("\"ci_low\":\"NaN\"", "\"ci_low\":null", 2);
        std::fs::write(&path, format!("{damaged}{}\n", "{\"step\":1}")).unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(
            err.contains("line 2, field step.outcome.analysis.rows[0].ci_low"),
            "{err}"
        );
        assert!(err.contains("invalid type: null"), "{err}");
    }

    #[test]
    fn other_formats_are_refused_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        std::fs::write(
            &path,
            "{\"entry\":\"header\",\"study\":\"s\",\"seed\":1,\"config\":{}}\n",
        )
        .unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("journal format 1"), "{err}");
        assert!(err.contains("fresh run"), "{err}");
        std::fs::write(&path, "{\"step\":{}}\n").unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(
            err.contains("line 1: the first entry is not a journal header"),
            "{err}"
        );
    }
}

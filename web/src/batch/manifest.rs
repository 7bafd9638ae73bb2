//! The batch manifest: which studies `hypomics batch` runs, with what budget, where the queue
//! lives and how many run at once. TOML, strict: an unknown key is an error naming it and its
//! line, since a misspelt `max_analyses` silently running the default budget would waste hours.
//!
//! ```toml
//! [batch]
//! workspace = "batch"          # runs/ and the store go here (relative to this file)
//! store = "batch/hypomics.db"  # optional; default WORKSPACE/hypomics.db; or postgres://...
//! parallel = 2                 # studies analysed at once
//! webhook = "http://host/hook" # optional; called with a JSON summary when each job ends
//!
//! [[study]]
//! name = "endometrial"
//! path = "data/endometrial"    # relative to this file; or `demo = true`
//! planner = "offline"
//! max_analyses = 40
//! force = false                # run even if no input file changed since the last run
//! schedule = { cron = "0 6 * * 1", timezone = "Europe/Berlin" }
//! ```

use crate::jobs::{JobSpec, PlannerChoice};
use crate::schedule::CronSchedule;
use graph::control::StudySource;
use serde::Deserialize;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Most studies analysed at once; each holds a study in memory and a core busy.
pub const MAX_PARALLEL: usize = 64;

/// A manifest that cannot be used: the file, where in it, and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("reading batch manifest {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: {message}", path.display())]
    At {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}: {message}", path.display())]
    Whole { path: PathBuf, message: String },
}

/// A study's schedule as the manifest gives it (validated).
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleEntry {
    pub cron: String,
    pub timezone: String,
}

/// One `[[study]]`.
#[derive(Clone, Debug)]
pub struct StudyEntry {
    pub name: String,
    pub source: StudySource,
    /// Absolute folder (`None` for the demo).
    pub path: Option<PathBuf>,
    pub spec: JobSpec,
    pub force: bool,
    pub schedule: Option<ScheduleEntry>,
    /// Line of the entry in the manifest, for messages about it later.
    pub line: usize,
}

/// A validated manifest with every path made absolute.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub file: PathBuf,
    pub workspace: PathBuf,
    pub store: PathBuf,
    /// Jobs write `runs_dir/job-<id>/` (the layout `hypomics serve --workspace` uses too).
    pub runs_dir: PathBuf,
    pub parallel: usize,
    pub webhook: Option<String>,
    pub studies: Vec<StudyEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    batch: Spanned<RawBatch>,
    #[serde(default)]
    study: Vec<Spanned<RawStudy>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatch {
    workspace: Option<Spanned<String>>,
    store: Option<Spanned<String>>,
    parallel: Option<Spanned<i64>>,
    webhook: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStudy {
    name: Spanned<String>,
    path: Option<Spanned<String>>,
    demo: Option<Spanned<bool>>,
    planner: Option<PlannerChoice>,
    max_analyses: Option<usize>,
    max_seconds: Option<f64>,
    seed: Option<u64>,
    permutations: Option<usize>,
    max_hypotheses: Option<usize>,
    #[serde(default)]
    force: bool,
    schedule: Option<Spanned<RawSchedule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    cron: String,
    timezone: String,
}

/// 1-based line and column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

struct Source<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Source<'_> {
    fn at(&self, span: Range<usize>, message: impl Into<String>) -> ManifestError {
        let (line, column) = line_column(self.text, span.start);
        ManifestError::At {
            path: self.file.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }

    fn line(&self, span: &Range<usize>) -> usize {
        line_column(self.text, span.start).0
    }
}

impl Manifest {
    /// Reads and validates the manifest at `file`.
    pub fn load(file: &Path) -> Result<Self, ManifestError> {
        let text = std::fs::read_to_string(file).map_err(|source| ManifestError::Read {
            path: file.to_path_buf(),
            source,
        })?;
        Self::parse(file, &text)
    }

    /// Validates manifest `text`; relative paths are taken from `file`'s folder.
    pub fn parse(file: &Path, text: &str) -> Result<Self, ManifestError> {
        let source = Source { file, text };
        let raw: RawManifest = toml::from_str(text).map_err(|e| match e.span() {
            Some(span) => source.at(span, e.message().trim().to_owned()),
            None => ManifestError::Whole {
                path: file.to_path_buf(),
                message: e.message().trim().to_owned(),
            },
        })?;
        let base = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let base = std::path::absolute(&base).unwrap_or(base);
        let batch = raw.batch.get_ref();
        let workspace = match &batch.workspace {
            Some(w) if w.get_ref().trim().is_empty() => {
                return Err(source.at(w.span(), "`workspace` is empty; give a folder"));
            }
            Some(w) => base.join(w.get_ref()),
            None => base.join("hypomics-batch"),
        };
        let store = match &batch.store {
            Some(s) if s.get_ref().trim().is_empty() => {
                return Err(source.at(s.span(), "`store` is empty; give a file"));
            }
            // A PostgreSQL URL is kept as written; a SQLite path is relative to this file.
            Some(s) => match graph::sql::StoreLocation::parse(s.get_ref()) {
                graph::sql::StoreLocation::Postgres(_) => PathBuf::from(s.get_ref()),
                graph::sql::StoreLocation::Sqlite(path) => base.join(path),
            },
            None => workspace.join("hypomics.db"),
        };
        let parallel = match &batch.parallel {
            Some(p) => {
                let n = *p.get_ref();
                if n < 1 || n > MAX_PARALLEL as i64 {
                    return Err(source.at(
                        p.span(),
                        format!("`parallel` must be between 1 and {MAX_PARALLEL}, got {n}"),
                    ));
                }
                n as usize
            }
            None => 1,
        };
        let webhook = match &batch.webhook {
            Some(w) => {
                let url = w.get_ref().trim();
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(source.at(
                        w.span(),
                        format!("`webhook` must be an http:// or https:// URL, got `{url}`"),
                    ));
                }
                Some(url.to_owned())
            }
            None => None,
        };
        if raw.study.is_empty() {
            return Err(source.at(
                raw.batch.span(),
                "the manifest lists no studies; add a `[[study]]` table with `name` and `path` (or `demo = true`)",
            ));
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut studies = Vec::with_capacity(raw.study.len());
        for entry in &raw.study {
            let study = study_entry(&source, &base, entry)?;
            if let Some(first) = seen.insert(study.name.clone(), study.line) {
                return Err(source.at(
                    entry.get_ref().name.span(),
                    format!(
                        "study `{}` is listed twice (first on line {first}); names must be unique",
                        study.name
                    ),
                ));
            }
            studies.push(study);
        }
        Ok(Self {
            file: file.to_path_buf(),
            runs_dir: workspace.join("runs"),
            workspace,
            store,
            parallel,
            webhook,
            studies,
        })
    }
}

fn study_entry(
    source: &Source<'_>,
    base: &Path,
    entry: &Spanned<RawStudy>,
) -> Result<StudyEntry, ManifestError> {
    let raw = entry.get_ref();
    let name = raw.name.get_ref().trim().to_owned();
    if name.is_empty() || name.len() > 100 {
        return Err(source.at(raw.name.span(), "study `name` must be 1-100 characters"));
    }
    let demo = raw.demo.as_ref().is_some_and(|d| *d.get_ref());
    let (study_source, path) = match (&raw.path, demo) {
        (Some(p), true) => {
            return Err(source.at(
                p.span(),
                format!("study `{name}` has both `path` and `demo = true`; give one"),
            ));
        }
        (Some(p), false) => {
            let dir = base.join(p.get_ref());
            if !dir.is_dir() {
                return Err(source.at(
                    p.span(),
                    format!(
                        "study `{name}`: folder {} does not exist (paths are relative to the manifest's folder)",
                        dir.display()
                    ),
                ));
            }
            let dir = dir.canonicalize().unwrap_or(dir);
            (StudySource::Folder, Some(dir))
        }
        (None, true) => (StudySource::Demo, None),
        (None, false) => {
            return Err(source.at(
                entry.span(),
                format!("study `{name}` needs `path = \"FOLDER\"` or `demo = true`"),
            ));
        }
    };
    let defaults = JobSpec::default();
    let spec = JobSpec {
        planner: raw.planner.unwrap_or(defaults.planner),
        max_analyses: raw.max_analyses.unwrap_or(defaults.max_analyses),
        max_seconds: raw.max_seconds.unwrap_or(defaults.max_seconds),
        seed: raw.seed.unwrap_or(defaults.seed),
        permutations: raw.permutations.unwrap_or(defaults.permutations),
        max_hypotheses: raw.max_hypotheses.unwrap_or(defaults.max_hypotheses),
    };
    spec.validate()
        .map_err(|e| source.at(entry.span(), format!("study `{name}`: {e}")))?;
    let schedule = match &raw.schedule {
        Some(s) => {
            let parsed = CronSchedule::parse(&s.get_ref().cron, &s.get_ref().timezone)
                .map_err(|e| source.at(s.span(), format!("study `{name}` schedule: {e}")))?;
            Some(ScheduleEntry {
                cron: parsed.expr().to_owned(),
                timezone: parsed.zone().name().to_owned(),
            })
        }
        None => None,
    };
    Ok(StudyEntry {
        name,
        source: study_source,
        path,
        spec,
        force: raw.force,
        schedule,
        line: source.line(&entry.span()),
    })
}

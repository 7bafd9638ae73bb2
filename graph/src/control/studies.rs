//! Registered studies: what the server may run. A study is a folder (under the server's data root,
//! or one it received as an upload) or the bundled demo; its profile (layers, shapes, sample
//! matching, clinical variables) is computed once at registration by the caller, handed over as
//! the typed `datasets::summary::StudySummary` (what `hypomics inspect --json` prints) and kept
//! as JSON: the store is where it becomes text. Readers see it through `model::StudyProfile`.

use super::{ControlError, ControlResult, ControlStore, StudyId, json_column};
use crate::error::StoreError;
use crate::sql::{Lock, Row, args};
use crate::text_enum::text_enum;
use crate::time::Timestamp;
use datasets::summary::StudySummary;
use serde::Serialize;
use std::path::PathBuf;

text_enum! {
    /// Where a registered study's files come from.
    pub enum StudySource {
        /// The demo study compiled into hypomics.
        Demo => "demo",
        /// A folder under the server's data root (or given to `hypomics batch`).
        Folder => "folder",
        /// Files uploaded through the API into the server's workspace.
        Upload => "upload",
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct StudyRecord {
    pub id: StudyId,
    pub name: String,
    pub source: StudySource,
    /// The folder holding the files (`None` for the demo).
    pub path: Option<PathBuf>,
    pub profile: Option<serde_json::Value>,
    pub created_at: Timestamp,
}

pub struct NewStudy {
    pub name: String,
    pub source: StudySource,
    pub path: Option<PathBuf>,
    /// The study's profile, when it loaded.
    pub profile: Option<StudySummary>,
}

const COLUMNS: &str = "id, name, source, path, profile, created_at";

/// id, name, source, path, profile, created_at as stored.
type RawStudy = (i64, String, String, Option<String>, Option<String>, i64);

fn study_row(row: &dyn Row) -> Result<RawStudy, StoreError> {
    Ok((
        row.int(0)?,
        row.text(1)?,
        row.text(2)?,
        row.opt_text(3)?,
        row.opt_text(4)?,
        row.int(5)?,
    ))
}

fn to_record((id, name, source, path, profile, created): RawStudy) -> ControlResult<StudyRecord> {
    Ok(StudyRecord {
        id: StudyId(id),
        name,
        source: source.parse().map_err(StoreError::from)?,
        path: path.map(PathBuf::from),
        profile: json_column(profile)?,
        created_at: Timestamp::from_millis(created),
    })
}

impl ControlStore {
    /// Registers a study; names are unique.
    pub fn register_study(
        &mut self,
        study: NewStudy,
        now: Timestamp,
    ) -> ControlResult<StudyRecord> {
        let profile = study
            .profile
            .as_ref()
            .map(serde_json::to_value)
            .transpose()?;
        let text = profile.as_ref().map(serde_json::to_string).transpose()?;
        let id = self.db().transaction(Lock::Control, |db| {
            let exists = db
                .row(
                    "SELECT id FROM studies WHERE name = ?1",
                    &args![&study.name],
                    |r| r.int(0),
                )?
                .is_some();
            if exists {
                return Err(ControlError::DuplicateStudy(study.name.clone()));
            }
            let id = db
                .row(
                    "INSERT INTO studies(name, source, path, profile, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
                     RETURNING id",
                    &args![
                        &study.name,
                        study.source.as_str(),
                        study.path.as_ref().map(|p| p.to_string_lossy().into_owned()),
                        text,
                        now.millis()
                    ],
                    |r| r.int(0),
                )?
                .ok_or_else(|| StoreError::Corrupt("INSERT returned no id".into()))?;
            Ok(StudyId(id))
        })?;
        Ok(StudyRecord {
            id,
            name: study.name,
            source: study.source,
            path: study.path,
            profile,
            created_at: now,
        })
    }

    /// Registers the study unless one of that name exists, in which case the existing record is
    /// returned unchanged (batch manifests and the demo are registered on every start).
    pub fn ensure_study(&mut self, study: NewStudy, now: Timestamp) -> ControlResult<StudyRecord> {
        if let Some(existing) = self.study_by_name(&study.name)? {
            return Ok(existing);
        }
        let name = study.name.clone();
        match self.register_study(study, now) {
            // Another server registered it between the look-up and the insert.
            Err(ControlError::DuplicateStudy(_)) => self
                .study_by_name(&name)?
                .ok_or(ControlError::UnknownStudy(name)),
            other => other,
        }
    }

    /// Replaces a study's stored profile (after its files changed).
    pub fn set_study_profile(&mut self, id: StudyId, profile: &StudySummary) -> ControlResult<()> {
        let n = self.db().execute(
            "UPDATE studies SET profile = ?2 WHERE id = ?1",
            &args![id.0, serde_json::to_string(profile)?],
        )?;
        if n == 0 {
            return Err(ControlError::UnknownStudy(id.to_string()));
        }
        Ok(())
    }

    pub fn study(&self, id: StudyId) -> ControlResult<Option<StudyRecord>> {
        self.reader()
            .row(
                &format!("SELECT {COLUMNS} FROM studies WHERE id = ?1"),
                &args![id.0],
                study_row,
            )?
            .map(to_record)
            .transpose()
    }

    pub fn study_by_name(&self, name: &str) -> ControlResult<Option<StudyRecord>> {
        self.reader()
            .row(
                &format!("SELECT {COLUMNS} FROM studies WHERE name = ?1"),
                &args![name],
                study_row,
            )?
            .map(to_record)
            .transpose()
    }

    /// Every registered study, oldest first.
    pub fn studies(&self) -> ControlResult<Vec<StudyRecord>> {
        self.reader()
            .rows(
                &format!("SELECT {COLUMNS} FROM studies ORDER BY id"),
                &[],
                study_row,
            )?
            .into_iter()
            .map(to_record)
            .collect()
    }

    /// The study whose job recorded graph run `run`, if a job did.
    pub fn study_of_run(&self, run: crate::RunId) -> ControlResult<Option<StudyRecord>> {
        let id = self.reader().row(
            "SELECT study_id FROM jobs WHERE run_id = ?1 ORDER BY id DESC LIMIT 1",
            &args![run.get()],
            |r| r.int(0),
        )?;
        match id {
            Some(id) => self.study(StudyId(id)),
            None => Ok(None),
        }
    }
}

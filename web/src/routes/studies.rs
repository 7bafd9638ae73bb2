//! Studies: list, detail with profile, register a folder under the data root, upload files.
//!
//! Registering loads the study once (in a blocking task: loading reads and parses every table),
//! so a folder that is not a study is refused with the loader's message naming the file and line,
//! and the stored profile (layers, shapes, sample matching, clinical variables) is what the
//! dashboard shows without loading it again.

use crate::error::ApiError;
use crate::jobs::study::load_new_study;
use crate::params::{Params, PathParam};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use datasets::summary::StudySummary;
use graph::control::{NewStudy, StudyId, StudyRecord, StudySource};
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::PathBuf;

pub async fn list(State(state): State<AppState>, params: Params) -> Result<Json<Value>, ApiError> {
    params.only(&[])?;
    let studies = state.control()?.with(|c| c.studies())?;
    Ok(Json(json!({ "studies": studies })))
}

/// A study by id or by name.
pub(crate) fn find(state: &AppState, key: &str) -> Result<StudyRecord, ApiError> {
    let control = state.control()?;
    let found = match key.parse::<i64>() {
        Ok(id) => control.with(|c| c.study(StudyId(id)))?,
        Err(_) => control.with(|c| c.study_by_name(key))?,
    };
    found.ok_or_else(|| ApiError::NotFound {
        what: "study",
        id: key.to_owned(),
    })
}

pub async fn detail(
    State(state): State<AppState>,
    PathParam(key): PathParam,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    params.only(&[])?;
    let study = find(&state, &key)?;
    let jobs = state.control()?.with(|c| {
        c.jobs(&graph::control::JobFilter {
            study: Some(study.id),
            state: None,
            limit: Some(50),
        })
    })?;
    Ok(Json(json!({ "study": study, "jobs": jobs })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Unique name for the study.
    pub name: String,
    /// Folder relative to the server's data root.
    pub path: String,
}

/// Names become folder names (uploads) and URL segments: keep them plain.
fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
        && !name.starts_with('.')
        && name.parse::<i64>().is_err();
    if ok {
        Ok(())
    } else {
        Err(ApiError::Unprocessable(format!(
            "study name `{name}` must be 1-100 letters, digits, spaces, '-', '_' or '.', not start with '.', and not be a number"
        )))
    }
}

/// Loads the folder and registers it, or says why it is not a study.
async fn load_and_register(
    state: &AppState,
    name: String,
    source: StudySource,
    path: PathBuf,
) -> Result<StudyRecord, ApiError> {
    let control = state.control()?;
    if control.with(|c| c.study_by_name(&name))?.is_some() {
        return Err(ApiError::Conflict(format!(
            "a study named `{name}` is already registered"
        )));
    }
    let study = NewStudy {
        name,
        source,
        path: Some(path),
        profile: None,
    };
    let (mut study, profile) = tokio::task::spawn_blocking(move || {
        let profile = load_new_study(&study).map(|s| StudySummary::of(&s));
        (study, profile)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("loading the study: {e}")))?;
    study.profile = Some(profile.map_err(ApiError::Unprocessable)?);
    let now = control.now();
    control.with(|c| c.register_study(study, now))
}

pub async fn register(
    State(state): State<AppState>,
    body: Result<Json<RegisterRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Json(request) = body.map_err(|e| ApiError::Unprocessable(e.body_text()))?;
    check_name(&request.name)?;
    let path = state.control()?.resolve_in_data_root(&request.path)?;
    let study = load_and_register(&state, request.name, StudySource::Folder, path).await?;
    Ok((StatusCode::CREATED, Json(json!({ "study": study }))))
}

/// A file name from an upload, reduced to its last component and refused if it could escape the
/// study folder or hide itself.
fn safe_file_name(raw: &str) -> Result<String, ApiError> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    if base.is_empty() || base.starts_with('.') || base.len() > 200 || base.contains('\0') {
        return Err(ApiError::Unprocessable(format!(
            "uploaded file name `{raw}` is not a plain file name"
        )));
    }
    Ok(base.to_owned())
}

/// A failed read of the multipart body: over the size limit (the body-limit layer cut it off)
/// or malformed.
fn multipart_error(e: &axum::extract::multipart::MultipartError, limit: usize) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge(format!(
            "the upload exceeds this server's limit of {limit} bytes"
        ))
    } else {
        ApiError::Unprocessable(e.body_text())
    }
}

/// An upload stalls when no bytes arrive for this long (the body is read chunk by chunk).
const UPLOAD_STALL: std::time::Duration = std::time::Duration::from_secs(30);
/// Files one upload may hold.
const MAX_UPLOAD_FILES: usize = 200;

/// `POST /api/studies/upload?name=NAME`: a multipart body of the study's files. Limited to the
/// configured size (413 beyond it); the files are streamed to `uploads/NAME/` chunk by chunk (never
/// held whole in memory, written through tokio's file API, off the async threads) and registered
/// like a folder. The folder is claimed with one atomic `create_dir`, so of two uploads with the
/// same name one gets 409 and neither can delete the other's files; a failed upload removes only
/// the folder it created.
pub async fn upload(
    State(state): State<AppState>,
    params: Params,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    params.only(&["name"])?;
    let name = params
        .text("name")
        .ok_or_else(|| ApiError::MissingParam {
            name: "name".into(),
            expected: "a name for the uploaded study".into(),
        })?
        .to_owned();
    check_name(&name)?;
    let mut multipart = multipart.map_err(|e| ApiError::Unprocessable(e.body_text()))?;
    let control = state.control()?;
    if control.with(|c| c.study_by_name(&name))?.is_some() {
        return Err(ApiError::Conflict(format!(
            "a study named `{name}` is already registered"
        )));
    }
    let dir = control.workspace.uploads_dir.join(&name);
    match tokio::fs::create_dir(&dir).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(ApiError::Conflict(format!(
                "an upload named `{name}` already exists in the workspace"
            )));
        }
        Err(e) => {
            return Err(ApiError::Internal(format!(
                "creating {}: {e}",
                dir.display()
            )));
        }
    }
    let limit = control.workspace.upload_limit;
    let result = async {
        let mut files = 0usize;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| multipart_error(&e, limit))?
        {
            let Some(file_name) = field.file_name().map(safe_file_name).transpose()? else {
                continue;
            };
            if files == MAX_UPLOAD_FILES {
                return Err(ApiError::Unprocessable(format!(
                    "an upload may hold at most {MAX_UPLOAD_FILES} files"
                )));
            }
            save_field(field, &dir.join(&file_name), &file_name, limit).await?;
            files += 1;
        }
        if files == 0 {
            return Err(ApiError::Unprocessable(
                "the upload holds no files (send multipart/form-data with file fields)".into(),
            ));
        }
        load_and_register(&state, name.clone(), StudySource::Upload, dir.clone()).await
    }
    .await;
    match result {
        Ok(study) => Ok((StatusCode::CREATED, Json(json!({ "study": study })))),
        Err(e) => {
            let _ = tokio::fs::remove_dir_all(&dir).await;
            Err(e)
        }
    }
}

/// Streams one multipart field into a new file at `path` (refusing a name that appears twice).
async fn save_field(
    mut field: axum::extract::multipart::Field<'_>,
    path: &std::path::Path,
    file_name: &str,
    limit: usize,
) -> Result<(), ApiError> {
    use tokio::io::AsyncWriteExt;
    let mut file = match tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .await
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(ApiError::Unprocessable(format!(
                "file `{file_name}` appears twice in the upload"
            )));
        }
        Err(e) => {
            return Err(ApiError::Internal(format!(
                "writing {}: {e}",
                path.display()
            )));
        }
    };
    let write_error =
        |e: std::io::Error| ApiError::Internal(format!("writing {}: {e}", path.display()));
    loop {
        let chunk = tokio::time::timeout(UPLOAD_STALL, field.chunk())
            .await
            .map_err(|_| {
                ApiError::Timeout(format!(
                    "the upload stalled: no data for {} s",
                    UPLOAD_STALL.as_secs()
                ))
            })?
            .map_err(|e| multipart_error(&e, limit))?;
        let Some(chunk) = chunk else { break };
        file.write_all(&chunk).await.map_err(write_error)?;
    }
    file.flush().await.map_err(write_error)
}

//! The server's side of the control plane: one connection to the store's job queue, the
//! workspace folders jobs and uploads write to, the data root studies may be registered from, and
//! the clock. Handlers reach it through [`crate::state::AppState::control`]; a server started over
//! a store without a workspace has none and refuses writes.

use crate::error::ApiError;
use crate::jobs::Clock;
use graph::control::{ControlResult, ControlStore};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Where things live, fixed at start.
#[derive(Clone, Debug)]
pub struct Workspace {
    /// Jobs write `runs/job-<id>/`.
    pub runs_dir: PathBuf,
    /// Uploaded studies are unpacked into `uploads/<name>/`.
    pub uploads_dir: PathBuf,
    /// Folders under this (canonical) root may be registered as studies; `None`: none may.
    pub data_root: Option<PathBuf>,
    /// Largest upload accepted, bytes.
    pub upload_limit: usize,
    /// Attempts a job gets before it fails.
    pub max_attempts: u32,
}

pub struct Control {
    store: Mutex<ControlStore>,
    pub workspace: Workspace,
    pub clock: Arc<dyn Clock>,
}

impl Control {
    pub fn new(store: ControlStore, workspace: Workspace, clock: Arc<dyn Clock>) -> Self {
        Self {
            store: Mutex::new(store),
            workspace,
            clock,
        }
    }

    /// Runs `f` on the queue. Queue operations are single short transactions, so holding the lock
    /// for one is fine on an async thread.
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut ControlStore) -> ControlResult<T>,
    ) -> Result<T, ApiError> {
        let mut store = self.store.lock().map_err(|_| ApiError::Poisoned)?;
        Ok(f(&mut store)?)
    }

    pub fn now(&self) -> graph::Timestamp {
        self.clock.now()
    }

    /// Resolves `relative` inside the data root, refusing anything that leaves it (`..`, absolute
    /// paths, symbolic links pointing outside): the path is canonicalised and must still start
    /// with the canonical root.
    pub fn resolve_in_data_root(&self, relative: &str) -> Result<PathBuf, ApiError> {
        let Some(root) = &self.workspace.data_root else {
            return Err(ApiError::Forbidden(
                "this server has no data root; start it with `--data-root DIR` to register folders"
                    .into(),
            ));
        };
        let candidate = root.join(Path::new(relative.trim_start_matches('/')));
        let resolved = candidate.canonicalize().map_err(|e| {
            ApiError::Unprocessable(format!(
                "path `{relative}` under the data root cannot be opened: {e}"
            ))
        })?;
        if !resolved.starts_with(root) {
            return Err(ApiError::Forbidden(format!(
                "path `{relative}` leads outside the data root"
            )));
        }
        if !resolved.is_dir() {
            return Err(ApiError::Unprocessable(format!(
                "path `{relative}` is not a folder"
            )));
        }
        Ok(resolved)
    }
}

//! The one piece of shared state: the research graph, opened read-only, behind a lock. The agent
//! writes the store from another process; before each request we compare the store files'
//! sizes and modification times with those seen at the last load and reload when they moved,
//! so the API shows new runs without a restart and costs nothing when nothing changed.

use crate::error::{ApiError, WebError};
use graph::ResearchGraph;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};
use std::time::SystemTime;

/// Size and modification time of the database and its write-ahead log.
type Stamp = [Option<(u64, SystemTime)>; 2];

fn stamp(path: &Path) -> Stamp {
    let one = |p: &Path| {
        std::fs::metadata(p)
            .ok()
            .map(|m| (m.len(), m.modified().unwrap_or(SystemTime::UNIX_EPOCH)))
    };
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    [one(path), one(Path::new(&wal))]
}

/// Shared by every handler (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    path: Arc<PathBuf>,
    graph: Arc<RwLock<ResearchGraph>>,
    seen: Arc<Mutex<Stamp>>,
}

impl AppState {
    /// Opens the store read-only and builds the graph in memory.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, WebError> {
        let path = path.into();
        if !path.is_file() {
            return Err(WebError::StoreMissing { path });
        }
        let seen = stamp(&path);
        let graph = ResearchGraph::open_read_only(&path).map_err(|source| WebError::OpenStore {
            path: path.clone(),
            source,
        })?;
        Ok(Self {
            path: Arc::new(path),
            graph: Arc::new(RwLock::new(graph)),
            seen: Arc::new(Mutex::new(seen)),
        })
    }

    pub fn store_path(&self) -> &Path {
        &self.path
    }

    /// Rebuilds the graph from the store now.
    pub fn reload(&self) -> Result<(), ApiError> {
        let mut seen = self.seen.lock().map_err(|_| ApiError::Poisoned)?;
        self.reload_locked(&mut seen)
    }

    /// Reloads while the caller holds `seen`, so concurrent requests that notice the same change
    /// wait for one reload instead of each doing their own.
    fn reload_locked(&self, seen: &mut Stamp) -> Result<(), ApiError> {
        // Stamp before loading: a commit racing the load moves the stamp again and is picked up
        // by the next request rather than lost.
        let now = stamp(&self.path);
        self.graph
            .write()
            .map_err(|_| ApiError::Poisoned)?
            .reload()?;
        *seen = now;
        Ok(())
    }

    /// The current graph for reading, reloaded first if the store files changed since the last
    /// load. Lock order is always `seen`, then `graph`.
    pub fn read(&self) -> Result<RwLockReadGuard<'_, ResearchGraph>, ApiError> {
        {
            let mut seen = self.seen.lock().map_err(|_| ApiError::Poisoned)?;
            if *seen != stamp(&self.path) {
                self.reload_locked(&mut seen)?;
            }
        }
        self.graph.read().map_err(|_| ApiError::Poisoned)
    }
}

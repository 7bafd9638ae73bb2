//! The one piece of shared state: the research graph, opened read-only, behind a lock. The agent
//! writes the store from other threads, processes or servers; before each request we ask the
//! store whether anyone committed since the last load (its graph commit counter, one cheap query
//! on either backend) and reload when so, so the API shows new runs without a restart and costs
//! nothing when nothing changed.
//!
//! While a job runs, the store changes every step, and a reload rebuilds the whole graph (seconds
//! for a large store). So a reload waits until [`RELOAD_SHARE`] times the last reload's duration
//! has passed since it: the dashboard may be that much behind, and never spends more than a
//! fraction of its time reloading.

use crate::error::{ApiError, WebError};
use crate::study_data::{self, StudyCache, StudyUnavailable, changed_inputs};
use datasets::Study;
use graph::{InputFile, ResearchGraph, RunId};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

/// A reload waits this many times the previous reload's duration after it (see module docs).
pub const RELOAD_SHARE: u32 = 4;

/// What the last load saw and when it happened.
struct Seen {
    at: Instant,
    took: Duration,
}

impl Seen {
    fn due(&self) -> bool {
        self.at.elapsed() >= self.took * RELOAD_SHARE
    }
}

/// Shared by every handler (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    path: Arc<PathBuf>,
    graph: Arc<RwLock<ResearchGraph>>,
    seen: Arc<Mutex<Seen>>,
    /// The study data behind runs, for the hypothesis page's plots.
    studies: Arc<StudyCache>,
    /// Who may read and write.
    access: Arc<crate::auth::AccessPolicy>,
    /// The job queue and workspace; `None` on a read-only server.
    control: Option<Arc<crate::control::Control>>,
    /// Job change notifications (PostgreSQL stores); `None`: live streams poll.
    live: Option<Arc<crate::jobs::live::LiveJobs>>,
}

impl AppState {
    /// Opens the store read-only and builds the graph in memory.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, WebError> {
        let path = path.into();
        if !graph::sql::StoreLocation::from(&path).may_exist() {
            return Err(WebError::StoreMissing { path });
        }
        let started = Instant::now();
        let graph = ResearchGraph::open_read_only(&path).map_err(|source| WebError::OpenStore {
            path: path.clone(),
            source,
        })?;
        Ok(Self {
            path: Arc::new(path),
            graph: Arc::new(RwLock::new(graph)),
            seen: Arc::new(Mutex::new(Seen {
                at: Instant::now(),
                took: started.elapsed(),
            })),
            studies: Arc::new(StudyCache::default()),
            access: Arc::new(crate::auth::AccessPolicy::default()),
            control: None,
            live: None,
        })
    }

    /// The same state with access rules and a job queue (what `hypomics serve` runs with).
    pub fn with_control(
        mut self,
        access: crate::auth::AccessPolicy,
        control: Option<crate::control::Control>,
    ) -> Self {
        self.access = Arc::new(access);
        self.control = control.map(Arc::new);
        self
    }

    /// The same state following job changes pushed by the store (see `jobs::live`).
    pub fn with_live(mut self, live: Option<crate::jobs::live::LiveJobs>) -> Self {
        self.live = live.map(Arc::new);
        self
    }

    /// A waiter for job changes, when the store pushes them.
    pub fn job_waiter(&self) -> Option<crate::jobs::live::Waiter> {
        self.live.as_ref().map(|l| l.subscribe())
    }

    pub fn access(&self) -> &crate::auth::AccessPolicy {
        &self.access
    }

    /// The job queue, or the 403 a read-only server answers writes with.
    pub fn control(&self) -> Result<&crate::control::Control, ApiError> {
        self.control.as_deref().ok_or(ApiError::NoQueue)
    }

    /// Whether this server can run jobs (pages hide their buttons otherwise).
    pub fn has_queue(&self) -> bool {
        self.control.is_some()
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
    fn reload_locked(&self, seen: &mut Seen) -> Result<(), ApiError> {
        // The load notes the commit counter of its own snapshot: a commit racing it leaves the
        // graph stale, and the next request reloads rather than losing it.
        let started = Instant::now();
        self.graph
            .write()
            .map_err(|_| ApiError::Poisoned)?
            .reload()?;
        *seen = Seen {
            at: Instant::now(),
            took: started.elapsed(),
        };
        Ok(())
    }

    /// The current graph for reading, reloaded first if the store changed since the last
    /// load and a reload is due. Lock order is always `seen`, then `graph`.
    pub fn read(&self) -> Result<RwLockReadGuard<'_, ResearchGraph>, ApiError> {
        {
            let mut seen = self.seen.lock().map_err(|_| ApiError::Poisoned)?;
            if seen.due() {
                let stale = self
                    .graph
                    .read()
                    .map_err(|_| ApiError::Poisoned)?
                    .is_stale()?;
                if stale {
                    self.reload_locked(&mut seen)?;
                }
            }
        }
        self.graph.read().map_err(|_| ApiError::Poisoned)
    }

    /// The study data a run analysed, or `None` when the store does not say where it is or it
    /// cannot be read; [`Self::study_matching`] says why.
    pub async fn study_for_run(&self, run: RunId) -> Option<Arc<Study>> {
        self.study_matching(run, &[]).await.ok()
    }

    /// The study data a run analysed, checked against the input files the analyses recorded: a
    /// plot of edited files would show data the findings never saw. A kept study that does not
    /// match is read again once, since its folder may have changed after it was loaded.
    pub async fn study_matching(
        &self,
        run: RunId,
        inputs: &[InputFile],
    ) -> Result<Arc<Study>, StudyUnavailable> {
        let source = {
            let graph = self
                .read()
                .map_err(|e| StudyUnavailable::Store(e.to_string()))?;
            study_data::source_of_run(&graph, run)?
        };
        let (study, was_kept) = self.studies.get(&source).await?;
        let mut changed = changed_inputs(&study, inputs);
        if changed.is_empty() {
            return Ok(study);
        }
        if was_kept {
            self.studies.forget(&source);
            let (study, _) = self.studies.get(&source).await?;
            changed = changed_inputs(&study, inputs);
            if changed.is_empty() {
                return Ok(study);
            }
        }
        Err(StudyUnavailable::Changed { files: changed })
    }

    /// A slot for a background study warm-up (`None`: one is pending already).
    pub fn warm_slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.studies.warm_slot()
    }

    /// How many studies are kept in memory.
    pub fn studies_kept(&self) -> usize {
        self.studies.len()
    }
}

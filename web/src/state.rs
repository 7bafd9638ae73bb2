//! The one piece of shared state: the research graph, opened read-only, as an immutable snapshot.
//! The agent writes the store from other threads, processes or servers; before each request we ask
//! the store whether anyone committed since the last load (its graph commit counter, one cheap
//! query on either backend) and load a new snapshot when so, so the API shows new runs without a
//! restart and costs nothing when nothing changed.
//!
//! While a job runs, the store changes every step, and a load rebuilds the whole graph (seconds
//! for a large store). Two rules keep reads fast meanwhile:
//! - the new snapshot is built outside any lock the readers take and swapped in when complete,
//!   and only one request builds it: requests arriving during the build are answered from the
//!   previous snapshot instead of queueing behind it;
//! - a load waits until [`RELOAD_SHARE`] times the last load's duration has passed since it, so
//!   the dashboard may be that much behind and never spends more than a fraction of its time
//!   loading.

use crate::error::{ApiError, WebError};
use crate::study_data::{self, StudyCache, StudyUnavailable, changed_inputs};
use datasets::Study;
use graph::{InputFile, ResearchGraph, RunId};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, TryLockError};
use std::time::{Duration, Instant};

/// A load waits this many times the previous reload's duration after it (see module docs).
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
    /// The current snapshot; the lock is held only to clone or replace the `Arc`.
    graph: Arc<RwLock<Arc<ResearchGraph>>>,
    /// When the snapshot was loaded; held by the one request building the next snapshot.
    seen: Arc<Mutex<Seen>>,
    /// The study data behind runs, for the hypothesis page's plots.
    studies: Arc<StudyCache>,
    /// Who may read and write.
    access: Arc<crate::auth::AccessPolicy>,
    /// The job queue and workspace; `None` on a read-only server.
    control: Option<Arc<crate::control::Control>>,
    /// Job change notifications (PostgreSQL stores); `None`: live streams poll.
    live: Option<Arc<crate::jobs::live::LiveJobs>>,
    /// One reader per followed job, shared by its live streams.
    feeds: Arc<crate::jobs::feed::JobFeeds>,
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
            graph: Arc::new(RwLock::new(Arc::new(graph))),
            seen: Arc::new(Mutex::new(Seen {
                at: Instant::now(),
                took: started.elapsed(),
            })),
            studies: Arc::new(StudyCache::default()),
            access: Arc::new(crate::auth::AccessPolicy::default()),
            control: None,
            live: None,
            feeds: Arc::default(),
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

    /// The readers fanning job events out to live streams.
    pub fn job_feeds(&self) -> &crate::jobs::feed::JobFeeds {
        &self.feeds
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

    /// Loads a new snapshot from the store now.
    pub fn reload(&self) -> Result<(), ApiError> {
        let mut seen = self.seen.lock().map_err(|_| ApiError::Poisoned)?;
        self.reload_locked(&mut seen)
    }

    /// Builds the next snapshot while the caller holds `seen` (so one request builds it), then
    /// swaps it in. Readers keep the previous snapshot meanwhile.
    fn reload_locked(&self, seen: &mut Seen) -> Result<(), ApiError> {
        // The load notes the commit counter of its own snapshot: a commit racing it leaves the
        // graph stale, and a later request loads again rather than losing it.
        let started = Instant::now();
        let load = || ResearchGraph::open_read_only(self.path.as_path());
        // A load takes tens of milliseconds or more; on the server's runtime it would hold one of
        // its few async threads, so the runtime moves that thread's other tasks elsewhere first.
        let fresh = match tokio::runtime::Handle::try_current() {
            Ok(runtime)
                if runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread =>
            {
                tokio::task::block_in_place(load)
            }
            _ => load(),
        }?;
        *self.graph.write().map_err(|_| ApiError::Poisoned)? = Arc::new(fresh);
        *seen = Seen {
            at: Instant::now(),
            took: started.elapsed(),
        };
        Ok(())
    }

    fn snapshot(&self) -> Result<Arc<ResearchGraph>, ApiError> {
        Ok(Arc::clone(
            &*self.graph.read().map_err(|_| ApiError::Poisoned)?,
        ))
    }

    /// The current graph for reading, loaded anew first if the store changed since the last
    /// load and a load is due. While another request is loading, the previous snapshot answers.
    pub fn read(&self) -> Result<Arc<ResearchGraph>, ApiError> {
        let mut seen = match self.seen.try_lock() {
            Ok(seen) => seen,
            Err(TryLockError::WouldBlock) => return self.snapshot(),
            Err(TryLockError::Poisoned(_)) => return Err(ApiError::Poisoned),
        };
        if seen.due() && self.snapshot()?.is_stale()? {
            self.reload_locked(&mut seen)?;
        }
        drop(seen);
        self.snapshot()
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

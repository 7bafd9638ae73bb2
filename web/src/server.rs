//! Binding and serving. [`router`] is the whole HTTP surface (tests call it through a real
//! listener via [`Server`]); [`serve`] is what `hypomics serve` runs.

use crate::auth::AccessPolicy;
use crate::control::{Control, Workspace};
use crate::error::{ApiError, WebError};
use crate::jobs::{Clock, SystemClock, Worker, WorkerConfig};
use crate::routes;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Uri};
use datasets::summary::StudySummary;
use graph::control::{ControlStore, NewStudy, StudySource};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;

/// Loopback only by default: reads are open unless `--private`, writes need the token.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// What `hypomics serve` needs.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The SQLite graph store (created if missing when there is a workspace).
    pub store: PathBuf,
    pub addr: SocketAddr,
    /// With a workspace the server registers studies and runs jobs; without one it only reads
    /// `store`, which must exist.
    pub workspace: Option<WorkspaceConfig>,
    pub access: AccessPolicy,
    /// Connection cap and header-read timeout.
    pub limits: crate::listen::Limits,
}

/// The writable side of a server.
#[derive(Clone, Debug)]
pub struct WorkspaceConfig {
    /// Holds `runs/` and `uploads/`.
    pub dir: PathBuf,
    /// Folders under it may be registered as studies.
    pub data_root: Option<PathBuf>,
    /// Worker threads running jobs (0: queue only, another process runs them).
    pub workers: usize,
    pub upload_limit: usize,
    pub max_attempts: u32,
    /// How long a job's claim lasts without renewal; a killed server's job waits this long.
    pub lease: Duration,
    pub retry_base: Duration,
    /// Signed calls when jobs end.
    pub webhook: Option<crate::jobs::webhook::Webhook>,
    /// Register the bundled demo study so a fresh server has something to run.
    pub register_demo: bool,
    /// The model `llm` jobs plan with (from `HYPOMICS_LLM_*`); `None`: they fail, saying so.
    pub llm: Option<crate::jobs::worker::LlmSetting>,
}

impl WorkspaceConfig {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            data_root: None,
            workers: 1,
            upload_limit: 512 * 1024 * 1024,
            max_attempts: 3,
            lease: Duration::from_secs(60),
            retry_base: Duration::from_secs(30),
            webhook: None,
            register_demo: true,
            llm: None,
        }
    }
}

/// The name the bundled demo study is registered under.
pub const DEMO_STUDY: &str = "demo";

/// Every route of [`routes::routes`] (the JSON API) and [`crate::pages::routes`] (the dashboard)
/// behind the access guard; unknown paths and methods get JSON errors (404, 405) like every other
/// failure.
pub fn router(state: AppState) -> Router {
    let upload_limit = state.control().map_or(0, |c| c.workspace.upload_limit);
    routes::routes()
        .into_iter()
        .chain(crate::pages::routes())
        .fold(Router::new(), |r, (path, method)| {
            if path == "/api/studies/upload" {
                r.route(path, method.layer(DefaultBodyLimit::max(upload_limit)))
            } else {
                r.route(path, method)
            }
        })
        .route("/login", axum::routing::get(crate::auth::login))
        .route("/logout", axum::routing::post(crate::auth::logout))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::guard,
        ))
        // Outer layers run first: refuse other hosts before anything, add headers to everything.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::host::check,
        ))
        .layer(axum::middleware::from_fn(crate::headers::add))
        .with_state(state)
}

async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::NoRoute {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
}

async fn wrong_method(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
}

/// A bound, not yet serving, API server: binding first lets callers learn the port (`:0`).
pub struct Server {
    listener: TcpListener,
    state: AppState,
    addr: SocketAddr,
    workers: Vec<WorkerConfig>,
    clock: Arc<dyn Clock>,
    limits: crate::listen::Limits,
}

impl Server {
    /// Opens the store, binds the address and prepares the workspace (nothing runs until
    /// [`Server::run`]).
    pub async fn bind(config: ServerConfig) -> Result<Self, WebError> {
        Self::bind_with_clock(config, Arc::new(SystemClock)).await
    }

    /// [`Server::bind`] with the clock the queue and scheduler read (tests move it by hand).
    pub async fn bind_with_clock(
        config: ServerConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, WebError> {
        config.access.check()?;
        let mut workers = Vec::new();
        let state = match &config.workspace {
            Some(ws) => {
                let (control, worker_configs) =
                    prepare_workspace(&config.store, ws, clock.clone()).await?;
                workers = worker_configs;
                AppState::open(&config.store)?.with_control(config.access.clone(), Some(control))
            }
            None => AppState::open(&config.store)?.with_control(config.access.clone(), None),
        };
        // Only servers with a queue serve live job streams.
        let state = if state.has_queue() {
            state.with_live(crate::jobs::live::LiveJobs::for_store(&config.store))
        } else {
            state
        };
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|source| WebError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| WebError::Bind {
            addr: config.addr,
            source,
        })?;
        Ok(Self {
            listener,
            state,
            addr,
            workers,
            clock,
            limits: config.limits,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL of the API.
    pub fn url(&self) -> String {
        format!("http://{}/api/", self.addr)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C, with the workers running jobs beside it.
    pub async fn run(self) -> Result<(), WebError> {
        self.run_until(async {
            // If the signal handler cannot be installed, serve until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
    }

    /// Serves until `shutdown` completes. Workers stop taking jobs then; a job in progress keeps
    /// its journal and is resumed by the next server once its lease runs out.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), WebError> {
        let stop = Arc::new(AtomicBool::new(false));
        // One low-priority pool for all of this server's jobs, so requests are answered first.
        let pool = if self.workers.is_empty() {
            None
        } else {
            crate::jobs::pool::JobPool::new()
        };
        for config in self.workers {
            spawn_worker(
                Worker::new(config, self.clock.clone()),
                stop.clone(),
                pool.clone(),
            );
        }
        // Every server with a queue fires due schedules; firing is atomic in the store, so
        // several servers on one store fire each occurrence once.
        let scheduler = self.state.has_queue().then(|| {
            tokio::spawn(crate::schedule::run_loop(
                self.state.store_path().to_path_buf(),
                self.clock.clone(),
                crate::schedule::TICK_PERIOD,
                std::future::pending(),
            ))
        });
        crate::listen::serve(self.listener, router(self.state), self.limits, shutdown).await;
        stop.store(true, Ordering::SeqCst);
        if let Some(scheduler) = scheduler {
            scheduler.abort();
        }
        Ok(())
    }
}

/// Creates the workspace folders, opens (creating) the store's queue, registers the demo study,
/// and names one worker per configured thread.
async fn prepare_workspace(
    store: &std::path::Path,
    ws: &WorkspaceConfig,
    clock: Arc<dyn Clock>,
) -> Result<(Control, Vec<WorkerConfig>), WebError> {
    let runs_dir = ws.dir.join("runs");
    let uploads_dir = ws.dir.join("uploads");
    for dir in [&ws.dir, &runs_dir, &uploads_dir] {
        std::fs::create_dir_all(dir).map_err(|source| WebError::Workspace {
            path: dir.clone(),
            source,
        })?;
    }
    let data_root = match &ws.data_root {
        Some(root) => Some(root.canonicalize().map_err(|source| WebError::DataRoot {
            path: root.clone(),
            source,
        })?),
        None => None,
    };
    let mut queue = ControlStore::open(store).map_err(|source| WebError::OpenQueue {
        path: store.to_path_buf(),
        source,
    })?;
    if ws.register_demo
        && queue
            .study_by_name(DEMO_STUDY)
            .map_err(|e| WebError::Demo(e.to_string()))?
            .is_none()
    {
        // Loading the demo parses its tables: off the async threads.
        let profile = tokio::task::spawn_blocking(|| {
            datasets::demo::load()
                .map(|s| StudySummary::of(&s))
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| WebError::Demo(e.to_string()))?
        .map_err(WebError::Demo)?;
        queue
            .ensure_study(
                NewStudy {
                    name: DEMO_STUDY.into(),
                    source: StudySource::Demo,
                    path: None,
                    profile: Some(profile),
                },
                clock.now(),
            )
            .map_err(|e| WebError::Demo(e.to_string()))?;
    }
    let workspace = Workspace {
        runs_dir: runs_dir.clone(),
        uploads_dir,
        data_root,
        upload_limit: ws.upload_limit,
        max_attempts: ws.max_attempts,
    };
    // Unique among servers sharing the store: the pid, and a random part for other hosts.
    let token = crate::auth::generate_token();
    let process = format!("{}-{}", std::process::id(), &token[..8]);
    let workers = (0..ws.workers)
        .map(|i| WorkerConfig {
            lease: ws.lease,
            retry_base: ws.retry_base,
            webhook: ws.webhook.clone(),
            llm: ws.llm.clone(),
            ..WorkerConfig::new(
                format!("serve-{process}-{i}"),
                store.to_path_buf(),
                runs_dir.clone(),
            )
        })
        .collect();
    Ok((Control::new(queue, workspace, clock), workers))
}

/// A worker thread: takes jobs while there are any, naps when the queue is empty, stops taking
/// jobs once `stop` is raised. Jobs run on `pool` (see `jobs::pool`) when there is one.
fn spawn_worker(worker: Worker, stop: Arc<AtomicBool>, pool: Option<crate::jobs::pool::JobPool>) {
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            let taken = match &pool {
                Some(pool) => pool.run(|| worker.run_once()),
                None => worker.run_once(),
            };
            match taken {
                Ok(Some(_)) => {}
                Ok(None) => std::thread::sleep(Duration::from_millis(500)),
                Err(e) => {
                    eprintln!("worker {}: {e}", worker.name());
                    std::thread::sleep(Duration::from_secs(5));
                }
            }
        }
    });
}

/// Opens the store, binds, prints the URL and serves until Ctrl-C.
pub async fn serve(config: ServerConfig) -> Result<(), WebError> {
    let server = Server::bind(config).await?;
    let api = server.url();
    let dashboard = api.strip_suffix("api/").unwrap_or(&api).to_owned();
    println!(
        "hypomics dashboard on {dashboard} and API on {api} (store {}, OpenAPI at {api}openapi.json); Ctrl-C stops",
        graph::sql::shown(server.state.store_path()),
    );
    if let Some(token) = &server.state.access().token {
        println!("sign in to run analyses from the dashboard: {dashboard}login?token={token}");
        println!(
            "API writes need the header: Authorization: Bearer {token}  (e.g. curl -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' -d '{{\"study\":\"demo\"}}' {api}jobs)"
        );
    }
    server.run().await
}

/// [`serve`] on its own runtime, for the synchronous CLI.
pub fn serve_blocking(config: ServerConfig) -> Result<(), WebError> {
    tokio::runtime::Runtime::new()
        .map_err(WebError::Runtime)?
        .block_on(serve(config))
}

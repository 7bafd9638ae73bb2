//! Binding and serving. [`router`] is the whole HTTP surface (tests call it through a real
//! listener via [`Server`]); [`serve`] is what `hypomics serve` runs.

use crate::error::{ApiError, WebError};
use crate::routes;
use crate::state::AppState;
use axum::Router;
use axum::http::{Method, Uri};
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::net::TcpListener;

/// Loopback only by default: the API has no authentication.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// What `hypomics serve` needs.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The SQLite graph store a run wrote (`OUT/hypomics.db` by default).
    pub store: PathBuf,
    pub addr: SocketAddr,
}

/// Every route of [`routes::routes`] (the JSON API) and [`crate::pages::routes`] (the dashboard); unknown paths and methods get JSON errors (404, 405) like
/// every other failure.
pub fn router(state: AppState) -> Router {
    routes::routes()
        .into_iter()
        .chain(crate::pages::routes())
        .fold(Router::new(), |r, (path, method)| r.route(path, method))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
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
}

impl Server {
    /// Opens the store and binds the address.
    pub async fn bind(config: ServerConfig) -> Result<Self, WebError> {
        let state = AppState::open(config.store)?;
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
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL of the API.
    pub fn url(&self) -> String {
        format!("http://{}/api/", self.addr)
    }

    /// Serves until Ctrl-C.
    pub async fn run(self) -> Result<(), WebError> {
        axum::serve(self.listener, router(self.state))
            .with_graceful_shutdown(async {
                // If the signal handler cannot be installed, serve until killed.
                if tokio::signal::ctrl_c().await.is_err() {
                    std::future::pending::<()>().await;
                }
            })
            .await
            .map_err(WebError::Serve)
    }
}

/// Opens the store, binds, prints the URL and serves until Ctrl-C.
pub async fn serve(config: ServerConfig) -> Result<(), WebError> {
    let server = Server::bind(config).await?;
    let api = server.url();
    let dashboard = api.strip_suffix("api/").unwrap_or(&api).to_owned();
    println!(
        "hypomics dashboard on {dashboard} and API on {api} (store {}, OpenAPI at {api}openapi.json); Ctrl-C stops",
        server.state.store_path().display(),
    );
    server.run().await
}

/// [`serve`] on its own runtime, for the synchronous CLI.
pub fn serve_blocking(config: ServerConfig) -> Result<(), WebError> {
    tokio::runtime::Runtime::new()
        .map_err(WebError::Runtime)?
        .block_on(serve(config))
}

//! Errors of the web layer. [`ApiError`] is what a request can fail with; it becomes a JSON body
//! `{"error": message}` with the status that tells a client whether to fix its request (400),
//! its id (404), or to tell us (500). [`WebError`] is what starting the server can fail with.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::path::PathBuf;

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// An id in the path or query names nothing of the expected kind.
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    /// A query or path parameter has a value we cannot use.
    #[error("invalid value `{value}` for parameter `{name}`: expected {expected}")]
    BadParam {
        name: String,
        value: String,
        expected: String,
    },
    /// A required query parameter is absent.
    #[error("missing parameter `{name}`: expected {expected}")]
    MissingParam { name: String, expected: String },
    /// A query parameter this endpoint does not know (likely a typo that would silently widen
    /// the answer if ignored).
    #[error("unknown parameter `{name}`; this endpoint accepts: {accepted}")]
    UnknownParam { name: String, accepted: String },
    #[error("malformed query string: {0}")]
    BadQuery(String),
    #[error("malformed path: {0}")]
    BadPath(String),
    #[error("method {method} is not allowed on {path}; the API is read-only (GET)")]
    MethodNotAllowed { method: String, path: String },
    #[error("no route {method} {path}")]
    NoRoute { method: String, path: String },
    #[error("graph store: {0}")]
    Graph(#[from] graph::GraphError),
    #[error("encoding JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Another request panicked while holding the graph; the process should be restarted.
    #[error("the in-memory graph is unavailable after an earlier failure; restart the server")]
    Poisoned,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound { .. } | Self::NoRoute { .. } => StatusCode::NOT_FOUND,
            Self::BadParam { .. }
            | Self::MissingParam { .. }
            | Self::UnknownParam { .. }
            | Self::BadQuery(_)
            | Self::BadPath(_) => StatusCode::BAD_REQUEST,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Graph(_) | Self::Json(_) | Self::Poisoned => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.to_string() });
        (self.status(), Json(body)).into_response()
    }
}

/// Failure to start or keep serving.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("graph store {} does not exist; record a run first (`hypomics run ... --store PATH`)", path.display())]
    StoreMissing { path: PathBuf },
    #[error("opening graph store {}: {source}", path.display())]
    OpenStore {
        path: PathBuf,
        source: graph::GraphError,
    },
    #[error("binding {addr}: {source} (is another server using the port?)")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("serving HTTP: {0}")]
    Serve(std::io::Error),
    #[error("starting the async runtime: {0}")]
    Runtime(std::io::Error),
}

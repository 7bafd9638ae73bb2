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
    #[error("method {method} is not allowed on {path}")]
    MethodNotAllowed { method: String, path: String },
    #[error("no route {method} {path}")]
    NoRoute { method: String, path: String },
    #[error("graph store: {0}")]
    Graph(#[from] graph::GraphError),
    #[error("encoding JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// No or a wrong bearer token on a request that needs one.
    #[error("{0}")]
    Unauthorized(String),
    /// The request is understood but not allowed (e.g. a path outside the data root).
    #[error("{0}")]
    Forbidden(String),
    /// The request conflicts with the current state (a duplicate name, cancelling a finished job).
    #[error("{0}")]
    Conflict(String),
    /// The request body is well-formed but its content cannot be used (a folder that does not
    /// load as a study, a budget out of range).
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Too many attempts from one client (failed logins); `Retry-After` says when to try again.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    /// A capped resource (live event streams) is full; the client may retry later.
    #[error("{0}")]
    Busy(String),
    /// A client sent its request too slowly (an upload stalled).
    #[error("{0}")]
    Timeout(String),
    /// This server was started without a job queue (read-only over an existing store).
    #[error(
        "this server is read-only: start `hypomics serve` with a workspace to register studies and run jobs"
    )]
    NoQueue,
    #[error("job queue: {0}")]
    Control(graph::control::ControlError),
    #[error("{0}")]
    Internal(String),
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
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::NoQueue => StatusCode::FORBIDDEN,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::Control(e) => {
                use graph::control::ControlError as C;
                match e {
                    C::UnknownStudy(_) | C::UnknownJob(_) | C::UnknownSchedule(_) => {
                        StatusCode::NOT_FOUND
                    }
                    C::DuplicateStudy(_) | C::WrongState { .. } => StatusCode::CONFLICT,
                    C::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
                }
            }
            Self::Graph(_) | Self::Json(_) | Self::Poisoned | Self::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl From<graph::control::ControlError> for ApiError {
    fn from(e: graph::control::ControlError) -> Self {
        Self::Control(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.to_string() });
        let mut response = (self.status(), Json(body)).into_response();
        let retry_after = match &self {
            Self::TooManyRequests {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            Self::Busy(_) => Some(5),
            _ => None,
        };
        if let Some(secs) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        if matches!(self, Self::Unauthorized(_)) {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"hypomics\""),
            );
        }
        response
    }
}

/// Failure to start or keep serving.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(
        "graph store {} does not exist; record a run first (`hypomics run ... --store PATH`)",
        graph::sql::shown(path)
    )]
    StoreMissing { path: PathBuf },
    #[error("opening graph store {}: {source}", graph::sql::shown(path))]
    OpenStore {
        path: PathBuf,
        source: graph::GraphError,
    },
    #[error("binding {addr}: {source} (is another server using the port?)")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("starting the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("opening the job queue in {}: {source}", graph::sql::shown(path))]
    OpenQueue {
        path: PathBuf,
        source: graph::StoreError,
    },
    #[error("preparing workspace {}: {source}", path.display())]
    Workspace {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("data root {}: {source}", path.display())]
    DataRoot {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("registering the demo study: {0}")]
    Demo(String),
    /// A token a person chose is too short to resist guessing.
    #[error(
        "the token is {len} characters long; use at least {min} (or leave it out and a random one is made)"
    )]
    WeakToken { len: usize, min: usize },
    /// An `--allowed-host` entry that is not a host name.
    #[error("--allowed-host `{0}` is not a host name (e.g. `hypomics.example.org`)")]
    BadAllowedHost(String),
    /// A webhook without the secret its bodies are signed with.
    #[error("{0}")]
    Webhook(String),
}

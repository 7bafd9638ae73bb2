//! The server side of hypomics: the REST API (`routes/`, described by `openapi.rs` and
//! `openapi_writes.rs`), the server-rendered dashboard (`pages/`), and everything that runs
//! research jobs: the worker that takes jobs from the store's durable queue and runs the agent
//! (`jobs/`), cron schedules (`schedule/`) and `hypomics batch` (`batch/`). It does no
//! statistics: every answer is a query of `graph::ResearchGraph` or of the store's control
//! tables, so the API shows exactly what the agent recorded.
//!
//! Layout: `state.rs` holds the one shared graph (reloaded when the store file changes) and the
//! queue (`control.rs`), `auth.rs` guards every route (token or session cookie for writes; sessions in `session.rs`,
//! login throttling in `throttle.rs`), `host.rs` refuses requests for other host names (DNS
//! rebinding), `headers.rs` adds security headers, `listen.rs` is the accept loop with its
//! connection cap and header-read timeout,
//! `params.rs` turns query strings into typed values or 400s naming the parameter, `error.rs`
//! maps failures to JSON bodies with the right status, `server.rs` binds, starts the workers and
//! the scheduler, and serves.

pub mod auth;
pub mod batch;
pub mod control;
pub mod error;
pub mod headers;
pub mod host;
pub mod jobs;
pub mod listen;
pub mod openapi;
mod openapi_writes;
pub mod pages;
pub mod params;
pub mod routes;
pub mod schedule;
pub mod server;
pub mod session;
pub mod state;
pub mod study_data;
pub mod throttle;

pub use error::{ApiError, WebError};
pub use server::{
    DEFAULT_ADDR, DEMO_STUDY, Server, ServerConfig, WorkspaceConfig, router, serve, serve_blocking,
};
pub use state::AppState;

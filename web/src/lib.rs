//! The web layer of hypomics. This crate owns the read-only REST API over the graph store (built:
//! `routes/`, described by `openapi.rs`), the
//! server-rendered dashboard (`pages/`), and later the scheduler for batch analysis (not built
//! yet; see ARCHITECTURE.md). It does no statistics: every answer is a query
//! of `graph::ResearchGraph`, so the API shows exactly what the agent recorded.
//!
//! Layout: `state.rs` holds the one shared graph (reloaded when the store file changes),
//! `params.rs` turns query strings into typed values or 400s naming the parameter, `error.rs`
//! maps failures to JSON bodies with the right status, `server.rs` binds and serves.

pub mod error;
pub mod openapi;
pub mod pages;
pub mod params;
pub mod routes;
pub mod server;
pub mod state;

pub use error::{ApiError, WebError};
pub use server::{DEFAULT_ADDR, Server, ServerConfig, router, serve, serve_blocking};
pub use state::AppState;

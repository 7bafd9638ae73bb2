//! The dashboard: server-rendered HTML pages over the same graph queries the JSON API uses, so a
//! reader in a browser sees exactly what `/api` returns. Pages are self-contained (inline CSS and
//! a few lines of inline JavaScript, no external assets) so they work offline and leak nothing.
//!
//! Layout: `html.rs` holds escaping, the page frame and badges; one module per page. These
//! routes are kept apart from [`crate::routes::routes`] because the OpenAPI document describes
//! the JSON API only.

pub mod home;
pub mod html;
pub mod hypothesis;
pub mod run;

use crate::error::ApiError;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{MethodRouter, get};

/// Every dashboard route: path (axum syntax) and handler.
pub fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/", get(home::page)),
        ("/runs/{run}", get(run::page)),
        ("/hypotheses/{id}", get(hypothesis::page)),
    ]
}

/// The paths of [`routes`], in order.
pub fn paths() -> Vec<&'static str> {
    routes().into_iter().map(|(path, _)| path).collect()
}

/// A failed page request: the same failures as the API, shown as an HTML page (a browser user
/// following a stale link should get a page, not a JSON body).
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let heading = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::BAD_REQUEST => "Bad request",
            _ => "Server error",
        };
        let body = format!(
            "<h1>{}</h1><p>{}</p><p><a href=\"/\">Back to the runs</a></p>",
            heading,
            html::escape(&self.0.to_string())
        );
        (status, Html(html::layout(heading, &body))).into_response()
    }
}

/// What a page handler returns.
pub type PageResult = Result<Html<String>, PageError>;

//! The dashboard: server-rendered HTML pages over the same graph queries the JSON API uses, so a
//! reader in a browser sees exactly what `/api` returns. Pages are self-contained (inline CSS and
//! a few lines of inline JavaScript, no external assets) so they work offline and leak nothing.
//!
//! Layout: `html.rs` holds escaping, the page frame and badges; one module per page. These
//! routes are kept apart from [`crate::routes::routes`] because the OpenAPI document describes
//! the JSON API only.

pub mod compare;
pub mod explore;
pub mod home;
pub mod html;
pub mod hypothesis;
pub mod jobs;
pub mod run;
pub mod schedules;
pub mod studies;

use crate::error::ApiError;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{MethodRouter, get};

/// Every dashboard route: path (axum syntax) and handler.
pub fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/", get(home::page)),
        ("/favicon.ico", get(favicon)),
        ("/runs/{run}", get(run::page)),
        ("/hypotheses/{id}", get(hypothesis::page)),
        ("/studies", get(studies::list)),
        ("/studies/{id}", get(studies::detail)),
        ("/jobs", get(jobs::list)),
        ("/jobs/{id}", get(jobs::detail)),
        ("/jobs/{id}/files/{name}", get(jobs::file)),
        ("/compare", get(compare::page)),
        ("/explore", get(explore::page)),
        ("/schedules", get(schedules::page)),
        (explore::SCRIPT_PATH, get(explore::script)),
    ]
}

/// Browsers ask for `/favicon.ico` on every page; answering keeps their consoles free of 404s.
/// An SVG served under that name is understood by current browsers.
async fn favicon() -> impl IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "image/svg+xml"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#234\"/><circle cx=\"5\" cy=\"11\" r=\"2\" fill=\"#4a7\"/><circle cx=\"11\" cy=\"5\" r=\"2\" fill=\"#4a7\"/><path d=\"M5 11L11 5\" stroke=\"#fff\" stroke-width=\"1.2\"/></svg>",
    )
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

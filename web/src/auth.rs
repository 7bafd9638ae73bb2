//! Who may do what. Writes (registering studies, starting, cancelling and resuming jobs, editing
//! schedules) always need the server's token; reads need it only when the server is private.
//!
//! The token travels either as `Authorization: Bearer <token>` (scripts, curl) or as a session
//! cookie that `/login?token=...` sets (the dashboard: `hypomics serve` prints that URL, as Jupyter
//! does). The cookie is `HttpOnly` and `SameSite=Strict`, so another site cannot make a logged-in
//! browser send it; JSON write endpoints additionally require a JSON body, which a cross-site form
//! cannot send without a CORS preflight that this server never grants.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// The session cookie's name.
pub const COOKIE: &str = "hypomics_session";

/// Access rules, fixed at start.
#[derive(Clone, Debug, Default)]
pub struct AccessPolicy {
    /// `None`: writes are refused altogether (a read-only server).
    pub token: Option<String>,
    /// Reads need the token too.
    pub private: bool,
}

impl AccessPolicy {
    /// Whether the request carries the token, by header or cookie.
    pub fn authorised(&self, headers: &HeaderMap) -> bool {
        let Some(token) = &self.token else {
            return false;
        };
        bearer(headers).is_some_and(|t| same(t, token))
            || cookie(headers, COOKIE).is_some_and(|t| same(t, token))
    }
}

/// Compares without an early exit, so response time does not reveal how much of a guess matched.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A fresh random token (128 bits, hex).
pub fn generate_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Paths anyone may reach: the health check, the login page, and the OpenAPI document.
fn is_public(path: &str) -> bool {
    matches!(path, "/api/health" | "/login" | "/api/openapi.json")
}

/// The middleware in front of every route.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let policy = state.access();
    let path = request.uri().path();
    let read = matches!(*request.method(), Method::GET | Method::HEAD);
    // A server without a queue changes nothing: its writes fall through to 405s and 403s.
    let nothing_to_guard = policy.token.is_none() && !state.has_queue();
    if is_public(path)
        || nothing_to_guard
        || policy.authorised(request.headers())
        || (read && !policy.private)
    {
        return next.run(request).await;
    }
    let wants_page = read && !path.starts_with("/api/");
    if wants_page {
        return (
            StatusCode::UNAUTHORIZED,
            axum::response::Html(crate::pages::html::login_needed_page()),
        )
            .into_response();
    }
    let reason = if policy.token.is_none() {
        "this server accepts no changes (started without a token)".to_owned()
    } else if read {
        "this server is private: send `Authorization: Bearer <token>` (the token `hypomics serve` printed)".to_owned()
    } else {
        "changes need the server's token: send `Authorization: Bearer <token>` (printed by `hypomics serve`), or open the dashboard through the login URL it printed".to_owned()
    };
    ApiError::Unauthorized(reason).into_response()
}

/// `GET /login?token=...`: checks the token, sets the session cookie and goes to the dashboard.
pub async fn login(State(state): State<AppState>, params: crate::params::Params) -> Response {
    let policy = state.access();
    let given = params.text("token").unwrap_or("");
    match &policy.token {
        Some(token) if same(given, token) => {
            let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
            let mut response = Redirect::to("/").into_response();
            if let Ok(value) = header::HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        _ => (
            StatusCode::UNAUTHORIZED,
            axum::response::Html(crate::pages::html::login_needed_page()),
        )
            .into_response(),
    }
}

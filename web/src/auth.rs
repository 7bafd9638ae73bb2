//! Who may do what. Writes (registering studies, starting, cancelling and resuming jobs, editing
//! schedules) always need the server's token; reads need it only when the server is private. A
//! private server without a token answers nothing but its public paths.
//!
//! The token travels as `Authorization: Bearer <token>` (scripts, curl). The dashboard signs in
//! once at `/login?token=...` (`hypomics serve` prints that URL, as Jupyter does) and gets a
//! session cookie holding a random session id (see `session.rs`), never the token; the session
//! expires, ends at `POST /logout`, and carries `Secure` when the server sits behind TLS.
//!
//! Cookies are sent by the browser whatever page caused the request, and `SameSite` is per site,
//! not per port: a page on another localhost port counts as the same site. So a write that is
//! authorised only by the cookie must also come from this server's own pages: `Sec-Fetch-Site:
//! same-origin`, or, from browsers that do not send that, an `Origin` naming this host. Bearer
//! requests are not ambient (a page cannot attach the header cross-origin without a CORS
//! preflight this server never grants) and need no such check. Wrong tokens at `/login` are
//! rate limited per client address (`throttle.rs`).

use crate::error::{ApiError, WebError};
use crate::session::Sessions;
use crate::state::AppState;
use crate::throttle::LoginThrottle;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// The session cookie's name.
pub const COOKIE: &str = "hypomics_session";
/// Its name behind TLS: the `__Host-` prefix makes browsers refuse it unless `Secure`, host-only
/// and `Path=/`.
pub const SECURE_COOKIE: &str = "__Host-hypomics_session";

/// Shortest token a person may choose (a generated one is 32 hex digits).
pub const MIN_TOKEN_LEN: usize = 16;

/// Live event streams (`/api/jobs/{id}/events`) served at once by default.
pub const DEFAULT_EVENT_STREAMS: usize = 256;

/// Access rules, fixed at start, and the state that enforces them (sessions, login failures,
/// the event-stream cap), shared by every clone.
#[derive(Clone, Debug)]
pub struct AccessPolicy {
    /// `None`: writes are refused altogether (a read-only server).
    pub token: Option<String>,
    /// Reads need the token too.
    pub private: bool,
    /// Host names this server answers for besides loopback names and IP addresses.
    pub allowed_hosts: Vec<String>,
    /// The server is reached over HTTPS (a TLS proxy in front): session cookies get `Secure`.
    pub secure_cookie: bool,
    pub(crate) sessions: Arc<Sessions>,
    pub(crate) logins: Arc<LoginThrottle>,
    pub(crate) streams: Arc<tokio::sync::Semaphore>,
}

impl Default for AccessPolicy {
    fn default() -> Self {
        Self::new(None, false)
    }
}

/// What a request presented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Credential {
    /// The token in `Authorization`.
    Bearer,
    /// A live session cookie.
    Session,
    None,
}

impl AccessPolicy {
    pub fn new(token: Option<String>, private: bool) -> Self {
        Self {
            token,
            private,
            allowed_hosts: Vec::new(),
            secure_cookie: false,
            sessions: Arc::new(Sessions::default()),
            logins: Arc::new(LoginThrottle::default()),
            streams: Arc::new(tokio::sync::Semaphore::new(DEFAULT_EVENT_STREAMS)),
        }
    }

    /// Also answer for these host names (`--allowed-host`).
    pub fn allow_hosts(mut self, hosts: impl IntoIterator<Item = String>) -> Self {
        self.allowed_hosts
            .extend(hosts.into_iter().map(|h| h.trim().to_ascii_lowercase()));
        self
    }

    /// Session cookies marked `Secure` (the server is behind TLS).
    pub fn secure_cookie(mut self, secure: bool) -> Self {
        self.secure_cookie = secure;
        self
    }

    /// At most `n` live event streams at once; more get 503.
    pub fn event_streams(mut self, n: usize) -> Self {
        self.streams = Arc::new(tokio::sync::Semaphore::new(n));
        self
    }

    /// Sessions last `ttl` from login.
    pub fn session_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.sessions = Arc::new(Sessions::new(ttl));
        self
    }

    /// Refuses settings that would leave the server easy to attack: a short token, a malformed
    /// host name.
    pub fn check(&self) -> Result<(), WebError> {
        if let Some(token) = &self.token
            && token.chars().count() < MIN_TOKEN_LEN
        {
            return Err(WebError::WeakToken {
                len: token.chars().count(),
                min: MIN_TOKEN_LEN,
            });
        }
        match self
            .allowed_hosts
            .iter()
            .find(|h| !crate::host::valid_host_name(h))
        {
            Some(bad) => Err(WebError::BadAllowedHost(bad.clone())),
            None => Ok(()),
        }
    }

    /// Whether the request carries the token or a live session.
    pub fn authorised(&self, headers: &HeaderMap) -> bool {
        self.credential(headers) != Credential::None
    }

    fn credential(&self, headers: &HeaderMap) -> Credential {
        let Some(token) = &self.token else {
            return Credential::None;
        };
        if bearer(headers).is_some_and(|t| same(t, token)) {
            Credential::Bearer
        } else if cookie(headers, self.cookie_name()).is_some_and(|id| self.sessions.is_live(id)) {
            Credential::Session
        } else {
            Credential::None
        }
    }

    fn cookie_name(&self) -> &'static str {
        if self.secure_cookie {
            SECURE_COOKIE
        } else {
            COOKIE
        }
    }

    /// The `Set-Cookie` value for a new session, or (`None`) one that deletes the cookie.
    fn session_cookie(&self, id: Option<&str>) -> String {
        let (value, age) = match id {
            Some(id) => (id, self.sessions.ttl().as_secs()),
            None => ("", 0),
        };
        let secure = if self.secure_cookie { "; Secure" } else { "" };
        format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={age}{secure}",
            self.cookie_name()
        )
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

/// Whether the browser says this request came from one of this server's own pages: by
/// `Sec-Fetch-Site`, else by an `Origin` whose host and port equal `Host`. Neither header: not
/// shown to be ours.
fn from_own_page(headers: &HeaderMap) -> bool {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match (text(header::ORIGIN), text(header::HOST)) {
        (Some(origin), Some(host)) => origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .is_some_and(|authority| authority.eq_ignore_ascii_case(host)),
        _ => false,
    }
}

/// A fresh random token (128 bits, hex).
pub fn generate_token() -> String {
    crate::session::random_hex::<16>()
}

/// Paths anyone may reach: the health check, login and logout, and the OpenAPI document.
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/api/health" | "/login" | "/logout" | "/api/openapi.json"
    )
}

/// The middleware in front of every route.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let policy = state.access();
    let path = request.uri().path();
    let read = matches!(*request.method(), Method::GET | Method::HEAD);
    if is_public(path) {
        return next.run(request).await;
    }
    let credential = policy.credential(request.headers());
    if credential == Credential::Session && !read && !from_own_page(request.headers()) {
        return ApiError::Forbidden(
            "a change authorised by the session cookie must come from this server's own pages (Sec-Fetch-Site or Origin); scripts send `Authorization: Bearer <token>` instead".into(),
        )
        .into_response();
    }
    // A public server without a queue changes nothing: its writes fall through to 405s and 403s.
    let nothing_to_guard = policy.token.is_none() && !state.has_queue() && !policy.private;
    if nothing_to_guard || credential != Credential::None || (read && !policy.private) {
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
    let reason = if policy.token.is_none() && policy.private {
        "this server is private and was started without a token, so it serves nobody; restart it with `--token`".to_owned()
    } else if policy.token.is_none() {
        "this server accepts no changes (started without a token)".to_owned()
    } else if read {
        "this server is private: send `Authorization: Bearer <token>` (the token `hypomics serve` printed)".to_owned()
    } else {
        "changes need the server's token: send `Authorization: Bearer <token>` (printed by `hypomics serve`), or open the dashboard through the login URL it printed".to_owned()
    };
    ApiError::Unauthorized(reason).into_response()
}

/// The client's address for rate limiting (the loopback address when unknown, e.g. in a router
/// called without a listener).
fn client_ip(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |c| c.0.ip())
}

/// `GET /login?token=...`: checks the token, opens a session, sets its cookie and goes to the
/// dashboard. Wrong tokens count against the client's address (429 after too many).
pub async fn login(State(state): State<AppState>, request: Request) -> Response {
    let policy = state.access();
    let client = client_ip(&request);
    if let Some(wait) = policy.logins.locked_out(client) {
        return ApiError::TooManyRequests {
            message: format!("too many wrong tokens from this address; try again in {wait} s"),
            retry_after_secs: wait,
        }
        .into_response();
    }
    let params = match axum::extract::Query::try_from_uri(request.uri()) {
        Ok(axum::extract::Query(map)) => crate::params::Params::new(map),
        Err(e) => return ApiError::BadQuery(e.body_text()).into_response(),
    };
    let given = params.text("token").unwrap_or("");
    match &policy.token {
        Some(token) if same(given, token) => {
            let id = policy.sessions.open();
            let mut response = Redirect::to("/").into_response();
            if let Ok(value) = HeaderValue::from_str(&policy.session_cookie(Some(&id))) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        _ => {
            if !given.is_empty() {
                policy.logins.failed(client);
            }
            (
                StatusCode::UNAUTHORIZED,
                axum::response::Html(crate::pages::html::login_needed_page()),
            )
                .into_response()
        }
    }
}

/// `POST /logout`: ends the session and deletes its cookie, then goes to the dashboard.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let policy = state.access();
    let Some(id) = cookie(&headers, policy.cookie_name()) else {
        return Redirect::to("/").into_response();
    };
    if !from_own_page(&headers) {
        return ApiError::Forbidden("logout must come from this server's own pages".into())
            .into_response();
    }
    policy.sessions.close(id);
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = HeaderValue::from_str(&policy.session_cookie(None)) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    #[test]
    fn own_pages_are_recognised_by_fetch_metadata_or_origin() {
        assert!(from_own_page(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!from_own_page(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!from_own_page(&headers(&[(
            "sec-fetch-site",
            "cross-site"
        )])));
        assert!(from_own_page(&headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(!from_own_page(&headers(&[
            ("origin", "http://127.0.0.1:9999"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(!from_own_page(&headers(&[
            ("origin", "null"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(!from_own_page(&headers(&[("host", "127.0.0.1:8080")])));
    }

    #[test]
    fn short_tokens_and_bad_hosts_are_refused() {
        assert!(
            AccessPolicy::new(Some("short".into()), false)
                .check()
                .is_err()
        );
        assert!(
            AccessPolicy::new(Some("a-long-enough-token".into()), false)
                .check()
                .is_ok()
        );
        assert!(
            AccessPolicy::new(None, false)
                .allow_hosts(["bad host".to_owned()])
                .check()
                .is_err()
        );
    }
}

//! The `Host` allow-list, against DNS rebinding: a web page on `evil.example` can point its own
//! name at 127.0.0.1 and then read this server as "same origin", but the browser still sends
//! `Host: evil.example`. So every request must name this server: a loopback name, an IP address
//! (an attacker cannot make a browser send an IP literal for a name they control), or a name
//! given with `--allowed-host`. A request without `Host` (HTTP/1.0 tools) is not from a browser
//! and passes.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::IpAddr;

/// Host names always accepted (any port).
const LOOPBACK_NAMES: &[&str] = &["localhost", "localhost.localdomain"];

/// Whether a `--allowed-host` entry is a plausible host name (letters, digits, '-', '.').
pub fn valid_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
}

/// The host part of a `Host` header value, lowercased, without port or IPv6 brackets.
fn host_name(value: &str) -> String {
    let value = value.trim();
    let host = if let Some(rest) = value.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        value.rsplit_once(':').map_or(value, |(h, _)| h)
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether `host_header` names this server.
pub fn allowed(host_header: &str, extra: &[String]) -> bool {
    let host = host_name(host_header);
    host.parse::<IpAddr>().is_ok()
        || LOOPBACK_NAMES.contains(&host.as_str())
        || host.ends_with(".localhost")
        || extra.iter().any(|e| e.eq_ignore_ascii_case(&host))
}

/// The middleware, outermost: refuses a request for another host before anything else runs.
pub async fn check(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(value) = request.headers().get(header::HOST) else {
        return next.run(request).await;
    };
    let Ok(text) = value.to_str() else {
        return ApiError::Forbidden("the Host header is not text".into()).into_response();
    };
    if allowed(text, &state.access().allowed_hosts) {
        return next.run(request).await;
    }
    let name = host_name(text);
    ApiError::Forbidden(format!(
        "this server does not answer for host `{name}`; if that is its real name, start it with `--allowed-host {name}`"
    ))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_addresses_pass_other_names_need_listing() {
        let none: Vec<String> = Vec::new();
        for ok in [
            "localhost",
            "localhost:8080",
            "127.0.0.1:8080",
            "[::1]:8080",
            "192.168.1.5",
            "app.localhost:3000",
        ] {
            assert!(allowed(ok, &none), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
        ] {
            assert!(!allowed(bad, &none), "{bad}");
        }
        let listed = vec!["lab.example.org".to_owned()];
        assert!(allowed("LAB.example.org:443", &listed));
        assert!(!allowed("evil.example", &listed));
        assert!(valid_host_name("lab.example.org") && !valid_host_name("a b"));
    }
}

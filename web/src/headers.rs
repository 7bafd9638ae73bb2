//! Security headers on every response: a Content-Security-Policy that loads nothing from other
//! origins and forbids framing (clickjacking), `nosniff` so a JSON or TSV body is never run as a
//! script, no `Referer` leaking ids to other sites, and no sharing of the browsing context with
//! pages this server did not serve. A handler that set its own policy (report.html's `sandbox`)
//! keeps it.
//!
//! The dashboard's pages carry small inline scripts and styles, so `script-src` allows
//! `'unsafe-inline'`; everything else is `'self'` only.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The dashboard's policy.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A served report (HTML the agent wrote from study data): sandboxed into an opaque origin with
/// no scripts, so even a crafted gene name in it cannot act as the dashboard.
pub const REPORT_CSP: &str = "sandbox; default-src 'none'; style-src 'unsafe-inline'; \
     img-src data:; frame-ancestors 'none'";

const FIXED: &[(HeaderName, &str)] = &[
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
];

pub async fn add(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in FIXED {
        if !headers.contains_key(name) {
            headers.insert(name.clone(), HeaderValue::from_static(value));
        }
    }
    for (name, value) in [
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
    ] {
        headers
            .entry(HeaderName::from_static(name))
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

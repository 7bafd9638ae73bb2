//! Dashboard sessions. `/login` trades the token for a random session id (256 bits) that only
//! this server process knows; the browser's cookie holds that id, never the token, so a cookie
//! leaked to another service on the host (cookies are per host, not per port) reveals nothing
//! reusable, and a session ends on logout, on expiry, or when the server restarts.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a session lasts without a new login.
pub const DEFAULT_TTL: Duration = Duration::from_secs(12 * 60 * 60);

/// At most this many live sessions; beyond it the oldest is dropped (each login makes one, and
/// logins need the token, so only the token's holder can fill the table).
const MAX_SESSIONS: usize = 10_000;

/// The live sessions of one server: id -> expiry.
#[derive(Debug)]
pub struct Sessions {
    ttl: Duration,
    live: Mutex<HashMap<String, Instant>>,
}

impl Default for Sessions {
    fn default() -> Self {
        Self::new(DEFAULT_TTL)
    }
}

impl Sessions {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            live: Mutex::new(HashMap::new()),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Starts a session and returns its id.
    pub fn open(&self) -> String {
        let id = random_hex::<32>();
        let now = Instant::now();
        if let Ok(mut live) = self.live.lock() {
            live.retain(|_, expires| *expires > now);
            if live.len() >= MAX_SESSIONS
                && let Some(oldest) = live.iter().min_by_key(|(_, e)| **e).map(|(k, _)| k.clone())
            {
                live.remove(&oldest);
            }
            live.insert(id.clone(), now + self.ttl);
        }
        id
    }

    /// Whether `id` names a live session.
    pub fn is_live(&self, id: &str) -> bool {
        let now = Instant::now();
        let Ok(mut live) = self.live.lock() else {
            return false;
        };
        match live.get(id) {
            Some(expires) if *expires > now => true,
            Some(_) => {
                live.remove(id);
                false
            }
            None => false,
        }
    }

    /// Ends a session (logout); unknown ids are ignored.
    pub fn close(&self, id: &str) {
        if let Ok(mut live) = self.live.lock() {
            live.remove(id);
        }
    }
}

/// `N` random bytes from the operating system's generator, as hex.
pub fn random_hex<const N: usize>() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_expire_and_close() {
        let sessions = Sessions::new(Duration::from_millis(50));
        let a = sessions.open();
        let b = sessions.open();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert!(sessions.is_live(&a) && sessions.is_live(&b));
        sessions.close(&a);
        assert!(!sessions.is_live(&a), "closed");
        assert!(!sessions.is_live("not-a-session"));
        std::thread::sleep(Duration::from_millis(80));
        assert!(!sessions.is_live(&b), "expired");
    }
}

//! Wake-ups for live job streams. On a PostgreSQL store one [`LiveJobs`] per server listens for
//! the store's job notifications (`graph::control::JobListener`), which every server's writes
//! send, so a stream on this server follows a job run by any server the moment its events
//! commit. A stream still re-reads after [`PUSH_FALLBACK`] without news, in case a notification
//! was lost. SQLite stores have no `LiveJobs`; their streams poll.

use graph::control::{JobChange, JobId, JobListener};
use std::path::Path;
use std::time::Duration;
use tokio::sync::broadcast;

/// How long a stream on a listening server waits for a notification before it re-reads anyway.
pub const PUSH_FALLBACK: Duration = Duration::from_secs(15);

/// Job changes heard on the store, fanned out to every live stream of this server.
pub struct LiveJobs {
    tx: broadcast::Sender<JobChange>,
    /// Stops listening when the server's state is dropped.
    _listener: JobListener,
}

impl LiveJobs {
    /// Listens on `store` when it is a PostgreSQL database; `None` for SQLite, or when the
    /// listening connection cannot be opened (streams then poll, and the reason is printed).
    pub fn for_store(store: &Path) -> Option<Self> {
        let graph::sql::StoreLocation::Postgres(url) = graph::sql::StoreLocation::from(store)
        else {
            return None;
        };
        let (tx, _) = broadcast::channel(1024);
        let sender = tx.clone();
        match JobListener::start(&url, move |change| {
            // No receivers (no stream open) is fine.
            let _ = sender.send(change);
        }) {
            Ok(listener) => Some(Self {
                tx,
                _listener: listener,
            }),
            Err(e) => {
                eprintln!(
                    "not listening for job changes on {} ({e}); live streams poll instead",
                    graph::sql::shown(store)
                );
                None
            }
        }
    }

    /// A waiter for one stream; subscribe before reading, so nothing committed after the read is
    /// missed.
    pub fn subscribe(&self) -> Waiter {
        Waiter {
            rx: self.tx.subscribe(),
        }
    }
}

/// One stream's view of the notifications.
pub struct Waiter {
    rx: broadcast::Receiver<JobChange>,
}

impl Waiter {
    /// Returns when `job` may have changed (its notification, a reconnection, or more
    /// notifications than were kept), or after `limit`.
    pub async fn changed(&mut self, job: JobId, limit: Duration) {
        let heard = async {
            loop {
                match self.rx.recv().await {
                    Ok(JobChange::Job(j)) if j != job => {}
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => return,
                    // The listener is gone: only the time limit ends the wait.
                    Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
                }
            }
        };
        let _ = tokio::time::timeout(limit, heard).await;
    }
}

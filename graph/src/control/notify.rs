//! Pushed job changes on PostgreSQL. Every write that adds a job event or changes a job's state
//! also sends `NOTIFY hypomics_jobs, '<job id>'` in the same transaction, so the notification is
//! delivered at commit, to every server listening on the store, whichever server wrote. A server
//! follows live jobs with one [`JobListener`] (one connection running `LISTEN`) instead of each
//! event stream polling the queue. SQLite has no such channel; its readers keep polling.

use super::JobId;
use crate::error::StoreError;
use crate::sql::postgres::off_runtime;
use crate::sql::{Backend, Db, args};
use postgres::fallible_iterator::FallibleIterator;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// The channel job changes are sent on.
pub const CHANNEL: &str = "hypomics_jobs";

/// Tells listeners that `job` changed, when its transaction commits (PostgreSQL; nothing on
/// SQLite). Called inside the transaction that made the change.
pub(crate) fn job_changed(db: &mut dyn Db, job: JobId) -> Result<(), StoreError> {
    if db.backend() == Backend::Postgres {
        db.row(
            "SELECT pg_notify(?1, ?2)",
            &args![CHANNEL, job.0.to_string()],
            |_| Ok(()),
        )?;
    }
    Ok(())
}

/// What a listener hears.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobChange {
    /// This job has new events or a new state.
    Job(JobId),
    /// Notifications may have been missed (the connection was re-established): any job may
    /// have changed.
    Any,
}

/// A thread holding one `LISTEN` connection to a PostgreSQL store, handing every job change to
/// a callback. It reconnects when the connection drops (reporting [`JobChange::Any`], since
/// changes in between were not heard) and stops when dropped.
pub struct JobListener {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// How often the listening thread looks at its stop flag, and waits before reconnecting.
const TICK: Duration = Duration::from_millis(250);

impl JobListener {
    /// Connects to `url` and listens; fails only when the first connection fails.
    pub fn start(
        url: &str,
        mut on_change: impl FnMut(JobChange) + Send + 'static,
    ) -> Result<Self, StoreError> {
        let first = off_runtime(|| listen(url))?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let url = url.to_owned();
        let thread = std::thread::Builder::new()
            .name("hypomics-listen".into())
            .spawn(move || {
                let mut client = Some(first);
                while !flag.load(Ordering::SeqCst) {
                    let Some(c) = client.as_mut() else {
                        std::thread::sleep(TICK);
                        if let Ok(fresh) = listen(&url) {
                            client = Some(fresh);
                            on_change(JobChange::Any);
                        }
                        continue;
                    };
                    let mut broken = false;
                    {
                        let mut notifications = c.notifications();
                        let mut heard = notifications.timeout_iter(TICK);
                        loop {
                            match heard.next() {
                                Ok(Some(n)) => match n.payload().parse::<i64>() {
                                    Ok(id) => on_change(JobChange::Job(JobId(id))),
                                    Err(_) => on_change(JobChange::Any),
                                },
                                Ok(None) => break,
                                Err(_) => {
                                    broken = true;
                                    break;
                                }
                            }
                        }
                    }
                    if broken || c.is_closed() {
                        client = None;
                    }
                }
            })
            .map_err(|e| StoreError::Corrupt(format!("starting the listener thread: {e}")))?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

fn listen(url: &str) -> Result<postgres::Client, StoreError> {
    let mut client = postgres::Client::connect(url, postgres::NoTls)?;
    client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    Ok(client)
}

impl Drop for JobListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            // At most one tick; off the async threads when dropped on one.
            off_runtime(|| {
                let _ = thread.join();
            });
        }
    }
}

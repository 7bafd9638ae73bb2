//! One reader per job, fanned out to every live event stream of that job on this server.
//!
//! A stream used to read the store itself every poll: 200 browsers following one job meant 200
//! queries every 300 ms through the queue's one lock, and each event serialised 200 times. Now
//! the first stream of a job starts a reader task that reads the job's new events once per poll
//! (or when the store pushes a change, on PostgreSQL), renders each event once, and publishes
//! the job's event list on a watch channel; streams take what is past their own position. The
//! reader stops when its job has ended and every event was read, or when no stream is left.

use crate::state::AppState;
use graph::control::{Job, JobId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// How often a reader looks for new events on a store that does not push them (SQLite).
pub const POLL: Duration = Duration::from_millis(300);

/// Events read per query; a reader catching up on a long job reads in pages of this size.
const PAGE: usize = 500;

/// One job event as a stream sends it, rendered once for all streams.
#[derive(Debug)]
pub struct RenderedEvent {
    pub seq: i64,
    pub kind: String,
    /// `{"at": ..., "data": ...}` as JSON text.
    pub data: String,
}

/// What a job's reader has seen so far.
#[derive(Debug, Default)]
pub struct JobFeed {
    /// Every event of the job from the first, in sequence order.
    pub events: Vec<Arc<RenderedEvent>>,
    /// The job as last read.
    pub job: Option<Job>,
    /// The job has ended and `events` holds all its events: streams send `end` and close.
    pub finished: bool,
    /// The store could not be read: streams close (a browser reconnects with its last id).
    pub failed: bool,
}

impl JobFeed {
    /// The events after sequence number `after`.
    pub fn after(&self, after: i64) -> &[Arc<RenderedEvent>] {
        let start = self.events.partition_point(|e| e.seq <= after);
        &self.events[start..]
    }
}

/// The readers of this server, one per job that has a live stream.
#[derive(Default)]
pub struct JobFeeds {
    readers: Mutex<HashMap<JobId, watch::Receiver<Arc<JobFeed>>>>,
}

impl JobFeeds {
    /// Follows job `id`: joins its reader, starting one when none is running.
    pub fn follow(state: &AppState, id: JobId) -> watch::Receiver<Arc<JobFeed>> {
        let feeds = state.job_feeds();
        let mut readers = feeds
            .readers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(existing) = readers.get(&id)
            && existing.has_changed().is_ok()
        {
            return existing.clone();
        }
        let (tx, rx) = watch::channel(Arc::new(JobFeed::default()));
        readers.insert(id, rx.clone());
        tokio::spawn(read_job(state.clone(), id, tx));
        rx
    }

    /// Removes job `id`'s reader if no stream follows it any more, or unconditionally when
    /// `ended`; true when removed (the reader then stops). Holding the lock makes this atomic
    /// with [`Self::follow`]: a stream never joins a reader that is about to stop.
    fn leave(&self, id: JobId, tx: &watch::Sender<Arc<JobFeed>>, ended: bool) -> bool {
        let mut readers = self
            .readers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // The map's own receiver is one of the count.
        if ended || tx.receiver_count() <= 1 {
            readers.remove(&id);
            return true;
        }
        false
    }

    /// How many jobs have a reader now (for tests and health).
    pub fn readers(&self) -> usize {
        self.readers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}

/// The reader of one job: reads new events until the job has ended and all its events are
/// published, or until no stream follows it.
async fn read_job(state: AppState, id: JobId, tx: watch::Sender<Arc<JobFeed>>) {
    // Subscribed before the first read, so nothing committed after that read is missed.
    let mut waiter = state.job_waiter();
    let mut after = 0;
    loop {
        if state.job_feeds().leave(id, &tx, false) {
            return;
        }
        let reading = state.clone();
        // The queue's lock and the store are blocking; off the async threads.
        let polled = tokio::task::spawn_blocking(move || {
            reading
                .control()
                .and_then(|c| c.with(|q| Ok((q.events_since(id, after, PAGE)?, q.job(id)?))))
        })
        .await;
        let Ok(Ok((events, job))) = polled else {
            let previous = tx.borrow().clone();
            tx.send_replace(Arc::new(JobFeed {
                events: previous.events.clone(),
                job: previous.job.clone(),
                finished: false,
                failed: true,
            }));
            state.job_feeds().leave(id, &tx, true);
            return;
        };
        let full_page = events.len() == PAGE;
        let news = !events.is_empty();
        let finished = !news && job.state.is_final();
        if news || finished {
            let previous = tx.borrow().clone();
            let mut next = JobFeed {
                events: previous.events.clone(),
                job: Some(job),
                finished,
                failed: false,
            };
            for event in events {
                after = event.seq;
                next.events.push(Arc::new(render(event)));
            }
            tx.send_replace(Arc::new(next));
        }
        if finished {
            state.job_feeds().leave(id, &tx, true);
            return;
        }
        if !full_page {
            match &mut waiter {
                Some(waiter) => waiter.changed(id, super::live::PUSH_FALLBACK).await,
                None => tokio::time::sleep(POLL).await,
            }
        }
    }
}

fn render(event: graph::control::JobEvent) -> RenderedEvent {
    RenderedEvent {
        seq: event.seq,
        data: serde_json::json!({"at": event.at.to_string(), "data": event.data}).to_string(),
        kind: event.kind,
    }
}

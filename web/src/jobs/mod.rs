//! Running research jobs: the job spec users submit, the worker that claims jobs from the store's
//! durable queue and runs the agent, the progress events it records, and webhooks. The queue
//! itself (states, leases, atomic claims) is `graph::control`; this module decides what a job
//! does.

pub mod clock;
pub mod feed;
pub mod live;
pub mod pool;
pub mod spec;
pub mod study;
pub mod webhook;
pub mod worker;

pub use clock::{Clock, ManualClock, SystemClock};
pub use spec::{JobSpec, PlannerChoice};
pub use worker::{Worker, WorkerConfig, WorkerError};

//! Cron schedules: when a study is analysed again without anyone asking. The store keeps each
//! schedule and its next/last firing (`graph::control`), so a restarted server carries on; this
//! module owns the cron arithmetic ([`cron`]) and the loop `hypomics serve` runs, which fires due
//! schedules into the job queue. Workers then run the jobs like any other, and change detection
//! skips the ones whose study did not change.

pub mod cron;

pub use cron::{CronError, CronSchedule};

use crate::jobs::{Clock, JobSpec};
use graph::Timestamp;
use graph::control::{
    ControlError, ControlResult, ControlStore, FiredSchedule, NewSchedule, Schedule, StudyId,
};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Attempts a scheduled job gets before it is given up (the worker backs off between them).
pub const SCHEDULED_MAX_ATTEMPTS: u32 = 3;

/// How often the serving loop looks for due schedules. Cron's resolution is a minute; a few
/// seconds keeps firing close to the minute without loading the store.
pub const TICK_PERIOD: Duration = Duration::from_secs(5);

/// The next firing of a stored schedule after `now`; `None` (the schedule stops firing) when its
/// stored expression or zone no longer parses, which only a hand-edited store can cause.
pub fn next_after(schedule: &Schedule, now: Timestamp) -> Option<Timestamp> {
    CronSchedule::parse(&schedule.cron, &schedule.timezone)
        .ok()?
        .next_after(now)
}

/// Fires every due schedule at the clock's now: one job each, and the schedule moves to its next
/// occurrence. Occurrences missed while no server ran fire once, not once each.
pub fn tick(control: &mut ControlStore, clock: &dyn Clock) -> ControlResult<Vec<FiredSchedule>> {
    control.fire_due_schedules(clock.now(), SCHEDULED_MAX_ATTEMPTS, &next_after)
}

/// Why a schedule cannot be stored.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error(transparent)]
    Cron(#[from] CronError),
    #[error("spec: {0}")]
    Spec(String),
    #[error(transparent)]
    Control(#[from] ControlError),
}

/// Checks a job spec given as JSON (absent means the defaults), naming the bad field.
pub fn parse_spec(spec: Option<&serde_json::Value>) -> Result<serde_json::Value, ScheduleError> {
    let spec: JobSpec = match spec {
        Some(v) => {
            serde_json::from_value(v.clone()).map_err(|e| ScheduleError::Spec(e.to_string()))?
        }
        None => JobSpec::default(),
    };
    spec.validate().map_err(ScheduleError::Spec)?;
    serde_json::to_value(&spec).map_err(|e| ScheduleError::Spec(e.to_string()))
}

/// Validates and stores a new schedule; its first firing is the first occurrence after `now`.
pub fn add(
    control: &mut ControlStore,
    study: StudyId,
    cron: &str,
    timezone: &str,
    spec: serde_json::Value,
    enabled: bool,
    now: Timestamp,
) -> Result<Schedule, ScheduleError> {
    let parsed = CronSchedule::parse(cron, timezone)?;
    Ok(control.add_schedule(
        NewSchedule {
            study,
            cron: parsed.expr().to_owned(),
            timezone: parsed.zone().name().to_owned(),
            spec,
            enabled,
            next_run_at: parsed.next_after(now),
        },
        now,
    )?)
}

/// Changes a schedule. The next firing is recomputed from `now` when the expression or zone
/// changed or the schedule is switched back on (so a schedule paused for a week does not fire at
/// once for the occurrence it missed); otherwise it is kept.
pub fn update(
    control: &mut ControlStore,
    current: &Schedule,
    cron: &str,
    timezone: &str,
    spec: &serde_json::Value,
    enabled: bool,
    now: Timestamp,
) -> Result<Schedule, ScheduleError> {
    let parsed = CronSchedule::parse(cron, timezone)?;
    let timezone = parsed.zone().name();
    let same_time = parsed.expr() == current.cron && timezone == current.timezone;
    let next = if same_time && (current.enabled || !enabled) {
        current.next_run_at.or_else(|| parsed.next_after(now))
    } else {
        parsed.next_after(now)
    };
    Ok(control.update_schedule(current.id, parsed.expr(), timezone, spec, enabled, next)?)
}

/// Makes `study` have the schedule a batch manifest gives it: the study's schedule with the same
/// expression and zone is updated, else its oldest schedule is replaced (a manifest owns one
/// schedule per study, and editing its cron should move that schedule, not add a second), else a
/// new one is added.
pub fn upsert(
    control: &mut ControlStore,
    study: StudyId,
    cron: &str,
    timezone: &str,
    spec: serde_json::Value,
    now: Timestamp,
) -> Result<Schedule, ScheduleError> {
    let parsed = CronSchedule::parse(cron, timezone)?;
    let own: Vec<Schedule> = control
        .schedules()?
        .into_iter()
        .filter(|s| s.study == study)
        .collect();
    let same = own
        .iter()
        .find(|s| s.cron == parsed.expr() && s.timezone == parsed.zone().name())
        .or_else(|| own.first());
    match same {
        Some(existing) => update(
            control,
            existing,
            parsed.expr(),
            parsed.zone().name(),
            &spec,
            true,
            now,
        ),
        None => add(
            control,
            study,
            parsed.expr(),
            parsed.zone().name(),
            spec,
            true,
            now,
        ),
    }
}

/// Fires due schedules every `period` until `shutdown` resolves. Store work runs on the blocking
/// pool (SQLite waits for locks synchronously). A failed tick is logged and retried next period:
/// a busy or briefly unavailable store must not stop scheduling for the life of the server.
pub async fn run_loop(
    store: PathBuf,
    clock: Arc<dyn Clock>,
    period: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut interval = tokio::time::interval(period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            _ = interval.tick() => {}
        }
        let store = store.clone();
        let clock = clock.clone();
        let fired = tokio::task::spawn_blocking(move || -> Result<Vec<FiredSchedule>, String> {
            let mut control = ControlStore::open(&store)
                .map_err(|e| format!("opening {}: {e}", graph::sql::shown(&store)))?;
            tick(&mut control, clock.as_ref()).map_err(|e| e.to_string())
        })
        .await;
        match fired {
            Ok(Ok(fired)) => {
                for f in fired {
                    eprintln!(
                        "schedule {} fired: job {} queued (next run {})",
                        f.schedule,
                        f.job,
                        f.next_run_at
                            .map_or_else(|| "never".to_owned(), |t| t.to_string())
                    );
                }
            }
            Ok(Err(e)) => eprintln!("scheduler: {e}; retrying in {}s", period.as_secs()),
            Err(e) => eprintln!("scheduler: tick panicked: {e}"),
        }
    }
}

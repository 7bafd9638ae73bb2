//! The threads jobs run on. A research job keeps every core busy for minutes (screens are
//! parallel with rayon); on the threads the server answers requests with, it would starve them:
//! measured on 2 cores, reads went from 6 ms to 5 s at the median while one job ran. So jobs run
//! in a rayon pool of their own whose threads have a lower CPU priority (nice [`JOB_NICENESS`]).
//! They still use every core when the server is idle; when a request arrives, the scheduler
//! gives the server's threads the CPU first. Requests' own parallel work (loading a study for a
//! plot) stays in the global pool at normal priority.

use std::sync::Arc;

/// How much lower than the server jobs run (Linux nice values go from -20 to 19; each step is
/// about 1.25x less CPU under contention, so 10 gives the server about 9x the job's share).
pub const JOB_NICENESS: i32 = 10;

/// A thread pool for jobs, shared by every worker of a server.
#[derive(Clone)]
pub struct JobPool {
    pool: Arc<rayon::ThreadPool>,
}

impl std::fmt::Debug for JobPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JobPool({} threads)", self.pool.current_num_threads())
    }
}

impl JobPool {
    /// One thread per core, each lowering its own priority as it starts. If the pool cannot be
    /// built (no threads left), jobs run on the global pool instead, at normal priority.
    pub fn new() -> Option<Self> {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("hypomics-job-{i}"))
            .start_handler(|_| lower_current_thread_priority())
            .build()
            .map_err(|e| eprintln!("jobs run at normal priority: no job thread pool ({e})"))
            .ok()
            .map(|pool| Self {
                pool: Arc::new(pool),
            })
    }

    /// Runs `work` on the pool: its parallel screens use the pool's threads, and the calling
    /// thread waits without using the CPU.
    pub fn run<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        self.pool.install(work)
    }
}

/// Lowers the calling thread's CPU priority by [`JOB_NICENESS`] below what it had (a server
/// started under `nice` keeps its jobs below itself). On Linux the nice value is a per-thread
/// attribute, so this touches only the calling thread. Best effort: where it is not supported the
/// thread keeps its priority.
pub fn lower_current_thread_priority() {
    #[cfg(target_os = "linux")]
    {
        let target = (current_thread_niceness().unwrap_or(0) + JOB_NICENESS).min(MAX_NICENESS);
        // SAFETY: setpriority reads only its integer arguments; `who = 0` names the calling thread
        // under Linux's per-thread nice values. A failure is reported through the return value.
        let failed = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, target) } != 0;
        if failed {
            eprintln!(
                "could not lower a job thread's priority: {}",
                std::io::Error::last_os_error()
            );
        }
    }
}

/// The lowest priority a thread can have.
pub const MAX_NICENESS: i32 = 19;

/// The calling thread's nice value (Linux; `None` elsewhere).
pub fn current_thread_niceness() -> Option<i32> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getpriority reads only its integer arguments. It may legitimately return -1,
        // so errno is cleared first and checked after; errno is thread-local.
        unsafe {
            *libc::__errno_location() = 0;
            let value = libc::getpriority(libc::PRIO_PROCESS, 0);
            if *libc::__errno_location() == 0 {
                return Some(value);
            }
        }
        None
    }
    #[cfg(not(target_os = "linux"))]
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_threads_run_below_the_callers_priority() {
        let Some(pool) = JobPool::new() else {
            panic!("the job pool could not be built");
        };
        let caller = current_thread_niceness();
        let inside = pool.run(current_thread_niceness);
        if let (Some(caller), Some(inside)) = (caller, inside) {
            // A process already near the lowest priority cannot go lower than the floor.
            assert_eq!(inside, (caller + JOB_NICENESS).min(MAX_NICENESS));
        } else if cfg!(target_os = "linux") {
            panic!("nice values are readable on Linux");
        }
        // Parallel work inside the pool runs on the pool's threads.
        let names: Vec<String> = pool.run(|| {
            use rayon::prelude::*;
            (0..64)
                .into_par_iter()
                .map(|_| std::thread::current().name().unwrap_or_default().to_owned())
                .collect()
        });
        assert!(
            names.iter().all(|n| n.starts_with("hypomics-job-")),
            "{names:?}"
        );
    }
}

//! Running jobs in parallel under a memory budget. Reading a layer briefly holds its whole
//! unfiltered block of numbers (CPTAC's phosphosite table: 90 MB, of which a third survives the
//! sparse-feature filter). Running the two largest reads side by side would hold both; here each
//! job reserves its estimated bytes, a thread takes the largest job that still fits, and a job
//! that fits nothing waits only while others run (alone, any job fits), so the threads stay busy
//! with smaller reads while a large one is in flight.

use std::sync::{Condvar, Mutex};

struct Queue<J> {
    /// Jobs not started, largest first: (position in the input, estimated bytes, job).
    pending: Vec<(usize, usize, J)>,
    in_use: usize,
}

/// Runs `work` on every job (with its estimated bytes) on `threads` threads, never starting a job
/// whose bytes would take the reserved total past `budget` unless nothing else runs. Results come
/// back in the input's order.
pub fn run<J: Send, R: Send>(
    jobs: Vec<(usize, J)>,
    budget: usize,
    threads: usize,
    work: impl Fn(J) -> R + Sync,
) -> Vec<R> {
    let n = jobs.len();
    let mut pending: Vec<(usize, usize, J)> = jobs
        .into_iter()
        .enumerate()
        .map(|(i, (bytes, job))| (i, bytes, job))
        .collect();
    pending.sort_by_key(|&(i, bytes, _)| (std::cmp::Reverse(bytes), i));
    let queue = Mutex::new(Queue { pending, in_use: 0 });
    let freed = Condvar::new();
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, n.max(1)) {
            scope.spawn(|| {
                loop {
                    let Some((index, bytes, job)) = take(&queue, &freed, budget) else {
                        return;
                    };
                    let result = work(job);
                    if let Ok(mut results) = results.lock() {
                        results[index] = Some(result);
                    }
                    if let Ok(mut queue) = queue.lock() {
                        queue.in_use -= bytes;
                    }
                    freed.notify_all();
                }
            });
        }
    });
    results
        .into_inner()
        .map(|r| r.into_iter().flatten().collect())
        .unwrap_or_default()
}

/// The largest pending job that fits the budget (any job when nothing runs), waiting for running
/// jobs to finish when none fits; `None` when no job is left.
fn take<J>(queue: &Mutex<Queue<J>>, freed: &Condvar, budget: usize) -> Option<(usize, usize, J)> {
    let mut guard = queue.lock().ok()?;
    loop {
        if guard.pending.is_empty() {
            return None;
        }
        let free = budget.saturating_sub(guard.in_use);
        let fits = guard
            .pending
            .iter()
            .position(|&(_, bytes, _)| guard.in_use == 0 || bytes <= free);
        if let Some(at) = fits {
            let job = guard.pending.remove(at);
            guard.in_use += job.1;
            return Some(job);
        }
        guard = freed.wait(guard).ok()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn results_keep_input_order_and_the_budget_is_never_exceeded() {
        let in_use = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let jobs: Vec<(usize, usize)> = [90, 40, 25, 13, 13, 10, 4, 2]
            .iter()
            .enumerate()
            .map(|(i, &b)| (b, i))
            .collect();
        let out = run(jobs.clone(), 100, 2, |i| {
            let bytes = jobs[i].0;
            let now = in_use.fetch_add(bytes, Ordering::SeqCst) + bytes;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(5));
            in_use.fetch_sub(bytes, Ordering::SeqCst);
            i * 10
        });
        assert_eq!(out, [0, 10, 20, 30, 40, 50, 60, 70]);
        assert!(peak.load(Ordering::SeqCst) <= 100);
        // A job larger than the budget still runs, alone.
        assert_eq!(run(vec![(500, 1), (1, 2)], 100, 2, |j| j), [1, 2]);
    }
}

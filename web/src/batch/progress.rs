//! What the batch shows while it runs: one line per study with its job's state and latest event.
//! On a terminal the lines redraw in place (indicatif); otherwise (CI logs, pipes) a line is
//! printed when a job changes state, so logs stay short and readable.

use graph::control::{Job, JobEvent, JobState};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// How the batch reports progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressMode {
    /// Redrawn lines on a terminal, state changes otherwise.
    Auto,
    /// Nothing (tests, `--quiet`).
    Quiet,
}

/// One event as a short phrase: the agent's progress as the CLI renders it, the worker's own
/// events (claimed, recovered, finished, webhook) as `graph::control::WorkerEvent` does; a kind
/// this build does not know is shown by its name.
pub fn describe_event(event: &JobEvent) -> String {
    event
        .body()
        .map_or_else(|| event.kind.replace('_', " "), |body| body.line())
}

/// The display for one batch.
pub struct Progress {
    mode: ProgressMode,
    terminal: bool,
    bars: Vec<ProgressBar>,
    names: Vec<String>,
    width: usize,
    last_state: Vec<Option<JobState>>,
    _multi: Option<MultiProgress>,
}

impl Progress {
    pub fn new(mode: ProgressMode, names: &[String]) -> Self {
        let terminal = mode == ProgressMode::Auto && std::io::stderr().is_terminal();
        let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        let (multi, bars) = if terminal {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            let bars = names
                .iter()
                .map(|n| {
                    let bar = multi.add(ProgressBar::new_spinner());
                    bar.set_style(style.clone());
                    bar.set_message(format!("{n:<width$}  queued"));
                    bar.enable_steady_tick(Duration::from_millis(200));
                    bar
                })
                .collect();
            (Some(multi), bars)
        } else {
            (None, Vec::new())
        };
        Self {
            mode,
            terminal,
            bars,
            names: names.to_vec(),
            width,
            last_state: vec![None; names.len()],
            _multi: multi,
        }
    }

    /// Shows study `i`'s job and, when there is one, its latest event.
    pub fn update(&mut self, i: usize, job: &Job, latest: Option<&JobEvent>) {
        let name = self.names.get(i).map_or("?", String::as_str);
        let width = self.width;
        let state = match (job.state, job.outcome.as_deref()) {
            (JobState::Done, Some(outcome)) => outcome.to_owned(),
            (state, _) => state.to_string(),
        };
        let event = latest.map(describe_event).unwrap_or_default();
        if self.terminal {
            if let Some(bar) = self.bars.get(i) {
                bar.set_message(format!("{name:<width$}  {state:<9} {event}"));
                if job.state.is_final() {
                    bar.finish();
                }
            }
        } else if self.mode == ProgressMode::Auto
            && self.last_state.get(i).copied().flatten() != Some(job.state)
        {
            let detail = if job.state.is_final() {
                job.error.clone().unwrap_or_default()
            } else {
                String::new()
            };
            eprintln!("{name:<width$}  job {}  {state} {detail}", job.id);
        }
        if let Some(slot) = self.last_state.get_mut(i) {
            *slot = Some(job.state);
        }
    }

    /// Clears the live lines before the summary is printed.
    pub fn finish(&self) {
        for bar in &self.bars {
            if !bar.is_finished() {
                bar.finish();
            }
        }
    }
}

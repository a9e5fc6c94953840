//! Progress of a batch of checks on stderr: a bar while it runs (on a terminal, without
//! `--quiet`), then the one-line timing summary (without `--quiet`). Nothing here touches stdout,
//! whose bytes depend on the results only.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

pub struct Progress {
    bar: ProgressBar,
    start: Instant,
    /// States of the checks finished so far.
    states: AtomicUsize,
    /// Per scenario, its checks not finished yet; and how many scenarios have none left.
    left: Vec<AtomicUsize>,
    scenarios_done: AtomicUsize,
}

impl Progress {
    /// A bar for the checks of `per_scenario.len()` scenarios (`per_scenario[i]` checks of
    /// scenario i); hidden when stderr is not a terminal (a pipe or a log file would collect
    /// its redraws) or with `--quiet`.
    pub fn start(per_scenario: &[usize]) -> Progress {
        let checks: usize = per_scenario.iter().sum();
        let bar = if crate::output::quiet() || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            let bar =
                ProgressBar::with_draw_target(Some(checks as u64), ProgressDrawTarget::stderr());
            // No colour in the template: the bar is the same whatever --color says.
            bar.set_style(
                ProgressStyle::with_template(
                    "[{elapsed_precise}] {wide_bar} {pos}/{len} checks, {msg}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar
        };
        Progress {
            bar,
            start: Instant::now(),
            states: AtomicUsize::new(0),
            left: per_scenario.iter().map(|&n| AtomicUsize::new(n)).collect(),
            scenarios_done: AtomicUsize::new(per_scenario.iter().filter(|&&n| n == 0).count()),
        }
    }

    /// One check of scenario `scenario` finished, having explored `states` states. Called from
    /// the worker threads.
    pub fn done(&self, scenario: usize, states: usize) {
        let total = self.states.fetch_add(states, Ordering::Relaxed) + states;
        let scenarios = if self.left[scenario].fetch_sub(1, Ordering::Relaxed) == 1 {
            self.scenarios_done.fetch_add(1, Ordering::Relaxed) + 1
        } else {
            self.scenarios_done.load(Ordering::Relaxed)
        };
        if !self.bar.is_hidden() {
            let secs = self.start.elapsed().as_secs_f64().max(1e-9);
            self.bar.set_message(format!(
                "{scenarios}/{} scenarios, {total} states ({:.0} states/s)",
                self.left.len(),
                total as f64 / secs
            ));
        }
        self.bar.inc(1);
    }

    /// Clears the bar and, unless `--quiet`, prints the timing summary.
    pub fn finish(self, checks: usize, states: usize, transitions: usize) {
        self.bar.finish_and_clear();
        if crate::output::quiet() {
            return;
        }
        let secs = self.start.elapsed().as_secs_f64();
        eprintln!(
            "pinlab: {checks} checks, {states} states, {transitions} transitions in {secs:.3}s ({:.0} states/s)",
            states as f64 / secs.max(1e-9)
        );
    }
}

//! Progress of a batch of checks on stderr: a bar while it runs (on a terminal, without
//! `--quiet`), then the one-line timing summary (without `--quiet`). Nothing here touches stdout,
//! whose bytes depend on the results only.
//!
//! The checker adds the states it finds to `states` as it goes (`check_counting`), so a single
//! long check shows its states and states per second too, not only a batch of short ones; a
//! ticker thread redraws the message from that counter a few times a second.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Shared {
    bar: ProgressBar,
    start: Instant,
    /// Distinct states found so far, finished checks and running ones.
    states: AtomicUsize,
    /// Per scenario, its checks not finished yet; and how many scenarios have none left.
    left: Vec<AtomicUsize>,
    scenarios_done: AtomicUsize,
    stop: AtomicBool,
}

impl Shared {
    fn redraw(&self) {
        let secs = self.start.elapsed().as_secs_f64().max(1e-9);
        let total = self.states.load(Ordering::Relaxed);
        self.bar.set_message(format!(
            "{}/{} scenarios, {total} states ({:.0} states/s)",
            self.scenarios_done.load(Ordering::Relaxed),
            self.left.len(),
            total as f64 / secs
        ));
    }
}

pub struct Progress {
    shared: Arc<Shared>,
    ticker: Option<std::thread::JoinHandle<()>>,
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
        let shared = Arc::new(Shared {
            start: Instant::now(),
            states: AtomicUsize::new(0),
            left: per_scenario.iter().map(|&n| AtomicUsize::new(n)).collect(),
            scenarios_done: AtomicUsize::new(per_scenario.iter().filter(|&&n| n == 0).count()),
            stop: AtomicBool::new(false),
            bar,
        });
        let ticker = (!shared.bar.is_hidden()).then(|| {
            let s = Arc::clone(&shared);
            std::thread::spawn(move || {
                while !s.stop.load(Ordering::Relaxed) {
                    s.redraw();
                    std::thread::park_timeout(Duration::from_millis(200));
                }
            })
        });
        Progress { shared, ticker }
    }

    /// The counter the checks add their states to (`pinlab_check::check_counting`).
    pub fn states(&self) -> &AtomicUsize {
        &self.shared.states
    }

    /// One check of scenario `scenario` finished. Called from the worker threads.
    pub fn done(&self, scenario: usize) {
        let s = &self.shared;
        if s.left[scenario].fetch_sub(1, Ordering::Relaxed) == 1 {
            s.scenarios_done.fetch_add(1, Ordering::Relaxed);
        }
        if !s.bar.is_hidden() {
            s.redraw();
        }
        s.bar.inc(1);
    }

    fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            // Wake it from its wait so finishing costs no redraw interval.
            t.thread().unpark();
            let _ = t.join();
        }
        self.shared.bar.finish_and_clear();
    }

    /// Clears the bar and, unless `--quiet`, prints the timing summary.
    pub fn finish(mut self, checks: usize, states: usize, transitions: usize) {
        self.stop();
        if crate::output::quiet() {
            return;
        }
        let secs = self.shared.start.elapsed().as_secs_f64();
        crate::out::errln!(
            "pinlab: {checks} checks, {states} states, {transitions} transitions in {secs:.3}s ({:.0} states/s){}",
            states as f64 / secs.max(1e-9),
            crate::limits::memory_summary(states)
        );
    }

    /// Clears the bar without a summary (`explain`, whose one check's output says enough).
    pub fn clear(mut self) {
        self.stop();
    }
}

//! `--max-states`, `--max-memory` and `--timeout`: the limits every command that checks takes,
//! and how a command's memory is shared among the checks it runs at once.
//!
//! `--max-memory` bounds the command, not one check: a user who says 4G means the process. It is
//! split evenly among the checks that run at the same time (one per core, at most one per check
//! to run), so each check's share, and so its verdict, does not depend on timing. Without it the
//! command takes half of the smallest of the machine's RAM, its cgroup's memory limit and its
//! `ulimit -v` (`pinlab_check::memory::machine_memory`): the other half covers the rest of the
//! machine, the program itself and what a check holds outside its budget.

use pinlab_check::memory::{default_total_budget, peak_rss};
use pinlab_check::{human_bytes, Limits};
use pinlab_model::Reduction;
use std::time::Duration;

#[derive(clap::Args, Clone, Debug, Default)]
pub struct LimitOpts {
    /// Stop a check after this many distinct states; its verdict is then `incomplete`.
    /// [default: none, memory bounds it]
    #[arg(long, value_name = "N")]
    pub max_states: Option<usize>,
    /// Memory this command's checks may hold together (`512M`, `4G`, `1.5GiB`; K, M, G, T are
    /// powers of 1024), split evenly among the checks that run at once. A check that would pass
    /// its share stops: `incomplete`, naming the limit. [default: half of the smallest of the
    /// RAM, the cgroup's memory limit and `ulimit -v`]
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// Stop each check after this long (`30s`, `5m`, `1h30m`, or seconds): `incomplete`, never
    /// `safe`. Where a timed-out check stopped depends on the machine's speed. [default: none]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Threads for this command's checks. Several checks run side by side, one thread each; a
    /// single check (or the last few) splits its search among the threads. Verdicts, state
    /// counts and counterexamples do not depend on it. [default: every core]
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: Option<u16>,
    /// Store every state the model can tell apart: `--no-reduce` turns off every state-space
    /// reduction, `--no-reduce=frames,dead,threads,por` the ones named (`frames`: canonical
    /// frame numbering and generations; `dead`: fields nothing reads again reset,
    /// acknowledgements renumbered; `threads`: threads with identical programs merged; `por`:
    /// partial-order reduction, one thread's step alone where it commutes with the others').
    /// Verdicts, violated properties, conditions and counterexample lengths are the same either
    /// way; only the states stored (and the time) grow. [default: every reduction on]
    #[arg(long, value_name = "NAMES", num_args = 0..=1, require_equals = true,
          default_missing_value = "all", value_delimiter = ',', value_parser = parse_reduction)]
    pub no_reduce: Option<Vec<String>>,
}

impl LimitOpts {
    /// The threads the command may use: `--jobs`, else every core.
    pub fn jobs(&self) -> usize {
        self.jobs.map_or_else(
            || std::thread::available_parallelism().map_or(1, |n| n.get()),
            usize::from,
        )
    }

    /// For a command that runs `checks` checks: how many run at once (one thread each while
    /// there are more checks than threads), and each one's limits — an even share of the memory
    /// and of the threads.
    pub fn plan(&self, checks: usize) -> (Limits, usize) {
        let threads = self.jobs();
        let at_once = checks.clamp(1, threads);
        let total = self.max_memory.unwrap_or_else(default_total_budget);
        let limits = Limits {
            max_states: self.max_states.unwrap_or(usize::MAX),
            max_bytes: usize::try_from(total / at_once as u64).unwrap_or(usize::MAX),
            timeout: self.timeout,
            jobs: (threads / at_once).max(1),
            reduce: self.reduction(),
        };
        (limits, at_once)
    }

    /// The reductions left on by `--no-reduce`.
    pub fn reduction(&self) -> Reduction {
        let mut r = Reduction::all();
        for name in self.no_reduce.iter().flatten() {
            if name == "all" {
                r = Reduction::none();
            } else {
                r.disable(name);
            }
        }
        r
    }
}

/// A name `--no-reduce=` takes: `all` or one of `Reduction::NAMES`.
fn parse_reduction(s: &str) -> Result<String, String> {
    let known = Reduction::NAMES.iter().map(|(n, _)| *n);
    if s == "all" || known.clone().any(|n| n == s) {
        return Ok(s.to_string());
    }
    Err(format!(
        "unknown reduction `{s}`: use all, {}",
        known.collect::<Vec<_>>().join(", ")
    ))
}

/// `512M`, `4G`, `1.5GiB`, `1000000`: bytes. K, M, G and T (with or without `B` or `iB`) are
/// powers of 1024, as in `ulimit`, `free` and systemd's `MemoryMax=`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| {
        format!("`{s}` is not a size: expected a number and a unit, e.g. 512M or 4G")
    })?;
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        u => {
            return Err(format!(
                "unknown unit `{u}` in `{s}`: use B, K, M, G or T (e.g. 512M, 4G)"
            ))
        }
    };
    let bytes = n * (1u64 << shift) as f64;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(format!("`{s}` is too large"));
    }
    Ok(bytes as u64)
}

/// `30s`, `5m`, `1h30m`, `250ms` (humantime), or a number of seconds as herd7's `-timeout`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    if let Ok(secs) = s.trim().parse::<f64>() {
        return Duration::try_from_secs_f64(secs)
            .map_err(|_| format!("`{s}` is not a duration: expected e.g. 30s, 5m or 1h"));
    }
    humantime::parse_duration(s.trim())
        .map_err(|e| format!("`{s}` is not a duration ({e}): expected e.g. 30s, 5m or 1h"))
}

/// `, peak RSS 41.2 MiB (3,300 B/state)`: the process's peak memory over the states it stored,
/// for the stderr summary (not stdout: it changes from run to run).
pub fn memory_summary(states: usize) -> String {
    match peak_rss() {
        Some(rss) => format!(
            ", peak RSS {} ({:.0} bytes/state)",
            human_bytes(rss),
            rss as f64 / states.max(1) as f64
        ),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("4 GiB"), Ok(4 << 30));
        assert_eq!(parse_size("1.5G"), Ok(3 << 29));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("64kb"), Ok(64 << 10));
        assert!(parse_size("4X").unwrap_err().contains("unknown unit `X`"));
        assert!(parse_size("G").unwrap_err().contains("not a size"));
        assert!(parse_size("99999999999T").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2.5"), Ok(Duration::from_millis(2500)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1").is_err());
    }

    #[test]
    fn the_memory_is_shared_among_checks_at_once() {
        let o = LimitOpts {
            max_memory: Some(4 << 30),
            jobs: Some(2),
            ..Default::default()
        };
        assert_eq!(o.plan(1).0.max_bytes, 4 << 30);
        assert_eq!(o.plan(2).0.max_bytes, 2 << 30);
        assert_eq!(o.plan(100).0.max_bytes, 2 << 30);
        assert_eq!(o.plan(0).0.max_bytes, 4 << 30);
        assert_eq!(LimitOpts::default().plan(1).0.max_states, usize::MAX);
    }

    #[test]
    fn the_threads_are_shared_among_checks_at_once() {
        let o = |j| LimitOpts {
            jobs: Some(j),
            ..Default::default()
        };
        // One check takes every thread; many checks one each.
        assert_eq!((o(4).plan(1).0.jobs, o(4).plan(1).1), (4, 1));
        assert_eq!((o(4).plan(2).0.jobs, o(4).plan(2).1), (2, 2));
        assert_eq!((o(4).plan(50).0.jobs, o(4).plan(50).1), (1, 4));
        assert_eq!((o(1).plan(50).0.jobs, o(1).plan(50).1), (1, 1));
    }
}

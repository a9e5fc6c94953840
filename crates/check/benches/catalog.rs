//! The whole catalog under every preset, and under every tracking × handling pair (what
//! `pinlab rank` checks): states per second and bytes per stored state.
//!
//! `cargo bench -p pinlab-check` prints, besides criterion's timing, one line each with the
//! totals: states, states per second, the checker's own peak bytes per state (visited set, path
//! nodes and frontier, as its memory budget counts them) and — for the runs that each get a
//! process of their own — the whole process's peak RSS per state, the figure the README quotes
//! (targets, issue 13: at least 3M states/s per core and 1.7x on two workers on the realistic
//! benchmark, at most 16 bytes per state peak RSS on runs over 10M states, the catalog x presets
//! under 0.1 s). The side-by-side comparison with SPIN is `benches/peers/run`.

use criterion::{criterion_group, Criterion};
use pinlab_check::{check, Limits};
use pinlab_model::design::Design;
use pinlab_model::scenario::Scenario;
use pinlab_model::Reduction;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn catalog() -> Vec<Scenario> {
    pinlab_litmus::repository_catalog()
}

fn run_all(scs: &[Scenario]) -> (usize, usize) {
    run_designs(scs, &Design::presets())
}

/// Checks every scenario under every design, one after the other on one core.
fn run_designs(scs: &[Scenario], designs: &[Design]) -> (usize, usize) {
    let mut states = 0;
    let mut bytes = 0;
    for sc in scs {
        for &d in designs {
            let r = check(sc, d, Limits::default());
            states += r.stats.states;
            bytes += r.stats.bytes;
        }
    }
    (states, bytes)
}

fn report(what: &str, states: usize, bytes: usize, secs: f64) {
    eprintln!(
        "{what}: {states} states in {secs:.3}s on one core: {:.0} states/s, checker peak {:.1} bytes/state",
        states as f64 / secs,
        bytes as f64 / states.max(1) as f64
    );
}

/// The runs measured in a process of their own, so that its peak RSS is theirs alone:
/// `catalog`, or `SCENARIO:DESIGN:JOBS` with the scenario `stress` (benches/stress.litmus) or
/// `realistic` (benches/peers/realistic.litmus, the one SPIN's twin models). The realistic
/// runs under legacy are the large ones (tens of millions of states): `PINLAB_BENCH_LARGE=0`
/// leaves them out.
///
/// A scenario name ending in `-plain` runs with every state-space reduction off: the
/// reduction-free run the per-core speed target is stated for (every state the Promela twin has).
const ALONE: [&str; 6] = [
    "catalog",
    "stress:pin-wait:1",
    "stress:upstream:1",
    "realistic-plain:pin-wait:1",
    "realistic:pin-wait:1",
    "realistic:pin-wait:2",
];
/// `SCENARIO:DESIGN:JOBS:MAX_STATES`: legacy does not finish on this machine (hundreds of millions
/// of states), so these stop at 20 million states: the run over 10M states the memory per state is
/// measured on.
const LARGE: [&str; 2] = ["realistic:legacy:1:20000000", "realistic:legacy:2:20000000"];

/// In the child: runs `what` and prints `states bytes seconds peak-rss`. VmHWM read as the
/// process ends is its peak resident set over its whole life, allocator and binary included.
fn child(what: &str) {
    let t = Instant::now();
    let parts: Vec<&str> = what.split(':').collect();
    let (states, bytes) = match parts[..] {
        [name, d, jobs, ref cap @ ..] => {
            let (name, reduce) = match name.strip_suffix("-plain") {
                Some(n) => (n, Reduction::none()),
                None => (name, Reduction::all()),
            };
            let limits = Limits {
                jobs: jobs.parse().unwrap(),
                max_states: cap.first().map_or(usize::MAX, |c| c.parse().unwrap()),
                reduce,
                ..Limits::default()
            };
            let r = check(&scenario(name), Design::parse(d).unwrap(), limits);
            assert!(
                r.complete || !cap.is_empty(),
                "{what} did not finish: {:?}",
                r.cut
            );
            (r.stats.states, r.stats.bytes)
        }
        _ => run_all(&catalog()),
    };
    let secs = t.elapsed().as_secs_f64();
    let rss = pinlab_check::memory::peak_rss().unwrap_or(0);
    println!("{states} {bytes} {secs} {rss}");
}

/// Runs `what` in a fresh copy of this benchmark and reports its figures with its peak RSS.
fn alone(what: &str) -> f64 {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .env("PINLAB_BENCH_CHILD", what)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout);
    let f: Vec<f64> = line
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let (states, bytes, secs, rss) = (f[0], f[1], f[2], f[3]);
    eprintln!(
        "{what} (own process): {states} states in {secs:.3}s: {:.0} states/s, checker peak {:.1} bytes/state, process peak RSS {:.1} MiB = {:.1} bytes/state",
        states / secs,
        bytes / states.max(1.0),
        rss / (1 << 20) as f64,
        rss / states.max(1.0)
    );
    secs
}

fn scenario(name: &str) -> Scenario {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = match name {
        "realistic" => dir.join("../../benches/peers/realistic.litmus"),
        _ => dir.join("benches/stress.litmus"),
    };
    let text = std::fs::read_to_string(&path).unwrap();
    pinlab_litmus::parse(name, &text).unwrap_or_else(|d| panic!("{}", d.render(&text)))
}

fn bench(c: &mut Criterion) {
    let scs = catalog();
    let t = Instant::now();
    let (states, bytes) = run_all(&scs);
    let what = format!(
        "catalog ({} scenarios x {} presets)",
        scs.len(),
        Design::presets().len()
    );
    report(&what, states, bytes, t.elapsed().as_secs_f64());

    let pairs = Design::pairs();
    let t = Instant::now();
    let (states, bytes) = run_designs(&scs, &pairs);
    let what = format!("catalog ({} scenarios x {} pairs)", scs.len(), pairs.len());
    report(&what, states, bytes, t.elapsed().as_secs_f64());

    let large = std::env::var("PINLAB_BENCH_LARGE").map_or(true, |v| v != "0");
    let mut one_worker = std::collections::HashMap::new();
    for what in ALONE.iter().chain(LARGE.iter().filter(|_| large)) {
        let secs = alone(what);
        // The speedup of two workers over one on the same check.
        // The same run on one worker: JOBS (the third field) set to 1.
        let mut f: Vec<&str> = what.split(':').collect();
        if f.len() >= 3 {
            let jobs = f[2];
            f[2] = "1";
            let base = f.join(":");
            if jobs == "1" {
                one_worker.insert(base, secs);
            } else if let Some(one) = one_worker.get(&base) {
                eprintln!("{what}: {:.2}x the speed of one worker", one / secs);
            }
        }
    }
    let big = scenario("stress");

    c.bench_function("catalog x presets (one core)", |b| b.iter(|| run_all(&scs)));
    c.bench_function("catalog x every pair (one core)", |b| {
        b.iter(|| run_designs(&scs, &pairs))
    });
    let pin_wait = Design::parse("pin-wait").unwrap();
    c.bench_function("stress under pin-wait (170k states)", |b| {
        b.iter(|| check(&big, pin_wait, Limits::default()))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
fn main() {
    if let Ok(what) = std::env::var("PINLAB_BENCH_CHILD") {
        return child(&what);
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}

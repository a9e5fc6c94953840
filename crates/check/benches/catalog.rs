//! The whole catalog under every preset, and under every tracking × handling pair (what
//! `pinlab rank` checks): states per second and bytes per stored state.
//!
//! `cargo bench -p pinlab-check` prints, besides criterion's timing, one line each with the
//! totals: states, states per second and bytes per stored state (targets: 1M states/s per core,
//! < 100 bytes per state, the whole catalog x presets in < 2 s, the catalog x every pair well under
//! a minute on a 2-core machine).

use criterion::{criterion_group, criterion_main, Criterion};
use pinlab_check::{check, Limits};
use pinlab_model::design::Design;
use pinlab_model::scenario::Scenario;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn catalog() -> Vec<Scenario> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../litmus");
    pinlab_litmus::litmus_files(&dir)
        .unwrap()
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            pinlab_litmus::parse(&f.display().to_string(), &text)
                .unwrap_or_else(|d| panic!("{}", d.render(&text)))
        })
        .collect()
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
        "{what}: {states} states in {secs:.3}s on one core: {:.0} states/s, {:.1} bytes per stored state",
        states as f64 / secs,
        bytes as f64 / states.max(1) as f64
    );
}

fn stress() -> Scenario {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/stress.litmus");
    let text = std::fs::read_to_string(&path).unwrap();
    pinlab_litmus::parse("stress.litmus", &text).unwrap_or_else(|d| panic!("{}", d.render(&text)))
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

    let big = stress();
    for d in ["pin-wait", "upstream"] {
        let t = Instant::now();
        let r = check(&big, Design::parse(d).unwrap(), Limits::default());
        report(
            &format!("stress under {d}"),
            r.stats.states,
            r.stats.bytes,
            t.elapsed().as_secs_f64(),
        );
    }

    c.bench_function("catalog x presets (one core)", |b| b.iter(|| run_all(&scs)));
    c.bench_function("catalog x every pair (one core)", |b| {
        b.iter(|| run_designs(&scs, &pairs))
    });
    let pin_wait = Design::parse("pin-wait").unwrap();
    c.bench_function("stress under pin-wait (300k states)", |b| {
        b.iter(|| check(&big, pin_wait, Limits::default()))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);

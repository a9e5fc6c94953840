//! `--jobs`: a check split among workers finds what the one-core check finds — the same state
//! and transition counts, depth, verdict, condition answer and the very same counterexamples —
//! on the catalog, on generated scenarios and on a check large enough for many batches a level.
//! Only the bytes differ (each worker holds buffers of its own), and within a given number of
//! workers the memory budget is as exact as on one.

use pinlab_check::{check, CheckResult, Limits};
use pinlab_model::design::Design;
use pinlab_model::scenario::Scenario;

fn catalog() -> Vec<Scenario> {
    pinlab_litmus::repository_catalog()
}

fn on(jobs: usize) -> Limits {
    Limits {
        max_bytes: usize::MAX,
        jobs,
        ..Limits::default()
    }
}

/// Everything but the bytes.
fn assert_same(a: &CheckResult, b: &CheckResult, what: &str) {
    let (mut sa, mut sb) = (a.stats.clone(), b.stats.clone());
    sa.bytes = 0;
    sb.bytes = 0;
    assert_eq!(sa, sb, "{what}: stats");
    assert_eq!(a.verdict, b.verdict, "{what}: verdict");
    assert_eq!(
        a.counterexamples, b.counterexamples,
        "{what}: counterexamples"
    );
    assert_eq!(a.hang, b.hang, "{what}: hang");
    assert_eq!(a.refused, b.refused, "{what}: refused");
    assert_eq!(a.revoked, b.revoked, "{what}: revoked");
    assert_eq!(a.condition, b.condition, "{what}: condition");
    assert_eq!(a.cut, b.cut, "{what}: cut");
}

#[test]
fn workers_change_nothing_on_the_catalog() {
    for sc in catalog() {
        for d in Design::presets() {
            let one = check(&sc, d, on(1));
            for jobs in [2, 3] {
                let what = format!("{} under {} on {jobs} workers", sc.name, d.name());
                assert_same(&check(&sc, d, on(jobs)), &one, &what);
            }
        }
    }
}

#[test]
fn workers_change_nothing_on_generated_scenarios() {
    let mut compared = 0;
    for text in pinlab_gen::generated(0x5eed_0013, 30, 200, 24) {
        let Ok(sc) = pinlab_litmus::parse("gen.litmus", &text) else {
            continue;
        };
        for d in Design::presets() {
            let capped = |jobs| Limits {
                max_states: 30_000,
                ..on(jobs)
            };
            let one = check(&sc, d, capped(1));
            let what = format!("{} under {}:\n{text}", sc.name, d.name());
            // A state limit cuts at the same state whatever the workers: ids follow the order.
            assert_same(&check(&sc, d, capped(2)), &one, &what);
            compared += 1;
        }
    }
    assert!(compared >= 100, "only {compared} generated checks");
}

#[test]
fn workers_change_nothing_when_a_level_takes_many_batches() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(dir.join("benches/stress.litmus")).unwrap();
    let sc = pinlab_litmus::parse("stress.litmus", &text).unwrap();
    for d in ["pin-wait", "legacy"] {
        let d = Design::parse(d).unwrap();
        let capped = |jobs| Limits {
            max_states: 400_000,
            ..on(jobs)
        };
        let one = check(&sc, d, capped(1));
        assert!(one.stats.states > 100_000, "{}", one.stats.states);
        assert_same(&check(&sc, d, capped(3)), &one, &d.name());
    }
}

#[test]
fn the_budget_is_exact_on_several_workers_too() {
    for sc in catalog() {
        for d in Design::presets() {
            let what = format!("{} under {} on 2 workers", sc.name, d.name());
            let full = check(&sc, d, on(2));
            let peak = full.stats.bytes;
            let at = check(
                &sc,
                d,
                Limits {
                    max_bytes: peak,
                    ..on(2)
                },
            );
            assert_same(&at, &full, &what);
            assert_eq!(at.stats.bytes, peak, "{what}");
            let r = check(
                &sc,
                d,
                Limits {
                    max_bytes: peak - 1,
                    ..on(2)
                },
            );
            assert!(!r.complete, "{what}: a byte less completed");
            assert!(r.stats.bytes < peak, "{what}: held {}", r.stats.bytes);
            assert_eq!(r.violated.0 & !full.violated.0, 0, "{what}");
        }
    }
}

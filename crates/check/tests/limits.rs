//! The limits against the unlimited check, over the whole catalog under every preset: a check
//! that finishes within a limit gives exactly the unlimited result; one that does not is
//! `incomplete`, names its limit, held no more than it was allowed, and found nothing the
//! unlimited check does not. And the budget is exact: the peak a complete check reports is
//! the smallest budget it completes in.

use pinlab_check::{check, CheckResult, Cut, Limits, Verdict};
use pinlab_model::design::Design;
use pinlab_model::scenario::Scenario;

fn catalog() -> Vec<Scenario> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../litmus");
    pinlab_litmus::litmus_files(&dir)
        .unwrap()
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            pinlab_litmus::parse(&f.display().to_string(), &text).unwrap()
        })
        .collect()
}

fn same(a: &CheckResult, b: &CheckResult) -> bool {
    a.verdict == b.verdict
        && a.stats == b.stats
        && a.counterexamples == b.counterexamples
        && a.hang == b.hang
        && a.condition == b.condition
}

fn unlimited() -> Limits {
    Limits {
        max_bytes: usize::MAX,
        ..Limits::default()
    }
}

/// Checks `r`, cut short, against the unlimited `full`.
fn cut_short(r: &CheckResult, full: &CheckResult, what: &str) {
    assert!(!r.complete && r.cut.is_some(), "{what}");
    let Verdict::Incomplete { found } = r.verdict else {
        panic!("{what}: a cut check is {:?}", r.verdict)
    };
    assert_eq!(found, r.violated, "{what}");
    assert_eq!(
        r.violated.0 & !full.violated.0,
        0,
        "{what}: found {:?} the full check does not",
        r.violated
    );
    assert!(r.stats.states <= full.stats.states, "{what}");
}

#[test]
fn the_memory_budget_is_exact_and_never_changes_a_verdict() {
    let mut checks = 0;
    for sc in catalog() {
        for d in Design::presets() {
            let what = format!("{} under {}", sc.name, d.name());
            let full = check(&sc, d, unlimited());
            assert!(full.complete, "{what}");
            let peak = full.stats.bytes;
            // The peak is enough, and the same check results.
            let at = check(
                &sc,
                d,
                Limits {
                    max_bytes: peak,
                    ..unlimited()
                },
            );
            assert!(
                same(&at, &full),
                "{what}: a budget of its peak ({peak}) changed it"
            );
            // A byte less is not: the growth that made the peak is refused.
            for budget in [0, 100, peak / 2, peak - 1] {
                let r = check(
                    &sc,
                    d,
                    Limits {
                        max_bytes: budget,
                        ..unlimited()
                    },
                );
                let what = format!("{what} within {budget} bytes");
                cut_short(&r, &full, &what);
                assert_eq!(r.cut, Some(Cut::Memory { limit: budget }), "{what}");
                assert!(r.stats.bytes <= budget, "{what}: held {}", r.stats.bytes);
            }
            checks += 1;
        }
    }
    assert_eq!(checks, catalog().len() * Design::presets().len());
}

#[test]
fn the_state_limit_cuts_exactly_at_the_state_count() {
    for sc in catalog() {
        for d in Design::presets() {
            let what = format!("{} under {}", sc.name, d.name());
            let full = check(&sc, d, unlimited());
            let n = full.stats.states;
            let at = check(
                &sc,
                d,
                Limits {
                    max_states: n,
                    ..unlimited()
                },
            );
            assert!(
                same(&at, &full),
                "{what}: a limit of its own {n} states changed it"
            );
            if n > 1 {
                let r = check(
                    &sc,
                    d,
                    Limits {
                        max_states: n - 1,
                        ..unlimited()
                    },
                );
                cut_short(&r, &full, &what);
                assert_eq!(r.cut, Some(Cut::States { limit: n - 1 }), "{what}");
                assert_eq!(r.stats.states, n - 1, "{what}");
            }
        }
    }
}

#[test]
fn a_timeout_cuts_a_long_check_and_says_so() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(dir.join("benches/stress.litmus")).unwrap();
    let sc = pinlab_litmus::parse("stress.litmus", &text).unwrap();
    let limit = std::time::Duration::from_millis(1);
    let r = check(
        &sc,
        Design::parse("upstream").unwrap(),
        Limits {
            timeout: Some(limit),
            ..unlimited()
        },
    );
    // 13.5 million states cannot be seen in a millisecond.
    assert_eq!(r.cut, Some(Cut::Timeout { limit }));
    assert!(matches!(r.verdict, Verdict::Incomplete { .. }));
    assert!(r.stats.states < 13_000_000);
}

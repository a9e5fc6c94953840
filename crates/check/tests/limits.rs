//! The limits against the unlimited check, over the whole catalog under every preset: a check
//! that finishes within a limit gives exactly the unlimited result; one that does not is
//! `incomplete`, names its limit, held no more than it was allowed, and found nothing the
//! unlimited check does not. And the budget is exact: the peak a complete check reports is
//! the smallest budget it completes in.

use pinlab_check::{check, CheckResult, Cut, Limits, Verdict};
use pinlab_model::design::Design;
use pinlab_model::scenario::Scenario;

fn catalog() -> Vec<Scenario> {
    pinlab_litmus::repository_catalog()
}

fn same(a: &CheckResult, b: &CheckResult) -> bool {
    a.verdict == b.verdict
        && a.stats == b.stats
        && a.counterexamples == b.counterexamples
        && a.hang == b.hang
        && a.condition == b.condition
}

/// `check` with every limit off but the ones `f` sets.
fn with(sc: &Scenario, d: Design, f: impl FnOnce(&mut Limits)) -> CheckResult {
    let mut l = unlimited();
    f(&mut l);
    check(sc, d, l)
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
            let at = with(&sc, d, |l| l.max_bytes = peak);
            assert!(
                same(&at, &full),
                "{what}: a budget of its peak ({peak}) changed it"
            );
            // A byte less is not: the growth that made the peak is refused.
            for budget in [0, 100, peak / 2, peak - 1] {
                let r = with(&sc, d, |l| l.max_bytes = budget);
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
            let at = with(&sc, d, |l| l.max_states = n);
            assert!(
                same(&at, &full),
                "{what}: a limit of its own {n} states changed it"
            );
            if n > 1 {
                let r = with(&sc, d, |l| l.max_states = n - 1);
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

/// The same exactness on scenarios nobody wrote: the fuzzer's generator (every op, repeated up to
/// the parser's limits), under every preset, for each check small enough to finish.
#[test]
fn the_budget_is_exact_on_generated_scenarios_too() {
    let (mut compared, mut cut) = (0, 0);
    for text in pinlab_gen::generated(0x9e37_79b9_7f4a_7c15, 40, 200, 24) {
        let Ok(sc) = pinlab_litmus::parse("gen.litmus", &text) else {
            continue;
        };
        for d in Design::presets() {
            let what = format!("{} under {}:\n{text}", sc.name, d.name());
            let full = with(&sc, d, |l| l.max_states = 20_000);
            if !full.complete {
                continue;
            }
            let peak = full.stats.bytes;
            let at = with(&sc, d, |l| l.max_bytes = peak);
            assert!(same(&at, &full), "{what}");
            let r = with(&sc, d, |l| l.max_bytes = peak - 1);
            cut_short(&r, &full, &what);
            assert!(r.stats.bytes < peak, "{what}");
            compared += 1;
            cut += (r.stats.states < full.stats.states) as usize;
        }
    }
    println!("{compared} generated checks compared, {cut} of them cut before their last state");
    assert!(compared >= 100, "only {compared} generated checks finished");
}

//! `check_counting`, which the CLI's progress display reads while checks run: it must give the
//! same result as `check` and, once every check is done, its shared counter must hold exactly the
//! states the checks report — also for a check large enough to publish along the way.

use pinlab_check::{check, check_counting, Limits};
use pinlab_model::design::Design;
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn the_shared_counter_ends_at_the_sum_of_the_checks_states() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let stress = std::fs::read_to_string(dir.join("benches/stress.litmus")).unwrap();
    let redirty =
        std::fs::read_to_string(dir.join("../../litmus/ext4-rdma-redirty-after-writeback.litmus"))
            .unwrap();
    let counter = AtomicUsize::new(0);
    let mut expected = 0;
    for (name, text, design) in [
        ("stress.litmus", &stress, "pin-wait"),
        ("redirty.litmus", &redirty, "legacy"),
        ("redirty.litmus", &redirty, "upstream"),
    ] {
        let sc = pinlab_litmus::parse(name, text).unwrap();
        let d = Design::parse(design).unwrap();
        let counted = check_counting(&sc, d, Limits::default(), &counter);
        let plain = check(&sc, d, Limits::default());
        assert_eq!(counted.verdict, plain.verdict);
        assert_eq!(counted.stats, plain.stats);
        assert_eq!(counted.counterexamples, plain.counterexamples);
        expected += counted.stats.states;
        assert_eq!(counter.load(Ordering::Relaxed), expected, "{name} {design}");
    }
    // The stress check alone crosses the publishing interval (65,536 states) twice.
    assert!(expected > 2 * 65_536);
    // A check cut short by the limit counts the states it stored, no more.
    let sc = pinlab_litmus::parse("stress.litmus", &stress).unwrap();
    let cut = AtomicUsize::new(0);
    let r = check_counting(
        &sc,
        Design::parse("pin-wait").unwrap(),
        Limits {
            max_states: 1000,
            ..Default::default()
        },
        &cut,
    );
    assert!(!r.complete);
    assert_eq!(cut.load(Ordering::Relaxed), r.stats.states);
}

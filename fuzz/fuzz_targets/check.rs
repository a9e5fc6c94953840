//! Parse → check under every preset, on scenarios that parse: the input is litmus text when it
//! starts with `litmus ` (the catalog seeds, and what libFuzzer makes of them), otherwise bytes
//! from which pinlab-gen builds a scenario over the whole language (every filesystem, device,
//! op and condition atom, ops repeated up to the parser's limits) and prints it as litmus.
//!
//! Each check is cut at a small state limit; the shortest counterexample of each is replayed
//! with tracing (what `explain` shows), and every state along it must keep the model's
//! invariants. Any panic, overflow included (the build has overflow checks), is a crash.
//!
//! `PINLAB_FUZZ_PRINT=1 fuzz/target/x86_64-unknown-linux-gnu/release/check INPUT...` prints each
//! input's litmus text (to turn a crash into a regression test).
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use pinlab_check::{check, replay, Limits};
use pinlab_model::design::Design;
use pinlab_model::World;

fuzz_target!(|data: &[u8]| {
    let text = if data.starts_with(b"litmus ") {
        String::from_utf8_lossy(data).into_owned()
    } else {
        let mut u = Unstructured::new(data);
        let Ok(spec) = pinlab_gen::Spec::arbitrary_full(&mut u) else {
            return;
        };
        pinlab_gen::render(&spec, &pinlab_gen::Shape::FULL)
    };
    static PRINT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *PRINT.get_or_init(|| std::env::var_os("PINLAB_FUZZ_PRINT").is_some()) {
        eprintln!("{text}");
    }
    let Ok(sc) = pinlab_litmus::parse("fuzz.litmus", &text) else {
        return;
    };
    // Any other limit (Limits may gain memory and time limits) keeps its default.
    #[allow(clippy::needless_update)] // for the fields Limits may gain
    let limits = Limits {
        max_states: 2_000,
        ..Limits::default()
    };
    for design in Design::presets() {
        let r = check(&sc, design, limits);
        let Some((_, path)) = r.most_relevant() else {
            continue;
        };
        let w = World::new(&sc, design);
        let (steps, _) = replay(&sc, design, path);
        for s in &steps {
            if let Err(e) = w.check_invariants(&s.after) {
                panic!("{}: invariant broken: {e}\n{text}", design.name());
            }
        }
    }
});

//! The litmus parser and lowering on raw bytes: never a panic, and every error positioned
//! inside the text (line, column, span on character boundaries) and renderable. Bytes that are
//! not UTF-8 are read lossily, so no input is wasted.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match pinlab_litmus::parse("fuzz.litmus", &text) {
        Ok(sc) => {
            assert!(!sc.threads.is_empty());
            assert!(sc.values.len() <= pinlab_litmus::MAX_VALUES + 1);
            // The model's view of it: slot tables and the initial state.
            let w = pinlab_model::World::new(&sc, pinlab_model::design::Design::presets()[0]);
            w.check_invariants(&w.init())
                .expect("the initial state is coherent");
        }
        Err(d) => {
            assert!(!d.errors.is_empty());
            let lines: Vec<&str> = text.split('\n').collect();
            for e in &d.errors {
                assert!(e.line >= 1 && (e.line as usize) <= lines.len(), "{e:?}");
                let line = lines[e.line as usize - 1];
                assert!(
                    e.col >= 1 && (e.col as usize) <= line.chars().count() + 1,
                    "{e:?}"
                );
                assert!(e.span.start <= e.span.end && e.span.end <= text.len());
                assert!(text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end));
                assert!(!e.message.is_empty());
            }
            assert!(d.render(&text).starts_with("error: "));
        }
    }
});

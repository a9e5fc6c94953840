//! Property test: any scenario under any design draws — the SVG of its trace is well-formed XML
//! with a lane per thread, a numbered box per step and one highlight, and the explain JSON's
//! page states are the ones the trace ends in. Scenarios are random litmus texts over one
//! two-page file, a shared and a private mapping, and an RDMA NIC, so every kind of call the
//! diagram classifies (faults, ->page_mkwrite, pins, DMA, writeback submit and completion,
//! truncate, reclaim, freeze) turns up.

use pinlab_check::{check, Limits};
use pinlab_model::design::Design;
use proptest::prelude::*;

const APP_OPS: &[&str] = &[
    "store m[0] = A",
    "store m[1] = B",
    "store q[0] = C",
    "write f[0] = D",
    "fsync f",
    "sync",
    "truncate f 1",
    "truncate f 0",
    "punch f 0",
    "reclaim",
    "munmap m",
    "mprotect m ro",
    "freeze",
    "thaw",
];

const FLUSHER_OPS: &[&str] = &["writeback f", "fsync f", "reclaim", "truncate f 1"];

fn litmus(
    blocks: u8,
    fs: &str,
    app: &[usize],
    flusher: &[usize],
    dev: (bool, bool, bool),
) -> String {
    let mut t = format!(
        "litmus prop\nfs {fs} blocks={blocks}\nfile f pages=2\nmmap m = f shared rw\nmmap q = f private rw\ndevice nic rdma\nthread app {{\n"
    );
    for &i in app {
        t.push_str(&format!("  {}\n", APP_OPS[i]));
    }
    t.push_str("}\nthread dev {\n  pin p = nic m[0..2] write");
    t.push_str(if dev.0 { " longterm\n" } else { "\n" });
    if dev.1 {
        t.push_str("  dma p[1] = E\n");
    }
    if dev.2 {
        t.push_str("  unpin p dirty\n");
    }
    t.push_str("}\n");
    if !flusher.is_empty() {
        t.push_str("thread flusher {\n");
        for &i in flusher {
            t.push_str(&format!("  {}\n", FLUSHER_OPS[i]));
        }
        t.push_str("}\n");
    }
    t
}

fn designs() -> Vec<Design> {
    let mut d = Design::presets();
    d.extend(Design::pairs());
    d
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn every_trace_draws_as_a_well_formed_diagram(
        blocks in 1..5u8,
        fs in prop::sample::select(vec!["ext4", "xfs", "btrfs", "tmpfs", "ext4-dax"]),
        app in prop::collection::vec(0..APP_OPS.len(), 1..5),
        flusher in prop::collection::vec(0..FLUSHER_OPS.len(), 0..3),
        dev in (any::<bool>(), any::<bool>(), any::<bool>()),
        design in prop::sample::select(designs()),
    ) {
        let text = litmus(blocks, fs, &app, &flusher, dev);
        // The generator writes only valid litmus: a parse error is a bug here or there.
        let sc = pinlab_litmus::parse("prop.litmus", &text)
            .unwrap_or_else(|d| panic!("{}", d.render(&text)));
        let r = check(&sc, design, Limits { max_states: 200_000, ..Default::default() });
        let Some(x) = pinlab_report::designs_doc::explanation(&sc, design, &r, None) else {
            return Ok(());
        };
        let svg = pinlab_report::diagram::explain_svg(&x);
        let doc = roxmltree::Document::parse(&svg)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}\n{svg}")))?;
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        for t in &sc.threads {
            prop_assert!(texts.contains(&t.name.as_str()), "no lane for thread {}", t.name);
        }
        // One numbered box per step (the step numbers in the gutter).
        for i in 1..=x.steps.len() {
            prop_assert!(texts.contains(&i.to_string().as_str()), "no step {i}");
        }
        // Exactly one highlighted band: the step that broke the property (or the hang).
        let bands = doc
            .descendants()
            .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some("#fef2f2"))
            .count();
        prop_assert_eq!(bands, 1, "highlighted bands in\n{}\n{}", text, svg);
        // The JSON's last page states are the trace's final frames.
        let json: serde_json::Value =
            serde_json::from_str(&pinlab_report::explain_json(&x)).unwrap();
        let last = x.steps.last().unwrap();
        for page in json["steps"].as_array().unwrap().last().unwrap()["pages"]
            .as_array()
            .unwrap()
        {
            let fr = page["frame"].as_u64().unwrap() as usize;
            prop_assert_eq!(
                page["refcount"].as_u64().unwrap(),
                last.after.frames[fr].refcount as u64
            );
        }
    }
}

//! What the pictures cost to draw, apart from checking: the SVG of one trace, and the whole HTML
//! report of the catalog under every preset (about 190 diagrams and 516 cell details).
//!
//! `cargo bench -p pinlab-report` also prints the report's size once (target: the whole catalog
//! report rendered in well under a second on one core, and a few MB at most, since it is one
//! file a reviewer opens and may mail).

use criterion::{criterion_group, criterion_main, Criterion};
use pinlab_check::{check, Limits};
use pinlab_model::design::Design;
use pinlab_model::scenario::Scenario;
use pinlab_report::{Cell, Row};

fn catalog() -> Vec<(Scenario, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../litmus");
    pinlab_litmus::litmus_files(&dir)
        .unwrap()
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let sc = pinlab_litmus::parse(&f.display().to_string(), &text)
                .unwrap_or_else(|d| panic!("{}", d.render(&text)));
            (sc, text)
        })
        .collect()
}

fn rows<'a>(scs: &'a [Scenario], designs: &[Design]) -> Vec<Row<'a>> {
    scs.iter()
        .map(|sc| Row {
            scenario: sc,
            cells: designs
                .iter()
                .map(|&d| Cell {
                    design: d,
                    result: check(sc, d, Limits::default()),
                    expect: pinlab_report::expect_for(sc, &d),
                })
                .collect(),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let (scs, texts): (Vec<Scenario>, Vec<String>) = catalog().into_iter().unzip();
    let designs = Design::presets();
    let rows = rows(&scs, &designs);
    let meta = pinlab_report::html::ReportMeta {
        source: "the catalog",
        texts: &texts,
        seconds: 1.0,
        version: "bench",
        failed: &[],
    };
    let html = pinlab_report::html::report_html(&rows, &designs, &meta);
    eprintln!(
        "report of {} scenarios x {} designs: {} bytes, {} diagrams",
        scs.len(),
        designs.len(),
        html.len(),
        html.matches("<svg ").count()
    );
    c.bench_function("report_html catalog x presets (checks done)", |b| {
        b.iter(|| pinlab_report::html::report_html(&rows, &designs, &meta).len())
    });

    let sc = scs
        .iter()
        .find(|s| s.name == "ext4-rdma-redirty-after-writeback")
        .expect("the catalog scenario");
    let legacy = Design::parse("legacy").unwrap();
    let r = check(sc, legacy, Limits::default());
    c.bench_function(
        "explain_svg ext4-rdma-redirty-after-writeback legacy",
        |b| {
            b.iter(|| {
                let x = pinlab_report::designs_doc::explanation(sc, legacy, &r, None).unwrap();
                pinlab_report::diagram::explain_svg(&x).len()
            })
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);

//! Every scenario of the catalog (`litmus/` at the repository root) parses: the grammar may grow,
//! but it must keep accepting the catalog (docs/model.md#where-the-litmus-language-comes-from).

#[test]
fn every_catalog_file_parses() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../litmus");
    // The catalog is part of the repository: a checkout without it is broken, not a skip.
    let paths = pinlab_litmus::litmus_files(std::path::Path::new(dir))
        .unwrap_or_else(|e| panic!("cannot list the catalog {dir}: {e}"));
    assert!(!paths.is_empty(), "no .litmus file in {dir}");
    let mut failures = String::new();
    for p in &paths {
        let text = std::fs::read_to_string(p).expect("readable catalog file");
        let name = format!(
            "litmus/{}",
            p.file_name().unwrap_or_default().to_string_lossy()
        );
        match pinlab_litmus::parse(&name, &text) {
            Ok(s) => assert_eq!(s.source, name),
            Err(d) => failures.push_str(&d.render(&text)),
        }
    }
    assert!(
        failures.is_empty(),
        "catalog files that do not parse:\n{failures}"
    );
}

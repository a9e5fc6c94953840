//! The catalog's own rules: every scenario names its source, judges every preset, and argues each
//! judgement in a comment right above it. (That every judgement agrees with the model is checked
//! by `pinlab matrix` in cli.rs.)

use pinlab_model::design::PRESETS;
use std::path::PathBuf;

#[test]
fn every_catalog_file_is_sourced_judged_and_argued() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../litmus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "litmus"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 30,
        "the catalog has {} scenarios; issue 3 asks for at least 30",
        files.len()
    );
    let mut problems = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        let sc = match pinlab_litmus::parse(&f.display().to_string(), &text) {
            Ok(sc) => sc,
            Err(d) => {
                problems.push(d.render(&text));
                continue;
            }
        };
        if sc.name != name {
            problems.push(format!(
                "{name}: `litmus {}` does not match the file name",
                sc.name
            ));
        }
        match &sc.doc {
            Some(d) if d.contains("seed") || d.contains("research") => {}
            _ => problems.push(format!(
                "{name}: the doc line must name its source (a seed or a research note)"
            )),
        }
        for p in PRESETS {
            if !sc.expects.iter().any(|e| e.design == p.name) {
                problems.push(format!("{name}: no expect line for preset {}", p.name));
            }
        }
        let lines: Vec<&str> = text.lines().collect();
        for e in &sc.expects {
            let above = lines
                .get((e.pos.line as usize).wrapping_sub(2))
                .map(|l| l.trim_start())
                .unwrap_or("");
            if !above.starts_with('#') {
                problems.push(format!(
                    "{name}:{}: `expect {}` has no argument comment right above it",
                    e.pos.line, e.design
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

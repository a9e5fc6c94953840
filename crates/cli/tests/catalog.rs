//! The catalog's own rules: every scenario names its source, judges every preset, pins the answer
//! to its final condition on every expect line when it has one, and argues each judgement in a
//! comment right above it. (That every judgement agrees with the model is checked by `pinlab
//! matrix` in cli.rs.)

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
            Some(d)
                if d.contains("seed 00")
                    || d.contains("docs/sources.md#")
                    || d.contains("pinlab probe") => {}
            _ => problems.push(format!(
                "{name}: the doc line must name its source (a seed thread, a docs/sources.md section or a `pinlab probe` measurement)"
            )),
        }
        for p in PRESETS {
            if !sc.expects.iter().any(|e| e.design == p.name) {
                problems.push(format!("{name}: no expect line for preset {}", p.name));
            }
        }
        // Like herd's .expected files: a condition's answer is part of the judgement, so a model
        // change that flips it fails the catalog instead of passing unseen.
        if sc.condition.is_some() {
            for e in sc.expects.iter().filter(|e| e.answer.is_none()) {
                problems.push(format!(
                    "{name}:{}: `expect {}` pins no answer to the condition (add `Always`, `Sometimes` or `Never` after the verdict)",
                    e.pos.line, e.design
                ));
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

/// Issue 3's coverage rule, judged from the model's own verdicts: every preset has a scenario that
/// shows its weakness (unsafe, hang, refused or revoked) and one where it is safe while another
/// preset is not.
#[test]
fn every_preset_shows_a_weakness_and_a_strength() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pinlab"))
        .args(["matrix", "--format", "json"])
        .output()
        .expect("run pinlab");
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).expect("matrix JSON");
    let mut problems = Vec::new();
    for p in PRESETS {
        let kinds: Vec<Vec<(String, String)>> = m["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                s["cells"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| {
                        (
                            c["design"].as_str().unwrap().to_string(),
                            c["kind"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect()
            })
            .collect();
        let kind_of = |row: &Vec<(String, String)>| {
            row.iter()
                .find(|(d, _)| d == p.name)
                .map(|(_, k)| k.clone())
                .unwrap()
        };
        if !kinds.iter().any(|r| kind_of(r) != "safe") {
            problems.push(format!("{}: no scenario shows its weakness", p.name));
        }
        if !kinds
            .iter()
            .any(|r| kind_of(r) == "safe" && r.iter().any(|(_, k)| k != "safe"))
        {
            problems.push(format!(
                "{}: no scenario where it is safe and another preset is not",
                p.name
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

//! The JSON Schemas in `schemas/` describe what the binary prints: every `--format json` output
//! validates against its schema, the schemas are valid 2020-12 schemas whose closed vocabularies
//! are the model's, every schema id the code prints has a file, and a mutated output fails (so a
//! schema that accepts anything cannot pass).

use jsonschema::Validator;
use pinlab_model::design::{Design, HANDLINGS, PRESETS, TRACKINGS};
use pinlab_model::fs::FsKind;
use pinlab_model::property::Property;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

mod common;
use common::{pinlab, probe_cannot_run, root, skip};

/// Runs pinlab, requires exit 0, and parses stdout as JSON.
fn json_of(args: &[&str]) -> Value {
    let o = pinlab(args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "pinlab {}\nstderr:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "pinlab {}: stdout is not JSON ({e}):\n{}",
            args.join(" "),
            String::from_utf8_lossy(&o.stdout)
        )
    })
}

/// `pinlab.matrix/2` -> `schemas/pinlab.matrix-2.schema.json`.
fn file_for(id: &str) -> PathBuf {
    root()
        .join("schemas")
        .join(format!("{}.schema.json", id.replace('/', "-")))
}

fn schema_text(id: &str) -> Value {
    let p = file_for(id);
    let text = std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("{}: {e} (every JSON output needs a schema)", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", p.display()))
}

fn validator(id: &str) -> Validator {
    jsonschema::draft202012::new(&schema_text(id))
        .unwrap_or_else(|e| panic!("{id}: the schema does not compile: {e}"))
}

/// Every way `doc` fails `id`'s schema, one line each (empty: valid).
fn errors(v: &Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .take(20)
        .collect()
}

fn assert_valid(id: &str, what: &str, doc: &Value) {
    let v = validator(id);
    let errs = errors(&v, doc);
    assert!(
        errs.is_empty(),
        "{what} does not match {}:\n{}",
        file_for(id).display(),
        errs.join("\n")
    );
}

/// Writes a litmus file under target/ and returns its path relative to the workspace root.
fn scratch(name: &str, text: &str) -> String {
    let dir = root().join("target/schema-tests");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
    format!("target/schema-tests/{name}")
}

/// No expect line, no condition, no doc line: the nullable fields are null.
const BARE: &str = "litmus bare\nfs ext4 blocks=4\nfile f pages=1\nmmap m = f shared rw\ndevice nic rdma\nthread app {\n  store m[0] = A\n  pin p = nic m[0..1] write longterm\n  dma p[0] = B\n  fsync f\n  unpin p dirty\n}\nthread flusher {\n  writeback f\n}\n";

/// Nothing is pinned: every per-pin figure of a cost summary is null.
const NO_PIN: &str = "litmus no-pin\nfs ext4 blocks=4\nfile f pages=1\nmmap m = f shared rw\nthread app {\n  store m[0] = A\n  fsync f\n}\n";

const REDIRTY: &str = "litmus/ext4-rdma-redirty-after-writeback.litmus";
const LEASE: &str = "litmus/xfs-rdma-punch-lease-revoked.litmus";

/// The ids of every schema file, from the file names.
fn schema_files() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(root().join("schemas"))
        .expect("schemas/")
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            let stem = name
                .strip_suffix(".schema.json")
                .unwrap_or_else(|| panic!("schemas/{name}: not NAME-VERSION.schema.json"));
            let (kind, version) = stem
                .rsplit_once('-')
                .unwrap_or_else(|| panic!("schemas/{name}: no -VERSION"));
            (format!("{kind}/{version}"), p)
        })
        .collect();
    out.sort();
    out
}

/// The keywords these schemas may use: a misspelt one (`additonalProperties`) would be ignored
/// by every validator, so it is an error here.
const KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$defs",
    "$ref",
    "title",
    "description",
    "type",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "prefixItems",
    "minItems",
    "uniqueItems",
    "enum",
    "const",
    "pattern",
    "minimum",
    "anyOf",
    "allOf",
    "if",
    "then",
    "else",
];

/// Walks every subschema: known keywords only, and every object schema closed
/// (`additionalProperties: false`) with its `required` names among its `properties`.
fn check_subschemas(s: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(o) = s.as_object() else {
        if !s.is_boolean() {
            problems.push(format!("{at}: a schema must be an object or a boolean"));
        }
        return;
    };
    for k in o.keys() {
        if !KEYWORDS.contains(&k.as_str()) {
            problems.push(format!("{at}: unknown keyword `{k}`"));
        }
    }
    if o.get("type") == Some(&json!("object")) {
        if o.get("additionalProperties") != Some(&json!(false)) {
            problems.push(format!(
                "{at}: an object of fixed shape needs additionalProperties: false"
            ));
        }
        let props = o.get("properties").and_then(Value::as_object);
        for r in o
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !props.is_some_and(|p| p.contains_key(r.as_str().unwrap_or(""))) {
                problems.push(format!("{at}: requires {r} but does not describe it"));
            }
        }
    }
    for key in ["$defs", "properties"] {
        if let Some(m) = o.get(key).and_then(Value::as_object) {
            for (k, v) in m {
                check_subschemas(v, &format!("{at}/{key}/{k}"), problems);
            }
        }
    }
    for key in ["items", "additionalProperties", "if", "then", "else"] {
        if let Some(v) = o.get(key) {
            check_subschemas(v, &format!("{at}/{key}"), problems);
        }
    }
    for key in ["prefixItems", "anyOf", "allOf"] {
        for (i, v) in o
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            check_subschemas(v, &format!("{at}/{key}/{i}"), problems);
        }
    }
}

#[test]
fn every_schema_file_is_a_valid_closed_2020_12_schema_named_after_its_id() {
    let files = schema_files();
    assert!(files.len() >= 7, "schemas/ holds {} files", files.len());
    for (id, path) in files {
        let s = schema_text(&id);
        if let Err(e) = jsonschema::draft202012::meta::validate(&s) {
            panic!("{}: not a valid 2020-12 schema: {e}", path.display());
        }
        validator(&id);
        assert_eq!(
            s["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{id}"
        );
        assert_eq!(s["$id"], format!("urn:pinlab:schema:{id}"), "{id}");
        assert_eq!(s["properties"]["schema"]["const"], id.as_str(), "{id}");
        assert!(
            s["title"].is_string() && s["description"].is_string(),
            "{id}"
        );
        let mut problems = Vec::new();
        check_subschemas(&s, &id, &mut problems);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The string literals of the form `"pinlab.NAME/N"` in `text`.
fn schema_ids_in(text: &str) -> Vec<String> {
    text.match_indices("\"pinlab.")
        .filter_map(|(i, _)| {
            let rest = &text[i + 1..];
            let lit = &rest[..rest.find('"')?];
            let (name, version) = lit.strip_prefix("pinlab.")?.split_once('/')?;
            let ok = !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
                && !version.is_empty()
                && version.bytes().all(|b| b.is_ascii_digit());
            ok.then(|| lit.to_string())
        })
        .collect()
}

#[test]
fn every_schema_id_the_code_prints_has_a_schema_file_and_no_file_is_stale() {
    let mut files = Vec::new();
    for krate in std::fs::read_dir(root().join("crates")).unwrap() {
        let src = krate.unwrap().path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    let mut in_code = BTreeSet::new();
    for f in &files {
        in_code.extend(schema_ids_in(&std::fs::read_to_string(f).unwrap()));
    }
    // The consts the report crate exports, in case one is ever built rather than spelt out.
    for id in [
        pinlab_report::MATRIX_SCHEMA,
        pinlab_report::CHECK_SCHEMA,
        pinlab_report::EXPLAIN_SCHEMA,
        pinlab_report::RANK_SCHEMA,
        pinlab_report::COSTS_SCHEMA,
        pinlab_report::probe::PROBE_SCHEMA,
    ] {
        in_code.insert(id.to_string());
    }
    assert!(
        in_code.contains("pinlab.designs/1"),
        "the scan missed the designs listing's id: {in_code:?}"
    );
    let on_disk: BTreeSet<String> = schema_files().into_iter().map(|(id, _)| id).collect();
    let missing: Vec<&String> = in_code.difference(&on_disk).collect();
    let stale: Vec<&String> = on_disk.difference(&in_code).collect();
    assert!(missing.is_empty(), "no schema file for {missing:?}");
    assert!(stale.is_empty(), "schema files no code prints: {stale:?}");
}

#[test]
fn docs_json_md_names_every_schema_file_and_documents_no_other_output() {
    let doc = std::fs::read_to_string(root().join("docs/json.md")).unwrap();
    let ids: BTreeSet<String> = schema_files().into_iter().map(|(id, _)| id).collect();
    for id in &ids {
        let file = format!("schemas/{}.schema.json", id.replace('/', "-"));
        assert!(doc.contains(&file), "docs/json.md does not name {file}");
    }
    // Section headings name the current ids; each must have a schema.
    for line in doc.lines().filter(|l| l.starts_with("## ")) {
        for id in line.split('`').filter(|w| w.starts_with("pinlab.")) {
            assert!(
                ids.contains(id),
                "docs/json.md documents {id}, which has no schema"
            );
        }
    }
}

/// The `$defs` entry `name` of `id`'s schema, compiled on its own (with the other `$defs` it
/// refers to).
fn def_validator(id: &str, name: &str) -> Validator {
    let s = schema_text(id);
    let standalone = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/$defs/{name}"),
        "$defs": s["$defs"],
    });
    jsonschema::draft202012::new(&standalone).unwrap()
}

#[test]
fn the_schemas_closed_vocabularies_are_the_models() {
    let props: Vec<&str> = Property::ALL.iter().map(|p| p.name()).collect();
    let vocab: [(&str, Vec<&str>); 8] = [
        ("property", props.clone()),
        ("fs", FsKind::names()),
        ("tracking", TRACKINGS.iter().map(|t| t.name).collect()),
        ("handling", HANDLINGS.iter().map(|h| h.name).collect()),
        ("preset", PRESETS.iter().map(|p| p.name).collect()),
        ("backing", pinlab_probe::matrix::BACKINGS.to_vec()),
        // Every flag a trace can print (the explain schema once listed only five of eight).
        ("folio-flag", pinlab_model::flag_names(u8::MAX)),
        (
            "arrow",
            pinlab_model::trace::Arrow::ALL
                .iter()
                .map(|a| a.name())
                .collect(),
        ),
    ];
    let mut seen = BTreeSet::new();
    for (id, _) in schema_files() {
        let s = schema_text(&id);
        for (name, want) in &vocab {
            if let Some(def) = s["$defs"].get(*name) {
                seen.insert(*name);
                assert_eq!(def["enum"], json!(want), "{id}: $defs/{name}");
            }
        }
        if s["$defs"].get("design").is_some() {
            let v = def_validator(&id, "design");
            let mut names: Vec<String> = Design::presets().iter().map(Design::name).collect();
            names.extend(Design::pairs().iter().map(|d| {
                // A pair is printed by its tracking+handling name when no preset is asked for.
                format!("{}+{}", d.tracking.name, d.handling.name)
            }));
            for n in names {
                assert!(v.is_valid(&json!(n)), "{id}: design {n} is rejected");
            }
            assert!(!v.is_valid(&json!("pincount+nothing")), "{id}");
        }
        if s["$defs"].get("verdict").is_some() {
            let v = def_validator(&id, "verdict");
            for p in Property::ALL
                .iter()
                .filter(|p| **p != Property::BoundedWait)
            {
                let text = format!("unsafe({}, durability)", p.name());
                assert!(v.is_valid(&json!(text)), "{id}: {text} is rejected");
            }
            for bad in [
                "unsafe()",
                "unsafe(bounded-wait)",
                "Safe",
                "unsafe(durability,mkwrite-contract)",
            ] {
                assert!(!v.is_valid(&json!(bad)), "{id}: verdict {bad} is accepted");
            }
        }
    }
    assert_eq!(
        seen.len(),
        vocab.len(),
        "some vocabulary is in no schema: {seen:?}"
    );
}

#[test]
fn matrix_and_check_outputs_match_their_schemas() {
    let bare = scratch("bare.litmus", BARE);
    assert_valid(
        "pinlab.matrix/2",
        "matrix --format json",
        &json_of(&["matrix", "--format", "json"]),
    );
    assert_valid(
        "pinlab.matrix/2",
        "matrix of pairs on a file without expect lines",
        &json_of(&[
            "matrix",
            "-d",
            "pincount+wait,get+none,upstream",
            "--format",
            "json",
            &bare,
        ]),
    );
    let runs: Vec<Vec<&str>> = vec![
        vec!["check", "--all-designs", "--format", "json"],
        vec!["check", "--all-designs", "--format", "json", REDIRTY, LEASE],
        vec!["check", "--format", "json", REDIRTY, LEASE],
        vec!["check", "-d", "pincount+wait", "--format", "json", REDIRTY],
        // A limit makes every verdict `incomplete`; no expect line judges it, so exit 0.
        vec![
            "check",
            "--max-states",
            "5",
            "-d",
            "legacy",
            "--format",
            "json",
            &bare,
        ],
    ];
    for args in runs {
        let v = json_of(&args);
        assert_valid("pinlab.check/1", &args.join(" "), &v);
    }
    let v = json_of(&["check", "--format", "json", &bare]);
    let cell = &v["scenarios"][0]["cells"][0];
    assert!(cell["expected"].is_null() && cell["condition"].is_null());
    assert!(cell["expected_answer"].is_null() && cell["expect_line"].is_null());
    assert!(v["scenarios"][0]["doc"].is_null());
}

#[test]
fn explain_outputs_match_their_schema_for_unsafe_hang_refused_and_revoked_traces() {
    let cases: [(&str, &[&str], &str, Value); 6] = [
        (
            REDIRTY,
            &["-d", "legacy"],
            "unsafe",
            json!("mkwrite-contract"),
        ),
        (
            REDIRTY,
            &["-d", "legacy", "-p", "durability"],
            "unsafe",
            json!("durability"),
        ),
        (REDIRTY, &["-d", "pin-wait"], "hang", json!("bounded-wait")),
        (REDIRTY, &["-d", "longterm-refuse"], "refused", Value::Null),
        (LEASE, &["-d", "layout-lease"], "revoked", Value::Null),
        (
            "litmus/tmpfs-rdma-dma-after-unpin.litmus",
            &["-d", "pincount+fs-tolerant"],
            "unsafe",
            json!("no-frame-uaf"),
        ),
    ];
    for (file, design, verdict, property) in cases {
        let mut args = vec!["explain", file, "--format", "json"];
        args.extend(design);
        let v = json_of(&args);
        assert_valid("pinlab.explain/1", &args.join(" "), &v);
        assert!(
            v["verdict"].as_str().unwrap().starts_with(verdict),
            "{}: {}",
            args.join(" "),
            v["verdict"]
        );
        assert_eq!(v["property"], property, "{}", args.join(" "));
        if verdict == "hang" {
            assert!(!v["waiting"].as_array().unwrap().is_empty());
        }
    }
}

#[test]
fn rank_designs_and_costs_outputs_match_their_schemas() {
    assert_valid(
        "pinlab.rank/1",
        "rank --format json",
        &json_of(&["rank", "--format", "json"]),
    );
    assert_valid(
        "pinlab.designs/1",
        "designs --format json",
        &json_of(&["designs", "--format", "json"]),
    );
    assert_valid(
        "pinlab.costs/1",
        "designs --costs --format json",
        &json_of(&["designs", "--costs", "--format", "json"]),
    );
    let no_pin = scratch("no-pin.litmus", NO_PIN);
    let v = json_of(&["designs", "--costs", "--format", "json", &no_pin]);
    assert_valid(
        "pinlab.costs/1",
        "designs --costs on a file with no pin",
        &v,
    );
    assert!(
        v["presets"][0]["per_pin"]["atomics"].is_null(),
        "nothing pinned: {}",
        v["presets"][0]
    );
    assert_valid(
        "pinlab.rank/1",
        "rank on a file with no pin",
        &json_of(&["rank", "--format", "json", &no_pin]),
    );
}

/// What is wrong, the edit that makes it so, and where the validator must say the output is wrong.
type Mutation = (&'static str, fn(&mut Value), &'static str);

/// Applies `edit` to a copy of `doc` and returns why the copy fails `id`'s schema.
fn errors_after(id: &str, doc: &Value, edit: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut d = doc.clone();
    edit(&mut d);
    errors(&validator(id), &d)
}

#[test]
fn a_mutated_output_fails_its_schema() {
    let m = json_of(&["check", "--all-designs", "--format", "json", REDIRTY]);
    assert_valid("pinlab.check/1", "the unmutated output", &m);
    let mutations: Vec<Mutation> = vec![
        (
            "an undocumented field in a cell",
            |d| d["scenarios"][0]["cells"][0]["latency_ns"] = json!(12),
            "/scenarios/0/cells/0",
        ),
        (
            "a misspelt property in a verdict",
            |d| d["scenarios"][0]["cells"][0]["verdict"] = json!("unsafe(durabilty)"),
            "/scenarios/0/cells/0/verdict",
        ),
        (
            "an answer in the wrong case",
            |d| d["scenarios"][0]["cells"][0]["expected_answer"] = json!("sometimes"),
            "/scenarios/0/cells/0/expected_answer",
        ),
        (
            "an expect line at line 0",
            |d| d["scenarios"][0]["cells"][0]["expect_line"] = json!(0),
            "/scenarios/0/cells/0/expect_line",
        ),
        (
            "a verdict kind outside the vocabulary",
            |d| d["scenarios"][0]["cells"][0]["kind"] = json!("maybe"),
            "/scenarios/0/cells/0/kind",
        ),
        (
            "a missing required field",
            |d| {
                d["totals"].as_object_mut().unwrap().remove("mismatches");
            },
            "/totals",
        ),
        (
            "another output's schema id",
            |d| d["schema"] = json!("pinlab.matrix/2"),
            "/schema",
        ),
        (
            "a negative count",
            |d| d["scenarios"][0]["cells"][0]["stats"]["states"] = json!(-1),
            "/scenarios/0/cells/0/stats/states",
        ),
        (
            "an unknown filesystem",
            |d| d["scenarios"][0]["fs"] = json!("zfs"),
            "/scenarios/0/fs",
        ),
        (
            "a matrix-only costs summary in check output",
            |d| d["costs"] = json!([]),
            "",
        ),
    ];
    for (what, edit, at) in mutations {
        let errs = errors_after("pinlab.check/1", &m, edit);
        assert!(
            errs.iter().any(|e| e.starts_with(&format!("at {at}: "))),
            "{what}: expected an error at `{at}`, got {errs:?}"
        );
    }

    let x = json_of(&["explain", REDIRTY, "-d", "pin-wait", "--format", "json"]);
    assert!(!errors_after("pinlab.explain/1", &x, |d| d["property"] =
        json!("liveness"))
    .is_empty());
    assert!(!errors_after("pinlab.explain/1", &x, |d| d["steps"][0]["line"] = json!(0)).is_empty());
    assert!(
        !errors_after("pinlab.explain/1", &x, |d| d["steps"][0]["events"][0]
            ["arrow"] =
            json!("teleport"))
        .is_empty()
    );
    assert!(
        !errors_after("pinlab.explain/1", &x, |d| d["steps"][0]["events"][0]
            ["touches"][0] =
            json!({"kind": "frame", "page": 0}))
        .is_empty()
    );
}

#[test]
fn probe_output_matches_its_schema() {
    if let Some(why) = probe_cannot_run() {
        skip(why);
        return;
    }
    // tmpfs needs no mkfs: on a machine with root and loop devices the probe runs, so any exit
    // but 0 is the probe failing, which this test reports rather than skips.
    let args = ["probe", "--pin-matrix", "--fs", "tmpfs", "--format", "json"];
    let o = pinlab(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "pinlab {}\nstderr:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    assert_valid("pinlab.probe/1", &args.join(" "), &v);
    assert!(!v["runs"].as_array().unwrap().is_empty());
    // The skipped shape: a reason and no observations.
    let mut skipped = v.clone();
    let run = &mut skipped["runs"][0];
    let keep = [
        "scenario",
        "source",
        "backing",
        "schedule",
        "schedule_notes",
    ];
    run.as_object_mut()
        .unwrap()
        .retain(|k, _| keep.contains(&k.as_str()));
    run["result"] = json!("skipped");
    run["reason"] = json!("no hugetlbfs pages");
    assert_valid("pinlab.probe/1", "a skipped run", &skipped);
    skipped["runs"][0]["kernel"] = v["runs"][0]["kernel"].clone();
    assert!(
        !errors(&validator("pinlab.probe/1"), &skipped).is_empty(),
        "a skipped run with observations is accepted"
    );
}
